#!/usr/bin/env python3
"""Peak memory of ``hipcam analyse`` on a 1-minute and a 10-minute video.

Each measurement runs ``hipcam analyse VIDEO --json … --plot …`` in a fresh process and reads
its peak resident set size (``ru_maxrss`` from ``wait4``). The videos are a rendered sample
(``sample_videos/one_leg_smooth.mp4``) looped with ffmpeg into ``benchmarks/.cache/``.
Targets: ≤ 400 MB, and ≤ 10 % growth from 1 to 10 minutes (frames are streamed; what grows with
the video is ~1 kB a frame of pose and angle series).

``--no-model`` replaces the pose model by a stub (``benchmarks/_stub_analyse.py``): everything
else runs as in the real command, so the *growth* with video length is measured in a fraction of
the time (the model's own memory does not depend on the length).

Usage::

    python benchmarks/memory.py                # 1 and 10 minutes
    python benchmarks/memory.py --no-model     # growth only, quickly
    python benchmarks/memory.py --minutes 1 3 --stride 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, load_note, looped_video, machine, run_timed, video_seconds  # noqa: E402

TARGET_MB = 400.0
TARGET_GROWTH = 0.10


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--no-model", action="store_true", help="stub instead of the pose model")
    args = ap.parse_args()
    hipcam = [sys.executable, "-m", "hipcam.cli"]
    print(machine())
    print(load_note())
    if args.no_model:
        print("pose model replaced by a stub: growth with video length only (add the model's ~250 MB)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in args.minutes:
            video = looped_video(minutes)
            cmd = [*hipcam, "analyse", str(video), "--json", f"{tmp}/a.json", "--plot", f"{tmp}/a.png",
                   "--stride", str(args.stride), "--jobs", str(args.jobs), "--no-progress", "-q"]
            if args.no_model:
                cmd = [sys.executable,
                       str(ROOT / "benchmarks" / "_stub_analyse.py"), str(video), tmp]
            wall, cpu, rss_kb = run_timed(cmd)
            secs = video_seconds(video)
            rows.append((minutes, rss_kb / 1024.0))
            print(f"{secs / 60:5.1f} min video ({video.name}): peak RSS {rss_kb / 1024:6.1f} MB, "
                  f"wall {wall:6.1f} s, CPU {cpu:6.1f} s, real-time factor {secs / wall:.2f}×", flush=True)
    peak = max(mb for _, mb in rows)
    ok = peak <= TARGET_MB
    print(f"largest peak {peak:.1f} MB (target ≤ {TARGET_MB:.0f} MB): {'ok' if ok else 'OVER'}")
    if len(rows) >= 2:
        growth = rows[-1][1] / rows[0][1] - 1.0
        ok_g = growth <= TARGET_GROWTH
        ok = ok and ok_g
        print(f"growth {rows[0][0]:g} → {rows[-1][0]:g} min: {100 * growth:+.1f}% "
              f"(target ≤ {100 * TARGET_GROWTH:.0f}%): {'ok' if ok_g else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
