"""The progress bar's rate and ETA (pure logic, with a fake clock)."""

from __future__ import annotations

import io

import pytest

from hipcam import progress


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(progress.time, "monotonic", lambda: now[0])
    return now


def test_eta_waits_for_a_measured_rate_and_ignores_start_up(clock: list[float]) -> None:
    out = io.StringIO()
    bar = progress.ProgressBar("scoring", unit="videos", stream=out, enabled=True)
    clock[0] += 30.0  # start-up (model loading, workers starting) before the first update
    bar.update(0, 10)
    assert "ETA --:--" in out.getvalue()  # nothing done yet: no estimate, not "0:00"
    clock[0] += 0.5
    bar.update(1, 10)  # one item 0.5 s after the first update: too soon to tell
    assert out.getvalue().rstrip().endswith("ETA --:--")
    clock[0] += 39.5  # 1 more video after 40 s in all: 2 videos in 40 s → 20 s each
    bar.update(2, 10)
    assert "ETA 2:40" in out.getvalue().rsplit("\r", 1)[1]  # 8 left × 20 s, start-up not counted
    assert "3.0/min" in out.getvalue().rsplit("\r", 1)[1]
    clock[0] += 200
    bar.update(10, 10)
    assert out.getvalue().rsplit("\r", 1)[1].rstrip().endswith("ETA 0:00")


def test_frames_rate(clock: list[float]) -> None:
    out = io.StringIO()
    bar = progress.ProgressBar("analysing", stream=out, enabled=True)
    bar.update(1, 900)
    clock[0] += 10.0
    bar.update(301, 900)
    assert "30.0/s" in out.getvalue() and "ETA 0:20" in out.getvalue()
