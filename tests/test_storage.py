"""The SQLite session store: written rep by rep, read back, WAL, crash-safe."""

from __future__ import annotations

import sqlite3

from hipcam.storage import SessionStore, StoredRep, default_db_path


def _rep(leg: str, n: int, set_no: int, t: float) -> StoredRep:
    return StoredRep(leg, n, set_no, t, t + 0.8, t + 1.6, 28.0 + n, 80.0 - n, -1.7, -6.0, False)


def test_write_and_read_back(tmp_path):
    db = tmp_path / "sub" / "sessions.db"
    with SessionStore(db) as store:
        sid = store.start_session("cam0", 100, started_at="2026-01-02T10:00:00+00:00")
        store.set_rest_angles(sid, {"left": -3.5, "right": float("nan")})
        for n in (1, 2, 3):
            store.add_rep(sid, _rep("left", n, 1, 2.0 * n), n, 2.0, 79.0, n, 79.0)
        store.add_rep(sid, _rep("left", 4, 2, 20.0), 1, 20.0, 76.0, 3, 78.0)
        store.add_rep(sid, _rep("right", 1, 1, 5.0), 1, 5.0, 79.0, 1, 79.0)
        store.end_session(sid, "completed", 30.0)
    with SessionStore(db) as store:
        [s] = store.sessions()
        assert (s.id, s.status, s.source, s.target_reps) == (sid, "completed", "cam0", 100)
        assert s.reps == {"left": 4, "right": 1}
        assert s.longest_set == {"left": 3, "right": 1}
        assert s.rest_deg["left"] == -3.5 and s.rest_deg["right"] is None  # NaN stored as NULL
        assert [n for n, _ in s.sets["left"]] == [3, 1]
        reps = list(store.iter_reps(sid))
        assert [(r.leg, r.number, r.set_number) for r in reps] == [
            ("left", 1, 1), ("left", 2, 1), ("left", 3, 1), ("left", 4, 2), ("right", 1, 1)]
        assert reps[0].rom_deg == 29.0 and reps[0].end_s == 3.6
        assert store.best_set_since("2026-01-02T00:00:00+00:00", "left") == 3
        assert store.best_set_since("2026-01-03T00:00:00+00:00", "left") == 0


def test_wal_and_each_rep_committed_before_close(tmp_path):
    """A second connection sees every rep at once: a crash after add_rep loses nothing."""
    db = tmp_path / "s.db"
    store = SessionStore(db)
    sid = store.start_session("video.mp4", 100)
    store.add_rep(sid, _rep("right", 1, 1, 1.0), 1, 1.0, 80.0, 1, 80.0)
    other = sqlite3.connect(db)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("SELECT COUNT(*) FROM reps WHERE session_id = ?", (sid,)).fetchone()[0] == 1
        assert other.execute("SELECT status, right_reps FROM sessions").fetchone() == ("running", 1)
    finally:
        other.close()
        store.close()


def test_rewriting_a_rep_is_idempotent_and_sql_is_parameterised(tmp_path):
    with SessionStore(tmp_path / "s.db") as store:
        sid = store.start_session("x'); DROP TABLE reps; --", 100)
        for _ in range(2):
            store.add_rep(sid, _rep("left", 1, 1, 1.0), 1, 1.0, 80.0, 1, 80.0)
        s = store.session(sid)
        assert s is not None and len(s.rep_rows) == 1 and s.source.startswith("x');")


def test_default_path_follows_env(tmp_path, monkeypatch):
    monkeypatch.delenv("HIPCAM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_db_path() == tmp_path / "hipcam" / "sessions.db"
    monkeypatch.setenv("HIPCAM_DB", str(tmp_path / "x.db"))
    assert default_db_path() == tmp_path / "x.db"


def test_default_path_keeps_existing_history_then_uses_the_platform_folder(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.delenv("HIPCAM_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    # a system whose user data folder is elsewhere (macOS, Windows)
    monkeypatch.setattr(platformdirs, "user_data_path",
                        lambda app, appauthor=None: tmp_path / "Library" / "Application Support" / app)
    assert default_db_path() == tmp_path / "Library" / "Application Support" / "hipcam" / "sessions.db"
    legacy = tmp_path / "xdg" / "hipcam" / "sessions.db"  # where 0.1 put it: keep using it
    with SessionStore(legacy) as store:
        store.start_session("0", 100)
    assert default_db_path() == legacy


def test_note_and_delete(tmp_path):
    path = tmp_path / "s.db"
    with SessionStore(path) as store:
        a = store.start_session("0", 100)
        b = store.start_session("1", 100)
        for sid in (a, b):
            store.add_rep(sid, StoredRep("left", 1, 1, 0.0, 0.5, 1.0, 30.0, 80.0), 1, 0.0, 80.0, 1, 80.0)
        assert store.set_note(a, "knee sore") and not store.set_note(999, "x")
        store.end_session(a, "completed", 10.0)  # ending keeps the note
        assert store.session(a).note == "knee sore"
        assert store.delete_session(a) and not store.delete_session(a)
        assert store.session(a) is None and [s.id for s in store.sessions()] == [b]
        assert list(store.iter_reps(b)) and store.best_set_since("2000-01-01", "left") == 1
        n = store._db.execute("SELECT COUNT(*) FROM reps WHERE session_id = ?", (a,)).fetchone()[0]
        assert n == 0
        assert store.set_note(b, "") and store.session(b).note is None
