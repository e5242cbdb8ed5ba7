"""Sound that never blocks the loop, on Linux, Windows and macOS: ticks, a chime, spoken words.

Two parts, each with fallbacks tried in order:

* **Output** for tones (and for speech synthesised to samples): ``sounddevice`` (PortAudio: ALSA or
  PulseAudio/PipeWire on Linux, WASAPI/MME on Windows, CoreAudio on macOS) with one output stream
  whose callback mixes whatever is playing; else a command-line player (``paplay``, ``aplay``,
  ``afplay``) or Windows' ``winsound``; else the terminal bell (only when stderr is a terminal).
* **Voice**: on Linux ``espeak-ng`` (or ``espeak``) synthesises to samples played through the output
  above; on Windows and macOS ``pyttsx3`` speaks through the system's own synthesiser (SAPI5,
  NSSpeechSynthesizer), with macOS's ``say`` command as a fallback; with no voice at all, words are
  replaced by a short two-note cue.

Requests go into small queues served by two daemon threads (tones; speech), so a caller never
waits; when a queue is full the request is dropped, and a phrase that could not start within
:data:`SPEECH_STALE_S` is skipped (a countdown said late is worse than none).
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections import deque
from collections.abc import Callable

import numpy as np

RATE_HZ = 22050
TICK_HZ = 1200.0
TICK_S = 0.04
#: A jerky rep's tick is this low, longer "tock": smoothness heard without looking.
TOCK_HZ = 440.0
TOCK_S = 0.09
#: The output stream stops after this long with nothing to play (and restarts on the next sound).
IDLE_STOP_S = 1.0
#: A phrase that could not start this long after it was asked for is dropped.
SPEECH_STALE_S = 2.5
SPEECH_RATE_WPM = 170


# -- tones (pure numpy) ---------------------------------------------------------------------------
def _note(freq_hz: float, dur_s: float, amp: float = 0.35) -> np.ndarray:
    t = np.arange(int(dur_s * RATE_HZ)) / RATE_HZ
    env = np.sin(np.pi * t / dur_s) ** 2
    return (amp * env * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def tone(kind: str) -> np.ndarray:
    """Mono float32 samples at :data:`RATE_HZ`: ``tick`` (a rep: 40 ms, 1.2 kHz), ``tock`` (a jerky
    rep: 90 ms, 440 Hz), ``chime`` (three rising notes, C–E–G, and the octave), ``cue`` (two notes:
    stands in for words when no voice is installed)."""
    if kind == "tick":
        return _note(TICK_HZ, TICK_S, 0.4)
    if kind == "tock":
        return _note(TOCK_HZ, TOCK_S, 0.5)
    if kind == "chime":
        return np.concatenate([_note(f, 0.16) for f in (523.25, 659.25, 783.99)] + [_note(1046.5, 0.45)])
    if kind == "cue":
        return np.concatenate([_note(880.0, 0.09), np.zeros(int(0.05 * RATE_HZ), np.float32),
                               _note(660.0, 0.12)])
    raise ValueError(f"unknown tone {kind!r}")


def wav_bytes(pcm: np.ndarray, rate_hz: int = RATE_HZ) -> bytes:
    """16-bit mono WAV file contents for float samples in [-1, 1]."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate_hz)
        w.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Float32 mono samples and the rate of a 16-bit PCM WAV (espeak's ``--stdout``)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        n, ch, width, rate = w.getnframes(), w.getnchannels(), w.getsampwidth(), w.getframerate()
        raw = w.readframes(n)
    if width != 2:
        raise ValueError(f"{width * 8}-bit WAV not supported")
    x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if ch > 1:
        x = x.reshape(-1, ch).mean(axis=1)
    return x, rate


def resample(x: np.ndarray, from_hz: int, to_hz: int = RATE_HZ) -> np.ndarray:
    """Linear resampling (speech only: good enough, no dependency)."""
    if from_hz == to_hz or x.size == 0:
        return x.astype(np.float32)
    n = int(round(x.size * to_hz / from_hz))
    return np.interp(np.arange(n) * (from_hz / to_hz), np.arange(x.size), x).astype(np.float32)


# -- outputs ------------------------------------------------------------------------------------------
class MixerOutput:
    """One ``sounddevice`` output stream; a callback mixes the tones and the current phrase.

    The stream runs only while there is something to play: after :data:`IDLE_STOP_S` of silence
    the callback stops it, and the next sound starts it again (an always-running stream keeps a
    laptop's audio device awake, and a device without a clock would spin).
    """

    name = "sounddevice"

    def __init__(self, device: int | str | None = None) -> None:
        import sounddevice as sd  # OSError when PortAudio is missing

        self._sd = sd
        self._lock = threading.Lock()  # the playing lists and the idle count (callback and callers)
        self._run_lock = threading.Lock()  # starting/stopping the stream (callers only)
        self._voices: list[list] = []  # [samples, position] of tones
        self._speech: deque[list] = deque()  # phrases, played one after the other
        self._idle_frames = 0
        self._stopping = False
        self._stream = sd.OutputStream(samplerate=RATE_HZ, channels=1, dtype="float32",
                                       device=device, callback=self._callback)
        self._stream.start()  # fails here, not mid-session, when the device cannot play

    def _callback(self, out: np.ndarray, frames: int, _time, _status) -> None:
        buf = np.zeros(frames, np.float32)
        with self._lock:
            playing = self._voices + ([self._speech[0]] if self._speech else [])
            for v in playing:
                chunk = v[0][v[1] : v[1] + frames]
                buf[: chunk.size] += chunk
                v[1] += frames
            self._voices = [v for v in self._voices if v[1] < v[0].size]
            if self._speech and self._speech[0][1] >= self._speech[0][0].size:
                self._speech.popleft()
            self._idle_frames = 0 if playing else self._idle_frames + frames
            stop = self._idle_frames >= IDLE_STOP_S * RATE_HZ
            if stop:
                self._stopping = True
        out[:, 0] = np.clip(buf, -1.0, 1.0)
        if stop:
            raise self._sd.CallbackStop

    def _run(self) -> None:
        """Make sure the stream is running (restart it when the callback stopped it)."""
        with self._run_lock:
            with self._lock:
                restart = self._stopping or not self._stream.active
            if restart:
                with contextlib.suppress(Exception):
                    self._stream.stop()  # waits for a stopping callback to finish
                with self._lock:
                    self._stopping, self._idle_frames = False, 0
                self._stream.start()

    def play(self, pcm: np.ndarray) -> None:
        """Start a tone now (mixed over whatever plays)."""
        with self._lock:
            self._voices.append([pcm, 0])
        self._run()

    def play_speech(self, pcm: np.ndarray) -> None:
        """Queue a phrase and wait until it has been played (call from the speech thread)."""
        item = [pcm, 0]
        with self._lock:
            self._speech.append(item)
        self._run()
        deadline = time.monotonic() + pcm.size / RATE_HZ + 2.0
        while time.monotonic() < deadline:
            with self._lock:
                # identity, not ``in``: list equality would compare the sample arrays
                if item[1] >= pcm.size or not any(x is item for x in self._speech):
                    return
            time.sleep(0.02)

    def close(self) -> None:
        """Let what is playing finish (at most 2 s), then close the stream."""
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            with self._lock:
                if not self._voices and not self._speech:
                    break
            time.sleep(0.02)
        with contextlib.suppress(Exception):
            self._stream.stop()
            self._stream.close()


class CommandOutput:
    """A command-line player (``paplay``, ``aplay``, ``afplay``) or Windows' ``winsound``."""

    def __init__(self, player: str | None) -> None:
        self._player = player
        self.name = os.path.basename(player) if player else "winsound"
        self._procs: list[subprocess.Popen] = []
        self._files: list[str] = []

    @staticmethod
    def find() -> CommandOutput | None:
        """The first player available here, or None."""
        if sys.platform == "win32":
            return CommandOutput(None)
        for name in ("paplay", "aplay", "afplay"):
            exe = shutil.which(name)
            if exe:
                return CommandOutput(exe)
        return None

    def _file(self, pcm: np.ndarray) -> str:
        fd, path = tempfile.mkstemp(prefix="hipcam-sound-", suffix=".wav")
        with os.fdopen(fd, "wb") as f:
            f.write(wav_bytes(pcm))
        self._files.append(path)
        return path

    def _start(self, pcm: np.ndarray) -> subprocess.Popen | None:
        path = self._file(pcm)
        if self._player is None:  # Windows: winsound plays a file asynchronously
            import winsound  # type: ignore[import-not-found]

            winsound.PlaySound(path, winsound.SND_FILENAME | winsound.SND_ASYNC)
            return None
        self._procs = [p for p in self._procs if p.poll() is None]
        if len(self._procs) >= 3:  # the sound device is stuck: drop rather than pile up
            return None
        cmd = [self._player, path] if not self.name.startswith("aplay") else [self._player, "-q", path]
        try:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        except OSError:
            return None
        self._procs.append(p)
        return p

    def play(self, pcm: np.ndarray) -> None:
        self._start(pcm)

    def play_speech(self, pcm: np.ndarray) -> None:
        p = self._start(pcm)
        if p is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=pcm.size / RATE_HZ + 2.0)

    def close(self) -> None:
        for p in self._procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=2.0)
        for f in self._files:
            with contextlib.suppress(OSError):
                os.unlink(f)


