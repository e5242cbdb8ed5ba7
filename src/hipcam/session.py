"""Streaming analysis of a session: pose samples in, per-leg reps, sets and smoothness out.

:class:`SessionAnalyzer` is fed one frame's pose at a time (``push``) and emits an event for every
finished rep, so ``hipcam live`` and ``hipcam analyse`` share every line of the signal path;
``analyse`` feeds a whole video and then asks for :meth:`SessionAnalyzer.leg_result`.

Per frame and leg: the signed 2D shin angle (corrected for camera yaw) or, when the camera looks
from further than 50° to the side, the 3D shin rotation (see :mod:`hipcam.angles`); legs whose
knee or ankle visibility is below :data:`MIN_VISIBILITY` count as missing. Then: uniform
resampling with short-gap bridging, a 3 Hz causal low-pass, the rolling rest angle, and the rep
detector (:mod:`hipcam.filtering`, :mod:`hipcam.reps`). When a rep ends, and 0.3 s more signal
is in, its smoothness is scored from its raw angle, with the pose-noise floor measured on the
leg's resting stretches and the frames' own rate (:mod:`hipcam.rep_smoothness`).
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from hipcam import angles, pose
from hipcam.filtering import (
    DETECT_CUTOFF_HZ,
    MAX_GAP_S,
    CausalLowpass,
    RollingBaseline,
    SortedWindow,
    UniformResampler,
)
from hipcam.rep_smoothness import (
    SMOOTH_PAD_S,
    analysis_band,
    leg_noise_floor,
    score_rep,
    stroke_duration_s,
)
from hipcam.reps import DEFAULT_PAUSE_BREAK_S, Rep, RepDetector, RepSet, group_sets, longest_set
from hipcam.smoothness import JERKY_BELOW, mean_score

LEGS = ("left", "right")
MIN_VISIBILITY = 0.5
YAW_WINDOW_S = 5.0
_LEG_IDX = {
    "left": (pose.L_HIP, pose.L_KNEE, pose.L_ANKLE, pose.R_KNEE),
    "right": (pose.R_HIP, pose.R_KNEE, pose.R_ANKLE, pose.L_KNEE),
}
# resampled channels: 2D signed angle L, R; 3D angle L, R; camera yaw
_CH_2D = {"left": 0, "right": 1}
_CH_3D = {"left": 2, "right": 3}
_CH_YAW = 4
_N_CH = 5
#: Frame intervals kept to measure the frames' own rate (a running median).
FRAME_RATE_WINDOW = 301


@dataclass(frozen=True)
class RepResult:
    """A rep with its smoothness figures."""

    rep: Rep
    sparc_out: float
    sparc_back: float
    ldlj_out: float
    ldlj_back: float
    smoothness_score: float

    @property
    def jerky(self) -> bool:
        return bool(np.isfinite(self.smoothness_score) and self.smoothness_score < JERKY_BELOW)

    @property
    def sparc(self) -> float:
        return float(np.nanmean([self.sparc_out, self.sparc_back]))

    @property
    def ldlj(self) -> float:
        return float(np.nanmean([self.ldlj_out, self.ldlj_back]))

    def to_dict(self) -> dict:
        r = self.rep
        return {
            "start_s": round(r.start_s, 3), "peak_s": round(r.peak_s, 3), "end_s": round(r.end_s, 3),
            "duration_s": round(r.end_s - r.start_s, 3), "rom_deg": round(r.peak_deg, 2),
            "sparc": _r(self.sparc), "ldlj": _r(self.ldlj),
            "sparc_out": _r(self.sparc_out), "sparc_back": _r(self.sparc_back),
            "ldlj_out": _r(self.ldlj_out), "ldlj_back": _r(self.ldlj_back),
            "smoothness_score": _r(self.smoothness_score, 1), "jerky": self.jerky,
        }


def _r(x: float, nd: int = 4) -> float | None:
    return round(float(x), nd) if x is not None and math.isfinite(x) else None


@dataclass
class LegResult:
    """Everything hipcam found for one leg."""

    reps: list[RepResult]
    sets: list[RepSet]
    method: str  # "2d" or "3d": which angle estimate drove the detector
    gaps: list[tuple[float, float]] = field(default_factory=list)

    @property
    def longest_continuous_set(self) -> int:
        return longest_set(self.sets)

    @property
    def smoothness_score(self) -> float:
        return mean_score([r.smoothness_score for r in self.reps])

    @property
    def jerky_reps(self) -> int:
        return sum(r.jerky for r in self.reps)

    @property
    def mean_rom_deg(self) -> float:
        return float(np.mean([r.rep.peak_deg for r in self.reps])) if self.reps else float("nan")

    def to_dict(self) -> dict:
        sets = []
        for s in self.sets:
            scores = [r.smoothness_score for r in self.reps[s.first_rep : s.first_rep + s.reps]]
            sets.append({"start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3),
                         "reps": s.reps, "smoothness_score": _r(mean_score(scores), 1)})
        return {
            "reps": len(self.reps),
            "longest_continuous_set": self.longest_continuous_set,
            "sets": sets,
            "smoothness_score": _r(self.smoothness_score, 1),
            "jerky_reps": self.jerky_reps,
            "mean_rom_deg": _r(self.mean_rom_deg, 2),
            "angle_method": self.method,
            "gaps": [{"start_s": round(a, 3), "end_s": round(b, 3)} for a, b in self.gaps],
            "reps_detail": [r.to_dict() for r in self.reps],
        }


@dataclass(frozen=True)
class RepEvent:
    """Emitted by :meth:`SessionAnalyzer.push` when a leg finishes a rep."""

    leg: str
    result: RepResult
    count: int  # reps of this leg so far
    current_set: int  # reps in the leg's current continuous set


def frame_angles(sample: pose.PoseSample | None) -> np.ndarray:
    """Raw per-frame channels: signed 2D angle L/R, 3D angle L/R (deg), camera yaw (deg)."""
    return np.array(_frame_angles_list(sample))


def _frame_angles_list(sample: pose.PoseSample | None) -> list[float]:
    """:func:`frame_angles` as a list of floats: the per-frame hot path, without tiny numpy ops.

    Same formulas as :mod:`hipcam.angles` (its ``*_scalar`` variants), values in float64.
    """
    out = [math.nan] * _N_CH
    if sample is None:
        return out
    xy = sample.image_xy_px.tolist()
    vis = sample.visibility.tolist()
    world = sample.world_xyz_m.tolist()
    for leg, (hip, knee, ankle, other_knee) in _LEG_IDX.items():
        if min(vis[knee], vis[ankle]) < MIN_VISIBILITY:
            continue
        (ku, kv), (au, av) = xy[knee], xy[ankle]
        a2 = math.degrees(math.atan2(au - ku, av - kv))
        out[_CH_2D[leg]] = a2 if xy[other_knee][0] >= ku else -a2
        out[_CH_3D[leg]] = angles.shin_rotation_3d_deg_scalar(
            world[hip], world[knee], world[ankle], world[other_knee])
    (lx, _, lz), (rx, _, rz) = world[pose.L_HIP], world[pose.R_HIP]
    out[_CH_YAW] = math.degrees(math.atan2(abs(lz - rz), abs(lx - rx)))
    return out


class _LegStream:
    def __init__(self, fs_hz: float) -> None:
        self.lowpass = CausalLowpass(DETECT_CUTOFF_HZ, fs_hz)
        self.baseline = RollingBaseline(fs_hz)
        self.detector = RepDetector()
        # float64 arrays rather than lists of float objects: 8 bytes a sample instead of ~32
        self.raw = array("d")
        self.filtered = array("d")
        self.rest = array("d")
        self.methods: list[str] = []
        self.reps: list[RepResult] = []
        self.pending: list[Rep] = []  # detected, waiting for the post-rep pad to be scored


class SessionAnalyzer:
    """Feed pose samples frame by frame; get rep events and, at the end, the whole result.

    Parameters
    ----------
    fs_hz : the analysis rate (the video's frame rate divided by the stride).
    pause_break_s : a rest at least this long ends a continuous set.
    """

    def __init__(self, fs_hz: float, pause_break_s: float = DEFAULT_PAUSE_BREAK_S) -> None:
        self.fs_hz = float(fs_hz)
        self.pause_break_s = pause_break_s
        self._pad = int(round(SMOOTH_PAD_S * self.fs_hz))
        self._resampler = UniformResampler(self.fs_hz, _N_CH, MAX_GAP_S)
        self._legs = {leg: _LegStream(self.fs_hz) for leg in LEGS}
        self._yaw = SortedWindow(max(int(YAW_WINDOW_S * self.fs_hz), 1))
        self.t_s = array("d")
        self.raw_2d: dict[str, array] = {leg: array("d") for leg in LEGS}
        self.raw_3d: dict[str, array] = {leg: array("d") for leg in LEGS}
        self.yaw_deg = array("d")
        self._frame_dt = SortedWindow(FRAME_RATE_WINDOW)
        self._last_frame_t: float | None = None

    @property
    def frame_rate_hz(self) -> float | None:
        """The rate the frames really arrive at: 1 / the median interval of their timestamps
        (None before two frames). Smoothness uses the lower of this and :attr:`fs_hz`."""
        return 1.0 / self._frame_dt.median() if len(self._frame_dt) else None

    def push(self, t_s: float, sample: pose.PoseSample | None) -> list[RepEvent]:
        """Add one frame's pose (None when no person was found); return finished reps."""
        return self.push_channels(t_s, _frame_angles_list(sample))

    def push_channels(self, t_s: float, channels: list[float]) -> list[RepEvent]:
        """Add one frame's raw channels (as :func:`frame_angles` gives them: 2D angle L/R, 3D
        angle L/R, camera yaw; NaN = unseen); return finished reps. For replaying angles."""
        if self._last_frame_t is not None and t_s > self._last_frame_t:
            self._frame_dt.append(t_s - self._last_frame_t)
        self._last_frame_t = t_s
        return self._consume(self._resampler.push(t_s, channels))

    def finish(self) -> list[RepEvent]:
        """End of stream: flush held-back samples and score the reps still waiting for their
        post-rep padding (call once)."""
        events = self._consume(self._resampler.flush())
        for leg in LEGS:
            s = self._legs[leg]
            while s.pending:
                events.append(self._emit(leg, s.pending.pop(0)))
        return events

    def _consume(self, rows: list[tuple[float, np.ndarray]]) -> list[RepEvent]:
        events = []
        for t, row in rows:
            ch = row.tolist()
            self.t_s.append(t)
            if math.isfinite(ch[_CH_YAW]):
                self._yaw.append(ch[_CH_YAW])
            yaw = self._yaw.median() if len(self._yaw) else 0.0
            self.yaw_deg.append(yaw)
            for leg in LEGS:
                a2, a3 = ch[_CH_2D[leg]], ch[_CH_3D[leg]]
                self.raw_2d[leg].append(a2)
                self.raw_3d[leg].append(a3)
                if yaw <= angles.MAX_YAW_FOR_2D_DEG:
                    value, method = angles.correct_foreshortening_deg_scalar(a2, yaw), "2d"
                else:
                    value, method = a3, "3d"
                ev = self._leg_sample(leg, t, value, method)
                if ev is not None:
                    events.append(ev)
        return events

    def _leg_sample(self, leg: str, t: float, value: float, method: str) -> RepEvent | None:
        s = self._legs[leg]
        s.raw.append(value)
        s.methods.append(method)
        f = s.lowpass.step(value)
        rest = s.baseline.step(f)
        s.filtered.append(f)
        s.rest.append(rest)
        rep = s.detector.update(t, f - rest if math.isfinite(f) else math.nan)
        if rep is not None:
            s.pending.append(rep)
        # a rep is scored once SMOOTH_PAD_S of signal after its end is in (or a gap comes)
        if s.pending and (len(s.raw) - 1 >= s.pending[0].end_index + self._pad
                          or not math.isfinite(value)):
            return self._emit(leg, s.pending.pop(0))
        return None

    def _emit(self, leg: str, rep: Rep) -> RepEvent:
        s = self._legs[leg]
        res = self._score(s, rep)
        s.reps.append(res)
        sets = group_sets([r.rep for r in s.reps], self.pause_break_s)
        return RepEvent(leg, res, len(s.reps), sets[-1].reps if sets else 0)

    def _score(self, s: _LegStream, rep: Rep) -> RepResult:
        """Smoothness of a finished rep (:mod:`hipcam.rep_smoothness`), with the pose-noise
        floor measured on this leg's resting stretches before the rep."""
        rate = self.frame_rate_hz
        cutoff_hz, _ = analysis_band(self.fs_hz, rate, stroke_duration_s(rep))
        rest_rel = np.subtract(s.filtered, s.rest)
        noise = leg_noise_floor(s.raw, rest_rel, self.fs_hz, [r.rep for r in s.reps],
                                rep.start_index - self._pad, cutoff_hz)
        sc = score_rep(s.raw, self.fs_hz, rep, rate, noise)
        return RepResult(rep, sc.sparc_out, sc.sparc_back, sc.ldlj_out, sc.ldlj_back,
                         sc.smoothness_score)

    # -- queries --------------------------------------------------------------------------
    def rest_since_s(self, leg: str) -> float | None:
        """Earliest time the leg's next rep could start (None while a rep is in progress or
        waiting to be scored); the current time when nothing is known yet."""
        s = self._legs[leg]
        if s.pending:
            return None
        if s.detector.earliest_next_start_s is not None:
            return s.detector.earliest_next_start_s
        if not s.detector.in_rep:  # resting, but no candidate yet (start, or after a gap)
            return self.t_s[-1] if self.t_s else None
        return None

    def reps(self, leg: str) -> list[RepResult]:
        return list(self._legs[leg].reps)

    def sets(self, leg: str) -> list[RepSet]:
        return group_sets([r.rep for r in self._legs[leg].reps], self.pause_break_s)

    def leg_result(self, leg: str) -> LegResult:
        s = self._legs[leg]
        t = np.array(self.t_s)
        _, gaps = angles.interpolate_short_gaps(t, np.array(s.raw), MAX_GAP_S)
        methods = [m for m, v in zip(s.methods, s.raw, strict=True) if math.isfinite(v)]
        method = max(set(methods), key=methods.count) if methods else "2d"
        return LegResult(list(s.reps), self.sets(leg), method, gaps)

    def series(self) -> dict[str, np.ndarray]:
        """The per-sample arrays on the analysis grid (for CSV and plots)."""
        # np.array copies: a view would pin the growing arrays (they cannot resize while exported)
        out: dict[str, np.ndarray] = {"t_s": np.array(self.t_s),
                                      "camera_yaw_deg": np.array(self.yaw_deg)}
        for leg in LEGS:
            s = self._legs[leg]
            out[f"{leg}_angle_2d_deg"] = np.array(self.raw_2d[leg])
            out[f"{leg}_angle_3d_deg"] = np.array(self.raw_3d[leg])
            out[f"{leg}_angle_deg"] = np.array(s.raw)
            out[f"{leg}_filtered_deg"] = np.array(s.filtered)
            out[f"{leg}_rest_deg"] = np.array(s.rest)
        return out
