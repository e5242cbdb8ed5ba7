import math

import camera_model
import numpy as np
import pytest

from hipcam import angles, pose


def test_shin_angle_2d_zero_when_hanging_straight_and_signed():
    assert angles.shin_angle_2d_deg([100, 100], [100, 200]) == pytest.approx(0)
    assert angles.shin_angle_2d_deg([100, 100], [200, 200]) == pytest.approx(45)
    assert angles.shin_angle_2d_deg([100, 100], [0, 200]) == pytest.approx(-45)


def test_signed_angle_positive_toward_the_other_knee_also_mirrored():
    # other knee to the right -> the ankle moving right (positive 2D angle) is toward it
    assert angles.signed_shin_angle_2d_deg([280, 100], [300, 200], [360, 100]) > 0
    assert angles.signed_shin_angle_2d_deg([360, 100], [340, 200], [280, 100]) > 0
    assert angles.signed_shin_angle_2d_deg([360, 100], [380, 200], [280, 100]) < 0


def test_camera_yaw_from_hip_line():
    assert angles.camera_yaw_deg([0.1, 0, 0], [-0.1, 0, 0]) == pytest.approx(0)
    d = np.radians(40)
    yaw = angles.camera_yaw_deg([0.1 * np.cos(d), 0, 0.1 * np.sin(d)], [0, 0, 0])
    assert yaw == pytest.approx(40)


def test_shin_rotation_3d_positive_toward_other_leg_for_both_legs():
    for side in (+1, -1):  # +1: leg on +x, other leg on -x
        hip = np.array([side * 0.1, 0, 0])
        knee = np.array([side * 0.1, 0, -0.45])
        other = np.array([-side * 0.1, 0, -0.45])
        for theta in (0.0, 15.0, 30.0):
            a = np.radians(theta)
            ankle = knee + 0.4 * np.array([-side * np.sin(a), np.cos(a), 0])
            assert angles.shin_rotation_3d_deg(hip, knee, ankle, other) == pytest.approx(theta, abs=1e-6)


def test_mask_offscreen_marks_guessed_landmarks_unseen() -> None:
    from hipcam.pose import L_ANKLE, L_KNEE, N_LANDMARKS, R_ANKLE, PoseSample

    xy = np.full((N_LANDMARKS, 2), 50.0, np.float32)
    xy[L_ANKLE] = (50.0, 130.0)  # 30 px below a 100 px high picture: a guess
    xy[R_ANKLE] = (50.0, 101.0)  # within the margin: kept
    sample = PoseSample(xy, np.ones(N_LANDMARKS, np.float32), np.zeros((N_LANDMARKS, 3)), 1, (200, 100))
    masked = angles.mask_offscreen(sample)
    assert masked is not None
    assert masked.visibility[L_ANKLE] == 0 and masked.visibility[R_ANKLE] == 1
    assert masked.visibility[L_KNEE] == 1 and sample.visibility[L_ANKLE] == 1  # input untouched
    assert angles.mask_offscreen(None) is None
    assert list(angles.legs_seen(masked.visibility)) == [False, True]
    # unknown picture size: only non-numbers are "outside"
    unknown = PoseSample(xy, sample.visibility, sample.world_xyz_m, 1)
    assert angles.mask_offscreen(unknown) is unknown


