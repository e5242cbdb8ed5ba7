"""Rep scoring: analysis band, stroke split, noise floor, frame rate (pure logic, no model)."""

import numpy as np
import pytest

from hipcam import filtering, rep_smoothness
from hipcam.reps import Rep
from hipcam.session import SessionAnalyzer


def test_zero_phase_lowpass_refuses_a_cutoff_at_or_above_nyquist():
    x = np.sin(np.linspace(0, 6, 60))
    with pytest.raises(ValueError, match="Nyquist"):
        filtering.zero_phase_lowpass(x, 8.0, 5.0)
    with pytest.raises(ValueError):
        filtering.zero_phase_lowpass(x, 10.0, 5.0)  # exactly Nyquist
    with pytest.raises(ValueError):
        filtering.zero_phase_lowpass(x, 30.0, 0.0)
    assert filtering.zero_phase_lowpass(x, 30.0, 5.0).shape == x.shape


def test_causal_lowpass_refuses_a_cutoff_above_nyquist_and_the_caller_lowers_it_explicitly():
    with pytest.raises(ValueError, match="Nyquist"):
        filtering.CausalLowpass(3.0, 5.0)  # 3 Hz at 5 samples/s: above Nyquist (2.5 Hz)
    assert filtering.cutoff_for_rate(3.0, 5.0) == pytest.approx(2.0)  # 80% of Nyquist
    assert filtering.cutoff_for_rate(3.0, 30.0) == 3.0
    lp = filtering.CausalLowpass(filtering.cutoff_for_rate(3.0, 5.0), 5.0)
    # steady state from the first sample, and a 2 Hz cut-off at 5 samples/s passes DC
    assert [round(lp.step(1.0), 9) for _ in range(5)] == [1.0] * 5
    # the analyser runs at any --stride: 1 sample a second (stride 30 at 30 fps) still works
    an = SessionAnalyzer(1.0)
    assert an.fs_hz == 1.0


def test_analysis_band_follows_the_real_frame_rate():
    assert rep_smoothness.analysis_band(30.0) == (5.0, 10.0)
    assert rep_smoothness.analysis_band(30.0, None, 4.0) == (1.0, 10.0)  # 4 cycles / 4 s stroke
    assert rep_smoothness.analysis_band(30.0, 15.0) == (5.0, 7.5)  # grid 30, frames at 15
    cut, fc = rep_smoothness.analysis_band(10.0)
    assert cut == pytest.approx(4.0) and fc == 5.0
    assert cut < 10.0 / 2


def _one_rep(fs: float, period_s: float, amp_deg: float, lag_s: float = 0.2):
    """A raised-cosine rep between two rests, and a Rep whose peak lags like the detector's."""
    n_rest = int(2 * fs)
    t = np.arange(int(round(period_s * fs)) + 1) / fs
    rep = amp_deg * (0.5 - 0.5 * np.cos(2 * np.pi * t / period_s))
    angle = np.r_[np.zeros(n_rest), rep, np.zeros(n_rest)]
    start, peak, end = n_rest, n_rest + t.size // 2, n_rest + t.size - 1
    lag = int(round(lag_s * fs))
    r = Rep(start / fs, (peak + lag) / fs, end / fs, amp_deg, start, peak + lag, end, end + lag)
    return angle, r, peak


def test_strokes_split_at_the_speed_minimum_not_at_the_lagged_peak():
    fs = 30.0
    angle, rep, true_peak = _one_rep(fs, 3.0, 20.0, lag_s=0.3)
    st = rep_smoothness.rep_strokes(angle, fs, rep, cutoff_hz=5.0)
    assert abs(st.turn_index - true_peak) <= 1
    assert st.out_range[1] <= st.turn_index + 1 <= st.back_range[0] + 1
    # both strokes are one clean bell each: symmetric, same length within a sample
    assert abs(st.out_deg_s.size - st.back_deg_s.size) <= 2


def test_score_of_a_clean_rep_is_the_same_at_any_tempo_and_frame_rate():
    scores = []
    for fs in (15.0, 30.0, 60.0):
        for period in (1.0, 3.0, 6.0):
            angle, rep, _ = _one_rep(fs, period, 25.0)
            scores.append(rep_smoothness.score_rep(angle, fs, rep).smoothness_score)
    assert min(scores) >= 90
    assert max(scores) - min(scores) <= 5


