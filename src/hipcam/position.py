"""The exercise-position gate: is the person sitting in this exercise's position? Pure numpy, no I/O.

Hip external rotation is done sitting on the edge of a bed or chair: the thighs rest roughly
horizontal, the knees are bent about 90° and the shins hang. hipcam counts reps only while a leg
is in that position, so standing, walking, squatting, kneeling, lying, sitting down and standing
up never produce one.

Every check uses MediaPipe's **world** landmarks (metres, hip-centred, axes aligned with the
camera: y points down the picture). Angles between body segments do not depend on where the
camera stands, and the direction "down" only needs a roughly level camera, so the gate holds
from the front to a pure side view; for a camera tilted down from a high table in front the
model reads the thighs steeper than they are, which the thigh check allows for (*). Per frame and
leg, the person is *in position* when (:func:`position_checks`):

==============================  ==============  =============================================
quantity                        accepted        seated / standing / squat bottom / kneeling
==============================  ==============  =============================================
knee angle (hip–knee–ankle)     50°–140°        ~90° / ~175° / 60–90° / ~90°
thigh (hip→knee) from "down"    50°–130° (*)    ~47–90° / ~5° / ~80° / ~10°
shin (knee→ankle) from "down"   ≤ 70°           0–45° during reps / ~5° / 20–40° / ~90°
trunk (hips→shoulders) from up  ≤ 40°           ~0–25° / ~0° / 30–60° / ~0°
==============================  ==============  =============================================

(*) down to 35° when the other thigh reads within 15° of it: a camera high in front tilts both
thighs' readings alike (:data:`THIGH_LOW_FLOOR_DEG`); down to 25° when the thigh (whatever the
other reads) looks short in the picture (pointing at the camera: :data:`THIGH_FORESHORTENED_RATIO`);
and, for a leg already in position whose shin swings 40° or more from hanging, down to 35°
whatever the other reads (:data:`HOLD`: at the top of a big rep filmed from above, the model
dips the exercising thigh's reading to 46–49° while the resting one reads 63–65°).

The margins are wide on purpose: a seated person of any build, leaning a little, with a
45° rep in progress, passes every check with 20° or more to spare (measured on rendered bodies
and on the bundled samples). What the checks alone cannot tell apart — the bottom of a squat,
the instant of sitting down — is brief, so :class:`PositionGate` adds time: a leg is in
position during a *run* of passing frames that lasts at least :data:`ENTER_S`, and a rep counts
only inside such a run. A run ends at the first failing frame (after a :data:`DEBOUNCE_S`
debounce against single-frame glitches), so a rep in progress when the person starts to stand
up is dropped; a frame without the evidence (hip, knee or ankle not visible) keeps the run
going for up to :data:`MISSING_EXIT_S`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hipcam import pose
from hipcam.angles import LEG_LANDMARKS, LEGS, MIN_VISIBILITY

KNEE_MIN_DEG, KNEE_MAX_DEG = 50.0, 140.0
THIGH_MIN_FROM_DOWN_DEG, THIGH_MAX_FROM_DOWN_DEG = 50.0, 130.0
#: A level thigh should read 90° from "down", but the model compresses depth: seen from a
#: camera high in front (1.4 m, ~18° down) both thighs read 47-61° (they point at the camera).
#: The camera's tilt lowers both legs' readings alike, so a thigh down to this floor passes when
#: the other thigh reads within :data:`THIGHS_AGREE_DEG` of it. Standing and walking read ≤ 30°,
#: kneeling ~10° (real footage of walking: ≤ 29°, 95th percentile); a single leg reading low
#: while the other is level is not this position (or a guess: a leg hidden by an object read
#: 43-66° beside a visible one at 78-87°).
THIGH_LOW_FLOOR_DEG = 35.0
THIGHS_AGREE_DEG = 15.0
#: ... and down to this floor, whatever the other thigh reads, when the thigh looks short in the
#: picture: at most
#: :data:`THIGH_FORESHORTENED_RATIO` of the shin's length there, i.e. pointing at the camera, not
#: down. (A slim body seen from 1.4 m in front reads its level thighs 29-40° from "down", in the
#: range of walking; in the picture her thigh is 0.50-0.77 of her shin where standing, walking
#: and squatting people on real footage read 0.97-1.7, squat bottoms down to 0.69.)
THIGH_FORESHORTENED_FLOOR_DEG = 25.0
THIGH_FORESHORTENED_RATIO = 0.85
#: The checks' verdict for a frame that passes only with the thigh floor relaxed to
#: :data:`THIGH_LOW_FLOOR_DEG` whatever the other thigh reads, while the shin swings at least
#: :data:`HOLD_SHIN_FROM_DOWN_DEG` from hanging: it keeps a leg in position (its run of passing
#: frames goes on) but does not put one there. Seen 25° aside from 1.4 m up, the model read a
#: heavy body's exercising thigh 46-49° from "down" at the top of each 45° rep (shin 44-47°
#: from hanging; the resting thigh 63-65°; picture ratio 0.94): without it the leg left the
#: position at every rep's top and 4 of 5 reps went uncounted (look-alike `rr5_heavy_az-25_h1.4`).
#: The shin condition keeps it from a leg hidden behind an object, whose guessed thigh reads
#: 43-66° beside a level one while its guessed shin hangs (`tests/test_replay.py`), and from a
#: squat's bottom (shin 20-40°).
HOLD = 0.5
HOLD_SHIN_FROM_DOWN_DEG = 40.0
SHIN_MAX_FROM_DOWN_DEG = 70.0
TRUNK_MAX_FROM_UP_DEG = 40.0
ENTER_S = 1.5
DEBOUNCE_S = 0.1
MISSING_EXIT_S = 2.0

_DOWN = np.array([0.0, 1.0, 0.0])

#: Advice shown while no leg is in position (``hipcam live``) and in the ``analyse`` warning.
SETUP_ADVICE = ("sit on the edge of the bed or chair, thighs resting on it, knees bent about 90°, "
                "shins hanging, both legs in the picture")


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle (degrees) between vectors ``a`` and ``b`` along the last axis (NaN if degenerate)."""
    na = np.linalg.norm(a, axis=-1)
    nb = np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.sum(a * b, axis=-1) / (na * nb)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


