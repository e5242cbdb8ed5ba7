#!/usr/bin/env python3
"""What ``--stride 2`` does to counts and smoothness figures, on the rendered sample videos.

Each sample video is analysed at stride 1 and stride 2 (in this process); printed per leg:
reps, longest set, the leg's smoothness score (0–100), mean SPARC and mean LDLJ, and the mean
absolute per-rep change of those figures.

Usage: ``.venv/bin/python benchmarks/stride_smoothness.py [VIDEO ...]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_note, machine, sample_videos  # noqa: E402


def main() -> int:
    import argparse

    from hipcam.pipeline import analyse_video

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    ap.add_argument("videos", nargs="*", type=Path, help="videos (default: every sample video)")
    videos = ap.parse_args().videos or sample_videos()
    print(machine())
    print(load_note())
    print(f"{'video':22s} {'leg':5s} {'reps 1/2':>9s} {'set 1/2':>8s} {'score 1→2':>13s} "
          f"{'SPARC 1→2':>15s} {'LDLJ 1→2':>15s} {'|Δscore|/rep':>12s} {'|ΔSPARC|/rep':>12s}")
    all_ok = True
    for video in videos:
        r1 = analyse_video(video, stride=1).to_dict()["legs"]
        r2 = analyse_video(video, stride=2).to_dict()["legs"]
        for leg in r1:
            a, b = r1[leg], r2[leg]
            same = a["reps"] == b["reps"] and a["longest_continuous_set"] == b["longest_continuous_set"]
            all_ok &= same
            if not a["reps"]:
                print(f"{video.stem:22s} {leg:5s} {a['reps']:4d}/{b['reps']:<4d} "
                      f"{a['longest_continuous_set']:3d}/{b['longest_continuous_set']:<4d}")
                continue

            def mean(d: dict, key: str) -> float:
                vals = [r[key] for r in d["reps_detail"] if r[key] is not None]
                return float(np.mean(vals)) if vals else float("nan")

            nan = float("nan")
            d_score = d_sparc = nan
            if same:
                pairs = list(zip(a["reps_detail"], b["reps_detail"], strict=True))
                d_score = float(np.nanmean([abs((x["smoothness_score"] or np.nan) -
                                                (y["smoothness_score"] or np.nan)) for x, y in pairs]))
                d_sparc = float(np.nanmean([abs((x["sparc"] or np.nan) - (y["sparc"] or np.nan))
                                            for x, y in pairs]))
            print(f"{video.stem:22s} {leg:5s} {a['reps']:4d}/{b['reps']:<4d} "
                  f"{a['longest_continuous_set']:3d}/{b['longest_continuous_set']:<4d} "
                  f"{a['smoothness_score'] or nan:5.1f}→{b['smoothness_score'] or nan:5.1f} "
                  f"{mean(a, 'sparc'):7.3f}→{mean(b, 'sparc'):7.3f} "
                  f"{mean(a, 'ldlj'):7.2f}→{mean(b, 'ldlj'):7.2f} {d_score:12.1f} {d_sparc:12.3f}",
                  flush=True)
    print("counts unchanged by stride 2" if all_ok else "COUNTS CHANGED by stride 2")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
