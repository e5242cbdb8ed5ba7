"""Outputs never destroy anything (issue 15, part 2): links, devices, '-', and outputs = inputs.

Unit tests of :mod:`hipcam.safe_output` on real files, then every command through the real CLI:
a refused output costs one line on stderr, exit code 6, and happens before any work.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from robust_media import HIPCAM, make_clip, run_hipcam

from hipcam.errors import EXIT_OUTPUT, OutputError
from hipcam.safe_output import check_outputs, file_for, resolve_output, write_bytes

pytestmark = pytest.mark.timeout(600)


# -- unit: hipcam.safe_output ----------------------------------------------------------------------
def test_symlink_is_written_through(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)  # permissions kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "sub" / "made.csv")
    write_bytes(link, b"a,b\n")
    assert link.is_symlink() and (tmp_path / "sub" / "made.csv").read_bytes() == b"a,b\n"


def test_character_device_is_written_in_place(tmp_path: Path) -> None:
    write_bytes("/dev/null", b"x" * 1000)
    assert Path("/dev/null").is_char_device()
    assert resolve_output("/dev/null").kind == "stream"


def test_fifo_is_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_bytes(fifo, b"through the pipe")
    assert reader.communicate(timeout=10)[0] == b"through the pipe"
    assert fifo.exists() and not fifo.is_file()


def test_dev_stdout_goes_to_the_descriptor(tmp_path: Path) -> None:
    """``/dev/stdout`` with stdout redirected to a file: appended in order, the link untouched."""
    out = tmp_path / "out.txt"
    code = ("import sys; from hipcam.safe_output import write_bytes\n"
            "print('before', flush=True); write_bytes('/dev/stdout', b'DATA\\n'); print('after')")
    with open(out, "w") as fh:
        subprocess.run([sys.executable, "-c", code], stdout=fh, check=True)
    assert out.read_text() == "before\nDATA\nafter\n"
    assert os.path.islink("/dev/stdout") or not os.path.exists("/dev/stdout")


def test_dash_is_stdout(capfd: pytest.CaptureFixture) -> None:
    write_bytes("-", b"to stdout\n")
    assert capfd.readouterr().out == "to stdout\n"
    assert resolve_output("-").is_stdout


def test_refusals(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"video")
    hard = tmp_path / "hard.png"
    os.link(video, hard)
    soft = tmp_path / "soft.png"
    soft.symlink_to(video)
    for out in (video, hard, soft):
        with pytest.raises(OutputError, match="same file as the video"):
            check_outputs({"--plot": out}, {"the video": video})
    with pytest.raises(OutputError, match="--json and --csv both write standard output"):
        check_outputs({"--json": "-", "--csv": "-"})
    with pytest.raises(OutputError, match="both write standard output"):
        check_outputs({"--json": "-", "--csv": "/dev/stdout"})
    with pytest.raises(OutputError, match="--json and --csv both write"):
        check_outputs({"--json": tmp_path / "a", "--csv": tmp_path / "x" / ".." / "a"})
    with pytest.raises(OutputError, match="is a directory"):
        check_outputs({"--json": tmp_path})
    assert video.read_bytes() == b"video"
    # sinks may take several outputs
    check_outputs({"--json": "/dev/null", "--csv": "/dev/null"}, {"the video": video})


def test_file_for_copies_to_stdout(capfd: pytest.CaptureFixture) -> None:
    with file_for("-", suffix=".mp4") as p:
        p.write_bytes(b"mp4 bytes")
    assert capfd.readouterr().out == "mp4 bytes"
    assert not p.exists()


# -- through the real CLI ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("safeout") / "tiny.mp4", 0.6, 160, 120)


def _refused(run, contains: str, command: str = "analyse") -> None:
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == EXIT_OUTPUT, (run.returncode, run.stderr)
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"hipcam {command}: "), run.stderr
    assert contains in lines[0], lines[0]


def test_analyse_refuses_outputs_onto_the_video(tiny: Path, tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(tiny.read_bytes())
    before = video.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(video)
    os.link(video, tmp_path / "hard.json")
    for flag, path in (("--csv", link), ("--json", tmp_path / "hard.json"), ("--plot", video),
                       ("--annotate", link)):
        _refused(run_hipcam("analyse", video, flag, path), "refusing to overwrite an input")
    _refused(run_hipcam("analyse", video, "--json", "-", "--csv", "-"),
             "--json and --csv both write standard output")
    assert video.read_bytes() == before and link.is_symlink()


def test_analyse_outputs_through_links_and_dash(tiny: Path, tmp_path: Path) -> None:
    real = tmp_path / "store" / "angles.csv"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "angles.csv"
    link.symlink_to(real)
    run = run_hipcam("analyse", tiny, "--csv", link, "--json", "-", "--plot", "/dev/null")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)  # stdout is exactly the JSON: no summary mixed in
    assert doc["video"]["frames"] > 0
    assert link.is_symlink() and real.read_text().startswith("t_s,")
    run = run_hipcam("analyse", tiny, "--csv", "-", "-q")
    assert run.returncode == 0 and run.stdout.startswith("t_s,"), run.stderr
    assert not Path("-").exists()


def test_analyse_dev_stdout_redirected_to_a_file(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    with open(out, "w") as fh:
        proc = subprocess.run([*HIPCAM, "analyse", str(tiny), "--json", "/dev/stdout"], stdout=fh,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["video"]["frames"] > 0
    assert os.path.islink("/dev/stdout")


def test_annotate_to_stdout(tiny: Path, tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    with open(out, "wb") as fh:
        proc = subprocess.run([*HIPCAM, "analyse", str(tiny), "--annotate", "-"], stdout=fh,
                              stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[4:8] == b"ftyp"


def test_live_refuses_record_onto_source_or_db(tiny: Path, tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(tiny.read_bytes())
    db = tmp_path / "s.db"
    sqlite3.connect(db).close()
    before = video.read_bytes()
    common = ("--headless", "--no-realtime", "--calibration", "0")
    _refused(run_hipcam("live", "--source", video, *common, "--db", db, "--record", video),
             "same file as --source", "live")
    _refused(run_hipcam("live", "--source", video, *common, "--db", db, "--record", db),
             "--record and --db both write", "live")
    _refused(run_hipcam("live", "--source", video, *common, "--db", video),
             "same file as --source", "live")
    _refused(run_hipcam("live", "--source", video, *common, "--db", db, "--record", "-"),
             "standard output", "live")
    assert video.read_bytes() == before


def test_history_refuses_plot_onto_the_db(tmp_path: Path) -> None:
    from hipcam.storage import SessionStore

    db = tmp_path / "s.db"
    with SessionStore(db) as st:
        st.start_session("cam", 100)
    before = db.read_bytes()
    link = tmp_path / "p.png"
    link.symlink_to(db)
    for plot in (db, link):
        _refused(run_hipcam("history", "--db", db, "--plot", plot), "refusing to overwrite",
                 "history")
    assert db.read_bytes() == before
    proc = subprocess.run([*HIPCAM, "history", "--db", str(db), "--plot", "-"], capture_output=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout[:8] == b"\x89PNG\r\n\x1a\n", proc.stdout[:100]  # nothing but the PNG


def test_batch_refuses_outputs_onto_inputs(tiny: Path, tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    video = videos / "a.mp4"
    video.write_bytes(tiny.read_bytes())
    before = video.read_bytes()
    out = tmp_path / "out"
    _refused(run_hipcam("batch", videos, "--out", out, "--db", video), "same file as the input video",
             "batch")
    out.mkdir(exist_ok=True)
    (out / "summary.csv").symlink_to(video)
    _refused(run_hipcam("batch", videos, "--out", out), "summary.csv", "batch")
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path\n{video}\n")
    (out / "summary.csv").unlink()
    _refused(run_hipcam("batch", manifest, "--out", out, "--db", manifest), "same file as the manifest",
             "batch")
    assert video.read_bytes() == before and manifest.read_text().startswith("path")


def test_synth_truth_files_never_replace_the_scenario(tmp_path: Path) -> None:
    sc = tmp_path / "sc.json"
    sc.write_text('{"name": "t", "legs": {"left": [{"type": "reps", "count": 1}]}}')
    before = sc.read_bytes()
    _refused(run_hipcam("synth", sc, "-o", tmp_path / "sc.mp4"), "same file as the scenario", "synth")
    assert sc.read_bytes() == before
    _refused(run_hipcam("synth", sc, "-o", "-"), "needs a file name", "synth")
