"""Movement smoothness from a speed profile: SPARC, LDLJ and hipcam's 0–100 score.

Pure numpy, no I/O. ``sparc`` and ``ldlj`` follow Balasubramanian, Melendez-Calderon,
Roby-Brami & Burdet, "On the analysis of movement smoothness", J NeuroEng Rehabil 2015;12:112:
a speed profile (any unit) sampled at ``fs`` Hz in, a dimensionless number out; closer to zero
is smoother for both.

**Score mapping.** Each stroke (out and back) of a rep gets
``score = 100 · clip((SPARC − SPARC_JERKY) / (SPARC_SMOOTH − SPARC_JERKY), 0, 1)`` with
``SPARC_SMOOTH = −1.5`` (a single minimum-jerk stroke scores about −1.4 to −1.6) and
``SPARC_JERKY = −3.0`` (stop-and-go movement made of 2–3 submovements scores −2.5 to −4). A rep's
score is the mean of its two strokes; a set's and a leg's are the mean of their reps. A rep is
**jerky** when its score is below :data:`JERKY_BELOW` (50). SPARC drives the score because it is
robust to the pose estimator's measurement noise; LDLJ is reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

SPARC_SMOOTH = -1.5
SPARC_JERKY = -3.0
#: A rep scoring below this is "jerky" (the coaching message, the red band).
JERKY_BELOW = 50.0
#: A rep scoring at least this is "smooth" (the green band); in between is "fair".
SMOOTH_FROM = 70.0
SPARC_FC_HZ = 10.0
NOISE_FALSE_PEAK_P = 0.1
STROKE_ONSET_FRACTION = 0.1


def sparc(
    speed: np.ndarray, fs: float, padlevel: int = 4, fc: float = SPARC_FC_HZ, amp_th: float = 0.05
) -> float:
    """Spectral arc length of a speed profile (dimensionless, ≤ 0; closer to 0 is smoother).

    Parameters
    ----------
    speed : 1-D array, the speed profile (any unit), sampled uniformly.
    fs : sampling frequency in Hz.
    padlevel : zero padding: the FFT length is ``2 ** (ceil(log2(len(speed))) + padlevel)``.
    fc : the highest frequency (Hz) considered; at most the Nyquist frequency ``fs / 2``
        (a spectrum holds nothing above it: the bins there mirror those below).
    amp_th : normalised-magnitude threshold that sets the adaptive cut-off below ``fc``.

    Returns NaN when the profile cannot be scored (fewer than 2 samples, non-finite values, no
    movement, or fewer than two spectrum bins above ``amp_th``): never a perfect 0.

    Raises
    ------
    ValueError : ``fs`` not positive or ``fc`` not in ``(0, fs / 2]``.
    """
    mag, freq = _normalised_spectrum(speed, fs, padlevel, fc)
    if mag is None:
        return float("nan")
    return _arc_length(freq, mag, amp_th)


def sparc_denoised(
    speed: np.ndarray, fs: float, noise_power: Callable[[np.ndarray, int], np.ndarray],
    padlevel: int = 4, fc: float = SPARC_FC_HZ, amp_th: float = 0.05,
    false_peak_p: float = NOISE_FALSE_PEAK_P,
) -> float:
    """SPARC of a speed profile measured with additive noise of known spectrum.

    ``noise_power(freq_hz, n)`` is the noise's expected ``|FFT|²`` over ``n`` samples (e.g.
    :meth:`hipcam.rep_smoothness.NoiseFloor.power`). Spectral subtraction: the movement's
    squared magnitude is taken as ``|V(f)|² − α · noise_power(f, n)``, clipped at 0, and the arc
    length is then taken exactly as in :func:`sparc`. A noise periodogram bin is exponentially
    distributed about its mean, so ``α = ln(M / false_peak_p)``, with ``M = n · fc / fs`` the
    number of independent bins in the band, leaves a pure-noise bin standing in at most a
    fraction ``false_peak_p`` of strokes. With zero noise power it equals :func:`sparc`.
    """
    _check_band(fs, fc)
    v = np.asarray(speed, dtype=float).ravel()
    if v.size < 2 or not np.all(np.isfinite(v)) or not np.any(v):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + padlevel))
    n_keep = int(np.floor(fc / (fs / nfft) + 1e-9)) + 1
    freq = np.arange(n_keep) * (fs / nfft)
    power = np.abs(np.fft.rfft(v, nfft))[:n_keep] ** 2
    alpha = math.log(max(v.size * fc / fs, 1.0) / false_peak_p)
    noise = alpha * np.asarray(noise_power(freq, v.size), dtype=float)
    clean = np.sqrt(np.clip(power - noise, 0.0, None))
    peak = clean.max()
    if not peak > 0:
        return float("nan")
    return _arc_length(freq, clean / peak, amp_th)


def _check_band(fs: float, fc: float) -> None:
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"sampling frequency must be positive, got {fs!r}")
    if not (0 < fc <= fs / 2.0):
        raise ValueError(f"fc must be in (0, fs/2] = (0, {fs / 2.0:g}] Hz (Nyquist), got {fc:g}")


def _normalised_spectrum(speed: np.ndarray, fs: float, padlevel: int, fc: float
                         ) -> tuple[np.ndarray | None, np.ndarray]:
    """``(|V(f)| / max |V|, f)`` for ``0 ≤ f ≤ fc`` (None when the profile is degenerate)."""
    _check_band(fs, fc)
    v = np.asarray(speed, dtype=float).ravel()
    if v.size < 2 or not np.all(np.isfinite(v)) or not np.any(v):
        return None, np.empty(0)
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + padlevel))
    n_keep = int(np.floor(fc / (fs / nfft) + 1e-9)) + 1  # bins 0 .. fc (≤ nfft/2: Nyquist)
    mag = np.abs(np.fft.rfft(v, nfft))[:n_keep]
    freq = np.arange(n_keep) * (fs / nfft)
    peak = mag.max()
    if not peak > 0:
        return None, freq
    return mag / peak, freq


def _arc_length(freq: np.ndarray, mag: np.ndarray, amp_th: float) -> float:
    above = np.flatnonzero(mag >= amp_th)
    if above.size == 0:
        return float("nan")
    freq = freq[above[0] : above[-1] + 1]
    mag = mag[above[0] : above[-1] + 1]
    if freq.size < 2:
        return float("nan")
    df = np.diff(freq) / (freq[-1] - freq[0])
    return float(-np.sum(np.sqrt(df**2 + np.diff(mag) ** 2)))


def ldlj(speed: np.ndarray, fs: float) -> float:
    """Log dimensionless jerk of a speed profile (dimensionless, < 0; closer to 0 is smoother).

    ``-ln( (T³ / v_peak²) · ∫ (d²v/dt²)² dt )`` with ``T`` the profile's duration.
    """
    v = np.asarray(speed, dtype=float).ravel()
    if v.size < 3 or not np.all(np.isfinite(v)):
        return float("nan")
    peak = np.max(np.abs(v))
    if peak == 0:
        return float("nan")
    dt = 1.0 / fs
    duration_s = v.size * dt
    jerk = np.diff(v, 2) / dt**2
    dimensionless = (duration_s**3 / peak**2) * np.sum(jerk**2) * dt
    if dimensionless <= 0:
        return float("nan")
    return float(-np.log(dimensionless))


def stroke_core_range(speed: np.ndarray, frac: float = STROKE_ONSET_FRACTION) -> tuple[int, int]:
    """``(first, stop)`` indices of :func:`stroke_core` within ``speed`` (``stop`` exclusive)."""
    v = np.asarray(speed, dtype=float)
    if v.size == 0 or not np.isfinite(v).all():
        return 0, v.size
    above = np.flatnonzero(v >= frac * v.max())
    return int(above[0]), int(above[-1]) + 1


def stroke_core(speed: np.ndarray, frac: float = STROKE_ONSET_FRACTION) -> np.ndarray:
    """The part of a speed profile from the first to the last sample with speed ≥ ``frac`` · peak.

    Movement onset/offset by a speed threshold: the still moments before and after a stroke
    carry only measurement noise, which would otherwise be scored as jerk. The stops *inside* a
    stop-and-go stroke are kept (they are what makes it jerky).
    """
    a, b = stroke_core_range(speed, frac)
    return np.asarray(speed, dtype=float)[a:b]


def sparc_to_score(sparc_value: float) -> float:
    """Map a stroke's SPARC to hipcam's 0–100 smoothness score (see module docstring)."""
    if not np.isfinite(sparc_value):
        return float("nan")
    frac = (sparc_value - SPARC_JERKY) / (SPARC_SMOOTH - SPARC_JERKY)
    return float(100.0 * np.clip(frac, 0.0, 1.0))


def mean_score(scores: list[float] | np.ndarray) -> float:
    """Mean of the finite scores, NaN when there are none."""
    a = np.asarray(scores, dtype=float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else float("nan")