def test_a_leg_behind_the_other_in_a_side_view_is_hidden_only_when_the_model_sees_it_less() -> None:
    from hipcam.pose import L_ANKLE, L_KNEE, R_ANKLE, R_KNEE

    def vis(sample, left: float, right: float) -> np.ndarray:
        v = sample.visibility.copy()
        v[[L_KNEE, L_ANKLE]], v[[R_KNEE, R_ANKLE]] = left, right
        return v

    # camera 90° to the person's right (tests/camera_model.py): the left lower leg is behind the right
    side = camera_model.view(0.0, 0.0, azimuth_deg=90.0)
    hidden = angles.hidden_behind_other_leg(side.image_xy_px, vis(side, 0.52, 0.98))
    assert list(hidden) == [True, False]
    assert list(angles.legs_seen(vis(side, 0.52, 0.98), side.image_xy_px)) == [False, True]
    assert list(angles.legs_seen(vis(side, 0.52, 0.98))) == [True, True]  # visibility alone
    # the model places both legs together but sees both as well: a guess of both, not one hidden
    assert not angles.hidden_behind_other_leg(side.image_xy_px, vis(side, 0.95, 0.93)).any()
    # from the front (and 45° aside) the knees are apart: never hidden, whatever the visibility,
    # even with the foot swung 40° across toward the other shin
    for az in (0.0, 45.0):
        front = camera_model.view(40.0, 0.0, azimuth_deg=az)
        assert not angles.hidden_behind_other_leg(front.image_xy_px, vis(front, 0.52, 0.98)).any()
    # vectorised: a whole series at once gives the per-frame answers
    stack = np.stack([side.image_xy_px, front.image_xy_px])
    v = np.stack([vis(side, 0.52, 0.98), vis(front, 0.52, 0.98)])
    assert angles.hidden_behind_other_leg(stack, v).tolist() == [[True, False], [False, False]]


# -- the geometry against a real projection (tests/camera_model.py: pinhole camera with yaw, pitch
# and perspective, looking at a seated body whose shins rotate about their own thigh axes) --------
AZIMUTHS = [-90.0, -75.0, -60.0, -45.0, -30.0, 0.0, 30.0, 45.0, 60.0, 75.0, 90.0]


def _angles(left: float, right: float, az: float, pitch: float = 0.0) -> angles.LegAngles:
    s = camera_model.view(left, right, az, pitch)
    return angles.leg_angles(s.image_xy_px, s.world_xyz_m)


@pytest.mark.parametrize("az", AZIMUTHS)
@pytest.mark.parametrize("pitch", [-10.0, 0.0, 15.0, 30.0])
def test_3d_rotation_is_the_hip_rotation_from_any_camera(az, pitch):
    for left, right in ((0.0, 0.0), (15.0, 0.0), (30.0, 10.0), (45.0, 25.0)):
        got = _angles(left, right, az, pitch).angle_3d_deg
        np.testing.assert_allclose(got, [left, right], atol=0.01)


@pytest.mark.parametrize("az", AZIMUTHS)
def test_camera_yaw_from_the_hip_line_of_a_level_camera(az):
    assert float(_angles(10.0, 0.0, az).camera_yaw_deg) == pytest.approx(abs(az), abs=0.01)


@pytest.mark.parametrize("az", AZIMUTHS)
def test_view_yaw_of_each_leg_follows_its_own_thigh(az):
    """Hip line and thigh give the yaw with opposite biases under depth compression; their
    geometric mean is exact for an uncompressed view and cancels a uniform compression."""
    s = camera_model.view(10.0, 0.0, az)
    view = angles.leg_angles(s.image_xy_px, s.world_xyz_m).view_yaw_deg
    # the thighs splay 5° outward: the camera sees one leg 2.5° more, the other 2.5° less, aside
    assert sorted(np.abs(view - abs(az))) == pytest.approx([2.5, 2.5], abs=0.3) if 0 < abs(az) < 90 \
        else np.abs(view - abs(az)).max() < 3.0
    squashed = s.world_xyz_m.copy()
    squashed[:, 2] *= 0.5  # the model's depth compression
    view2 = angles.leg_angles(s.image_xy_px, squashed).view_yaw_deg
    np.testing.assert_allclose(view2, view, atol=0.01)


