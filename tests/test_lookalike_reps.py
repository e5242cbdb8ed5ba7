"""Only external rotation counts: internal rotations and posture shifts are not reps (pure logic)."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import pose_sample, rep_series

from hipcam.reps import MAX_HOLD_S, RestAngle
from hipcam.session import SessionAnalyzer


def run(left: np.ndarray, fs: float = 30.0) -> SessionAnalyzer:
    an = SessionAnalyzer(fs)
    for i, a in enumerate(left):
        an.push(i / fs, pose_sample(float(a), 0.0))
    an.finish()
    return an


def _excursions(n: int, amp: float, period: float = 1.8, gap: float = 0.2, fs: float = 30.0,
                hold: float = 0.0) -> np.ndarray:
    _, a, _ = rep_series(fs, n_reps=n, period_s=period, amplitude_deg=amp, rest_before_s=0.0,
                         rest_between_s=gap, rest_after_s=0.0)
    if hold:
        k = int(np.argmax(a))
        a = np.r_[a[:k], np.full(int(hold * fs), a[k]), a[k:]]
    return a


@pytest.mark.parametrize("amp", [15.0, 25.0, 40.0])
def test_internal_rotations_before_real_reps_are_not_counted(amp):
    fs = 30.0
    left = np.r_[np.zeros(int(2 * fs)), -_excursions(10, amp), np.zeros(int(1 * fs)),
                 _excursions(8, 30.0), np.zeros(int(2 * fs))]
    left = left + np.random.default_rng(1).normal(0, 0.5, left.size)
    an = run(left)
    assert len(an.reps("left")) == 8
    assert an.reps("right") == []
    # every counted rep is one of the real ones (after the internal rotations)
    assert min(r.rep.start_s for r in an.reps("left")) > 2 + 10 * 2.0 - 0.5


def test_internal_rotation_alone_counts_nothing_even_with_holds_at_its_peak():
    fs = 30.0
    left = np.r_[np.zeros(int(2 * fs)), -_excursions(3, 30.0, hold=1.5), -_excursions(4, 20.0),
                 np.zeros(int(2 * fs))]
    assert run(left).reps("left") == []


@pytest.mark.parametrize("shift", [12.0, 20.0, -15.0])
def test_a_lasting_posture_shift_is_not_a_rep_and_reps_after_it_count(shift):
    fs = 30.0
    ramp = shift * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(1.0 * fs))))
    moved = np.r_[ramp, np.full(int(6 * fs), shift)]
    left = np.r_[np.zeros(int(2 * fs)), moved, moved[::-1], np.zeros(int(1.5 * fs)),
                 _excursions(5, 30.0), np.zeros(int(2 * fs))]
    an = run(left + np.random.default_rng(2).normal(0, 0.4, left.size))
    assert len(an.reps("left")) == 5


def test_a_shift_into_a_new_rest_then_reps_from_there():
    fs = 30.0
    ramp = 15.0 * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(1.0 * fs))))
    left = np.r_[np.zeros(int(2 * fs)), ramp, np.full(int(5 * fs), 15.0),
                 15.0 + _excursions(6, 30.0), np.full(int(2 * fs), 15.0)]
    an = run(left)
    assert len(an.reps("left")) == 6


def test_reps_with_a_short_hold_still_count_and_a_long_hold_does_not():
    fs = 30.0
    ok = np.r_[np.zeros(int(2 * fs)), _excursions(4, 30.0, hold=1.0 / 4)]
    # hold the peak of every rep for 1 s: still reps
    reps = [np.r_[_excursions(1, 30.0, period=2.0, hold=1.0), np.zeros(int(0.5 * fs))]
            for _ in range(4)]
    left = np.concatenate([np.zeros(int(2 * fs)), *reps, np.zeros(int(2 * fs))])
    assert len(run(left).reps("left")) == 4
    assert len(run(np.r_[ok, np.zeros(int(2 * fs))]).reps("left")) == 4
    held = np.r_[np.zeros(int(2 * fs)), _excursions(1, 30.0, hold=MAX_HOLD_S + 1.0),
                 np.zeros(int(2 * fs))]
    assert run(held).reps("left") == []


def test_rest_angle_holds_at_the_still_anchor_and_follows_a_new_posture():
    fs = 30.0
    rest = RestAngle(fs)
    x = np.r_[np.zeros(int(2 * fs)), -_excursions(4, 25.0), np.full(int(4 * fs), 10.0)]
    out = np.array([rest.step(i / fs, float(v)) for i, v in enumerate(x)])
    during = out[int(2 * fs): int(2 * fs) + 4 * int(1.8 * fs)]
    assert during.min() > -3.0  # the rolling percentile alone would follow down to ~ -25
    assert out[-1] == pytest.approx(10.0, abs=1.0)  # 4 s still at +10: the new rest
    assert rest.shifts == 1


def test_no_rep_starts_where_the_signal_comes_back_mid_movement():
    from hipcam.reps import RepDetector

    fs = 30.0
    det = RepDetector()
    # at rest, a gap (out of position) during which the foot went up, back in at 25° and down
    x = np.r_[np.zeros(int(fs)), np.full(int(fs), np.nan), np.linspace(25, 0, int(fs)),
              np.zeros(int(fs)), _excursions(2, 30.0), np.zeros(int(fs))]
    reps = [r for i, v in enumerate(x) if (r := det.update(i / fs, float(v))) is not None]
    assert len(reps) == 2 and reps[0].start_s > 3.0


@pytest.mark.parametrize("shift", [-15.0, -25.0])
def test_an_outward_shift_and_back_then_reps_a_second_later(shift):
    fs = 30.0
    ramp = shift * (0.5 - 0.5 * np.cos(np.linspace(0, np.pi, int(1.0 * fs))))
    moved = np.r_[ramp, np.full(int(5 * fs), shift)]
    left = np.r_[np.zeros(int(2 * fs)), moved, moved[::-1][: int(1.0 * fs)], np.zeros(int(1 * fs)),
                 _excursions(3, 30.0), np.zeros(int(2 * fs))]
    an = run(left + np.random.default_rng(4).normal(0, 0.4, left.size))
    assert len(an.reps("left")) == 3
