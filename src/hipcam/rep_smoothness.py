"""Smoothness of one rep: its two strokes' speed profiles, the pose-noise floor, the score.

Pure numpy/scipy, no I/O. :class:`~hipcam.session.SessionAnalyzer` calls :func:`score_rep` when
a rep has ended (and :data:`SMOOTH_PAD_S` more signal is in); everything the score depends on is
here, so ``hipcam live`` and ``hipcam analyse`` score alike.

Steps, for a leg's raw angle on the analysis grid (deg, NaN = not seen):

1. **Analysis band** (:func:`analysis_band`): the usable rate is the lower of the grid rate and
   the rate the frames really came at (measured from their own timestamps: a webcam announcing
   30 fps may deliver 15 in a dim room, and ``--stride 2`` halves it). The low-pass cut-off is
   :data:`~hipcam.filtering.SMOOTHNESS_CUTOFF_HZ` (5 Hz) or 80% of that rate's Nyquist frequency
   if lower; SPARC's band ends at :data:`~hipcam.smoothness.SPARC_FC_HZ` or Nyquist.
2. **Strokes** (:func:`rep_strokes`): the rep's angle plus ``pad`` is low-passed forward-backward
   and differentiated; the outward stroke runs from the speed minimum before the rep to the speed
   minimum at the turn (the zero-phase angle's maximum), the return stroke from there to the speed
   minimum after the rep; each is trimmed to where its speed exceeds 10% of its peak.
3. **Noise floor** (:func:`noise_floor`): the same filter and derivative applied to the leg's
   *resting* stretches give the pose estimator's speed-noise spectrum on this very video.
4. **Score** (:func:`score_rep`): SPARC of each stroke with the expected noise power removed
   from its spectrum (:func:`hipcam.smoothness.sparc_denoised`), mapped to 0–100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hipcam.filtering import SMOOTHNESS_CUTOFF_HZ, cutoff_for_rate, zero_phase_lowpass
from hipcam.reps import Rep
from hipcam.smoothness import (
    SPARC_FC_HZ,
    ldlj,
    mean_score,
    sparc,
    sparc_denoised,
    sparc_to_score,
    stroke_core_range,
)

#: Signal kept on either side of a rep for its filter (s).
SMOOTH_PAD_S = 0.3
#: The smoothness band holds this many cycles per stroke (up to 4 submovements a stroke).
STROKE_HARMONICS = 4.0
#: Order of the strokes' Butterworth low-pass (applied forward and backward).
LOWPASS_ORDER = 4
#: Resting stretches shorter than this are not used for the noise floor (s).
MIN_REST_STRETCH_S = 1.0
#: Rest-relative angles above this are not rest (fidgets, the start of a rep) (deg).
REST_BAND_DEG = 3.0
#: How far back resting stretches are looked for (s).
NOISE_HISTORY_S = 120.0


def analysis_band(grid_fs_hz: float, frame_rate_hz: float | None = None,
                  stroke_s: float | None = None) -> tuple[float, float]:
    """``(lowpass_cutoff_hz, sparc_fc_hz)`` for a rep whose strokes last ``stroke_s`` each.

    The usable rate is the lower of the grid rate and the frames' own rate; the cut-off is the
    lowest of :data:`~hipcam.filtering.SMOOTHNESS_CUTOFF_HZ`,
    :data:`~hipcam.filtering.CUTOFF_NYQUIST_FRACTION` of
    that rate's Nyquist frequency, and :data:`STROKE_HARMONICS` cycles per stroke: the band
    scales with the movement's own time scale, so a slow rep is judged on the same harmonics as
    a brisk one (and less of the broadband pose jitter gets in). SPARC's band ends at
    :data:`~hipcam.smoothness.SPARC_FC_HZ` or Nyquist, whichever is lower.
    """
    usable = grid_fs_hz if frame_rate_hz is None else min(grid_fs_hz, frame_rate_hz)
    nyquist = usable / 2.0
    cutoff = cutoff_for_rate(SMOOTHNESS_CUTOFF_HZ, usable)
    if stroke_s is not None and stroke_s > 0:
        cutoff = min(cutoff, STROKE_HARMONICS / stroke_s)
    return cutoff, min(SPARC_FC_HZ, nyquist)


def stroke_duration_s(angle_deg: np.ndarray, grid_fs_hz: float, rep: Rep,
                      frame_rate_hz: float | None = None) -> float:
    """The mean length (s) of the rep's two strokes, cut on the widest usable band.

    Measured on the movement itself, not from the detector's start and end: those come from
    thresholds on a causally filtered angle and cut the slow onset and ending of a slow rep short.
    """
    cutoff_hz, _ = analysis_band(grid_fs_hz, frame_rate_hz)
    st = rep_strokes(angle_deg, grid_fs_hz, rep, cutoff_hz)
    n = (st.out_range[1] - st.out_range[0] + st.back_range[1] - st.back_range[0]) / 2.0
    return max(n, 1.0) / grid_fs_hz


@dataclass(frozen=True)
class RepStrokes:
    """A rep's angular-speed profile and where its two strokes lie in it.

    ``speed_deg_s[k]`` is the speed at analysis-grid index ``first_index + k``; the ranges are
    ``[start, stop)`` grid indices of the trimmed outward and return strokes; ``turn_index`` is
    the grid index of the speed minimum at the turn between them.
    """

    first_index: int
    speed_deg_s: np.ndarray
    out_range: tuple[int, int]
    back_range: tuple[int, int]
    turn_index: int = -1

    def _part(self, r: tuple[int, int]) -> np.ndarray:
        return self.speed_deg_s[r[0] - self.first_index : r[1] - self.first_index]

    @property
    def out_deg_s(self) -> np.ndarray:
        return self._part(self.out_range)

    @property
    def back_deg_s(self) -> np.ndarray:
        return self._part(self.back_range)


def _speed(angle_deg: np.ndarray, fs_hz: float, cutoff_hz: float) -> np.ndarray:
    """|d/dt| of the zero-phase low-passed angle (deg/s)."""
    if angle_deg.size < 2:
        return np.zeros(angle_deg.size)
    smooth = zero_phase_lowpass(angle_deg, fs_hz, cutoff_hz, LOWPASS_ORDER)
    return np.abs(np.gradient(smooth) * fs_hz)


def rep_strokes(angle_deg: np.ndarray, fs_hz: float, rep: Rep, cutoff_hz: float,
                pad_s: float = SMOOTH_PAD_S) -> RepStrokes:
    """The outward and return strokes' angular-speed profiles (deg/s) of one rep.

    ``angle_deg`` is a leg's raw angle on the analysis grid (the series the rep's indices point
    into). The rep's samples plus ``pad_s`` on either side (stopping at gaps) are low-passed
    forward-backward at ``cutoff_hz`` (see :func:`analysis_band`) and differentiated. The strokes
    are split at the speed minimum at the turn — found from the zero-phase angle's maximum, not
    from the detector's peak, which comes from a causally filtered (lagging) signal. The outward
    stroke starts at the speed minimum at or before the detected start, the return stroke ends at
    the speed minimum at or after the detected end; each is then trimmed to the movement itself
    (:func:`hipcam.smoothness.stroke_core_range`).
    """
    pad = int(round(pad_s * fs_hz))
    lo = max(rep.start_index - pad, 0)
    hi = min(rep.end_index + pad, len(angle_deg) - 1)
    seg = np.asarray(angle_deg[lo : hi + 1], dtype=float)
    bad = np.flatnonzero(~np.isfinite(seg))
    before = bad[bad < rep.start_index - lo]
    after = bad[bad > rep.end_index - lo]
    cut_lo = int(before[-1]) + 1 if before.size else 0
    cut_hi = int(after[0]) if after.size else seg.size
    seg, lo = seg[cut_lo:cut_hi], lo + cut_lo
    if seg.size and not np.isfinite(seg).all():  # a short gap inside the rep: bridge it
        idx = np.arange(seg.size)
        ok = np.isfinite(seg)
        seg = np.interp(idx, idx[ok], seg[ok]) if ok.sum() >= 2 else np.zeros(seg.size)
    speed = _speed(seg, fs_hz, cutoff_hz) if seg.size > 1 else np.zeros(seg.size)
    last = max(speed.size - 1, 0)
    a = int(np.clip(rep.start_index - lo, 0, last))
    while a > 0 and speed[a - 1] < speed[a]:
        a -= 1
    e = int(np.clip(rep.end_index - lo, 0, last))
    while e < last and speed[e + 1] < speed[e]:
        e += 1
    p = a
    if e > a:
        smooth = zero_phase_lowpass(seg, fs_hz, cutoff_hz) if seg.size > 1 else seg
        p = a + int(np.argmax(smooth[a : e + 1]))
        # the turn: the speed minimum around the angle's maximum
        while a < p and speed[p - 1] < speed[p]:
            p -= 1
        while p < e and speed[p + 1] < speed[p]:
            p += 1
    oa, ob = stroke_core_range(speed[a : p + 1])
    ba, bb = stroke_core_range(speed[p : e + 1])
    return RepStrokes(lo, speed, (lo + a + oa, lo + a + ob), (lo + p + ba, lo + p + bb), lo + p)


# ---------------------------------------------------------------------------- noise floor


@dataclass(frozen=True)
class NoiseFloor:
    """The speed-noise power spectrum of the pose estimate.

    ``psd[k]`` is the noise's power per sample at frequency ``freq_hz[k]`` (the expected
    ``|FFT|²`` of ``n`` noise samples is ``n · psd``) of the raw angle's derivative (deg²/s² per
    sample, no low-pass). ``seconds`` of rest went into it; ``scale`` multiplies it;
    ``cutoff_hz`` is the stroke low-pass it is seen through (0: none).
    """

    freq_hz: np.ndarray
    psd: np.ndarray
    seconds: float
    fs_hz: float
    scale: float = 1.0
    cutoff_hz: float = 0.0

    @property
    def rms_deg_s(self) -> float:
        """RMS speed noise (deg/s) before any low-pass."""
        return float(math.sqrt(max(float(np.mean(self.psd)), 0.0) * self.scale))

    def through(self, cutoff_hz: float, scale: float = 1.0) -> NoiseFloor:
        """The same noise seen through the strokes' forward-backward low-pass, times ``scale``."""
        return NoiseFloor(self.freq_hz, self.psd, self.seconds, self.fs_hz, scale, cutoff_hz)

    def power(self, freq_hz: np.ndarray, n_samples: int) -> np.ndarray:
        """Expected ``|FFT|²`` of ``n_samples`` of noise at ``freq_hz``."""
        p = np.interp(freq_hz, self.freq_hz, self.psd) * self.scale
        if self.cutoff_hz > 0:
            p = p * lowpass_power_gain(freq_hz, self.fs_hz, self.cutoff_hz)
        return n_samples * p


