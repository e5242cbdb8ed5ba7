"""The live window for real, under Xvfb with a window manager (no pose model: fast).

The presenter opens the real OpenCV window, draws the HUD at the window's size, and the ``f`` key
toggles full screen: the drawing area grows to the whole 1366x768 screen and back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from xdisplay import virtual_display

pytestmark = pytest.mark.slow  # a real window

ROOT = Path(__file__).resolve().parent.parent

_SCRIPT = r"""
import json, sys, time
import cv2, numpy as np
from hipcam.live.presentation import Presenter

p = Presenter(target=100, window=True, sound=False)
p.open()
frame = np.full((480, 640, 3), 90, np.uint8)

def settle():
    for _ in range(15):
        p.show(frame, None, None, 0.0, 30.0, [])
        time.sleep(0.05)
    return p.window_size()

sizes = [settle()]
p.key(ord("f"))
sizes.append(settle())
p.key(ord("f"))
sizes.append(settle())
p.close()
print(json.dumps(sizes))
"""


def test_f_toggles_full_screen_and_the_hud_follows_the_window():
    with virtual_display((1366, 768), wm="") as display:  # matchbox with title bars
        env = dict(os.environ, DISPLAY=display, PYTHONPATH=str(ROOT / "src"))
        proc = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                              timeout=120)
    assert proc.returncode == 0, proc.stderr
    normal, full, back = (tuple(s) for s in json.loads(proc.stdout.strip().splitlines()[-1]))
    assert full == (1366, 768)  # full screen: the whole screen, no title bar
    assert normal[1] < 768 and normal[0] >= 1000  # a window with a title bar (the manager maximises it)
    assert back == normal