@pytest.mark.parametrize("az", [-60.0, -45.0, -30.0, 30.0, 45.0, 60.0])
@pytest.mark.parametrize("pitch", [15.0, 25.0])
def test_knee_line_tilt_corrects_the_pitch_for_the_near_and_the_far_leg(az, pitch):
    """From a camera above the knees the yaw correction alone reads the near leg long and the far
    one short (the foot's swing in depth shows as up/down in the picture); the knee line's tilt
    carries the same cross term and, with each thigh's own yaw, takes the two back together."""
    theta = 30.0

    def rom(left: float, right: float, k: int, tilt: bool) -> float:
        peak, rest = _angles(left, right, az, pitch), _angles(0.0, 0.0, az, pitch)
        out = []
        for la in (peak, rest):
            t = la.knee_tilt_deg[k] if tilt else 0.0
            y = la.thigh_yaw_deg[k] if tilt else la.view_yaw_deg[k]
            out.append(float(angles.correct_view_deg(la.angle_2d_deg[k], y, t)))
        return out[0] - out[1]

    near = 0 if az > 0 else 1  # camera_model: positive azimuth is on the person's left
    legs = {near: "near", 1 - near: "far"}
    before = {legs[k]: rom(theta if k == 0 else 0.0, theta if k == 1 else 0.0, k, False)
              for k in (0, 1)}
    after = {legs[k]: rom(theta if k == 0 else 0.0, theta if k == 1 else 0.0, k, True)
             for k in (0, 1)}
    assert before["near"] - before["far"] > 0.1 * theta  # the asymmetry the tilt term removes
    assert abs(after["near"] - after["far"]) < 0.5 * abs(before["near"] - before["far"])
    # what is left is perspective and the pitch's cos α: a few percent at 15°, up to a fifth at
    # 25° (where the near leg's tilt also reaches the bound at 60° aside)
    for v in after.values():
        assert v == pytest.approx(theta, abs=(0.12 if pitch <= 15 else 0.22) * theta)
    la = _angles(0.0, 0.0, az, pitch)
    assert la.knee_tilt_deg[near] > 0 > la.knee_tilt_deg[1 - near]  # the other knee higher: near


def test_view_correction_without_tilt_is_the_yaw_correction():
    a = np.array([-20.0, 0.0, 12.0, 35.0])
    np.testing.assert_allclose(angles.correct_view_deg(a, 50.0, 0.0),
                               angles.correct_foreshortening_deg(a, 50.0))
    np.testing.assert_allclose(angles.correct_view_deg(a, 50.0, 0.0),
                               np.degrees(np.arctan(np.tan(np.radians(a)) / np.cos(np.radians(50.0)))))
    # the tilt is bounded by what a camera MAX_PITCH_DEG up could give at this yaw
    bound = np.degrees(np.arctan(np.tan(np.radians(50.0)) * np.sin(np.radians(angles.MAX_PITCH_DEG))))
    np.testing.assert_allclose(angles.correct_view_deg(a, 50.0, 80.0),
                               angles.correct_view_deg(a, 50.0, bound))
    assert not np.allclose(angles.correct_view_deg(a, 50.0, bound), angles.correct_view_deg(a, 50.0, 0.0))


def _rolled(s, deg: float):
    """``s`` seen by the same camera rolled by ``deg`` about its viewing axis."""
    from hipcam import pose

    r = np.radians(deg)
    c, si = np.cos(r), np.sin(r)
    w, h = s.frame_size_px
    xy = s.image_xy_px.astype(float) - (w / 2, h / 2)
    xy = np.stack([c * xy[:, 0] - si * xy[:, 1], si * xy[:, 0] + c * xy[:, 1]], 1) + (w / 2, h / 2)
    world = s.world_xyz_m.astype(float)
    world = np.stack([c * world[:, 0] - si * world[:, 1], si * world[:, 0] + c * world[:, 1],
                      world[:, 2]], 1)
    return pose.PoseSample(xy.astype(np.float32), s.visibility, world.astype(np.float32), 1,
                           s.frame_size_px)


@pytest.mark.parametrize("az", [0.0, 30.0, 45.0])
def test_a_rolled_camera_is_not_taken_for_pitch(az):
    """The knee line also tilts when the camera is rolled (a phone propped crooked). From the
    front pitch cannot tilt it, so the tilt is bounded there and a 10° roll changes the reading
    by at most ~1°; aside, a roll hurts about as much as it did the yaw-only correction (whose
    rest is not vertical in a rolled picture either): 10° of roll, worst leg 4.6° vs 3.8° off at
    30° aside, 5.6° vs 6.2° at 45°."""
    def rom(roll: float, new: bool) -> np.ndarray:
        out = []
        for left, right in ((30.0, 30.0), (0.0, 0.0)):
            s = _rolled(camera_model.view(left, right, az, 10.0), roll)
            la = angles.leg_angles(s.image_xy_px, s.world_xyz_m)
            out.append(angles.correct_view_deg(la.angle_2d_deg, la.thigh_yaw_deg, la.knee_tilt_deg)
                       if new else angles.correct_view_deg(la.angle_2d_deg, la.view_yaw_deg, 0.0))
        return out[0] - out[1]

    err_new = np.abs(rom(10.0, True) - 30.0)
    if az == 0.0:
        assert err_new.max() < 1.5, err_new
    else:
        assert err_new.max() <= np.abs(rom(10.0, False) - 30.0).max() + 1.0, err_new


