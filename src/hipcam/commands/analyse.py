"""Analyse one recorded video: reps per leg, continuous sets, smoothness, plots and a report.

Examples:
  hipcam analyse session.mp4
  hipcam analyse session.mp4 --json out/session.json --plot out/session.png --csv out/angles.csv
  hipcam analyse session.mp4 --annotate out/annotated.mp4 --stride 2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hipcam.report import TARGET_REPS
from hipcam.reps import DEFAULT_PAUSE_BREAK_S


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("video", metavar="VIDEO", help="a video file (anything OpenCV/FFmpeg reads)")
    p.add_argument("--json", metavar="PATH", help="write the hipcam.analysis/1 JSON here ('-' = stdout)")
    p.add_argument("--csv", metavar="PATH", help="write per-frame angles as CSV here")
    p.add_argument("--plot", metavar="PATH", help="write a PNG plot: angle vs time, reps, smoothness")
    p.add_argument("--annotate", metavar="PATH", help="write an mp4 with skeleton and running counts")
    p.add_argument("--model", metavar="PATH", help="MediaPipe pose .task bundle (default: bundled)")
    p.add_argument("--stride", type=int, default=1, metavar="N",
                   help="analyse every Nth frame (default 1; 2 halves the work at 30 fps)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="split the video into N overlapping chunks analysed in parallel (default 1)")
    p.add_argument("--pause-break", type=float, default=DEFAULT_PAUSE_BREAK_S, metavar="S",
                   help=f"a rest this long (s) ends a continuous set (default {DEFAULT_PAUSE_BREAK_S})")
    p.add_argument("--target", type=int, default=TARGET_REPS, metavar="N",
                   help=f"the goal for one continuous set (default {TARGET_REPS})")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary on stdout")


def run(args: argparse.Namespace) -> int:
    from hipcam.errors import HipcamError
    from hipcam.progress import ProgressBar
    from hipcam.report import atomic_write_bytes, csv_bytes, json_bytes, plot_png, summary_text

    if args.stride < 1:
        raise HipcamError("--stride must be at least 1", 2)
    if args.jobs < 1:
        raise HipcamError("--jobs must be at least 1", 2)
    if args.pause_break <= 0:
        raise HipcamError("--pause-break must be positive", 2)
    if args.target < 1:
        raise HipcamError("--target must be at least 1", 2)
    for opt in ("json", "csv", "plot", "annotate"):
        _check_writable(getattr(args, opt))

    bar = ProgressBar(f"analysing {Path(args.video).name}", enabled=args.progress)
    try:
        if args.jobs > 1:
            from hipcam.parallel import analyse_video_parallel

            result = analyse_video_parallel(args.video, jobs=args.jobs, model_path=args.model,
                                            stride=args.stride, pause_break_s=args.pause_break,
                                            progress=bar.update)
        else:
            from hipcam.pipeline import analyse_video

            result = analyse_video(args.video, model_path=args.model, stride=args.stride,
                                   pause_break_s=args.pause_break, progress=bar.update)
    finally:
        bar.close()
    doc = result.to_dict(target=args.target)
    if args.json == "-":
        sys.stdout.write(json_bytes(doc).decode())
    elif args.json:
        atomic_write_bytes(args.json, json_bytes(doc))
    if args.csv:
        atomic_write_bytes(args.csv, csv_bytes(result.series))
    if args.plot:
        atomic_write_bytes(args.plot, plot_png(doc, result.series, args.target))
    if args.annotate:
        from hipcam.annotate import write_annotated

        abar = ProgressBar("annotating", enabled=args.progress)
        try:
            write_annotated(result, args.annotate, abar.update)
        finally:
            abar.close()
    if not args.quiet and args.json != "-":
        print(summary_text(doc, args.target))
    return 0


def _check_writable(path: str | None) -> None:
    """Fail before the long analysis, not after it, when an output cannot be written."""
    import os

    from hipcam.errors import OutputError

    if not path or path == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{p} is a directory; give a file name")
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {p}: permission denied")
