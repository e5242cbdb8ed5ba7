"""Sound for ``hipcam live``.

* Linux, for real: sounddevice → PortAudio → ALSA, with ALSA's ``file`` plugin standing in for a
  sound card, and espeak-ng as the voice: the tick's tone and the exact synthesised phrase are
  found in what reached the "card".
* Windows and macOS, by pyttsx3's contract (``init()``, ``setProperty``, ``say``, ``runAndWait``,
  all on one thread), with a stand-in module; a voice that fails falls back to a cue tone.
* Never blocking, and the fallbacks: a player command when PortAudio cannot open a device, the
  bell when there is nothing.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from hipcam.live import audio

ROOT = Path(__file__).resolve().parent.parent

_LINUX_SCRIPT = r"""
import json, sys, time
from hipcam.live.audio import Announcer
a = Announcer()
backend = a.backend
a.tick()
time.sleep(0.8)  # ALSA's null device has no clock: 1 s of silence passes in well under that
idle_stopped = not a.output._stream.active
a.say("left ten")
a.say("left, set ends in 2")
a.close()
print(json.dumps({"backend": backend, "voice_error": a.voice_error, "idle_stopped": idle_stopped}))
"""


@pytest.mark.slow  # the real sound stack
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ALSA path is Linux's")
def test_linux_sound_reaches_the_card_through_sounddevice_and_espeak(tmp_path):
    if not shutil.which("espeak-ng"):
        pytest.skip("needs espeak-ng (apt: espeak-ng)")
    raw = tmp_path / "card.raw"
    (tmp_path / ".asoundrc").write_text(
        f'pcm.!default {{\n type file\n slave.pcm "null"\n file "{raw}"\n format "raw"\n}}\n')
    env = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.run([sys.executable, "-c", _LINUX_SCRIPT], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    info = __import__("json").loads(proc.stdout.strip().splitlines()[-1])
    # the stream stopped when idle, and the phrases below prove it starts again on demand
    assert info == {"backend": "espeak-ng + sounddevice", "voice_error": None, "idle_stopped": True}
    x = np.fromfile(raw, dtype="<f4")  # PortAudio hands ALSA float32 mono at 22050 Hz
    assert x.size > audio.RATE_HZ
    # the tick: a 40 ms burst whose spectrum peaks at 1.2 kHz
    env_ = np.sqrt(np.convolve(x**2, np.ones(220) / 220, mode="same"))
    first = int(np.flatnonzero(env_ > 0.02)[0])
    burst = x[first : first + int(0.05 * audio.RATE_HZ)]
    freqs = np.fft.rfftfreq(burst.size, 1 / audio.RATE_HZ)
    assert abs(freqs[np.argmax(np.abs(np.fft.rfft(burst)))] - audio.TICK_HZ) < 50
    # both phrases, one after the other: espeak-ng's own synthesis is in the stream, sample for sample
    at = []
    for text in ("left ten", "left, set ends in 2"):
        phrase = audio.EspeakVoice.find().synthesize(text)
        corr = signal.correlate(x, phrase, mode="valid", method="fft")
        k = int(np.argmax(corr))
        seg = x[k : k + phrase.size]
        assert np.dot(seg, phrase) / (np.linalg.norm(seg) * np.linalg.norm(phrase)) > 0.99, text
        assert phrase.size / audio.RATE_HZ > 0.4
        at.append((k, phrase.size))
    assert at[1][0] >= at[0][0] + at[0][1]  # said in order, never over each other


class _FakeEngine:
    def __init__(self, log: list, fail: bool = False) -> None:
        self.log, self.fail = log, fail

    def setProperty(self, name, value):  # noqa: N802 - pyttsx3's names
        self.log.append(("setProperty", name, value, threading.current_thread().name))

    def say(self, text):
        self.log.append(("say", text, threading.current_thread().name))

    def runAndWait(self):  # noqa: N802
        if self.fail:
            raise RuntimeError("SAPI5 is broken")
        time.sleep(0.05)  # the system speaks, blocking like the real engine
        self.log.append(("runAndWait", threading.current_thread().name))


class _RecordingOutput:
    name = "recorder"

    def __init__(self, block_s: float = 0.0) -> None:
        self.played: list[int] = []
        self.spoken: list[int] = []
        self.block_s = block_s

    def play(self, pcm):
        time.sleep(self.block_s)
        self.played.append(pcm.size)

    def play_speech(self, pcm):
        time.sleep(self.block_s)
        self.spoken.append(pcm.size)

    def close(self):
        pass


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_windows_and_macos_speak_through_pyttsx3_by_its_contract(monkeypatch, platform):
    log: list = []
    inits: list = []
    fake = types.ModuleType("pyttsx3")

    def init(driverName=None, debug=False):  # noqa: N803 - pyttsx3's signature
        inits.append(driverName)  # None: pyttsx3 picks sapi5 on win32, nsss on darwin
        return _FakeEngine(log)

    fake.init = init
    monkeypatch.setitem(sys.modules, "pyttsx3", fake)
    voice = audio.find_voice(platform)
    assert isinstance(voice, audio.Pyttsx3Voice)
    out = _RecordingOutput()
    a = audio.Announcer(output=out, voice=voice)
    a.say("left 10")
    a.say("left 20")
    a.tick()
    a.close()
    assert inits == [None]  # one engine, the platform's default driver
    assert [e[:-1] for e in log] == [
        ("setProperty", "rate", audio.SPEECH_RATE_WPM), ("say", "left 10"), ("runAndWait",),
        ("say", "left 20"), ("runAndWait",)]
    threads = {e[-1] for e in log}
    assert len(threads) == 1 and threads != {threading.main_thread().name}
    assert out.played == [audio.tone("tick").size] and out.spoken == []  # speech went to the system


def test_a_failing_voice_falls_back_to_the_cue_tone():
    log: list = []
    out = _RecordingOutput()
    a = audio.Announcer(output=out, voice=audio.Pyttsx3Voice(init=lambda: _FakeEngine(log, fail=True)))
    a.say("left 10")
    time.sleep(0.3)
    a.say("left 20")
    a.close()
    assert a.voice is None and "SAPI5 is broken" in a.voice_error
    assert out.spoken == [audio.tone("cue").size]


def test_never_blocks_and_drops_stale_phrases():
    out = _RecordingOutput(block_s=0.5)  # a sound device that takes 0.5 s for everything
    a = audio.Announcer(output=out, voice=None)
    t0 = time.perf_counter()
    for k in range(50):
        a.tick()
        a.say(f"left {k}")
        a.chime()
    assert time.perf_counter() - t0 < 0.2
    a.close()
    # queues are small and phrases older than SPEECH_STALE_S are skipped: far fewer than 50 said
    assert 1 <= len(out.spoken) <= 6
    muted = audio.Announcer(output=_RecordingOutput(), voice=None)
    muted.muted = True
    muted.tick()
    muted.say("x")
    muted.close()


def test_without_portaudio_a_player_command_then_the_bell(tmp_path, monkeypatch):
    def no_portaudio():
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(audio, "MixerOutput", no_portaudio)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    exe = bin_dir / "aplay"
    exe.write_text(f'#!/bin/sh\necho aplay "$@" >> {log}\n'
                   f'/usr/bin/head -c 44 "$2" | /usr/bin/od -c | /usr/bin/head -1 >> {log}\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(bin_dir))
    out = audio.open_output()
    assert isinstance(out, audio.CommandOutput) and out.name == "aplay"
    out.play_speech(audio.tone("tick"))
    out.close()
    calls = log.read_text()
    assert "aplay -q" in calls and "R   I   F   F" in calls  # a real WAV file was handed over
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    if sys.platform != "win32":
        assert isinstance(audio.open_output(), audio.BellOutput)