class BellOutput:
    """The terminal bell: the last resort (silent when stderr is not a terminal)."""

    name = "bell"

    def play(self, pcm: np.ndarray) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\a")
            sys.stderr.flush()

    def play_speech(self, pcm: np.ndarray) -> None:
        self.play(pcm)

    def close(self) -> None:
        pass


def open_output() -> MixerOutput | CommandOutput | BellOutput:
    """The best output available: sounddevice, else a player command, else the bell."""
    try:
        return MixerOutput()
    except Exception:  # noqa: BLE001 - no PortAudio, no device, device busy: try the next
        pass
    return CommandOutput.find() or BellOutput()


# -- voices ---------------------------------------------------------------------------------------------
class EspeakVoice:
    """``espeak-ng``/``espeak`` synthesising to WAV on stdout, played through the output."""

    def __init__(self, exe: str) -> None:
        self._exe = exe
        self.name = os.path.basename(exe)

    @staticmethod
    def find() -> EspeakVoice | None:
        exe = shutil.which("espeak-ng") or shutil.which("espeak")
        return EspeakVoice(exe) if exe else None

    def synthesize(self, text: str) -> np.ndarray:
        """The phrase as float32 samples at :data:`RATE_HZ`."""
        out = subprocess.run([self._exe, "--stdout", "-s", str(SPEECH_RATE_WPM), "--", text],
                             stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=True).stdout
        pcm, rate = read_wav(out)
        return resample(pcm, rate)

    def speak(self, text: str, output) -> None:
        output.play_speech(self.synthesize(text))


