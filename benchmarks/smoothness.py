#!/usr/bin/env python3
"""Smoothness score across tempo × size × jerk level × frame rate × camera (issue 14).

Two parts, both through the real :class:`~hipcam.session.SessionAnalyzer`:

* ``sim`` (default, a minute): angle-level simulation. The true hip angle comes from the same
  generator as the renders (:mod:`hipcam.synth.motion`, :mod:`hipcam.synth.grid`); the pose
  error added to it is *measured*: the real model's angle minus the truth on the rendered sample
  videos (``sample_videos/*.mp4``, poses cached in ``benchmarks/.cache/poses``), after a cubic
  fit that takes out the angle's smooth distortion. Error taken while the source leg rested is
  used where the simulated leg rests; within a rep, the source's motion-locked error (its mean
  over the source's reps, by rep phase, stretched to the simulated rep) plus the jitter left
  around it (kept at its own time scale). 15 fps uses the model run on every other frame
  (stride 2); 60 fps has no measured error and reuses the 30 fps error interpolated (``60*``).
* ``--renders DIR``: videos from ``hipcam synth --grid ... -o DIR``, analysed with the real
  model at 30 fps (stride 1) and 15 fps (stride 2, the model on every other frame); per rep the
  score against the truth's jerk level, and the 15-vs-30 fps difference of the same rep (the
  checks also per camera band: up to 45° aside, beyond). ``--repeatability`` measures the same
  rep twice at 15 fps (even frames, then odd frames: the model runs on a lossless copy without
  the first frame): the floor of any 15-vs-30 fps comparison. ``--plot-renders PNG`` plots every
  rendered rep's score (camera up to 45° aside).

Printed per cell: the mean and worst score of smooth reps, the false-jerky rate (smooth reps
scored < 50), and the mean and best score per jerk level; then the checks of issue 14's
"done when". ``--plot PNG`` writes score against tempo and against size, one line per jerk level.

Usage: ``python benchmarks/smoothness.py [--seeds 3] [--plot docs/smoothness_grid.png]
[--renders DIR ... [--repeatability] [--plot-renders PNG]]``
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SAMPLES, load_note, machine  # noqa: E402
from _poses import cached_poses, replay  # noqa: E402

from hipcam.session import SessionAnalyzer  # noqa: E402
from hipcam.smoothness import JERKY_BELOW, SMOOTH_FROM  # noqa: E402
from hipcam.synth.grid import GridSpec, grid_scenarios  # noqa: E402
from hipcam.synth.motion import plan_motion  # noqa: E402
from hipcam.synth.scenario import Scenario, VideoSpec  # noqa: E402

TEMPOS = (1.0, 2.0, 3.0, 4.0, 6.0)
SIZES = (12.0, 20.0, 30.0, 45.0)
JERKS = (0.0, 0.25, 0.5, 0.75, 1.0)
FPS = (15.0, 30.0, 60.0)
GAIN = 0.9  # the model's 2D angle per degree of true rotation (0.86–0.92 measured on the samples)
XFADE_S = 0.25
MOVE_MARGIN_S = 0.2


# ------------------------------------------------------------------------- measured pose error


@dataclass
class ErrorPools:
    """Pose-angle error (deg) measured at ``fs``: pieces taken at rest, the jitter of reps, each
    source's motion-locked error as a function of rep phase (``PHASES`` points over 0..1), and
    each source's lag (s): the model's reading trails the true angle, an error proportional to
    the angular velocity, so it is re-created from the simulated rep's own velocity (a slow rep
    gets a small lag error) instead of being stretched with the rep phase."""

    fs: float
    rest: list[np.ndarray]
    jitter: list[np.ndarray]
    locked: list[np.ndarray]
    lag_s: list[float]
    #: the jitter's RMS (deg) against the true angular speed (deg/s): the pose model's own
    #: smoothing passes more jitter the faster the leg moves (0.08° at rest, 0.35° above
    #: 20°/s on the samples); ``jitter`` pieces are divided by it, the simulation multiplies back
    env_speed_deg_s: np.ndarray = field(default_factory=lambda: np.zeros(1))
    env_rms_deg: np.ndarray = field(default_factory=lambda: np.ones(1))

    def envelope(self, speed_deg_s: np.ndarray) -> np.ndarray:
        """Jitter RMS (deg) at each of ``speed_deg_s``."""
        return np.interp(np.abs(speed_deg_s), self.env_speed_deg_s, self.env_rms_deg)


PHASES = 200


def _leg_error(name: str, stride: int
               ) -> list[tuple[np.ndarray, list[tuple[float, float]], float, np.ndarray]]:
    """``(error_deg, true rep intervals, lag_s, true speed deg/s)`` per exercising leg of one
    sample video (real model); the lag (the least-squares fit of the error to ``-lag · dθ/dt``)
    is taken out of the error."""
    video = SAMPLES / f"{name}.mp4"
    poses, fps = cached_poses(video, stride)
    an = replay(poses, fps / stride)
    truth = json.loads((SAMPLES / f"{name}.json").read_text())["truth"]
    table = np.genfromtxt(SAMPLES / f"{name}.csv", delimiter=",", names=True)
    out = []
    t = np.asarray(an.t_s)
    for leg, col in (("left", "theta_L"), ("right", "theta_R")):
        if not truth[leg]["reps"]:
            continue
        raw = np.asarray(an.series()[f"{leg}_angle_deg"], float)
        theta = np.interp(t, table["t"], table[col])
        ok = np.isfinite(raw)
        if ok.sum() < 10:
            continue
        raw = np.interp(np.arange(raw.size), np.flatnonzero(ok), raw[ok])
        x = np.c_[theta, theta**2, theta**3, np.ones(theta.size)]
        err = raw - x @ np.linalg.lstsq(x, raw, rcond=None)[0]
        vel = np.gradient(GAIN * theta) * (fps / stride)
        a = np.c_[vel, np.ones(vel.size)]
        k, c = np.linalg.lstsq(a, err, rcond=None)[0]
        err = err - k * vel - c
        out.append((err, [tuple(iv) for iv in truth[leg]["rep_intervals_s"]], float(-k),
                    np.abs(vel)))
    return out


def error_pools(stride: int, sources: list[str] | None = None) -> ErrorPools:
    """Error pools from the rendered sample videos (all with truth, or the named ones).

    Within each true rep the error is split into its lag (re-created from the simulated rep's
    own velocity), its motion-locked part (the mean over the source's reps, as a function of rep
    phase: the model's systematic distortion, which a slower rep stretches in time) and the rest
    (jitter, which keeps its time scale and whose size follows the leg's speed: the pieces are
    stored per unit of the measured speed envelope).
    """
    fs = 30.0 / stride
    rest, jitter, locked, lags = [], [], [], []
    names = sources or [j.stem for j in sorted(SAMPLES.glob("*.json"))
                        if j.with_suffix(".mp4").is_file()]
    margin = MOVE_MARGIN_S
    u = np.linspace(0, 1, PHASES)
    sources_err = []
    for name in names:
        sources_err.extend(_leg_error(name, stride))
    env_v, env_rms = _jitter_envelope(sources_err, fs)
    for err, intervals, lag_s, speed in sources_err:
        lags.append(lag_s)
        env = np.interp(speed, env_v, env_rms)
        t = np.arange(err.size) / fs
        moving = np.zeros(err.size, bool)
        per_rep = []
        for a, b in intervals:
            moving |= (t >= a - margin) & (t <= b + margin)
            sel = (t >= a) & (t <= b)
            if sel.sum() >= 8:
                per_rep.append((t[sel], err[sel], a, b))
        if len(per_rep) >= 3:
            curves = np.array([np.interp(a + u * (b - a), tt, e) for tt, e, a, b in per_rep])
            lock = curves.mean(0)
            locked.append(lock - np.linspace(lock[0], lock[-1], PHASES))
            for tt, e, a, b in per_rep:
                sel = (t >= a) & (t <= b)
                jitter.append((e - np.interp((tt - a) / (b - a), u, lock)) / env[sel])
        edges = np.flatnonzero(np.diff(np.r_[0, (~moving).astype(int), 0]))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            if b - a >= int(1.0 * fs):
                rest.append(err[a:b] - err[a:b].mean())
    return ErrorPools(fs, rest, jitter, locked, lags, env_v, env_rms)


SPEED_BIN_EDGES = (0.0, 1.0, 5.0, 10.0, 20.0, 40.0, 60.0, 200.0)


def _jitter_envelope(legs: list, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """RMS of the error's fast part (minus its 0.3 s moving average) per true-speed bin."""
    k = max(int(0.3 * fs), 1) | 1
    speed = np.concatenate([leg[3] for leg in legs])
    fast = np.concatenate([e - np.convolve(e, np.ones(k) / k, "same") for e, *_ in legs])
    centres, rms = [], []
    for lo, hi in zip(SPEED_BIN_EDGES[:-1], SPEED_BIN_EDGES[1:], strict=True):
        sel = (speed >= lo) & (speed < hi)
        if sel.sum() >= 20:
            centres.append(float(np.median(speed[sel])))
            rms.append(float(fast[sel].std()))
    return np.array(centres), np.array(rms)


def _stream(pieces: list[np.ndarray], n: int, fs: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of error: random pieces, cross-faded over :data:`XFADE_S`."""
    out = np.zeros(n)
    fade = max(int(XFADE_S * fs), 2)
    pos = 0
    while pos < n:
        p = pieces[int(rng.integers(len(pieces)))]
        if rng.random() < 0.5:
            p = p[::-1]
        w = np.ones(p.size)
        k = min(fade, p.size // 2)
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)
        if pos > 0:
            w[:k] = ramp
        w[-k:] = np.minimum(w[-k:], ramp[::-1])
        end = min(pos + p.size, n)
        out[pos:end] += (w * p)[: end - pos]
        pos = end - k if end < n else n
    return out


def simulated_error(pools: ErrorPools, fs: float, n: int, intervals: list[tuple[float, float]],
                    rng: np.random.Generator, measured_deg: np.ndarray | None = None
                    ) -> np.ndarray:
    """Measured error for ``n`` samples at ``fs`` of a leg doing reps over ``intervals`` (s):
    resting error outside them; inside, jitter plus a source's motion-locked error stretched to
    the rep; plus a source's lag applied to ``measured_deg`` (the error-free reading) when given.
    Pools at another rate are interpolated."""
    n_src = int(math.ceil(n * pools.fs / fs)) + 2
    t_src = np.arange(n_src) / pools.fs
    t = np.arange(n) / fs
    rest = np.interp(t, t_src, _stream(pools.rest, n_src, pools.fs, rng))
    jit = np.interp(t, t_src, _stream(pools.jitter, n_src, pools.fs, rng))
    if measured_deg is not None:  # the jitter pieces are per unit of their speed envelope
        jit = jit * pools.envelope(np.gradient(measured_deg) * fs)
    else:
        jit = jit * float(np.max(pools.env_rms_deg))
    move = np.zeros(n)
    locked = np.zeros(n)
    u = np.linspace(0, 1, PHASES)
    for a, b in intervals:
        sel = (t >= a - MOVE_MARGIN_S) & (t <= b + MOVE_MARGIN_S)
        move[sel] = 1.0
        inside = (t >= a) & (t <= b)
        curve = pools.locked[int(rng.integers(len(pools.locked)))]
        locked[inside] = np.interp((t[inside] - a) / (b - a), u, curve)
    k = max(int(XFADE_S * fs), 1)
    m = np.convolve(move, np.ones(k) / k, "same")
    lag = 0.0
    if measured_deg is not None:
        lag = -pools.lag_s[int(rng.integers(len(pools.lag_s)))] * np.gradient(measured_deg) * fs
    return (1 - m) * rest + m * jit + locked + lag


# ---------------------------------------------------------------------------- simulation


@dataclass
class RepOutcome:
    tempo_s: float
    size_deg: float
    jerk: float
    fps: float
    source: str
    score: float  # NaN: not detected or not scorable

    @property
    def jerky(self) -> bool:
        return bool(np.isfinite(self.score) and self.score < JERKY_BELOW)


def analyse_angles(t_s: np.ndarray, angle_deg: np.ndarray, fs: float, leg: str = "right"
                   ) -> SessionAnalyzer:
    """Feed one leg's angle (the other leg unseen, camera in front) to a fresh analyser."""
    an = SessionAnalyzer(fs)
    nan = float("nan")
    for t, a in zip(t_s.tolist(), angle_deg.tolist(), strict=True):
        an.push_angles(t, (nan, a) if leg == "right" else (a, nan))
    an.finish()
    return an


def match(an: SessionAnalyzer, truth: dict, leg: str = "right") -> list[tuple[dict, float]]:
    """``(truth rep, score)`` for every true rep (score NaN when no detected rep peaks in it)."""
    reps = an.reps(leg)
    out = []
    for k, (a, b) in enumerate(truth["rep_intervals_s"]):
        found = [r.smoothness_score for r in reps if a <= r.rep.peak_s <= b]
        info = {"period_s": truth["periods_s"][k], "amplitude_deg": truth["amplitudes_deg"][k],
                "jerk_level": truth["jerk_levels"][k]}
        out.append((info, found[0] if len(found) == 1 else float("nan")))
    return out


def run_sim(seeds: int, sources: list[str] | None = None, seed_base: int = 1000
            ) -> list[RepOutcome]:
    pools = {15.0: error_pools(2, sources), 30.0: error_pools(1, sources)}
    pools[60.0] = pools[30.0]
    spec = GridSpec(TEMPOS, SIZES, JERKS, (0.0,), pairs=False, reps=1)
    out: list[RepOutcome] = []
    for fps in FPS:
        for seed in range(seeds):
            base = Scenario(seed=seed_base + seed, video=VideoSpec(fps=fps))
            for sc in grid_scenarios(spec, base):
                plan = plan_motion(sc)
                theta = plan.theta_deg["right"]
                rng = np.random.default_rng([seed_base + seed, int(fps),
                                             int(100 * sc.legs["right"][1].jerk_level)])
                truth = plan.truth["right"].to_dict()
                err = simulated_error(pools[fps], fps, theta.size,
                                      [tuple(iv) for iv in truth["rep_intervals_s"]], rng,
                                      GAIN * theta)
                an = analyse_angles(plan.t_s, GAIN * theta + err, fps)
                for info, score in match(an, plan.truth["right"].to_dict()):
                    out.append(RepOutcome(info["period_s"], info["amplitude_deg"],
                                          info["jerk_level"], fps,
                                          "60*" if fps == 60 else f"{fps:g}", score))
    return out


# -------------------------------------------------------------------------------- renders

#: The camera band the smoothness checks hold for (and the render plot shows).
MAX_CHECKED_AZIMUTH_DEG = 45.0


@dataclass
class RenderedRep:
    """One true rep of a rendered video scored twice: ``a`` and ``b`` (NaN: not counted)."""

    info: dict
    a: float
    b: float
    video: str
    azimuth_deg: float

    @property
    def label(self) -> str:
        return f"{self.video} az{self.azimuth_deg:g}"


def _videos(folder: Path) -> list[Path]:
    """The finished renders (truth JSON beside them) in ``folder``; an empty or missing folder
    is an error (a check over nothing must not pass)."""
    videos = [v for v in sorted(folder.glob("grid_*.mp4")) if v.with_suffix(".json").is_file()]
    if not videos:
        raise SystemExit(f"smoothness.py: no finished renders (grid_*.mp4 + .json) in {folder}")
    return videos


def _score_twice(video: Path, first: tuple[Path, int], second: tuple[Path, int],
                 odd_second: bool = False) -> list[RenderedRep]:
    """Every true rep of ``video`` scored on two pose runs ``(file, stride)``; with
    ``odd_second`` the second file is :func:`odd_frames_copy` of the video, whose frames are
    re-timed to the original's (frame k of the copy is frame k + 1)."""
    meta = json.loads(video.with_suffix(".json").read_text())
    leg = "right" if meta["truth"]["right"]["reps"] else "left"
    scores = []
    for k, (src, stride) in enumerate((first, second)):
        poses, fps = cached_poses(src, stride)
        if odd_second and k == 1:
            poses = dataclasses.replace(poses, t_s=(np.asarray(poses.frame_index) + 1) / fps)
        scores.append(match(replay(poses, fps / stride), meta["truth"][leg], leg))
    az = float(meta["scenario"]["camera"]["azimuth_deg"])
    return [RenderedRep(info, s1, s2, video.stem, az)
            for (info, s1), (_, s2) in zip(*scores, strict=True)]


def _odd_copy_path(video: Path) -> Path:
    from _poses import CACHE

    st = video.stat()
    key = hashlib.sha1(f"{video.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode()).hexdigest()
    return CACHE / "odd_frames" / f"{video.stem}_{key[:10]}.mkv"


def odd_frames_copy(video: Path) -> Path:
    """A lossless copy of ``video`` without its first frame (cached beside the poses, keyed by
    the file's path, size and time): at stride 2 the model then sees the frames a 15 fps run on
    the original never saw (1, 3, 5, ...)."""
    out = _odd_copy_path(video)
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.stem + ".tmp.mkv")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf",
                        r"select=gte(n\,1)", "-fps_mode", "passthrough", "-c:v", "ffv1",
                        str(tmp)], check=True)
        tmp.replace(out)
    return out


