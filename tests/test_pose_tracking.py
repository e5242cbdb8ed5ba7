"""Following one person at the single-person cost, with a passer-by walking through the picture.

Real model, real frames: a bundled sample with the person of another sample composited in
(larger than the patient, walking in, standing beside them moving their own legs, walking out;
in one video crossing the whole picture behind the patient); see :mod:`hipcam.synth.passerby`.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from hipcam import pose

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
PATIENT, PASSER = SAMPLES / "one_leg_smooth.mp4", SAMPLES / "pair_jerky.mp4"
SIZE = (320, 240)

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")


@pytest.fixture(scope="module")
def passer_by_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole sample; the passer-by walks in from the right, stands beside, walks out."""
    from hipcam.synth.passerby import add_passer_by

    out = tmp_path_factory.mktemp("passerby") / "passer_by.mp4"
    return add_passer_by(PATIENT, PASSER, out, size=SIZE)


@pytest.fixture(scope="module")
def crossing_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """7 s: the passer-by walks in from the left, across the picture behind the patient."""
    from hipcam.synth.passerby import PasserByPath, add_passer_by

    out = tmp_path_factory.mktemp("passerby") / "crossing.mp4"
    path = PasserByPath(enter_s=1.0, arrive_s=5.0, leave_s=10.0, gone_s=12.0, from_left=True)
    return add_passer_by(PATIENT, PASSER, out, path=path, size=SIZE, until_s=7.0)


def _truth_hips_px(video: Path) -> np.ndarray:
    """(N, 2) the patient's true hip centre per frame, in the output's pixels."""
    cap = cv2.VideoCapture(str(video))
    w = cap.get(cv2.CAP_PROP_FRAME_WIDTH)
    cap.release()
    with open(video.with_suffix(".csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    truth = json.loads(PATIENT.with_suffix(".json").read_text())
    k = w / truth["scenario"]["video"]["width"]
    return np.array([[(float(r["hip_L_u"]) + float(r["hip_R_u"])) / 2 * k,
                      (float(r["hip_L_v"]) + float(r["hip_R_v"])) / 2 * k] for r in rows])


def _follow(video: Path) -> tuple[np.ndarray, np.ndarray, pose.PoseEstimator]:
    """Times and followed hip centres (NaN: nobody) of every frame, and the estimator used."""
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS)
    ts, hips = [], []
    est = pose.PoseEstimator()
    try:
        k = 0
        while True:
            ok, bgr = cap.read()
            if not ok:
                break
            s = est.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), k / fps)
            ts.append(k / fps)
            hips.append(s.image_xy_px[[pose.L_HIP, pose.R_HIP]].mean(axis=0) if s else (np.nan, np.nan))
            k += 1
    finally:
        cap.release()
        est.close()
    return np.array(ts), np.array(hips, dtype=np.float64), est


def test_the_passer_by_is_in_the_picture(passer_by_video: Path) -> None:
    """The scenario is what it claims: two people in view while the passer-by stands beside."""
    truth = json.loads(passer_by_video.with_suffix(".json").read_text())
    assert truth["passer_by"]["video"] == PASSER.name
    cap = cv2.VideoCapture(str(passer_by_video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, int(9 * cap.get(cv2.CAP_PROP_FPS)))
    ok, bgr = cap.read()
    cap.release()
    assert ok and bgr.shape[1::-1] == SIZE
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    lm = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(pose.default_model_path())),
        running_mode=vision.RunningMode.IMAGE, num_poses=2))
    try:
        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        found = lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)).pose_landmarks
    finally:
        lm.close()
    assert len(found) == 2


def test_follows_the_patient_not_the_passer_by(crossing_video: Path) -> None:
    ts, hips, est = _follow(crossing_video)
    truth = _truth_hips_px(crossing_video)[: len(ts)]
    seen = np.isfinite(hips[:, 0])
    assert seen.mean() > 0.95
    err = np.linalg.norm(hips[seen] - truth[seen], axis=1)
    # the patient's hips are ~25 px apart at 320x240; the passer-by passes right behind them
    # (the landmarks are pulled up to ~26 px toward them meanwhile) and stops ~90 px away, where
    # a tracker that went with them stays (86 px: the heavy model's own check, 2026-12-03)
    assert err.max() < 40, f"followed someone else at t={ts[seen][np.argmax(err)]:.2f} s"
    # the two-person check ran on a small share of the frames only (the single-person cost): it
    # runs the full model, about half a heavy frame's cost (the crossing keeps it busy ~20% of
    # the frames: ~10% more work)
    assert 0 < est.checks < 0.25 * est.frames, (est.checks, est.frames)


def test_counts_exact_with_a_passer_by(passer_by_video: Path, tmp_path: Path) -> None:
    js = tmp_path / "pb.json"
    proc = subprocess.run([sys.executable, "-m", "hipcam.cli", "analyse", str(passer_by_video),
                           "--json", str(js), "-q"], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(js.read_text())
    truth = json.loads(passer_by_video.with_suffix(".json").read_text())["truth"]
    for leg in ("left", "right"):
        assert doc["legs"][leg]["reps"] == truth[leg]["reps"], (leg, doc["legs"][leg]["reps"])
    assert doc["analysis"]["max_people"] == 2  # the checker saw the passer-by
    assert any("people in view" in w for w in doc["warnings"]), doc["warnings"]


def test_one_person_runs_the_checker_rarely() -> None:
    """A plain sample: the two-person graph runs on about one frame in CHECK_EVERY_S seconds."""
    cap = cv2.VideoCapture(str(SAMPLES / "both_legs.mp4"))
    fps = cap.get(cv2.CAP_PROP_FPS)
    with pose.PoseEstimator() as est:
        for k in range(int(6 * fps)):
            ok, bgr = cap.read()
            assert ok
            assert est.detect(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), k / fps) is not None
    cap.release()
    expected = 6 / pose.CHECK_EVERY_S + 1
    assert est.checks <= expected + 2, (est.checks, est.frames)
