"""hipcam batch without video analysis: input discovery, the results store, outputs, HTML escaping."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from hipcam.batch import htmlreport
from hipcam.batch.inputs import VideoEntry, discover, read_manifest
from hipcam.batch.outputs import SUMMARY_COLUMNS, BatchRow, summary_csv_bytes
from hipcam.batch.store import ResultStore, sha256_file
from hipcam.errors import HipcamError, InputMissingError


def _touch(p: Path, data: bytes = b"x") -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return p


def test_discover_folder_glob_manifest(tmp_path: Path) -> None:
    a = _touch(tmp_path / "v" / "a.MP4")
    b = _touch(tmp_path / "v" / "deep" / "er" / "b.webm")
    _touch(tmp_path / "v" / "notes.txt")
    _touch(tmp_path / "v" / ".hidden" / "c.mp4")
    c = _touch(tmp_path / "other" / "c.mov")
    m = tmp_path / "lists" / "m.csv"
    m.parent.mkdir()
    m.write_text("path, patient_id ,recorded_at,notes,extra\n"
                 "../v/a.MP4,P1,2026-01-02,first <b>,x\n"
                 f"{c},P2,2026-01-03,,\n\n")
    found = discover([str(tmp_path / "v"), str(tmp_path / "oth*" / "*.mov"), str(m)])
    assert [e.path for e in found] == [str(a), str(b), str(c)]
    by = {e.path: e for e in found}
    assert (by[str(a)].patient_id, by[str(a)].recorded_at, by[str(a)].notes) == ("P1", "2026-01-02",
                                                                                 "first <b>")
    assert by[str(b)].patient_id == ""
    assert by[str(c)].patient_id == "P2"
    assert len({e.row_id for e in found}) == 3


def test_discover_errors(tmp_path: Path) -> None:
    with pytest.raises(InputMissingError):
        discover([str(tmp_path / "nope")])
    with pytest.raises(InputMissingError):
        discover([str(tmp_path / "*.mp4")])
    bad = tmp_path / "bad.csv"
    bad.write_text("file,patient\nx.mp4,1\n")
    with pytest.raises(HipcamError, match="'path' column"):
        read_manifest(bad)
    # a manifest row naming a missing file is kept: the batch reports it as failed
    ok = tmp_path / "ok.csv"
    ok.write_text("path\nmissing.mp4\n")
    assert read_manifest(ok)[0].path == str(tmp_path / "missing.mp4")


def test_store_roundtrip_wal_and_keys(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    f = _touch(tmp_path / "v.mp4", b"video bytes" * 1000)
    with ResultStore(db, "1", "p") as s:
        h = s.hash_file(str(f))
        assert h == sha256_file(f)
        s.put(h, "failed", str(f), error="boom")
        assert s.statuses([h, "other"]) == {h: "failed"}
        s.put(h, "ok", str(f), doc={"legs": {}}, plot_png=b"\x89PNG", elapsed_s=1.5, worker="w")
        got = s.get(h)
        assert got is not None and got.status == "ok" and got.doc == {"legs": {}}
        assert got.plot_png == b"\x89PNG" and got.error is None
        assert s.count() == 1
    # another analysis version or settings never sees that row
    with ResultStore(db, "2", "p") as s2, ResultStore(db, "1", "q") as s3:
        assert s2.get(h) is None and s3.get(h) is None
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # the hash cache is keyed by size and mtime
    with ResultStore(db, "1", "p") as s:
        st = f.stat()
        assert s.cached_hash(str(f), st.st_size, st.st_mtime_ns) == h
        assert s.cached_hash(str(f), st.st_size + 1, st.st_mtime_ns) is None


EVIL = '<script>alert("x")</script>&\'"'


def _doc(left: int, right: int) -> dict:
    leg = {"reps": 0, "longest_continuous_set": 0, "sets": [], "smoothness_score": None,
           "jerky_reps": 0, "mean_rom_deg": None, "gaps": [], "reps_detail": []}
    return {"schema": "hipcam.analysis/1",
            "video": {"path": "x", "fps": 30.0, "frames": 90, "duration_s": 3.0, "width": 64,
                      "height": 48},
            "legs": {"left": {**leg, "reps": left, "longest_continuous_set": left,
                              "smoothness_score": 80.5, "sets": [{"reps": left}]},
                     "right": {**leg, "reps": right, "longest_continuous_set": right}},
            "warnings": [EVIL]}


def test_report_escapes_user_strings_and_summary_columns(tmp_path: Path) -> None:
    rows = [
        BatchRow(VideoEntry(f"/v/{EVIL}.mp4", patient_id=EVIL, recorded_at="2026-01-02",
                            notes=EVIL), "ok", sha256="ab" * 32, doc=_doc(5, 0), has_plot=True),
        BatchRow(VideoEntry("/v/b.mp4", patient_id=EVIL, recorded_at=EVIL, notes=""), "failed",
                 error=EVIL),
    ]
    for r in rows:
        htmlreport.write_video_page(tmp_path, r, 100)
    index = htmlreport.write_report(tmp_path, rows, 100, f"totals {EVIL}")
    pages = [index, *tmp_path.glob("videos/*.html"), *tmp_path.glob("patients/*.html")]
    assert len(pages) == 4
    for page in pages:
        text = page.read_text()
        assert "<script>alert" not in text, page
        assert text.count("<script>") <= 1  # only the report's own sorting script
    from markupsafe import escape

    assert str(escape(EVIL)) in index.read_text()  # escaped by the template engine, quotes included
    assert str(escape(EVIL)) == "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;&#39;&#34;"
    assert list(tmp_path.glob("patients/*-progress-*.png"))
    table = list(csv.reader(summary_csv_bytes(rows).decode().splitlines()))
    assert tuple(table[0]) == SUMMARY_COLUMNS
    rec = dict(zip(table[0], table[1], strict=True))
    assert (rec["left_reps"], rec["right_reps"], rec["left_smoothness"], rec["status"]) == (
        "5", "0", "80.5", "ok")
    rec = dict(zip(table[0], table[2], strict=True))
    assert (rec["status"], rec["error"], rec["left_reps"]) == ("failed", EVIL, "")


def test_cli_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hipcam.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 3
    assert "no video files found" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 3
    capsys.readouterr()
    assert main(["batch", str(tmp_path), "--out", str(tmp_path / "o"), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "argument --workers: must be from 1 to" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err  # one line, not the usage block
    _touch(tmp_path / "file")
    _touch(tmp_path / "v" / "a.mp4")
    assert main(["batch", str(tmp_path / "v"), "--out", str(tmp_path / "file")]) == 6
    assert "is a file, not a folder" in capsys.readouterr().err


def test_manifest_dates_iso_8601_only(tmp_path: Path) -> None:
    """01/04/2026 is 1 April or 4 January: refused with its line number, never guessed."""
    from hipcam.batch.inputs import parse_recorded_at

    m = tmp_path / "m.csv"
    m.write_text("path,recorded_at\na.mp4,2026-04-01\nb.mp4,2026-04-01T09:30+02:00\nc.mp4,\n"
                 "d.mp4,01/04/2026\n")
    with pytest.raises(HipcamError, match=r"m\.csv:5: recorded_at '01/04/2026' is not an ISO 8601"):
        read_manifest(m)
    m.write_text("path,recorded_at\na.mp4,2026-04-01\nb.mp4,2026-04-01T09:30+02:00\nc.mp4,\n")
    assert [e.recorded_at for e in read_manifest(m)] == ["2026-04-01", "2026-04-01T09:30+02:00", ""]
    assert str(parse_recorded_at("2026-04-01T09:30+02:00")) == "2026-04-01 07:30:00"
    for bad in ("2026/04/01", "1.4.2026", "20260401", "2026-13-01", "April 1"):
        with pytest.raises(ValueError):
            parse_recorded_at(bad)


def test_shared_outputs_show_paths_below_the_batch_root(tmp_path: Path) -> None:
    from hipcam.batch.outputs import batch_root, shown_path

    paths = ["/clinic/private/2026/ann/a.mp4", "/clinic/private/2026/bob/b.mp4"]
    root = batch_root(paths)
    assert root == "/clinic/private/2026" and shown_path(paths[0], root) == "ann/a.mp4"
    assert shown_path("/elsewhere/c.mp4", root) == "/elsewhere/c.mp4"  # not below: unchanged
    rows = [BatchRow(VideoEntry(paths[0]), "ok", doc=_doc(3, 0)),
            BatchRow(VideoEntry(paths[1]), "failed", error=f"{paths[1]} is not a video")]
    text = summary_csv_bytes(rows, root).decode()
    assert "/clinic" not in text and "ann/a.mp4" in text and "bob/b.mp4 is not a video" in text
    assert rows[0].video_doc(root)["video"]["path"] == "ann/a.mp4"
