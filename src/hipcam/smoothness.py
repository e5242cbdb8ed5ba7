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

import numpy as np

SPARC_SMOOTH = -1.5
SPARC_JERKY = -3.0
JERKY_BELOW = 50.0
STROKE_ONSET_FRACTION = 0.1


def sparc(
    speed: np.ndarray, fs: float, padlevel: int = 4, fc: float = 10.0, amp_th: float = 0.05
) -> float:
    """Spectral arc length of a speed profile (dimensionless, ≤ 0; closer to 0 is smoother).

    Parameters
    ----------
    speed : 1-D array, the speed profile (any unit), sampled uniformly.
    fs : sampling frequency in Hz.
    padlevel : zero padding: the FFT length is ``2 ** (ceil(log2(len(speed))) + padlevel)``.
    fc : the highest frequency (Hz) considered.
    amp_th : normalised-magnitude threshold that sets the adaptive cut-off below ``fc``.
    """
    v = np.asarray(speed, dtype=float).ravel()
    if v.size < 2 or not np.all(np.isfinite(v)) or not np.any(v):
        return float("nan")
    nfft = int(2 ** (np.ceil(np.log2(v.size)) + padlevel))
    freq = np.arange(nfft) * (fs / nfft)
    mag = np.abs(np.fft.fft(v, nfft))
    mag = mag / mag.max()
    keep = freq <= fc
    freq, mag = freq[keep], mag[keep]
    above = np.flatnonzero(mag >= amp_th)
    freq = freq[above[0] : above[-1] + 1]
    mag = mag[above[0] : above[-1] + 1]
    if freq.size < 2:
        return 0.0
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
