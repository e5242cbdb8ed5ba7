"""The rep detector and the streaming session analyser on synthetic signals (pure logic)."""

import numpy as np
import pytest
from synthetic import pose_sample, rep_series

from hipcam.position import PositionGate
from hipcam.reps import Rep, RepDetector, detect_reps, group_sets, longest_set
from hipcam.session import RepEvent, SessionAnalyzer, SetEndEvent


def run_session(t, left, right=None, visible=None, fs=30.0, pause_break_s=3.0):
    right = np.zeros_like(left) if right is None else right
    an = SessionAnalyzer(fs, pause_break_s)
    events = []
    for i, ti in enumerate(t):
        ok = True if visible is None else bool(visible[i])
        events += an.push(float(ti), pose_sample(left[i], right[i], visible=ok))
    events += an.finish()
    return an, events


@pytest.mark.parametrize("amp", [10.0, 20.0, 30.0, 45.0])
@pytest.mark.parametrize("period", [1.0, 2.0, 3.0])
def test_counts_exact_across_rom_and_tempo_with_jitter(amp, period):
    t, a, truth = rep_series(n_reps=8, period_s=period, amplitude_deg=amp, noise_deg=0.7, seed=3)
    an, _ = run_session(t, a)
    reps = an.reps("left")
    assert len(reps) == 8
    assert an.reps("right") == []
    for r, (t0, t1) in zip(reps, truth, strict=True):
        tol = 0.18 * period + 0.1  # minimum-jerk onsets hide in the jitter for a while
        assert abs(r.rep.start_s - t0) < tol and abs(r.rep.end_s - t1) < tol
        assert r.rep.peak_deg == pytest.approx(amp, rel=0.15, abs=1.5)


def test_tempo_and_rom_changing_within_a_set():
    periods = [1.0, 1.5, 2.5, 3.0, 1.2, 2.0, 1.0, 2.8]
    amps = [45, 40, 30, 20, 15, 12, 25, 10]
    t, a, _ = rep_series(n_reps=8, period_s=periods, amplitude_deg=amps, noise_deg=0.5, seed=1)
    an, _ = run_session(t, a)
    assert len(an.reps("left")) == 8


def test_fidgets_and_jitter_never_count():
    rng = np.random.default_rng(0)
    t = np.arange(0, 30, 1 / 30)
    fidget = 3.8 * np.clip(np.sin(2 * np.pi * 0.4 * t), 0, None) + rng.normal(0, 0.8, t.size)
    an, _ = run_session(t, fidget, fidget[::-1].copy())
    assert an.reps("left") == [] and an.reps("right") == []


def test_both_legs_counted_independently_at_the_same_time():
    t, a, _ = rep_series(n_reps=9, period_s=1.8, amplitude_deg=30, noise_deg=0.5, seed=2)
    _, b, _ = rep_series(n_reps=6, period_s=2.7, amplitude_deg=20, noise_deg=0.5, seed=5,
                         rest_before_s=1.0)
    n = min(len(a), len(b))
    an, _ = run_session(t[:n], a[:n], b[:n])
    assert len(an.reps("left")) == 9
    assert len(an.reps("right")) == 6


def test_short_dropouts_bridged_long_dropout_aborts_the_rep():
    t, a, truth = rep_series(n_reps=6, period_s=2.0, amplitude_deg=30, noise_deg=0.5, seed=4)
    vis = np.ones(t.size, bool)
    # 0.2 s dropouts inside reps 1 and 3: bridged
    for k in (1, 3):
        mid = int((truth[k][0] + 0.5) * 30)
        vis[mid : mid + 6] = False
    an, _ = run_session(t, a, visible=vis)
    assert len(an.reps("left")) == 6
    # a 1.5 s dropout covering most of rep 4: that rep cannot be counted, the others are
    vis2 = np.ones(t.size, bool)
    s = int((truth[4][0] + 0.2) * 30)
    vis2[s : s + 45] = False
    an2, _ = run_session(t, a, visible=vis2)
    assert len(an2.reps("left")) == 5
    assert an2.leg_result("left").gaps  # reported


