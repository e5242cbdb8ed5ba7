"""Hip external-rotation angle per leg, from pose landmarks. Pure numpy, no I/O.

Two estimates are computed for each leg in each frame:

* **2D** (:func:`shin_angle_2d_deg`): the angle of the knee→ankle vector in the image from the
  image vertical. With the thighs resting on the bed the shin pivots about the knee, so in a
  camera in front of the person this angle *is* the hip rotation. With the camera turned by a yaw
  ``φ`` about the vertical, sideways motion is foreshortened by ``cos φ``;
  :func:`correct_foreshortening_deg` undoes that (``tan θ = tan θ₂ᴅ / cos φ``), with ``φ``
  estimated from the hip line in the world landmarks (:func:`camera_yaw_deg`).
* **3D** (:func:`shin_rotation_3d_deg`): the rotation of the shin about the thigh axis, from
  MediaPipe's world landmarks.

hipcam uses the corrected 2D angle while ``|yaw| ≤ 50°`` (measured on rendered videos its
jitter is 0.5–0.9° against 1–2° for 3D, and its error after correction a few percent), and the 3D
angle beyond that, where the image no longer shows the swing. Both are written to the per-frame
CSV. Angles are positive when the foot swings toward the other leg, whichever way the camera
faces or mirrors.
"""

from __future__ import annotations

import math

import numpy as np

#: Beyond this camera yaw the 2D angle is too foreshortened and the 3D angle is used.
MAX_YAW_FOR_2D_DEG = 50.0


def shin_angle_2d_deg(knee_xy: np.ndarray, ankle_xy: np.ndarray) -> np.ndarray:
    """Angle (degrees) of the knee→ankle image vector from the image vertical, ``atan2(du, dv)``.

    ``knee_xy`` and ankle_xy are ``(..., 2)`` pixel coordinates (u right, v down). Zero when the
    ankle hangs straight below the knee; positive when it lies to the image right.
    """
    d = np.asarray(ankle_xy, dtype=float) - np.asarray(knee_xy, dtype=float)
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def toward_other_leg_sign(knee_u_px: np.ndarray, other_knee_u_px: np.ndarray) -> np.ndarray:
    """+1 where the other knee is to the image right of this one, -1 where to the left.

    Multiplying :func:`shin_angle_2d_deg` by it makes swinging the foot toward the other leg
    positive, including for mirrored webcam images.
    """
    return np.where(np.asarray(other_knee_u_px) >= np.asarray(knee_u_px), 1.0, -1.0)


def camera_yaw_deg(left_hip_xyz_m: np.ndarray, right_hip_xyz_m: np.ndarray) -> np.ndarray:
    """Unsigned camera yaw about the vertical (degrees), from the hip line in world landmarks.

    0 when the camera faces the person square on, 90 when it looks from the side.
    """
    d = np.asarray(left_hip_xyz_m, dtype=float) - np.asarray(right_hip_xyz_m, dtype=float)
    return np.degrees(np.arctan2(np.abs(d[..., 2]), np.abs(d[..., 0])))


def correct_foreshortening_deg(angle_2d_deg: np.ndarray, yaw_deg: np.ndarray | float) -> np.ndarray:
    """Undo the ``cos(yaw)`` foreshortening of a sideways swing: ``atan(tan θ₂ᴅ / cos φ)``."""
    a = np.radians(np.asarray(angle_2d_deg, dtype=float))
    c = np.cos(np.radians(np.clip(yaw_deg, 0.0, 80.0)))
    return np.degrees(np.arctan2(np.sin(a), np.cos(a) * c))


