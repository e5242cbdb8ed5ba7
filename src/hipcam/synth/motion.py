"""Leg schedules -> per-frame hip external-rotation angles and the ground truth (pure numpy).

The angle ``theta`` (degrees) is the true hip external rotation of one leg: the flexed thigh
rotates about its own hip->knee axis and the hanging shin swings; positive = the foot moves
toward the other leg. A rep is one out-and-back movement from 0 to its peak and back to 0.

Everything here is deterministic for a seed and imports nothing heavier than numpy, so the
analysis code and fast tests can use it without the ``synth`` extra::

    from hipcam.synth.motion import plan_motion
    plan = plan_motion(scenario)          # MotionPlan
    plan.theta_deg["left"]                # (n_frames,) degrees
    plan.truth["left"].to_dict()          # reps, sets, intervals, jerky flags...
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hipcam.synth.scenario import (
    LEGS,
    MAX_FIDGET_AMPLITUDE_DEG,
    SET_BREAK_GAP_S,
    FidgetSegment,
    LookalikeSegment,
    RepsSegment,
    RestSegment,
    Scenario,
    Segment,
    schedule_duration_s,
)

# ------------------------------------------------------------------------------ profiles


def minimum_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 10s^3 - 15s^4 + 6s^5 on s in [0, 1] (clipped)."""
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10.0 - 15.0 * s + 6.0 * s**2)


def smooth_rep_profile(u: np.ndarray, shape: str = "minjerk", hold_frac: float = 0.0) -> np.ndarray:
    """Normalised smooth out-and-back profile (0 -> 1 -> 0) over rep phase ``u`` in [0, 1].

    ``shape`` ``minjerk``: a minimum-jerk movement out and another back; ``cosine``: a raised
    cosine. ``hold_frac`` is the fraction of the rep spent holding the peak in the middle.
    """
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    move = (1.0 - hold_frac) / 2.0
    out = np.ones_like(u)
    up = u < move
    down = u > 1.0 - move
    if shape == "cosine":
        out[up] = 0.5 - 0.5 * np.cos(np.pi * u[up] / move)
        out[down] = 0.5 - 0.5 * np.cos(np.pi * (1.0 - u[down]) / move)
    else:
        out[up] = minimum_jerk(u[up] / move)
        out[down] = minimum_jerk((1.0 - u[down]) / move)
    return out


@dataclass(frozen=True)
class JerkyPlan:
    """Random parameters of one jerky rep (stop-and-go submovements plus tremor)."""

    #: knots of the out phase (normalised time, normalised position), start (0,0) end (t_peak,1)
    out_knots: list[tuple[float, float, float]]
    back_knots: list[tuple[float, float, float]]
    tremor_deg: float
    tremor_hz: float
    tremor_phase: float


def _phase_submovements(rng: np.random.Generator, n_sub: int, dwell_frac: float,
                        t0: float, t1: float, p0: float, p1: float
                        ) -> list[tuple[float, float, float]]:
    """Split a movement p0->p1 over [t0, t1] into ``n_sub`` minimum-jerk submovements
    separated by pauses; returns (start_t, end_t, end_p) per submovement."""
    steps = rng.uniform(0.5, 1.5, n_sub)
    steps /= steps.sum()
    span = t1 - t0
    dwell_total = dwell_frac * span if n_sub > 1 else 0.0
    dwells = rng.uniform(0.5, 1.5, max(n_sub - 1, 0))
    if dwells.size:
        dwells *= dwell_total / dwells.sum()
    move_w = np.sqrt(steps) * rng.uniform(0.8, 1.25, n_sub)  # bigger steps take longer
    move_d = move_w / move_w.sum() * (span - dwell_total)
    knots: list[tuple[float, float, float]] = []
    t, p = t0, p0
    for k in range(n_sub):
        te = t + move_d[k]
        pe = p + steps[k] * (p1 - p0)
        if k == n_sub - 1:
            te, pe = t1, p1
        knots.append((t, te, pe))
        t = te + (dwells[k] if k < n_sub - 1 else 0.0)
        p = pe
    return knots


def make_jerky_plan(rng: np.random.Generator, jerk_level: float, hold_frac: float = 0.0
                    ) -> JerkyPlan:
    """Draw a jerky rep: 1 + round(3 * jerk_level) submovements per direction, pauses taking
    up to 40% of each direction, and a 5-9 Hz tremor of up to ~1 deg."""
    n_sub = 1 + int(round(3.0 * jerk_level))
    dwell = 0.4 * jerk_level
    move = (1.0 - hold_frac) / 2.0
    out_knots = _phase_submovements(rng, n_sub, dwell, 0.0, move, 0.0, 1.0)
    back_knots = _phase_submovements(rng, n_sub, dwell, 1.0 - move, 1.0, 1.0, 0.0)
    return JerkyPlan(
        out_knots=out_knots,
        back_knots=back_knots,
        tremor_deg=1.0 * jerk_level,
        tremor_hz=float(rng.uniform(5.0, 9.0)),
        tremor_phase=float(rng.uniform(0.0, 2 * np.pi)),
    )


