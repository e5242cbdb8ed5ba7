"""Body geometry: the one landmark table and the one implementation of the leg angles.

Pure numpy, no I/O. Every function takes landmark arrays with any leading shape (one frame
``(33, 2)``, a whole series ``(N, 33, 2)``) and works on both legs at once; the streaming analyser
(:class:`hipcam.session.SessionAnalyzer`) calls it once per frame, offline code once per series,
and both get the same numbers from the same lines.

Which landmarks are used (:data:`LEG_LANDMARKS`), which are trusted (:func:`mask_offscreen`,
:func:`legs_seen`) and the two angle estimates per leg:

* **2D** (:func:`shin_angle_2d_deg`): the angle of the knee→ankle vector in the image from the
  image vertical. With the thighs resting on the bed the shin pivots about the knee, so in a
  camera in front of the person this angle *is* the hip rotation. With the camera turned by a yaw
  ``φ`` relative to the leg's thigh, sideways motion is foreshortened by ``cos φ``; with the camera also
  above the knees (pitch ``α``) the foot's swing in depth shows up and down in the picture: up for
  the leg nearer the camera (its foot swings away: the angle reads long), down for the far one
  (reads short). :func:`correct_view_deg` undoes both: ``tan θ = tan θ₂ᴅ / (cos φ (1 + tan θ₂ᴅ
  tan τ))``, where ``τ`` is the tilt of the line through the knees in the picture
  (:func:`knee_tilt_deg`: ``tan τ = ±tan φ sin α``, the sign telling near from far) and ``φ``
  the yaw of the leg's own thigh (:func:`thigh_yaw_deg`). The session holds both at their
  values while the leg rests.
* **3D** (:func:`shin_rotation_3d_deg`): the rotation of the shin about the leg's own thigh axis,
  from MediaPipe's world landmarks.

The analyser uses the corrected 2D angle while the camera is within 45° of the front, the 3D
rotation from 65° (where the picture no longer shows the swing) and a smooth blend in between
(:func:`image_weight`, :func:`blend_rotation`): no step when the estimated camera angle crosses
a threshold.

Angles are positive when the foot swings toward the other leg, whichever way the camera faces or
mirrors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hipcam import pose

LEGS = ("left", "right")
#: A knee or ankle with a visibility below this is not a measurement.
MIN_VISIBILITY = 0.5
#: ... and a leg already seen stays seen down to this (hysteresis): from a camera above and
#: beside the bed the heavy model's confidence in the near ankle dips to 0.40-0.47 at the top of
#: every swing away from the camera, which cut each rep by a 0.3-0.5 s gap; hidden legs read
#: 0.15-0.3.
KEEP_VISIBILITY = 0.35
#: A lower leg whose knee and ankle both lie within this many shin lengths of the other lower leg
#: in the picture, and which the model sees less well than that one, is hidden behind it
#: (:func:`hidden_behind_other_leg`).
HIDDEN_OVERLAP_SHINS = 0.25
#: ... and whose knee/ankle visibility is at least this much below the other leg's: a hidden leg
#: reads 0.43-0.49 below the near one on rendered 90° views, while two legs the model merely
#: places together (a box over the shins from the front) read within 0.02 of each other.
HIDDEN_VISIBILITY_MARGIN = 0.2
#: Landmarks further outside the picture than this fraction of its size are treated as unseen.
OFFSCREEN_MARGIN = 0.02
#: The image angle (corrected for yaw) is used alone up to this camera yaw, the 3D rotation alone
#: from :data:`IMAGE_YAW_NONE_DEG`, and a smooth blend of the two in between (:func:`image_weight`).
IMAGE_YAW_FULL_DEG = 60.0
IMAGE_YAW_NONE_DEG = 75.0
#: The knee line's tilt in the picture is read as the camera's pitch only up to what a camera this
#: far above the knees would give (``tan τ ≤ tan φ sin α``, :func:`correct_view_deg`): from the
#: front that is almost nothing, so a camera rolled a little (a phone propped crooked, an uneven
#: seat) is not taken for pitch; 60° aside it allows ~41°.
MAX_PITCH_DEG = 30.0
#: Weight of the foot's rise in :func:`swing_fit`'s predictions. The full geometric rise (1)
#: left real reps and rendered knee extensions 0.11 apart in fit (0.12 vs 0.23), none (0) left
#: them overlapping; 0.5 separated them widest (extensions ≤ 0.27, reps ≥ 0.63) on the camera
#: grid and 23 look-alike renders. An empirical weight, chosen there; checked on fresh renders
#: (docs/accuracy.md).
SWING_RISE_WEIGHT = 0.5


@dataclass(frozen=True)
class LegLandmarks:
    """BlazePose indices of one leg's joints (and of the other leg's, for "toward the other leg")."""

    hip: int
    knee: int
    ankle: int
    heel: int
    foot: int
    other_hip: int
    other_knee: int
    other_ankle: int


#: The one leg → landmark table.
LEG_LANDMARKS: dict[str, LegLandmarks] = {
    "left": LegLandmarks(pose.L_HIP, pose.L_KNEE, pose.L_ANKLE, pose.L_HEEL, pose.L_FOOT,
                         pose.R_HIP, pose.R_KNEE, pose.R_ANKLE),
    "right": LegLandmarks(pose.R_HIP, pose.R_KNEE, pose.R_ANKLE, pose.R_HEEL, pose.R_FOOT,
                          pose.L_HIP, pose.L_KNEE, pose.L_ANKLE),
}
# index arrays in LEGS order, for working on both legs at once
_HIP = np.array([LEG_LANDMARKS[leg].hip for leg in LEGS])
_KNEE = np.array([LEG_LANDMARKS[leg].knee for leg in LEGS])
_ANKLE = np.array([LEG_LANDMARKS[leg].ankle for leg in LEGS])
_OTHER_KNEE = np.array([LEG_LANDMARKS[leg].other_knee for leg in LEGS])


# -- which landmarks to trust -------------------------------------------------------------------
def offscreen(image_xy_px: np.ndarray, width: int, height: int,
              margin: float = OFFSCREEN_MARGIN) -> np.ndarray:
    """Boolean ``(..., 33)``: the landmark lies outside the picture (or is not a number).

    ``width``/``height`` of 0 mean "unknown": then only non-finite positions count as outside.
    """
    xy = np.asarray(image_xy_px, dtype=float)
    bad = ~np.isfinite(xy).all(axis=-1)
    if width <= 0 or height <= 0:
        return bad
    mx, my = margin * width, margin * height
    u, v = xy[..., 0], xy[..., 1]
    return bad | (u < -mx) | (u > width + mx) | (v < -my) | (v > height + my)


#: A leg whose heel or toes lie outside the picture, its ankle inside, in at least this share of
#: the frames with a person is named in a warning (:func:`foot_cut_fraction`): the ankle is then
#: at the picture's edge and its swing reads wrong (rendered: a camera 1.5 m up, 1.6 m away, the
#: near foot cut in every frame — its 8 reps were all taken for knee extensions).
FOOT_CUT_WARN_FRACTION = 0.5


def foot_cut_warning(leg: str, fraction: float) -> str:
    """The one wording of the cut-foot warning (``analyse``, and ``live`` after calibration)."""
    return (f"{leg} foot partly out of the picture in {100 * fraction:.0f}% of frames: keep both "
            f"feet (heels and toes) in the picture - move the camera back or tilt it down; {leg} "
            f"counts may be wrong")


def foot_cut_fraction(image_xy_px: np.ndarray, frame_size_px: tuple[int, int],
                      detected: np.ndarray) -> dict[str, float]:
    """Per leg, the share of the ``detected`` frames of a series ``(n, 33, 2)`` in which the
    heel or the toes lie outside the picture (or have no position) while the ankle is inside
    (0.0 for an unknown picture size or no detection)."""
    w, h = frame_size_px
    det = np.asarray(detected, dtype=bool)
    if w <= 0 or h <= 0 or not det.any():
        return {leg: 0.0 for leg in LEGS}
    out = offscreen(image_xy_px, w, h, 0.0)
    fractions = {}
    for leg in LEGS:
        j = LEG_LANDMARKS[leg]
        cut = (out[:, j.heel] | out[:, j.foot]) & ~out[:, j.ankle] & det
        fractions[leg] = float(cut.sum() / det.sum())
    return fractions


def mask_offscreen(sample: pose.PoseSample | None, margin: float = OFFSCREEN_MARGIN
                   ) -> pose.PoseSample | None:
    """The sample with the visibility of landmarks outside its picture set to 0.

    MediaPipe extrapolates a whole skeleton even when the feet are out of the frame, sometimes with
    a high visibility; an angle from a guessed ankle is not a measurement, so such a leg counts as
    not visible (and the result says so) instead of producing plausible-looking garbage. The
    picture size is the sample's ``frame_size_px``.
    """
    if sample is None:
        return None
    w, h = sample.frame_size_px
    outside = offscreen(sample.image_xy_px, w, h, margin)
    if not outside.any():
        return sample
    vis = sample.visibility.copy()
    vis[outside] = 0.0
    return pose.PoseSample(sample.image_xy_px, vis, sample.world_xyz_m, sample.n_people,
                           sample.frame_size_px)


def _point_segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance from points ``p`` to segments ``a``–``b`` (``(..., 2)`` each, same units)."""
    ab = b - a
    denom = np.maximum((ab * ab).sum(axis=-1), 1e-12)
    u = np.clip(((p - a) * ab).sum(axis=-1) / denom, 0.0, 1.0)
    return np.linalg.norm(p - (a + u[..., None] * ab), axis=-1)


