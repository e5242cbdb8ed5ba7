"""Streaming analysis of a session: raw pose samples in, per-leg reps, sets and smoothness out.

:class:`SessionAnalyzer` owns the whole signal path after the pose model, so ``hipcam live``,
``hipcam analyse`` (also with ``--jobs``), ``hipcam batch`` and the replay tests feed it the same
way, one frame's :class:`~hipcam.pose.PoseSample` at a time (``push``), and get the same events:
:class:`RepEvent` for every finished rep and :class:`SetEndEvent` when a continuous set ends (a
rest of ``pause_break_s``, :meth:`SessionAnalyzer.break_set`, or the end of the session).

Per frame (:meth:`SessionAnalyzer.push`):

1. **what is seen** — landmarks outside the picture lose their visibility
   (:func:`hipcam.angles.mask_offscreen`); a leg whose knee or ankle is below
   :data:`~hipcam.angles.MIN_VISIBILITY` is not measured in that frame;
2. **in position** — an optional :class:`PositionGate` says, per leg, whether the person is in
   the exercise position; samples out of position are kept for plots but never counted;
3. **geometry** — both legs' angles (:func:`hipcam.angles.frame_leg_angles`): the signed 2D
   shin angle corrected for camera yaw, blended smoothly into the 3D shin rotation as the camera
   moves from 45° to 65° to the side (:func:`hipcam.angles.image_weight`);
4. **gaps** — uniform resampling; a gap up to :data:`~hipcam.filtering.MAX_GAP_S` is bridged,
   a longer one is reported in :attr:`LegResult.gaps` (the one gap rule);
5. a 3 Hz causal low-pass, the rolling rest angle and the rep detector
   (:mod:`hipcam.filtering`, :mod:`hipcam.reps`); when a rep ends and 0.3 s more signal is in,
   it is scored from its raw angle, with the pose-noise floor measured on the leg's resting
   stretches and the frames' own rate (:mod:`hipcam.rep_smoothness`);
6. **sets** — a rep starting ``pause_break_s`` or more after the previous one's end starts a new
   set; the set-end event comes as soon as the rest is certain.
"""

from __future__ import annotations

import dataclasses
import math
import os
import statistics
from array import array
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from hipcam import angles, pose, position
from hipcam.angles import LEGS, MIN_VISIBILITY
from hipcam.filtering import (
    DETECT_CUTOFF_HZ,
    MAX_GAP_S,
    CausalLowpass,
    SortedWindow,
    UniformResampler,
    cutoff_for_rate,
)
from hipcam.rep_smoothness import SMOOTH_PAD_S, leg_noise_floor, score_rep
from hipcam.reps import DEFAULT_PAUSE_BREAK_S, Rep, RepDetector, RepSet, RestAngle, longest_set
from hipcam.smoothness import JERKY_BELOW, mean_score

__all__ = ["LEGS", "MIN_VISIBILITY", "LegResult", "PositionGate", "RepEvent", "RepResult",
           "SessionAnalyzer", "SetEndEvent", "edge_on_advice", "edge_on_warning"]

#: Below this sampling rate (Hz) reps of 1-2 s are not followed reliably (a rep gets only a few
#: samples, and a brisk one is aliased): the analysis runs but says its counts are unreliable.
MIN_RELIABLE_RATE_HZ = 3.0
YAW_WINDOW_S = 5.0
#: Extra low-pass of the 3D rotation in the rep detector's input (side views): its frame-to-frame
#: noise is ~3° where the image angle's is <1°; reps last ≥ 1 s. The raw series (plots, the
#: smoothness score) keeps the unsmoothed reading.
CUTOFF_3D_HZ = 1.5
#: A leg's rep seen from this far aside (deg) that coincides with a swing of the other leg
#: ``ECHO_RATIO`` times larger, peaking within ``ECHO_WINDOW_S``, is an echo of that swing
#: (:meth:`SessionAnalyzer._is_echo`).
ECHO_VIEW_DEG = 45.0
ECHO_RATIO = 1.4
ECHO_WINDOW_S = 0.5
#: From any view (the front too), a rep this many times smaller than the other leg's swing at
#: the same moment is its echo: seen 20-40° aside from 1.4-1.7 m up, the model swings a resting
#: leg 6-14° with the other's 45-50° reps (3.6-8.5 times on renders), while two legs really
#: swinging together 2.5:1-3:1 read 1.95-2.4 (docs/accuracy.md).
ECHO_RATIO_ANY_VIEW = 3.3
#: A rep is a posture echo (:meth:`SessionAnalyzer._is_posture_echo`) when, within this margin
#: of it, the other leg failed the position checks for this long ...
POSTURE_ECHO_MARGIN_S = 0.75
POSTURE_ECHO_MIN_S = 0.3
#: ... having passed them within this long before the rep (a knee extension held a few seconds)
POSTURE_ECHO_RECENT_S = 5.0
@dataclass(frozen=True)
class SideViewCalibration:
    """How one pose model reads a shin's swing in depth, seen 70-90° aside (the side-view
    reading, :func:`hipcam.angles.side_rotation_deg`), where hipcam reads the leg from it."""

    #: the reading is scaled by this to approximate degrees of hip rotation (the model reads only
    #: a fraction of a swing in depth)
    gain: float
    #: a rep read from it alone must reach this (rest-relative, degrees after the gain): its
    #: noise, and its coupling to the other leg's swing, reach ~10° there. Blends with the image
    #: weight: no minimum beyond the detector's own where the image is trusted.
    min_rom_deg: float
    #: ``(a, b)``: for the range of motion, the model reads a fraction ``a + b·|r|`` of a swing
    #: in depth, ``r`` the other knee's height above the leg's own in the picture, in shin lengths
    #: (:func:`hipcam.angles.knee_rise_shins`: the camera's pitch as seen from aside). None: the
    #: fixed ``gain`` for the range of motion too.
    rom_depth_fraction: tuple[float, float] | None = None

    def rom_factor(self, knee_rise_shins: float) -> float:
        """What the side-view reading (after :attr:`gain`) is multiplied by for a rep's range
        of motion, with the camera's pitch seen as ``knee_rise_shins`` (1: no correction,
        also for NaN). ``|r|`` is taken up to :data:`MAX_ROM_KNEE_RISE`."""
        if self.rom_depth_fraction is None or not math.isfinite(knee_rise_shins):
            return 1.0
        a, b = self.rom_depth_fraction
        return 1.0 / (self.gain * (a + b * min(abs(knee_rise_shins), MAX_ROM_KNEE_RISE)))


#: The knee rise (shin lengths) :meth:`SideViewCalibration.rom_factor` extrapolates to: the
#: camera grids' cameras 1.4 m up read 0.18-0.25.
MAX_ROM_KNEE_RISE = 0.35