def shin_rotation_3d_deg(
    hip_xyz: np.ndarray, knee_xyz: np.ndarray, ankle_xyz: np.ndarray, other_knee_xyz: np.ndarray
) -> np.ndarray:
    """Rotation (degrees) of the shin about the thigh axis, positive toward the other leg.

    The shin is projected on the plane perpendicular to the thigh (hip→knee); the angle is taken
    between it and the "down" direction of that plane, with the lateral direction pointing at the
    other knee. All inputs are ``(..., 3)`` world coordinates.
    """
    hip, knee, ankle, other = (np.asarray(x, dtype=float) for x in (hip_xyz, knee_xyz, ankle_xyz,
                                                                      other_knee_xyz))
    axis = knee - hip
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    lateral = other - knee
    lateral -= np.sum(lateral * axis, axis=-1, keepdims=True) * axis
    lateral /= np.linalg.norm(lateral, axis=-1, keepdims=True)
    down = np.cross(axis, lateral)
    shin = ankle - knee
    s_down = np.sum(shin * down, axis=-1)
    # cross(axis, lateral) points down for one leg and up for the other: orient it along the shin
    flip = np.where(s_down < 0, -1.0, 1.0)
    return np.degrees(np.arctan2(np.sum(shin * lateral, axis=-1), s_down * flip))


def shin_rotation_3d_deg_scalar(
    hip: tuple[float, float, float], knee: tuple[float, float, float],
    ankle: tuple[float, float, float], other_knee: tuple[float, float, float],
) -> float:
    """:func:`shin_rotation_3d_deg` for one frame, in plain floats (the per-frame hot path).

    Same arithmetic, in the same order, as the vectorised version; NaN for degenerate input.
    """
    hx, hy, hz = hip
    kx, ky, kz = knee
    ax, ay, az = kx - hx, ky - hy, kz - hz
    norm = math.sqrt(ax * ax + ay * ay + az * az)
    if not norm > 0.0:
        return math.nan
    ax, ay, az = ax / norm, ay / norm, az / norm
    lx, ly, lz = other_knee[0] - kx, other_knee[1] - ky, other_knee[2] - kz
    d = lx * ax + ly * ay + lz * az
    lx, ly, lz = lx - d * ax, ly - d * ay, lz - d * az
    norm = math.sqrt(lx * lx + ly * ly + lz * lz)
    if not norm > 0.0:
        return math.nan
    lx, ly, lz = lx / norm, ly / norm, lz / norm
    dx, dy, dz = ay * lz - az * ly, az * lx - ax * lz, ax * ly - ay * lx
    sx, sy, sz = ankle[0] - kx, ankle[1] - ky, ankle[2] - kz
    s_down = sx * dx + sy * dy + sz * dz
    flip = -1.0 if s_down < 0 else 1.0
    return math.degrees(math.atan2(sx * lx + sy * ly + sz * lz, s_down * flip))


def correct_foreshortening_deg_scalar(angle_2d_deg: float, yaw_deg: float) -> float:
    """:func:`correct_foreshortening_deg` for one value, in plain floats."""
    a = math.radians(angle_2d_deg)
    c = math.cos(math.radians(min(max(yaw_deg, 0.0), 80.0)))
    return math.degrees(math.atan2(math.sin(a), math.cos(a) * c))


def interpolate_short_gaps(
    t_s: np.ndarray, x: np.ndarray, max_gap_s: float = 0.3
) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Linearly fill NaN runs shorter than ``max_gap_s``; longer runs stay NaN.

    Returns the filled copy and the list of ``(start_s, end_s)`` of the gaps left unfilled.
    """
    t = np.asarray(t_s, dtype=float)
    y = np.array(x, dtype=float)
    bad = ~np.isfinite(y)
    long_gaps: list[tuple[float, float]] = []
    if not bad.any():
        return y, long_gaps
    good = np.flatnonzero(~bad)
    if good.size == 0:
        return y, [(float(t[0]), float(t[-1]))]
    edges = np.flatnonzero(np.diff(np.r_[0, bad.astype(np.int8), 0]))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        before = start - 1
        after = stop
        t0 = t[before] if before >= 0 else t[start]
        t1 = t[after] if after < len(t) else t[stop - 1]
        if before >= 0 and after < len(t) and (t1 - t0) <= max_gap_s:
            y[start:stop] = np.interp(t[start:stop], [t0, t1], [y[before], y[after]])
        else:
            long_gaps.append((float(t[start]), float(t[stop - 1])))
    return y, long_gaps
