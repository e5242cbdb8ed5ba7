"""A dependency-free progress bar on stderr, with rate and ETA."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``bar.update(done, total)``; draws at most ~10 times a second; ``close()`` ends the line.

    Disabled (draws nothing) when ``enabled`` is False; by default it is enabled only when the
    stream is a terminal, so logs and pipes stay clean.
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

    def update(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and done < total:
            return
        self._last_draw = now
        elapsed = now - self._t0
        rate = done / elapsed if elapsed > 0 else 0.0
        if total > 0:
            frac = min(done / total, 1.0)
            eta = (total - done) / rate if rate > 0 else 0.0
            bar = "█" * int(frac * 30) + "░" * (30 - int(frac * 30))
            text = (f"\r{self.label} {bar} {100 * frac:5.1f}% {done}/{total} {self.unit} "
                    f"{_rate(rate)} ETA {_hms(eta)} ")
        else:
            text = f"\r{self.label} {done} {self.unit} {_rate(rate)} "
        self.stream.write(text)
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _rate(per_s: float) -> str:
    """Items per second, or per minute when fewer than one a second (videos in a batch)."""
    return f"{per_s:.1f}/s" if per_s >= 1.0 or per_s == 0 else f"{per_s * 60:.1f}/min"


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"