class Pyttsx3Voice:
    """``pyttsx3``: the system's synthesiser (SAPI5 on Windows, NSSpeechSynthesizer on macOS),
    which plays the speech itself. The engine is made and used on the speech thread only."""

    name = "pyttsx3"

    def __init__(self, init: Callable[[], object] | None = None) -> None:
        if init is None:
            import pyttsx3

            init = pyttsx3.init
        self._init = init
        self._engine = None

    def speak(self, text: str, output) -> None:
        if self._engine is None:
            if sys.platform == "win32":  # SAPI5 is COM: initialise it on this (the speech) thread
                with contextlib.suppress(Exception):
                    import pythoncom  # type: ignore[import-not-found]  # pywin32, a pyttsx3 dependency

                    pythoncom.CoInitialize()
            self._engine = self._init()
            self._engine.setProperty("rate", SPEECH_RATE_WPM)
        self._engine.say(text)
        self._engine.runAndWait()


class SayVoice:
    """macOS's ``say`` command (when pyttsx3 is not installed)."""

    name = "say"

    def __init__(self, exe: str) -> None:
        self._exe = exe

    def speak(self, text: str, output) -> None:
        subprocess.run([self._exe, "-r", str(SPEECH_RATE_WPM), "--", text], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15, check=False)


def find_voice(platform: str | None = None):
    """The speech synthesiser for this platform, or None (words become a two-note cue)."""
    platform = platform or sys.platform
    if platform.startswith("linux") or platform.startswith("freebsd"):
        return EspeakVoice.find()
    try:
        return Pyttsx3Voice()
    except Exception:  # noqa: BLE001 - not installed or broken: try the command
        pass
    if platform == "darwin" and shutil.which("say"):
        return SayVoice(shutil.which("say") or "say")
    return EspeakVoice.find()


