"""Helpers for the robustness and fuzz tests: derive small bad inputs from a sample video.

Every input is generated at test time from ``sample_videos/*.mp4`` (or from nothing at all), cut
to a few seconds and scaled down so the real-model runs stay short. ``HIPCAM_ROBUST_SAMPLE`` may
point at another source video while developing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_SCRIPT = Path(sys.executable).with_name("hipcam")
#: The installed console script (what users run), else the module.
HIPCAM = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "hipcam.cli"]
#: Exit codes ``hipcam analyse`` may return (see docs/robustness.md); anything else is a bug.
DOCUMENTED_EXIT_CODES = {0, 1, 2, 3, 4, 5, 6, 7, 70, 130}


def sample_video() -> Path:
    """The source video the bad inputs are derived from (skips the test when there is none)."""
    env = os.environ.get("HIPCAM_ROBUST_SAMPLE")
    if env:
        return Path(env)
    #: a frontal view, 1 s of rest then 1.8 s reps of one leg: a couple of reps in 6 s
    preferred = ["one_leg_smooth.mp4", "both_legs.mp4"]
    videos = [p for p in sorted((REPO / "sample_videos").glob("*.mp4"))
              if p.stat().st_size > 10_000]  # skip placeholders still being rendered
    videos.sort(key=lambda p: (preferred.index(p.name) if p.name in preferred else 99, p.name))
    if not videos:
        pytest.skip("no sample_videos/*.mp4 to derive test inputs from")
    return videos[0]


def need_ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if not exe:
        pytest.skip("ffmpeg is not installed")
    return exe


def ffmpeg(*args: str | Path) -> None:
    """Run ffmpeg quietly; fail the test with its message if it fails."""
    cmd = [need_ffmpeg(), "-nostdin", "-v", "error", "-y", *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if proc.returncode:
        raise AssertionError(f"ffmpeg failed: {' '.join(cmd)}\n{proc.stderr}")


X264 = ("-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "30", "-an")


def make_clip(out: Path, seconds: float, width: int = 320, height: int = 240,
              extra_vf: str | None = None) -> Path:
    """The first ``seconds`` of the sample, scaled to ``width``×``height`` (H.264, GOP 1 s)."""
    vf = f"scale={width}:{height}" + (f",{extra_vf}" if extra_vf else "")
    ffmpeg("-i", sample_video(), "-t", f"{seconds}", "-vf", vf, *X264, out)
    return out


@dataclass
class Run:
    """The outcome of one ``hipcam`` subprocess."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]


def run_hipcam(*args: str | Path, timeout: float = 300, env: dict | None = None) -> Run:
    """Run the real CLI in a subprocess (stderr is not a terminal, so no progress bar)."""
    full_env = dict(os.environ)
    full_env.pop("HIPCAM_DEBUG", None)
    full_env.update(env or {})
    proc = subprocess.run([*HIPCAM, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line(run: Run, code: int, contains: str | None = None) -> str:
    """Exit code as documented, exactly one stderr line (the message), no traceback."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == code, (run.returncode, run.stderr)
    assert len(run.err_lines) == 1, run.stderr
    line = run.err_lines[0]
    assert line.startswith("hipcam analyse: "), line
    if contains:
        assert contains in line, line
    return line


def assert_clean_success(run: Run) -> None:
    """Exit 0 and nothing at all on stderr (warnings belong in the result, not in FFmpeg noise)."""
    assert "Traceback" not in run.stderr, run.stderr
    assert run.returncode == 0, (run.returncode, run.stderr)
    assert run.err_lines == [], run.stderr
