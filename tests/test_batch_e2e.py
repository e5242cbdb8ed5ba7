"""``hipcam batch`` end to end on real (short) videos: local pool, Ctrl-C and resume, outputs,
the HTML report in a real headless Chromium, and the same batch on a real Dask cluster.

The clips are cut from a rendered sample video into a temporary folder, in several containers
(mp4, mkv, and a phone-style mov whose pixels are stored rotated with rotation metadata).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("HIPCAM_SAMPLE_VIDEOS", ROOT / "sample_videos"))
HIPCAM = [sys.executable, "-m", "hipcam.cli"]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CLIP_S = 5.2  # 1 s rest + two 1.8 s reps of one_leg_smooth, then a little of the third
STRIDE = "2"
PATIENT_A = 'Ann <b>"A"</b> & co'
EVIL_NOTE = "<script>alert('x')</script>"

pytestmark = pytest.mark.timeout(300)


def _pick_sample() -> tuple[Path, dict | None]:
    for name in ("one_leg_smooth", "pair_smooth", "both_legs"):
        video = SAMPLES / f"{name}.mp4"
        cap = cv2.VideoCapture(str(video))
        n = cap.get(cv2.CAP_PROP_FRAME_COUNT) if cap.isOpened() else 0
        fps = cap.get(cv2.CAP_PROP_FPS) if cap.isOpened() else 0
        cap.release()
        if n and fps and n / fps >= CLIP_S:
            truth = video.with_suffix(".json")
            return video, (json.loads(truth.read_text()) if truth.is_file() else None)
    pytest.skip(f"no rendered sample video in {SAMPLES}")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict:
    if not shutil.which("ffmpeg"):
        pytest.skip("ffmpeg not installed")
    src, truth = _pick_sample()
    d = tmp_path_factory.mktemp("batch_clips")
    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    frames = []
    while len(frames) < int(CLIP_S * fps):
        ok, fr = cap.read()
        if not ok:
            break
        frames.append(fr)
    cap.release()
    h, w = frames[0].shape[:2]
    (d / "patient_a").mkdir()
    (d / "patient_b").mkdir()
    day1 = d / "patient_a" / "day1.mp4"
    vw = cv2.VideoWriter(str(day1), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    for fr in frames:
        vw.write(fr)
    vw.release()
    day2 = d / "patient_a" / "day2.mkv"
    _ffmpeg("-i", str(day1), "-c:v", "libx264", "-crf", "18", "-preset", "veryfast", str(day2))
    # a phone video: pixels stored portrait, rotation metadata says how to show them
    rotpix = d / "rotpix.mp4"
    vw = cv2.VideoWriter(str(rotpix), cv2.VideoWriter_fourcc(*"mp4v"), fps, (h, w))
    for fr in frames:
        vw.write(cv2.rotate(fr, cv2.ROTATE_90_COUNTERCLOCKWISE))
    vw.release()
    phone = d / "patient_b" / "phone.mov"
    _ffmpeg("-i", str(rotpix), "-c", "copy", "-metadata:s:v:0", "rotate=270", str(phone))
    rotpix.unlink()
    ok, first = cv2.VideoCapture(str(phone)).read()
    assert ok and first.shape[:2] == (h, w), "OpenCV did not apply the rotation metadata"
    (d / "broken.mp4").write_bytes(b"this is not a video\n" * 50)
    manifest = d / "manifest.csv"
    with open(manifest, "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["path", "patient_id", "recorded_at", "notes"])
        wr.writerow(["patient_a/day1.mp4", PATIENT_A, "2026-03-01", "first visit"])
        wr.writerow(["patient_a/day2.mkv", PATIENT_A, "2026-03-08", EVIL_NOTE])
        wr.writerow([str(phone), "B-2", "2026-03-02", "phone"])
        wr.writerow(["missing.mp4", "B-2", "2026-03-09", ""])
    return {"dir": d, "manifest": manifest, "day1": day1, "day2": day2, "phone": phone,
            "truth": truth, "fps": fps}


def _summary(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="") as fh:
        return {Path(r["path"]).name: r for r in csv.DictReader(fh)}


def _ok_rows(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute("SELECT COUNT(*) FROM results WHERE status = 'ok'").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def local_batch(clips: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run the batch, interrupt it (SIGINT) after the first scored video, then run it again."""
    out = tmp_path_factory.mktemp("batch_out")
    cmd = [*HIPCAM, "batch", str(clips["manifest"]), str(clips["dir"]), "--out", str(out),
           "--workers", "2", "--stride", STRIDE, "--timeout", "240"]
    # one worker first, so that the interrupt wastes no half-done analysis
    # SIGINT restored to its default in the child: a test run started in the background (``cmd &``)
    # inherits it ignored, and the batch would then finish instead of being interrupted
    proc = subprocess.Popen([*cmd, "--workers", "1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    db = out / "hipcam-results.db"
    deadline = time.monotonic() + 240
    while proc.poll() is None and _ok_rows(db) < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    interrupted = proc.poll() is None
    if interrupted:
        proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    first = {"rc": proc.returncode, "stdout": stdout, "stderr": stderr, "interrupted": interrupted,
             "ok_rows": _ok_rows(db)}
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=280)
    return {"out": out, "cmd": cmd, "first": first, "second": second}


def _expected_left_reps(clips: dict) -> int | None:
    """Reps of the left leg that end inside the clip, from the sample's truth (when known)."""
    truth = clips["truth"]
    try:
        intervals = truth["truth"]["left"]["rep_intervals_s"]
        return sum(1 for _, end_s in intervals if end_s <= CLIP_S - 0.2)
    except (TypeError, KeyError, ValueError):
        return None


def test_batch_local_interrupt_resume_outputs(local_batch: dict, clips: dict) -> None:
    first, second = local_batch["first"], local_batch["second"]
    if first["interrupted"]:
        assert first["rc"] == 130, first["stderr"]
        assert "run the same command again" in first["stderr"]
    assert first["ok_rows"] >= 1  # what finished before Ctrl-C is kept
    assert second.returncode == 1, second.stderr  # broken.mp4 and missing.mp4 failed
    assert "skipped" in second.stdout
    out = local_batch["out"]
    rows = _summary(out)
    assert set(rows) == {"day1.mp4", "day2.mkv", "phone.mov", "missing.mp4", "broken.mp4"}
    assert rows["missing.mp4"]["status"] == "failed" and "no such file" in rows["missing.mp4"]["error"]
    assert rows["broken.mp4"]["status"] == "failed" and rows["broken.mp4"]["error"]
    assert rows["day2.mkv"]["notes"] == EVIL_NOTE and rows["day1.mp4"]["patient_id"] == PATIENT_A
    left = {n: int(rows[n]["left_reps"]) for n in ("day1.mp4", "day2.mkv", "phone.mov")}
    for n in left:
        assert rows[n]["status"] == "ok", rows[n]
        assert int(rows[n]["right_reps"]) == 0
        assert int(rows[n]["left_longest_set"]) == left[n]
        doc = json.loads((out / rows[n]["json"]).read_text())
        assert doc["schema"] == "hipcam.analysis/1" and doc["video"]["path"] == rows[n]["path"]
        assert (out / rows[n]["json"]).with_suffix(".png").stat().st_size > 10_000
    expected = _expected_left_reps(clips)
    assert left["day1.mp4"] >= 1
    if expected is not None:
        assert all(v == expected for v in left.values()), (left, expected)
    # the same content in another container, or stored rotated, counts the same
    assert left["day1.mp4"] == left["day2.mkv"] == left["phone.mov"], left

    # a re-run with everything scored: nothing analysed, same outputs, still exit 1
    t0 = time.monotonic()
    third = subprocess.run(local_batch["cmd"], capture_output=True, text=True, timeout=120)
    assert third.returncode == 1
    assert "0 ok, 2 failed, 3 skipped" in third.stdout, third.stdout
    assert "earlier run" in third.stdout
    assert time.monotonic() - t0 < 60
    assert _summary(out) == rows
    # --retry-failed analyses broken.mp4 again (it fails again, as a fresh failure)
    # (-q: no summary lines; --json -: the batch's figures as one JSON document on stdout)
    retry = subprocess.run([*local_batch["cmd"], "--retry-failed", "-q", "--json", "-"],
                           capture_output=True, text=True, timeout=120)
    doc = json.loads(retry.stdout)
    assert retry.returncode == 1 and "0 ok, 2 failed, 3 skipped" in doc["totals"]
    assert "earlier run" not in doc["totals"] and "hipcam batch:" not in retry.stdout
    assert doc["schema"] == "hipcam.batch/1" and len(doc["videos"]) == 5
    summary_paths = {r["path"] for r in csv.DictReader(open(out / "summary.csv", newline=""))}
    assert {v["path"] for v in doc["videos"]} == summary_paths  # the same relative paths
    assert not any(p.startswith("/") for p in summary_paths)
    assert "failed: " in retry.stderr  # failures are still listed


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium not installed")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp / 'chrome-profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _plot_pixels(png: Path, bgr: tuple[int, int, int], tol: int = 40) -> int:
    img = cv2.imread(str(png))
    assert img is not None, png
    return int(np.all(np.abs(img.astype(int) - np.array(bgr)) <= tol, axis=2).sum())


def test_batch_report_in_headless_chromium(local_batch: dict, tmp_path: Path) -> None:
    out = local_batch["out"]
    index = out / "index.html"
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom",
                    f"{index.as_uri()}#sort=left_reps:desc").stdout
    assert 'data-js="ready"' in dom and 'data-sorted-by="left_reps:desc"' in dom
    assert dom.count("<tr class=\"row-") == 5
    assert dom.count("<script") == 1 and "<script>alert" not in dom
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in dom
    # sorted by left reps, descending: scored videos first, failed (empty) ones last
    body = dom[dom.index("<tbody>"):]
    assert body.index("row-ok") < body.index("row-failed")
    assert body.rindex("row-ok") < body.index("row-failed")

    shots = {}
    patient = next(p for p in (out / "patients").glob("*.html") if p.name.startswith("Ann"))
    video = next((out / "videos").glob("day1-*.html"))
    for name, page, size in (("index", index, "1400,700"), ("patient", patient, "1000,1100"),
                             ("video", video, "1300,1100")):
        shot = tmp_path / f"{name}.png"
        res = _chromium(tmp_path, f"--window-size={size}", f"--screenshot={shot}", page.as_uri())
        assert shot.is_file(), res.stderr[-2000:]
        shots[name] = shot
    keep = os.environ.get("HIPCAM_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for shot in shots.values():
            shutil.copy(shot, keep)
    # the plots rendered: the patient progress lines and the angle plot's filtered-angle line in
    # the left leg's colour, and the page's text
    from hipcam.colors import LEG_BGR

    assert _plot_pixels(shots["patient"], LEG_BGR["left"], tol=20) > 300
    assert _plot_pixels(shots["video"], LEG_BGR["left"], tol=20) > 300
    assert _plot_pixels(shots["video"], (0, 0, 0), tol=30) > 2000
    # the index table rendered (the failed rows' pink background is there)
    assert _plot_pixels(shots["index"], (240, 241, 255), tol=4) > 5000


# ---------------------------------------------------------------------------------------------
# Dask


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("distributed")
    d = tmp_path_factory.mktemp("dask")
    sched_file = d / "scheduler.json"
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    # the workers import this folder's test_batch_pool for the hang test
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    procs = []
    logs = []

    def start(*args: str) -> None:
        log = open(d / f"{len(procs)}.log", "w")  # noqa: SIM115 - closed at teardown
        logs.append(log)
        procs.append(subprocess.Popen([str(dask), *args], stdout=log, stderr=subprocess.STDOUT,
                                      env=env, cwd=d))

    start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
          "--scheduler-file", str(sched_file))
    try:
        deadline = time.monotonic() + 60
        while not sched_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            start("worker", address, "--host", "127.0.0.1", "--nthreads", "1",
                  "--no-dashboard", "--name", f"w{i}")
        from distributed import Client

        with Client(address, timeout=30, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGINT)
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()


