"""Drawing on frames (OpenCV, BGR): the legs' skeleton and a counts panel.

Shared by ``hipcam analyse --annotate`` and the ``hipcam live`` window.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from hipcam import pose
from hipcam.colors import LEFT_BGR, RIGHT_BGR, SCORE_BGR, score_band

_BONES = [
    (pose.L_HIP, pose.R_HIP), (pose.L_HIP, pose.L_KNEE), (pose.L_KNEE, pose.L_ANKLE),
    (pose.R_HIP, pose.R_KNEE), (pose.R_KNEE, pose.R_ANKLE), (pose.L_ANKLE, pose.L_FOOT),
    (pose.R_ANKLE, pose.R_FOOT), (pose.L_SHOULDER, pose.L_HIP), (pose.R_SHOULDER, pose.R_HIP),
]
LEFT_COLOR = LEFT_BGR  # the person's left leg (see hipcam.colors)
RIGHT_COLOR = RIGHT_BGR
SCORE_COLORS = {"green": SCORE_BGR["smooth"], "amber": SCORE_BGR["fair"], "red": SCORE_BGR["jerky"]}


def draw_skeleton(bgr: np.ndarray, xy_px: np.ndarray, visibility: np.ndarray,
                  min_visibility: float = 0.5) -> None:
    """Draw hips, legs and feet in place, each leg in its colour (:mod:`hipcam.colors`)."""
    if xy_px is None or not np.isfinite(xy_px[pose.L_HIP, 0]):
        return
    for a, b in _BONES:
        if visibility[a] < min_visibility or visibility[b] < min_visibility:
            continue
        color = LEFT_COLOR if a in (pose.L_HIP, pose.L_KNEE, pose.L_ANKLE) and b != pose.R_HIP \
            else RIGHT_COLOR if b != pose.R_HIP else (200, 200, 200)
        if (a, b) in ((pose.L_SHOULDER, pose.L_HIP), (pose.R_SHOULDER, pose.R_HIP)):
            color = (200, 200, 200)
        pa = tuple(int(round(v)) for v in xy_px[a])
        pb = tuple(int(round(v)) for v in xy_px[b])
        cv2.line(bgr, pa, pb, color, 3, cv2.LINE_AA)
    for k in (pose.L_KNEE, pose.L_ANKLE, pose.R_KNEE, pose.R_ANKLE):
        if visibility[k] >= min_visibility:
            c = tuple(int(round(v)) for v in xy_px[k])
            cv2.circle(bgr, c, 5, (255, 255, 255), -1, cv2.LINE_AA)


def score_color(score: float | None) -> tuple[int, int, int]:
    """BGR band colour: green ≥ 70, amber 50–70, red < 50, grey when unknown."""
    return SCORE_BGR[score_band(score)]


def put_text(bgr: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.6,
             color: tuple[int, int, int] = (255, 255, 255), thickness: int = 1) -> None:
    """Text with a dark outline, legible on any background."""
    cv2.putText(bgr, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thickness + 3,
                cv2.LINE_AA)
    cv2.putText(bgr, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)


def draw_counts(bgr: np.ndarray, counts: dict[str, int], t_s: float) -> None:
    """A small panel with the running count per leg and the video time."""
    h, w = bgr.shape[:2]
    overlay = bgr.copy()
    cv2.rectangle(overlay, (0, 0), (w, 34), (0, 0, 0), -1)
    cv2.addWeighted(overlay, 0.5, bgr, 0.5, 0, dst=bgr)
    put_text(bgr, f"left {counts.get('left', 0)}", (10, 24), 0.7, LEFT_COLOR, 2)
    put_text(bgr, f"right {counts.get('right', 0)}", (150, 24), 0.7, RIGHT_COLOR, 2)
    put_text(bgr, f"t {t_s:6.1f} s", (w - 130, 24), 0.6)


@dataclass(frozen=True)
class LegStatus:
    """What the overlay shows for one leg: reps so far, current angle, last rep's smoothness."""

    count: int
    angle_deg: float | None = None  # rest-relative external rotation, degrees
    last_score: float | None = None  # smoothness 0-100 of the last finished rep


def draw_status(bgr: np.ndarray, legs: dict[str, LegStatus], t_s: float) -> None:
    """A top panel per leg: count, current angle and the last rep's score (coloured), and the time.

    Scaled to the frame width so that it stays legible from 320 to 1920 pixels wide.
    """
    h, w = bgr.shape[:2]
    scale = max(0.5, min(2.0, w / 640))
    bar_h = int(round(62 * scale))
    overlay = bgr.copy()
    cv2.rectangle(overlay, (0, 0), (w, bar_h), (0, 0, 0), -1)
    cv2.addWeighted(overlay, 0.55, bgr, 0.45, 0, dst=bgr)
    col_w = w // 2 - int(40 * scale)
    for i, (leg, color) in enumerate((("left", LEFT_COLOR), ("right", RIGHT_COLOR))):
        st = legs.get(leg, LegStatus(0))
        x = int(8 * scale) + i * col_w
        put_text(bgr, f"{leg} {st.count}", (x, int(26 * scale)), 0.8 * scale, color, 2)
        angle = "--" if st.angle_deg is None else f"{st.angle_deg:+.0f} deg"
        put_text(bgr, angle, (x, int(54 * scale)), 0.6 * scale, (235, 235, 235), 1)
        if st.last_score is not None:
            sx = x + int(105 * scale)
            put_text(bgr, "last rep", (sx, int(54 * scale)), 0.5 * scale, (235, 235, 235), 1)
            put_text(bgr, f"{st.last_score:.0f}", (sx + int(72 * scale), int(55 * scale)), 0.75 * scale,
                     score_color(st.last_score), 2)
    put_text(bgr, f"{t_s:6.1f} s", (w - int(95 * scale), int(26 * scale)), 0.6 * scale)
