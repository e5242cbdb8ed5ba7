"""Streaming signal conditioning for the angle series. Pure numpy/scipy, no I/O.

Everything here works sample by sample, so ``hipcam live`` and ``hipcam analyse`` (which feeds a
whole video through the same objects) give identical results.

* :class:`UniformResampler` puts irregular frame times (variable frame rate, dropped frames,
  ``--stride``) on a uniform grid, bridging gaps shorter than ``max_gap_s`` (0.3 s) linearly and
  leaving longer ones as NaN.
* :class:`CausalLowpass` — 2nd-order Butterworth, cut-off :data:`DETECT_CUTOFF_HZ` (3 Hz), for the
  rep detector: a rep lasts 1–3 s (fundamental ≤ 1 Hz), pose jitter is broadband.
* :class:`RollingBaseline` — the rest angle: the 10th percentile of the last 8 s. External
  rotation only swings one way from rest, so the low percentile tracks rest even during a set.
* :func:`zero_phase_lowpass` — 4th-order Butterworth, forward-backward, cut-off
  :data:`SMOOTHNESS_CUTOFF_HZ` (5 Hz), applied to each finished rep before the speed profile is
  differentiated for SPARC/LDLJ: it keeps the 1–5 Hz content of stop-and-go submovements and
  removes the frame-to-frame pose jitter that would otherwise look like jerk.
"""

from __future__ import annotations

import bisect
import math
from collections import deque

import numpy as np

# scipy.signal is imported where it is used, not here: importing it costs ~1.7 s of CPU, and the
# streaming analyser (hipcam live, and analyse before its first rep is scored) does not need it

DETECT_CUTOFF_HZ = 3.0
SMOOTHNESS_CUTOFF_HZ = 5.0
MAX_GAP_S = 0.3
BASELINE_WINDOW_S = 8.0
BASELINE_PERCENTILE = 10.0
#: Fraction of the Nyquist frequency a cut-off is brought down to when the rate cannot carry the
#: nominal one (:func:`cutoff_for_rate`).
CUTOFF_NYQUIST_FRACTION = 0.8


def cutoff_for_rate(cutoff_hz: float, fs_hz: float, fraction: float = CUTOFF_NYQUIST_FRACTION) -> float:
    """The cut-off a caller asks for at rate ``fs_hz``: ``cutoff_hz``, or ``fraction`` of the
    Nyquist frequency ``fs_hz / 2`` when that is lower.

    The filters here refuse a cut-off at or above Nyquist (as ``scipy.signal.butter`` does)
    instead of clamping it silently; a caller that must work at any rate (``--stride 30`` gives
    1 sample a second) says so by passing its cut-off through this function.
    """
    if fs_hz <= 0 or not 0.0 < fraction < 1.0:
        raise ValueError(f"need fs_hz > 0 and 0 < fraction < 1, got fs_hz={fs_hz:g}, fraction={fraction:g}")
    return min(float(cutoff_hz), fraction * fs_hz / 2.0)


def _check_cutoff(cutoff_hz: float, fs_hz: float) -> None:
    nyquist_hz = fs_hz / 2.0
    if not (0.0 < cutoff_hz < nyquist_hz):
        raise ValueError(f"low-pass cut-off must be in (0, {nyquist_hz:g}) Hz (Nyquist at "
                         f"fs={fs_hz:g} Hz), got {cutoff_hz:g} Hz")


