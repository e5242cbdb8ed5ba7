"""The exercise-position gate on skeletons built in 3D and seen from many cameras (pure logic)."""

from __future__ import annotations

import numpy as np
import pytest

from hipcam import pose
from hipcam.position import (
    ENTER_S,
    HOLD,
    LEGS,
    PositionFeatures,
    PositionGate,
    flags_to_intervals,
    position_checks,
    position_features,
)
from hipcam.session import SessionAnalyzer


def _rot_y(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def _rot_x(deg: float) -> np.ndarray:
    a = np.radians(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def skeleton(posture: str, *, thigh_m: float = 0.45, shin_m: float = 0.43, trunk_m: float = 0.5,
             lean_deg: float = 0.0, knee_deg: float = 90.0, er_deg: tuple[float, float] = (0, 0),
             yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> np.ndarray:
    """World landmarks (33, 3) of a body in a gravity frame (y down, person facing -z), then
    turned into a camera's frame: the camera ``yaw_deg`` round the person, tilted by ``pitch_deg``.
    """
    w = np.zeros((pose.N_LANDMARKS, 3))
    down, fwd = np.array([0, 1.0, 0]), np.array([0, 0, -1.0])
    lean = np.radians(lean_deg)
    up_trunk = -down * np.cos(lean) + fwd * np.sin(lean)
    for (hip, knee, ankle, sh), side, er in (
            ((pose.L_HIP, pose.L_KNEE, pose.L_ANKLE, pose.L_SHOULDER), 1.0, er_deg[0]),
            ((pose.R_HIP, pose.R_KNEE, pose.R_ANKLE, pose.R_SHOULDER), -1.0, er_deg[1])):
        h = np.array([side * 0.1, 0, 0])
        if posture == "seated":
            thigh = fwd
            k = np.radians(knee_deg)  # knee angle between thigh and shin
            shin = np.cos(np.pi - k) * fwd + np.sin(np.pi - k) * down
            # external rotation: the shin swings about the thigh axis toward the other leg
            e = np.radians(er)
            shin = np.cos(e) * shin + np.sin(e) * np.array([-side, 0, 0]) * np.linalg.norm(shin)
        elif posture == "standing":
            thigh, shin = down, down
        elif posture == "squat":  # bottom of a squat: thigh level, shin leaning forward
            thigh, shin = fwd, (down + 0.6 * fwd) / np.linalg.norm(down + 0.6 * fwd)
            up_trunk = (-down + 0.9 * fwd) / np.linalg.norm(-down + 0.9 * fwd)
        elif posture == "kneeling":
            thigh, shin = down, -fwd
        elif posture == "lying":  # on the back, knees bent, feet on the bed
            up_trunk = -fwd
            thigh, shin = -down + fwd, down + fwd
        elif posture == "plank":
            up_trunk, thigh, shin = -fwd, fwd, fwd
        else:
            raise ValueError(posture)
        w[hip] = h
        w[knee] = h + thigh_m * thigh / np.linalg.norm(thigh)
        w[ankle] = w[knee] + shin_m * shin / np.linalg.norm(shin)
        w[sh] = h + trunk_m * up_trunk + np.array([side * 0.08, 0, 0])
    cam = _rot_x(pitch_deg) @ _rot_y(yaw_deg)
    return w @ cam.T


def _checks(world: np.ndarray) -> dict[str, float]:
    c = position_checks(position_features(world, np.ones(pose.N_LANDMARKS)))
    return {leg: float(c[leg]) for leg in LEGS}


@pytest.mark.parametrize("yaw", [0, 30, 60, 90, -90])
@pytest.mark.parametrize("pitch", [-20, 0, 20])
@pytest.mark.parametrize("build", [
    {"thigh_m": 0.38, "shin_m": 0.36, "trunk_m": 0.42},  # small
    {"thigh_m": 0.5, "shin_m": 0.5, "trunk_m": 0.6, "lean_deg": 15.0},  # tall, leaning a bit
    {"knee_deg": 75.0, "lean_deg": -10.0},  # feet tucked back, leaning back
    {"knee_deg": 110.0, "er_deg": (45.0, 0.0)},  # feet forward, a 45° rep in progress
])
def test_seated_passes_from_any_side_and_camera_tilt(yaw, pitch, build):
    assert _checks(skeleton("seated", yaw_deg=yaw, pitch_deg=pitch, **build)) == \
        {"left": 1.0, "right": 1.0}


@pytest.mark.parametrize("posture", ["standing", "kneeling", "lying", "plank", "squat"])
@pytest.mark.parametrize("yaw", [0, 45, 90])
def test_other_postures_fail(posture, yaw):
    assert _checks(skeleton(posture, yaw_deg=yaw, pitch_deg=10)) == {"left": 0.0, "right": 0.0}


def test_unseen_leg_is_no_evidence():
    vis = np.ones(pose.N_LANDMARKS)
    vis[pose.R_ANKLE] = 0.1
    c = position_checks(position_features(skeleton("standing"), vis))
    assert c["left"] == 0.0 and np.isnan(c["right"])


def _feed(gate: PositionGate, pattern: list[tuple[float, float]], fs: float = 30.0,
          t0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Feed (duration_s, check) stretches; return grid times and the left leg's flags."""
    t, flags = [], []
    tt = t0
    for dur, ok in pattern:
        for _ in range(int(round(dur * fs))):
            flags.append(gate.update(tt, {"left": ok, "right": ok})[0])
            t.append(tt)
            tt += 1.0 / fs
    return np.array(t), np.array(flags)


def test_squats_never_make_an_in_position_stretch():
    gate = PositionGate()
    # ten squats: ~1 s around the bottom passes the checks, the rest (standing) fails
    _feed(gate, [(1.0, 1.0), (1.5, 0.0)] * 10)
    assert gate.intervals("left") == []
    assert not gate.is_inside("left", 25.0)


def test_sitting_makes_a_stretch_and_a_single_glitch_does_not_break_it():
    gate = PositionGate()
    t, flags = _feed(gate, [(2.0, 0.0), (3.0, 1.0), (1 / 30, 0.0), (3.0, 1.0), (1.0, np.nan),
                            (2.0, 0.0)])
    (a, b), = gate.intervals("left")
    assert a == pytest.approx(2.0, abs=0.05) and b == pytest.approx(8.0, abs=0.05)  # the last passing frame
    # countable from the first passing frame, and not once the person stood up
    assert not flags[t < 1.99].any() and flags[(t > 2.01) & (t < 9.0)].all()
    assert not flags[t > 9.2].any()
    assert flags_to_intervals(t, flags)[0][0] == pytest.approx(2.0, abs=0.05)


def test_a_rep_counts_only_once_the_run_lasted_enter_s():
    gate = PositionGate()
    _feed(gate, [(1.0, 0.0), (1.0, 1.0)])  # seated since t = 1.0, now t = 2.0
    assert not gate.accepts("left", 1.2, 2.0)  # a rep judged after 1.0 s in position
    assert gate.accepts("left", 1.2, 1.0 + ENTER_S)
    assert not gate.accepts("left", 0.5, 3.0)  # started before the person sat down


def _session(samples, fs=30.0):
    an = SessionAnalyzer(fs)
    for i, s in enumerate(samples):
        an.push(i / fs, s)
    an.finish()
    return an


def _sample(world: np.ndarray) -> pose.PoseSample:
    # image: a front view of the world landmarks (enough for the 2D angle)
    xy = 320 + 400 * world[:, :2]
    return pose.PoseSample(xy, np.ones(pose.N_LANDMARKS), world, 1)


def _swings(posture: str, fs=30.0, n=8, yaw=0.0):
    """Rest 2 s, then n shin swings of 30° toward the other leg (2 s each), rest 2 s."""
    u = np.arange(int(2 * fs)) / (2 * fs)
    prof = np.r_[np.zeros(int(2 * fs)), np.tile(30 * np.sin(np.pi * u) ** 2, n),
                 np.zeros(int(2 * fs))]
    out = []
    for a in prof:
        w = skeleton("seated", er_deg=(a, 0.0), yaw_deg=yaw)
        if posture == "standing":  # the same shin swing, with the thigh hanging down
            st = skeleton("standing", yaw_deg=yaw)
            w = w.copy()
            for k, an_ in ((pose.L_KNEE, pose.L_ANKLE), (pose.R_KNEE, pose.R_ANKLE)):
                shin = w[an_] - w[k]
                w[k] = st[k]
                w[an_] = st[k] + shin
        out.append(_sample(w))
    return out


def test_the_same_shin_swings_count_seated_and_not_standing():
    seated = _session(_swings("seated"))
    assert len(seated.reps("left")) == 8 and seated.reps("right") == []
    assert seated.leg_result("left").in_position
    standing = _session(_swings("standing"))
    assert standing.reps("left") == [] and standing.reps("right") == []
    assert standing.leg_result("left").in_position == []


def test_setup_advice_only_while_no_leg_is_in_or_settling_into_the_position():
    from hipcam.position import NOT_IN_POSITION, setup_advice

    gate = PositionGate()
    assert setup_advice(gate, 0.0) == NOT_IN_POSITION  # nobody seen yet
    _feed(gate, [(2.0, 0.0)])
    assert setup_advice(gate, 2.0) == NOT_IN_POSITION  # standing
    _feed(gate, [(0.5, 1.0)], t0=2.0)
    assert setup_advice(gate, 2.5) is None  # sitting down: no nagging
    assert setup_advice(object(), 3.0) is None


def _features(thigh_left: float, thigh_right: float, right_seen: bool = True,
              ratio: float = float("nan"), shin_deg: float = 20.0) -> PositionFeatures:
    """Seated readings (knee 100°, shin ``shin_deg`` from down, trunk upright) with the given
    thighs and the thighs' length in the picture over the shins' (NaN: no image landmarks)."""
    one = lambda v: {"left": np.array([v]), "right": np.array([v])}  # noqa: E731
    return PositionFeatures(
        knee_deg=one(100.0), shin_from_down_deg=one(shin_deg), trunk_from_up_deg=np.array([5.0]),
        thigh_from_down_deg={"left": np.array([thigh_left]), "right": np.array([thigh_right])},
        leg_seen={"left": np.array([True]), "right": np.array([right_seen])},
        thigh_image_ratio=one(ratio))


@pytest.mark.parametrize(("left", "right", "right_seen", "want_left"), [
    (75.0, 80.0, True, 1.0),   # level thighs seen from a level camera
    (48.0, 53.0, True, 1.0),   # both read low: a camera high in front (the model's depth)
    (36.0, 45.0, True, 1.0),   # still agreeing, above the floor
    (45.0, 80.0, True, 0.0),   # one thigh low beside a level one: not this position (or a guess)
    (45.0, 45.0, False, 0.0),  # the other thigh unseen: no agreement to lean on
    (30.0, 30.0, True, 0.0),   # below the floor: standing, walking
])
def test_thigh_floor_is_lowered_only_when_both_thighs_read_low(left, right, right_seen, want_left):
    assert position_checks(_features(left, right, right_seen))["left"][0] == want_left


@pytest.mark.parametrize(("thigh", "shin", "want"), [
    (47.0, 45.0, HOLD),  # the top of a big rep from above: the model dips the thigh
    (36.0, 41.0, HOLD),
    (47.0, 30.0, 0.0),   # the shin hangs: a low thigh beside a level one is not held
    (30.0, 45.0, 0.0),   # below the floor: standing up
])
def test_a_low_thigh_during_a_big_swing_holds_but_does_not_enter(thigh, shin, want):
    """Beside a level other thigh (80°), a low reading that fails the thigh check passes only
    as :data:`HOLD` (it keeps a leg in position) while the shin swings 40° or more."""
    assert position_checks(_features(thigh, 80.0, shin_deg=shin))["left"][0] == want


def test_a_hold_verdict_keeps_a_leg_in_position_but_does_not_put_it_there():
    """The gate's hysteresis on the thigh: frames that pass only as
    :data:`hipcam.position.HOLD` continue a run of passing frames, never start one; a real
    failure still ends it."""
    gate = PositionGate()
    t = 0.0
    for _ in range(60):  # 2 s of HOLD frames only: never in position
        gate.update(t, {"left": HOLD, "right": 1.0})
        t += 1 / 30
    assert gate.intervals("left") == [] and gate.is_inside("right", t - 1 / 30)
    start = t
    for verdict, n in ((1.0, 60), (HOLD, 30), (1.0, 30)):  # in, a big rep's top, in
        for _ in range(n):
            gate.update(t, {"left": verdict, "right": 1.0})
            t += 1 / 30
    (a, b), = gate.intervals("left")
    assert a == pytest.approx(start) and b == pytest.approx(t - 1 / 30)
    gate.update(t, {"left": 0.0, "right": 1.0})
    gate.update(t + 0.2, {"left": 0.0, "right": 1.0})
    assert not gate.is_inside("left", t + 0.2)


@pytest.mark.parametrize(("left", "right", "ratio", "want_left"), [
    (30.0, 36.0, 0.6, 1.0),   # a slim body seen from high in front: short in the picture
    (28.0, 45.0, 0.7, 1.0),   # ... also while the model reads the other thigh higher
    (30.0, 30.0, 1.0, 0.0),   # as long in the picture as the shin: standing, walking
    (30.0, 30.0, 0.9, 0.0),   # (real footage of walking and standing: 0.97 and more)
    (22.0, 22.0, 0.5, 0.0),   # below the lowest floor
])
def test_thigh_short_in_the_picture_lowers_the_floor_to_25(left, right, ratio, want_left):
    assert position_checks(_features(left, right, True, ratio))["left"][0] == want_left


def test_image_ratio_of_a_seated_body_seen_from_the_front_and_of_a_standing_one():
    import camera_model

    seated = camera_model.view(0.0, 0.0, 0.0, 20.0)  # thighs point at the camera
    f = position_features(seated.world_xyz_m, seated.visibility, seated.image_xy_px)
    assert all(f.thigh_image_ratio[leg][()] < 0.6 for leg in LEGS)
    side = camera_model.view(0.0, 0.0, 90.0, 0.0)  # thighs across the picture
    f = position_features(side.world_xyz_m, side.visibility, side.image_xy_px)
    assert f.thigh_image_ratio["right"][()] > 0.9
    assert np.isnan(position_features(side.world_xyz_m, side.visibility).thigh_image_ratio["left"])


@pytest.mark.parametrize("left_s, right_s, want", [
    (23.0, 5.4, ["right"]),   # the steep camera below: the near leg fails the gate
    (5.4, 23.0, ["left"]),
    (20.0, 18.0, []),         # both in position, a little apart (a look-alike, a glitch)
    (8.0, 3.5, []),           # under half, but only 4.5 s apart
    (0.0, 0.0, []),
])
def test_a_leg_in_position_for_much_less_time_than_the_other_is_named(left_s, right_s, want):
    from hipcam.position import lagging_legs, lagging_warnings

    assert lagging_legs({"left": left_s, "right": right_s}) == want
    warnings = lagging_warnings({"left": left_s, "right": right_s}, ["left", "right"])
    assert [w.split()[0] for w in warnings] == want
    assert lagging_warnings({"left": left_s, "right": right_s}, []) == []  # unseen: said elsewhere


def test_live_names_a_seen_leg_failing_while_the_other_is_in_position():
    """The live rule is analyse's (:func:`lagging_legs`) on the time in position so far."""
    from hipcam.position import LAGGING_MIN_S, lagging_leg_advice, leg_setup_advice

    gate = PositionGate()
    t = 0.0
    while t < LAGGING_MIN_S + 1.0:
        gate.update(t, {"left": 1.0, "right": 0.0})
        want = lagging_leg_advice("right") if t >= LAGGING_MIN_S else None
        assert leg_setup_advice(gate, t, (True, True)) == want, t
        t = round(t + 0.1, 3)
    assert leg_setup_advice(gate, t - 0.1, (True, False)) is None  # hidden (side view): not advice
    while t < LAGGING_MIN_S + 3.0:  # the right leg sits properly now: in position, no advice
        gate.update(t, {"left": 1.0, "right": 1.0})
        t = round(t + 0.1, 3)
    assert gate.is_inside("right", t - 0.1)
    assert leg_setup_advice(gate, t - 0.1, (True, True)) is None
    both_out = PositionGate()  # standing up: both legs out together, no per-leg advice
    for k in range(100):
        both_out.update(k / 10, {"left": 0.0, "right": 0.0})
    assert leg_setup_advice(both_out, 9.9, (True, True)) is None
    assert leg_setup_advice(object(), 0.0, (True, True)) is None


def test_live_names_a_leg_whose_swings_the_gate_refused():
    """Both legs in position about as long, but the right leg's rep-like swings were refused
    (out of position during each): while it is out of position, the same banner as a lagging
    leg; while in position, or with as many reps counted, none."""
    from hipcam.position import lagging_leg_advice, leg_setup_advice

    gate = PositionGate()
    for k in range(40):
        gate.update(k / 10, {"left": 1.0, "right": 1.0})
    gate.update(4.0, {"left": 1.0, "right": 0.0})
    gate.update(4.2, {"left": 1.0, "right": 0.0})
    refused, counted = {"left": 0, "right": 2}, {"left": 0, "right": 0}
    assert leg_setup_advice(gate, 4.2, (True, True), refused, counted) == lagging_leg_advice("right")
    assert leg_setup_advice(gate, 4.2, (True, True), refused, {"left": 0, "right": 2}) is None
    assert leg_setup_advice(gate, 4.2, (True, True)) is None  # without the counts: time alone
    for k in range(16):  # back in position (1.5 s): no banner, whatever was refused
        gate.update(4.3 + k / 10, {"left": 1.0, "right": 1.0})
    assert leg_setup_advice(gate, 5.8, (True, True), refused, counted) is None


def test_out_of_position_warning_needs_more_refused_swings_than_reps():
    from hipcam.position import OUT_OF_POSITION_SWINGS_WARN, out_of_position_warnings

    n = OUT_OF_POSITION_SWINGS_WARN
    assert out_of_position_warnings({"left": n, "right": 0}, {"left": 0, "right": 4},
                                    ["left", "right"])[0].startswith("left leg: ")
    assert out_of_position_warnings({"left": n, "right": 0}, {"left": n, "right": 0},
                                    ["left", "right"]) == []  # as many counted
    assert out_of_position_warnings({"left": n - 1, "right": 0}, {"left": 0, "right": 0},
                                    ["left", "right"]) == []
    assert out_of_position_warnings({"left": n, "right": 0}, {"left": 0, "right": 0},
                                    ["right"]) == []  # not seen: its own warning elsewhere