@pytest.mark.parametrize("az", [-60.0, -45.0, -30.0, 0.0, 30.0, 45.0, 60.0])
@pytest.mark.parametrize("theta", [15.0, 30.0, 45.0])
def test_corrected_image_angle_measures_rom_up_to_60_deg_aside(az, theta):
    """Range of motion (rep peak minus rest) from the image angle, corrected for each leg's view
    as the analyser does it (that leg's thigh yaw and the knee line's tilt, at rest)."""
    def corrected(left: float, right: float, pitch: float = 0.0) -> np.ndarray:
        la, rest = _angles(left, right, az, pitch), _angles(0.0, 0.0, az, pitch)
        return angles.correct_view_deg(la.angle_2d_deg, rest.thigh_yaw_deg, rest.knee_tilt_deg)

    for k, (peak, rest) in enumerate((((theta, 0.0), (0.0, 0.0)), ((0.0, theta), (0.0, 0.0)))):
        rom = (corrected(*peak) - corrected(*rest))[k]
        assert rom == pytest.approx(theta, abs=0.08 * theta + 0.3)
        # a camera 15° above: the tilt takes the pitch's near/far asymmetry out (the yaw-only
        # correction was up to ~25% off here); perspective and cos α leave a few percent
        rom15 = (corrected(*peak, pitch=15.0) - corrected(*rest, pitch=15.0))[k]
        assert rom15 == pytest.approx(theta, abs=0.12 * theta + 0.5)
    if abs(az) >= 45.0:  # without the correction the image angle reads the swing ~15-45% short
        la, la0 = _angles(theta, 0.0, az), _angles(0.0, 0.0, az)
        assert la.angle_2d_deg[0] - la0.angle_2d_deg[0] < 0.87 * theta


def test_image_weight_is_a_smooth_step_without_jumps():
    yaws = np.arange(0.0, 90.01, 0.05)
    w = np.array([angles.image_weight(float(y)) for y in yaws])
    assert w[yaws <= angles.IMAGE_YAW_FULL_DEG].min() == 1.0
    assert w[yaws >= angles.IMAGE_YAW_NONE_DEG].max() == 0.0
    assert np.all(np.diff(w) <= 0) and np.abs(np.diff(w)).max() < 0.01  # no step anywhere
    assert angles.image_weight(float("nan")) == 1.0
    assert angles.blend_rotation(10.0, 30.0, 0.25) == pytest.approx(25.0)
    assert angles.blend_rotation(10.0, float("nan"), 0.25) == 10.0
    assert angles.blend_rotation(float("nan"), 30.0, 0.25) == 30.0


# -- the swing's direction: a rotation or a knee extension (angles.swing_fit) ----------------------
def _swing(az: float, pitch: float, rot: float = 0.0, ext: float = 0.0,
           rise_weight: float = 1.0) -> tuple[float, float]:
    near = 0 if az > 0 else 1  # camera_model: positive azimuth is on the person's left
    legs = (rot, 0.0) if near == 0 else (0.0, rot)
    exts = (ext, 0.0) if near == 0 else (0.0, ext)
    rest = _angles(0.0, 0.0, az, pitch)
    s = camera_model.view(*legs, az, pitch, extension_deg=exts)
    peak = angles.leg_angles(s.image_xy_px, s.world_xyz_m)
    across, up = angles.swing_in_picture(peak.angle_2d_deg[near], peak.shin_length_px[near],
                                         rest.angle_2d_deg[near], rest.shin_length_px[near])
    assert across > 0  # both move the near leg's foot toward the other leg in the picture
    return angles.swing_fit(across, up, rest.thigh_yaw_deg[near], rest.knee_tilt_deg[near],
                            rise_weight)