# -- the announcer --------------------------------------------------------------------------------------
class Announcer:
    """``tick()``, ``chime()`` and ``say(text)``, all non-blocking; ``muted`` silences them.

    ``output`` and ``voice`` default to the best found here (:func:`open_output`, :func:`find_voice`);
    a voice that fails is dropped for the rest of the session and words become the cue tone.
    """

    def __init__(self, enabled: bool = True, output=None, voice: object | None = "auto") -> None:
        self.enabled = enabled
        self.muted = False
        self.output = None
        self.voice = None
        self.voice_error: str | None = None
        self._tones: queue.Queue[str | None] = queue.Queue(maxsize=8)
        self._phrases: queue.Queue[tuple[str, float] | None] = queue.Queue(maxsize=4)
        self._threads: list[threading.Thread] = []
        if not enabled:
            return
        self.output = output if output is not None else open_output()
        self.voice = find_voice() if voice == "auto" else voice
        for target, name in ((self._run_tones, "hipcam-tones"), (self._run_speech, "hipcam-speech")):
            th = threading.Thread(target=target, name=name, daemon=True)
            th.start()
            self._threads.append(th)

    @property
    def backend(self) -> str:
        """What makes the sound, e.g. ``espeak-ng + sounddevice`` or ``off``."""
        if not self.enabled:
            return "off"
        voice = self.voice.name if self.voice is not None else "no voice"
        return f"{voice} + {self.output.name}"

    def tick(self, jerky: bool = False) -> None:
        """A short click (one per rep); a lower, longer "tock" for a jerky rep."""
        self._put(self._tones, "tock" if jerky else "tick")

    def chime(self) -> None:
        """A rising chime (a set reached the target)."""
        self._put(self._tones, "chime")

    def say(self, text: str) -> None:
        """Speak ``text`` (or play the cue tone when there is no voice)."""
        self._put(self._phrases, (text, time.monotonic() + SPEECH_STALE_S))

    def _put(self, q: queue.Queue, item) -> None:
        if not self.enabled or self.muted:
            return
        with contextlib.suppress(queue.Full):
            q.put_nowait(item)

    def _run_tones(self) -> None:
        while (kind := self._tones.get()) is not None:
            with contextlib.suppress(Exception):
                self.output.play(tone(kind))

    def _run_speech(self) -> None:
        while (item := self._phrases.get()) is not None:
            text, deadline = item
            if time.monotonic() > deadline or self.muted:
                continue
            if self.voice is None:
                with contextlib.suppress(Exception):
                    self.output.play_speech(tone("cue"))
                continue
            try:
                self.voice.speak(text, self.output)
            except Exception as exc:  # noqa: BLE001 - a broken voice: fall back to the cue tone
                self.voice_error = f"{type(exc).__name__}: {exc}"
                self.voice = None

    def close(self) -> None:
        """Let queued sounds play (a few seconds at most), stop the threads, close the output."""
        for q in (self._tones, self._phrases):
            with contextlib.suppress(queue.Full):
                q.put(None, timeout=1.0)
        for th in self._threads:
            th.join(timeout=6.0)
        self._threads = []
        if self.output is not None:
            with contextlib.suppress(Exception):
                self.output.close()
            self.output = None
