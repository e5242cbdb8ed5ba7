"""The per-frame fast paths equal the reference numpy implementations they replace."""

import math

import numpy as np
import pytest
from synthetic import pose_sample

from hipcam import angles
from hipcam.filtering import CausalLowpass, SortedWindow
from hipcam.session import frame_angles


def test_sorted_window_matches_numpy_median_and_percentile():
    rng = np.random.default_rng(0)
    w = SortedWindow(37)
    ref: list[float] = []
    for x in rng.normal(0, 5, 400).round(1):  # rounding makes ties (duplicates) common
        w.append(float(x))
        ref = (ref + [float(x)])[-37:]
        assert w.median() == np.median(ref)
        for q in (0.0, 10.0, 50.0, 73.0, 100.0):
            assert w.percentile(q) == np.percentile(ref, q)


def test_causal_lowpass_matches_scipy_sosfilt():
    from scipy import signal

    x = np.sin(np.linspace(0, 20, 300)) * 10 + np.random.default_rng(1).normal(0, 1, 300)
    f = CausalLowpass(3.0, 30.0)
    ours = np.array([f.step(float(v)) for v in x])
    sos = signal.butter(2, 3.0 / 15.0, output="sos")
    ref, _ = signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert math.isnan(f.step(math.nan))


def test_scalar_angle_functions_match_vectorised():
    rng = np.random.default_rng(2)
    pts = rng.normal(0, 0.3, (200, 4, 3))
    vec = angles.shin_rotation_3d_deg(pts[:, 0], pts[:, 1], pts[:, 2], pts[:, 3])
    sca = [angles.shin_rotation_3d_deg_scalar(*(tuple(p) for p in row)) for row in pts]
    np.testing.assert_allclose(sca, vec, rtol=0, atol=1e-9)
    a2, yaw = rng.uniform(-80, 80, 200), rng.uniform(-10, 90, 200)
    np.testing.assert_allclose(
        [angles.correct_foreshortening_deg_scalar(a, y) for a, y in zip(a2, yaw, strict=True)],
        angles.correct_foreshortening_deg(a2, yaw), rtol=0, atol=1e-9)


def _frame_angles_reference(sample):
    """The original numpy formulation of :func:`hipcam.session.frame_angles`."""
    from hipcam import pose
    from hipcam.session import _LEG_IDX, MIN_VISIBILITY

    out = np.full(5, np.nan)
    xy, vis, world = sample.image_xy_px, sample.visibility, sample.world_xyz_m
    for k, (hip, knee, ankle, other_knee) in enumerate(_LEG_IDX.values()):
        if min(vis[knee], vis[ankle]) < MIN_VISIBILITY:
            continue
        a2 = angles.shin_angle_2d_deg(xy[knee], xy[ankle])
        out[k] = float(a2 * angles.toward_other_leg_sign(xy[knee, 0], xy[other_knee, 0]))
        out[2 + k] = float(angles.shin_rotation_3d_deg(world[hip], world[knee], world[ankle],
                                                       world[other_knee]))
    out[4] = float(angles.camera_yaw_deg(world[pose.L_HIP], world[pose.R_HIP]))
    return out


@pytest.mark.parametrize("left,right,visible", [(0.0, 0.0, True), (25.0, -3.0, True),
                                                (40.0, 12.0, True), (10.0, 0.0, False)])
def test_frame_angles_matches_numpy_reference(left, right, visible):
    s = pose_sample(left, right, visible=visible)
    got = frame_angles(s)
    if s is None:
        assert np.isnan(got).all()
        return
    np.testing.assert_allclose(got, _frame_angles_reference(s), rtol=0, atol=1e-9, equal_nan=True)


def test_pose_series_builder_blocks_keep_every_frame():
    from hipcam.pose import _BLOCK_FRAMES, PoseSeriesBuilder

    b = PoseSeriesBuilder()
    assert len(b.build()) == 0
    n = _BLOCK_FRAMES * 2 + 5
    samples = [None if i % 5 == 0 else pose_sample(float(i % 40), 0.0) for i in range(n)]
    for i, s in enumerate(samples):
        b.add(i, i / 30.0, s)
    ps = b.build()
    assert len(ps) == n and ps.image_xy_px.shape == (n, 33, 2) and ps.world_xyz_m.shape == (n, 33, 3)
    np.testing.assert_array_equal(ps.frame_index, np.arange(n))
    for i in (0, 1, _BLOCK_FRAMES - 1, _BLOCK_FRAMES, n - 1):
        if samples[i] is None:
            assert np.isnan(ps.image_xy_px[i]).all() and not ps.visibility[i].any()
        else:
            np.testing.assert_array_equal(ps.image_xy_px[i], samples[i].image_xy_px)
            np.testing.assert_array_equal(ps.world_xyz_m[i], samples[i].world_xyz_m)
    assert ps.detected.sum() == sum(s is not None for s in samples)
