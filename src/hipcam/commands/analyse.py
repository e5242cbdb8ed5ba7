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

from hipcam.commands.options import add_analysis_options, int_in


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("video", metavar="VIDEO", help="a video file (anything OpenCV/FFmpeg reads)")
    p.add_argument("--json", metavar="PATH", help="write the hipcam.analysis/1 JSON here ('-' = stdout)")
    p.add_argument("--csv", metavar="PATH", help="write per-frame angles as CSV here")
    p.add_argument("--plot", metavar="PATH", help="write a PNG plot: angle vs time, reps, smoothness")
    p.add_argument("--annotate", metavar="PATH",
                   help="write an H.264 mp4 with skeleton, counts, angle and last rep's score")
    add_analysis_options(p)
    p.add_argument("--jobs", type=int_in(1, 10_000), default=1, metavar="N",
                   help="split the video into N overlapping chunks analysed in parallel (default 1)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary on stdout (and no progress bar unless --progress)")


def run(args: argparse.Namespace) -> int:
    """Run ``hipcam analyse``; an expected failure is a one-line :class:`HipcamError`, anything
    else is turned into one line by the CLI's catch-all (:func:`hipcam.cli.main`)."""
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from hipcam.errors import HipcamError
    from hipcam.progress import ProgressBar
    from hipcam.report import csv_bytes, json_bytes, plot_png, summary_text
    from hipcam.safe_output import file_for, write_bytes

    if args.stride < 1:
        raise HipcamError("--stride must be at least 1", 2)
    if args.jobs < 1:
        raise HipcamError("--jobs must be at least 1", 2)
    if args.pause_break <= 0:
        raise HipcamError("--pause-break must be positive", 2)
    if args.target < 1:
        raise HipcamError("--target must be at least 1", 2)
    from hipcam.capture import check_video_file

    check_video_file(args.video)  # before the slow imports: a typo in the name fails at once
    _check_outputs(args)
    if args.jobs > 1:
        from hipcam.commands.options import cap_processes

        args.jobs = cap_processes(args.jobs, "--jobs", "analyse")

    bar_on = args.progress if args.progress is not None else (None if not args.quiet else False)
    bar = ProgressBar(f"analysing {Path(args.video).name}", enabled=bar_on)
    try:
        if args.jobs > 1:
            try:
                from hipcam.parallel import analyse_video_parallel
            except ImportError:
                raise HipcamError("--jobs above 1 is not available in this installation", 2) from None

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
    targets = args._targets
    if "--json" in targets:
        write_bytes(targets["--json"], json_bytes(doc))
    if "--csv" in targets:
        write_bytes(targets["--csv"], csv_bytes(result.series))
    if "--plot" in targets:
        write_bytes(targets["--plot"], plot_png(doc, result.series, args.target))
    if "--annotate" in targets:
        from hipcam.annotate import write_annotated

        abar = ProgressBar("annotating", enabled=bar_on)
        try:
            with file_for(targets["--annotate"], suffix=".mp4") as video_path:
                write_annotated(result, video_path, abar.update)
        finally:
            abar.close()
    if not args.quiet and not any(t.is_stdout for t in targets.values()):
        _write_stdout(summary_text(doc, args.target) + "\n")
    return 0


def _write_stdout(text: str) -> None:
    """Write to stdout; a full disk or closed pipe becomes one line, not a traceback at exit."""
    import os

    from hipcam.errors import OutputError

    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        # point fd 1 at /dev/null so the interpreter's final flush of what is still buffered
        # cannot fail again (and print "Exception ignored ...") after our one-line message
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        if isinstance(exc, BrokenPipeError):
            raise  # the reader went away (``| head``): the CLI exits 0 quietly
        raise OutputError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _check_outputs(args: argparse.Namespace) -> None:
    """Fail before the long analysis, not after it, when an output cannot be written or would
    overwrite the video, the model or another output (one line; see hipcam.safe_output)."""
    from hipcam.safe_output import check_outputs

    args._targets = check_outputs(
        {f"--{opt}": getattr(args, opt) for opt in ("json", "csv", "plot", "annotate")},
        {"the video": args.video, "--model": args.model})
