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

import math
from collections import deque

import numpy as np
from scipy import signal

DETECT_CUTOFF_HZ = 3.0
SMOOTHNESS_CUTOFF_HZ = 5.0
MAX_GAP_S = 0.3
BASELINE_WINDOW_S = 8.0
BASELINE_PERCENTILE = 10.0


class UniformResampler:
    """Resample ``(t_s, values)`` samples onto the grid ``t0 + k / fs_hz``, channel by channel.

    ``push`` returns the grid samples that became known, in order; a NaN marks a missing value.
    A gap of up to ``max_gap_s`` between two valid samples of a channel is bridged linearly
    (grid points inside it are held back until the gap closes, so output lags by at most
    ``max_gap_s``); longer gaps come out as NaN.
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
        self._queue: deque[list] = deque()  # [t_grid, values(n), pending mask(n)]

    def push(self, t_s: float, values: np.ndarray) -> list[tuple[float, np.ndarray]]:
        """Add one sample (``values`` shape ``(n_channels,)``); return ready grid samples."""
        if self._t0 is None:
            self._t0 = t_s
        while self._t0 + self._next_k / self.fs_hz <= t_s + self._EPS:
            tg = self._t0 + self._next_k / self.fs_hz
            self._queue.append([tg, np.full(self.n, np.nan), np.ones(self.n, bool)])
            self._next_k += 1
        for c in range(self.n):
            v = float(values[c])
            lt, lv = self._last_t[c], self._last_v[c]
            bridge = math.isfinite(v) and math.isfinite(lt) and (t_s - lt) <= self.max_gap_s
            for tg, row, pending in self._queue:
                if not pending[c]:
                    continue
                if math.isfinite(v) and abs(tg - t_s) <= self._EPS:
                    row[c] = v
                elif math.isfinite(lt) and abs(tg - lt) <= self._EPS:
                    row[c] = lv
                elif bridge and lt < tg < t_s:
                    row[c] = lv + (v - lv) * (tg - lt) / (t_s - lt)
                elif (not math.isfinite(v)) and math.isfinite(lt) and (t_s - lt) <= self.max_gap_s:
                    continue  # may still be bridged by a later sample
                pending[c] = False
            if math.isfinite(v):
                self._last_t[c], self._last_v[c] = t_s, v
        out: list[tuple[float, np.ndarray]] = []
        while self._queue and not self._queue[0][2].any():
            tg, row, _ = self._queue.popleft()
            out.append((tg, row))
        return out

    def flush(self) -> list[tuple[float, np.ndarray]]:
        """End of stream: everything still held back is a gap."""
        out = [(tg, row) for tg, row, _ in self._queue]
        self._queue.clear()
        return out


class CausalLowpass:
    """Butterworth low-pass applied sample by sample (``scipy.signal.sosfilt`` with state).

    A NaN input resets the filter and returns NaN; the next valid sample restarts it in steady
    state at that value, so gaps do not ring.
    """

    def __init__(self, cutoff_hz: float, fs_hz: float, order: int = 2) -> None:
        wn = min(cutoff_hz / (fs_hz / 2.0), 0.99)
        self._sos = signal.butter(order, wn, output="sos")
        self._zi_unit = signal.sosfilt_zi(self._sos)
        self._zi: np.ndarray | None = None

    def step(self, x: float) -> float:
        if not math.isfinite(x):
            self._zi = None
            return math.nan
        if self._zi is None:
            self._zi = self._zi_unit * x
        y, self._zi = signal.sosfilt(self._sos, [x], zi=self._zi)
        return float(y[0])


class RollingBaseline:
    """Low percentile of the valid samples in a trailing window (the leg's rest angle)."""

    def __init__(
        self, fs_hz: float, window_s: float = BASELINE_WINDOW_S, q: float = BASELINE_PERCENTILE
    ) -> None:
        self._buf: deque[float] = deque(maxlen=max(int(window_s * fs_hz), 1))
        self._q = q
        self._value = math.nan
        self._every = max(int(fs_hz / 10), 1)  # recompute ~10×/s: cheap and plenty for a rest angle
        self._count = 0

    def step(self, x: float) -> float:
        if math.isfinite(x):
            self._buf.append(x)
            if self._count % self._every == 0 or not math.isfinite(self._value):
                self._value = float(np.percentile(self._buf, self._q))
            self._count += 1
        return self._value


def zero_phase_lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float = SMOOTHNESS_CUTOFF_HZ,
                       order: int = 4) -> np.ndarray:
    """Forward-backward Butterworth low-pass of a finite 1-D array (same length out)."""
    x = np.asarray(x, dtype=float)
    wn = min(cutoff_hz / (fs_hz / 2.0), 0.99)
    sos = signal.butter(order, wn, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), len(x) - 1)
    if padlen < 1:
        return x.copy()
    return signal.sosfiltfilt(sos, x, padlen=padlen)
