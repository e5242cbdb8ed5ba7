"""Shared helpers for the benchmarks: test videos made by looping a rendered sample, machine info."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
SAMPLES = ROOT / "sample_videos"
DEFAULT_SOURCE = SAMPLES / "one_leg_smooth.mp4"


def load_note() -> str:
    """A warning line when the machine is busy with other work (1-minute load ≥ half the cores)."""
    load1 = os.getloadavg()[0]
    cores = os.cpu_count() or 1
    if load1 >= 0.5 * cores:
        return (f"note: load average {load1:.1f} on {cores} cores before starting: other work is "
                "running, wall times are noisy (CPU times less so)")
    return f"load average {load1:.1f} on {cores} cores before starting: machine quiet"


def sample_videos() -> list[Path]:
    """The rendered sample videos that exist (placeholders under 1 kB are skipped)."""
    return sorted(p for p in SAMPLES.glob("*.mp4") if p.stat().st_size > 1000)


def looped_video(minutes: float, source: Path = DEFAULT_SOURCE) -> Path:
    """``source`` repeated to last ``minutes`` (stream copy with ffmpeg, cached in .cache/)."""
    import cv2

    cap = cv2.VideoCapture(str(source))
    n, fps = cap.get(cv2.CAP_PROP_FRAME_COUNT), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    if not n or not fps:
        raise SystemExit(f"cannot read {source}")
    src_s = n / fps
    loops = max(int(round(minutes * 60.0 / src_s)), 1)
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{source.stem}_x{loops}.mp4"
    if out.is_file() and out.stat().st_size > 0:
        return out
    tmp = out.with_suffix(".tmp.mp4")
    if shutil.which("ffmpeg"):
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops - 1), "-i", str(source),
                        "-c", "copy", str(tmp)], check=True)
    else:  # re-encode with OpenCV
        w = None
        for _ in range(loops):
            cap = cv2.VideoCapture(str(source))
            while True:
                ok, f = cap.read()
                if not ok:
                    break
                if w is None:
                    w = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                        (f.shape[1], f.shape[0]))
                w.write(f)
            cap.release()
        if w is not None:
            w.release()
    os.replace(tmp, out)
    return out


def video_seconds(path: Path) -> float:
    import cv2

    cap = cv2.VideoCapture(str(path))
    n, fps = cap.get(cv2.CAP_PROP_FRAME_COUNT), cap.get(cv2.CAP_PROP_FPS)
    cap.release()
    return n / fps if fps else 0.0


def machine() -> str:
    """Date, cores and CPU model (as in the docs' figures)."""
    model = platform.processor() or ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{time.strftime('%Y-%m-%d %H:%M %Z')}; nproc {os.cpu_count()}; CPU {model}; "
            f"load average {load}")


def run_timed(cmd: list[str], env: dict | None = None) -> tuple[float, float, int]:
    """Run ``cmd``; return (wall s, CPU s of the process and its children, peak RSS kB)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def render_cached(name: str, scenario: dict, cache_dir: Path) -> Path:
    """``cache_dir/NAME.mp4`` rendered from a synth scenario dict, reused while the scenario is unchanged.

    Keys starting with ``_`` are the benchmark's own annotations and are not passed to the renderer.
    """
    import json
    import sys

    from hipcam.synth.render import render_scenario
    from hipcam.synth.scenario import scenario_from_dict

    out = cache_dir / f"{name}.mp4"
    stamp = cache_dir / f"{name}.scenario.json"
    spec = {k: v for k, v in scenario.items() if not k.startswith("_")}
    if out.exists() and out.with_suffix(".json").exists() and stamp.exists() \
            and json.loads(stamp.read_text()) == spec:
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    render_scenario(scenario_from_dict(spec), out, progress=False)
    stamp.write_text(json.dumps(spec))
    print(f"  rendered {name} in {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
    return out
