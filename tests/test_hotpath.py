"""The per-frame fast paths equal the reference numpy implementations they replace."""

import dataclasses
import math

import numpy as np
import pytest
from synthetic import pose_sample

from hipcam import angles, pose
from hipcam.filtering import CausalLowpass, SortedWindow


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


def test_per_frame_geometry_equals_the_whole_series_at_once():
    """The analyser calls the geometry one frame at a time; offline code calls it on a series."""
    frames = [pose_sample(a, b) for a, b in [(0.0, 0.0), (25.0, -3.0), (40.0, 12.0), (10.0, 33.0)]]
    xy = np.stack([f.image_xy_px for f in frames])
    world = np.stack([f.world_xyz_m for f in frames])
    whole = angles.leg_angles(xy, world)
    for i, f in enumerate(frames):
        one = angles.frame_leg_angles(f.image_xy_px, f.world_xyz_m)
        for field in dataclasses.fields(angles.LegAngles):  # every quantity, both paths
            if field.name == "camera_yaw_deg":
                continue
            np.testing.assert_allclose(getattr(one, field.name), getattr(whole, field.name)[i],
                                       rtol=0, atol=1e-9, err_msg=field.name)
        assert one.camera_yaw_deg == pytest.approx(float(whole.camera_yaw_deg[i]), abs=1e-9)
        assert angles.correct_view_deg_float(one.angle_2d_deg[0], 37.0, -12.0) == pytest.approx(
            float(angles.correct_view_deg(one.angle_2d_deg[0], 37.0, -12.0)), abs=1e-9)
    # degenerate input (a zero-length thigh) is NaN on both paths, without warnings
    f = pose_sample(10.0, 0.0)
    f.world_xyz_m[pose.L_KNEE] = f.world_xyz_m[pose.L_HIP]
    assert np.isnan(angles.frame_leg_angles(f.image_xy_px, f.world_xyz_m).angle_3d_deg[0])
    assert np.isnan(angles.leg_angles(f.image_xy_px, f.world_xyz_m).angle_3d_deg[0])


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
