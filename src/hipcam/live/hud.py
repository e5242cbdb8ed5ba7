"""The ``hipcam live`` window's picture, drawn for any window size and read from across the room.

:func:`render` draws the whole window image at the size it will be shown (so nothing is blurred
by scaling): the camera image with the legs' skeleton on one side, a panel on the other (below it
in a tall window). Per leg, in the leg's own colour (:mod:`hipcam.colors`), the panel shows the
*current set* — reps in a row — as the hero number with the goal beside it ("37 in a row / 100"),
a progress bar toward the goal, the total count, today's best set and the last rep's smoothness
(green ≥ 70, amber 50–70, red < 50). Over the camera image: calibration guidance or PAUSED at the
top, coaching lines at the bottom, a big countdown when a rest is about to end a set, and a
banner when a set reaches the goal.

Sizes follow the window (the panel's text with its height, each leg card's contents with the
card): full screen at 1366×768 the hero digits are 117 px tall, 25 mm on a 13.3" screen, i.e.
43 arcmin at 2 m — over eight times the smallest letters normal sight reads (5 arcmin); the
labels beside it are 26–34 px (10–12 arcmin).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import cv2
import numpy as np

from hipcam.colors import LEG_BGR
from hipcam.overlay import draw_skeleton, score_color
from hipcam.session import LEGS

#: Window size used when there is no window to measure (benchmark, tests).
DEFAULT_SIZE = (1280, 720)
#: The height the layout is designed at; everything scales with height / REF_H.
REF_H = 768
FONT = cv2.FONT_HERSHEY_DUPLEX
PANEL_BG = (46, 32, 24)  # BGR, dark blue-grey
VIEW_BG = (20, 20, 20)
CARD_BG = (62, 44, 34)
BAR_BG = (90, 90, 90)
BANNER_BG = (0, 110, 200)  # amber-orange: guidance, paused
TEXT = (255, 255, 255)
DIM = (200, 200, 200)
COACH = (0, 200, 255)  # amber text: coaching lines
LEG_COLORS = LEG_BGR


@dataclass
class LegHud:
    """What the panel shows for one leg."""

    count: int = 0
    current_set: int = 0
    best_set_today: int = 0
    last_rom_deg: float | None = None
    last_score: float | None = None
    countdown_s: float | None = None  # a rest will end the set in this many seconds


@dataclass
class HudState:
    """Everything the HUD draws besides the image."""

    target: int = 100
    legs: dict[str, LegHud] = field(default_factory=lambda: {leg: LegHud() for leg in LEGS})
    messages: list[str] = field(default_factory=list)  # coaching, newest last
    banner: list[str] = field(default_factory=list)  # calibration guidance / PAUSED
    celebration: str | None = None  # leg whose set just reached the target
    fps: float = 0.0
    muted: bool = False
    quiet: bool = False
    t_s: float = 0.0
    ui_scale: float = 1.0


@dataclass(frozen=True)
class Layout:
    """Where things go in a window of ``size`` (rectangles are x, y, w, h).

    ``unit`` scales the panel's and the overlays' text (1 at :data:`REF_H`); ``card_unit`` the
    leg cards' contents (1 for a card of :data:`CARD_REF`).
    """

    size: tuple[int, int]
    unit: float
    card_unit: float
    view: tuple[int, int, int, int]
    panel: tuple[int, int, int, int]
    cards: dict[str, tuple[int, int, int, int]]
    hero: dict[str, tuple[int, int, int, int]]  # the current-set number's box per leg


#: A leg card's size in the 1366×768 design (its contents scale with the card).
CARD_REF = (606, 322)
#: Fraction of a landscape window's width the panel takes at ``ui_scale`` 1.
PANEL_FRACTION = 0.46


def _cards(panel: tuple[int, int, int, int], u: float) -> tuple[dict, float]:
    """Leg cards in the panel, stacked or side by side, whichever lets them be larger."""
    px, py, pw, ph = panel
    pad = max(int(round(10 * u)), 2)
    top, foot = int(round(46 * u)), int(round(52 * u))
    avail_w, avail_h = pw - 2 * pad, ph - top - foot - pad
    stacked = (avail_w, (avail_h - pad) // 2)
    side = ((avail_w - pad) // 2, avail_h)
    cu_st = min(stacked[0] / CARD_REF[0], stacked[1] / CARD_REF[1])
    cu_sd = min(side[0] / CARD_REF[0], side[1] / CARD_REF[1])
    cards = {}
    for k, leg in enumerate(LEGS):
        if cu_st >= cu_sd:
            cards[leg] = (px + pad, py + top + k * (stacked[1] + pad), *stacked)
        else:
            cards[leg] = (px + pad + k * (side[0] + pad), py + top, *side)
    return cards, max(max(cu_st, cu_sd), 0.05)


def layout(size: tuple[int, int], ui_scale: float = 1.0) -> Layout:
    """The layout for a window image of ``size`` = (width, height).

    ``ui_scale`` > 1 gives the panel more of the window and makes all text larger.
    """
    w, h = max(int(size[0]), 200), max(int(size[1]), 150)
    frac = min(max(PANEL_FRACTION * ui_scale, 0.3), 0.75)
    if w >= 1.2 * h:  # landscape: view left, panel right
        pw = int(round(min(frac * w, w - 120)))
        view, panel = (0, 0, w - pw, h), (w - pw, 0, pw, h)
        u = min(h / REF_H, pw / (PANEL_FRACTION * 1366)) * ui_scale
    else:  # tall window: view on top, panel below
        ph = int(round(min(frac * h * 1.1, h - 120)))
        view, panel = (0, 0, w, h - ph), (0, h - ph, w, ph)
        u = min(w / (PANEL_FRACTION * 1366), ph / REF_H * 1.6) * ui_scale
    cards, cu = _cards(panel, min(u, 2.0))
    hero = {}
    for leg, (cx, cy, cw, ch) in cards.items():
        top, bottom = int(round(52 * cu)), int(round(84 * cu))
        hero[leg] = (cx + int(round(24 * cu)), cy + top, int(cw * 0.5), max(ch - top - bottom, 8))
    return Layout((w, h), u, cu, view, panel, cards, hero)


# -- text helpers -------------------------------------------------------------------------------
def _thick(scale: float) -> int:
    return max(1, int(round(scale * 1.6)))


def scale_for_height(px: float, text: str = "0") -> float:
    """The font scale whose glyph height (of ``text``) is ``px`` pixels."""
    return max(px / max(_size_at_1(text)[1], 1), 0.1)


@functools.lru_cache(maxsize=1024)
def _size_at_1(text: str) -> tuple[int, int]:
    """(width, height) of ``text`` at font scale 1 (cached: the HUD asks every frame)."""
    return cv2.getTextSize(text, FONT, 1.0, 1)[0]


def fit_scale(text: str, max_w: float, max_h: float) -> float:
    """The largest font scale at which ``text`` fits in ``max_w`` × ``max_h`` pixels."""
    s = scale_for_height(max_h, text)
    (tw, _), _ = cv2.getTextSize(text, FONT, s, _thick(s))
    return s if tw <= max_w else s * max_w / max(tw, 1)


def put_text(img: np.ndarray, text: str, org: tuple[int, int], scale: float = 0.6,
             color: tuple[int, int, int] = TEXT, thickness: int | None = None) -> int:
    """Anti-aliased text at baseline ``org``; returns its width in pixels."""
    t = _thick(scale) if thickness is None else thickness
    cv2.putText(img, text, (int(org[0]), int(org[1])), FONT, scale, color, t, cv2.LINE_AA)
    return cv2.getTextSize(text, FONT, scale, t)[0][0]


def _text_h(text: str, img: np.ndarray, org: tuple[int, int], px: float,
            color: tuple[int, int, int] = TEXT, max_w: float | None = None) -> int:
    """Text whose capital/digit height is ``px`` (shrunk to ``max_w`` when given); its width."""
    s = scale_for_height(px, "0")
    if max_w is not None:
        (tw, _), _ = cv2.getTextSize(text, FONT, s, _thick(s))
        if tw > max_w:
            s *= max_w / tw
    return put_text(img, text, org, s, color)


def _bar(img: np.ndarray, x: int, y: int, w: int, h: int, frac: float, color: tuple) -> None:
    cv2.rectangle(img, (x, y), (x + w, y + h), BAR_BG, -1)
    fill = int(round(w * min(max(frac, 0.0), 1.0)))
    if fill > 0:
        cv2.rectangle(img, (x, y), (x + fill, y + h), color, -1)


def _wrap(text: str, max_w: float, px: float) -> list[str]:
    """Split ``text`` into lines no wider than ``max_w`` at glyph height ``px`` (a longer word
    gets a line of its own and is shrunk when drawn)."""
    sc = scale_for_height(px)
    t = _thick(sc)
    words, lines, cur = text.split(), [], ""
    for wd in words:
        cand = f"{cur} {wd}".strip()
        if cur and cv2.getTextSize(cand, FONT, sc, t)[0][0] > max_w:
            lines.append(cur)
            cur = wd
        else:
            cur = cand
    if cur:
        lines.append(cur)
    return lines


def _shade(img: np.ndarray, x: int, y: int, w: int, h: int, alpha: float = 0.6) -> None:
    """Darken a rectangle (text over the camera image stays readable)."""
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, img.shape[1]), min(y + h, img.shape[0])
    if x1 > x0 and y1 > y0:
        img[y0:y1, x0:x1] = cv2.convertScaleAbs(img[y0:y1, x0:x1], alpha=1 - alpha)


# -- drawing ------------------------------------------------------------------------------------
def render(bgr: np.ndarray, state: HudState, xy_px: np.ndarray | None = None,
           visibility: np.ndarray | None = None, size: tuple[int, int] | None = None) -> np.ndarray:
    """A new window image of ``size`` (width, height; default :data:`DEFAULT_SIZE`)."""
    lay = layout(size or DEFAULT_SIZE, state.ui_scale)
    w, h = lay.size
    canvas = np.empty((h, w, 3), np.uint8)
    # (cv2.rectangle fills: ~50x faster than numpy's broadcast of a colour into the image)
    cv2.rectangle(canvas, (0, 0), (w, h), VIEW_BG, -1)
    _draw_view(canvas, lay, bgr, xy_px, visibility)
    _draw_panel(canvas, lay, state)
    _draw_overlays(canvas, lay, state)
    return canvas


def _draw_view(canvas: np.ndarray, lay: Layout, bgr: np.ndarray, xy_px: np.ndarray | None,
               visibility: np.ndarray | None) -> None:
    vx, vy, vw, vh = lay.view
    fh, fw = bgr.shape[:2]
    s = min(vw / fw, vh / fh)
    nw, nh = max(int(fw * s), 1), max(int(fh * s), 1)
    view = cv2.resize(bgr, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    if xy_px is not None and visibility is not None:
        draw_skeleton(view, xy_px * s, visibility)
    ox, oy = vx + (vw - nw) // 2, vy + (vh - nh) // 2
    canvas[oy:oy + nh, ox:ox + nw] = view


def _draw_panel(canvas: np.ndarray, lay: Layout, state: HudState) -> None:
    u = lay.unit
    px, py, pw, ph = lay.panel
    cv2.rectangle(canvas, (px, py), (px + pw, py + ph), PANEL_BG, -1)
    pad = int(round(12 * u))
    put_text(canvas, "hipcam", (px + pad, py + int(32 * u)), scale_for_height(20 * u), DIM)
    _text_h(f"goal: {state.target} in a row", canvas, (px + int(150 * u), py + int(34 * u)),
            24 * u, TEXT, max_w=pw - 160 * u)
    for leg in LEGS:
        _draw_card(canvas, lay, leg, state)
    sound = "sound off (--no-sound)" if state.quiet else ("MUTED" if state.muted else "sound on")
    keys = "q quit   space pause   r new set   m " + ("unmute" if state.muted else "mute") + \
        "   f full screen"
    fy = py + ph - int(30 * u)
    _text_h(keys, canvas, (px + pad, fy), 13 * u, DIM, max_w=pw - 2 * pad)
    _text_h(f"{sound}   {state.fps:4.1f} fps   t {state.t_s:6.1f} s", canvas,
            (px + pad, fy + int(22 * u)), 12 * u, DIM, max_w=pw - 2 * pad)


def _draw_card(canvas: np.ndarray, lay: Layout, leg: str, state: HudState) -> None:
    u = lay.card_unit
    d = state.legs[leg]
    color = LEG_COLORS[leg]
    x, y, w, h = lay.cards[leg]
    cv2.rectangle(canvas, (x, y), (x + w, y + h), CARD_BG, -1)
    stripe = max(int(round(10 * u)), 3)
    cv2.rectangle(canvas, (x, y), (x + stripe, y + h), color, -1)
    if d.countdown_s is not None:  # the set is about to end: the card's border says so
        cv2.rectangle(canvas, (x, y), (x + w, y + h), color, max(int(round(6 * u)), 2))
    ix = x + int(round(24 * u))
    _text_h(leg.upper(), canvas, (ix, y + int(40 * u)), 30 * u, color)
    _text_h(f"best today {d.best_set_today}", canvas, (x + int(w * 0.55), y + int(38 * u)), 22 * u,
            DIM, max_w=w * 0.43)
    # hero: the current set, the goal beside it
    hx, hy, hw, hh = lay.hero[leg]
    num = str(d.current_set)
    s = fit_scale(num, hw, hh * 0.82)
    nw = put_text(canvas, num, (hx, hy + int(hh * 0.91)), s, TEXT)
    gx = hx + nw + int(18 * u)
    side_w = x + w - gx - int(10 * u)
    _text_h("in a row", canvas, (gx, hy + int(hh * 0.42)), 26 * u, TEXT, max_w=side_w)
    _text_h(f"of {state.target}", canvas, (gx, hy + int(hh * 0.86)), 34 * u, DIM, max_w=side_w)
    # progress toward the goal, then the detail line
    by = hy + hh + int(10 * u)
    _bar(canvas, ix, by, x + w - ix - int(16 * u), int(round(22 * u)), d.current_set / max(state.target, 1),
         color)
    ly = by + int(22 * u) + int(40 * u)
    tw = _text_h(f"total {d.count}", canvas, (ix, ly), 24 * u, TEXT, max_w=w * 0.3)
    cx = ix + max(tw, int(w * 0.28)) + int(14 * u)
    if d.last_rom_deg is not None:
        sc = d.last_score
        label = f"smooth {sc:.0f}" if sc is not None else "smooth -"
        s2 = scale_for_height(22 * u)
        (lw, lh), _ = cv2.getTextSize(label, FONT, s2, _thick(s2))
        chip = int(round(8 * u))
        cv2.rectangle(canvas, (cx - chip, ly - lh - chip), (cx + lw + chip, ly + chip), score_color(sc), -1)
        put_text(canvas, label, (cx, ly), s2, TEXT)
        _text_h(f"{d.last_rom_deg:.0f} deg", canvas, (cx + lw + int(26 * u), ly), 22 * u, DIM,
                max_w=x + w - (cx + lw + int(30 * u)))
    else:
        _text_h("last rep: -", canvas, (cx, ly), 22 * u, DIM)


def _draw_overlays(canvas: np.ndarray, lay: Layout, state: HudState) -> None:
    u = lay.unit
    vx, vy, vw, vh = lay.view
    pad = int(round(14 * u))
    if state.banner:  # guidance / paused, at the top of the view
        line_h = int(round(42 * u))
        lines = [ln for msg in state.banner for ln in _wrap(msg, vw - 2 * pad, 26 * u)]
        bh = pad + line_h * len(lines)
        cv2.rectangle(canvas, (vx, vy), (vx + vw, vy + bh), BANNER_BG, -1)
        for k, line in enumerate(lines):
            _text_h(line, canvas, (vx + pad, vy + int(34 * u) + line_h * k), 26 * u, TEXT,
                    max_w=vw - 2 * pad)
    if state.messages:  # coaching, at the bottom of the view
        line_h = int(round(38 * u))
        lines = [ln for msg in state.messages for ln in _wrap(msg, vw - 2 * pad, 24 * u)][-4:]
        bh = pad + line_h * len(lines)
        _shade(canvas, vx, vy + vh - bh, vw, bh, 0.7)
        for k, line in enumerate(lines):
            _text_h(line, canvas, (vx + pad, vy + vh - bh + int(30 * u) + line_h * k), 24 * u, COACH,
                    max_w=vw - 2 * pad)
    ending = [(leg, d.countdown_s) for leg, d in state.legs.items() if d.countdown_s is not None]
    if ending:  # a big countdown in the middle of the view
        leg, left_s = min(ending, key=lambda e: e[1])
        bw, bh = int(vw * 0.8), int(round(150 * u))
        bx, by = vx + (vw - bw) // 2, vy + (vh - bh) // 2
        _shade(canvas, bx, by, bw, bh, 0.75)
        cv2.rectangle(canvas, (bx, by), (bx + bw, by + bh), LEG_COLORS[leg], max(int(6 * u), 2))
        _text_h(f"{leg.upper()} set ends in", canvas, (bx + pad * 2, by + int(62 * u)), 34 * u, TEXT,
                max_w=bw - 4 * pad)
        _text_h(f"{max(int(np.ceil(left_s)), 1)} s - keep going!", canvas,
                (bx + pad * 2, by + int(128 * u)), 48 * u, LEG_COLORS[leg], max_w=bw - 4 * pad)
    if state.celebration is not None:  # the target reached: a banner across the view
        leg = state.celebration
        bh = int(round(170 * u))
        by = vy + (vh - bh) // 2
        cv2.rectangle(canvas, (vx, by), (vx + vw, by + bh), LEG_COLORS[leg], -1)
        _text_h(f"{state.target} IN A ROW!", canvas, (vx + pad * 2, by + int(82 * u)), 60 * u, TEXT,
                max_w=vw - 4 * pad)
        _text_h(f"{leg} leg - well done", canvas, (vx + pad * 2, by + int(142 * u)), 32 * u, TEXT,
                max_w=vw - 4 * pad)
