"""``hipcam live`` (every frame, headless) and ``hipcam analyse`` agree on awkward videos.

Real pose model, real CLI (slow tier): a sample cropped halfway down the shins, one with a leg
occluded for 4 s, one with stretches of blank frames. They used to disagree on the cropped one
(live counted on the model's guessed ankles); both now feed the same
:class:`~hipcam.session.SessionAnalyzer`, which owns the masking, the gaps and the sets.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import replay

HIPCAM = [sys.executable, "-m", "hipcam.cli"]
pytestmark = pytest.mark.slow


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("name", sorted(replay.AWKWARD))
def test_live_equals_analyse_on_awkward_video(name, tmp_path):
    sample, kind = replay.AWKWARD[name]
    video = tmp_path / f"{name}.mp4"
    replay.make_awkward_video(replay.SAMPLES_DIR / f"{sample}.mp4", video, kind)
    # side by side: the two runs share nothing but the file
    # the full model, the one the replay tier was recorded with (compared below)
    live = subprocess.Popen(HIPCAM + ["live", "--source", str(video), "--headless", "--no-realtime",
                                      "--quiet", "--no-db", "--calibration", "0", "--model", "full"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ana = subprocess.run(HIPCAM + ["analyse", str(video), "--json", "-", "--model", "full"],
                         capture_output=True, text=True, timeout=1500)
    out, err = live.communicate(timeout=1500)
    assert live.returncode == 0, err
    assert ana.returncode == 0, ana.stderr
    summary = _events(out)[-1]
    doc = json.loads(ana.stdout)
    assert summary["event"] == "summary" and summary["frames_dropped"] == 0
    assert summary["legs"] == doc["legs"]
    # and both are what the replay tier pins
    an = replay.replay(name)
    for leg in ("left", "right"):
        assert doc["legs"][leg]["reps"] == len(an.reps(leg)), leg
