"""A dependency-free progress bar on stderr, with rate and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO

#: The ETA is shown once the rate has been measured over at least this long (seconds).
MIN_ETA_WINDOW_S = 2.0


class ProgressBar:
    """``bar.update(done, total)``; draws at most ~10 times a second; ``close()`` ends the line.

    Disabled (draws nothing) when ``enabled`` is False; by default it is enabled only when the
    stream is a terminal, so logs and pipes stay clean.

    The rate and ETA are measured from the first update, not from construction (which may be
    followed by slow start-up: loading the pose model, starting workers), and the ETA reads
    ``--:--`` until something has been done over at least :data:`MIN_ETA_WINDOW_S` seconds: a
    first estimate from one item in a few milliseconds (or from none) would be nonsense.
    """

    def __init__(self, label: str, unit: str = "frames", stream: TextIO | None = None,
                 enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = label
        self.unit = unit
        self._t0 = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self._first: tuple[float, int] | None = None  # (time, done) of the first update

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self._first is None:
            self._first = (now, done)
        if now - self._last_draw < 0.1 and done < total:
            return
        self._last_draw = now
        rate = self.rate(now, done)
        if total > 0:
            frac = min(done / total, 1.0)
            eta = "0:00" if done >= total else ("--:--" if rate is None else _hms((total - done) / rate))
            bar = "█" * int(frac * 30) + "░" * (30 - int(frac * 30))
            text = (f"\r{self.label} {bar} {100 * frac:5.1f}% {done}/{total} {self.unit} "
                    f"{_rate(rate)} ETA {eta} ")
        else:
            text = f"\r{self.label} {done} {self.unit} {_rate(rate)} "
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True

    def rate(self, now: float, done: int) -> float | None:
        """Items per second since the first update; None until it can be measured."""
        if self._first is None:
            return None
        t0, d0 = self._first
        if now - t0 < MIN_ETA_WINDOW_S or done <= d0:
            return None
        return (done - d0) / (now - t0)

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _rate(per_s: float | None) -> str:
    """Items per second, or per minute when fewer than one a second (videos in a batch)."""
    if per_s is None:
        return "–/s"
    return f"{per_s:.1f}/s" if per_s >= 1.0 or per_s == 0 else f"{per_s * 60:.1f}/min"


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
