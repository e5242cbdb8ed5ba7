"""List the stored live sessions, plot progress toward the 100-in-a-row goal, note or delete one.

Examples:
  hipcam history                          # a table of every session, oldest first
  hipcam history --last 10
  hipcam history --plot progress.png     # longest continuous set per leg and smoothness over time
  hipcam history --json                   # the same sessions as JSON
  hipcam history --note 12 "new shoes, knee fine"   # attach a note to session 12 ("" clears it)
  hipcam history --delete 12              # delete session 12 and its reps (asks first; --yes skips)
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from hipcam import TARGET_REPS
from hipcam.commands.options import MAX_TARGET, int_in

if TYPE_CHECKING:
    from hipcam.storage import StoredSession


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--db", metavar="PATH",
                   help="session database (default $HIPCAM_DB, else sessions.db in your user data "
                        "folder, e.g. ~/.local/share/hipcam on Linux)")
    p.add_argument("--last", type=int_in(1, 10**9), metavar="N", help="only the N most recent sessions")
    p.add_argument("--plot", metavar="PATH",
                   help="write a PNG: longest continuous set per leg and smoothness per session")
    p.add_argument("--json", nargs="?", const="-", metavar="PATH",
                   help="write the sessions as JSON to PATH ('-' or no PATH = stdout, instead of the table)")
    p.add_argument("-q", "--quiet", action="store_true", help="no table or summary on stdout")
    p.add_argument("--target", type=int_in(1, MAX_TARGET), default=TARGET_REPS, metavar="N",
                   help=f"the goal line on the plot (default {TARGET_REPS})")
    edit = p.add_mutually_exclusive_group()
    edit.add_argument("--note", nargs=2, metavar=("ID", "TEXT"),
                      help="set session ID's note to TEXT (an empty TEXT clears it)")
    edit.add_argument("--delete", type=int, metavar="ID",
                      help="delete session ID with its reps and sets (asks unless --yes)")
    p.add_argument("--yes", action="store_true", help="--delete without asking")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hipcam.errors import HipcamError
    from hipcam.safe_output import check_outputs, write_bytes
    from hipcam.storage import SessionStore, default_db_path, require_existing_db

    if args.last is not None and args.last < 1:
        raise HipcamError("--last must be at least 1", 2)
    db = Path(args.db) if args.db else default_db_path()
    require_existing_db(db)
    if args.note is not None or args.delete is not None:
        return _edit(db, args)
    # an output must never replace the database, nor write stdout twice: checked first
    targets = check_outputs({"--json": args.json, "--plot": args.plot}, {"--db": db})
    with SessionStore(db) as store:
        sessions = store.sessions(limit=args.last, with_reps=True)
    if "--json" in targets:
        text = json.dumps([_session_dict(s) for s in sessions], indent=2) + "\n"
        write_bytes(targets["--json"], text.encode())
    to_stdout = not args.quiet and not any(t.is_stdout for t in targets.values())
    if to_stdout:
        print(history_table(sessions, args.target))
        if sessions:
            from hipcam.settrends import describe

            last = sessions[-1]
            for leg in ("left", "right"):
                n, trend = longest_set_trend(last, leg)
                if n >= 1:
                    print(f"session {last.id}, {leg} leg, longest set ({n} reps): {describe(trend)}")
    if "--plot" in targets:
        write_bytes(targets["--plot"], progress_png(sessions, args.target))
        if to_stdout:
            print(f"plot written to {args.plot}")
    return 0


def _edit(db, args: argparse.Namespace) -> int:
    """``--note`` and ``--delete``."""
    from hipcam.errors import HipcamError, InputMissingError
    from hipcam.storage import SessionStore

    sid_text = args.note[0] if args.note is not None else str(args.delete)
    try:
        sid = int(sid_text)
    except ValueError:
        raise HipcamError(f"session ID must be a number, not {sid_text!r}", 2) from None
    with SessionStore(db) as store:
        s = store.session(sid, with_reps=False)
        if s is None:
            raise InputMissingError(f"no session {sid} in {db} (see `hipcam history`)")
        if args.note is not None:
            text = args.note[1].strip()
            store.set_note(sid, text)
            if not args.quiet:
                print(f"session {sid}: note {'set' if text else 'cleared'}")
            return 0
        what = (f"session {sid} ({_local(s.started_at)}, left {s.reps['left']} reps, "
                f"right {s.reps['right']} reps, {s.source})")
        if not args.yes:
            if not sys.stdin.isatty():
                raise HipcamError(f"not deleting {what} without --yes", 2)
            answer = input(f"delete {what}? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("nothing deleted")
                return 1
        store.delete_session(sid)
    if not args.quiet:
        print(f"deleted {what}")
    return 0


def _session_dict(s: StoredSession) -> dict:
    """One session as JSON-ready data."""
    return {"id": s.id, "started_at": s.started_at, "ended_at": s.ended_at, "source": s.source,
            "note": s.note, "status": s.status, "duration_s": s.duration_s, "target_reps": s.target_reps,
            "legs": {leg: {"reps": s.reps[leg], "longest_continuous_set": s.longest_set[leg],
                           "smoothness_score": s.smoothness[leg], "rest_deg": s.rest_deg[leg],
                           "sets": [n for n, _ in s.sets.get(leg, [])],
                           "longest_set_trend": longest_set_trend(s, leg)[1]}
                     for leg in ("left", "right")}}


def longest_set_trend(s: StoredSession, leg: str) -> tuple[int, dict | None]:
    """(reps, trend) of the session's longest set of ``leg`` from its stored reps
    (:func:`hipcam.settrends.set_trend`); (0, None) without reps."""
    from hipcam.settrends import set_trend

    by_set: dict[int, list] = {}
    for r in s.rep_rows:
        if r.leg == leg:
            by_set.setdefault(r.set_number, []).append(r)
    if not by_set:
        return 0, None
    reps = sorted(max(by_set.values(), key=len), key=lambda r: r.number)
    return len(reps), set_trend({"rom_deg": [r.rom_deg for r in reps],
                                 "duration_s": [r.end_s - r.start_s for r in reps],
                                 "smoothness": [r.smoothness_score for r in reps]})


def _local(iso: str | None) -> str:
    import datetime as dt

    if not iso:
        return "-"
    try:
        return dt.datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


def _num(x: float | None, spec: str = ".0f") -> str:
    return "-" if x is None else format(x, spec)


def history_table(sessions: list[StoredSession], target: int = TARGET_REPS) -> str:
    """A plain-text table, one row per session (times in local time)."""
    if not sessions:
        return "no sessions stored yet"
    head = ("id", "started", "min", "status", "L reps", "L best", "L smooth", "R reps", "R best",
            "R smooth", "source", "note")
    rows = []
    for s in sessions:
        rows.append((str(s.id), _local(s.started_at),
                     _num(s.duration_s / 60 if s.duration_s is not None else None, ".1f"), s.status,
                     str(s.reps["left"]), f"{s.longest_set['left']}/{target}", _num(s.smoothness["left"]),
                     str(s.reps["right"]), f"{s.longest_set['right']}/{target}",
                     _num(s.smoothness["right"]), _short(s.source), _short(s.note or "", 40, end=True)))
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    best = {leg: max(s.longest_set[leg] for s in sessions) for leg in ("left", "right")}
    out.append(f"best continuous set: left {best['left']}/{target}, right {best['right']}/{target}")
    return "\n".join(out)


def _short(text: str, n: int = 28, end: bool = False) -> str:
    """``text`` cut to ``n`` characters: its end kept (paths), or its start (``end``: notes)."""
    if len(text) <= n:
        return text
    return text[: n - 1] + "…" if end else "…" + text[-(n - 1):]


def progress_png(sessions: list[StoredSession], target: int = TARGET_REPS) -> bytes:
    """Longest continuous set per leg (with the target line) and smoothness, per session.

    Drawn by :func:`hipcam.plots.progress_png`, the same plot as the batch report's; a leg with
    no reps in a session is left out of that session (not drawn as a drop to 0).
    """
    import datetime as dt

    from hipcam.plots import ProgressPoint
    from hipcam.plots import progress_png as draw

    points = [ProgressPoint.from_legs(dt.datetime.fromisoformat(s.started_at).astimezone(),
                                      str(s.id), s.reps, s.longest_set, s.smoothness)
              for s in sessions]
    return draw(points, target, what="session")
