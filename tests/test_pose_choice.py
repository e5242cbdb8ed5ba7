"""Who :class:`hipcam.pose.PoseEstimator` follows: the tracker/checker logic alone.

The two MediaPipe graphs are replaced by scripted results (pure logic; the real model is
exercised in ``test_pose_tracking.py`` and ``test_model.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from hipcam import pose

W, H = 640, 480


def person(x: float, y: float = 240.0, torso: float = 80.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A fake person: hips centred at (x, y), shoulders ``torso`` px above, legs below."""
    xy = np.zeros((pose.N_LANDMARKS, 2), np.float32)
    xy[:] = (x, y + 60)
    xy[[pose.L_HIP, pose.R_HIP]] = [(x + 15, y), (x - 15, y)]
    xy[[pose.L_SHOULDER, pose.R_SHOULDER]] = [(x + 25, y - torso), (x - 25, y - torso)]
    xy[pose.NOSE] = (x, y - torso - 30)
    return xy, np.ones(pose.N_LANDMARKS, np.float32), np.zeros((pose.N_LANDMARKS, 3), np.float32)


class Scripted(pose.PoseEstimator):
    """A PoseEstimator whose tracker and checker say what the test says they see."""

    def __init__(self) -> None:
        self.tracker_sees: Any = None
        self.checker_sees: list = []
        self.steered: list[float] = []
        super().__init__()

    def _create(self, video: bool, num_poses: int) -> Any:
        return object()

    def _track(self, image: Any, ts_ms: int, w: int, h: int) -> Any:
        return self.tracker_sees

    def _check(self, image: Any, w: int, h: int) -> list:
        self.checks += 1
        return list(self.checker_sees)

    def _steer(self, prepared: Any, others: list, t_s: float) -> Any:
        self.steered.append(t_s)
        self._last_steer_s = t_s
        return None

    def close(self) -> None:
        pass

    def step(self, t_s: float) -> np.ndarray | None:
        s = self.detect(pose.PreparedImage(None, W, H), t_s)
        return None if s is None else s.image_xy_px[[pose.L_HIP, pose.R_HIP]].mean(axis=0)


@pytest.fixture()
def est(monkeypatch: pytest.MonkeyPatch) -> Scripted:
    return Scripted()


def test_one_person_is_checked_at_the_start_and_every_two_seconds(est: Scripted) -> None:
    est.tracker_sees = person(320)
    est.checker_sees = [person(320)]
    for k in range(300):  # 10 s at 30 fps, the person sways a little
        est.tracker_sees = person(320 + 3 * np.sin(k / 10))
        assert est.step(k / 30) is not None
    assert est.checks == len(np.arange(0.0, 10.0, pose.CHECK_EVERY_S))  # at 0 and 5 s


def test_start_follows_the_largest_most_central_person(est: Scripted) -> None:
    big, small = person(320, torso=90), person(560, torso=40)
    est.tracker_sees = small  # the tracker picked the wrong one
    est.checker_sees = [small, big]
    hips = est.step(0.0)
    assert hips is not None and abs(hips[0] - 320) < 1
    assert est.steered == [0.0]  # and is being steered back


def test_a_passer_by_taking_over_the_tracker_is_not_followed(est: Scripted) -> None:
    patient, passer = person(320), person(520)
    est.tracker_sees, est.checker_sees = patient, [patient]
    for k in range(10):
        est.step(k / 30)
    checks = est.checks
    # the tracker jumps onto the passer-by: a check runs at once and the patient is reported
    est.tracker_sees, est.checker_sees = passer, [patient, passer]
    hips = est.step(10 / 30)
    assert est.checks == checks + 1
    assert hips is not None and abs(hips[0] - 320) < 1
    # contested: the checker runs on every frame until the tracker is back for AGREE_FRAMES
    for k in range(11, 20):
        assert abs(est.step(k / 30)[0] - 320) < 1
    assert est.checks == checks + 10
    est.tracker_sees = patient
    for k in range(20, 20 + pose.AGREE_FRAMES):
        est.step(k / 30)
    checks = est.checks
    for k in range(20 + pose.AGREE_FRAMES, 30 + pose.AGREE_FRAMES):
        est.step(k / 30)
    assert est.checks == checks  # back to the tracker alone


def test_someone_else_is_not_followed_while_the_patient_is_hidden(est: Scripted) -> None:
    patient, passer = person(320), person(520)
    est.tracker_sees, est.checker_sees = patient, [patient]
    for k in range(10):
        est.step(k / 30)
    # the patient is hidden, only the passer-by is seen (by both graphs)
    est.tracker_sees, est.checker_sees = passer, [passer]
    t = 10 / 30
    while t < 10 / 30 + pose.FORGET_S - 0.1:
        assert est.step(t) is None
        t += 1 / 30
    # gone for longer than FORGET_S: whoever is there is followed
    for _ in range(10):
        hips = est.step(t)
        t += 1 / 30
    assert hips is not None and abs(hips[0] - 520) < 1


def test_losing_the_person_triggers_a_check(est: Scripted) -> None:
    est.tracker_sees, est.checker_sees = person(320), [person(320)]
    est.step(0.0)
    est.step(1 / 30)
    checks = est.checks
    est.tracker_sees, est.checker_sees = None, []
    assert est.step(2 / 30) is None
    assert est.checks == checks + 1
    assert est.step(3 / 30) is None
    assert est.checks == checks + 1  # nobody: no check on every frame