def test_batch_on_dask_cluster_matches_local(dask_cluster: str, local_batch: dict, clips: dict,
                                             tmp_path: Path) -> None:
    out = tmp_path / "dask_out"
    cmd = [*HIPCAM, "batch", str(clips["dir"] / "patient_a"), "--out", str(out), "--stride",
           STRIDE, "--scheduler", dask_cluster, "--no-report"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=280)
    assert res.returncode == 0, res.stderr
    assert "2 ok, 0 failed, 0 skipped" in res.stdout
    got, ref = _summary(out), _summary(local_batch["out"])
    keys = ("left_reps", "right_reps", "left_longest_set", "left_smoothness", "left_jerky_reps",
            "sha256")
    for name in ("day1.mp4", "day2.mkv"):
        assert {k: got[name][k] for k in keys} == {k: ref[name][k] for k in keys}, name
    con = sqlite3.connect(out / "hipcam-results.db")
    workers = {w for (w,) in con.execute("SELECT worker FROM results")}
    con.close()
    assert workers and all(":" in w for w in workers)  # host:pid of the Dask worker processes


def test_dask_timeout_restarts_hung_worker(dask_cluster: str) -> None:
    from distributed import Client
    from test_batch_pool import FakeTask

    from hipcam.batch.runner import Job, run_dask

    got: dict[str, dict] = {}
    jobs = [Job(f"k{n}", f"/videos/{n}") for n in ("hang.mp4", "a.mp4", "b.mp4", "c.mp4")]
    with Client(dask_cluster, timeout=30, set_as_default=False) as client:
        run_dask(jobs, FakeTask(), lambda j, o: got.__setitem__(Path(j.path).name, o), client,
                 timeout_s=4.0)
        assert "timed out after 4 s" in got["hang.mp4"]["error"]
        assert all(got[n]["status"] == "ok" for n in ("a.mp4", "b.mp4", "c.mp4"))
        client.wait_for_workers(2, timeout=90)  # the hung worker came back through its nanny
