"""A seated body and a pinhole camera, for checking the leg geometry against a real projection.

The body sits on a bed edge: thighs horizontal, knees bent 90°, shins hanging; each shin is
rotated by its hip-rotation angle about its *own* thigh axis toward the other leg. The camera
is a pinhole (perspective) at an azimuth about the vertical, a height above the knees (pitch:
it looks at the knees) and a distance. Image landmarks are the perspective projection; world
landmarks are the body in the camera's orientation, centred between the hips, as MediaPipe
gives them. Nothing here uses :mod:`hipcam.angles`.
"""

from __future__ import annotations

import numpy as np

from hipcam import pose

THIGH_M, SHIN_M, HIP_HALF_M = 0.45, 0.42, 0.1


def seated_body(left_deg: float, right_deg: float, thigh_splay_deg: float = 5.0,
                extension_deg: tuple[float, float] = (0.0, 0.0)) -> dict[int, np.ndarray]:
    """3D joints (metres; x to the person's left, y down, z forward) of the seated pose.

    ``extension_deg`` (left, right) swings a shin forward instead (a seated knee extension:
    the foot forward and up, about the knee's hinge), before any rotation."""
    joints: dict[int, np.ndarray] = {}
    for side, hip_i, knee_i, ankle_i, ang, ext in (
            (+1, pose.L_HIP, pose.L_KNEE, pose.L_ANKLE, left_deg, extension_deg[0]),
            (-1, pose.R_HIP, pose.R_KNEE, pose.R_ANKLE, right_deg, extension_deg[1])):
        hip = np.array([side * HIP_HALF_M, 0.0, 0.0])
        s = np.radians(thigh_splay_deg)
        axis = np.array([side * np.sin(s), 0.0, np.cos(s)])  # the thigh, splayed outward a little
        knee = hip + THIGH_M * axis
        # the shin hangs straight down; rotating it about the thigh axis swings the foot sideways,
        # toward the other leg (-side in x) for a positive angle (Rodrigues' formula)
        e = np.radians(ext)
        down = np.array([0.0, np.cos(e), 0.0]) + axis * np.sin(e)  # the axis is level
        a = np.radians(ang) * side  # right-hand rotation about +axis moves "down" toward -x·side
        shin = (down * np.cos(a) + np.cross(axis, down) * np.sin(a)
                + axis * np.dot(axis, down) * (1 - np.cos(a)))
        joints[hip_i], joints[knee_i], joints[ankle_i] = hip, knee, knee + SHIN_M * shin
    return joints


def camera_basis(azimuth_deg: float, pitch_deg: float) -> np.ndarray:
    """Rows: image right, image down, viewing direction (world coordinates)."""
    az, el = np.radians(azimuth_deg), np.radians(pitch_deg)
    # the camera sits in front of the person (+z), turned by the azimuth about the vertical,
    # raised by the pitch, and looks back at the knees
    to_cam = np.array([np.sin(az) * np.cos(el), -np.sin(el), np.cos(az) * np.cos(el)])
    fwd = -to_cam
    down = np.array([0.0, 1.0, 0.0])
    down = down - down.dot(fwd) * fwd
    down /= np.linalg.norm(down)
    right = np.cross(down, fwd)
    return np.stack([right, down, fwd])


def view(left_deg: float, right_deg: float, azimuth_deg: float = 0.0, pitch_deg: float = 0.0,
         distance_m: float = 2.5, focal_px: float = 600.0, size_px: tuple[int, int] = (640, 480),
         thigh_splay_deg: float = 5.0, extension_deg: tuple[float, float] = (0.0, 0.0)
         ) -> pose.PoseSample:
    """The :class:`~hipcam.pose.PoseSample` a perfect pose model would return for this view."""
    joints = seated_body(left_deg, right_deg, thigh_splay_deg, extension_deg)
    basis = camera_basis(azimuth_deg, pitch_deg)
    target = (joints[pose.L_KNEE] + joints[pose.R_KNEE]) / 2
    cam = target - distance_m * basis[2]
    centre = (joints[pose.L_HIP] + joints[pose.R_HIP]) / 2
    xy = np.full((pose.N_LANDMARKS, 2), np.nan, np.float64)
    world = np.full((pose.N_LANDMARKS, 3), np.nan, np.float64)
    vis = np.zeros(pose.N_LANDMARKS, np.float32)
    w, h = size_px
    for i, p in joints.items():
        c = basis @ (p - cam)
        xy[i] = (w / 2 + focal_px * c[0] / c[2], h / 2 + focal_px * c[1] / c[2])
        world[i] = basis @ (p - centre)
        vis[i] = 1.0
    return pose.PoseSample(xy.astype(np.float32), vis, world.astype(np.float32), 1, size_px)