@pytest.mark.parametrize("az", [-60.0, -45.0, 45.0, 60.0])
@pytest.mark.parametrize("pitch", [15.0, 25.0])
def test_swing_fit_tells_the_near_legs_rotation_from_its_knee_extension(az, pitch):
    """From a camera above the knees, the near leg's foot moves up the picture in a rotation
    (away from the camera) and down in an extension (toward it): with the geometric rise
    (weight 1) the fit is 1 for a rotation and 0 for an extension, up to perspective."""
    from hipcam.session import EXTENSION_FIT_BELOW, EXTENSION_MIN_SEPARATION

    for theta in (20.0, 30.0):
        fit, sep = _swing(az, pitch, rot=theta)
        assert sep >= EXTENSION_MIN_SEPARATION
        assert fit == pytest.approx(1.0, abs=0.2)
        assert _swing(az, pitch, rot=theta, rise_weight=angles.SWING_RISE_WEIGHT)[0] \
            > EXTENSION_FIT_BELOW
    for theta in (30.0, 40.0):
        fit, sep = _swing(az, pitch, ext=theta)
        assert sep >= EXTENSION_MIN_SEPARATION
        assert -0.45 < fit < 0.1
        assert _swing(az, pitch, ext=theta, rise_weight=angles.SWING_RISE_WEIGHT)[0] \
            < EXTENSION_FIT_BELOW


@pytest.mark.parametrize("az", [30.0, 45.0, 55.0])
def test_swing_fit_cannot_tell_them_apart_from_a_level_camera(az):
    """Camera at knee height, 30-55° aside: rotation and extension move the foot alike in the
    picture; the separation says so, and the session's check stays off."""
    from hipcam.session import EXTENSION_MIN_SEPARATION

    for rot, ext in ((15.0, 30.0), (30.0, 45.0)):
        if az > 30.0 or rot < 30.0:  # 30° aside a 30° rotation moves the foot too far across
            assert _swing(az, 0.0, rot=rot, rise_weight=angles.SWING_RISE_WEIGHT)[1] \
                < EXTENSION_MIN_SEPARATION
        assert _swing(az, 0.0, ext=ext, rise_weight=angles.SWING_RISE_WEIGHT)[1] \
            < EXTENSION_MIN_SEPARATION


@pytest.mark.parametrize("az", [65.0, -70.0])
def test_swing_fit_with_a_level_camera_far_aside_the_rise_alone_tells_a_large_extension(az):
    """Camera at knee height 65-70° aside: for the same sideways displacement a rotation must
    be the bigger movement, so its foot rises more than an extension's (the rise is not the
    same for both); a large extension is then told apart, while a rotation's own predictions
    stay close together and the check stays off for it."""
    from hipcam.session import EXTENSION_FIT_BELOW, EXTENSION_MIN_SEPARATION

    w = angles.SWING_RISE_WEIGHT
    for theta in (15.0, 30.0):
        fit, sep = _swing(az, 0.0, rot=theta, rise_weight=w)
        assert sep < EXTENSION_MIN_SEPARATION or fit > EXTENSION_FIT_BELOW
    for theta in (30.0, 45.0):
        fit, sep = _swing(az, 0.0, ext=theta, rise_weight=w)
        assert sep >= EXTENSION_MIN_SEPARATION and fit < EXTENSION_FIT_BELOW


def test_swing_fit_nan_where_an_extension_cannot_move_the_foot_that_far_across():
    fit, sep = angles.swing_fit(0.5, 0.1, 15.0, 2.0)  # 15° aside: an extension moves it ~0.26 at most
    assert np.isnan(fit) and np.isnan(sep)
    assert np.isnan(angles.swing_fit(0.0, 0.1, 45.0, 10.0)[0])  # nothing moved across
    assert np.isnan(angles.swing_fit(0.3, np.nan, 45.0, 10.0)[0])


@pytest.mark.parametrize("az", [-60.0, -30.0, 30.0, 60.0])
def test_the_knee_nearer_the_camera_leads_in_depth(az):
    la = _angles(0.0, 0.0, az)
    near = 0 if az > 0 else 1
    assert la.knee_depth_lead_m[near] > 0.1 > -0.1 > la.knee_depth_lead_m[1 - near]


