"""The bundled pose models: checksums, load with the Tasks API, find a person in a real frame;
the model variant and its side-view calibration."""

import hashlib
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from hipcam import pose
from hipcam.errors import HipcamError

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "pose_landmarker_heavy.task"
BUNDLED = [ROOT / "models" / f"pose_landmarker_{v}.task" for v in ("heavy", "full")]


@pytest.mark.parametrize("bundle", BUNDLED, ids=lambda p: p.stem)
def test_checksum_matches_models_readme(bundle):
    readme = (ROOT / "models" / "README.md").read_text()
    documented = re.search(rf"`{bundle.name}`[^\n]*`([0-9a-f]{{64}})`", readme).group(1)
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == documented


def test_default_model_is_the_bundled_heavy_one():
    assert pose.default_model_path() == MODEL


def test_model_names_and_variants():
    assert pose.model_path_arg("full") == str(BUNDLED[1])
    assert pose.model_path_arg("heavy") == str(BUNDLED[0])
    assert pose.model_path_arg("my/own.task") == "my/own.task"
    assert pose.model_variant("x/pose_landmarker_heavy.task") == "heavy"
    assert pose.model_variant("x/Pose_Landmarker_Lite.task") == "lite"
    assert pose.model_variant("x/mine.task") == "full"


def test_side_view_calibration_follows_the_model():
    from hipcam.session import SIDE_VIEW_CALIBRATION, side_view_calibration

    assert side_view_calibration(BUNDLED[1]) == SIDE_VIEW_CALIBRATION["full"]
    assert side_view_calibration(BUNDLED[0]) == SIDE_VIEW_CALIBRATION["heavy"]
    assert side_view_calibration() == SIDE_VIEW_CALIBRATION["heavy"]  # the default model's
    assert side_view_calibration("other_lite.task") == SIDE_VIEW_CALIBRATION["full"]
    assert SIDE_VIEW_CALIBRATION["heavy"].gain < SIDE_VIEW_CALIBRATION["full"].gain


def _sample_frame() -> np.ndarray:
    video = sorted((ROOT / "sample_videos").glob("*.mp4"))[0]
    cap = cv2.VideoCapture(str(video))
    cap.set(cv2.CAP_PROP_POS_FRAMES, 15)
    ok, bgr = cap.read()
    cap.release()
    assert ok
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("bundle", BUNDLED, ids=lambda p: p.stem)
def test_model_loads_and_detects_the_person_in_a_real_frame(bundle):
    rgb = _sample_frame()
    h, w = rgb.shape[:2]
    with pose.PoseEstimator(bundle) as est:
        sample = est.detect(rgb, 0.0)
    assert sample is not None
    xy = sample.image_xy_px
    for k in (pose.L_KNEE, pose.R_KNEE, pose.L_ANKLE, pose.R_ANKLE):
        assert 0 <= xy[k, 0] < w and 0 <= xy[k, 1] < h
        assert sample.visibility[k] > 0.5
    # seated: ankles below knees, knees below (or level with) hips in the image
    assert xy[pose.L_ANKLE, 1] > xy[pose.L_KNEE, 1] + 0.05 * h
    assert xy[pose.R_ANKLE, 1] > xy[pose.R_KNEE, 1] + 0.05 * h
    assert np.isfinite(sample.world_xyz_m).all()


def test_blank_frame_has_no_person():
    with pose.PoseEstimator(MODEL) as est:
        assert est.detect(np.zeros((240, 320, 3), np.uint8), 0.0) is None


def test_missing_or_broken_model_is_a_one_line_error(tmp_path):
    with pytest.raises(HipcamError, match="not found"):
        pose.PoseEstimator(tmp_path / "nope.task")
    bad = tmp_path / "bad.task"
    bad.write_bytes(b"not a model")
    with pytest.raises(HipcamError, match="cannot load pose model"):
        pose.PoseEstimator(bad)
