"""Synthetic angle series and pose samples for unit tests of the pure signal code."""

from __future__ import annotations

import numpy as np

from hipcam import pose


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk position profile 0→1 for tau in [0, 1]."""
    tau = np.clip(tau, 0.0, 1.0)
    return 10 * tau**3 - 15 * tau**4 + 6 * tau**5


def rep_series(
    fs_hz: float = 30.0,
    n_reps: int = 10,
    period_s: float | list[float] = 2.0,
    amplitude_deg: float | list[float] = 30.0,
    rest_before_s: float = 1.5,
    rest_between_s: float = 0.2,
    rest_after_s: float = 1.5,
    jerky: bool = False,
    noise_deg: float = 0.0,
    seed: int = 0,
    pauses: dict[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    """An angle series (deg) with ``n_reps`` out-and-back reps; returns t, angle, rep intervals.

    ``jerky`` makes each stroke three stop-and-go minimum-jerk submovements. ``pauses`` maps a
    rep index to an extra rest (s) inserted before it.
    """
    rng = np.random.default_rng(seed)
    periods = np.broadcast_to(np.asarray(period_s, float), (n_reps,))
    amps = np.broadcast_to(np.asarray(amplitude_deg, float), (n_reps,))
    pauses = pauses or {}
    chunks = [np.zeros(int(rest_before_s * fs_hz))]
    intervals = []
    t_cursor = len(chunks[0]) / fs_hz
    for k in range(n_reps):
        if k in pauses:
            pad = np.zeros(int(pauses[k] * fs_hz))
            chunks.append(pad)
            t_cursor += len(pad) / fs_hz
        n = int(periods[k] * fs_hz)
        half = n // 2
        tau = np.arange(half) / half
        if jerky:
            # three submovements per stroke, each followed by a stop
            sub = np.floor(tau * 3) / 3 + min_jerk((tau * 3) % 1 * 1.4) / 3
            out = np.minimum(sub, 1.0)
        else:
            out = min_jerk(tau)
        stroke = np.r_[out, 1.0 - out[: n - half]] * amps[k]
        chunks.append(stroke)
        intervals.append((t_cursor, t_cursor + len(stroke) / fs_hz))
        t_cursor += len(stroke) / fs_hz
        gap = np.zeros(int(rest_between_s * fs_hz))
        chunks.append(gap)
        t_cursor += len(gap) / fs_hz
    chunks.append(np.zeros(int(rest_after_s * fs_hz)))
    angle = np.concatenate(chunks)
    angle = angle + rng.normal(0.0, noise_deg, angle.size) if noise_deg else angle
    t = np.arange(angle.size) / fs_hz
    return t, angle, intervals


def pose_sample(left_deg: float, right_deg: float, rest_splay_deg: float = 5.0,
                visible: bool = True) -> pose.PoseSample | None:
    """A front-camera pose with shins at the given external-rotation angles (None = no person).

    The person's left leg is on the image right; rotating toward the other leg moves the left
    ankle to the image left.
    """
    if not visible:
        return None
    xy = np.zeros((pose.N_LANDMARKS, 2), np.float32)
    world = np.zeros((pose.N_LANDMARKS, 3), np.float32)
    shin_px, shin_m = 100.0, 0.42
    for hip, knee, ankle, u, side, ang in (
        (pose.L_HIP, pose.L_KNEE, pose.L_ANKLE, 360.0, +1, left_deg),
        (pose.R_HIP, pose.R_KNEE, pose.R_ANKLE, 280.0, -1, right_deg),
    ):
        # image: rest splay outward (+side), rotation toward the other leg (-side)
        a = np.radians(side * rest_splay_deg - side * ang)
        xy[hip] = (u - side * 15, 220)
        xy[knee] = (u, 220)
        xy[ankle] = (u + shin_px * np.sin(a), 220 + shin_px * np.cos(a))
        # world: x = image right, y down, z toward the camera is negative
        x = side * 0.1
        world[hip] = (x, 0, 0)
        world[knee] = (x, 0.02, -0.45)
        world[ankle] = (x + shin_m * np.sin(a), 0.02 + shin_m * np.cos(a), -0.45)
    vis = np.ones(pose.N_LANDMARKS, np.float32)
    return pose.PoseSample(xy, vis, world, 1)