def run_renders(folder: Path, cached_only: bool = False) -> list[RenderedRep]:
    """Every true rep of every render, scored at 30 fps (``a``, stride 1) and 15 fps (``b``,
    stride 2); with ``cached_only``, only videos whose poses are already cached at both."""
    from _poses import _key

    rows: list[RenderedRep] = []
    for video in _videos(folder):
        if cached_only and not all(_key(video, k).is_file() for k in (1, 2)):
            continue
        rows += _score_twice(video, (video, 1), (video, 2))
    return rows


def run_phase(folder: Path, cached_only: bool = False) -> list[RenderedRep]:
    """Every true rep scored at 15 fps twice: on the even frames (``a``) and on the odd frames
    (``b``, the model run again on :func:`odd_frames_copy`) — the same movement measured twice at
    one rate by the same model: how far apart the two fall is the repeatability floor of any
    15-vs-30 fps comparison."""
    from _poses import _key

    rows: list[RenderedRep] = []
    for video in _videos(folder):
        odd = _odd_copy_path(video)
        if cached_only and not (_key(video, 2).is_file() and odd.is_file()
                                and _key(odd, 2).is_file()):
            continue
        rows += _score_twice(video, (video, 2), (odd_frames_copy(video), 2), odd_second=True)
    return rows


