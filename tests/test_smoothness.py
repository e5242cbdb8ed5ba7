import numpy as np
import pytest

from hipcam import smoothness


def test_reference_values_from_balasubramanian_2015():
    t = np.arange(-1, 1, 0.01)
    speed = np.exp(-5 * t**2)
    assert smoothness.sparc(speed, 100) == pytest.approx(-1.41403, abs=1e-5)
    assert smoothness.ldlj(speed, 100) == pytest.approx(-5.81636, abs=1e-5)


def test_signatures_and_defaults_return_floats():
    speed = np.sin(np.linspace(0, np.pi, 50))
    s = smoothness.sparc(speed, fs=50, padlevel=4, fc=10.0, amp_th=0.05)
    j = smoothness.ldlj(speed, fs=50)
    assert isinstance(s, float) and isinstance(j, float)
    assert s < 0 and j < 0


def _bumps(n_sub: int, fs: float = 100.0) -> np.ndarray:
    """A speed profile of ``n_sub`` stop-and-go submovements (each a sin² bump) over 1 s."""
    t = np.linspace(0, 1, int(fs))
    return np.sin(np.pi * n_sub * t) ** 2


def test_submovements_score_less_smooth_than_one_bump():
    one, three = _bumps(1), _bumps(3)
    assert smoothness.sparc(three, 100) < smoothness.sparc(one, 100) - 0.5
    assert smoothness.ldlj(three, 100) < smoothness.ldlj(one, 100) - 1.0
    assert smoothness.sparc_to_score(smoothness.sparc(one, 100)) > 90
    assert smoothness.sparc_to_score(smoothness.sparc(three, 100)) < smoothness.JERKY_BELOW


def test_score_mapping_is_clipped_and_monotonic():
    assert smoothness.sparc_to_score(-1.0) == 100.0
    assert smoothness.sparc_to_score(-10.0) == 0.0
    assert smoothness.sparc_to_score(-2.0) > smoothness.sparc_to_score(-2.5)
    assert np.isnan(smoothness.sparc_to_score(float("nan")))


def test_degenerate_inputs_give_nan_not_errors():
    assert np.isnan(smoothness.sparc(np.zeros(10), 30))
    assert np.isnan(smoothness.ldlj(np.zeros(10), 30))
    assert np.isnan(smoothness.sparc(np.array([1.0]), 30))


def test_stroke_core_trims_still_ends():
    v = np.r_[np.full(10, 0.01), np.sin(np.linspace(0, np.pi, 21)), np.full(10, 0.02)]
    core = smoothness.stroke_core(v, 0.1)
    assert 15 <= core.size <= 21
    assert core.max() == v.max()


def _bell(fs: float, duration_s: float = 1.0) -> np.ndarray:
    """Minimum-jerk speed profile (30 s^2 (1 - s)^2) over ``duration_s``."""
    s = np.arange(int(round(duration_s * fs)) + 1) / (duration_s * fs)
    return 30 * s**2 * (1 - s) ** 2


def test_sparc_refuses_a_band_above_nyquist():
    with pytest.raises(ValueError, match="Nyquist"):
        smoothness.sparc(_bell(15), 15)  # default fc = 10 Hz > 7.5 Hz
    with pytest.raises(ValueError):
        smoothness.sparc(_bell(15), 0)
    assert np.isfinite(smoothness.sparc(_bell(15), 15, fc=7.5))


def test_sparc_uses_no_bin_above_nyquist_so_15_and_30_fps_agree():
    # a bell with a 6 Hz ripple: at 15 fps its mirror image lies at 9 Hz, above Nyquist
    def profile(fs):
        t = np.arange(int(fs) + 1) / fs
        return _bell(fs) + 0.3 * np.sin(2 * np.pi * 6 * t) * np.sin(np.pi * t)

    s15 = smoothness.sparc(profile(15), 15, fc=7.5)
    s30 = smoothness.sparc(profile(30), 30, fc=7.5)
    assert s15 == pytest.approx(s30, abs=0.1)
    # the old full-spectrum version took the mirrored bins (up to 10 Hz at 15 fps)
    v = profile(15)
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + 4))
    mag = np.abs(np.fft.fft(v, nfft))
    mag /= mag.max()
    freq = np.arange(nfft) * 15 / nfft
    mirrored = mag[(freq > 7.5) & (freq <= 10)]
    assert mirrored.max() > 0.05  # so the bug would have shown


def test_degenerate_profiles_are_nan_never_a_perfect_zero():
    bell = _bell(100)
    assert np.isnan(smoothness.sparc(bell, 100, amp_th=1.0))  # one bin above the threshold
    assert np.isnan(smoothness.sparc(np.array([0.0, 0.0, 0.0]), 30))
    assert np.isnan(smoothness.sparc(np.array([1.0, np.nan, 1.0]), 30))
    assert np.isnan(smoothness.sparc_to_score(smoothness.sparc(np.zeros(5), 30)))


def test_sparc_denoised_equals_sparc_without_noise_and_undoes_known_noise():
    bell = _bell(30, 2.0)
    assert smoothness.sparc_denoised(bell, 30, lambda f, n: np.zeros_like(f), fc=10) == \
        pytest.approx(smoothness.sparc(bell, 30, fc=10), abs=1e-12)
    rng = np.random.default_rng(3)
    sigma = 0.5
    noisy = [bell + rng.normal(0, sigma, bell.size) for _ in range(40)]
    plain = np.mean([smoothness.sparc(v, 30, fc=10) for v in noisy])
    cleaned = np.mean([smoothness.sparc_denoised(v, 30, lambda f, n: n * sigma**2 + 0 * f, fc=10)
                       for v in noisy])
    clean = smoothness.sparc(bell, 30, fc=10)
    assert plain < clean - 0.5  # white noise makes a smooth bell look jerky ...
    assert abs(cleaned - clean) < 0.2  # ... and removing its known power undoes that
