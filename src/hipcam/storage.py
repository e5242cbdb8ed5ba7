"""Local SQLite store of ``hipcam live`` sessions: one row per session, one per rep, one per set.

The database lives in the user data folder (:func:`default_db_path`) unless ``--db`` says
otherwise. It is opened in WAL mode and every rep is committed as soon as it is counted, so a
crash, a kill or a lost camera loses nothing that was already counted. All SQL is parameterised.

Times: ``started_at``/``ended_at`` are wall-clock ISO-8601 strings in UTC (when the session
happened); rep and set times (``*_s``) are seconds on the source's own timeline (video time for a
file, seconds since the camera opened for a camera).
"""

from __future__ import annotations

import datetime as _dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hipcam.errors import OutputError

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    source TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'running',
    target_reps INTEGER NOT NULL,
    left_rest_deg REAL,
    right_rest_deg REAL,
    left_reps INTEGER NOT NULL DEFAULT 0,
    right_reps INTEGER NOT NULL DEFAULT 0,
    left_longest_set INTEGER NOT NULL DEFAULT 0,
    right_longest_set INTEGER NOT NULL DEFAULT 0,
    left_smoothness REAL,
    right_smoothness REAL,
    duration_s REAL,
    note TEXT
);
CREATE TABLE IF NOT EXISTS reps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    leg TEXT NOT NULL CHECK (leg IN ('left', 'right')),
    number INTEGER NOT NULL,
    set_number INTEGER NOT NULL,
    start_s REAL NOT NULL,
    peak_s REAL NOT NULL,
    end_s REAL NOT NULL,
    rom_deg REAL NOT NULL,
    smoothness_score REAL,
    sparc REAL,
    ldlj REAL,
    jerky INTEGER NOT NULL,
    counted_at TEXT NOT NULL,
    UNIQUE (session_id, leg, number)
);
CREATE TABLE IF NOT EXISTS sets (
    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    leg TEXT NOT NULL CHECK (leg IN ('left', 'right')),
    number INTEGER NOT NULL,
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    reps INTEGER NOT NULL,
    smoothness_score REAL,
    PRIMARY KEY (session_id, leg, number)
);
CREATE INDEX IF NOT EXISTS reps_session ON reps (session_id, leg);
"""


#: hipcam's tables and columns that identify them (see :func:`hipcam.dbguard.check_database_file`)
SESSION_TABLES = {
    "sessions": {"id", "started_at", "source", "status", "target_reps", "left_reps", "right_reps"},
    "reps": {"session_id", "leg", "number", "set_number", "rom_deg"},
    "sets": {"session_id", "leg", "number", "reps"},
}
#: how long a rep's write waits for a lock held by another program (the camera loop waits too)
REP_BUSY_TIMEOUT_MS = 250
#: how long the end of a session waits for the lock before saving the reps beside the database
END_BUSY_TIMEOUT_MS = 30_000


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _json_num(o: object) -> object:
    try:
        value = float(o)  # numpy scalars
    except (TypeError, ValueError):
        return str(o)
    return value if value == value and abs(value) != float("inf") else None


def require_existing_db(path: str | Path) -> Path:
    """The session database to read, or a one-line :class:`InputMissingError` saying why not."""
    import errno

    from hipcam.errors import InputMissingError

    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputMissingError(f"no session database at {p} (run `hipcam live` first, or pass --db)"
                                ) from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InputMissingError(f"--db: file name too long ({len(str(p))} characters)") from None
        raise InputMissingError(f"cannot read session database {p}: {exc.strerror or exc}") from None
    import stat

    if not stat.S_ISREG(st.st_mode):
        raise InputMissingError(f"session database {p} is not a regular file")
    return p


def legacy_db_path() -> Path:
    """Where hipcam 0.1 kept the database on every system: ``$XDG_DATA_HOME/hipcam/sessions.db``,
    else ``~/.local/share/hipcam/sessions.db``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hipcam" / "sessions.db"