def test_noise_floor_of_white_angle_noise_matches_theory():
    fs, sigma = 30.0, 0.5
    rng = np.random.default_rng(0)
    angle = rng.normal(0, sigma, int(60 * fs))
    busy = np.zeros(angle.size, bool)
    stretches = rep_smoothness.rest_stretches(angle * 0, fs, busy)
    assert stretches == [(0, angle.size)]
    nf = rep_smoothness.noise_floor(angle, fs, stretches)
    assert nf is not None and nf.seconds > 50
    # theory: the per-sample PSD of gradient(white) · fs is σ² (fs · sin(2π f / fs))²
    f = 2.0
    expected = sigma**2 * (np.sin(2 * np.pi * f / fs) * fs) ** 2
    assert nf.power(np.array([f]), 1)[0] == pytest.approx(expected, rel=0.25)
    # seen through a 5 Hz forward-backward low-pass: unchanged at 2 Hz, gone at 10 Hz
    seen = nf.through(5.0)
    assert seen.power(np.array([2.0]), 1)[0] == pytest.approx(expected, rel=0.25)
    assert seen.power(np.array([10.0]), 1)[0] < 0.01 * nf.power(np.array([10.0]), 1)[0]


def test_noisy_slow_small_rep_is_smooth_once_the_noise_floor_is_removed():
    fs, sigma = 30.0, 1.5  # white angle noise 2.5x the real model's jitter while moving
    gains = []
    for seed in range(1, 5):
        rng = np.random.default_rng(seed)
        angle, rep, _ = _one_rep(fs, 6.0, 12.0)
        rest = rng.normal(0, sigma, int(20 * fs))
        noisy = np.r_[rest, angle + rng.normal(0, sigma, angle.size)]
        shift = rest.size
        rep = Rep(rep.start_s + 20, rep.peak_s + 20, rep.end_s + 20, rep.peak_deg,
                  rep.start_index + shift, rep.peak_index + shift, rep.end_index + shift,
                  rep.final_index + shift)
        stroke_s = rep_smoothness.stroke_duration_s(noisy, fs, rep)
        assert 2.0 < stroke_s < 3.5  # a 6 s rep: 3 s strokes, trimmed to 10% of peak speed
        cutoff, _ = rep_smoothness.analysis_band(fs, None, stroke_s)
        assert cutoff == pytest.approx(rep_smoothness.STROKE_HARMONICS / stroke_s)
        nf = rep_smoothness.leg_noise_floor(noisy, noisy * 0, fs, [], rep.start_index)
        assert nf is not None
        plain = rep_smoothness.score_rep(noisy, fs, rep).smoothness_score
        cleaned = rep_smoothness.score_rep(noisy, fs, rep, noise=nf).smoothness_score
        assert cleaned >= 80
        gains.append(cleaned - plain)
    assert np.mean(gains) >= 10


def test_session_measures_the_frames_own_rate():
    an = SessionAnalyzer(30.0)
    assert an.frame_rate_hz is None
    for k in range(40):
        an.push(k / 15.0, None)  # a camera announcing 30 fps that delivers 15
    assert an.frame_rate_hz == pytest.approx(15.0)


@pytest.mark.parametrize(("cutoff_hz", "fs_hz"), [(3.0, 30.0), (1.5, 15.0), (2.0, 5.0), (0.4, 1.0)])
def test_closed_form_biquad_is_scipys_butterworth(cutoff_hz, fs_hz):
    from scipy import signal

    sos, zi = filtering.butter2_lowpass_sos(cutoff_hz, fs_hz)
    want = signal.butter(2, cutoff_hz, fs=fs_hz, output="sos")
    np.testing.assert_allclose(sos, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(zi, signal.sosfilt_zi(want), rtol=1e-10, atol=1e-12)
    # and the streaming filter gives what sosfilt gives, started in steady state
    x = np.random.default_rng(1).normal(size=200).cumsum()
    lp = filtering.CausalLowpass(cutoff_hz, fs_hz)
    got = [lp.step(float(v)) for v in x]
    ref, _ = signal.sosfilt(want, x, zi=signal.sosfilt_zi(want) * x[0])
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)
