"""The ``hipcam live`` window: camera image with the legs' skeleton, and a side panel (the HUD).

Panel, per leg: reps counted, the current continuous set and the best set today, a progress bar
of the current set toward the target, the last rep's range of motion and smoothness (green ≥ 70,
amber 50–70, red < 50). Below: coaching messages, frame rate, the keys. A banner over the image
shows calibration guidance, PAUSED or the lost-camera message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from hipcam.overlay import LEFT_COLOR, RIGHT_COLOR, draw_skeleton, score_color
from hipcam.session import LEGS

#: Height of the camera image in the window (it is scaled to this).
VIEW_H = 480
PANEL_W = 300
PANEL_BG = (46, 32, 24)  # BGR, dark blue-grey: the test looks for it in a screenshot
BAR_BG = (80, 80, 80)
BANNER_BG = (0, 110, 200)  # amber-orange banner for guidance
LEG_COLORS = {"left": LEFT_COLOR, "right": RIGHT_COLOR}
SCORE_AMBER = (0, 200, 255)  # coaching messages


@dataclass
class LegHud:
    """What the panel shows for one leg."""

    count: int = 0
    current_set: int = 0
    best_set_today: int = 0
    last_rom_deg: float | None = None
    last_score: float | None = None


@dataclass
class HudState:
    """Everything the HUD draws besides the image."""

    target: int = 100
    legs: dict[str, LegHud] = field(default_factory=lambda: {leg: LegHud() for leg in LEGS})
    messages: list[str] = field(default_factory=list)  # coaching, newest last
    banner: list[str] = field(default_factory=list)  # calibration guidance / PAUSED
    fps: float = 0.0
    muted: bool = False
    quiet: bool = False
    t_s: float = 0.0


def put_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.6,
             color: tuple[int, int, int] = (255, 255, 255), thickness: int = 1) -> None:
    """Plain anti-aliased text (the panel and banner backgrounds are solid, no outline needed)."""
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, color, thickness, cv2.LINE_AA)


def _bar(img: np.ndarray, x: int, y: int, w: int, h: int, frac: float, color: tuple) -> None:
    cv2.rectangle(img, (x, y), (x + w, y + h), BAR_BG, -1)
    fill = int(round(w * min(max(frac, 0.0), 1.0)))
    if fill > 0:
        cv2.rectangle(img, (x, y), (x + fill, y + h), color, -1)
    cv2.rectangle(img, (x, y), (x + w, y + h), (200, 200, 200), 1)


def render(bgr: np.ndarray, state: HudState, xy_px: np.ndarray | None = None,
           visibility: np.ndarray | None = None) -> np.ndarray:
    """A new image: the frame (skeleton drawn, scaled to :data:`VIEW_H`) with the panel at its right."""
    h, w = bgr.shape[:2]
    scale = VIEW_H / h
    view = cv2.resize(bgr, (max(int(round(w * scale)), 1), VIEW_H)) if h != VIEW_H else bgr.copy()
    if xy_px is not None and visibility is not None:
        draw_skeleton(view, xy_px * scale, visibility)
    vw = view.shape[1]
    canvas = np.empty((VIEW_H, vw + PANEL_W, 3), np.uint8)
    canvas[:, :vw] = view
    canvas[:, vw:] = PANEL_BG
    x0 = vw + 12
    put_text(canvas, "hipcam live", (x0, 24), 0.65, (255, 255, 255), 2)
    put_text(canvas, f"{state.fps:4.1f} fps", (vw + PANEL_W - 90, 24), 0.5, (200, 200, 200))
    y = 52
    for leg in LEGS:
        d = state.legs[leg]
        color = LEG_COLORS[leg]
        put_text(canvas, f"{leg.upper()}", (x0, y), 0.6, color, 2)
        put_text(canvas, f"{d.count}", (x0 + 95, y + 4), 1.0, (255, 255, 255), 2)
        put_text(canvas, "reps", (x0 + 165, y), 0.45, (200, 200, 200))
        y += 24
        put_text(canvas, f"set {d.current_set}   best today {d.best_set_today}", (x0, y), 0.5)
        y += 10
        _bar(canvas, x0, y, PANEL_W - 24, 14, d.current_set / max(state.target, 1), color)
        put_text(canvas, f"{d.current_set}/{state.target}", (x0 + PANEL_W - 90, y + 12), 0.4)
        y += 34
        if d.last_rom_deg is not None:
            sc = d.last_score
            put_text(canvas, f"last: ROM {d.last_rom_deg:.0f} deg", (x0, y), 0.5)
            cv2.rectangle(canvas, (x0 + 160, y - 14), (x0 + 270, y + 5), score_color(sc), -1)
            put_text(canvas, f"smooth {sc:.0f}" if sc is not None else "smooth -", (x0 + 164, y), 0.45)
        else:
            put_text(canvas, "last: -", (x0, y), 0.5, (170, 170, 170))
        y += 34
    for msg in state.messages[-3:]:
        for line in _wrap(msg, 34):
            put_text(canvas, line, (x0, y), 0.45, SCORE_AMBER)
            y += 18
    keys = "q quit  space pause  r new set  m " + ("unmute" if state.muted else "mute")
    put_text(canvas, keys, (x0, VIEW_H - 30), 0.42, (190, 190, 190))
    sound = "sound off (--no-sound)" if state.quiet else ("MUTED" if state.muted else "sound on")
    put_text(canvas, f"t {state.t_s:7.1f} s   {sound}", (x0, VIEW_H - 10), 0.42, (190, 190, 190))
    if state.banner:
        lines = [ln for msg in state.banner for ln in _wrap(msg, max(vw // 11, 20))]
        bh = 14 + 24 * len(lines)
        cv2.rectangle(canvas, (0, 0), (vw, bh), BANNER_BG, -1)
        for k, line in enumerate(lines):
            put_text(canvas, line, (10, 26 + 24 * k), 0.6, (255, 255, 255), 2)
    return canvas



def _wrap(text: str, width: int) -> list[str]:
    words, lines, cur = text.split(), [], ""
    for wd in words:
        if cur and len(cur) + 1 + len(wd) > width:
            lines.append(cur)
            cur = wd
        else:
            cur = f"{cur} {wd}".strip()
    if cur:
        lines.append(cur)
    return lines