#: Per pose-model variant (:func:`hipcam.pose.model_variant`). Measured on the camera grids'
#: near legs 75-90° aside (docs/accuracy.md): the full model reads a median 0.25 of the swing
#: (0.09-0.70), the heavy one 0.40 (0.18-0.68). Most of the heavy model's spread is the camera's
#: pitch: on grid 300 (54 reps read from it alone) it reads 0.20 + 1.75·|r| of the swing (r the
#: knee rise, 0.01-0.06 at knee height, 0.18-0.25 from 1.4 m up; residual SD 0.06), hence its
#: ``rom_depth_fraction``; checked on grids 4900 and 5900, rendered afterwards. The full model's
#: reading fits 0.12 + 1.6·|r| with a residual SD four times larger, and the correction did not
#: hold on grid 4900 (75° aside: no better, two near legs lost): none. The lite model is not
#: measured: it gets the full model's.
SIDE_VIEW_CALIBRATION: dict[str, SideViewCalibration] = {
    "full": SideViewCalibration(gain=5.0, min_rom_deg=12.0),
    "heavy": SideViewCalibration(gain=2.5, min_rom_deg=8.0, rom_depth_fraction=(0.2, 1.8)),
}


def side_view_calibration(model_path: str | os.PathLike[str] | None = None) -> SideViewCalibration:
    """The side-view calibration of the pose model at ``model_path`` (default: the model used
    when none is given, :func:`hipcam.pose.default_model_path`)."""
    variant = pose.model_variant(model_path if model_path is not None else pose.default_model_path())
    return SIDE_VIEW_CALIBRATION.get(variant, SIDE_VIEW_CALIBRATION["full"])


