"""One colour per leg and per smoothness band, the same in every view."""

from __future__ import annotations

from pathlib import Path

from hipcam import colors, overlay


def test_leg_colours_are_neither_red_nor_green_and_shared() -> None:
    for leg, (b, g, r) in colors.LEG_BGR.items():
        assert not (r > 1.5 * max(g, b)), f"{leg} looks red"
        assert not (g > 1.5 * max(r, b)), f"{leg} looks green"
    assert overlay.LEFT_COLOR == colors.LEG_BGR["left"] and overlay.RIGHT_COLOR == colors.LEG_BGR["right"]
    assert overlay.score_color(85) == colors.SCORE_BGR["smooth"] == (60, 180, 60)
    css = (Path(colors.__file__).parent / "templates" / "report.css").read_text()
    for name, hex_ in [*colors.LEG_HEX.items(), *((k, v) for k, v in colors.SCORE_HEX.items()
                                                   if k != "unknown")]:
        assert f"--{name}:{hex_}" in css, name  # the report's CSS uses the same colours
