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

from hipcam.commands.options import add_analysis_options


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
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="split the video into N overlapping chunks analysed in parallel (default 1)")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="progress bar on stderr (default: when stderr is a terminal)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary on stdout (and no progress bar unless --progress)")


def run(args: argparse.Namespace) -> int:
    """Run ``hipcam analyse``; every failure becomes a one-line :class:`HipcamError`."""
    from hipcam.errors import HipcamError

    try:
        return _run(args)
    except (HipcamError, KeyboardInterrupt):
        raise
    except MemoryError:
        raise HipcamError("out of memory (try --stride 2 or a shorter video)") from None
    except Exception as exc:  # last resort: never a traceback, but say it is a bug
        import os

        if os.environ.get("HIPCAM_DEBUG"):
            raise
        text = str(exc).strip().splitlines()
        raise HipcamError(f"internal error: {type(exc).__name__}: {text[0] if text else ''} "
                          "(please report it; HIPCAM_DEBUG=1 shows the details)") from None


def _run(args: argparse.Namespace) -> int:
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
    from hipcam.capture import check_video_file

    check_video_file(args.video)  # before the slow imports: a typo in the name fails at once
    _check_outputs(args)

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
    if args.json == "-":
        _write_stdout(json_bytes(doc).decode())
    elif args.json:
        atomic_write_bytes(args.json, json_bytes(doc))
    if args.csv:
        atomic_write_bytes(args.csv, csv_bytes(result.series))
    if args.plot:
        atomic_write_bytes(args.plot, plot_png(doc, result.series, args.target))
    if args.annotate:
        from hipcam.annotate import write_annotated

        abar = ProgressBar("annotating", enabled=bar_on)
        try:
            write_annotated(result, args.annotate, abar.update)
        finally:
            abar.close()
    if not args.quiet and args.json != "-":
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
    """Fail before the long analysis, not after it, when an output cannot be written."""
    from hipcam.errors import OutputError

    seen: dict[Path, str] = {}
    video = Path(args.video)
    for opt in ("json", "csv", "plot", "annotate"):
        path = getattr(args, opt)
        if not path or path == "-":
            continue
        _check_writable(path)
        p = Path(path)
        if opt == "annotate" and p.exists() and not p.is_file():
            raise OutputError(f"--annotate {p}: the annotated video must go to a regular file")
        if p.exists() and not p.is_file():
            continue  # /dev/null, /dev/stdout, a FIFO: may be given twice
        key = p.resolve()
        if key == video.resolve():
            raise OutputError(f"--{opt} {p} would overwrite the input video")
        if key in seen:
            raise OutputError(f"--{opt} and --{seen[key]} both write {p}")
        seen[key] = opt


def _check_writable(path: str | None) -> None:
    """Raise :class:`OutputError` unless ``path`` can be created or replaced.

    Checked by doing, not by permission bits (which say nothing on read-only file systems or for
    root): a probe file is created in the nearest existing folder and removed again.
    """
    import os
    import tempfile

    from hipcam.errors import OutputError

    if not path or path == "-":
        return
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{p} is a directory; give a file name")
    if p.exists() and not p.is_file():  # /dev/stdout, a FIFO, a device: written in place
        if not os.access(p, os.W_OK):
            raise OutputError(f"cannot write {p}: permission denied")
        return
    parent = p.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {p}: {parent} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hipcam-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {exc.strerror or exc}") from None