def _eval_knots(u: np.ndarray, knots: list[tuple[float, float, float]], p_start: float
                ) -> np.ndarray:
    out = np.full_like(u, p_start)
    p = p_start
    for ts, te, pe in knots:
        seg = minimum_jerk((u - ts) / max(te - ts, 1e-9))
        sel = u >= ts
        out[sel] = p + (pe - p) * seg[sel]
        p = pe
    return out


def jerky_rep_profile(u: np.ndarray, plan: JerkyPlan, amplitude_deg: float, period_s: float
                      ) -> np.ndarray:
    """Angle (deg) of a jerky rep at phase ``u`` in [0, 1] of a rep lasting ``period_s``."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    peak_u = plan.out_knots[-1][1]
    back_u = plan.back_knots[0][0]
    pos = np.ones_like(u)
    up = u <= peak_u
    down = u >= back_u
    pos[up] = _eval_knots(u[up], plan.out_knots, 0.0)
    pos[down] = _eval_knots(u[down], plan.back_knots, 1.0)
    window = np.sin(np.pi * u) ** 2  # tremor fades in and out: 0 at the rep's ends
    tremor = plan.tremor_deg * window * np.sin(
        2 * np.pi * plan.tremor_hz * u * period_s + plan.tremor_phase
    )
    return amplitude_deg * pos + tremor


# ------------------------------------------------------------------------------- truth


@dataclass(frozen=True)
class RepEvent:
    """One scheduled rep of one leg."""

    start_s: float
    end_s: float
    peak_s: float
    amplitude_deg: float
    period_s: float
    jerky: bool
    jerk_level: float


@dataclass
class LegTruth:
    """Ground truth of one leg, as written to the truth JSON."""

    reps: list[RepEvent] = field(default_factory=list)
    fidget_intervals_s: list[tuple[float, float]] = field(default_factory=list)
    #: look-alike movements (never reps): (start_s, end_s, kind)
    lookalike_intervals_s: list[tuple[float, float, str]] = field(default_factory=list)
    set_gap_s: float = SET_BREAK_GAP_S

    @property
    def sets(self) -> list[list[int]]:
        """Rep indices grouped into sets (a gap >= ``set_gap_s`` starts a new set)."""
        return group_sets([(r.start_s, r.end_s) for r in self.reps], self.set_gap_s)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (see docs/synth.md for the fields)."""
        sets = self.sets
        return {
            "reps": len(self.reps),
            "longest_continuous_set": max((len(s) for s in sets), default=0),
            "sets": [
                {"start_s": _r(self.reps[s[0]].start_s), "end_s": _r(self.reps[s[-1]].end_s),
                 "reps": len(s)}
                for s in sets
            ],
            "rep_intervals_s": [[_r(r.start_s), _r(r.end_s)] for r in self.reps],
            "peak_times_s": [_r(r.peak_s) for r in self.reps],
            "amplitudes_deg": [_r(r.amplitude_deg) for r in self.reps],
            "periods_s": [_r(r.period_s) for r in self.reps],
            "jerky_reps": [i for i, r in enumerate(self.reps) if r.jerky],
            "jerk_levels": [_r(r.jerk_level) for r in self.reps],
            "fidget_intervals_s": [[_r(a), _r(b)] for a, b in self.fidget_intervals_s],
            "lookalike_intervals_s": [[_r(a), _r(b), k] for a, b, k in self.lookalike_intervals_s],
            "lookalike_s": _r(sum(b - a for a, b, _ in self.lookalike_intervals_s)),
        }


def _r(x: float) -> float:
    return round(float(x), 4)


def group_sets(intervals_s: list[tuple[float, float]], gap_s: float = SET_BREAK_GAP_S
               ) -> list[list[int]]:
    """Group rep intervals (sorted by start) into sets: consecutive reps whose rest gap
    (next start - previous end) is below ``gap_s`` are in the same set."""
    order = sorted(range(len(intervals_s)), key=lambda i: intervals_s[i][0])
    sets: list[list[int]] = []
    prev_end = -math.inf
    for i in order:
        start, end = intervals_s[i]
        if sets and start - prev_end < gap_s:
            sets[-1].append(i)
        else:
            sets.append([i])
        prev_end = end
    return sets


# -------------------------------------------------------------------------- trajectories


