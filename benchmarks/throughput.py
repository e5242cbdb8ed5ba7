#!/usr/bin/env python3
"""Throughput of ``hipcam analyse`` against the bare model loop, and the ``--jobs`` speed-up.

Measured side by side in one run, on the same videos, each run in a fresh process:

(a) the bare loop (``benchmarks/bare_loop.py``): decode + ``PoseLandmarker.detect_for_video``
    and nothing else — the floor;
(b) ``hipcam analyse VIDEO --json … --plot …`` end to end (process start, model load, analysis,
    JSON and plot);
(c) with ``--jobs N`` (N ≥ 2): the same command with ``--jobs N`` (videos shorter than two
    default chunks, 60 s, are analysed sequentially: use ``--minutes 1`` or longer).

Runs are interleaved (a b c, then c b a, …) and repeated, and medians are reported, because the
machine may be shared. Printed: wall and CPU seconds, the ratio b/a (target ≤ 1.10), the
real-time factor (video seconds per wall second) and the ``--jobs`` speed-up b/c (target ≥ 1.6
on 2 free cores).

Usage::

    .venv/bin/python benchmarks/throughput.py                    # 1-minute video, 2 repeats, --jobs 2
    .venv/bin/python benchmarks/throughput.py --minutes 2 --repeat 3 --samples
    .venv/bin/python benchmarks/throughput.py --jobs 0          # skip the --jobs runs
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    ROOT,
    load_note,
    looped_video,
    machine,
    run_timed,
    sample_videos,
    video_seconds,
)

TARGET_RATIO = 1.10
TARGET_SPEEDUP = 1.6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("videos", nargs="*", type=Path, help="videos (default: a looped sample video)")
    ap.add_argument("--minutes", type=float, default=1.0, help="length of the looped video (default 1)")
    ap.add_argument("--samples", action="store_true", help="also every rendered sample video")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--jobs", type=int, default=2, help="N for the --jobs runs (0 or 1: skip them)")
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--skip-bare", action="store_true", help="only (b) and (c): the --jobs speed-up")
    args = ap.parse_args()

    videos = list(args.videos) or [looped_video(args.minutes)]
    if args.samples:
        videos += sample_videos()
    py = str(ROOT / ".venv" / "bin" / "python")
    hipcam = str(ROOT / ".venv" / "bin" / "hipcam")
    bare = str(ROOT / "benchmarks" / "bare_loop.py")
    print(machine())
    print(load_note())
    modes = ([] if args.skip_bare else ["a"]) + ["b"] + (["c"] if args.jobs >= 2 else [])
    times: dict[tuple[str, Path], list[tuple[float, float]]] = {(m, v): [] for m in modes for v in videos}
    with tempfile.TemporaryDirectory() as tmp:
        def cmd(mode: str, video: Path) -> list[str]:
            if mode == "a":
                return [py, bare, str(video)]
            out = [hipcam, "analyse", str(video), "--json", f"{tmp}/a.json", "--plot", f"{tmp}/a.png",
                   "--stride", str(args.stride), "--no-progress", "-q"]
            return out + (["--jobs", str(args.jobs)] if mode == "c" else [])

        for rep in range(args.repeat):
            order = modes if rep % 2 == 0 else modes[::-1]
            for video in videos:
                for mode in order:
                    wall, cpu, _ = run_timed(cmd(mode, video))
                    times[(mode, video)].append((wall, cpu))
                    print(f"  run {rep + 1}/{args.repeat} {mode} {video.name}: wall {wall:7.1f} s, "
                          f"CPU {cpu:7.1f} s", flush=True)

    def med(mode: str, video: Path, k: int) -> float:
        return statistics.median(t[k] for t in times[(mode, video)])

    label = {"a": "bare loop (decode + detect_for_video)", "b": "hipcam analyse (JSON + plot)",
             "c": f"hipcam analyse --jobs {args.jobs}"}
    total_s = sum(video_seconds(v) for v in videos)
    print(f"\nmedians over {args.repeat} interleaved runs, {len(videos)} video(s), {total_s:.0f} s of video"
          + (f", stride {args.stride} for hipcam" if args.stride != 1 else ""))
    sums = {}
    for mode in modes:
        wall = sum(med(mode, v, 0) for v in videos)
        cpu = sum(med(mode, v, 1) for v in videos)
        sums[mode] = (wall, cpu)
        print(f"  ({mode}) {label[mode]:40s} wall {wall:7.1f} s  CPU {cpu:7.1f} s  "
              f"real-time factor {total_s / wall:5.2f}×")
    if "a" in sums:
        ratio = sums["b"][0] / sums["a"][0]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
        print(f"  b/a wall {ratio:.3f} (target ≤ {TARGET_RATIO}): {verdict};"
              f"  b/a CPU {sums['b'][1] / sums['a'][1]:.3f}")
    if "c" in sums:
        speedup = sums["b"][0] / sums["c"][0]
        print(f"  --jobs {args.jobs} speed-up b/c wall {speedup:.2f}× (target ≥ {TARGET_SPEEDUP} on 2 "
              f"free cores): {'ok' if speedup >= TARGET_SPEEDUP else 'UNDER'};  "
              f"CPU c/b {sums['c'][1] / sums['b'][1]:.2f}")
    print(machine().split("; ")[-1] + " (at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
