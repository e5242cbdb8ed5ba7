"""Bad input through the real CLI (issue 15, parts 3 and 4): one line, a documented exit code,
no hang, no traceback, nothing of the user's changed. The cases are listed in docs/robustness.md.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from robust_media import HIPCAM, make_clip, run_hipcam

from hipcam.errors import EXIT_BAD_VIDEO, EXIT_INPUT_MISSING, EXIT_INTERNAL, EXIT_OUTPUT, EXIT_USAGE

pytestmark = pytest.mark.timeout(600)

LONG = "x" * 300 + ".mp4"


def one_line(run, code: int, command: str, contains: str | None = None) -> str:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == code, (run.returncode, run.stderr)
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"hipcam {command}: "), lines[0]
    if contains:
        assert contains in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("badin") / "tiny.mp4", 0.6, 160, 120)


@pytest.fixture(scope="module")
def clip4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("badin4") / "clip4.mp4", 4.0, 320, 240)


# -- inputs that are not files -----------------------------------------------------------------------
def test_fifo_named_like_a_video_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "x.mp4"
    os.mkfifo(fifo)
    for cmd in (("analyse", fifo), ("live", "--source", fifo, "--headless")):
        t0 = time.monotonic()
        one_line(run_hipcam(*cmd, timeout=60), EXIT_BAD_VIDEO, cmd[0], "is a pipe (FIFO)")
        assert time.monotonic() - t0 < 60


def test_devices_and_pipes_are_not_empty_files(tiny: Path) -> None:
    one_line(run_hipcam("analyse", "/dev/zero", timeout=60), EXIT_BAD_VIDEO, "analyse", "is a device")
    with open(tiny, "rb") as fh:  # a pipe on stdin
        cat = subprocess.Popen(["cat"], stdin=fh, stdout=subprocess.PIPE)
        proc = subprocess.run([*HIPCAM, "analyse", "/dev/stdin"], stdin=cat.stdout, capture_output=True,
                              text=True, timeout=60)
        cat.stdout.close()
        cat.wait()
    assert proc.returncode == EXIT_BAD_VIDEO and "is a pipe" in proc.stderr, proc.stderr
    assert "empty" not in proc.stderr


def test_300_character_names(tmp_path: Path) -> None:
    name = str(tmp_path / LONG)
    one_line(run_hipcam("analyse", name), EXIT_INPUT_MISSING, "analyse", "file name too long")
    one_line(run_hipcam("live", "--source", name, "--headless"), EXIT_INPUT_MISSING, "live",
             "file name too long")
    one_line(run_hipcam("history", "--db", name), EXIT_INPUT_MISSING, "history", "file name too long")
    one_line(run_hipcam("batch", name, "--out", tmp_path / "o"), EXIT_INPUT_MISSING, "batch",
             "file name too long")


def test_nul_byte_in_a_manifest(tmp_path: Path) -> None:
    m = tmp_path / "m.csv"
    m.write_bytes(b"path,notes\nvid\x00eo.mp4,x\n")
    one_line(run_hipcam("batch", m, "--out", tmp_path / "o"), EXIT_USAGE, "batch", "NUL byte")


# -- values --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args", [
    ("analyse", "v.mp4", "--target", "1e400"),
    ("analyse", "v.mp4", "--target", "1" + "0" * 400),
    ("analyse", "v.mp4", "--pause-break", "nan"),
    ("analyse", "v.mp4", "--pause-break", "inf"),
    ("analyse", "v.mp4", "--stride", "1000000000"),
    ("analyse", "v.mp4", "--stride", "x"),
    ("analyse", "v.mp4", "--jobs", "0"),
    ("batch", "d", "--out", "o", "--timeout", "nan"),
    ("batch", "d", "--out", "o", "--workers", "-3"),
    ("batch", "d", "--out", "o", "--pause-break", "-1"),
    ("live", "--max-seconds", "nan"),
    ("live", "--calibration", "1e400"),
    ("live", "--target", "0"),
    ("history", "--last", "0"),
    ("history", "--target", "1e400"),
], ids=lambda a: " ".join(a)[:40])
def test_bad_values_one_line_at_parse_time(args: tuple[str, ...]) -> None:
    line = one_line(run_hipcam(*args, timeout=60), EXIT_USAGE, args[0])
    assert "usage:" not in line and f"argument {args[-2]}" in line, line


def test_jobs_capped_by_memory_says_so(tiny: Path, tmp_path: Path) -> None:
    from hipcam.commands.options import PROCESS_MEMORY_BYTES, cap_processes

    assert cap_processes(1000, "--jobs", "analyse", available=10 * PROCESS_MEMORY_BYTES) == 10
    assert cap_processes(4, "--jobs", "analyse", available=10 * PROCESS_MEMORY_BYTES) == 4
    assert cap_processes(4, "--jobs", "analyse", available=0) == 1
    run = run_hipcam("analyse", tiny, "--jobs", "10000", "-q")
    assert run.returncode == 0, run.stderr
    assert "--jobs 10000 capped to" in run.stderr and len(run.stderr.strip().splitlines()) == 1


# -- databases that are not ours, or locked ----------------------------------------------------------
def _foreign(path: Path, table: str) -> bytes:
    con = sqlite3.connect(path)
    con.execute(f"CREATE TABLE {table} (id INTEGER, name TEXT)")
    con.execute(f"INSERT INTO {table} VALUES (1, 'someone else')")
    con.commit()
    con.close()
    return path.read_bytes()


def test_foreign_tables_are_refused_and_left_alone(tiny: Path, tmp_path: Path) -> None:
    db = tmp_path / "theirs.db"
    before = _foreign(db, "sessions")
    one_line(run_hipcam("history", "--db", db), EXIT_OUTPUT, "history", "not hipcam's")
    one_line(run_hipcam("live", "--source", tiny, "--headless", "--db", db), EXIT_OUTPUT, "live",
             "not hipcam's")
    assert db.read_bytes() == before
    other = tmp_path / "app.db"
    before = _foreign(other, "customers")
    one_line(run_hipcam("history", "--db", other), EXIT_OUTPUT, "history", "another program's")
    assert other.read_bytes() == before
    res = tmp_path / "results.db"
    before = _foreign(res, "file_hashes")
    videos = tmp_path / "v"
    videos.mkdir()
    (videos / "a.mp4").write_bytes(tiny.read_bytes())
    one_line(run_hipcam("batch", videos, "--out", tmp_path / "o", "--db", res), EXIT_OUTPUT, "batch",
             "not hipcam's")
    assert res.read_bytes() == before
    tables = {r[0] for r in sqlite3.connect(res).execute("SELECT name FROM sqlite_master")}
    assert tables == {"file_hashes"}  # nothing of ours was added


def test_database_locked_mid_session_keeps_the_reps(clip4: Path, tmp_path: Path) -> None:
    """Another program locks the database while reps are counted: they are saved when it lets go."""
    from hipcam.storage import SessionStore

    db = tmp_path / "s.db"
    SessionStore(db).close()
    proc = subprocess.Popen([*HIPCAM, "live", "--source", str(clip4), "--headless", "--no-realtime",
                             "--calibration", "0", "--db", str(db)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    locked = threading.Event()

    def hold_lock() -> None:
        con = sqlite3.connect(db, timeout=30, isolation_level=None)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:  # lock as soon as the session row exists
            if con.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]:
                break
            time.sleep(0.02)
        con.execute("BEGIN EXCLUSIVE")
        locked.set()
        window[0] = time.monotonic()
        # hold it until a rep has been counted, then 12 s more: longer than SQLite's usual
        # 10 s wait (hipcam used to fail there), shorter than the 30 s the end of a session waits
        while proc.poll() is None and not rep_seen.is_set() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(12)
        window[1] = time.monotonic()
        con.execute("ROLLBACK")
        con.close()

    window = [float("inf"), float("inf")]
    rep_seen = threading.Event()
    lines: list[tuple[float, str]] = []

    def read_stdout() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.append((time.monotonic(), line))
            if '"event": "rep"' in line:
                rep_seen.set()

    th = threading.Thread(target=hold_lock)
    th.start()
    reader = threading.Thread(target=read_stdout)
    reader.start()
    assert locked.wait(120), "the session never started"
    err = proc.stderr.read()  # type: ignore[union-attr]
    proc.wait(timeout=300)
    reader.join()
    th.join()
    out = "".join(line for _, line in lines)
    during = [line for t, line in lines if window[0] <= t <= window[1] and '"event": "rep"' in line]
    assert during, "no rep was counted while the database was locked: the test shows nothing"
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    import json

    summary = json.loads([ln for ln in out.splitlines() if '"summary"' in ln][-1])
    counted = {leg: d["reps"] for leg, d in summary["legs"].items()}
    assert sum(counted.values()) >= 1, "the clip has no reps: the test shows nothing"
    with SessionStore(db) as st:
        s = st.sessions()[-1]
    assert s.status != "running"
    assert s.reps == counted
    n_rows = sqlite3.connect(db).execute("SELECT COUNT(*) FROM reps WHERE session_id = ?",
                                         (s.id,)).fetchone()[0]
    assert n_rows == sum(counted.values())


def test_locked_until_the_end_saves_the_reps_beside_the_database(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from hipcam import storage
    from hipcam.errors import OutputError
    from hipcam.storage import SessionStore, StoredRep

    monkeypatch.setattr(storage, "END_BUSY_TIMEOUT_MS", 300)
    db = tmp_path / "s.db"
    st = SessionStore(db)
    sid = st.start_session("cam", 100)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    rep = StoredRep("left", 1, 1, 0.0, 0.5, 1.0, 30.0, 80.0)
    assert st.add_rep(sid, rep, 1, 0.0, 80.0, 1, 80.0) is False
    assert st.unsaved_reps == 1
    with pytest.raises(OutputError, match="saved to .*unsaved-session-1.json"):
        st.end_session(sid, "completed", 5.0)
    side = json.loads((tmp_path / "s.db.unsaved-session-1.json").read_text())
    assert [r["number"] for r in side["reps"]] == [1]
    holder.execute("ROLLBACK")
    st.end_session(sid, "completed", 5.0)  # the lock is gone: the backlog is written
    st.close()
    with SessionStore(db) as st:
        assert st.sessions()[-1].reps["left"] == 1


# -- CSV formula injection -------------------------------------------------------------------------------
def test_csv_cells_cannot_run_as_formulas() -> None:
    from hipcam.csvsafe import safe_cell

    for bad in ("=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(bad) == "'" + bad
    for ok in ("-12.5", "+3", "-1e-05", "42", "plain", "", 7, -1.5, None):
        assert safe_cell(ok) == ok


def test_batch_summary_neutralises_formulas(tmp_path: Path) -> None:
    m = tmp_path / "m.csv"
    m.write_text('path,patient_id,notes\n"=cmd.mp4",@SUM(A1),"=HYPERLINK(""http://evil"",""x"")"\n')
    run = run_hipcam("batch", m, "--out", tmp_path / "o", "-q", "--no-report")
    assert run.returncode == 1, run.stderr  # the video is missing: a failed row
    rows = list(csv.DictReader(io.StringIO((tmp_path / "o" / "summary.csv").read_text())))
    assert rows[0]["patient_id"] == "'@SUM(A1)"
    assert rows[0]["notes"].startswith("'=HYPERLINK")
    assert all(not v.startswith(("=", "+", "@")) for v in rows[0].values())


# -- batch failures keyed by path and cause --------------------------------------------------------------
def test_failures_keyed_by_path_and_cause(tiny: Path, tmp_path: Path) -> None:
    from hipcam import ANALYSIS_VERSION
    from hipcam.batch.store import ResultStore, sha256_file
    from hipcam.commands.batch import DB_NAME, settings_key
    from hipcam.pose import default_model_path
    from hipcam.reps import DEFAULT_PAUSE_BREAK_S

    videos = tmp_path / "v"
    videos.mkdir()
    a = videos / "a.mp4"
    a.write_bytes(tiny.read_bytes())
    out = tmp_path / "o"
    params = settings_key(sha256_file(default_model_path()), 1, DEFAULT_PAUSE_BREAK_S, 100)
    with ResultStore(out / DB_NAME, ANALYSIS_VERSION, params) as st:  # an earlier run's failure
        st.put(sha256_file(a), "failed", str(a), error=f"no such file: {a}")
    run = run_hipcam("batch", videos, "--out", out, "--no-report")
    assert run.returncode == 0 and "1 ok" in run.stdout, (run.stdout, run.stderr)
    # a content failure at this path stays failed; the same content at another path is analysed
    with ResultStore(out / DB_NAME, ANALYSIS_VERSION, params) as st:
        st.put(sha256_file(a), "failed", str(a), error="not a video OpenCV/FFmpeg can read")
    run = run_hipcam("batch", videos, "--out", out, "--no-report")
    assert run.returncode == 1 and "failed in an earlier run" in run.stdout, run.stdout
    moved = tmp_path / "w"
    moved.mkdir()
    (moved / "a.mp4").write_bytes(a.read_bytes())
    run = run_hipcam("batch", moved, "--out", out, "--no-report")
    assert run.returncode == 0 and "1 ok" in run.stdout, (run.stdout, run.stderr)


# -- the catch-all ---------------------------------------------------------------------------------------
def test_unexpected_error_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from hipcam import cli
    from hipcam.commands import history

    def boom(args: object) -> int:
        raise RuntimeError("something nobody expected\nsecond line")

    monkeypatch.setattr(history, "run", boom)
    monkeypatch.delenv("HIPCAM_DEBUG", raising=False)
    assert cli.main(["history"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error: RuntimeError: something nobody expected" in err
