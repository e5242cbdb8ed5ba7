"""Count reps live from a camera, a stream, or a video file played as if it were a camera.

Opens a window with the camera image, the legs' skeleton and a HUD (count per leg, current and
best set, progress toward the target, last rep's range of motion and smoothness, coaching); ticks
on every rep and speaks the count every 10 reps. Every session is stored in a local SQLite
database (see `hipcam history`).

Keys: q/Esc quit (the session is saved), space pause, r start a new set, m mute.

Examples:
  hipcam live                                   # camera 0, window, sound
  hipcam live --source 1 --target 50 --record today.mp4
  hipcam live --source session.mp4              # a file played in real time (frames may drop)
  hipcam live --source session.mp4 --headless --no-realtime   # every frame: same counts as analyse
  hipcam live --source rtsp://192.168.1.20/stream --headless --db /tmp/test.db
"""

from __future__ import annotations

import argparse
import json
import sys

from hipcam.commands.options import add_analysis_options


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--source", default="0", metavar="SRC",
                   help="camera index, video file or stream URL (default 0: the first camera)")
    p.add_argument("--realtime", action=argparse.BooleanOptionalAction, default=True,
                   help="video files: play at the file's frame rate, dropping frames the pose model "
                        "cannot keep up with, like a camera (default); --no-realtime processes every "
                        "frame in order, as fast as possible, so counts equal `hipcam analyse`")
    p.add_argument("--no-drop", dest="realtime", action="store_false",
                   help="same as --no-realtime")
    p.add_argument("--loop", action="store_true", help="video files: start again at the end")
    p.add_argument("--headless", action="store_true",
                   help="no window: print events as JSON lines on stdout "
                        "(rep, set_end, warning, ... and last a summary)")
    p.add_argument("--json", nargs="?", const="-", metavar="PATH",
                   help="write the events as JSON lines to PATH ('-' or no PATH = stdout), "
                        "with the window too")
    add_analysis_options(p, stride=False)
    p.add_argument("--db", metavar="PATH",
                   help="session database (default $HIPCAM_DB, else "
                        "$XDG_DATA_HOME/hipcam/sessions.db or ~/.local/share/hipcam/sessions.db)")
    p.add_argument("--no-db", action="store_true", help="do not store this session")
    p.add_argument("--record", metavar="PATH", help="save the raw session video here (mp4)")
    p.add_argument("--no-sound", action="store_true", help="no ticks, no spoken counts")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary at the end, and no sound")
    p.add_argument("--max-seconds", type=float, metavar="S",
                   help="stop after this many seconds of source time")
    p.add_argument("--calibration", type=float, default=2.0, metavar="S",
                   help="sit-still calibration and framing check at the start (s; 0 = skip)")


def run(args: argparse.Namespace) -> int:
    import signal
    from pathlib import Path

    from hipcam.errors import HipcamError
    from hipcam.live.app import LiveConfig, LiveSession
    from hipcam.storage import default_db_path

    if args.target < 1:
        raise HipcamError("--target must be at least 1", 2)
    if args.pause_break <= 0:
        raise HipcamError("--pause-break must be positive", 2)
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise HipcamError("--max-seconds must be positive", 2)
    if args.calibration < 0:
        raise HipcamError("--calibration must not be negative", 2)
    # a shell starts background jobs with SIGINT ignored; a live session must stop (and save) on it
    signal.signal(signal.SIGINT, signal.default_int_handler)
    db = None if args.no_db else Path(args.db) if args.db else default_db_path()

    json_path = args.json if args.json is not None else ("-" if args.headless else None)
    events_out = sys.stdout
    if json_path not in (None, "-"):
        from hipcam.errors import OutputError

        try:
            events_out = open(json_path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise OutputError(f"cannot write {json_path}: {exc.strerror or exc}") from None

    def emit_json(event: dict) -> None:
        events_out.write(json.dumps(event, allow_nan=False, default=_json_default) + "\n")
        events_out.flush()
        if events_out is not sys.stdout:  # events in a file: the terminal still gets the summary
            emit_human(event)

    def emit_human(event: dict) -> None:
        kind = event["event"]
        if kind == "warning":
            print(f"hipcam live: {event['message']}", file=sys.stderr)
        elif kind == "summary" and not args.quiet:
            _print_summary(event)

    cfg = LiveConfig(
        source=args.source, realtime=args.realtime, loop=args.loop, target=args.target,
        pause_break_s=args.pause_break, model=args.model, db_path=db, record=args.record,
        window=not args.headless, sound=not (args.quiet or args.no_sound), max_seconds=args.max_seconds,
        calibration_s=args.calibration, emit=emit_json if json_path is not None else emit_human)
    try:
        LiveSession(cfg).run()
    finally:
        if events_out is not sys.stdout:
            events_out.close()
    return 0


def _json_default(o: object) -> object:
    try:
        return float(o)  # numpy scalars
    except (TypeError, ValueError):
        return str(o)


def _print_summary(s: dict) -> None:
    where = f" (session {s['session_id']} in {s['db']})" if s.get("session_id") is not None else ""
    print(f"{s['status']}: {s['duration_s']:.1f} s{where}")
    for leg, d in s["legs"].items():
        score = d["smoothness_score"]
        print(f"  {leg:5s}: {d['reps']} reps, longest continuous set {d['longest_continuous_set']}"
              f"/{s['target_reps']}, smoothness {score if score is not None else '-'}")
