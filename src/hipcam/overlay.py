"""Drawing on frames (OpenCV, BGR): the legs' skeleton and a counts panel.

Shared by ``hipcam analyse --annotate`` and the ``hipcam live`` window.
"""

from __future__ import annotations

import cv2
import numpy as np

from hipcam import pose
from hipcam.colors import LEFT_BGR as LEFT_COLOR
from hipcam.colors import RIGHT_BGR as RIGHT_COLOR

_BONES = [
    (pose.L_HIP, pose.R_HIP), (pose.L_HIP, pose.L_KNEE), (pose.L_KNEE, pose.L_ANKLE),
    (pose.R_HIP, pose.R_KNEE), (pose.R_KNEE, pose.R_ANKLE), (pose.L_ANKLE, pose.L_FOOT),
    (pose.R_ANKLE, pose.R_FOOT), (pose.L_SHOULDER, pose.L_HIP), (pose.R_SHOULDER, pose.R_HIP),
]
# the legs' colours (LEFT_COLOR, RIGHT_COLOR) come from hipcam.colors: one colour per leg everywhere
SCORE_COLORS = {"green": (60, 180, 60), "amber": (0, 170, 255), "red": (40, 40, 220)}


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
    """Green ≥ 70, amber 50–70, red < 50, grey when unknown."""
    if score is None or not np.isfinite(score):
        return (160, 160, 160)
    if score >= 70:
        return SCORE_COLORS["green"]
    if score >= 50:
        return SCORE_COLORS["amber"]
    return SCORE_COLORS["red"]


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