class UniformResampler:
    """Resample ``(t_s, values)`` samples onto the grid ``t0 + k / fs_hz``, channel by channel.

    ``push`` returns the grid samples that became known, in order; a NaN marks a missing value.
    A gap of up to ``max_gap_s`` between two valid samples of a channel is bridged linearly
    (grid points inside it are held back until the gap closes, so output lags by at most
    ``max_gap_s``); longer gaps come out as NaN.

    Per-frame cost matters here (it runs once per analysed frame), so the state is kept in plain
    Python lists and floats rather than tiny numpy arrays.
    """

    _EPS = 1e-6

    def __init__(self, fs_hz: float, n_channels: int, max_gap_s: float = MAX_GAP_S) -> None:
        self.fs_hz = float(fs_hz)
        self.n = n_channels
        self.max_gap_s = max_gap_s
        self._t0: float | None = None
        self._next_k = 0
        self._last_t = [math.nan] * n_channels
        self._last_v = [math.nan] * n_channels
        # each entry: [t_grid, values (list of n), pending flags (list of n), number pending]
        self._queue: deque[list] = deque()

    def push(self, t_s: float, values: np.ndarray | list[float]) -> list[tuple[float, np.ndarray]]:
        """Add one sample (``values`` shape ``(n_channels,)``); return ready grid samples."""
        if self._t0 is None:
            self._t0 = t_s
        n, eps, queue = self.n, self._EPS, self._queue
        while self._t0 + self._next_k / self.fs_hz <= t_s + eps:
            tg = self._t0 + self._next_k / self.fs_hz
            queue.append([tg, [math.nan] * n, [True] * n, n])
            self._next_k += 1
        vals = values.tolist() if isinstance(values, np.ndarray) else list(values)
        isfinite = math.isfinite
        for c in range(n):
            v = float(vals[c])
            v_ok = isfinite(v)
            lt, lv = self._last_t[c], self._last_v[c]
            lt_ok = isfinite(lt)
            recent = lt_ok and (t_s - lt) <= self.max_gap_s
            bridge = v_ok and recent
            for entry in queue:
                pending = entry[2]
                if not pending[c]:
                    continue
                tg = entry[0]
                if v_ok and abs(tg - t_s) <= eps:
                    entry[1][c] = v
                elif lt_ok and abs(tg - lt) <= eps:
                    entry[1][c] = lv
                elif bridge and lt < tg < t_s:
                    entry[1][c] = lv + (v - lv) * (tg - lt) / (t_s - lt)
                elif (not v_ok) and recent:
                    continue  # may still be bridged by a later sample
                pending[c] = False
                entry[3] -= 1
            if v_ok:
                self._last_t[c], self._last_v[c] = t_s, v
        out: list[tuple[float, np.ndarray]] = []
        while queue and queue[0][3] == 0:
            tg, row, _, _ = queue.popleft()
            out.append((tg, np.array(row)))
        return out

    def flush(self) -> list[tuple[float, np.ndarray]]:
        """End of stream: everything still held back is a gap."""
        out = [(tg, np.array(row)) for tg, row, _, _ in self._queue]
        self._queue.clear()
        return out


