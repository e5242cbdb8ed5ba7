"""The batch HTML report in a real headless Chromium: layout facts read off screenshots and the DOM.

The report is rendered from analysis documents built here (no pose model needed); the batch
end-to-end test (test_batch_e2e.py) covers the report of a real batch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from hipcam.batch import htmlreport
from hipcam.batch.inputs import VideoEntry
from hipcam.batch.outputs import BatchRow
from hipcam.colors import LEG_BGR, SCORE_BGR
from hipcam.settrends import add_set_trends

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TRACK_BGR = (230, 230, 230)  # .bartrack background #e6e6e6


def _doc(reps: dict[str, int], scores: dict[str, float], rom: float = 25.0) -> dict:
    legs = {}
    for leg, n in reps.items():
        detail = [{"start_s": 1.0 + 2 * k, "peak_s": 1.9 + 2 * k, "end_s": 2.8 + 2 * k, "duration_s": 1.8,
                   "rom_deg": rom - 0.1 * k, "smoothness_score": scores[leg] - k, "jerky": False}
                  for k in range(n)]
        legs[leg] = {"reps": n, "longest_continuous_set": n,
                     "sets": [{"start_s": 1.0, "end_s": 2.8 + 2 * (n - 1), "reps": n}] if n else [],
                     "smoothness_score": scores[leg] if n else None, "jerky_reps": 0,
                     "mean_rom_deg": rom if n else None, "angle_method": "2d", "gaps": [],
                     "reps_detail": detail}
    return add_set_trends({"schema": "hipcam.analysis/1", "analysed_at": "2026-03-01T10:00:00Z",
            "video": {"path": "x", "fps": 30.0, "frames": 900, "duration_s": 30.0, "width": 640,
                      "height": 480},
            "legs": legs, "warnings": []})


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    root = "/clinic/secret-folder/videos"
    rows = [
        BatchRow(VideoEntry(f"{root}/ann/day1.mp4", "Ann", "2026-03-01", "first"), "ok",
                 sha256="a" * 64, doc=_doc({"left": 8, "right": 0}, {"left": 82, "right": 0})),
        BatchRow(VideoEntry(f"{root}/ann/day2.mp4", "Ann", "2026-03-15T09:30", ""), "ok",
                 sha256="b" * 64, doc=_doc({"left": 30, "right": 12}, {"left": 61, "right": 35})),
        BatchRow(VideoEntry(f"{root}/bob/2026-02-20.mp4", "Bob", "2026-02-20", ""), "ok",
                 sha256="c" * 64, doc=_doc({"left": 95, "right": 100}, {"left": 74, "right": 90})),
        BatchRow(VideoEntry(f"{root}/broken.mp4", "", "", ""), "failed", error="not a video"),
    ]
    prov = htmlreport.Provenance(settings=[("stride", "1"), ("pause break", "4 s"), ("target", "100")],
                                 pause_break_s=4.0)
    base = htmlreport.batch_root([r.entry.path for r in rows])
    for r in rows:
        htmlreport.write_video_page(out, r, 100, prov, base)
    htmlreport.write_report(out, rows, 100, "4 video(s): 3 ok, 1 failed", prov)
    return out


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip("chromium not installed")
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
           f"--user-data-dir={tmp / 'chrome-profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _screenshot(tmp: Path, page: Path, size: str, name: str) -> np.ndarray:
    shot = tmp / f"{name}.png"
    res = _chromium(tmp, f"--window-size={size}", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), res.stderr[-2000:]
    keep = os.environ.get("HIPCAM_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, keep)
    img = cv2.imread(str(shot))
    assert img is not None
    return img


def _mask(img: np.ndarray, bgr: tuple[int, int, int], tol: int = 6) -> np.ndarray:
    return np.all(np.abs(img.astype(int) - np.array(bgr)) <= tol, axis=2)


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) column ranges where a boolean row is True."""
    d = np.diff(np.concatenate([[0], row.astype(int), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True))


def _bars(img: np.ndarray, leg: str) -> list[tuple[int, int, int]]:
    """Progress bars of ``leg`` on a screenshot: (track start x, fill end x, track end x) per bar row."""
    fill = _mask(img, LEG_BGR[leg])
    track = _mask(img, TRACK_BGR, tol=3)
    bars = []
    for y in range(img.shape[0]):
        for a, b in _runs(fill[y]):
            if b - a < 2:
                continue
            t_after = track[y, b:b + 3].any()
            t_before = track[y, max(a - 3, 0):a].any()
            # the track continues to the right of the fill (unless full), never to its left
            end = b
            while end < img.shape[1] and track[y, end]:
                end += 1
            bars.append((a, b, end, y, t_before, t_after))
    return bars


def test_progress_bars_fill_from_the_left_edge(report: Path, tmp_path: Path) -> None:
    img = _screenshot(tmp_path, report / "index.html", "1500,700", "index")
    bars = _bars(img, "left")
    assert bars, "no left-leg progress bar found on the index screenshot"
    widths = set()
    for a, b, end, _y, before, _after in bars:
        assert not before, "track pixels left of a bar's fill: the fill is anchored right"
        widths.add(round((b - a) / max(end - a, 1), 2))
    # 8, 30 and 95 of 100: each fill covers its share of the track from the left
    assert any(abs(w - 0.08) < 0.03 for w in widths), widths
    assert any(abs(w - 0.30) < 0.03 for w in widths), widths
    assert any(abs(w - 0.95) < 0.03 for w in widths), widths


def test_scores_coloured_and_unexercised_legs_dashed(report: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom",
                    (report / "index.html").as_uri()).stdout
    assert 'data-js="ready"' in dom
    assert 'class="score smooth"' in dom and 'class="score fair"' in dom and 'class="score jerky"' in dom
    assert 'title="not exercised">–</td>' in dom  # day1's right leg: no bar, no 0
    assert "secret-folder" not in dom and "/clinic" not in dom  # paths relative to the batch root
    assert "hipcam " in dom and "report written" in dom and "pause break: 4 s" in dom
    img = _screenshot(tmp_path, report / "index.html", "1500,700", "index-colours")
    # the smoothness cells' left stripes in the band colours
    for band in ("smooth", "fair", "jerky"):
        assert _mask(img, SCORE_BGR[band], tol=10).sum() > 20, band


def test_recorded_column_sorts_as_dates(report: Path, tmp_path: Path) -> None:
    dom = _chromium(tmp_path, "--virtual-time-budget=3000", "--dump-dom",
                    (report / "index.html").as_uri() + "#sort=recorded_at").stdout
    assert 'data-sorted-by="recorded_at"' in dom
    body = dom[dom.index("<tbody>"):]
    order = [body.index(name) for name in ("2026-02-20.mp4", "day1.mp4", "day2.mp4", "broken.mp4")]
    assert order == sorted(order), order


def test_video_page_has_rep_table_and_patient_plot_has_no_false_zero(report: Path, tmp_path: Path) -> None:
    page = next((report / "videos").glob("day2-*.html"))
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert dom.count("<tr>") >= 30 + 12  # a row per rep of each leg
    assert 'id="reps-left"' in dom and 'id="reps-right"' in dom
    # the road to 100: 30 reps whose smoothness falls 1 point a rep → last 10 vs first 10: −20
    trends = dom[dom.index('id="trends"'):]
    assert "first 10 vs last 10" in trends and "(-20)" in trends and "-1.00" in trends
    assert "too short to compare" not in dom  # the right leg's 12-rep set is compared too
    page1 = next((report / "videos").glob("day1-*.html"))
    dom1 = _chromium(tmp_path, "--dump-dom", page1.as_uri()).stdout
    assert "not exercised" in dom1 and 'id="reps-right"' not in dom1
    assert "too short to compare" in dom1  # 8 reps
    # Ann's progress plot: the right leg (reddish purple) was exercised on one day only, so it
    # is a single marker, not a line dropping to 0 from the day it was not exercised
    plot = next((report / "patients").glob("Ann-*-progress-*.png"))
    img = cv2.imread(str(plot))
    top = img[: img.shape[0] // 2].copy()  # the longest-set panel
    top[:90, :220] = 255  # without its legend (upper left)
    ys, xs = np.nonzero(_mask(top, LEG_BGR["right"], tol=12))
    assert len(xs) > 20 and np.ptp(xs) < 20, "right leg drawn on the day it was not exercised"
    ys, xs = np.nonzero(_mask(top, LEG_BGR["left"], tol=12))
    assert np.ptp(xs) > 300  # the left leg's line joins both days


def test_print_layout_hides_controls(report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "index.pdf"
    res = _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer",
                    (report / "index.html").as_uri())
    assert pdf.is_file() and pdf.read_bytes()[:5] == b"%PDF-", res.stderr[-1000:]
    css = (Path(htmlreport.__file__).parent.parent / "templates" / "report.css").read_text()
    assert "@media print" in css and "input#filter" in css.split("@media print", 1)[1]
