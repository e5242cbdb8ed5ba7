"""Streaming analysis of a session: pose samples in, per-leg reps, sets and smoothness out.

:class:`SessionAnalyzer` is fed one frame's pose at a time (``push``) and emits an event for every
finished rep, so ``hipcam live`` and ``hipcam analyse`` share every line of the signal path;
``analyse`` feeds a whole video and then asks for :meth:`SessionAnalyzer.leg_result`.

Per frame and leg: the signed 2D shin angle (corrected for camera yaw) or, when the camera looks
from further than 50° to the side, the 3D shin rotation (see :mod:`hipcam.angles`); legs whose
knee or ankle visibility is below :data:`MIN_VISIBILITY` count as missing. Then: uniform
resampling with short-gap bridging, a 3 Hz causal low-pass, the rolling rest angle, and the rep
detector (:mod:`hipcam.filtering`, :mod:`hipcam.reps`). When a rep ends, and 0.3 s more signal
is in, its raw angle is low-passed forward-backward at 5 Hz and differentiated; the outward and
return strokes are cut at the peak and at the speed minima around the rep, each trimmed to where
its speed exceeds 10% of its peak, and each stroke's speed profile is scored
(:func:`rep_strokes`, :mod:`hipcam.smoothness`).
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
    SortedWindow,
    UniformResampler,
    zero_phase_lowpass,
)
from hipcam.position import PositionGate
from hipcam.reps import (
    DEFAULT_PAUSE_BREAK_S,
    Rep,
    RepDetector,
    RepSet,
    RestAngle,
    group_sets,
    longest_set,
)
from hipcam.smoothness import JERKY_BELOW, ldlj, mean_score, sparc, sparc_to_score, stroke_core_range

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
_CH_POS = {"left": 5, "right": 6}  # in-position flag (1 = countable)
_N_CH = 7
SMOOTH_PAD_S = 0.3


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
    #: (start_s, end_s) stretches in the exercise position (:mod:`hipcam.position`)
    in_position: list[tuple[float, float]] = field(default_factory=list)

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
            "in_position": [{"start_s": round(a, 3), "end_s": round(b, 3)}
                            for a, b in self.in_position],
            "in_position_s": round(sum(b - a for a, b in self.in_position), 3),
            "reps_detail": [r.to_dict() for r in self.reps],
        }


@dataclass(frozen=True)
class RepEvent:
    """Emitted by :meth:`SessionAnalyzer.push` when a leg finishes a rep."""

    leg: str
    result: RepResult
    count: int  # reps of this leg so far
    current_set: int  # reps in the leg's current continuous set


@dataclass(frozen=True)
class RepStrokes:
    """A rep's angular-speed profile and where its two strokes lie in it.

    ``speed_deg_s[k]`` is the speed at analysis-grid index ``first_index + k``; the ranges are
    ``[start, stop)`` grid indices of the trimmed outward and return strokes.
    """

    first_index: int
    speed_deg_s: np.ndarray
    out_range: tuple[int, int]
    back_range: tuple[int, int]

    def _part(self, r: tuple[int, int]) -> np.ndarray:
        return self.speed_deg_s[r[0] - self.first_index : r[1] - self.first_index]

    @property
    def out_deg_s(self) -> np.ndarray:
        return self._part(self.out_range)

    @property
    def back_deg_s(self) -> np.ndarray:
        return self._part(self.back_range)


def rep_strokes(angle_deg: np.ndarray, fs_hz: float, rep: Rep,
                pad_s: float = SMOOTH_PAD_S) -> RepStrokes:
    """The outward and return strokes' angular-speed profiles (deg/s) of one rep.

    ``angle_deg`` is a leg's raw angle on the analysis grid (the series the rep's indices point
    into). The rep's samples plus ``pad_s`` on either side (stopping at gaps) are low-passed
    forward-backward at :data:`~hipcam.filtering.SMOOTHNESS_CUTOFF_HZ` and differentiated. The
    outward stroke runs from the speed minimum at or before the detected start (the detector
    works on a causally filtered signal, so its start lags the true onset) to the peak, the
    return stroke from the peak to the speed minimum at or after the detected end; each is then
    trimmed to the movement itself (:func:`hipcam.smoothness.stroke_core_range`).
    """
    pad = int(round(pad_s * fs_hz))
    lo = max(rep.start_index - pad, 0)
    hi = min(rep.end_index + pad, len(angle_deg) - 1)
    seg = np.asarray(angle_deg[lo : hi + 1], dtype=float)
    bad = np.flatnonzero(~np.isfinite(seg))
    before = bad[bad < rep.start_index - lo]
    after = bad[bad > rep.end_index - lo]
    cut_lo = int(before[-1]) + 1 if before.size else 0
    cut_hi = int(after[0]) if after.size else seg.size
    seg, lo = seg[cut_lo:cut_hi], lo + cut_lo
    smooth = zero_phase_lowpass(seg, fs_hz)
    speed = np.abs(np.gradient(smooth) * fs_hz) if smooth.size > 1 else np.zeros(smooth.size)
    last = max(speed.size - 1, 0)
    a = int(np.clip(rep.start_index - lo, 0, last))
    while a > 0 and speed[a - 1] < speed[a]:
        a -= 1
    e = int(np.clip(rep.end_index - lo, 0, last))
    while e < last and speed[e + 1] < speed[e]:
        e += 1
    p = int(np.clip(rep.peak_index - lo, a, e))
    oa, ob = stroke_core_range(speed[a : p + 1])
    ba, bb = stroke_core_range(speed[p : e + 1])
    return RepStrokes(lo, speed, (lo + a + oa, lo + a + ob), (lo + p + ba, lo + p + bb))


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
        self.baseline = RestAngle(fs_hz)
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
    gate : the exercise-position gate (default: a new :class:`~hipcam.position.PositionGate`);
        reps count only in position.
    """

    def __init__(self, fs_hz: float, pause_break_s: float = DEFAULT_PAUSE_BREAK_S,
                 gate: PositionGate | None = None) -> None:
        self.gate = gate if gate is not None else PositionGate()
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

    def push(self, t_s: float, sample: pose.PoseSample | None) -> list[RepEvent]:
        """Add one frame's pose (None when no person was found); return finished reps."""
        ch = _frame_angles_list(sample)
        for leg, ok in zip(LEGS, self.gate.in_position(t_s, sample), strict=True):
            ch[_CH_POS[leg]] = 1.0 if ok else 0.0
        return self._consume(self._resampler.push(t_s, ch))

    def finish(self) -> list[RepEvent]:
        """End of stream: flush held-back samples and score the reps still waiting for their
        post-rep padding (call once)."""
        events = self._consume(self._resampler.flush())
        for leg in LEGS:
            s = self._legs[leg]
            while s.pending:
                rep = s.pending.pop(0)
                if self.gate.accepts(leg, rep.start_s, self.t_s[-1] if self.t_s else rep.end_s):
                    events.append(self._emit(leg, rep))
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
                # a flag interpolated across a change of position is not "in position"
                pos = ch[_CH_POS[leg]]
                countable = not math.isfinite(pos) or pos >= 1.0 - 1e-9
                ev = self._leg_sample(leg, t, value, method, countable)
                if ev is not None:
                    events.append(ev)
        return events

    def _leg_sample(self, leg: str, t: float, value: float, method: str,
                    countable: bool = True) -> RepEvent | None:
        s = self._legs[leg]
        s.raw.append(value)
        s.methods.append(method)
        f = s.lowpass.step(value if countable else math.nan)
        rest = s.baseline.step(t, f)
        s.filtered.append(f)
        s.rest.append(rest)
        rep = s.detector.update(t, f - rest if math.isfinite(f) else math.nan)
        if rep is not None:
            s.pending.append(rep)
        # a rep is scored once SMOOTH_PAD_S of signal after its end is in (or a gap comes)
        if s.pending and (len(s.raw) - 1 >= s.pending[0].end_index + self._pad
                          or not math.isfinite(value)):
            rep = s.pending.pop(0)
            if self.gate.accepts(leg, rep.start_s, t):
                return self._emit(leg, rep)
        return None

    def _emit(self, leg: str, rep: Rep) -> RepEvent:
        s = self._legs[leg]
        res = self._score(s, rep)
        s.reps.append(res)
        sets = group_sets([r.rep for r in s.reps], self.pause_break_s)
        return RepEvent(leg, res, len(s.reps), sets[-1].reps if sets else 0)

    def _score(self, s: _LegStream, rep: Rep) -> RepResult:
        strokes = rep_strokes(s.raw, self.fs_hz, rep)
        out, back = strokes.out_deg_s, strokes.back_deg_s
        s_out, s_back = sparc(out, self.fs_hz), sparc(back, self.fs_hz)
        score = mean_score([sparc_to_score(s_out), sparc_to_score(s_back)])
        return RepResult(rep, s_out, s_back, ldlj(out, self.fs_hz), ldlj(back, self.fs_hz), score)

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
        return LegResult(list(s.reps), self.sets(leg), method, gaps, self.gate.intervals(leg))

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
