"""A private X display for window tests: Xvfb (and optionally a window manager), a screenshot."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest


def _free_display() -> int:
    for n in range(90, 160):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    pytest.skip("no free X display number")


@contextlib.contextmanager
def virtual_display(size: tuple[int, int] = (1366, 768), wm: str | None = None) -> Iterator[str]:
    """Start Xvfb with a screen of ``size`` (and ``matchbox-window-manager`` with the options in
    ``wm``, e.g. ``"-use_titlebar no"``; None: no window manager); yields the DISPLAY value."""
    if not shutil.which("Xvfb"):
        pytest.skip("needs Xvfb (apt: xvfb)")
    if wm is not None and not shutil.which("matchbox-window-manager"):
        pytest.skip("needs matchbox-window-manager (apt: matchbox-window-manager)")
    n = _free_display()
    procs = [subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{size[0]}x{size[1]}x24", "-nolisten",
                               "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{n}").exists():
                break
            time.sleep(0.1)
        if wm is not None:
            procs.append(subprocess.Popen(["matchbox-window-manager", *wm.split()],
                                          env=dict(os.environ, DISPLAY=f":{n}"),
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            time.sleep(0.5)
        yield f":{n}"
    finally:
        for p in reversed(procs):
            p.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=10)


def screenshot(display: str, size: tuple[int, int], path: Path) -> np.ndarray:
    """Grab the whole screen with ffmpeg's x11grab; the BGR image."""
    if not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg")
    grab = subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "x11grab", "-video_size",
                           f"{size[0]}x{size[1]}", "-i", display, "-frames:v", "1", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert grab.returncode == 0, grab.stderr
    img = cv2.imread(str(path))
    assert img is not None and img.shape[:2] == (size[1], size[0])
    return img


def white_extent_px(img: np.ndarray, rect: tuple[int, int, int, int]) -> int:
    """Height in pixels spanned by near-white pixels (text drawn in white) inside ``rect``."""
    x, y, w, h = rect
    region = img[y:y + h, x:x + w].astype(int)
    rows = np.flatnonzero((region.min(axis=2) >= 230).sum(axis=1) >= 2)
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def color_pixels(img: np.ndarray, rect: tuple[int, int, int, int], bgr: tuple[int, int, int],
                 tol: int = 3) -> int:
    """How many pixels inside ``rect`` have colour ``bgr`` (± ``tol`` per channel)."""
    x, y, w, h = rect
    region = img[y:y + h, x:x + w].astype(int)
    return int(np.all(np.abs(region - np.array(bgr)) <= tol, axis=2).sum())