#: ... and the foot must move in the picture at least this much (shin lengths, the biggest
#: excursion of the ankle about the knee: :meth:`SessionAnalyzer._picture_swing`), also blended
#: with the image weight: a real rotation moves the foot in the picture even edge-on (it rises
#: by ``1 - cos θ``: 0.09-0.18 for 25-35°). On the camera grids the model's side-view reading
#: swung the *resting* leg 12-21° while its foot moved 0.017-0.04 (the other leg exercising
#: behind it), real reps' feet 0.043-0.44 (docs/accuracy.md).
MIN_SIDE_PICTURE_SWING = 0.035
#: A rep read mostly from the 3D side-view estimate (image weight at its peak below this) gets
#: no smoothness score: on the camera grids (five seeds, 2026-12-03) such reps, all smooth
#: (raised-cosine swings), scored 0-100 — 48 of 350 flagged jerky, 122 under 70 — where reps
#: read from the picture were never flagged (0 of 889, median 95), and on a render 90° aside
#: reps of jerk level 0.5 scored 60-63, not jerky. The score means nothing there either way.
SMOOTHNESS_MIN_IMAGE_WEIGHT = 0.5
#: The knee-extension check (:meth:`SessionAnalyzer._is_knee_extension`) applies to a leg whose
#: knee the model places at least this much nearer the camera than the other knee (m; the near
#: leg from 30-60° aside reads 0.12-0.31 m on the camera grid, the far one -0.12 to -0.31)...
NEAR_KNEE_LEAD_M = 0.05
#: ... seen from at most this far aside (deg; beyond, the picture hardly shows the swing) ...
EXTENSION_CHECK_MAX_YAW_DEG = 70.0
#: ... where the picture separates the two movements by at least this much (``up / across``,
#: :func:`hipcam.angles.swing_fit`): a camera clearly above the knees ...
EXTENSION_MIN_SEPARATION = 0.3
#: ... and a rep whose swing fits an extension better than this (0 = the extension's prediction,
#: 1 = the rotation's) is a knee extension: halfway between the rendered extensions (≤ 0.27) and
#: the real reps (≥ 0.63) of the camera grid and the look-alike renders, where the two are at
#: least the separation above apart (docs/accuracy.md).
EXTENSION_FIT_BELOW = 0.45
#: A leg whose knee the model places behind the other (by :data:`NEAR_KNEE_LEAD_M`), seen from
#: this far aside (deg, the session's median view of it), is seen edge-on behind the other leg:
#: the model mostly guesses it. On four camera grids (352 cells) such far legs that exercised
#: were counted exactly in 6 of 19 cells (0-1 of 4 reps in the others), resting ones got 1-4
#: phantom reps in 5 of 21; far legs 60° aside read 52-67°, 75-90° aside 73-89° (the full
#: model); the heavy model reads them 57-69° and 76-89° (five grids, 2026-12-03): 70° vetoed the
#: reps of a slim body's far leg 60° aside, read at 67-69° (73° in its first seconds)
#: (:attr:`LegResult.behind_other_leg`; ``analyse`` says so).
EDGE_ON_VIEW_DEG = 72.5
#: Such a leg's reps are not counted (like a hidden leg's), judged on this trailing stretch (s):
#: the same in ``analyse`` and ``live``, and the live banner goes once the camera has been moved
#: (``analyse``'s warning judges the whole video). On the four grids this vetoed 14 phantom reps
#: of resting far legs and the 6 far legs counted right by chance ...
EDGE_ON_LIVE_WINDOW_S = 30.0
#: ... and only for a leg seen in at least this fraction of it (of the frames with a person: a
#: leg seen less is *hidden*, which ``analyse`` says in its own words).
SEEN_LEG_MIN_FRACTION = 0.8
#: A leg whose (filtered) reading is within this of its rest angle is still: the side-view
#: reading's level is aligned to the picture's on such frames (the frames before a rep is
#: detected would otherwise lend the offset a share of the rep).
STILL_DEG = 2.0
#: The resting reference of the swing's direction: the last this-many seconds before the rep.
SWING_REST_S = 1.0
#: A hanging shin looks upright in the picture from any side of the bed: a rep whose leg rested
#: with the shin tilted more than this from the picture's vertical (median over
#: :data:`SWING_REST_S`) is not in the exercise position. Measured (2026-12-03) on every counted
#: real rep of five camera grids and 73 look-alike renders, both pose models: at most 22-30°
#: (camera roll adds to it); a real clip of a long sit with the legs on a table, which both
#: models' world landmarks pass as seated: 58-66°.
MAX_REST_SHIN_TILT_DEG = 45.0
# resampled channels: 2D signed angle L, R; 3D angle L, R; camera yaw; in-position flag L, R;
# the camera's yaw relative to each leg L, R; the side-view reading L, R; the yaw about each
# thigh L, R; the tilt of the image line through the knees L, R; the shin's length in the
# picture L, R; how much nearer the camera each knee is than the other L, R; the position
# checks' verdict (1 pass, 0 fail, NaN not seen) L, R
_CH_2D = (0, 1)
_CH_3D = (2, 3)
_CH_YAW = 4
_CH_POS = (5, 6)
_CH_VIEW = (7, 8)
_CH_SIDE = (9, 10)
_CH_THIGH = (11, 12)
_CH_TILT = (13, 14)
_CH_SHIN = (15, 16)
_CH_LEAD = (17, 18)
_CH_CHECK = (19, 20)
_CH_RISE = (21, 22)
_N_CH = 23
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
    #: the range of motion reported (degrees of hip rotation): the detector's peak, its side-view
    #: share corrected for the camera's pitch (:meth:`SideViewCalibration.rom_factor`); NaN (not
    #: given): the peak as detected
    rom_deg: float = math.nan

    @property
    def range_of_motion_deg(self) -> float:
        """The rep's range of motion (degrees): :attr:`rom_deg`, else the detector's peak."""
        return self.rom_deg if math.isfinite(self.rom_deg) else self.rep.peak_deg

    @property
    def jerky(self) -> bool:
        return bool(np.isfinite(self.smoothness_score) and self.smoothness_score < JERKY_BELOW)

    @property
    def sparc(self) -> float:
        return _mean_of_finite(self.sparc_out, self.sparc_back)

    @property
    def ldlj(self) -> float:
        return _mean_of_finite(self.ldlj_out, self.ldlj_back)

    def to_dict(self) -> dict:
        r = self.rep
        return {
            "start_s": round(r.start_s, 3), "peak_s": round(r.peak_s, 3), "end_s": round(r.end_s, 3),
            "duration_s": round(r.end_s - r.start_s, 3), "rom_deg": round(self.range_of_motion_deg, 2),
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
    method: str  # "2d", "3d" or "blend": which angle estimate drove the detector (mostly)
    gaps: list[tuple[float, float]] = field(default_factory=list)  # (start_s, end_s) not seen
    seen_fraction: float = 1.0  # of the frames with a person, those where the lower leg was seen
    view_yaw_deg: float = float("nan")  # median camera yaw relative to this leg
    image_weight: float = 1.0  # mean weight of the image angle at the reps' peaks (1: measured)
    #: (start_s, end_s) stretches in the exercise position (:mod:`hipcam.position`)
    in_position: list[tuple[float, float]] = field(default_factory=list)
    #: rep-like swings not counted because the leg was not (long enough) in the position
    swings_out_of_position: int = 0
    #: seen edge-on behind the other leg (:data:`EDGE_ON_VIEW_DEG`): not counted, like a hidden leg
    behind_other_leg: bool = False

    @property
    def rom_approximate(self) -> bool:
        """The range of motion came (partly) from the 3D rotation, which reads short."""
        return self.image_weight < 0.99

    @property
    def in_position_s(self) -> float:
        """Total time in the exercise position (s)."""
        return sum(b - a for a, b in self.in_position)

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
    def unscored_reps(self) -> int:
        """Reps without a smoothness score (read from the side-view estimate, or degenerate)."""
        return sum(not math.isfinite(r.smoothness_score) for r in self.reps)

    @property
    def mean_rom_deg(self) -> float:
        return (float(np.mean([r.range_of_motion_deg for r in self.reps])) if self.reps
                else float("nan"))

    def to_dict(self) -> dict:
        from hipcam.settrends import set_trend

        sets = []
        for s in self.sets:
            members = self.reps[s.first_rep : s.first_rep + s.reps]
            scores = [r.smoothness_score for r in members]
            sets.append({"start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3),
                         "reps": s.reps, "smoothness_score": _r(mean_score(scores), 1),
                         # the road to 100: first vs last reps of the set (hipcam.settrends)
                         "trend": set_trend({"rom_deg": [r.range_of_motion_deg for r in members],
                                             "duration_s": [r.rep.end_s - r.rep.start_s for r in members],
                                             "smoothness": scores})})
        return {
            "reps": len(self.reps),
            "longest_continuous_set": self.longest_continuous_set,
            "sets": sets,
            "smoothness_score": _r(self.smoothness_score, 1),
            "jerky_reps": self.jerky_reps,
            "unscored_reps": self.unscored_reps,
            "mean_rom_deg": _r(self.mean_rom_deg, 2),
            "angle_method": self.method,
            "view_yaw_deg": _r(self.view_yaw_deg, 1),
            "rom_approximate": self.rom_approximate,
            "rom_note": rom_note(self.image_weight) if self.reps else None,
            "gaps": [{"start_s": round(a, 3), "end_s": round(b, 3)} for a, b in self.gaps],
            "in_position": [{"start_s": round(a, 3), "end_s": round(b, 3)}
                            for a, b in self.in_position],
            "in_position_s": round(self.in_position_s, 3),
            "swings_out_of_position": self.swings_out_of_position,
            "behind_other_leg": self.behind_other_leg,
            "reps_detail": [r.to_dict() for r in self.reps],
        }


#: Range-of-motion accuracy by how the angle was read, from ``benchmarks/accuracy.py``'s camera
#: grids (docs/accuracy.md; heavy model, 2026-12-03): from the picture, mean error 1.4-3.0° up to
#: 45° aside, 5.4-8.1° at 60° (a camera at knee height reads short, a far leg a third short);
#: blended into the side-view reading from 60° to 75°, which is approximate: corrected for the
#: camera's pitch, 2-6° per azimuth at 75-90° on the held-out grids, 0.6-18.5° per leg.
ROM_NOTE_IMAGE = ("measured from the picture (mean error 2-4° on rendered tests up to 45° aside, "
                  "~8° at 60°; a camera at knee height reads a little short)")
ROM_NOTE_3D = ("approximate: camera more than 60° to the side, read from the model's 3D pose "
               "(heavy model, corrected for the camera's height: mean error 2-6° per camera "
               "angle on rendered tests, up to ~20° for one leg; --model full: 10-30°)")


def edge_on_warning(leg: str, view_yaw_deg: float) -> str:
    """``analyse``'s warning for a leg of :attr:`LegResult.behind_other_leg`."""
    other = LEGS[1 - LEGS.index(leg)]
    return (f"{leg} lower leg seen edge-on behind the {other} leg (camera about "
            f"{view_yaw_deg:.0f}° to the side): the pose model mostly guesses it, so it was not "
            f"counted there; film from the {leg} side to count it")


def edge_on_advice(leg: str) -> str:
    """``hipcam live``'s banner for a leg of :meth:`SessionAnalyzer.behind_other_leg` (short:
    read from the bed)."""
    return (f"{leg} leg seen edge-on behind the other: not counted - move the camera "
            f"toward the front, or to the {leg} side")


def rom_note(image_weight: float) -> str:
    """How far to trust a range of motion read with this image weight."""
    return ROM_NOTE_IMAGE if image_weight >= 0.99 else ROM_NOTE_3D


@dataclass(frozen=True)
class RepEvent:
    """Emitted by :meth:`SessionAnalyzer.push` when a leg finishes a rep."""

    leg: str
    result: RepResult
    count: int  # reps of this leg so far
    current_set: int  # reps in the leg's current continuous set (this one included)
    set_number: int = 1  # 1-based number of that set
    set_start_s: float = 0.0
    set_smoothness_score: float = float("nan")  # mean score of the current set so far
    best_set: int = 0  # longest continuous set of this leg so far
    leg_smoothness_score: float = float("nan")  # mean score of all this leg's reps


@dataclass(frozen=True)
class SetEndEvent:
    """Emitted when a leg's continuous set ends.

    ``reason``: ``rest`` (no rep for ``pause_break_s``: sent as soon as that is certain),
    ``manual`` (:meth:`SessionAnalyzer.break_set`) or ``session_end`` (:meth:`~SessionAnalyzer.finish`).
    """

    leg: str
    number: int  # 1-based set number
    set: RepSet
    reason: str
    t_s: float  # analysis time at which the end became known
    smoothness_score: float


class PositionGate(Protocol):
    """Decides, per frame and leg, whether the person is in the exercise position.

    A sample out of position is never counted: it is kept in the series (plots, CSV) but the rep
    detector sees a gap there (a rep in progress is dropped). ``sample`` has already been masked
    (off-picture landmarks have visibility 0); ``leg_angles`` holds both legs' raw angles.
    Returns two booleans in :data:`~hipcam.angles.LEGS` order.
    """

    def in_position(self, t_s: float, sample: pose.PoseSample,
                    leg_angles: angles.LegAngles) -> tuple[bool, bool]: ...


def _mean_of_finite(*values: float) -> float:
    """Mean of the finite values; NaN (and no warning) when there is none."""
    ok = [v for v in values if math.isfinite(v)]
    return sum(ok) / len(ok) if ok else math.nan


def _longest_run(checks: array, passing: bool) -> int:
    """The longest run of samples whose position-check verdict passes (``passing``) or fails;
    samples where the leg was not seen (NaN) neither break nor extend a run."""
    best = run = 0
    for c in checks:
        if math.isfinite(c):
            run = run + 1 if (c >= position.HOLD) == passing else 0
            best = max(best, run)
    return best


# -- the analyser -------------------------------------------------------------------------------
class _LegStream:
    """One leg's state on the analysis grid."""

    def __init__(self, fs_hz: float) -> None:
        self.view = SortedWindow(max(int(YAW_WINDOW_S * fs_hz), 1))
        self.view_yaw = array("d")
        # the side-view reading's level against the picture's, measured while the leg rests (as
        # the thigh's yaw below): the two rest at different levels (the side-view reading's up to
        # 100-200° away), and the image weight moves with the estimated view, during a rep too:
        # blended unaligned, a share of that offset would be added to the rep or make one
        self.rest_side_offset = SortedWindow(max(int(YAW_WINDOW_S * fs_hz), 1))
        self.side_offset = 0.0  # the last used (degrees)
        self.offset_set = False
        # the geometry of the image correction, measured while the leg rests: during a rep the
        # model moves the thigh with the shin, and a yaw following it would bend the reading
        self.rest_thigh_yaw = SortedWindow(max(int(YAW_WINDOW_S * fs_hz), 1))
        self.rest_knee_tilt = SortedWindow(max(int(YAW_WINDOW_S * fs_hz), 1))
        # the camera's pitch as the knees show it (the range of motion read from the side)
        self.rest_knee_rise = SortedWindow(max(int(YAW_WINDOW_S * fs_hz), 1))
        self.knee_rise = array("d")
        self.thigh_yaw = array("d")  # the held values used, per sample
        self.knee_tilt = array("d")
        self.shin_length = array("d")  # px, per sample (the knee-extension check)
        self.knee_lead = array("d")
        self.checks = array("d")  # the position checks' verdict per sample (the posture echo)
        self.image_weight = array("d")
        # a coarse grid (--stride) cannot carry the nominal cut-offs: lowered, explicitly
        self.lowpass_3d = CausalLowpass(cutoff_for_rate(CUTOFF_3D_HZ, fs_hz), fs_hz)
        self.lowpass = CausalLowpass(cutoff_for_rate(DETECT_CUTOFF_HZ, fs_hz), fs_hz)
        self.baseline = RestAngle(fs_hz)
        self.detector = RepDetector()
        # float64 arrays rather than lists of float objects: 8 bytes a sample instead of ~32
        self.raw = array("d")
        self.filtered = array("d")
        self.rest = array("d")
        self.in_position = array("b")
        self.methods: list[str] = []
        self.reps: list[RepResult] = []
        self.pending: list[Rep] = []  # detected, waiting for the post-rep pad to be scored
        self.sets: list[RepSet] = []
        self.set_open = False
        self.break_after_pending = False  # break_set() came while reps were waiting to be scored
        self.gaps: list[tuple[float, float]] = []
        self.swings_out_of_position = 0  # reps the gate refused (the out-of-position warning)
        self.gap_first_s: float | None = None  # open run of unseen samples
        self.gap_last_s = math.nan
        self.frames_seen = 0


class SessionAnalyzer:
    """Feed raw pose samples frame by frame; get rep and set events and, at the end, the result.

    Parameters
    ----------
    fs_hz : the analysis rate (the video's frame rate divided by the stride).
    pause_break_s : a rest at least this long ends a continuous set.
    gate : decides per frame and leg whether the person is in the exercise position (default:
        a new :class:`hipcam.position.PositionGate`, the one gate of ``analyse``, ``live`` and
        ``batch``); see :class:`PositionGate`. A gate with an ``accepts(leg, start_s, t_s)``
        method also vets each finished rep (the position must have held long enough).
    """

    def __init__(self, fs_hz: float, pause_break_s: float = DEFAULT_PAUSE_BREAK_S,
                 gate: PositionGate | None = None,
                 side_view: SideViewCalibration | None = None) -> None:
        if not fs_hz > 0:
            raise ValueError(f"fs_hz must be positive, got {fs_hz}")
        self.fs_hz = float(fs_hz)
        #: how the pose model in use reads a swing in depth (default: the default model's)
        self.side_view = side_view if side_view is not None else side_view_calibration()
        self.pause_break_s = pause_break_s
        self.gate: PositionGate = gate if gate is not None else position.PositionGate()
        self._pad = int(round(SMOOTH_PAD_S * self.fs_hz))
        self._resampler = UniformResampler(self.fs_hz, _N_CH, MAX_GAP_S)
        self._legs = {leg: _LegStream(self.fs_hz) for leg in LEGS}
        self._yaw = SortedWindow(max(int(YAW_WINDOW_S * self.fs_hz), 1))
        self.frames = 0  # frames pushed
        self.frames_detected = 0  # ... with a person
        #: whether each leg (``LEGS`` order) was seen in the newest frame (not hidden, in the picture)
        self.seen_now: tuple[bool, bool] = (False, False)
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

    def _frame_time(self, t_s: float) -> None:
        if self._last_frame_t is not None and t_s > self._last_frame_t:
            self._frame_dt.append(t_s - self._last_frame_t)
        self._last_frame_t = t_s

    # -- input ----------------------------------------------------------------------------
    def push(self, t_s: float, sample: pose.PoseSample | None) -> list[RepEvent | SetEndEvent]:
        """Add one frame's raw pose (None when no person was found); return the new events."""
        self._frame_time(t_s)
        return self._consume(self._resampler.push(t_s, self._frame_channels(t_s, sample)))

    def push_angles(self, t_s: float, angle_2d_deg: tuple[float, float],
                    angle_3d_deg: tuple[float, float] = (math.nan, math.nan),
                    yaw_deg: float = 0.0) -> list[RepEvent | SetEndEvent]:
        """Add one frame given as the legs' raw angles (left, right; NaN = unseen) instead of a
        pose, each seen leg in position and seen from ``yaw_deg``: for replaying simulated or
        recorded angle series."""
        self._frame_time(t_s)
        self.frames += 1
        self.frames_detected += 1
        seen = [math.isfinite(angle_2d_deg[k]) or math.isfinite(angle_3d_deg[k])
                for k in range(len(LEGS))]
        update = getattr(self.gate, "update", None)  # the gate learns "in position" too
        if update is not None:  # (an unseen leg is no evidence either way, as with poses)
            update(t_s, {leg: 1.0 if seen[k] else math.nan for k, leg in enumerate(LEGS)})
        for k, leg in enumerate(LEGS):
            if seen[k]:
                self._legs[leg].frames_seen += 1
        ch = [math.nan] * _N_CH
        for k in range(len(LEGS)):
            ch[_CH_2D[k]], ch[_CH_3D[k]], ch[_CH_SIDE[k]] = angle_2d_deg[k], angle_3d_deg[k], angle_3d_deg[k]
            ch[_CH_POS[k]], ch[_CH_VIEW[k]], ch[_CH_THIGH[k]], ch[_CH_TILT[k]] = 1.0, yaw_deg, yaw_deg, 0.0
        checks = getattr(self.gate, "last_checks", {})
        for k, leg in enumerate(LEGS):
            ch[_CH_CHECK[k]] = checks.get(leg, math.nan)
        ch[_CH_YAW] = yaw_deg
        return self._consume(self._resampler.push(t_s, ch))

    def push_series(self, series: pose.PoseSeries) -> list[RepEvent | SetEndEvent]:
        """:meth:`push` every frame of a recorded series, in order (replays, ``--jobs`` chunks)."""
        events: list[RepEvent | SetEndEvent] = []
        for i in range(len(series)):
            events += self.push(float(series.t_s[i]), series.sample(i))
        return events

    def _frame_channels(self, t_s: float, sample: pose.PoseSample | None) -> list[float]:
        """Steps 1-3 for one frame: the channels to resample (NaN = not measured)."""
        self.frames += 1
        out = [math.nan] * _N_CH
        was_seen, self.seen_now = self.seen_now, (False, False)
        if sample is None:
            return out
        self.frames_detected += 1
        sample = angles.mask_offscreen(sample)
        seen = angles.legs_seen(sample.visibility, sample.image_xy_px, was_seen).tolist()
        self.seen_now = (seen[0], seen[1])
        la = angles.frame_leg_angles(sample.image_xy_px, sample.world_xyz_m)
        in_pos = self.gate.in_position(t_s, sample, la)
        checks = getattr(self.gate, "last_checks", {})
        guessed = getattr(self.gate, "last_guessed", {})
        for k, leg in enumerate(LEGS):
            out[_CH_POS[k]] = 1.0 if in_pos[k] else 0.0
            # a leg the model guesses is no evidence of a posture change (the posture echo)
            out[_CH_CHECK[k]] = math.nan if guessed.get(leg) else checks.get(leg, math.nan)
            if seen[k]:
                self._legs[leg].frames_seen += 1
                out[_CH_2D[k]], out[_CH_3D[k]] = la.angle_2d_deg[k], la.angle_3d_deg[k]
                out[_CH_SIDE[k]] = la.side_rotation_deg[k]
                out[_CH_THIGH[k]], out[_CH_TILT[k]] = la.thigh_yaw_deg[k], la.knee_tilt_deg[k]
                out[_CH_SHIN[k]] = la.shin_length_px[k]
                if seen[1 - k]:  # the other knee's depth is a guess while that leg is not seen
                    out[_CH_LEAD[k]] = la.knee_depth_lead_m[k]
                # the other knee's place, even guessed, follows the camera's pitch (it is read
                # while the legs rest, from a leg hidden behind this one too)
                out[_CH_RISE[k]] = la.knee_rise_shins[k]
            out[_CH_VIEW[k]] = la.view_yaw_deg[k]
        out[_CH_YAW] = la.camera_yaw_deg
        return out

    def break_set(self) -> list[SetEndEvent]:
        """End every open set now (the ``r`` key in ``hipcam live``); the next rep starts a new one.

        A rep already finished but still waiting for its scoring pad belongs to the set it ended.
        """
        events: list[SetEndEvent] = []
        for leg in LEGS:
            s = self._legs[leg]
            if s.pending:
                s.break_after_pending = True
            elif s.set_open:
                events.append(self._close_set(leg, "manual"))
        return events

    def finish(self) -> list[RepEvent | SetEndEvent]:
        """End of stream: flush held-back samples, score the reps still waiting for their
        post-rep padding and close the open sets (call once)."""
        events = self._consume(self._resampler.flush())
        for leg in LEGS:
            s = self._legs[leg]
            while s.pending:
                rep = s.pending.pop(0)
                if self._accepts(leg, rep, self.t_s[-1] if self.t_s else rep.end_s):
                    events += self._emit(leg, rep)
            if s.set_open:
                events.append(self._close_set(leg, "session_end"))
        return events

    # -- per grid sample ------------------------------------------------------------------
    def _consume(self, rows: list[tuple[float, np.ndarray]]) -> list[RepEvent | SetEndEvent]:
        events: list[RepEvent | SetEndEvent] = []
        for t, row in rows:
            ch = row.tolist()
            self.t_s.append(t)
            if math.isfinite(ch[_CH_YAW]):
                self._yaw.append(ch[_CH_YAW])
            yaw = self._yaw.median() if len(self._yaw) else 0.0
            self.yaw_deg.append(yaw)
            both_rest = not any(self._legs[leg].detector.in_rep for leg in LEGS)
            for k, leg in enumerate(LEGS):
                s = self._legs[leg]
                a2, a3 = ch[_CH_2D[k]], ch[_CH_3D[k]]
                self.raw_2d[leg].append(a2)
                self.raw_3d[leg].append(a3)
                pos = ch[_CH_POS[k]]
                # a flag interpolated across a change of position is not "in position"
                countable = not math.isfinite(pos) or pos >= 1.0 - 1e-9
                resting = countable and not s.detector.in_rep
                if math.isfinite(ch[_CH_VIEW[k]]):
                    s.view.append(ch[_CH_VIEW[k]])
                view = s.view.median() if len(s.view) else 0.0
                s.view_yaw.append(view)
                # the camera's view of this leg decides how much the image is trusted: from its
                # median over the last seconds, blended smoothly (no step) as it changes
                w = angles.image_weight(view)
                s.image_weight.append(w)
                method = "2d" if w >= 1.0 else ("3d" if w <= 0.0 else "blend")
                # the side-view reading is scaled up (the model reads a fraction of a swing in
                # depth) and, for the detector only, smoothed more (depth is the model's weakest
                # coordinate); the raw series (plots, smoothness) keeps it unsmoothed: the
                # smoothness analysis filters each rep in its own band, and a 1.5 Hz pre-filter
                # would erase the very submovements it scores
                # the image correction's geometry, held at its values while the person sits in
                # position and the leg rests (the knee line: while both legs rest): during a
                # rep the model turns the thigh with the shin, and standing up moves everything
                thigh, tilt = ch[_CH_THIGH[k]], ch[_CH_TILT[k]]
                if resting and math.isfinite(thigh):
                    s.rest_thigh_yaw.append(thigh)
                if countable and both_rest and math.isfinite(tilt):
                    s.rest_knee_tilt.append(tilt)
                rise = ch[_CH_RISE[k]]
                if countable and both_rest and math.isfinite(rise):
                    s.rest_knee_rise.append(rise)
                s.knee_rise.append(s.rest_knee_rise.median() if len(s.rest_knee_rise) else rise)
                if len(s.rest_thigh_yaw):  # else this frame's own values, until the leg rests
                    thigh = s.rest_thigh_yaw.median()
                if len(s.rest_knee_tilt):
                    tilt = s.rest_knee_tilt.median()
                s.thigh_yaw.append(thigh)
                s.knee_tilt.append(tilt)
                s.shin_length.append(ch[_CH_SHIN[k]])
                s.knee_lead.append(ch[_CH_LEAD[k]])
                s.checks.append(ch[_CH_CHECK[k]])
                image = angles.correct_view_deg_float(a2, thigh, tilt)
                side_raw = ch[_CH_SIDE[k]]
                side = self.side_view.gain * side_raw
                # the side-view reading's level follows the picture's only where the picture has
                # weight (0 < w): seen edge-on the corrected picture is noise, amplified
                if math.isfinite(image) and math.isfinite(side) and (w > 0.0 or not s.offset_set):
                    if resting and s.filtered and abs(s.filtered[-1] - s.rest[-1]) <= STILL_DEG:
                        s.rest_side_offset.append(side - image)
                    # until the leg rests, this frame's own: the blend is the picture's level
                    s.side_offset = (s.rest_side_offset.median() if len(s.rest_side_offset)
                                     else side - image)
                    s.offset_set = True
                value = angles.blend_rotation(image, side - s.side_offset, w)
                detect = angles.blend_rotation(
                    image, self.side_view.gain * s.lowpass_3d.step(side_raw) - s.side_offset, w)
                events += self._leg_sample(leg, t, value, detect, method, countable)
        return events

    def _leg_sample(self, leg: str, t: float, value: float, detect: float, method: str,
                    countable: bool) -> list[RepEvent | SetEndEvent]:
        s = self._legs[leg]
        s.raw.append(value)
        s.methods.append(method)
        s.in_position.append(1 if countable else 0)
        if math.isfinite(value):
            if s.gap_first_s is not None:
                s.gaps.append((s.gap_first_s, s.gap_last_s))
                s.gap_first_s = None
        else:
            if s.gap_first_s is None:
                s.gap_first_s = t
            s.gap_last_s = t
        x = detect if countable else math.nan
        f = s.lowpass.step(x)
        rest = s.baseline.step(t, f)
        s.filtered.append(f)
        s.rest.append(rest)
        rep = s.detector.update(t, f - rest if math.isfinite(f) else math.nan, rest)
        if rep is not None and self._rom_deg(s, rep) >= (
                self.side_view.min_rom_deg * (1.0 - s.image_weight[rep.peak_index])):
            s.pending.append(rep)
        events: list[RepEvent | SetEndEvent] = []
        # a rep is scored once SMOOTH_PAD_S of signal after its end is in (or a gap comes)
        if s.pending and (len(s.raw) - 1 >= s.pending[0].end_index + self._pad
                          or not math.isfinite(value)):
            rep = s.pending.pop(0)
            if self._accepts(leg, rep, t):
                events += self._emit(leg, rep)
        if s.set_open and not s.pending:
            if s.break_after_pending:
                events.append(self._close_set(leg, "manual"))
            else:
                since = self.rest_since_s(leg)
                if since is not None and since - s.sets[-1].end_s >= self.pause_break_s:
                    events.append(self._close_set(leg, "rest"))
        return events

    # -- reps and sets --------------------------------------------------------------------
    def _accepts(self, leg: str, rep: Rep, t_s: float) -> bool:
        """Whether a finished rep counts: the gate's verdict (see
        :meth:`hipcam.position.PositionGate.accepts`) and the shin hanging before it
        (:meth:`_shin_hung`; either failing counts as a swing out of position), and not an echo
        of the other leg's swing or posture (:meth:`_is_echo`, :meth:`_is_posture_echo`), a
        side-view swing the picture does not show (:meth:`_is_unseen_swing`) or a knee extension
        (:meth:`_is_knee_extension`), and the leg not seen edge-on behind the other over the last
        :data:`EDGE_ON_LIVE_WINDOW_S` (:meth:`behind_other_leg`: the model mostly guesses it)."""
        accepts = getattr(self.gate, "accepts", None)
        if (accepts is not None and not accepts(leg, rep.start_s, t_s)) \
                or not self._shin_hung(leg, rep):
            self._legs[leg].swings_out_of_position += 1
            return False
        return (not self._is_echo(leg, rep) and not self._is_posture_echo(leg, rep)
                and not self._is_unseen_swing(leg, rep) and not self._is_knee_extension(leg, rep)
                and not self.behind_other_leg(leg, EDGE_ON_LIVE_WINDOW_S))

    def _is_posture_echo(self, leg: str, rep: Rep) -> bool:
        """A rep during which the *other* leg, seen, failed the position checks (a stretch of
        :data:`POSTURE_ECHO_MIN_S` within :data:`POSTURE_ECHO_MARGIN_S` of the rep) having
        passed them lately (as long, within :data:`POSTURE_ECHO_RECENT_S` before the rep or
        during it) is the model's echo of that leg's big movement (a knee extension, standing
        up), not a rotation: the model moves a resting leg's landmarks 9-27° with the other
        leg's (measured on real footage, 2026-12-03). A leg out of position for longer (an
        outstretched or crossed resting leg) vetoes nothing, and frames where the other leg is
        not seen are no evidence: a leg hidden behind an object does not veto the reps of the
        one in view."""
        other = self._legs[LEGS[1 - LEGS.index(leg)]]
        m = int(round(POSTURE_ECHO_MARGIN_S * self.fs_hz))
        recent = int(round(POSTURE_ECHO_RECENT_S * self.fs_hz))
        need = max(int(round(POSTURE_ECHO_MIN_S * self.fs_hz)), 1)
        end = min(rep.end_index + m + 1, len(other.checks))
        return (_longest_run(other.checks[max(rep.start_index - m, 0):end], passing=False) >= need
                and _longest_run(other.checks[max(rep.start_index - recent, 0):end],
                                 passing=True) >= need)

    def _picture_rest(self, leg: str, rep: Rep) -> tuple[float, float]:
        """``(angle_2d_deg, shin_length_px)``: the leg's resting shin in the picture before
        ``rep`` (medians over the last :data:`SWING_REST_S`; NaN when the picture had none)."""
        s = self._legs[leg]
        lo = max(rep.start_index - int(round(SWING_REST_S * self.fs_hz)), 0)
        rest = [(a, n) for a, n in zip(self.raw_2d[leg][lo : rep.start_index + 1],
                                       s.shin_length[lo : rep.start_index + 1], strict=True)
                if math.isfinite(a) and math.isfinite(n) and n > 0]
        if not rest:
            return math.nan, math.nan
        return statistics.median(a for a, _ in rest), statistics.median(n for _, n in rest)

    def _shin_hung(self, leg: str, rep: Rep) -> bool:
        """Whether the shin hung before ``rep``: a hanging shin looks upright in the picture
        from any side (within :data:`MAX_REST_SHIN_TILT_DEG`); one lying out to the side (a leg
        stretched on a table or the bed) is not in the exercise position, whatever the world
        landmarks' depth makes of it. No picture: no verdict (True)."""
        a0, _ = self._picture_rest(leg, rep)
        return not abs(a0) > MAX_REST_SHIN_TILT_DEG

    def _picture_swing(self, leg: str, rep: Rep) -> tuple[float, float]:
        """``(across, up)``: the biggest excursion of the ankle about the knee in the picture
        during ``rep``, from the leg's resting shin (:meth:`_picture_rest`), in resting shin
        lengths (:func:`hipcam.angles.swing_in_picture`); NaN when the picture has no resting
        shin or nothing during the rep."""
        s = self._legs[leg]
        a2 = self.raw_2d[leg]
        hi = min(rep.end_index + 1, len(s.shin_length))
        a0, n0 = self._picture_rest(leg, rep)
        if hi - rep.start_index < 2 or not math.isfinite(a0):
            return math.nan, math.nan
        best, across, up = -1.0, math.nan, math.nan
        for a, n in zip(a2[rep.start_index : hi], s.shin_length[rep.start_index : hi], strict=True):
            if math.isfinite(a) and math.isfinite(n):
                x, y = angles.swing_in_picture(a, n, a0, n0)
                if math.hypot(x, y) > best:  # the biggest excursion
                    best, across, up = math.hypot(x, y), x, y
        return across, up

    def _is_unseen_swing(self, leg: str, rep: Rep) -> bool:
        """A rep read (partly) from the 3D side-view rotation whose foot hardly moved in the
        picture (below :data:`MIN_SIDE_PICTURE_SWING`, scaled by how little the image is
        trusted) is the model's depth guess moving, not the leg: seen edge-on the model swings a
        resting near leg's 3D reading with the far leg exercising behind it. A rep the picture
        saw less than half of is not judged."""
        s = self._legs[leg]
        need = MIN_SIDE_PICTURE_SWING * (1.0 - s.image_weight[rep.peak_index])
        if need <= 0.0:
            return False
        a2 = self.raw_2d[leg][rep.start_index : rep.end_index + 1]
        shin = s.shin_length[rep.start_index : rep.end_index + 1]
        pictured = sum(math.isfinite(a) and math.isfinite(n) for a, n in zip(a2, shin, strict=True))
        if 2 * pictured < len(a2):  # the picture missed most of the rep: no verdict from it
            return False
        across, up = self._picture_swing(leg, rep)
        return math.hypot(across, up) < need  # NaN (no picture to judge by): False

    def _is_knee_extension(self, leg: str, rep: Rep) -> bool:
        """Seen from aside, the near leg's foot swinging forward (a seated knee extension) moves
        across the picture like a rotation toward the other leg; with the camera above the knees
        it moves *down* the picture where a rotation moves it up (:func:`hipcam.angles.swing_fit`).
        A rep of the leg nearer the camera (:data:`NEAR_KNEE_LEAD_M`), seen from at most
        :data:`EXTENSION_CHECK_MAX_YAW_DEG` aside, whose biggest image excursion from its resting
        shin (:meth:`_picture_swing`) fits an extension (:data:`EXTENSION_FIT_BELOW`) where the
        two are well apart (:data:`EXTENSION_MIN_SEPARATION`), is not counted. Where the picture
        cannot tell (in front, a camera at knee height) it counts."""
        s = self._legs[leg]
        lo = max(rep.start_index - int(round(SWING_REST_S * self.fs_hz)), 0)
        if rep.start_index - lo < 1:
            return False
        lead = [x for x in s.knee_lead[lo : rep.start_index + 1] if math.isfinite(x)]
        if not lead or statistics.median(lead) < NEAR_KNEE_LEAD_M:
            return False
        yaw, tilt = s.thigh_yaw[rep.start_index], s.knee_tilt[rep.start_index]
        if not yaw <= EXTENSION_CHECK_MAX_YAW_DEG:  # NaN: unknown view
            return False
        across, up = self._picture_swing(leg, rep)
        fit, separation = angles.swing_fit(across, up, yaw, tilt)
        return separation >= EXTENSION_MIN_SEPARATION and fit < EXTENSION_FIT_BELOW

    def _is_echo(self, leg: str, rep: Rep) -> bool:
        """Seen from :data:`ECHO_VIEW_DEG` or more aside, the model moves the far leg a little with
        the near one: a rep of ``leg`` whose peak coincides (within :data:`ECHO_WINDOW_S`) with a
        swing of the other leg :data:`ECHO_RATIO` times its size or more is that echo, not a rep.
        (Measured on the camera grid at 60°: echoes of 57-67% of the near leg's swing, peaking
        within 0.4 s of it — the far leg's image angle is corrected for a larger yaw than the
        near one's.) From the front, or for reps of similar size, both legs count; seen from
        45° or more aside, a rep done together with a 1.4 times larger one of the other leg is
        taken for an echo too, and from any view one done with a
        :data:`ECHO_RATIO_ANY_VIEW` times larger one (docs/accuracy.md)."""
        s = self._legs[leg]
        side_view = s.view_yaw[rep.peak_index] >= ECHO_VIEW_DEG  # NaN: not a side view
        ratio = ECHO_RATIO if side_view else ECHO_RATIO_ANY_VIEW
        other = self._legs[LEGS[1 - LEGS.index(leg)]]
        k = int(round(ECHO_WINDOW_S * self.fs_hz))
        a, b = max(rep.peak_index - k, 0), min(rep.peak_index + k + 1, len(other.filtered))
        swing = [f - r for f, r in zip(other.filtered[a:b], other.rest[a:b], strict=True)
                 if math.isfinite(f) and math.isfinite(r)]
        return bool(swing) and max(swing) >= ratio * rep.peak_deg

    def in_position_intervals(self, leg: str) -> list[tuple[float, float]]:
        """The leg's stretches in the exercise position so far, ``(start_s, end_s)``."""
        intervals = getattr(self.gate, "intervals", None)
        if intervals is not None:
            return list(intervals(leg))
        return position.flags_to_intervals(np.array(self.t_s), np.array(self._legs[leg].in_position))

    def _emit(self, leg: str, rep: Rep) -> list[RepEvent | SetEndEvent]:
        s = self._legs[leg]
        res = self._score(s, rep)
        s.reps.append(res)
        events: list[RepEvent | SetEndEvent] = []
        if s.set_open and rep.start_s - s.sets[-1].end_s >= self.pause_break_s:
            events.append(self._close_set(leg, "rest"))
        if not s.set_open:
            s.sets.append(RepSet(rep.start_s, rep.end_s, 0, len(s.reps) - 1))
            s.set_open = True
        cur = s.sets[-1]
        cur = dataclasses.replace(cur, end_s=rep.end_s, reps=cur.reps + 1)
        s.sets[-1] = cur
        set_score = mean_score([r.smoothness_score for r in s.reps[cur.first_rep:]])
        leg_score = mean_score([r.smoothness_score for r in s.reps])
        events.append(RepEvent(leg, res, len(s.reps), cur.reps, len(s.sets), cur.start_s, set_score,
                               longest_set(s.sets), leg_score))
        return events

    def _score(self, s: _LegStream, rep: Rep) -> RepResult:
        """Smoothness of a finished rep (:mod:`hipcam.rep_smoothness`), with the pose-noise
        floor measured on this leg's resting stretches before the rep; NaN (not scored) for a
        rep read mostly from the 3D side-view estimate (:data:`SMOOTHNESS_MIN_IMAGE_WEIGHT`)."""
        rom = self._rom_deg(s, rep)
        if s.image_weight[rep.peak_index] < SMOOTHNESS_MIN_IMAGE_WEIGHT:  # not measurable
            return RepResult(rep, math.nan, math.nan, math.nan, math.nan, math.nan, rom)
        rest_rel = np.subtract(s.filtered, s.rest)
        noise = leg_noise_floor(s.raw, rest_rel, self.fs_hz, [r.rep for r in s.reps],
                                rep.start_index - self._pad)
        sc = score_rep(s.raw, self.fs_hz, rep, self.frame_rate_hz, noise)
        return RepResult(rep, sc.sparc_out, sc.sparc_back, sc.ldlj_out, sc.ldlj_back,
                         sc.smoothness_score, rom)

    def _rom_deg(self, s: _LegStream, rep: Rep) -> float:
        """A rep's range of motion: its peak, the side-view share of it (``1 − w``, ``w`` the
        image weight at the peak) corrected for the camera's pitch
        (:meth:`SideViewCalibration.rom_factor`); the peak as it is where the picture alone
        read it."""
        return rep.peak_deg * self._rom_scale(s, rep.peak_index)

    def _rom_scale(self, s: _LegStream, i: int) -> float:
        """What an angle above rest at grid sample ``i`` is multiplied by to be degrees of hip
        rotation: 1 where the picture alone reads it, else its side-view share (``1 − w``)
        scaled by :meth:`SideViewCalibration.rom_factor` for the camera's pitch."""
        w = s.image_weight[i]
        if w >= 1.0:
            return 1.0
        return w + (1.0 - w) * self.side_view.rom_factor(s.knee_rise[i])

    def _close_set(self, leg: str, reason: str) -> SetEndEvent:
        s = self._legs[leg]
        s.set_open = False
        s.break_after_pending = False
        cur = s.sets[-1]
        score = mean_score([r.smoothness_score for r in s.reps[cur.first_rep:cur.first_rep + cur.reps]])
        t = self.t_s[-1] if self.t_s else cur.end_s
        return SetEndEvent(leg, len(s.sets), cur, reason, t, score)

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
        """The leg's continuous sets so far (the last one may still be open)."""
        return list(self._legs[leg].sets)

    def set_open(self, leg: str) -> bool:
        return self._legs[leg].set_open

    def gaps(self, leg: str) -> list[tuple[float, float]]:
        """``(start_s, end_s)`` of the stretches the leg was not measured (longer than the
        bridged :data:`~hipcam.filtering.MAX_GAP_S`), including one still open."""
        s = self._legs[leg]
        out = list(s.gaps)
        if s.gap_first_s is not None:
            out.append((s.gap_first_s, s.gap_last_s))
        return out

    def seen_fraction(self, leg: str) -> float:
        """Of the frames with a person, the fraction in which the leg's knee and ankle were seen."""
        return self._legs[leg].frames_seen / self.frames_detected if self.frames_detected else 0.0

    def swings_out_of_position(self, leg: str) -> int:
        """How many rep-like swings of ``leg`` the position gate refused so far."""
        return self._legs[leg].swings_out_of_position

    def leg_result(self, leg: str) -> LegResult:
        s = self._legs[leg]
        methods = [m for m, v in zip(s.methods, s.raw, strict=True) if math.isfinite(v)]
        method = max(set(methods), key=methods.count) if methods else "2d"
        views = [v for v in s.view_yaw if math.isfinite(v)]
        weights = [s.image_weight[r.rep.peak_index] for r in s.reps]
        return LegResult(list(s.reps), self.sets(leg), method, self.gaps(leg), self.seen_fraction(leg),
                         float(np.median(views)) if views else math.nan,
                         float(np.mean(weights)) if weights else 1.0,
                         self.in_position_intervals(leg), s.swings_out_of_position,
                         self.behind_other_leg(leg))

    def behind_other_leg(self, leg: str, window_s: float | None = None) -> bool:
        """Whether ``leg``, seen (:data:`SEEN_LEG_MIN_FRACTION`), is seen edge-on behind the other
        leg: its knee the model places at least :data:`NEAR_KNEE_LEAD_M` farther from the camera
        (median) and the camera at least :data:`EDGE_ON_VIEW_DEG` to its side (median view): its
        counts are unreliable, so its reps are not counted. Over the whole session, or the last
        ``window_s`` seconds (the veto and the live banner)."""
        s = self._legs[leg]
        if window_s is None:
            seen = self.seen_fraction(leg)
            views, leads = np.array(s.view_yaw), np.array(s.knee_lead)  # copies: they grow
        else:
            n = max(int(round(window_s * self.fs_hz)), 1)
            raw = np.array(s.raw[-n:])
            seen = float(np.isfinite(raw).mean()) if raw.size else 0.0
            views, leads = np.array(s.view_yaw[-n:]), np.array(s.knee_lead[-n:])
        views, leads = views[np.isfinite(views)], leads[np.isfinite(leads)]
        return bool(seen >= SEEN_LEG_MIN_FRACTION and views.size and leads.size
                    and np.median(views) >= EDGE_ON_VIEW_DEG
                    and np.median(leads) <= -NEAR_KNEE_LEAD_M)

    def series(self) -> dict[str, np.ndarray]:
        """The per-sample arrays on the analysis grid (for CSV and plots)."""
        # np.array copies: a view would pin the growing arrays (they cannot resize while exported)
        out: dict[str, np.ndarray] = {"t_s": np.array(self.t_s),
                                      "camera_yaw_deg": np.array(self.yaw_deg)}
        for leg in LEGS:
            s = self._legs[leg]
            out[f"{leg}_angle_2d_deg"] = np.array(self.raw_2d[leg])
            out[f"{leg}_angle_3d_deg"] = np.array(self.raw_3d[leg])
            out[f"{leg}_view_yaw_deg"] = np.array(s.view_yaw)
            out[f"{leg}_image_weight"] = np.array(s.image_weight)
            # the angle above rest in the same degrees as the reps' range of motion (the
            # side-view share corrected for the camera's pitch, as :meth:`_rom_scale`)
            rest = np.array(s.rest)
            scale = np.array([self._rom_scale(s, i) for i in range(len(s.rest))])
            out[f"{leg}_angle_deg"] = rest + (np.array(s.raw) - rest) * scale
            out[f"{leg}_filtered_deg"] = rest + (np.array(s.filtered) - rest) * scale
            out[f"{leg}_rest_deg"] = rest
        return out
