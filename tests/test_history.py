"""``hipcam history``: the table, JSON and the progress plot from a session database."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import pytest

from hipcam.storage import SessionStore, StoredRep

HIPCAM = [sys.executable, "-m", "hipcam.cli"]


@pytest.fixture()
def db(tmp_path):
    path = tmp_path / "sessions.db"
    with SessionStore(path) as store:
        for day, (left, right) in enumerate([(12, 5), (30, 18), (41, 0)], start=1):
            sid = store.start_session("0", 100, started_at=f"2026-03-0{day}T09:00:00+00:00")
            for n in range(1, left + 1):
                store.add_rep(sid, StoredRep("left", n, 1, n * 2.0, n * 2.0 + 0.8, n * 2.0 + 1.6, 30.0,
                                             60.0 + day * 5), n, 2.0, 60.0 + day * 5, n, 60.0 + day * 5)
            for n in range(1, right + 1):
                store.add_rep(sid, StoredRep("right", n, 1, n * 2.0, n * 2.0 + 0.8, n * 2.0 + 1.6, 25.0,
                                             55.0), n, 2.0, 55.0, n, 55.0)
            store.end_session(sid, "completed", 120.0)
    return path


def test_table(db):
    out = subprocess.run(HIPCAM + ["history", "--db", str(db)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].split()[:4] == ["id", "started", "min", "status"]
    assert len([ln for ln in lines if ln.split() and ln.split()[0].isdigit()]) == 3
    assert "41/100" in out.stdout and "best continuous set: left 41/100, right 18/100" in out.stdout


def test_json_and_last(db):
    out = subprocess.run(HIPCAM + ["history", "--db", str(db), "--json", "--last", "2"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert [d["legs"]["left"]["longest_continuous_set"] for d in doc] == [30, 41]


def test_plot(db, tmp_path):
    png = tmp_path / "out" / "progress.png"
    out = subprocess.run(HIPCAM + ["history", "--db", str(db), "--plot", str(png)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    img = cv2.imread(str(png))
    assert img is not None and img.shape[0] > 400 and img.shape[1] > 600


def test_missing_db_is_a_one_line_error(tmp_path):
    out = subprocess.run(HIPCAM + ["history", "--db", str(tmp_path / "none.db")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 3
    assert out.stderr.count("\n") == 1 and "hipcam live" in out.stderr


def test_note_then_delete(db):
    run = lambda *a: subprocess.run(HIPCAM + ["history", "--db", str(db), *a], capture_output=True,  # noqa: E731
                                    text=True, timeout=60, stdin=subprocess.DEVNULL)
    out = run("--note", "2", "new shoes, knee fine")
    assert out.returncode == 0 and "note set" in out.stdout, out.stderr
    doc = json.loads(run("--json").stdout)
    assert [d["note"] for d in doc] == [None, "new shoes, knee fine", None]
    assert "new shoes" in run().stdout
    refused = run("--delete", "2")  # no terminal to ask on, no --yes: nothing deleted
    assert refused.returncode == 2 and "--yes" in refused.stderr and refused.stderr.count("\n") == 1
    assert len(json.loads(run("--json").stdout)) == 3
    out = run("--delete", "2", "--yes")
    assert out.returncode == 0 and "deleted session 2" in out.stdout, out.stderr
    assert [d["id"] for d in json.loads(run("--json").stdout)] == [1, 3]
    missing = run("--delete", "2", "--yes")
    assert missing.returncode == 3 and "no session 2" in missing.stderr
    assert run("--note", "x", "y").returncode == 2