@dataclass
class LegMotion:
    """Per-frame angles of one leg plus its truth.

    ``theta_deg`` is the hip rotation (positive = external: the foot toward the other leg),
    ``knee_ext_deg`` the knee extension from 90 deg of flexion (the foot forward and up) and
    ``abduction_deg`` the thigh's swing outward about the vertical through the hip and
    ``stand_deg`` the thighs' turn down from level as the person stands up (both legs).
    """

    theta_deg: np.ndarray
    truth: LegTruth
    knee_ext_deg: np.ndarray | None = None
    abduction_deg: np.ndarray | None = None
    stand_deg: np.ndarray | None = None


def _draw(rng: np.random.Generator, r: tuple[float, float]) -> float:
    return float(r[0]) if r[0] == r[1] else float(rng.uniform(r[0], r[1]))


def _fidget(rng: np.random.Generator, t_local: np.ndarray, duration_s: float,
            amplitude_deg: float) -> np.ndarray:
    """Small bumps of random sign and size (each 0.4-1.2 s long), |angle| <= amplitude_deg."""
    out = np.zeros_like(t_local)
    t = float(rng.uniform(0.0, 0.4))
    while t < duration_s:
        width = float(rng.uniform(0.4, 1.2))
        width = min(width, duration_s - t)
        if width < 0.2:
            break
        amp = amplitude_deg * float(rng.uniform(0.3, 1.0)) * float(rng.choice([-1.0, 1.0]))
        sel = (t_local >= t) & (t_local <= t + width)
        out[sel] += amp * (0.5 - 0.5 * np.cos(2 * np.pi * (t_local[sel] - t) / width))
        t += width + float(rng.uniform(0.1, 0.8))
    return np.clip(out, -amplitude_deg, amplitude_deg)


def leg_trajectory(segments: list[Segment], t_s: np.ndarray, seed: int | list[int]
                   ) -> LegMotion:
    """Evaluate a leg's schedule at times ``t_s`` (seconds from the video start).

    Schedules start at t = 0; after the last segment the leg rests. Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    theta = np.zeros_like(t_s, dtype=float)
    knee_ext = np.zeros_like(t_s, dtype=float)
    abduction = np.zeros_like(t_s, dtype=float)
    stand = np.zeros_like(t_s, dtype=float)
    truth = LegTruth()
    t0 = 0.0
    for seg in segments:
        if isinstance(seg, RestSegment):
            t0 += seg.duration_s
        elif isinstance(seg, FidgetSegment):
            sel = (t_s >= t0) & (t_s < t0 + seg.duration_s)
            amp = min(seg.amplitude_deg, MAX_FIDGET_AMPLITUDE_DEG * 0.999)
            fid_rng = np.random.default_rng(rng.integers(2**63))
            theta[sel] += _fidget(fid_rng, t_s[sel] - t0, seg.duration_s, amp)
            if seg.duration_s > 0:
                truth.fidget_intervals_s.append((t0, t0 + seg.duration_s))
            t0 += seg.duration_s
        elif isinstance(seg, RepsSegment):
            for k in range(seg.count):
                if k > 0:
                    t0 += _draw(rng, seg.gap_s)
                period = _draw(rng, seg.period_s) + seg.hold_s
                amp = _draw(rng, seg.amplitude_deg)
                hold_frac = seg.hold_s / period
                sel = (t_s >= t0) & (t_s < t0 + period)
                u = (t_s[sel] - t0) / period
                jerky = seg.profile == "jerky"
                if jerky:
                    plan = make_jerky_plan(rng, seg.jerk_level, hold_frac)
                    theta[sel] += jerky_rep_profile(u, plan, amp, period)
                    peak_u = plan.out_knots[-1][1]
                else:
                    theta[sel] += amp * smooth_rep_profile(u, seg.shape, hold_frac)
                    peak_u = 0.5 * (1.0 - hold_frac)
                truth.reps.append(RepEvent(
                    start_s=t0, end_s=t0 + period, peak_s=t0 + peak_u * period,
                    amplitude_deg=amp, period_s=period, jerky=jerky,
                    jerk_level=seg.jerk_level if jerky else 0.0,
                ))
                t0 += period
        elif isinstance(seg, LookalikeSegment):
            channel = {"knee_extension": knee_ext, "abduction": abduction,
                       "stand_up": stand}.get(seg.kind, theta)
            sign = -1.0 if seg.kind == "internal_rotation" else 1.0
            for k in range(seg.count):
                if k > 0:
                    t0 += _draw(rng, seg.gap_s)
                period = _draw(rng, seg.period_s) + seg.hold_s
                amp = _draw(rng, seg.amplitude_deg)
                sel = (t_s >= t0) & (t_s < t0 + period)
                u = (t_s[sel] - t0) / period
                channel[sel] += sign * amp * smooth_rep_profile(u, "minjerk", seg.hold_s / period)
                truth.lookalike_intervals_s.append((t0, t0 + period, seg.kind))
                t0 += period
        else:  # pragma: no cover - guarded by the scenario parser
            raise TypeError(f"unknown segment {seg!r}")
    return LegMotion(theta_deg=theta, truth=truth, knee_ext_deg=knee_ext, abduction_deg=abduction,
                     stand_deg=stand)


#: Idle sway channels (degrees): trunk lean forward(+)/back, trunk lean to the person's
#: left(+)/right, head turn to the person's left(+)/right.
SWAY_CHANNELS = ("trunk_pitch", "trunk_roll", "head_yaw")


def idle_sway(t_s: np.ndarray, peak_deg: float, seed: int | list[int]) -> dict[str, np.ndarray]:
    """Slow, smooth idle sway per channel: three 0.05-0.4 Hz sines with random phases,
    scaled so each channel's peak is about ``peak_deg`` (all zeros when it is 0)."""
    rng = np.random.default_rng(seed)
    out: dict[str, np.ndarray] = {}
    for name in SWAY_CHANNELS:
        freqs = rng.uniform(0.05, 0.4, 3)
        phases = rng.uniform(0, 2 * np.pi, 3)
        weights = rng.uniform(0.5, 1.0, 3)
        sig = (weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * t_s + phases[:, None])).sum(0)
        scale = 2.0 if name == "head_yaw" else 1.0
        out[name] = peak_deg * scale * sig / weights.sum()
    return out