def test_pause_breaks_the_set():
    t, a, _ = rep_series(n_reps=11, period_s=1.8, amplitude_deg=30, noise_deg=0.5,
                         pauses={6: 4.0}, seed=6)
    an, _ = run_session(t, a)
    res = an.leg_result("left")
    assert len(res.reps) == 11
    assert [s.reps for s in res.sets] == [6, 5]
    assert res.longest_continuous_set == 6
    # a longer pause-break joins them
    an2, _ = run_session(t, a, pause_break_s=6.0)
    assert an2.leg_result("left").longest_continuous_set == 11


def test_jerky_reps_score_below_smooth_reps():
    t, a, _ = rep_series(n_reps=6, period_s=2.4, amplitude_deg=30, noise_deg=0.5, seed=7)
    tj, aj, _ = rep_series(n_reps=6, period_s=2.4, amplitude_deg=30, noise_deg=0.5, seed=7,
                           jerky=True)
    an, _ = run_session(t, a)
    anj, _ = run_session(tj, aj)
    s = an.leg_result("left")
    j = anj.leg_result("left")
    assert len(j.reps) == 6
    assert s.smoothness_score > j.smoothness_score + 20
    assert s.jerky_reps == 0
    assert j.jerky_reps >= 5


def test_online_events_equal_offline_result_and_offline_detector():
    t, a, _ = rep_series(n_reps=7, period_s=1.6, amplitude_deg=25, noise_deg=0.6, seed=8)
    an, events = run_session(t, a)
    offline = an.reps("left")
    rep_events = [e for e in events if isinstance(e, RepEvent)]
    online = [e.result for e in rep_events if e.leg == "left"]
    assert online == offline and len(offline) == 7
    # the offline helper over the detector's own input gives the same reps
    s = an.series()
    rel = s["left_filtered_deg"] - s["left_rest_deg"]
    assert detect_reps(s["t_s"], rel) == [r.rep for r in offline]
    # current-set counter runs 1..7
    assert [e.current_set for e in rep_events] == list(range(1, 8))
    # ... and the one set ends with the session
    [end] = [e for e in events if isinstance(e, SetEndEvent)]
    assert (end.leg, end.reason, end.set.reps, end.number) == ("left", "session_end", 7, 1)


def test_rep_detector_rejects_too_short_spikes():
    det = RepDetector()
    out = []
    for i, x in enumerate([0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]):
        r = det.update(i / 30, float(x))
        if r:
            out.append(r)
    assert out == []


def _rep(a, b):
    return Rep(a, (a + b) / 2, b, 20.0, 0, 0, 0, 0)


def test_group_sets_and_longest():
    reps = [_rep(0, 2), _rep(2.5, 4), _rep(8, 10), _rep(10.5, 12), _rep(12.5, 14)]
    sets = group_sets(reps, 3.0)
    assert [s.reps for s in sets] == [2, 3]
    assert longest_set(sets) == 3
    assert longest_set(group_sets([], 3.0)) == 0


def test_replayed_angles_count_like_poses_in_position():
    """``push_angles`` (angle replays: the smoothness benchmark) says "in position": the
    analyser's gate must learn it too, or every rep is refused (it once was, silently)."""
    t, a, truth = rep_series(n_reps=6, period_s=2.0, amplitude_deg=30.0, noise_deg=0.5, seed=5)
    an = SessionAnalyzer(30.0)
    for ti, ai in zip(t, a, strict=True):
        an.push_angles(float(ti), (float("nan"), float(ai)))
    an.finish()
    assert len(an.reps("right")) == len(truth) == 6
    assert an.reps("left") == []
    assert an.in_position_intervals("right")
    assert an.in_position_intervals("left") == []  # never seen: no evidence of position