def lowpass_power_gain(freq_hz: np.ndarray, fs_hz: float, cutoff_hz: float,
                       order: int = LOWPASS_ORDER) -> np.ndarray:
    """Power gain of :func:`~hipcam.filtering.zero_phase_lowpass` (forward-backward: ``|H|⁴``)."""
    from scipy import signal  # imported late: ~1.7 s of CPU (see hipcam.filtering)

    sos = signal.butter(order, cutoff_hz, fs=fs_hz, output="sos")
    _, h = signal.sosfreqz(sos, worN=np.asarray(freq_hz, dtype=float), fs=fs_hz)
    return np.abs(h) ** 4


def rest_stretches(rest_relative_deg: np.ndarray, fs_hz: float, busy: np.ndarray,
                   min_s: float = MIN_REST_STRETCH_S, band_deg: float = REST_BAND_DEG
                   ) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges where the leg rests: seen, within ``band_deg`` of its rest
    angle, not ``busy`` (in or near a rep), for at least ``min_s``."""
    x = np.asarray(rest_relative_deg, dtype=float)
    ok = np.isfinite(x) & (np.abs(np.where(np.isfinite(x), x, 0.0)) <= band_deg) & ~busy
    out = []
    n_min = max(int(round(min_s * fs_hz)), 4)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a >= n_min:
            out.append((int(a), int(b)))
    return out


def noise_floor(angle_deg: np.ndarray, fs_hz: float, stretches: list[tuple[int, int]],
                segment_s: float = 1.0) -> NoiseFloor | None:
    """Welch estimate of the speed-noise spectrum over resting ``stretches`` of ``angle_deg``.

    Each stretch is differentiated (signed: noise adds to a stroke's velocity, whose sign is
    constant) and cut into ``segment_s`` pieces whose mean-removed periodograms are averaged.
    None when the stretches hold less than one segment.
    """
    n_seg = max(int(round(segment_s * fs_hz)), 8)
    nfft = int(2 ** math.ceil(math.log2(n_seg)))
    acc = np.zeros(nfft // 2 + 1)
    count, total = 0, 0
    for a, b in stretches:
        x = np.asarray(angle_deg[a:b], dtype=float)
        if x.size < n_seg + 2 or not np.isfinite(x).all():
            continue
        v = (np.gradient(x) * fs_hz)[1:-1]
        for k in range(0, v.size - n_seg + 1, n_seg):
            piece = v[k : k + n_seg]
            acc += np.abs(np.fft.rfft(piece - piece.mean(), nfft)) ** 2 / n_seg
            count += 1
            total += n_seg
    if count == 0:
        return None
    return NoiseFloor(np.arange(nfft // 2 + 1) * (fs_hz / nfft), acc / count, total / fs_hz, fs_hz)


# ---------------------------------------------------------------------------------- score


@dataclass(frozen=True)
class RepScore:
    """Smoothness figures of one rep (NaN where a stroke could not be scored)."""

    sparc_out: float
    sparc_back: float
    ldlj_out: float
    ldlj_back: float
    smoothness_score: float


def score_rep(angle_deg: np.ndarray, grid_fs_hz: float, rep: Rep,
              frame_rate_hz: float | None = None, noise: NoiseFloor | None = None) -> RepScore:
    """Score one rep of a leg's raw angle series (see the module docstring).

    ``noise`` is the resting noise floor (:func:`leg_noise_floor`), seen through the rep's
    low-pass before being removed from each stroke's spectrum. Without it, plain SPARC.
    """
    stroke_s = stroke_duration_s(angle_deg, grid_fs_hz, rep, frame_rate_hz)
    cutoff_hz, fc_hz = analysis_band(grid_fs_hz, frame_rate_hz, stroke_s)
    strokes = rep_strokes(angle_deg, grid_fs_hz, rep, cutoff_hz)
    out, back = strokes.out_deg_s, strokes.back_deg_s
    if noise is None:
        s_out, s_back = sparc(out, grid_fs_hz, fc=fc_hz), sparc(back, grid_fs_hz, fc=fc_hz)
    else:
        seen = noise.through(cutoff_hz)
        s_out = sparc_denoised(out, grid_fs_hz, seen.power, fc=fc_hz)
        s_back = sparc_denoised(back, grid_fs_hz, seen.power, fc=fc_hz)
    score = mean_score([sparc_to_score(s_out), sparc_to_score(s_back)])
    return RepScore(s_out, s_back, ldlj(out, grid_fs_hz), ldlj(back, grid_fs_hz), score)


def leg_noise_floor(angle_deg: np.ndarray, rest_relative_deg: np.ndarray, fs_hz: float,
                    reps: list[Rep], upto_index: int,
                    pad_s: float = SMOOTH_PAD_S, history_s: float = NOISE_HISTORY_S
                    ) -> NoiseFloor | None:
    """The noise floor from the leg's resting stretches in the ``history_s`` before
    ``upto_index`` (exclusive), away from ``reps`` (by ``pad_s``); None when there are none.

    ``rest_relative_deg`` is the (causally) low-passed angle minus the rolling rest angle: it
    tells rest from movement; the noise itself is measured on the raw ``angle_deg``.
    """
    upto = int(np.clip(upto_index, 0, len(angle_deg)))
    lo = max(upto - int(round(history_s * fs_hz)), 0)
    if upto - lo < 2:
        return None
    x = np.asarray(angle_deg[lo:upto], dtype=float)
    rr = np.asarray(rest_relative_deg[lo:upto], dtype=float)
    busy = np.zeros(x.size, dtype=bool)
    pad = int(round(pad_s * fs_hz))
    for r in reps:
        a, b = r.start_index - pad - lo, r.end_index + pad + 1 - lo
        if b > 0 and a < x.size:
            busy[max(a, 0) : min(b, x.size)] = True
    return noise_floor(x, fs_hz, rest_stretches(rr, fs_hz, busy))