@dataclass
class MotionPlan:
    """Per-frame angles of both legs and their truth for a whole video."""

    fps: float
    t_s: np.ndarray
    theta_deg: dict[str, np.ndarray]
    truth: dict[str, LegTruth]
    #: idle trunk/head sway per channel (degrees), see SWAY_CHANNELS
    sway_deg: dict[str, np.ndarray] = field(default_factory=dict)
    #: per leg: knee extension from 90 deg and thigh abduction (degrees), see LegMotion
    knee_ext_deg: dict[str, np.ndarray] = field(default_factory=dict)
    abduction_deg: dict[str, np.ndarray] = field(default_factory=dict)
    #: standing up (the thighs' turn down from level, degrees): one channel for the whole body
    stand_deg: np.ndarray | None = None

    @property
    def n_frames(self) -> int:
        """Number of frames."""
        return int(self.t_s.size)

    @property
    def duration_s(self) -> float:
        """Video length in seconds (n_frames / fps)."""
        return self.n_frames / self.fps


def video_duration_s(scenario: Scenario) -> float:
    """Length of the video: the longest leg schedule (with ranges at their maximum), or
    ``scenario.duration_s`` if longer."""
    total = max(schedule_duration_s(scenario.legs.get(leg, [])) for leg in LEGS)
    if scenario.duration_s is not None:
        total = max(total, scenario.duration_s)
    return total


def plan_motion(scenario: Scenario, n_frames: int | None = None) -> MotionPlan:
    """Per-frame angles and truth for ``scenario`` (frame i is at t = i / fps).

    ``n_frames`` overrides the length (e.g. a short test render).
    """
    fps = scenario.video.fps
    if n_frames is None:
        n_frames = max(1, int(math.ceil(video_duration_s(scenario) * fps - 1e-9)))
    t_s = np.arange(n_frames, dtype=float) / fps
    theta: dict[str, np.ndarray] = {}
    truth: dict[str, LegTruth] = {}
    knee_ext: dict[str, np.ndarray] = {}
    abduction: dict[str, np.ndarray] = {}
    stand = np.zeros_like(t_s)
    for i, leg in enumerate(LEGS):
        m = leg_trajectory(scenario.legs.get(leg, []), t_s, [scenario.seed, i])
        theta[leg] = m.theta_deg
        truth[leg] = m.truth
        knee_ext[leg] = m.knee_ext_deg if m.knee_ext_deg is not None else np.zeros_like(t_s)
        abduction[leg] = m.abduction_deg if m.abduction_deg is not None else np.zeros_like(t_s)
        if m.stand_deg is not None:  # whichever leg's schedule holds it, the person stands
            stand = np.maximum(stand, m.stand_deg)
    sway = idle_sway(t_s, scenario.body.sway_deg, [scenario.seed, 5])
    return MotionPlan(fps=fps, t_s=t_s, theta_deg=theta, truth=truth, sway_deg=sway,
                      knee_ext_deg=knee_ext, abduction_deg=abduction,
                      stand_deg=stand if np.any(stand) else None)