# --------------------------------------------------------------------------------- report


def _fmt(x: float) -> str:
    return f"{x:5.1f}" if np.isfinite(x) else "  n/a"


def report_sim(res: list[RepOutcome]) -> bool:
    print("\n== angle-level simulation: true angle + measured pose error, real analyser ==")
    print("per cell (tempo s, size deg, fps): smooth mean/min, false-jerky, then per jerk level "
          "mean/max score")
    cells = defaultdict(list)
    for r in res:
        cells[(r.tempo_s, r.size_deg, r.source)].append(r)
    levels = sorted({r.jerk for r in res if r.jerk > 0})
    head = " ".join(f"j{lv:<4g} mean/max" for lv in levels)
    print(f"{'tempo':>5} {'size':>4} {'fps':>4}  smooth mean/min false-jerky  {head}")
    for key in sorted(cells, key=lambda k: (k[2], k[0], k[1])):
        rs = cells[key]
        sm = np.array([r.score for r in rs if r.jerk == 0])
        fj = np.mean([r.jerky or not np.isfinite(r.score) for r in rs if r.jerk == 0])
        parts = []
        for lv in levels:
            js = np.array([r.score for r in rs if r.jerk == lv])
            parts.append(f"{_fmt(np.nanmean(js))}/{_fmt(np.nanmax(js))}   ")
        print(f"{key[0]:5g} {key[1]:4g} {key[2]:>4}  {_fmt(np.nanmean(sm))}/{_fmt(np.nanmin(sm))}"
              f"      {100 * fj:4.0f}%      " + " ".join(parts))
    for src in sorted({r.source for r in res}, key=lambda x: float(x.rstrip("*"))):
        sm = np.array([r.score for r in res if r.source == src and r.jerk == 0])
        jk = [r for r in res if r.source == src and r.jerk >= 0.5]
        slow = np.array([r.score for r in jk if r.tempo_s >= 2])
        fast = np.array([r.score for r in jk if r.tempo_s < 2])
        print(f"[simulation {src:>3} fps] smooth: {sm.size} reps, mean {np.nanmean(sm):.1f}, "
              f"min {np.nanmin(sm):.1f}, {np.sum(sm < SMOOTH_FROM)} below {SMOOTH_FROM:g}, "
              f"{np.sum(sm < JERKY_BELOW)} flagged jerky | jerk >= 0.5 at 2-6 s/rep: "
              f"{np.sum(slow >= JERKY_BELOW)} of {slow.size} at/above {JERKY_BELOW:g} | at 1 s/rep: "
              f"{np.sum(fast >= JERKY_BELOW)} of {fast.size}")
    return summarize([(r.jerk, r.score) for r in res], "simulation")


