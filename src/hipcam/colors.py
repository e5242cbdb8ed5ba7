"""hipcam's colours, in one place: each leg has one colour in every view (window, plots, reports).

The legs use the Okabe–Ito colour-blind-safe palette's sky blue and reddish purple: neither is
red, amber or green, which are kept for smoothness (smooth ≥ 70 green, 50–70 amber, jerky < 50
red, see :func:`hipcam.overlay.score_color`). Use :data:`LEG_HEX` in matplotlib and HTML,
:data:`LEG_BGR` with OpenCV.

>>> LEG_HEX["left"], LEG_BGR["left"]
('#56B4E9', (233, 180, 86))
"""

from __future__ import annotations

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