def test_side_view_raw_series_is_unsmoothed_while_the_detector_gets_it_filtered():
    """From the side (view 90°) the leg is read from the 3D rotation: the raw series (plots,
    smoothness score) holds it scaled but unsmoothed; only the detector's input is low-passed
    (a pre-filter would erase the submovements the smoothness score looks for)."""

    fs = 30.0
    rng = np.random.default_rng(2)
    t = np.arange(int(12 * fs)) / fs
    side = 4.0 * np.clip(np.sin(2 * np.pi * t / 3.0), 0, None) + rng.normal(0, 0.5, t.size)
    an = SessionAnalyzer(fs)
    for ti, si in zip(t, side, strict=True):
        an.push_angles(float(ti), (float("nan"), float("nan")), (float("nan"), float(si)), 90.0)
    an.finish()
    series = an.series()
    raw = np.asarray(series["right_angle_deg"], float)
    n = min(raw.size, side.size)
    assert np.allclose(raw[:n], an.side_view.gain * side[:n], atol=1e-6)
    filtered = np.asarray(an._legs["right"].filtered, float)[:n]
    ok = np.isfinite(filtered)
    rough = lambda x: float(np.std(np.diff(x)))  # noqa: E731
    assert rough(filtered[ok]) < 0.2 * rough(raw[:n][ok])


def _replay_both(left: np.ndarray, right: np.ndarray, t: np.ndarray, view_deg: float):
    an = SessionAnalyzer(30.0)
    for ti, a, b in zip(t, left, right, strict=True):
        an.push_angles(float(ti), (float(a), float(b)), yaw_deg=view_deg)
    an.finish()
    return len(an.reps("left")), len(an.reps("right"))


@pytest.mark.parametrize(("view_deg", "right_amp", "want"), [
    (60.0, 10.0, (6, 0)),   # from the side, a small swing in step with the other leg: its echo
    (0.0, 10.0, (6, 6)),    # from the front the model does not do that: both legs count
    (60.0, 27.0, (6, 6)),   # both legs really swinging together, alike: both count
    (0.0, 6.5, (6, 0)),     # from any view, a swing 4+ times smaller than the other's: its echo
])
def test_echo_of_the_other_legs_swing_is_not_a_rep(view_deg, right_amp, want):
    t, big, _ = rep_series(n_reps=6, period_s=2.0, amplitude_deg=30.0, noise_deg=0.3, seed=7)
    _, small, _ = rep_series(n_reps=6, period_s=2.0, amplitude_deg=right_amp, noise_deg=0.3,
                             seed=8)
    n = min(big.size, small.size)
    assert _replay_both(big[:n], small[:n], t[:n], view_deg) == want


def test_a_small_rep_from_the_side_counts_when_the_other_leg_rests():
    t, small, _ = rep_series(n_reps=6, period_s=2.0, amplitude_deg=10.0, noise_deg=0.3, seed=8)
    rest = np.random.default_rng(1).normal(0, 0.3, small.size)
    assert _replay_both(rest, small, t, 60.0) == (0, 6)


class _RightLegLeavesGate(PositionGate):
    """The real gate, told that the resting right leg fails the position checks (``0.0``) or
    is not seen (``NaN``) between ``t0`` and ``t1``: its knee straightening, say."""

    def __init__(self, t0: float, t1: float, verdict: float) -> None:
        super().__init__()
        self.t0, self.t1, self.verdict = t0, t1, verdict

    def update(self, t_s, checks):  # noqa: ANN001, ANN201
        if self.t0 <= t_s <= self.t1:
            checks = {**checks, "right": self.verdict}
        return super().update(t_s, checks)


def test_a_rep_while_the_other_leg_stays_out_of_position_counts():
    """A resting leg out of position for the whole session (stretched out, crossed) is no
    echo source: only a leg that was in position shortly before (5 s) vetoes."""
    t, left, truth = rep_series(n_reps=6, period_s=2.0, amplitude_deg=20.0, noise_deg=0.3, seed=3)
    right = np.random.default_rng(4).normal(0, 0.3, left.size)
    an = SessionAnalyzer(30.0, gate=_RightLegLeavesGate(0.0, 1e9, 0.0))
    for ti, x, y in zip(t, left, right, strict=True):
        an.push_angles(float(ti), (float(x), float(y)))
    an.finish()
    assert len(an.reps("left")) == len(truth)


