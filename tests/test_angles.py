import numpy as np
import pytest

from hipcam import angles


def test_shin_angle_2d_zero_when_hanging_straight_and_signed():
    assert angles.shin_angle_2d_deg([100, 100], [100, 200]) == pytest.approx(0)
    assert angles.shin_angle_2d_deg([100, 100], [200, 200]) == pytest.approx(45)
    assert angles.shin_angle_2d_deg([100, 100], [0, 200]) == pytest.approx(-45)


def test_toward_other_leg_sign_handles_mirroring():
    # other knee to the right -> moving the ankle right (positive 2D angle) is toward it
    assert angles.toward_other_leg_sign(280.0, 360.0) == 1.0
    assert angles.toward_other_leg_sign(360.0, 280.0) == -1.0


def test_camera_yaw_from_hip_line():
    assert angles.camera_yaw_deg([0.1, 0, 0], [-0.1, 0, 0]) == pytest.approx(0)
    d = np.radians(40)
    yaw = angles.camera_yaw_deg([0.1 * np.cos(d), 0, 0.1 * np.sin(d)], [0, 0, 0])
    assert yaw == pytest.approx(40)


@pytest.mark.parametrize("yaw", [0.0, 20.0, 40.0])
@pytest.mark.parametrize("theta", [5.0, 20.0, 45.0])
def test_foreshortening_correction_inverts_projection(theta, yaw):
    # a sideways swing seen at yaw: tan(theta_2d) = tan(theta) * cos(yaw)
    seen = np.degrees(np.arctan(np.tan(np.radians(theta)) * np.cos(np.radians(yaw))))
    assert angles.correct_foreshortening_deg(seen, yaw) == pytest.approx(theta, abs=1e-6)


def test_shin_rotation_3d_positive_toward_other_leg_for_both_legs():
    for side in (+1, -1):  # +1: leg on +x, other leg on -x
        hip = np.array([side * 0.1, 0, 0])
        knee = np.array([side * 0.1, 0, -0.45])
        other = np.array([-side * 0.1, 0, -0.45])
        for theta in (0.0, 15.0, 30.0):
            a = np.radians(theta)
            ankle = knee + 0.4 * np.array([-side * np.sin(a), np.cos(a), 0])
            assert angles.shin_rotation_3d_deg(hip, knee, ankle, other) == pytest.approx(theta, abs=1e-6)


def test_interpolate_short_gaps_fills_short_keeps_long():
    t = np.arange(30) / 10.0  # 10 Hz
    x = np.arange(30, dtype=float)
    x[5:7] = np.nan  # 0.3 s between valid neighbours -> filled
    x[15:25] = np.nan  # 1.1 s -> kept
    y, gaps = angles.interpolate_short_gaps(t, x, 0.3)
    assert np.allclose(y[5:7], [5, 6])
    assert np.isnan(y[15:25]).all()
    assert gaps == [(1.5, 2.4)]
