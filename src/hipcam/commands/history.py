"""List the stored live sessions and plot progress toward the 100-in-a-row goal.

Examples:
  hipcam history                          # a table of every session, oldest first
  hipcam history --last 10
  hipcam history --plot progress.png     # longest continuous set per leg and smoothness over time
  hipcam history --json                   # the same sessions as JSON
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from hipcam import TARGET_REPS

if TYPE_CHECKING:
    from hipcam.storage import StoredSession


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.epilog = __doc__.split("\n", 2)[2]
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--db", metavar="PATH",
                   help="session database (default $HIPCAM_DB, else "
                        "$XDG_DATA_HOME/hipcam/sessions.db or ~/.local/share/hipcam/sessions.db)")
    p.add_argument("--last", type=int, metavar="N", help="only the N most recent sessions")
    p.add_argument("--plot", metavar="PATH",
                   help="write a PNG: longest continuous set per leg and smoothness per session")
    p.add_argument("--json", nargs="?", const="-", metavar="PATH",
                   help="write the sessions as JSON to PATH ('-' or no PATH = stdout, instead of the table)")
    p.add_argument("-q", "--quiet", action="store_true", help="no table or summary on stdout")
    p.add_argument("--target", type=int, default=TARGET_REPS, metavar="N",
                   help=f"the goal line on the plot (default {TARGET_REPS})")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from hipcam.errors import HipcamError, InputMissingError
    from hipcam.report import atomic_write_bytes
    from hipcam.storage import SessionStore, default_db_path

    if args.last is not None and args.last < 1:
        raise HipcamError("--last must be at least 1", 2)
    db = Path(args.db) if args.db else default_db_path()
    if not db.is_file():
        raise InputMissingError(f"no session database at {db} (run `hipcam live` first, or pass --db)")
    with SessionStore(db) as store:
        sessions = store.sessions(limit=args.last, with_reps=True)
    if args.json:
        text = json.dumps([_session_dict(s) for s in sessions], indent=2) + "\n"
        if args.json == "-":
            sys.stdout.write(text)
        else:
            atomic_write_bytes(args.json, text.encode())
    to_stdout = not args.quiet and args.json != "-"
    if to_stdout:
        print(history_table(sessions, args.target))
        if sessions:
            from hipcam.settrends import describe

            last = sessions[-1]
            for leg in ("left", "right"):
                n, trend = longest_set_trend(last, leg)
                if n >= 1:
                    print(f"session {last.id}, {leg} leg, longest set ({n} reps): {describe(trend)}")
    if args.plot:
        atomic_write_bytes(args.plot, progress_png(sessions, args.target))
        if to_stdout:
            print(f"plot written to {args.plot}")
    return 0


def _session_dict(s: StoredSession) -> dict:
    """One session as JSON-ready data."""
    return {"id": s.id, "started_at": s.started_at, "ended_at": s.ended_at, "source": s.source,
            "status": s.status, "duration_s": s.duration_s, "target_reps": s.target_reps,
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
            "R smooth", "source")
    rows = []
    for s in sessions:
        rows.append((str(s.id), _local(s.started_at),
                     _num(s.duration_s / 60 if s.duration_s is not None else None, ".1f"), s.status,
                     str(s.reps["left"]), f"{s.longest_set['left']}/{target}", _num(s.smoothness["left"]),
                     str(s.reps["right"]), f"{s.longest_set['right']}/{target}",
                     _num(s.smoothness["right"]), _short(s.source)))
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(head)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    out = [line, "-" * len(line)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    best = {leg: max(s.longest_set[leg] for s in sessions) for leg in ("left", "right")}
    out.append(f"best continuous set: left {best['left']}/{target}, right {best['right']}/{target}")
    return "\n".join(out)


def _short(source: str, n: int = 28) -> str:
    return source if len(source) <= n else "…" + source[-(n - 1):]


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
