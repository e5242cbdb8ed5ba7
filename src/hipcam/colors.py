"""hipcam's colours, in one place: each leg has one colour in every view (window, plots, reports).

The legs use the Okabe–Ito colour-blind-safe palette's sky blue and reddish purple: neither is
red, amber or green, which are kept for smoothness (smooth ≥ 70 green, 50–70 amber, jerky < 50
red, see :func:`score_band`). Use :data:`LEG_HEX` in matplotlib and HTML, :data:`LEG_BGR` with OpenCV.

>>> LEG_HEX["left"], LEG_BGR["left"]
('#56B4E9', (233, 180, 86))
>>> score_band(82), score_band(60), score_band(12), score_band(None)
('smooth', 'fair', 'jerky', 'unknown')
"""

from __future__ import annotations

import math

from hipcam.smoothness import JERKY_BELOW, SMOOTH_FROM

#: The person's left and right leg as ``#RRGGBB`` (matplotlib, HTML, CSS).
LEG_HEX: dict[str, str] = {"left": "#56B4E9", "right": "#CC79A7"}


def hex_to_bgr(color: str) -> tuple[int, int, int]:
    """``#RRGGBB`` → OpenCV's (blue, green, red) tuple."""
    c = color.lstrip("#")
    if len(c) != 6:
        raise ValueError(f"not a #RRGGBB colour: {color!r}")
    r, g, b = (int(c[k : k + 2], 16) for k in (0, 2, 4))
    return (b, g, r)


def hex_to_rgb01(color: str) -> tuple[float, float, float]:
    """``#RRGGBB`` → (r, g, b) in 0–1 (matplotlib)."""
    b, g, r = hex_to_bgr(color)
    return (r / 255.0, g / 255.0, b / 255.0)


#: The legs' colours for OpenCV (BGR).
LEG_BGR: dict[str, tuple[int, int, int]] = {leg: hex_to_bgr(c) for leg, c in LEG_HEX.items()}
LEFT_BGR, RIGHT_BGR = LEG_BGR["left"], LEG_BGR["right"]

# -- smoothness bands ------------------------------------------------------------------------

#: Lower edges of the smoothness bands (scores are 0–100, higher is smoother), defined with the
#: score itself in :mod:`hipcam.smoothness`.
SMOOTH_MIN, FAIR_MIN = SMOOTH_FROM, JERKY_BELOW
#: One colour per band as ``#RRGGBB``; "unknown" for a leg or rep without a score.
SCORE_HEX: dict[str, str] = {"smooth": "#3CB43C", "fair": "#FFAA00", "jerky": "#DC2828",
                             "unknown": "#888888"}
SCORE_BGR: dict[str, tuple[int, int, int]] = {k: hex_to_bgr(c) for k, c in SCORE_HEX.items()}
#: What each band means, for legends and reports.
SCORE_LABELS: dict[str, str] = {"smooth": f"smooth (≥ {SMOOTH_MIN:.0f})",
                                "fair": f"fair ({FAIR_MIN:.0f}–{SMOOTH_MIN:.0f})",
                                "jerky": f"jerky (< {FAIR_MIN:.0f})", "unknown": "no score"}


def score_band(score: float | None) -> str:
    """``"smooth"`` (≥ 70), ``"fair"`` (50–70), ``"jerky"`` (< 50) or ``"unknown"`` (None/NaN)."""
    if score is None or not math.isfinite(score):
        return "unknown"
    if score >= SMOOTH_MIN:
        return "smooth"
    if score >= FAIR_MIN:
        return "fair"
    return "jerky"


def score_hex(score: float | None) -> str:
    """The band colour of a smoothness score as ``#RRGGBB``."""
    return SCORE_HEX[score_band(score)]
