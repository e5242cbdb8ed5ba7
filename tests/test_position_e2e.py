"""``analyse`` and ``live`` share the exercise-position gate: the same video out of position gives
0 reps and the not-in-position message in both (real pose model, real CLI: slow tier).

The video is a bundled sample turned on its side: the same person and the same shin swings, but
lying down as far as the model can tell, so no frame is in the exercise position.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from hipcam.position import NOT_IN_POSITION

HIPCAM = [sys.executable, "-m", "hipcam.cli"]
SAMPLES = Path(__file__).resolve().parent.parent / "sample_videos"
pytestmark = pytest.mark.slow


def _lying_video(dst: Path, seconds: float = 8.0) -> None:
    """The first ``seconds`` of ``one_leg_smooth`` (3 reps of the left leg) rotated by 90°."""
    import cv2

    cap = cv2.VideoCapture(str(SAMPLES / "one_leg_smooth.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, (h, w))
    for _ in range(int(seconds * fps)):
        ok, frame = cap.read()
        if not ok:
            break
        out.write(cv2.rotate(frame, cv2.ROTATE_90_CLOCKWISE))
    out.release()
    cap.release()


def test_out_of_position_video_counts_nothing_in_analyse_and_live(tmp_path):
    video = tmp_path / "lying.mp4"
    _lying_video(video)
    ana = subprocess.run(HIPCAM + ["analyse", str(video), "--json", "-"], capture_output=True,
                         text=True, timeout=900)
    assert ana.returncode == 0, ana.stderr
    doc = json.loads(ana.stdout)
    assert [doc["legs"][leg]["reps"] for leg in ("left", "right")] == [0, 0]
    assert [doc["legs"][leg]["in_position"] for leg in ("left", "right")] == [[], []]
    assert sum("never in the exercise position" in w for w in doc["warnings"]) == 1
    live = subprocess.run(HIPCAM + ["live", "--source", str(video), "--headless", "--no-realtime",
                                    "--quiet", "--no-db", "--calibration", "0"],
                          capture_output=True, text=True, timeout=900)
    assert live.returncode == 0, live.stderr
    events = [json.loads(line) for line in live.stdout.splitlines() if line.startswith("{")]
    assert events[-1]["event"] == "summary"
    for leg in ("left", "right"):  # the same gate's verdict in both
        for key in ("reps", "sets", "in_position"):
            assert events[-1]["legs"][leg][key] == doc["legs"][leg][key], (leg, key)
    assert any(e["event"] == "warning" and e["message"] == NOT_IN_POSITION for e in events)
    assert not any(e["event"] == "rep" for e in events)