def _nanstat(f, a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(f(a)) if a.size else float("nan")


def summarize(pairs: list[tuple[float, float]], what: str) -> bool:
    smooth = np.array([s for j, s in pairs if j == 0], dtype=float)
    jerky = np.array([s for j, s in pairs if j >= 0.5], dtype=float)
    missed = int(np.sum(~np.isfinite(smooth)) + np.sum(~np.isfinite(jerky)))
    ok1 = bool(np.all(smooth[np.isfinite(smooth)] >= SMOOTH_FROM))
    ok2 = bool(np.all(jerky[np.isfinite(jerky)] < JERKY_BELOW))
    print(f"[{what}] smooth reps: {smooth.size}, min {_nanstat(np.min, smooth):.1f}, "
          f"{np.sum(smooth < SMOOTH_FROM)} below {SMOOTH_FROM:g}, "
          f"{np.sum(smooth < JERKY_BELOW)} flagged jerky -> {'PASS' if ok1 else 'FAIL'}")
    print(f"[{what}] reps with jerk level >= 0.5: {jerky.size}, max {_nanstat(np.max, jerky):.1f}, "
          f"{np.sum(jerky >= JERKY_BELOW)} at or above {JERKY_BELOW:g} -> {'PASS' if ok2 else 'FAIL'}")
    if missed:
        print(f"[{what}] {missed} true reps not detected / not scored -> FAIL")
    return ok1 and ok2 and not missed


def report_fps(res: list[RepOutcome]) -> None:
    cell = defaultdict(list)
    for r in res:
        cell[(r.tempo_s, r.size_deg, r.jerk, r.source)].append(r.score)
    diffs = []
    for (tempo, size, jerk, src), v in cell.items():
        if src == "30" and (tempo, size, jerk, "15") in cell:
            diffs.append(abs(np.nanmean(v) - np.nanmean(cell[(tempo, size, jerk, "15")])))
    diffs = np.array(diffs)
    print(f"[simulation] |cell mean at 15 fps - at 30 fps|: median {np.median(diffs):.1f}, "
          f"max {np.max(diffs):.1f} points over {diffs.size} cells "
          f"(different error draws: a rep-by-rep check is in --renders)")


def _bands(rows: list[RenderedRep]) -> list[tuple[str, list[RenderedRep]]]:
    """All rows, then those within :data:`MAX_CHECKED_AZIMUTH_DEG` and beyond (when both exist)."""
    lim = MAX_CHECKED_AZIMUTH_DEG
    near = [r for r in rows if abs(r.azimuth_deg) <= lim]
    far = [r for r in rows if abs(r.azimuth_deg) > lim]
    out = [("", rows)]
    if near and far:
        out += [(f", camera <= {lim:g} deg aside", near), (f", camera > {lim:g} deg aside", far)]
    return out


def _differences(rows: list[RenderedRep], what: str) -> float:
    """Print the |a - b| distribution of the reps scored both times; return its max (NaN: none)."""
    d = np.array([abs(r.a - r.b) for r in rows], dtype=float)
    both = np.isfinite(d)
    once = int(np.sum(np.isfinite([r.a for r in rows]) ^ np.isfinite([r.b for r in rows])))
    d = d[both]
    if not d.size:
        print(f"[{what}] no rep scored both times")
        return float("nan")
    print(f"[{what}] median |diff| {np.median(d):.1f}, max {d.max():.1f} points; {np.sum(d > 5)} "
          f"of {d.size} reps differ by more than 5" + (f" ({once} scored only once)" if once else ""))
    return float(d.max())


def report_renders(rows: list[RenderedRep]) -> bool:
    print("\n== real renders, real model: 30 fps (stride 1) and 15 fps (stride 2) ==")
    print(f"{'video':32s} {'tempo':>5} {'size':>4} {'jerk':>4} {'30fps':>6} {'15fps':>6} {'|d|':>5}")
    for r in rows:
        print(f"{r.label:32s} {r.info['period_s']:5g} {r.info['amplitude_deg']:4g} "
              f"{r.info['jerk_level']:4g} {_fmt(r.a):>6} {_fmt(r.b):>6} {_fmt(abs(r.a - r.b)):>5}")
    ok = True
    for label, part in _bands(rows):
        ok &= summarize([(r.info["jerk_level"], r.a) for r in part], f"renders 30 fps{label}")
        ok &= summarize([(r.info["jerk_level"], r.b) for r in part], f"renders 15 fps{label}")
    for label, part in _bands(rows):
        ok &= _differences(part, f"renders: same rep at 15 vs 30 fps{label}") <= 5
    return ok


def report_phase(rows: list[RenderedRep]) -> None:
    for label, part in _bands(rows):
        _differences(part, f"repeatability: same rep at 15 fps, even vs odd frames{label}")


def plot(res: list[RepOutcome], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    levels = sorted({r.jerk for r in res})
    for lv in levels:
        sel = [r for r in res if r.jerk == lv and r.source == "30"]
        for ax, attr, xs in ((axes[0], "tempo_s", TEMPOS), (axes[1], "size_deg", SIZES)):
            m = [np.nanmean([r.score for r in sel if getattr(r, attr) == x]) for x in xs]
            lo = [np.nanmin([r.score for r in sel if getattr(r, attr) == x]) for x in xs]
            hi = [np.nanmax([r.score for r in sel if getattr(r, attr) == x]) for x in xs]
            c = _jerk_colour(lv)
            ax.plot(xs, m, "o-", color=c, lw=2.2 if lv == 0 else 1.5,
                    label=f"jerk level {lv:g}" if lv else "smooth (jerk 0)")
            if lv in (0, max(levels)):
                ax.fill_between(xs, lo, hi, color=c, alpha=0.10)
    _style_score_axes(axes, "smoothness score (mean; shaded: min..max)")
    axes[1].legend(loc="lower right", fontsize=8)
    fig.suptitle("hipcam smoothness score, 30 fps, true angle + measured pose error "
                 "(benchmarks/smoothness.py)", fontsize=10)
    _save(fig, path)


def plot_renders(rows: list[RenderedRep], path: Path,
                 max_azimuth_deg: float = MAX_CHECKED_AZIMUTH_DEG) -> None:
    """Every rep of the renders filmed within ``max_azimuth_deg`` of the front: score against
    tempo and against size, one colour per jerk level (filled: 30 fps, open: 15 fps), lines
    through the 30 fps means."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sel = [r for r in rows if abs(r.azimuth_deg) <= max_azimuth_deg]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    levels = sorted({r.info["jerk_level"] for r in sel})
    rng = np.random.default_rng(0)
    for lv in levels:
        c = _jerk_colour(lv)
        rs = [r for r in sel if r.info["jerk_level"] == lv]
        for ax, key in ((axes[0], "period_s"), (axes[1], "amplitude_deg")):
            x = np.array([r.info[key] for r in rs], float)
            dx = rng.uniform(-0.02, 0.02, x.size) * (x.max() - x.min() + 1.0)
            s30 = np.array([r.a for r in rs], float)
            s15 = np.array([r.b for r in rs], float)
            ax.scatter(x + dx, s30, color=c, s=16, zorder=3)
            ax.scatter(x - dx, s15, facecolors="none", edgecolors=c, s=16, zorder=3)
            xs = np.unique(x)
            ax.plot(xs, [np.nanmean(s30[x == v]) for v in xs], "-", color=c,
                    lw=2.2 if lv == 0 else 1.4,
                    label=f"jerk level {lv:g}" if lv else "smooth (jerk 0)")
    _style_score_axes(axes, "smoothness score of each rep")
    axes[1].legend(loc="center right", fontsize=8)
    fig.suptitle(f"hipcam smoothness, real model on {len({r.video for r in sel})} rendered videos, "
                 f"camera 0-{max_azimuth_deg:g}° aside: filled 30 fps, open 15 fps, lines 30 fps "
                 "means", fontsize=9.5)
    _save(fig, path)


def _jerk_colour(level: float):
    import matplotlib.pyplot as plt

    return "#2CA02C" if level == 0 else plt.get_cmap("plasma")(0.85 * level - 0.1)


def _style_score_axes(axes, ylabel: str) -> None:
    for ax, xl in ((axes[0], "tempo (s per rep)"), (axes[1], "size (deg)")):
        ax.axhline(SMOOTH_FROM, color="green", lw=0.8, ls="--")
        ax.axhline(JERKY_BELOW, color="red", lw=0.8, ls="--")
        ax.set_xlabel(xl)
        ax.set_ylim(-4, 104)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(ylabel)


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"plot: {path}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3, help="simulated sessions per cell and rate")
    ap.add_argument("--plot", type=Path, help="write the score plot here (PNG)")
    ap.add_argument("--renders", type=Path, nargs="*", default=[],
                    help="folders of 'hipcam synth --grid' videos to analyse with the model")
    ap.add_argument("--seed-base", type=int, default=1000,
                    help="first seed of the simulated sessions (motion and error draws)")
    ap.add_argument("--no-sim", action="store_true", help="only the renders")
    ap.add_argument("--cached-only", action="store_true",
                    help="only renders whose poses are already cached (no model runs)")
    ap.add_argument("--plot-renders", type=Path,
                    help="write a plot of every rendered rep's score (camera up to "
                    f"{MAX_CHECKED_AZIMUTH_DEG:g}° aside)")
    ap.add_argument("--repeatability", action="store_true",
                    help="with --renders: also score each rep at 15 fps on the odd frames "
                    "(the model runs again) - the floor of the 15-vs-30 fps comparison")
    ap.add_argument("--sources", nargs="*",
                    help="sample videos whose measured pose error the simulation uses (default all)")
    args = ap.parse_args()
    if (args.plot_renders or args.repeatability) and not args.renders:
        ap.error("--plot-renders and --repeatability need --renders DIR")
    print(machine())
    print(load_note())
    ok = True
    if not args.no_sim:
        res = run_sim(args.seeds, args.sources, args.seed_base)
        ok &= report_sim(res)
        report_fps(res)
        if args.plot:
            plot(res, args.plot)
    all_rows = []
    for folder in args.renders:
        rows = run_renders(folder, args.cached_only)
        all_rows += rows
        ok &= report_renders(rows)
        if args.repeatability:
            report_phase(run_phase(folder, args.cached_only))
    if args.plot_renders and all_rows:
        plot_renders(all_rows, args.plot_renders)
    print("ALL CHECKS PASS" if ok else "SOME CHECKS FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
