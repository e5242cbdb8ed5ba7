"""Start-up calibration: ~2 s of sitting still → each leg's rest angle and a framing check.

While the framing is wrong (no one in view, knees or ankles out of the picture, legs too small),
:class:`Calibrator` says what to do instead of letting the counter run on garbage. The check is
repeated on a sliding window until it passes.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from hipcam import angles, pose
from hipcam.angles import LEG_LANDMARKS, LEGS, MIN_VISIBILITY

#: Length of the calibration window.
CALIBRATION_S = 2.0
#: Fractions of the window in which something must hold for the framing to pass.
MIN_PERSON_FRACTION = 0.7
MIN_VISIBLE_FRACTION = 0.7
#: Median shin length (knee to ankle) below this fraction of the image height is "too small".
MIN_SHIN_FRACTION = 0.08
#: Angle spread (10th–90th percentile) above which the person was not sitting still.
MAX_STILL_SPREAD_DEG = 4.0
_EDGE_FRACTION = 0.01



@dataclass
class CalibrationResult:
    """The outcome of one calibration window."""

    ok: bool
    problems: list[str] = field(default_factory=list)  # what the user should do, one per line
    rest_deg: dict[str, float | None] = field(default_factory=dict)  # signed 2D rest angle per leg
    still: bool = True
    shin_px: float = float("nan")
    #: per leg, the share of the window's frames with heel or toes cut off by the picture's edge
    #: (:func:`hipcam.angles.foot_cut_fraction`): advice, not a failure (such framings can count)
    foot_cut: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problems": list(self.problems), "still": self.still,
                "rest_deg": {k: (round(v, 2) if v is not None else None) for k, v in self.rest_deg.items()},
                "shin_px": round(self.shin_px, 1) if np.isfinite(self.shin_px) else None}


def check_framing(samples: list[pose.PoseSample | None], width: int, height: int) -> list[str]:
    """What is wrong with the framing over these frames (empty when it is fine)."""
    n = len(samples)
    found = [s for s in samples if s is not None]
    if n == 0 or len(found) < MIN_PERSON_FRACTION * n:
        return ["no one in view: sit on the bed edge facing the camera, with both legs in the picture"]
    problems: list[str] = []
    edge_x, edge_y = _EDGE_FRACTION * width, _EDGE_FRACTION * height

    def frac(ok: np.ndarray) -> float:
        return float(np.mean(ok)) * len(found) / n

    xy = np.stack([s.image_xy_px for s in found])  # (m, 33, 2)
    vis = np.stack([s.visibility for s in found])
    knees = [LEG_LANDMARKS[leg].knee for leg in LEGS]
    ankles = [LEG_LANDMARKS[leg].ankle for leg in LEGS]

    def inside(idx: list[int]) -> np.ndarray:
        p = xy[:, idx]
        return ((p[..., 0] > edge_x) & (p[..., 0] < width - edge_x)
                & (p[..., 1] > edge_y) & (p[..., 1] < height - edge_y)).all(axis=1)

    knees_ok = (vis[:, knees] >= MIN_VISIBILITY).all(axis=1) & inside(knees)
    ankles_ok = (vis[:, ankles] >= MIN_VISIBILITY).all(axis=1) & inside(ankles)
    if frac(knees_ok) < MIN_VISIBLE_FRACTION:
        problems.append("knees not in view: turn the camera toward your legs")
    if frac(ankles_ok) < MIN_VISIBLE_FRACTION:
        below = np.median(xy[:, ankles, 1]) > height * (1 - 3 * _EDGE_FRACTION)
        side = np.median(np.minimum(xy[:, ankles, 0].min(axis=1),
                                    width - xy[:, ankles, 0].max(axis=1))) < 3 * edge_x
        if side and not below:
            problems.append("feet at the edge of the picture: turn the camera toward your legs")
        else:
            problems.append("feet out of view: move the camera back or tilt it down")
    if not problems:
        shin = np.linalg.norm(xy[:, ankles] - xy[:, knees], axis=-1).mean(axis=1)
        if np.median(shin) < MIN_SHIN_FRACTION * height:
            problems.append("legs too small in the picture: move the camera closer")
    return problems


class Calibrator:
    """Collects frames until a window of ``duration_s`` passes the framing check.

    :meth:`add` returns None while the window is filling, then a :class:`CalibrationResult`
    after every frame (slide the window with :meth:`slide` when it failed).
    """

    def __init__(self, width: int, height: int, duration_s: float = CALIBRATION_S) -> None:
        self.width, self.height = width, height
        self.duration_s = duration_s
        self.window: deque[tuple[float, pose.PoseSample | None]] = deque()

    def add(self, t_s: float, sample: pose.PoseSample | None) -> CalibrationResult | None:
        """Add one frame; a result once the window spans ``duration_s``."""
        self.window.append((t_s, sample))
        while len(self.window) > 1 and t_s - self.window[1][0] >= self.duration_s:
            self.window.popleft()
        if t_s - self.window[0][0] < self.duration_s * 0.98:
            return None
        return self.evaluate()

    def evaluate(self) -> CalibrationResult:
        """Check the current window."""
        samples = [s for _, s in self.window]
        problems = check_framing(samples, self.width, self.height)
        if problems:
            return CalibrationResult(False, problems)
        rest: dict[str, float | None] = {}
        still = True
        found = [s for s in samples if s is not None]
        xy = np.stack([s.image_xy_px for s in found])
        a2 = angles.leg_angles(xy, np.stack([s.world_xyz_m for s in found])).angle_2d_deg
        chans = np.where(angles.legs_seen(np.stack([s.visibility for s in found]), xy), a2, np.nan)
        for k, leg in enumerate(LEGS):
            a = chans[:, k][np.isfinite(chans[:, k])]
            if a.size == 0:
                rest[leg] = None
                continue
            p10, p50, p90 = np.percentile(a, [10, 50, 90])
            if p90 - p10 > MAX_STILL_SPREAD_DEG:
                still = False
            rest[leg] = float(p50 if p90 - p10 <= MAX_STILL_SPREAD_DEG else p10)
        shin = float(np.median([np.linalg.norm(s.image_xy_px[j.ankle] - s.image_xy_px[j.knee])
                                for s in found for j in LEG_LANDMARKS.values()]))
        cut = angles.foot_cut_fraction(xy, (self.width, self.height), np.ones(len(found), bool))
        return CalibrationResult(True, [], rest, still, shin, cut)