@dataclass(frozen=True)
class PositionFeatures:
    """The gate's measurements for frames (arrays of shape ``(...)``; NaN where not seen)."""

    knee_deg: dict[str, np.ndarray]
    thigh_from_down_deg: dict[str, np.ndarray]
    shin_from_down_deg: dict[str, np.ndarray]
    trunk_from_up_deg: np.ndarray
    leg_seen: dict[str, np.ndarray]  # bool: hip, knee and ankle visible
    #: the thigh's length in the picture over the shin's (NaN without image landmarks)
    thigh_image_ratio: dict[str, np.ndarray] = field(default_factory=dict)


def position_features(world_xyz_m: np.ndarray, visibility: np.ndarray,
                      image_xy_px: np.ndarray | None = None) -> PositionFeatures:
    """Measure the gate's quantities from world landmarks ``(..., 33, 3)``, visibility
    ``(..., 33)`` and, optionally, image landmarks ``(..., 33, 2)`` (one frame or a series)."""
    w = np.asarray(world_xyz_m, dtype=float)
    vis = np.asarray(visibility, dtype=float)
    hips = 0.5 * (w[..., pose.L_HIP, :] + w[..., pose.R_HIP, :])
    shoulders = 0.5 * (w[..., pose.L_SHOULDER, :] + w[..., pose.R_SHOULDER, :])
    trunk = _angle_deg(shoulders - hips, -_DOWN)
    shoulders_seen = np.minimum(vis[..., pose.L_SHOULDER], vis[..., pose.R_SHOULDER]) >= MIN_VISIBILITY
    trunk = np.where(shoulders_seen, trunk, np.nan)
    knee, thigh, shin, seen, ratio = {}, {}, {}, {}, {}
    for leg in LEGS:
        h, k, a = LEG_LANDMARKS[leg].hip, LEG_LANDMARKS[leg].knee, LEG_LANDMARKS[leg].ankle
        hk = w[..., k, :] - w[..., h, :]
        ka = w[..., a, :] - w[..., k, :]
        knee[leg] = _angle_deg(-hk, ka)
        thigh[leg] = _angle_deg(hk, _DOWN)
        shin[leg] = _angle_deg(ka, _DOWN)
        seen[leg] = (np.minimum(np.minimum(vis[..., h], vis[..., k]), vis[..., a]) >= MIN_VISIBILITY) \
            & np.isfinite(knee[leg])
        if image_xy_px is None:
            ratio[leg] = np.full(np.shape(knee[leg]), np.nan)
        else:
            xy = np.asarray(image_xy_px, dtype=float)
            thigh_px = np.linalg.norm(xy[..., k, :] - xy[..., h, :], axis=-1)
            shin_px = np.linalg.norm(xy[..., a, :] - xy[..., k, :], axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio[leg] = np.where(shin_px > 0, thigh_px / np.where(shin_px > 0, shin_px, 1.0),
                                      np.nan)
    return PositionFeatures(knee, thigh, shin, trunk, seen, ratio)


def position_checks(f: PositionFeatures) -> dict[str, np.ndarray]:
    """Per leg, per frame: 1.0 = every check passes, :data:`HOLD` = they pass only with the
    thigh floor relaxed during a big swing (enough to stay in position, not to enter it), 0.0 =
    one fails, NaN = leg not seen.

    A trunk that is not seen (shoulders out of the picture) is not held against the legs.
    """
    trunk_ok = ~(f.trunk_from_up_deg > TRUNK_MAX_FROM_UP_DEG)  # NaN passes
    out = {}
    for leg, other in zip(LEGS, LEGS[::-1], strict=True):
        thigh, thigh_other = f.thigh_from_down_deg[leg], f.thigh_from_down_deg[other]
        other_seen = f.leg_seen[other] & np.isfinite(thigh_other)
        with np.errstate(invalid="ignore"):
            thighs_agree = other_seen & (np.abs(thigh - np.where(other_seen, thigh_other, 0.0))
                                         <= THIGHS_AGREE_DEG)
            short = f.thigh_image_ratio.get(leg, np.nan) <= THIGH_FORESHORTENED_RATIO  # NaN: no
        thigh_ok = ((thigh >= THIGH_MIN_FROM_DOWN_DEG)
                    | ((thigh >= THIGH_LOW_FLOOR_DEG) & thighs_agree)
                    | ((thigh >= THIGH_FORESHORTENED_FLOOR_DEG) & short))
        shin = f.shin_from_down_deg[leg]
        with np.errstate(invalid="ignore"):
            rest_ok = ((f.knee_deg[leg] >= KNEE_MIN_DEG) & (f.knee_deg[leg] <= KNEE_MAX_DEG)
                       & (thigh <= THIGH_MAX_FROM_DOWN_DEG) & (shin <= SHIN_MAX_FROM_DOWN_DEG)
                       & trunk_ok)
            hold = rest_ok & (thigh >= THIGH_LOW_FLOOR_DEG) & (shin >= HOLD_SHIN_FROM_DOWN_DEG)
        verdict = np.where(rest_ok & thigh_ok, 1.0, np.where(hold, HOLD, 0.0))
        out[leg] = np.where(f.leg_seen[leg], verdict, np.nan)
    return out


def guessed_legs(f: PositionFeatures) -> dict[str, np.ndarray]:
    """Per leg, per frame: whether its thigh reads *down* (below :data:`THIGH_LOW_FLOOR_DEG`,
    like a standing leg's) while the other thigh, seen, reads level: one leg cannot stand while
    the other sits on the bed, so this is the model guessing a leg it cannot see (the heavy model
    draws a leg hidden behind an object hanging straight down, thigh 1-10° from "down", with a
    visibility of 0.5-0.9). Such a leg fails the checks, rightly, but its failing says nothing
    about a posture change (:meth:`hipcam.session.SessionAnalyzer._is_posture_echo`)."""
    out = {}
    for leg, other in zip(LEGS, LEGS[::-1], strict=True):
        with np.errstate(invalid="ignore"):
            out[leg] = ((f.thigh_from_down_deg[leg] < THIGH_LOW_FLOOR_DEG)
                        & f.leg_seen[other]
                        & (f.thigh_from_down_deg[other] >= THIGH_MIN_FROM_DOWN_DEG))
    return out


@dataclass
class _LegState:
    run_start: float = math.nan  # first frame of the current in-position run (NaN: none)
    bad_start: float = math.nan  # first of the current run of failing frames
    last_seen: float = math.nan  # last frame with evidence
    last_ok: float = math.nan  # last passing frame
    intervals: list[tuple[float, float]] = field(default_factory=list)


class PositionGate:
    """Streaming in-position decision per leg (see the module docstring).

    Feed every frame in time order (:meth:`in_position`, the analyser's gate protocol, or
    :meth:`update` with precomputed checks). A leg is *countable* in a frame while it is in a
    run of passing frames (failures shorter than :data:`DEBOUNCE_S` and frames without evidence
    for less than :data:`MISSING_EXIT_S` do not break a run); a rep found inside a run counts
    only once that run has lasted :data:`ENTER_S` (:meth:`accepts`), so the bottom of a squat
    or the moment of sitting down never count. :meth:`intervals` gives the runs that lasted
    :data:`ENTER_S`: the in-position stretches.
    """

    def __init__(self) -> None:
        self._legs = {leg: _LegState() for leg in LEGS}
        #: the last frame's check results per leg (1.0 pass, 0.0 fail, NaN not seen)
        self.last_checks: dict[str, float] = {leg: math.nan for leg in LEGS}

    def in_position(self, t_s: float, sample: pose.PoseSample | None,
                    leg_angles: object = None) -> tuple[bool, bool]:
        """Whether each leg (``LEGS`` order) is countable in this frame."""
        if sample is None:
            checks = {leg: math.nan for leg in LEGS}
            self.last_guessed = {leg: False for leg in LEGS}
        else:
            f = position_features(sample.world_xyz_m, sample.visibility, sample.image_xy_px)
            c = position_checks(f)
            checks = {leg: float(c[leg]) for leg in LEGS}
            self.last_guessed = {leg: bool(g) for leg, g in guessed_legs(f).items()}
        return self.update(t_s, checks)

    def update(self, t_s: float, checks: dict[str, float]) -> tuple[bool, bool]:
        """Advance with one frame's check results (1.0 pass, :data:`HOLD` pass for a leg
        already in position, 0.0 fail, NaN not seen)."""
        self.last_checks = dict(checks)
        return (self._step(self._legs["left"], t_s, checks["left"]),
                self._step(self._legs["right"], t_s, checks["right"]))

    @staticmethod
    def _close(s: _LegState) -> None:
        if math.isfinite(s.run_start) and s.last_ok - s.run_start >= ENTER_S:
            s.intervals.append((s.run_start, s.last_ok))
        s.run_start = math.nan

    def _step(self, s: _LegState, t: float, ok: float) -> bool:
        if math.isnan(ok):
            if math.isfinite(s.run_start) and t - s.last_seen >= MISSING_EXIT_S:
                self._close(s)
            return math.isfinite(s.run_start) and math.isnan(s.bad_start)
        s.last_seen = t
        if ok >= 1.0 or (ok >= HOLD and math.isfinite(s.run_start)):
            s.bad_start = math.nan
            s.last_ok = t
            if math.isnan(s.run_start):
                s.run_start = t
            return True
        if math.isnan(s.bad_start):
            s.bad_start = t
        if math.isfinite(s.run_start) and t - s.bad_start >= DEBOUNCE_S:
            self._close(s)
        return math.isfinite(s.run_start)

    def run_age_s(self, leg: str, t_s: float) -> float:
        """How long the leg has been in its current run at ``t_s`` (NaN: not in one)."""
        s = self._legs[leg]
        return t_s - s.run_start if math.isfinite(s.run_start) else math.nan

    def is_inside(self, leg: str, t_s: float) -> bool:
        """In position now: in a run that has lasted :data:`ENTER_S`."""
        return self.run_age_s(leg, t_s) >= ENTER_S

    def accepts(self, leg: str, start_s: float, t_s: float) -> bool:
        """Whether a rep of ``leg`` that started at ``start_s``, judged at ``t_s`` (its end plus
        the scoring pad), counts: it lies in the current run and the run has lasted ENTER_S."""
        s = self._legs[leg]
        return (math.isfinite(s.run_start) and s.run_start <= start_s + 1e-9
                and t_s - s.run_start >= ENTER_S)

    def intervals(self, leg: str) -> list[tuple[float, float]]:
        """In-position stretches ``(start_s, end_s)`` of the leg so far (runs that lasted
        :data:`ENTER_S`; an open one ends at its last passing frame)."""
        s = self._legs[leg]
        out = list(s.intervals)
        if math.isfinite(s.run_start) and s.last_ok - s.run_start >= ENTER_S:
            out.append((s.run_start, s.last_ok))
        return out


#: The live banner / warning while no leg is in position.
NOT_IN_POSITION = f"not counting: not in the exercise position - {SETUP_ADVICE}"


def setup_advice(gate: object, t_s: float) -> str | None:
    """:data:`NOT_IN_POSITION` while neither leg is in (or settling into) the position at
    ``t_s`` (``hipcam live`` shows it instead of counting), else None; None for a gate without a
    notion of it."""
    run_age_s = getattr(gate, "run_age_s", None)
    if run_age_s is None or any(math.isfinite(run_age_s(leg, t_s)) for leg in LEGS):
        return None
    return NOT_IN_POSITION


#: A leg in the position for less than this share of the time the other leg was (and at
#: least :data:`LAGGING_MIN_S` less) is named in a warning (:func:`lagging_legs`): both legs
#: hang in this exercise, so one leg failing the gate while the other passes is usually the
#: camera (rendered: a camera 1.6-1.7 m up and 1.5-1.6 m away, ~35-40° down, read the near
#: leg's level thigh 29-47° from "down"), and its reps meanwhile are not counted.
LAGGING_FRACTION = 0.5
LAGGING_MIN_S = 5.0
#: What to do about a leg of :func:`lagging_legs` (``analyse`` and live).
LAGGING_ADVICE = ("if it hangs down, a camera high above the knees can make its level thigh read "
                  "as standing: lower the camera toward knee-to-hip height")


def lagging_legs(in_position_s: dict[str, float]) -> list[str]:
    """The legs whose time in the position (seconds, per leg) is under
    :data:`LAGGING_FRACTION` of the other leg's and at least :data:`LAGGING_MIN_S` shorter."""
    out = []
    for leg, other in zip(LEGS, LEGS[::-1], strict=True):
        mine, theirs = in_position_s[leg], in_position_s[other]
        if mine < LAGGING_FRACTION * theirs and theirs - mine >= LAGGING_MIN_S:
            out.append(leg)
    return out


def lagging_warnings(in_position_s: dict[str, float], seen_legs: list[str]) -> list[str]:
    """One warning per leg of :func:`lagging_legs` among ``seen_legs`` (a leg that was not
    seen gets its own warning elsewhere)."""
    out = []
    for leg in lagging_legs(in_position_s):
        if leg in seen_legs:
            other = LEGS[1 - LEGS.index(leg)]
            out.append(f"{leg} leg in the exercise position for only {in_position_s[leg]:.0f} s, "
                       f"the {other} leg for {in_position_s[other]:.0f} s: any reps it made meanwhile "
                       f"were not counted; {LAGGING_ADVICE}")
    return out


#: A seen leg with at least this many rep-like swings that the gate refused, and more of them
#: than counted reps, is named in a warning (:func:`out_of_position_warnings`). Measured
#: 2026-12-03 over every replayed pose series (73 look-alike renders, 12 real clips, the
#: recordings, 264 camera-grid cells): it fired for `rr7_older_az20_h1.6`'s exercising leg (3
#: refused, 0 counted: filmed from 1.6 m up, its thigh read 30° from "down" at the top of each
#: rep, like a standing one) and for a real knee extension's extending leg (2 refused, which has
#: the lagging warning already); next highest 2 refused beside 6 counted.
OUT_OF_POSITION_SWINGS_WARN = 2


def refused_legs(swings_out_of_position: dict[str, int], counted: dict[str, int]) -> list[str]:
    """The legs with at least :data:`OUT_OF_POSITION_SWINGS_WARN` rep-like swings refused by
    the gate and more of them than counted reps."""
    return [leg for leg in LEGS
            if swings_out_of_position.get(leg, 0) >= OUT_OF_POSITION_SWINGS_WARN
            and swings_out_of_position.get(leg, 0) > counted.get(leg, 0)]


def out_of_position_warnings(swings_out_of_position: dict[str, int], counted: dict[str, int],
                             seen_legs: list[str]) -> list[str]:
    """One warning per seen leg of :func:`refused_legs` (the leg kept leaving the position
    during its swings): its count is short and nothing else says so when the time in position
    alone does not look lagging (:func:`lagging_warnings`)."""
    return [f"{leg} leg: {swings_out_of_position[leg]} rep-like swings were not counted because "
            f"the leg was not in the exercise position during them; {LAGGING_ADVICE}"
            for leg in refused_legs(swings_out_of_position, counted) if leg in seen_legs]


def leg_setup_advice(gate: object, t_s: float, seen: tuple[bool, bool],
                     swings_out_of_position: dict[str, int] | None = None,
                     counted: dict[str, int] | None = None) -> str | None:
    """Live counterpart of :func:`lagging_warnings` and :func:`out_of_position_warnings`, the
    same rules on the session so far: a leg of :func:`lagging_legs`, or one with more refused
    swings than reps (at least :data:`OUT_OF_POSITION_SWINGS_WARN`), that is seen (``seen`` in
    :data:`LEGS` order) and not in the position now gets :func:`lagging_leg_advice`; else None
    (also for a gate without :meth:`PositionGate.intervals`)."""
    intervals = getattr(gate, "intervals", None)
    is_inside = getattr(gate, "is_inside", None)
    if intervals is None or is_inside is None:
        return None
    so_far = {leg: sum(b - a for a, b in intervals(leg)) for leg in LEGS}
    flagged = set(lagging_legs(so_far)) | set(refused_legs(swings_out_of_position or {},
                                                           counted or {}))
    for leg in LEGS:
        if leg in flagged and seen[LEGS.index(leg)] and not is_inside(leg, t_s):
            return lagging_leg_advice(leg)
    return None


def lagging_leg_advice(leg: str) -> str:
    """The live banner for a leg of :func:`leg_setup_advice` (short: read from the bed; the
    reason is :data:`LAGGING_ADVICE`, said in full by ``analyse``)."""
    return (f"{leg} leg not counted: out of the exercise position - camera too high? Lower it "
            f"toward knee-to-hip height")


def flags_to_intervals(t_s: np.ndarray, flags: np.ndarray) -> list[tuple[float, float]]:
    """Runs of true ``flags`` on the time grid ``t_s`` as ``(first_s, last_s)`` pairs."""
    f = np.asarray(flags, dtype=bool)
    t = np.asarray(t_s, dtype=float)
    if f.size == 0:
        return []
    edges = np.flatnonzero(np.diff(np.r_[0, f.astype(np.int8), 0]))
    return [(float(t[a]), float(t[b - 1])) for a, b in zip(edges[::2], edges[1::2], strict=True)]