def butter2_lowpass_sos(cutoff_hz: float, fs_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """``(sos, zi)`` of a 2nd-order Butterworth low-pass, as ``scipy.signal.butter(2, cutoff_hz,
    fs=fs_hz, output="sos")`` and ``scipy.signal.sosfilt_zi`` give them (to rounding).

    The bilinear transform with pre-warping, in closed form for one biquad; ``zi`` is the state
    in which a unit input gives a unit output (the filter's DC gain is 1). Shapes ``(1, 6)``
    and ``(1, 2)``. Raises ``ValueError`` for a cut-off outside ``(0, fs_hz / 2)``.
    """
    _check_cutoff(cutoff_hz, fs_hz)
    k = math.tan(math.pi * cutoff_hz / fs_hz)
    norm = 1.0 / (1.0 + math.sqrt(2.0) * k + k * k)
    b0 = k * k * norm
    b1, b2 = 2.0 * b0, b0
    a1 = 2.0 * (k * k - 1.0) * norm
    a2 = (1.0 - math.sqrt(2.0) * k + k * k) * norm
    zi = np.array([[1.0 - b0, b2 - a2]])
    return np.array([[b0, b1, b2, 1.0, a1, a2]]), zi


class CausalLowpass:
    """Butterworth low-pass applied sample by sample (``scipy.signal.sosfilt`` with state).

    A NaN input resets the filter and returns NaN; the next valid sample restarts it in steady
    state at that value, so gaps do not ring. :meth:`step` runs the same transposed direct form II
    recursion as ``sosfilt`` in plain Python (one call of ``sosfilt`` per sample costs ~50×
    more than the arithmetic).

    Raises ``ValueError`` when ``cutoff_hz`` is not strictly between 0 and the Nyquist frequency
    (never clamped here: see :func:`cutoff_for_rate`).
    """

    def __init__(self, cutoff_hz: float, fs_hz: float, order: int = 2) -> None:
        _check_cutoff(cutoff_hz, fs_hz)
        if order == 2:
            sos, zi_unit = butter2_lowpass_sos(cutoff_hz, fs_hz)
        else:
            from scipy import signal

            sos = signal.butter(order, cutoff_hz, fs=fs_hz, output="sos")
            zi_unit = signal.sosfilt_zi(sos)
        self._sections = [tuple(float(c) for c in row) for row in sos]
        self._unit = [[float(z) for z in row] for row in zi_unit]
        self._zi: list[list[float]] | None = None

    def step(self, x: float) -> float:
        if not math.isfinite(x):
            self._zi = None
            return math.nan
        if self._zi is None:
            self._zi = [[z0 * x, z1 * x] for z0, z1 in self._unit]
        for (b0, b1, b2, _a0, a1, a2), z in zip(self._sections, self._zi, strict=True):
            y = b0 * x + z[0]
            z[0] = b1 * x - a1 * y + z[1]
            z[1] = b2 * x - a2 * y
            x = y
        return x


class SortedWindow:
    """The last ``maxlen`` values kept both in arrival order and sorted (for order statistics).

    ``median`` and ``percentile`` give exactly what ``np.median`` / ``np.percentile`` (linear
    method) give over the same values, in O(window) memory moves instead of a numpy call.
    """

    def __init__(self, maxlen: int) -> None:
        self._fifo: deque[float] = deque()
        self._sorted: list[float] = []
        self.maxlen = maxlen

    def append(self, x: float) -> None:
        """Add a finite value, dropping the oldest when the window is full."""
        if len(self._fifo) == self.maxlen:
            old = self._fifo.popleft()
            del self._sorted[bisect.bisect_left(self._sorted, old)]
        self._fifo.append(x)
        bisect.insort(self._sorted, x)

    def __len__(self) -> int:
        return len(self._fifo)

    def median(self) -> float:
        s = self._sorted
        m = len(s) // 2
        return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2.0

    def percentile(self, q: float) -> float:
        """Linear-interpolation percentile, arithmetic as in ``numpy.percentile``."""
        s = self._sorted
        n = len(s)
        virtual = (n - 1) * (q / 100.0)
        lo = math.floor(virtual)
        hi = min(lo + 1, n - 1)
        gamma = virtual - lo
        a, b = s[lo], s[hi]
        diff = b - a
        return b - diff * (1.0 - gamma) if gamma >= 0.5 else a + diff * gamma


class RollingBaseline:
    """Low percentile of the valid samples in a trailing window (the leg's rest angle)."""

    def __init__(
        self, fs_hz: float, window_s: float = BASELINE_WINDOW_S, q: float = BASELINE_PERCENTILE
    ) -> None:
        self._buf = SortedWindow(max(int(window_s * fs_hz), 1))
        self._q = q
        self._value = math.nan
        self._every = max(int(fs_hz / 10), 1)  # recompute ~10×/s: cheap and plenty for a rest angle
        self._count = 0

    def step(self, x: float) -> float:
        if math.isfinite(x):
            self._buf.append(x)
            if self._count % self._every == 0 or not math.isfinite(self._value):
                self._value = self._buf.percentile(self._q)
            self._count += 1
        return self._value


def zero_phase_lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float = SMOOTHNESS_CUTOFF_HZ,
                       order: int = 4) -> np.ndarray:
    """Forward-backward Butterworth low-pass of a finite 1-D array (same length out).

    Raises ``ValueError`` (as ``scipy.signal.butter`` does for ``Wn`` outside ``(0, 1)``) when
    ``cutoff_hz`` is not strictly between 0 and the Nyquist frequency ``fs_hz / 2``: the caller
    chooses a cut-off the sampling rate can carry; it is never clamped here.
    """
    x = np.asarray(x, dtype=float)
    _check_cutoff(cutoff_hz, fs_hz)
    from scipy import signal

    sos = signal.butter(order, cutoff_hz, fs=fs_hz, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), len(x) - 1)
    if padlen < 1:
        return x.copy()
    return signal.sosfiltfilt(sos, x, padlen=padlen)
