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