def test_the_knee_lead_is_not_measured_while_the_other_leg_is_unseen():
    """The near/far decision of the knee-extension check compares the two knees' depths: while
    the other leg is not seen, its knee's depth is the model's guess, so no lead is recorded."""
    from hipcam.session import SessionAnalyzer

    an = SessionAnalyzer(30.0, 3.0)
    s = camera_model.view(0.0, 0.0, 45.0, 15.0)  # the left leg nearer the camera
    vis = s.visibility.copy()
    vis[pose.R_ANKLE] = 0.0  # the right lower leg unseen
    hidden = pose.PoseSample(s.image_xy_px, vis, s.world_xyz_m, 1, s.frame_size_px)
    for k in range(300):
        an.push(k / 30.0, s if k < 100 or k >= 200 else hidden)
    lead = np.array(an._legs["left"].knee_lead, dtype=float)
    assert np.all(lead[:90] > 0.1) and np.all(lead[210:] > 0.1)
    assert np.all(np.isnan(lead[120:180]))


def test_foot_cut_fraction_counts_frames_with_heel_or_toes_outside_and_the_ankle_inside():
    n = 10
    xy = np.full((n, pose.N_LANDMARKS, 2), 50.0)
    xy[:4, pose.R_FOOT, 1] = 130.0  # right toes below a 100 px high picture in 4 frames
    xy[4:6, pose.R_HEEL, 1] = 101.0  # the heel just below it in 2 more
    xy[8:, [pose.L_ANKLE, pose.L_HEEL, pose.L_FOOT], 1] = 140.0  # the whole left foot out: not "cut"
    detected = np.ones(n, bool)
    detected[9] = False
    got = angles.foot_cut_fraction(xy, (200, 100), detected)
    assert got["right"] == pytest.approx(6 / 9) and got["left"] == 0.0
    assert angles.foot_cut_fraction(xy, (0, 0), detected) == {"left": 0.0, "right": 0.0}


@pytest.mark.parametrize("az", [-90.0, -75.0, 75.0, 90.0])
def test_the_knee_rise_shows_the_cameras_pitch_from_the_side(az):
    """Seen from aside the knees stand one above the other in the picture: the far one higher
    the more the camera looks down (``(w / l) sin φ tan α``), on neither side for a level one."""
    near = 0 if az > 0 else 1
    level = _angles(0.0, 0.0, az, 0.0).knee_rise_shins
    assert np.all(np.abs(level) < 0.02)
    rises = [_angles(0.0, 0.0, az, p).knee_rise_shins[near] for p in (10.0, 20.0, 30.0)]
    assert 0.05 < rises[0] < rises[1] < rises[2]
    # the far leg sees the near knee lower by about as much (in its own shin lengths)
    far = _angles(0.0, 0.0, az, 20.0).knee_rise_shins[1 - near]
    assert far == pytest.approx(-rises[1], rel=0.15)
    # geometry: w / l from the rest pose itself (the knees' spacing over the shin's length)
    s = camera_model.view(0.0, 0.0, az, 20.0)
    w = np.linalg.norm(s.world_xyz_m[pose.L_KNEE] - s.world_xyz_m[pose.R_KNEE])
    shin = np.linalg.norm(s.world_xyz_m[pose.L_ANKLE] - s.world_xyz_m[pose.L_KNEE])
    want = w / shin * math.sin(math.radians(abs(az))) * math.tan(math.radians(20.0))
    assert rises[1] == pytest.approx(want, rel=0.15)


def test_a_leg_already_seen_stays_seen_down_to_the_keep_visibility():
    vis = np.ones((33,))
    vis[[pose.L_KNEE, pose.L_ANKLE]] = 0.9
    vis[pose.R_ANKLE] = 0.42  # between KEEP_VISIBILITY and MIN_VISIBILITY
    assert angles.KEEP_VISIBILITY < 0.42 < angles.MIN_VISIBILITY
    assert angles.legs_seen(vis).tolist() == [True, False]
    assert angles.legs_seen(vis, was_seen=np.array([True, False])).tolist() == [True, False]
    assert angles.legs_seen(vis, was_seen=np.array([True, True])).tolist() == [True, True]
    vis[pose.R_ANKLE] = 0.3  # below it: gone even if seen before
    assert angles.legs_seen(vis, was_seen=np.array([True, True])).tolist() == [True, False]