def default_db_path() -> Path:
    """The session database: ``$HIPCAM_DB``; else a database already at :func:`legacy_db_path`
    (so no one's history is lost); else ``sessions.db`` in the user data folder of this system
    (:func:`platformdirs.user_data_path`: ``$XDG_DATA_HOME/hipcam`` or ``~/.local/share/hipcam`` on
    Linux, ``~/Library/Application Support/hipcam`` on macOS, ``%LOCALAPPDATA%\\hipcam`` on Windows)."""
    env = os.environ.get("HIPCAM_DB")
    if env:
        return Path(env)
    legacy = legacy_db_path()
    if legacy.is_file():
        return legacy
    import platformdirs

    return platformdirs.user_data_path("hipcam", appauthor=False) / "sessions.db"


def utc_now_iso() -> str:
    """The current wall-clock time, ISO-8601 in UTC with seconds."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass
class StoredRep:
    """One rep as stored."""

    leg: str
    number: int
    set_number: int
    start_s: float
    peak_s: float
    end_s: float
    rom_deg: float
    smoothness_score: float | None
    sparc: float | None = None
    ldlj: float | None = None
    jerky: bool = False


@dataclass
class StoredSession:
    """One session row with its reps and sets (``sets[leg]`` = list of (reps, smoothness))."""

    id: int
    started_at: str
    ended_at: str | None
    source: str
    status: str
    target_reps: int
    reps: dict[str, int]
    longest_set: dict[str, int]
    smoothness: dict[str, float | None]
    rest_deg: dict[str, float | None]
    duration_s: float | None
    note: str | None
    sets: dict[str, list[tuple[int, float | None]]] = field(default_factory=dict)
    rep_rows: list[StoredRep] = field(default_factory=list)


def _clean(x: float | None) -> float | None:
    """NaN/inf → NULL."""
    if x is None:
        return None
    x = float(x)
    return x if x == x and abs(x) != float("inf") else None


class SessionStore:
    """An open session database. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path) -> None:
        from hipcam.dbguard import check_database_file

        self.path = Path(path)
        #: rep rows that could not be written yet (the database was locked): written later
        self._backlog: list[tuple] = []
        self._pending_rest: tuple[int, dict] | None = None
        check_database_file(self.path, SESSION_TABLES, "session")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(self.path), timeout=10.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.commit()
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot open session database {self.path}: {exc}") from None

    # -- writing --------------------------------------------------------------------------
    def start_session(self, source: str, target_reps: int, started_at: str | None = None) -> int:
        """Insert a new ``running`` session; returns its id."""
        cur = self._db.execute(
            "INSERT INTO sessions (started_at, source, status, target_reps) VALUES (?, ?, 'running', ?)",
            (started_at or utc_now_iso(), source, int(target_reps)))
        self._db.commit()
        # during the session a rep must not freeze the camera loop: wait little, keep a backlog
        self._db.execute(f"PRAGMA busy_timeout={REP_BUSY_TIMEOUT_MS}")
        return int(cur.lastrowid)

    def set_rest_angles(self, session_id: int, rest_deg: dict[str, float | None]) -> None:
        """Store the calibrated rest angle per leg (later, by :meth:`end_session`, if locked)."""
        self._pending_rest = (session_id, dict(rest_deg))
        try:
            self._write_rest()
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise

    def _write_rest(self) -> None:
        pending = getattr(self, "_pending_rest", None)
        if pending is None:
            return
        session_id, rest_deg = pending
        with self._db:
            self._db.execute("UPDATE sessions SET left_rest_deg = ?, right_rest_deg = ? WHERE id = ?",
                             (_clean(rest_deg.get("left")), _clean(rest_deg.get("right")), session_id))
        self._pending_rest = None

    def add_rep(self, session_id: int, rep: StoredRep, set_reps: int,
                set_start_s: float, set_smoothness: float | None, longest_set: int,
                leg_smoothness: float | None) -> bool:
        """Store one rep, update its set and the session's running totals, commit.

        When another program holds the database locked the rep is kept in a backlog (written
        with the next rep or by :meth:`end_session`) and False is returned; True when written.
        """
        row = (session_id, rep, set_reps, set_start_s, set_smoothness, longest_set, leg_smoothness)
        try:
            while self._backlog:
                self._write_rep(*self._backlog[0])
                self._backlog.pop(0)
            self._write_rep(*row)
            return True
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise
            self._backlog.append(row)
            return False

    @property
    def unsaved_reps(self) -> int:
        """How many reps wait for the database to be unlocked."""
        return len(self._backlog)

    def _write_rep(self, session_id: int, rep: StoredRep, set_reps: int,
                   set_start_s: float, set_smoothness: float | None, longest_set: int,
                   leg_smoothness: float | None) -> None:
        leg = rep.leg
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO reps (session_id, leg, number, set_number, start_s, peak_s, "
                "end_s, rom_deg, smoothness_score, sparc, ldlj, jerky, counted_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, leg, rep.number, rep.set_number, rep.start_s, rep.peak_s, rep.end_s,
                 rep.rom_deg, _clean(rep.smoothness_score), _clean(rep.sparc), _clean(rep.ldlj),
                 int(bool(rep.jerky)), utc_now_iso()))
            self._db.execute(
                "INSERT OR REPLACE INTO sets (session_id, leg, number, start_s, end_s, reps, "
                "smoothness_score) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, leg, rep.set_number, set_start_s, rep.end_s, set_reps,
                 _clean(set_smoothness)))
            col = "left" if leg == "left" else "right"  # never interpolate user input into SQL
            self._db.execute(
                f"UPDATE sessions SET {col}_reps = ?, {col}_longest_set = ?, {col}_smoothness = ?, "
                "ended_at = ? WHERE id = ?",
                (rep.number, longest_set, _clean(leg_smoothness), utc_now_iso(), session_id))

    def end_session(self, session_id: int, status: str, duration_s: float | None = None,
                    note: str | None = None) -> None:
        """Mark the session finished (``completed``, ``interrupted``, ``camera_lost``, ...); a
        ``note`` given here replaces the session's note, None keeps it.

        Writes the backlog of reps first, waiting up to :data:`END_BUSY_TIMEOUT_MS` for a lock
        held by another program. If the database stays locked, the session's reps are saved to a
        JSON file beside it and :class:`OutputError` says where.
        """
        try:
            self._db.execute(f"PRAGMA busy_timeout={END_BUSY_TIMEOUT_MS}")
            self._write_rest()
            while self._backlog:
                self._write_rep(*self._backlog[0])
                self._backlog.pop(0)
            with self._db:
                self._db.execute(
                    "UPDATE sessions SET status = ?, ended_at = ?, duration_s = ?, "
                    "note = COALESCE(?, note) WHERE id = ?",
                    (status, utc_now_iso(), _clean(duration_s), note, session_id))
        except sqlite3.OperationalError as exc:
            if not _is_locked(exc):
                raise OutputError(f"cannot write session database {self.path}: {exc}") from None
            side = self._save_aside(session_id, status, duration_s)
            raise OutputError(f"session database {self.path} stayed locked by another program: "
                              f"this session's reps were saved to {side} instead") from None

    def _save_aside(self, session_id: int, status: str, duration_s: float | None) -> Path:
        """The unsaved reps as JSON beside the database (nothing counted is lost)."""
        import dataclasses
        import json

        from hipcam.safe_output import write_bytes

        side = self.path.with_name(f"{self.path.name[:100]}.unsaved-session-{session_id}.json")
        latest = {(r[1].leg, r[1].number): r for r in self._backlog}  # a rep may be queued twice
        doc = {"format": "hipcam.unsaved_session/1", "db": str(self.path),
               "session_id": session_id, "status": status, "duration_s": _clean(duration_s),
               "saved_at": utc_now_iso(),
               "reps": [{**dataclasses.asdict(r[1]), "set_reps": r[2], "set_start_s": r[3],
                         "set_smoothness": _clean(r[4]), "longest_set": r[5],
                         "leg_smoothness": _clean(r[6])} for r in latest.values()]}
        write_bytes(side, (json.dumps(doc, indent=1, default=_json_num) + "\n").encode())
        return side

    def set_note(self, session_id: int, note: str | None) -> bool:
        """Set (or, with None or "", clear) a session's note; False when there is no such session."""
        with self._db:
            cur = self._db.execute("UPDATE sessions SET note = ? WHERE id = ?", (note or None, session_id))
        return cur.rowcount == 1

    def delete_session(self, session_id: int) -> bool:
        """Delete a session with its reps and sets; False when there is no such session."""
        with self._db:
            self._db.execute("DELETE FROM reps WHERE session_id = ?", (session_id,))
            self._db.execute("DELETE FROM sets WHERE session_id = ?", (session_id,))
            cur = self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        return cur.rowcount == 1

    # -- reading --------------------------------------------------------------------------
    def sessions(self, limit: int | None = None, with_reps: bool = False) -> list[StoredSession]:
        """Sessions oldest first (the newest ``limit`` of them when given)."""
        q = "SELECT * FROM sessions ORDER BY started_at DESC, id DESC"
        params: tuple = ()
        if limit is not None:
            q += " LIMIT ?"
            params = (int(limit),)
        self._db.row_factory = sqlite3.Row
        try:
            rows = self._db.execute(q, params).fetchall()
            out = [self._session_from_row(r, with_reps) for r in rows]
        finally:
            self._db.row_factory = None
        return out[::-1]

    def session(self, session_id: int, with_reps: bool = True) -> StoredSession | None:
        """One session by id (None when absent)."""
        self._db.row_factory = sqlite3.Row
        try:
            row = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
            return self._session_from_row(row, with_reps) if row else None
        finally:
            self._db.row_factory = None

    def best_set_since(self, since_iso: str, leg: str) -> int:
        """The longest continuous set of ``leg`` over sessions started at or after ``since_iso``."""
        row = self._db.execute(
            "SELECT MAX(sets.reps) FROM sets JOIN sessions ON sessions.id = sets.session_id "
            "WHERE sessions.started_at >= ? AND sets.leg = ?", (since_iso, leg)).fetchone()
        return int(row[0] or 0)

    def _session_from_row(self, r: sqlite3.Row, with_reps: bool) -> StoredSession:
        sid = int(r["id"])
        s = StoredSession(
            id=sid, started_at=r["started_at"], ended_at=r["ended_at"], source=r["source"],
            status=r["status"], target_reps=int(r["target_reps"]),
            reps={"left": int(r["left_reps"]), "right": int(r["right_reps"])},
            longest_set={"left": int(r["left_longest_set"]), "right": int(r["right_longest_set"])},
            smoothness={"left": r["left_smoothness"], "right": r["right_smoothness"]},
            rest_deg={"left": r["left_rest_deg"], "right": r["right_rest_deg"]},
            duration_s=r["duration_s"], note=r["note"],
            sets={"left": [], "right": []})
        for leg, reps, score in self._db.execute(
                "SELECT leg, reps, smoothness_score FROM sets WHERE session_id = ? ORDER BY leg, number",
                (sid,)).fetchall():
            s.sets[leg].append((int(reps), score))
        if with_reps:
            for row in self._db.execute(
                    "SELECT leg, number, set_number, start_s, peak_s, end_s, rom_deg, smoothness_score, "
                    "sparc, ldlj, jerky FROM reps WHERE session_id = ? ORDER BY leg, number", (sid,)):
                s.rep_rows.append(StoredRep(*row[:10], jerky=bool(row[10])))
        return s

    def iter_reps(self, session_id: int) -> Iterator[StoredRep]:
        """The session's reps, per leg in order."""
        yield from self.session(session_id, with_reps=True).rep_rows  # type: ignore[union-attr]

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        db = getattr(self, "_db", None)
        if db is not None:
            self._db = None  # type: ignore[assignment]
            db.close()

    def __enter__(self) -> SessionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
