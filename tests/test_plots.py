"""The shared plots (hipcam.plots): leg colours, no false zeros, fixed scale for idle legs."""

from __future__ import annotations

from datetime import datetime

import cv2
import numpy as np

from hipcam.colors import LEG_BGR
from hipcam.plots import ProgressPoint, angle_png, progress_png


def _img(png: bytes) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None
    return img


def _mask(img: np.ndarray, bgr: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return np.all(np.abs(img.astype(int) - np.array(bgr)) <= tol, axis=2)


def test_progress_leaves_out_a_leg_not_exercised_instead_of_dropping_to_zero() -> None:
    days = [datetime(2026, 3, d) for d in (1, 2, 3)]
    reps = [{"left": 12, "right": 5}, {"left": 30, "right": 18}, {"left": 41, "right": 0}]
    points = [ProgressPoint.from_legs(d, str(k), r, dict(r), {"left": 70.0, "right": 55.0})
              for k, (d, r) in enumerate(zip(days, reps, strict=True))]
    assert points[2].longest_set["right"] is None and points[2].smoothness["right"] is None
    img = _img(progress_png(points, 100))
    top = img[: img.shape[0] // 2].copy()
    top[:90, :220] = 255  # the legend
    rx = np.nonzero(_mask(top, LEG_BGR["right"]))[1]
    lx = np.nonzero(_mask(top, LEG_BGR["left"]))[1]
    # the right leg's line ends at day 2: well left of where the left leg's line ends (day 3)
    assert rx.size > 50 and lx.size > 50
    assert lx.max() - rx.max() > 200, (lx.max(), rx.max())


def _doc(reps_left: int) -> dict:
    legs = {}
    for leg, n in (("left", reps_left), ("right", 0)):
        legs[leg] = {"reps": n, "longest_continuous_set": n, "smoothness_score": 80.0 if n else None,
                     "jerky_reps": 0, "angle_method": "2d", "gaps": [],
                     "reps_detail": [{"start_s": 1.0 + 2 * k, "peak_s": 1.9 + 2 * k, "end_s": 2.8 + 2 * k,
                                      "rom_deg": 30.0, "smoothness_score": 80.0} for k in range(n)]}
    return {"legs": legs}


def test_angle_panel_of_an_idle_leg_keeps_a_fixed_scale() -> None:
    t = np.arange(0, 10, 1 / 30)
    rng = np.random.default_rng(0)
    left = 15 * (1 - np.cos(2 * np.pi * t / 2)) * (t > 1)
    right = rng.normal(0, 1.0, t.size)  # tracking jitter of a leg at rest
    series = {"t_s": t}
    for leg, a in (("left", left), ("right", right)):
        series[f"{leg}_angle_deg"] = a
        series[f"{leg}_filtered_deg"] = a
        series[f"{leg}_rest_deg"] = np.zeros_like(t)
    img = _img(angle_png(_doc(4), series))
    h = img.shape[0]
    # the jitter (±3°) drawn on a ≥ 50° scale is a thin band, not a panel-filling scribble
    grey = np.all(np.abs(img.astype(int) - 140) <= 12, axis=2)  # the idle leg's line, "0.55"
    panel = grey[int(0.37 * h): int(0.62 * h), 150:-50]  # inside the right leg's axes (2nd of 3 rows)
    ys = np.nonzero(panel)[0]
    assert ys.size > 100
    assert np.percentile(ys, 99) - np.percentile(ys, 1) < 0.15 * panel.shape[0], "idle leg autoscaled"
    assert _mask(img[: int(0.33 * h)], LEG_BGR["left"]).sum() > 200  # the exercised leg in its colour
