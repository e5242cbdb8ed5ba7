"""Count reps live from a camera, a stream, or a video file played as if it were a camera.

Opens a window with the camera image, the legs' skeleton and a HUD (count per leg, current and
best set, progress toward the target, last rep's range of motion and smoothness, coaching); ticks
on every rep, speaks the count every 10 reps, counts down when a rest is about to end the set and
cheers when a set reaches the target. Sessions from a camera or a stream are stored in a local
SQLite database (see `hipcam history`); sessions from a video file only with --db.

Keys: q/Esc quit (the session is saved), space pause, r start a new set, m mute, f full screen.

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

from hipcam.commands.options import add_analysis_options, float_in

#: Without ``--json``, one coaching line is printed again only after this many seconds.
REPEAT_S = 30.0


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
                   help="no window: print events as JSON lines on stdout (rep, set_ending, "
                        "set_end, target_reached, warning, ... and last a summary; see docs/live.md)")
    p.add_argument("--json", nargs="?", const="-", metavar="PATH",
                   help="write the events as JSON lines to PATH ('-' or no PATH = stdout), "
                        "with the window too")
    add_analysis_options(p, stride=False)
    p.add_argument("--db", metavar="PATH",
                   help="session database (default $HIPCAM_DB, else sessions.db in your user data "
                        "folder, e.g. ~/.local/share/hipcam on Linux); a video file's session is "
                        "stored only when --db is given")
    p.add_argument("--no-db", action="store_true", help="do not store this session")
    p.add_argument("--record", metavar="PATH",
                   help="also save the camera video here (H.264 mp4, each frame at the time it was "
                        "captured, so `hipcam analyse PATH` sees what live saw)")
    p.add_argument("--no-sound", action="store_true", help="no ticks, no spoken counts")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no summary at the end, and no sound")
    p.add_argument("--max-seconds", type=float_in(0.0, 7 * 24 * 3600.0, lo_open=True), metavar="S",
                   help="stop after this many seconds of source time")
    p.add_argument("--fullscreen", action="store_true",
                   help="open the window full screen (the f key toggles it)")
    p.add_argument("--ui-scale", type=float_in(0.5, 3.0), default=1.0, metavar="X",
                   help="give the panel more of the window and make coaching lines, banners and "
                        "hints X times larger (0.5-3; default 1)")
    p.add_argument("--calibration", type=float_in(0.0, 60.0), default=2.0, metavar="S",
                   help="sit-still calibration and framing check at the start (s; 0 = skip)")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hipcam.cli import install_interrupt_handlers
    from hipcam.errors import HipcamError
    from hipcam.live.app import LiveConfig, LiveSession
    from hipcam.live.camera import source_kind
    from hipcam.storage import default_db_path

    if args.target < 1:
        raise HipcamError("--target must be at least 1", 2)
    if args.pause_break <= 0:
        raise HipcamError("--pause-break must be positive", 2)
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise HipcamError("--max-seconds must be positive", 2)
    if args.calibration < 0:
        raise HipcamError("--calibration must not be negative", 2)
    if not 0.5 <= args.ui_scale <= 3.0:
        raise HipcamError("--ui-scale must be between 0.5 and 3", 2)
    # a shell starts background jobs with SIGINT ignored; a live session must stop (and save) on
    # it, also when it lands in a finalizer (cli._raise_interrupted)
    install_interrupt_handlers(force_sigint=True)
    if args.no_db:
        db = None
    elif args.db:
        db = Path(args.db)
    elif source_kind(args.source) == "file":
        # a demo or a recording played back is not a session the person did now: keep it out of
        # their history (and out of "best today") unless they ask for it with --db
        db = None
        if not (args.headless or args.json == "-" or args.quiet):
            print("hipcam live: a video file: this session is not stored in your history "
                  "(pass --db PATH to store it)", file=sys.stderr)
    else:
        db = default_db_path()

    json_path = args.json if args.json is not None else ("-" if args.headless else None)
    record = _check_live_outputs(args, db, json_path)
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

    said: dict[str, float] = {}  # message -> source time it was last printed

    def emit_human(event: dict) -> None:
        kind = event["event"]
        if kind == "warning":
            # the same coaching line at most every REPEAT_S: a stuck habit is not a screenful
            msg, t = event["message"], float(event.get("t_s") or 0.0)
            if msg in said and t - said[msg] < REPEAT_S:
                return
            said[msg] = t
            print(f"hipcam live: {msg}", file=sys.stderr)
        elif kind == "summary" and not args.quiet:
            _print_summary(event)

    from hipcam.safe_output import file_for

    with file_for(record, suffix=".mp4") if record else _no_record() as record_path:
        cfg = LiveConfig(
            source=args.source, realtime=args.realtime, loop=args.loop, target=args.target,
            pause_break_s=args.pause_break, model=args.model, db_path=db,
            record=str(record_path) if record_path else None,
            window=not args.headless, sound=not (args.quiet or args.no_sound),
            max_seconds=args.max_seconds, calibration_s=args.calibration, ui_scale=args.ui_scale,
            fullscreen=args.fullscreen, emit=emit_json if json_path is not None else emit_human)
        try:
            LiveSession(cfg).run()
        finally:
            if events_out is not sys.stdout:
                events_out.close()
    return 0


def _check_live_outputs(args: argparse.Namespace, db: object, json_path: str | None) -> object:
    """Refuse, before the camera opens, a --record or --db that is the same file as the source
    video, the model or each other (one line); returns the --record target (or None)."""
    import os

    from hipcam.errors import OutputError
    from hipcam.safe_output import STDOUT, check_outputs

    if db is not None and os.fspath(db) == STDOUT:
        raise OutputError("--db needs a database file, not standard output")
    source_file = args.source if os.path.exists(args.source) else None
    outputs = {"--json": json_path, "--record": args.record, "--db": db}
    targets = check_outputs(outputs, {"--source": source_file, "--model": args.model})
    if db is not None:
        from hipcam.dbguard import check_database_file
        from hipcam.storage import SESSION_TABLES

        check_database_file(db, SESSION_TABLES, "session")  # before the camera and the model
    return targets.get("--record")


def _no_record():  # noqa: ANN202 - a context manager yielding None
    import contextlib

    return contextlib.nullcontext(None)


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
        from hipcam.settrends import describe, longest_set_trend

        _, trend = longest_set_trend(d)
        if trend:  # the road to 100: how the longest set faded (sets of 10 reps or more)
            print(f"         longest set, {describe(trend)}")
