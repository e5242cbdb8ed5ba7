"""A tiny deterministic render through the real anny + pyrender + OSMesa stack.

Skipped when the synth extra is not installed. The first run on a fresh machine also builds
anny's model cache (~1-3 min, no network); later runs take ~15-30 s.
"""

from __future__ import annotations

import csv
import ctypes.util
import json
import math
import os

import numpy as np
import pytest

# must be set before anything imports PyOpenGL (pyrender does)
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
if ctypes.util.find_library("OSMesa") is None:
    pytest.skip("OSMesa is not installed (apt-get install libosmesa6)", allow_module_level=True)
pytest.importorskip("torch")
pytest.importorskip("anny")
pytest.importorskip("pyrender")
cv2 = pytest.importorskip("cv2")

from hipcam.synth.render import CSV_COLUMNS, TRUTH_SCHEMA, render_scenario  # noqa: E402
from hipcam.synth.scenario import parse_schedule_text, scenario_from_dict  # noqa: E402

W, H, FPS = 160, 120, 10


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    out_dir = tmp_path_factory.mktemp("synth")
    sc = scenario_from_dict({
        "name": "tiny",
        "seed": 4,
        "video": {"width": W, "height": H, "fps": FPS, "codec": "mp4v"},
        "camera": {"azimuth_deg": 20},
        "legs": {
            "left": parse_schedule_text("reps 1 period=0.8 amp=35"),
            "right": parse_schedule_text("rest 0.2; reps 1 period=0.6 amp=30 profile=jerky"),
        },
    })
    res = render_scenario(sc, out_dir / "tiny.mp4", progress=False)
    return sc, res


def _frames(path) -> list[np.ndarray]:
    cap = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    cap.release()
    return frames


@pytest.mark.timeout(900)
def test_files_and_truth(rendered) -> None:
    sc, res = rendered
    assert res.video.is_file() and res.truth_json.is_file() and res.truth_csv.is_file()
    doc = json.loads(res.truth_json.read_text())
    assert doc["schema"] == TRUTH_SCHEMA
    assert doc["fps"] == FPS and doc["frames"] == 8 == res.frames
    left, right = doc["truth"]["left"], doc["truth"]["right"]
    assert left["reps"] == 1 and left["longest_continuous_set"] == 1
    assert left["rep_intervals_s"] == [[0.0, 0.8]] and left["jerky_reps"] == []
    assert right["reps"] == 1 and right["jerky_reps"] == [0]
    assert right["sets"] == [{"start_s": 0.2, "end_s": 0.8, "reps": 1}]
    assert doc["scenario"]["name"] == "tiny"
    assert scenario_from_dict(doc["scenario"]) == sc


@pytest.mark.timeout(900)
def test_video_not_blank_and_joints_in_frame(rendered) -> None:
    _, res = rendered
    frames = _frames(res.video)
    assert len(frames) == 8
    for f in frames:
        assert f.shape == (H, W, 3)
        assert f.std() > 15  # not a flat image
    # the body moves: the frames differ
    assert np.abs(frames[0].astype(int) - frames[4].astype(int)).mean() > 0.2

    with open(res.truth_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == CSV_COLUMNS
    assert len(rows) == 8
    for r in rows:
        for side in ("L", "R"):
            for joint in ("hip", "knee", "ankle"):
                u, v = float(r[f"{joint}_{side}_u"]), float(r[f"{joint}_{side}_v"])
                assert 0 <= u < W and 0 <= v < H
            du = float(r[f"ankle_{side}_u"]) - float(r[f"knee_{side}_u"])
            dv = float(r[f"ankle_{side}_v"]) - float(r[f"knee_{side}_v"])
            assert dv > 0  # the ankle hangs below the knee
            assert float(r[f"ang2d_{side}"]) == pytest.approx(
                math.degrees(math.atan2(du, dv)), abs=0.1)
    # the person's left leg rotates inward: its knee->ankle image angle changes at the peak
    a0, a4 = float(rows[0]["ang2d_L"]), float(rows[4]["ang2d_L"])
    assert float(rows[4]["theta_L"]) > 30
    assert abs(a4 - a0) > 10


@pytest.mark.timeout(900)
def test_ankle_pixel_region_differs_from_background(rendered) -> None:
    """The projected shin midpoint lands on the body (trousers), not on the background."""
    _, res = rendered
    frames = _frames(res.video)
    with open(res.truth_csv, newline="") as fh:
        rows = list(csv.DictReader(fh))
    f, r = frames[0], rows[0]
    for side in ("L", "R"):
        u = 0.5 * (float(r[f"knee_{side}_u"]) + float(r[f"ankle_{side}_u"]))
        v = 0.5 * (float(r[f"knee_{side}_v"]) + float(r[f"ankle_{side}_v"]))
        patch = f[int(v) - 1: int(v) + 2, int(u) - 1: int(u) + 2].reshape(-1, 3).mean(0)
        assert patch.mean() < 90  # dark trousers (#2b2f3a) under the shin


@pytest.mark.timeout(900)
def test_standing_up_keeps_the_feet_and_raises_the_hips() -> None:
    """The ``stand_up`` look-alike: the body rises over its feet (the hips go up and forward, the
    ankles stay), then the seated pose comes back exactly."""
    from hipcam.synth.body import SeatedBody

    body = SeatedBody({})
    zero = np.zeros(3)
    frames = body.pose(zero, zero, stand_deg=np.array([0.0, 40.0, 80.0]))
    for side in ("L", "R"):
        ankle, hip = frames.joints[f"ankle_{side}"], frames.joints[f"hip_{side}"]
        assert np.abs(ankle[1:] - ankle[0]).max() < 0.05  # metres: the feet stay put
        assert hip[2, 2] - hip[0, 2] > 0.25  # the hips rise (anny: +Z up)
        assert hip[2, 1] < hip[0, 1] - 0.2  # and go forward (-Y), over the feet
    seated = body.pose(zero[:1], zero[:1])
    assert np.allclose(seated.joints["hip_L"][0], frames.joints["hip_L"][0], atol=1e-5)