def hidden_behind_other_leg(image_xy_px: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """Boolean ``(..., 2)`` in :data:`LEGS` order: the lower leg is hidden behind the other one.

    With the camera beside the bed the far lower leg lies behind the near one in the picture and
    its landmarks are the model's guesses, which it may still give a visibility above
    :data:`MIN_VISIBILITY` (0.52 on a rendered 90° view). A leg is taken as hidden when its knee
    and its ankle both lie within :data:`HIDDEN_OVERLAP_SHINS` shin lengths of the other leg's
    knee–ankle segment in the picture and its own knee/ankle visibility is at least
    :data:`HIDDEN_VISIBILITY_MARGIN` below the other leg's (the model knows which leg is in front).
    From the front the knees are a hip width apart (about 0.8 shin lengths), so a foot swinging
    across the other shin at the end of a rep is not "hidden".
    """
    xy = np.asarray(image_xy_px, dtype=float)
    vis = np.asarray(visibility, dtype=float)
    knee, ankle = xy[..., _KNEE, :], xy[..., _ANKLE, :]  # (..., 2 legs, 2)
    o_knee, o_ankle = knee[..., ::-1, :], ankle[..., ::-1, :]  # the other leg's, in the same order
    shin = 0.5 * (np.linalg.norm(ankle - knee, axis=-1) + np.linalg.norm(o_ankle - o_knee, axis=-1))
    near = HIDDEN_OVERLAP_SHINS * np.maximum(shin, 1e-9)
    overlap = ((_point_segment_distance(knee, o_knee, o_ankle) < near)
               & (_point_segment_distance(ankle, o_knee, o_ankle) < near))
    own = np.minimum(vis[..., _KNEE], vis[..., _ANKLE])
    with np.errstate(invalid="ignore"):
        return overlap & (own < own[..., ::-1] - HIDDEN_VISIBILITY_MARGIN)


def legs_seen(visibility: np.ndarray, image_xy_px: np.ndarray | None = None,
              was_seen: np.ndarray | tuple[bool, bool] | None = None) -> np.ndarray:
    """Boolean ``(..., 2)`` in :data:`LEGS` order: knee and ankle both visible enough (and, when
    the image landmarks are given, the lower leg not hidden behind the other one). With
    ``was_seen`` (the previous frame's verdict, same shape) a leg seen there stays seen down to
    :data:`KEEP_VISIBILITY` (hysteresis: see there)."""
    vis = np.asarray(visibility)
    own = np.minimum(vis[..., _KNEE], vis[..., _ANKLE])
    floor = MIN_VISIBILITY if was_seen is None else np.where(was_seen, KEEP_VISIBILITY,
                                                             MIN_VISIBILITY)
    seen = own >= floor
    if image_xy_px is not None:
        seen &= ~hidden_behind_other_leg(image_xy_px, vis)
    return seen


# -- the geometry --------------------------------------------------------------------------------
# Each formula is written once, component by component, over a numeric backend ``xp``: numpy for
# arrays of any shape (whole series), or :class:`_ScalarMath` for the plain floats of one frame
# (the streaming analyser runs the geometry once per frame, where numpy's per-call overhead on
# two-element arrays would cost ~50x the arithmetic). Same source lines, same numbers.
class _ScalarMath:
    """The few numpy names the formulas use, for Python floats."""

    nan = math.nan
    sqrt = staticmethod(math.sqrt)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    arctan2 = staticmethod(math.atan2)
    degrees = staticmethod(math.degrees)
    radians = staticmethod(math.radians)
    abs = staticmethod(abs)
    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def where(cond: bool, a: float, b: float) -> float:
        return a if cond else b


def _unit(x, y, z, xp):  # noqa: ANN001, ANN202 - arrays or floats
    """The vector's components divided by its length (NaN for a zero vector, without warnings)."""
    n = xp.sqrt(x * x + y * y + z * z)
    n = xp.where(n > 0, n, xp.nan)
    return x / n, y / n, z / n


def _shin_2d(knee_u, knee_v, ankle_u, ankle_v, other_knee_u, xp):  # noqa: ANN001, ANN202
    """Signed image angle of the shin: positive toward the other knee."""
    a = xp.degrees(xp.arctan2(ankle_u - knee_u, ankle_v - knee_v))
    return xp.where(other_knee_u >= knee_u, a, -a)


def _yaw(left_hip, right_hip, xp):  # noqa: ANN001, ANN202
    return xp.degrees(xp.arctan2(xp.abs(left_hip[2] - right_hip[2]), xp.abs(left_hip[0] - right_hip[0])))


def _view_yaw(left_hip, right_hip, hip, knee, xp):  # noqa: ANN001, ANN202
    """Yaw of the camera relative to one leg: ``atan(√(tan φ_hips · tan φ_thigh))``.

    The hip line (across the view at 0°) and the thigh (along the view at 0°) both give the yaw,
    but the model compresses depth by some factor ``c``: the hip line reads ``tan φ·c``, the
    thigh ``tan φ / c``; their geometric mean cancels ``c``. Using the leg's own thigh also
    follows the splay of that thigh.
    """
    hx, hz = xp.abs(left_hip[0] - right_hip[0]), xp.abs(left_hip[2] - right_hip[2])
    tx, tz = xp.abs(knee[0] - hip[0]), xp.abs(knee[2] - hip[2])
    return xp.degrees(xp.arctan2(xp.sqrt(hz * tx), xp.sqrt(hx * tz)))


def _thigh_yaw(hip, knee, xp):  # noqa: ANN001, ANN202
    """Yaw of the camera relative to one thigh: 0 when the thigh points at the camera."""
    return xp.degrees(xp.arctan2(xp.abs(knee[0] - hip[0]), xp.abs(knee[2] - hip[2])))


def _knee_tilt(knee_u, knee_v, other_knee_u, other_knee_v, xp):  # noqa: ANN001, ANN202
    """Tilt of the image line through the knees, positive when the other knee appears higher
    (v is down)."""
    return xp.degrees(xp.arctan2(knee_v - other_knee_v, xp.abs(other_knee_u - knee_u)))


_SIN_MAX_PITCH = math.sin(math.radians(MAX_PITCH_DEG))


def _pitch_tan_tilt(tilt, yaw_rad, xp):  # noqa: ANN001, ANN202
    """``tan τ`` of the knee line's tilt, bounded by what the camera's pitch alone can give at
    this yaw: ``|tan τ| = tan φ |sin α| ≤ tan φ sin α_max`` (:data:`MAX_PITCH_DEG`). The one
    place the tilt is read as pitch (``sin α = tan τ / tan φ``)."""
    bound = xp.sin(yaw_rad) / xp.cos(yaw_rad) * _SIN_MAX_PITCH
    tt = xp.radians(tilt)
    return xp.minimum(xp.maximum(xp.sin(tt) / xp.cos(tt), -bound), bound)


def _correct(a2, yaw, tilt, xp):  # noqa: ANN001, ANN202
    a = xp.radians(a2)
    y = xp.radians(xp.minimum(xp.maximum(yaw, 0.0), 80.0))
    tt = _pitch_tan_tilt(tilt, y, xp)
    return xp.degrees(xp.arctan2(xp.sin(a), xp.cos(y) * (xp.cos(a) + xp.sin(a) * tt)))


def _knee_rise(knee_v, other_knee_v, shin_px):  # noqa: ANN001, ANN202
    """How much higher the other knee appears than this one, in this leg's shin lengths."""
    return (knee_v - other_knee_v) / shin_px


def _shin_length(knee_u, knee_v, ankle_u, ankle_v, xp):  # noqa: ANN001, ANN202
    """Knee→ankle length in the picture (px)."""
    du, dv = ankle_u - knee_u, ankle_v - knee_v
    return xp.sqrt(du * du + dv * dv)


def _knee_lead(knee, other_knee):  # noqa: ANN001, ANN202
    """How much nearer the camera the knee is than the other knee (m, world depth)."""
    return other_knee[2] - knee[2]


def _shin_rotation(hip, knee, ankle, other_knee, xp, depth_only=False):  # noqa: ANN001, ANN202
    hx, hy, hz = hip
    kx, ky, kz = knee
    ax, ay, az = _unit(kx - hx, ky - hy, kz - hz, xp)  # thigh axis
    # toward the other knee, made perpendicular to the axis; for the side-view reading only the
    # depth part of that direction (the model's other knee wanders across the picture there)
    lx, ly, lz = other_knee[0] - kx, other_knee[1] - ky, other_knee[2] - kz
    if depth_only:
        lx, ly = lx * 0.0, ly * 0.0
    d = lx * ax + ly * ay + lz * az
    lx, ly, lz = _unit(lx - d * ax, ly - d * ay, lz - d * az, xp)
    dx, dy, dz = ay * lz - az * ly, az * lx - ax * lz, ax * ly - ay * lx  # axis × lateral
    sx, sy, sz = ankle[0] - kx, ankle[1] - ky, ankle[2] - kz
    s_down = sx * dx + sy * dy + sz * dz
    # axis × lateral points down for one leg and up for the other: orient it along the shin
    flip = xp.where(s_down < 0, -1.0, 1.0)
    return xp.degrees(xp.arctan2(sx * lx + sy * ly + sz * lz, s_down * flip))


def _xyz(a: np.ndarray) -> np.ndarray:
    """``(..., k)`` → ``(k, ...)``: components first, for unpacking."""
    return np.moveaxis(np.asarray(a, dtype=float), -1, 0)


def shin_angle_2d_deg(knee_xy: np.ndarray, ankle_xy: np.ndarray) -> np.ndarray:
    """Angle (degrees) of the knee→ankle image vector from the image vertical, ``atan2(du, dv)``.

    ``knee_xy`` and ``ankle_xy`` are ``(..., 2)`` pixel coordinates (u right, v down). Zero when
    the ankle hangs straight below the knee; positive when it lies to the image right.
    """
    d = np.asarray(ankle_xy, dtype=float) - np.asarray(knee_xy, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def signed_shin_angle_2d_deg(knee_xy: np.ndarray, ankle_xy: np.ndarray,
                             other_knee_xy: np.ndarray) -> np.ndarray:
    """:func:`shin_angle_2d_deg` made positive toward the other knee (also in mirrored images)."""
    (ku, kv), (au, av), (ou, _) = _xyz(knee_xy), _xyz(ankle_xy), _xyz(other_knee_xy)
    return _shin_2d(ku, kv, au, av, ou, np)


def camera_yaw_deg(left_hip_xyz_m: np.ndarray, right_hip_xyz_m: np.ndarray) -> np.ndarray:
    """Unsigned camera yaw about the vertical (degrees), from the hip line in world landmarks.

    0 when the camera faces the person square on, 90 when it looks from the side.
    """
    return _yaw(_xyz(left_hip_xyz_m), _xyz(right_hip_xyz_m), np)


def thigh_yaw_deg(hip_xyz_m: np.ndarray, knee_xyz_m: np.ndarray) -> np.ndarray:
    """Unsigned yaw (degrees) of the camera relative to the thigh (hip→knee, world landmarks): 0 when
    the thigh points at the camera, 90 when the camera looks at it from the side."""
    return _thigh_yaw(_xyz(hip_xyz_m), _xyz(knee_xyz_m), np)


def knee_tilt_deg(knee_xy_px: np.ndarray, other_knee_xy_px: np.ndarray) -> np.ndarray:
    """Tilt (degrees) of the image line from this leg's knee to the other knee, positive when the
    other knee appears higher. With the thighs side by side, for a camera at yaw ``φ`` and pitch
    ``α`` (looking down) it is ``atan(tan φ sin α)``, positive for the leg nearer the camera. (The
    knees rather than the hips: nearer the shins, whose view it corrects, and the model's hip
    points sit unevenly on some bodies — 7.5° where the knees read 1.4° on one sample.)"""
    (ku, kv), (ou, ov) = _xyz(knee_xy_px), _xyz(other_knee_xy_px)
    return _knee_tilt(ku, kv, ou, ov, np)


def knee_rise_shins(knee_xy_px: np.ndarray, other_knee_xy_px: np.ndarray,
                    ankle_xy_px: np.ndarray) -> np.ndarray:
    """How much higher the other knee appears than this one in the picture, in this leg's shin
    lengths (knee→ankle in the picture). With the thighs side by side and the shins hanging,
    for a camera at yaw ``φ`` and pitch ``α`` (looking down) it is about ``(w / l) sin φ tan α``
    (``w`` the knees' spacing, ``l`` the shin): from aside, the camera's pitch — which the knee
    line's tilt (:func:`knee_tilt_deg`) cannot give there, the knees being one above the other
    in the picture. NaN for a zero-length shin."""
    (ku, kv), (_, ov), (au, av) = _xyz(knee_xy_px), _xyz(other_knee_xy_px), _xyz(ankle_xy_px)
    shin = _shin_length(ku, kv, au, av, np)
    return _knee_rise(kv, ov, np.where(shin > 0, shin, np.nan))


def correct_view_deg(angle_2d_deg: np.ndarray, yaw_deg: np.ndarray | float,
                     tilt_deg: np.ndarray | float = 0.0) -> np.ndarray:
    """The hip rotation from the signed image angle ``θ₂ᴅ`` of a shin seen from the camera's yaw
    ``φ`` relative to its thigh and the knee line's tilt ``τ`` (:func:`knee_tilt_deg`):
    ``atan(tan θ₂ᴅ / (cos φ (1 + tan θ₂ᴅ tan τ)))`` — for an orthographic camera with the true
    ``φ`` this is exact up to a factor ``cos α`` of the pitch (the ``φ`` read from the model's
    camera-aligned world landmarks also carries some pitch and the model's depth scale).
    ``τ = 0`` gives the yaw correction alone; ``φ`` is limited to 0-80° and ``tan τ`` to
    ``±tan φ sin`` :data:`MAX_PITCH_DEG`."""
    return _correct(np.asarray(angle_2d_deg, dtype=float), np.asarray(yaw_deg, dtype=float),
                    np.asarray(tilt_deg, dtype=float), np)


def correct_foreshortening_deg(angle_2d_deg: np.ndarray, yaw_deg: np.ndarray | float) -> np.ndarray:
    """Undo the ``cos(yaw)`` foreshortening of a sideways swing: ``atan(tan θ₂ᴅ / cos φ)``
    (:func:`correct_view_deg` of a level camera)."""
    return correct_view_deg(angle_2d_deg, yaw_deg, 0.0)


def shin_rotation_3d_deg(
    hip_xyz: np.ndarray, knee_xyz: np.ndarray, ankle_xyz: np.ndarray, other_knee_xyz: np.ndarray
) -> np.ndarray:
    """Rotation (degrees) of the shin about the thigh axis, positive toward the other leg.

    The shin is projected on the plane perpendicular to the thigh (hip→knee); the angle is taken
    between it and the "down" direction of that plane, with the lateral direction pointing at the
    other knee. All inputs are ``(..., 3)`` world coordinates; degenerate input gives NaN.
    """
    return _shin_rotation(_xyz(hip_xyz), _xyz(knee_xyz), _xyz(ankle_xyz), _xyz(other_knee_xyz), np)


def side_rotation_deg(
    hip_xyz: np.ndarray, knee_xyz: np.ndarray, ankle_xyz: np.ndarray, other_knee_xyz: np.ndarray
) -> np.ndarray:
    """The side-view reading: :func:`shin_rotation_3d_deg` with the lateral direction taken along
    the camera's depth axis (toward the other knee's side).

    From beside the bed the swing toward the other leg is a swing in depth. The model reads only
    a fraction of it (a median 25-40% on rendered tests, by model variant:
    :data:`hipcam.session.SIDE_VIEW_CALIBRATION` scales it), but that fraction is steady, where
    the full 3D rotation's frame follows the far knee, which the model guesses.
    """
    return _shin_rotation(_xyz(hip_xyz), _xyz(knee_xyz), _xyz(ankle_xyz), _xyz(other_knee_xyz), np,
                          depth_only=True)


@dataclass(frozen=True)
class LegAngles:
    """Both legs' raw angle estimates; arrays of shape ``(..., 2)`` in :data:`LEGS` order
    (``camera_yaw_deg`` has the leading shape only)."""

    angle_2d_deg: np.ndarray  # signed image angle, toward the other leg positive (uncorrected)
    angle_3d_deg: np.ndarray  # shin rotation about the thigh axis
    camera_yaw_deg: np.ndarray  # from the hip line
    view_yaw_deg: np.ndarray  # per leg: the camera's yaw relative to that leg (see _view_yaw)
    side_rotation_deg: np.ndarray  # per leg: the side-view reading (see side_rotation_deg)
    thigh_yaw_deg: np.ndarray  # per leg: the camera's yaw relative to that thigh
    knee_tilt_deg: np.ndarray  # per leg: the image knee line's tilt toward the other knee
    shin_length_px: np.ndarray  # per leg: knee→ankle length in the picture
    knee_depth_lead_m: np.ndarray  # per leg: how much nearer the camera than the other knee
    knee_rise_shins: np.ndarray  # per leg: the other knee's height above it in the picture


def leg_angles(image_xy_px: np.ndarray, world_xyz_m: np.ndarray) -> LegAngles:
    """Both legs' 2D and 3D angles and the camera yaw from ``(..., 33, 2)`` / ``(..., 33, 3)``."""
    xy = np.asarray(image_xy_px, dtype=float)
    world = np.asarray(world_xyz_m, dtype=float)
    a2 = signed_shin_angle_2d_deg(xy[..., _KNEE, :], xy[..., _ANKLE, :], xy[..., _OTHER_KNEE, :])
    a3 = shin_rotation_3d_deg(world[..., _HIP, :], world[..., _KNEE, :], world[..., _ANKLE, :],
                              world[..., _OTHER_KNEE, :])
    lh, rh = world[..., pose.L_HIP, :], world[..., pose.R_HIP, :]
    yaw = camera_yaw_deg(lh, rh)
    view = _view_yaw(_xyz(lh[..., None, :]), _xyz(rh[..., None, :]), _xyz(world[..., _HIP, :]),
                     _xyz(world[..., _KNEE, :]), np)
    side = side_rotation_deg(world[..., _HIP, :], world[..., _KNEE, :], world[..., _ANKLE, :],
                             world[..., _OTHER_KNEE, :])
    thigh = thigh_yaw_deg(world[..., _HIP, :], world[..., _KNEE, :])
    tilt = knee_tilt_deg(xy[..., _KNEE, :], xy[..., _OTHER_KNEE, :])
    shin = _shin_length(*_xyz(xy[..., _KNEE, :]), *_xyz(xy[..., _ANKLE, :]), np)
    lead = _knee_lead(_xyz(world[..., _KNEE, :]), _xyz(world[..., _OTHER_KNEE, :]))
    rise = knee_rise_shins(xy[..., _KNEE, :], xy[..., _OTHER_KNEE, :], xy[..., _ANKLE, :])
    return LegAngles(a2, a3, yaw, view, side, thigh, tilt, shin, lead, rise)


def frame_leg_angles(image_xy_px: np.ndarray, world_xyz_m: np.ndarray) -> LegAngles:
    """:func:`leg_angles` of one frame ``(33, 2)`` / ``(33, 3)`` in plain floats (the per-frame
    path of the streaming analyser): lists ``[left, right]`` and a float ``camera_yaw_deg``."""
    xy = image_xy_px.tolist()
    world = world_xyz_m.tolist()
    m = _ScalarMath
    lh, rh = world[pose.L_HIP], world[pose.R_HIP]
    a2, a3, view, side, thigh, tilt, shin, lead, rise = [], [], [], [], [], [], [], [], []
    for leg in LEGS:
        j = LEG_LANDMARKS[leg]
        (ku, kv), (au, av) = xy[j.knee], xy[j.ankle]
        ou, ov = xy[j.other_knee]
        hip, knee, ankle, other = world[j.hip], world[j.knee], world[j.ankle], world[j.other_knee]
        a2.append(_shin_2d(ku, kv, au, av, ou, m))
        a3.append(_shin_rotation(hip, knee, ankle, other, m))
        view.append(_view_yaw(lh, rh, hip, knee, m))
        side.append(_shin_rotation(hip, knee, ankle, other, m, depth_only=True))
        thigh.append(_thigh_yaw(hip, knee, m))
        tilt.append(_knee_tilt(ku, kv, ou, ov, m))
        shin.append(_shin_length(ku, kv, au, av, m))
        lead.append(_knee_lead(knee, other))
        rise.append(_knee_rise(kv, ov, shin[-1]) if shin[-1] > 0 else math.nan)
    return LegAngles(a2, a3, _yaw(lh, rh, m), view, side, thigh, tilt,  # type: ignore[arg-type]
                     shin, lead, rise)


def correct_view_deg_float(angle_2d_deg: float, yaw_deg: float, tilt_deg: float = 0.0) -> float:
    """:func:`correct_view_deg` for floats (same formula)."""
    return _correct(angle_2d_deg, yaw_deg, tilt_deg, _ScalarMath)


def swing_in_picture(angle_2d_deg: float, shin_length_px: float, rest_angle_2d_deg: float,
                     rest_shin_length_px: float) -> tuple[float, float]:
    """``(across, up)``: the ankle's displacement relative to the knee in the picture, from the
    resting shin (signed image angle :func:`signed_shin_angle_2d_deg`, length in px) to this one,
    in resting shin lengths — toward the other leg, and up the picture (the input of
    :func:`swing_fit`). NaN without a resting shin length (0 or NaN)."""
    a, a0 = math.radians(angle_2d_deg), math.radians(rest_angle_2d_deg)
    n, n0 = shin_length_px, rest_shin_length_px
    if not n0 > 0.0:  # no resting shin to measure against (0 or NaN)
        return math.nan, math.nan
    across = (n * math.sin(a) - n0 * math.sin(a0)) / n0
    up = (n0 * math.cos(a0) - n * math.cos(a)) / n0  # image v points down
    return across, up


def swing_fit(across: float, up: float, yaw_deg: float, tilt_deg: float,
              rise_weight: float = SWING_RISE_WEIGHT) -> tuple[float, float]:
    """Where a swing of the foot seen in the picture lies between a rotation about the thigh and a
    knee extension, for the leg *nearer* a camera turned ``φ`` (``yaw_deg``, :func:`thigh_yaw_deg`)
    aside: ``(fit, separation)``.

    ``across`` and ``up`` are the ankle's displacement relative to the knee in the picture, in
    resting shin lengths: toward the other leg, and upward. Seen from aside, the near leg's foot
    moves the same way across the picture whether it swings toward the other leg (a rotation:
    the foot also moves *away* from the camera) or forward (a knee extension: *toward* it); a camera
    above the knees (pitch ``α``, from the knee line's tilt ``τ``: :func:`knee_tilt_deg`) sees
    the two go different ways up and down. For the displacement ``across``, a rotation by ``θ``
    predicts ``up / across = tan(θ/2) cos α / cos φ + tan φ sin α`` (``sin θ = across · cos α /
    cos φ``) and an extension by ``θₑ`` predicts ``tan(θₑ/2) cos α / sin φ − sin α / tan φ``
    (``sin θₑ = across · cos α / sin φ``). The first term of each is the foot's rise, weighted
    by ``rise_weight`` (see :data:`SWING_RISE_WEIGHT`); it is *not* the same for both: for the
    same ``across`` a rotation seen from beyond 45° must be the bigger movement and so rises
    more (less below 45°; equal only at 45°). The second term is the swing in depth seen through
    the pitch, opposite for the two. ``fit`` is the observed ratio's place between the
    predictions: 0 at the extension's, 1 at the rotation's; ``separation`` is how far apart they
    are (their difference in ``up / across``; it depends on ``across`` too): near 0 in front, and
    with a level camera from 30–55° aside, where the picture cannot tell the two apart; with a
    level camera 60–70° aside the rise alone separates a large extension (in geometry 0.2–1.0
    for 30–45° extensions, against 0.06–0.24 for 15–30° rotations: ``tests/test_angles.py``).
    NaN fit where an extension cannot produce that much sideways motion (or nothing moved
    across); a rotation's ``sin θ`` is clipped at 1 instead. ``α`` is bounded by
    :data:`MAX_PITCH_DEG` as in :func:`correct_view_deg`. Scalars (called once per rep).
    """
    if not (across > 0.0 and math.isfinite(up) and math.isfinite(yaw_deg)
            and math.isfinite(tilt_deg)):
        return math.nan, math.nan
    phi = math.radians(min(max(yaw_deg, 1.0), 80.0))
    sin_a = _pitch_tan_tilt(tilt_deg, phi, _ScalarMath) / math.tan(phi)
    cos_a = math.sqrt(1.0 - sin_a * sin_a)
    sin_rot = min(across * cos_a / math.cos(phi), 1.0)
    sin_ext = across * cos_a / math.sin(phi)
    if sin_ext >= 1.0:
        return math.nan, math.nan
    rise_rot = math.tan(math.asin(sin_rot) / 2.0) * cos_a / math.cos(phi)
    rise_ext = math.tan(math.asin(sin_ext) / 2.0) * cos_a / math.sin(phi)
    rot = rise_weight * rise_rot + sin_a * math.tan(phi)
    ext = rise_weight * rise_ext - sin_a / math.tan(phi)
    separation = rot - ext
    if separation == 0.0:
        return math.nan, 0.0
    return (up / across - ext) / separation, separation


def image_weight(camera_yaw_deg: float) -> float:
    """Weight (0..1) of the yaw-corrected image angle against the 3D rotation.

    1 up to :data:`IMAGE_YAW_FULL_DEG`, 0 from :data:`IMAGE_YAW_NONE_DEG`, a smooth step between:
    no jump anywhere, so an estimated camera angle wandering across a threshold cannot make a
    step in the signal (the detector would see a rep). NaN (unknown) counts as a front view.
    """
    x = (IMAGE_YAW_NONE_DEG - camera_yaw_deg) / (IMAGE_YAW_NONE_DEG - IMAGE_YAW_FULL_DEG)
    x = min(max(x, 0.0), 1.0) if x == x else 1.0
    return x * x * (3.0 - 2.0 * x)


def blend_rotation(image_deg: float, rotation_3d_deg: float, weight: float) -> float:
    """``weight`` of the image reading plus the rest of the 3D one (either alone where the other
    is not a number)."""
    if weight >= 1.0 or not math.isfinite(rotation_3d_deg):
        return image_deg
    if weight <= 0.0 or not math.isfinite(image_deg):
        return rotation_3d_deg
    return weight * image_deg + (1.0 - weight) * rotation_3d_deg


#: Where the camera should go (for ``hipcam live``'s setting-up screen and the docs); the figures
#: come from ``benchmarks/accuracy.py``'s camera grid (docs/accuracy.md).
CAMERA_PLACEMENT_ADVICE = (
    "Camera 2-3 m away at about knee-to-hip height, both feet in the picture.",
    "In front of you or up to 45° to either side: both legs counted, range of motion measured.",
    "Further aside (45-90°): the leg nearer the camera is counted; the far leg up to about 60°, "
    "beyond it is hidden behind the other - turn around (or move the camera) for that leg. "
    "Beyond 60° the range of motion is approximate.",
)
