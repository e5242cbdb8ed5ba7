"""Sound that never blocks the loop: a tick per rep, counts spoken through espeak-ng.

Requests go into a small queue served by one background thread that starts the players with
:class:`subprocess.Popen`; when the queue is full the request is dropped (a missed tick is better
than a late one). Speech uses ``espeak-ng`` (or ``espeak``) when installed, else a beep. A tick
plays a generated 40 ms wav through ``paplay`` or ``aplay`` when one exists, else the terminal
bell (only when stderr is a terminal).
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import wave

import numpy as np

TICK_HZ = 1200.0
TICK_S = 0.04
_RATE_HZ = 22050


def _write_tick_wav(path: str) -> None:
    t = np.arange(int(TICK_S * _RATE_HZ)) / _RATE_HZ
    env = np.sin(np.pi * t / TICK_S) ** 2
    pcm = (0.4 * 32767 * env * np.sin(2 * np.pi * TICK_HZ * t)).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(_RATE_HZ)
        w.writeframes(pcm.tobytes())


class Announcer:
    """``tick()`` and ``say(text)``, both non-blocking; ``muted`` silences without stopping."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.muted = False
        self._queue: queue.Queue[tuple[str, str] | None] = queue.Queue(maxsize=6)
        self._speaker = shutil.which("espeak-ng") or shutil.which("espeak")
        self._player = shutil.which("paplay") or shutil.which("aplay")
        self._tick_path: str | None = None
        self._thread: threading.Thread | None = None
        if enabled:
            self._thread = threading.Thread(target=self._run, name="hipcam-audio", daemon=True)
            self._thread.start()

    @property
    def backend(self) -> str:
        """What will make the sound: e.g. ``espeak-ng + aplay`` or ``bell``."""
        speak = os.path.basename(self._speaker) if self._speaker else "bell"
        tick = os.path.basename(self._player) if self._player else "bell"
        return f"{speak} + {tick}"

    def tick(self) -> None:
        """A short click (one per rep)."""
        self._put(("tick", ""))

    def chime(self) -> None:
        """A rising three-note chime (a set reached the target)."""
        self._put(("chime", ""))

    def say(self, text: str) -> None:
        """Speak ``text`` (or beep when no speech synthesiser is installed)."""
        self._put(("say", text))

    def _put(self, item: tuple[str, str]) -> None:
        if not self.enabled or self.muted:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(item)

    def _run(self) -> None:
        procs: list[subprocess.Popen] = []
        while True:
            item = self._queue.get()
            if item is None:
                break
            procs = [p for p in procs if p.poll() is None]
            if len(procs) >= 3:  # the sound device is stuck: drop rather than pile up
                continue
            kind, text = item
            cmd: list[str] | None = None
            if kind == "say" and self._speaker:
                cmd = [self._speaker, "-s", "170", "--", text]
            elif kind == "tick" and self._player:
                if self._tick_path is None:
                    fd, self._tick_path = tempfile.mkstemp(prefix="hipcam-tick-", suffix=".wav")
                    os.close(fd)
                    _write_tick_wav(self._tick_path)
                cmd = [self._player, self._tick_path] if "paplay" in self._player else \
                    [self._player, "-q", self._tick_path]
            if cmd is None:
                if sys.stderr.isatty():
                    sys.stderr.write("\a")
                    sys.stderr.flush()
                continue
            try:
                p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            except OSError:
                continue
            procs.append(p)
            if kind == "say":  # let one phrase finish before the next starts (on this thread only)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=5.0)
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=2.0)

    def close(self) -> None:
        """Let queued sounds start, then stop the thread and remove the temporary wav."""
        if self._thread is not None:
            try:
                self._queue.put(None, timeout=1.0)
            except queue.Full:
                pass
            self._thread.join(timeout=6.0)
            self._thread = None
        if self._tick_path:
            with contextlib.suppress(OSError):
                os.unlink(self._tick_path)
            self._tick_path = None