@pytest.mark.parametrize(("verdict", "lost"), [(0.0, 1), (float("nan"), 0)])
def test_a_rep_during_which_the_other_leg_leaves_the_position_is_its_echo(verdict, lost):
    """The model moves a resting leg's landmarks with the other leg's big movements (a knee
    extension, standing up: real footage, 2026-12-03). A rep of one leg during which the other,
    seen, fails the position checks for a while is that echo; a stretch where the other leg is
    merely not seen (hidden behind an object) is no evidence and vetoes nothing."""
    t, left, truth = rep_series(n_reps=6, period_s=2.0, amplitude_deg=20.0, noise_deg=0.3, seed=3)
    right = np.random.default_rng(4).normal(0, 0.3, left.size)
    a, b = truth[2]
    peak = 0.5 * (a + b)
    an = SessionAnalyzer(30.0, gate=_RightLegLeavesGate(peak - 0.25, peak + 0.25, verdict))
    for ti, x, y in zip(t, left, right, strict=True):
        an.push_angles(float(ti), (float(x), float(y)))
    an.finish()
    peaks = [r.rep.peak_s for r in an.reps("left")]
    assert len(peaks) == len(truth) - lost
    assert (not any(a <= p <= b for p in peaks)) == bool(lost)
    assert an.reps("right") == []


def _side_session(thigh_wobble_deg: float, az: float = 45.0, pitch: float = 15.0) -> list[float]:
    """Range of motion of 3 reps of 30° by the left leg filmed from ``az`` aside, ``pitch`` above,
    through the real analyser. The 3D landmarks turn the thigh outward by up to
    ``thigh_wobble_deg`` with the shin (the pose model does that during a rep) while the picture
    keeps it still."""
    import camera_model

    fs, period = 30.0, 2.0
    an = SessionAnalyzer(fs)
    t = np.arange(0.0, 2.5 + 3 * period + 2.5, 1.0 / fs)
    for ti in t:
        x = (ti - 2.5) / period
        theta = 30.0 * 0.5 * (1 - np.cos(2 * np.pi * x)) if 0.0 <= x <= 3.0 else 0.0
        sample = camera_model.view(theta, 0.0, az, pitch)
        wobbled = camera_model.view(theta, 0.0, az, pitch,
                                    thigh_splay_deg=5.0 + thigh_wobble_deg * theta / 30.0)
        sample.world_xyz_m[:] = wobbled.world_xyz_m
        an.push(float(ti), sample)
    an.finish()
    return [r.rep.peak_deg for r in an.reps("left")]


def test_view_correction_is_held_at_its_resting_value_during_reps():
    """The thigh's yaw that corrects the image angle is the leg's value at rest: a thigh the
    model turns in 3D with the shin during a rep must not bend the reading (a median over all
    recent frames, reps included, reads the later reps up to 2.5° short)."""
    still = _side_session(0.0)
    wobbly = _side_session(15.0)
    assert len(still) == len(wobbly) == 3
    assert still == pytest.approx([30.0] * 3, abs=3.0)
    assert wobbly == pytest.approx(still, abs=0.5)


def test_side_view_reading_is_aligned_to_the_picture_at_rest():
    """Seen 60-75° aside the picture and the side-view reading are blended by a weight that
    follows the estimated view, and the two rest at different levels (the side-view reading up
    to 100-200° away). A view estimate wandering while the leg rests must not move the blend:
    the side-view reading is aligned to the picture's level at rest. Reps still count."""
    fs = 30.0
    t = np.arange(int(40 * fs)) / fs
    view = np.where((t // 10) % 2 == 0, 62.0, 72.0)  # the estimate jumps between 62 and 72°
    rep = np.zeros_like(t)  # four 25° reps from 30 s (raised cosine, 2 s each)
    on = (t >= 30) & (t < 38)
    rep[on] = 0.5 - 0.5 * np.cos(2 * np.pi * (t[on] - 30) / 2.0)
    a2 = 2.0 + 9.0 * rep  # the picture's (uncorrected) angle
    side = 40.0 + 10.0 * rep  # the side-view reading: far from the picture's level
    an = SessionAnalyzer(fs)
    for ti, ai, si, vi in zip(t, a2, side, view, strict=True):
        an.push_angles(float(ti), (float("nan"), float(ai)), (float("nan"), float(si)), float(vi))
    an.finish()
    raw = np.asarray(an.series()["right_angle_deg"], float)
    ts = np.asarray(an.series()["t_s"], float)
    resting = (ts > 2) & (ts < 29)
    assert np.ptp(raw[resting]) < 10.0  # unaligned: ~170° (the weight moves 0.9 -> 0.1)
    assert len(an.reps("right")) == 4
