"""Fuzzing ``hipcam analyse`` with random and mutated files (issue 7).

Whatever the bytes, only a documented exit code comes out, with at most one line on stderr
(exactly one when it fails) and never a traceback; FFmpeg's own complaints must not reach stderr
either. Runs in-process through :func:`hipcam.cli.main`, with file descriptor 2 captured too.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robust_media import DOCUMENTED_EXIT_CODES, make_clip

from hipcam.cli import main

pytestmark = pytest.mark.timeout(600)

_WORK = Path(tempfile.mkdtemp(prefix="hipcam-fuzz-"))
_SAMPLE: dict[str, bytes] = {}

FUZZ = settings(max_examples=30, deadline=timedelta(seconds=90), derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def sample_bytes() -> Iterator[bytes]:
    """A 0.5 s, 128×96 clip: every mutation that still decodes is cheap to analyse."""
    clip = make_clip(_WORK / "src.mp4", 0.5, 128, 96)
    _SAMPLE["data"] = clip.read_bytes()
    yield _SAMPLE["data"]
    shutil.rmtree(_WORK, ignore_errors=True)


def _analyse(data: bytes, suffix: str = ".mp4") -> tuple[int, str]:
    """Run ``hipcam analyse`` on ``data``; return the exit code and everything written to stderr."""
    path = _WORK / f"fuzz{suffix}"
    path.write_bytes(data)
    err = io.StringIO()
    with tempfile.TemporaryFile() as native:
        saved = os.dup(2)
        os.dup2(native.fileno(), 2)
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                code = main(["analyse", str(path), "--json", str(_WORK / "out.json"), "-q"])
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        native.seek(0)
        text = err.getvalue() + native.read().decode("utf-8", "replace")
    return code, text


def _check(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert code in DOCUMENTED_EXIT_CODES, (code, stderr)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    if code == 0:
        assert lines == [], stderr
    else:
        assert len(lines) == 1 and lines[0].startswith("hipcam analyse: "), stderr


@FUZZ
@given(data=st.binary(min_size=1, max_size=4096), suffix=st.sampled_from([".mp4", ".avi", ".mkv"]))
def test_random_bytes(data: bytes, suffix: str) -> None:
    _check(*_analyse(data, suffix))


@st.composite
def mutated_sample(draw: st.DrawFn) -> bytes:
    """The sample with bytes overwritten (in the header, the index at the end, or anywhere)."""
    data = bytearray(_SAMPLE["data"])
    n = len(data)
    for _ in range(draw(st.integers(1, 24))):
        region = draw(st.sampled_from(["header", "index", "anywhere"]))
        lo, hi = {"header": (0, min(n, 256)), "index": (max(n - 1024, 0), n), "anywhere": (0, n)}[region]
        data[draw(st.integers(lo, hi - 1))] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, n))]
    return bytes(data)


@FUZZ
@given(data=mutated_sample())
def test_mutated_sample(data: bytes) -> None:
    _check(*_analyse(data))
