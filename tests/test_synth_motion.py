"""Fast, pure tests of the synth scenario parser and motion/truth generator (numpy only)."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import numpy as np
import pytest

from hipcam.errors import EXIT_USAGE, HipcamError
from hipcam.synth.motion import (
    group_sets,
    jerky_rep_profile,
    make_jerky_plan,
    minimum_jerk,
    plan_motion,
    smooth_rep_profile,
)
from hipcam.synth.scenario import (
    MAX_FIDGET_AMPLITUDE_DEG,
    ScenarioError,
    parse_schedule_text,
    scenario_from_dict,
)


def _scenario(left: str = "", right: str = "", **extra: object):
    d: dict = {"legs": {"left": parse_schedule_text(left), "right": parse_schedule_text(right)}}
    d.update(extra)
    return scenario_from_dict(d)


def _count_peaks(theta: np.ndarray, threshold: float) -> int:
    """Count excursions above ``threshold`` (a crude rep counter for the tests)."""
    above = theta > threshold
    return int(np.sum(above[1:] & ~above[:-1]) + (1 if above[0] else 0))


def test_minimum_jerk_endpoints_and_monotone() -> None:
    s = np.linspace(0, 1, 101)
    p = minimum_jerk(s)
    assert p[0] == 0 and p[-1] == pytest.approx(1.0)
    assert np.all(np.diff(p) >= 0)


@pytest.mark.parametrize("shape", ["minjerk", "cosine"])
def test_smooth_profile_out_and_back(shape: str) -> None:
    u = np.linspace(0, 1, 201)
    p = smooth_rep_profile(u, shape)
    assert p[0] == pytest.approx(0, abs=1e-12) and p[-1] == pytest.approx(0, abs=1e-12)
    assert p.max() == pytest.approx(1.0)
    assert np.argmax(p) == 100
    held = smooth_rep_profile(u, shape, hold_frac=0.3)
    assert np.sum(held > 0.999) > np.sum(p > 0.999)


def test_smooth_reps_trajectory_and_truth() -> None:
    sc = _scenario("rest 1; reps 10 period=1.8 amp=30; rest 1")
    plan = plan_motion(sc)
    assert plan.n_frames == int(np.ceil(20.0 * 30))
    th = plan.theta_deg["left"]
    assert np.all(plan.theta_deg["right"] == 0)
    assert th[: 30].max() == 0  # first second rests
    assert th.max() == pytest.approx(30.0, abs=0.05)
    assert th.min() >= 0
    assert _count_peaks(th, 15.0) == 10
    truth = plan.truth["left"].to_dict()
    assert truth["reps"] == 10
    assert truth["longest_continuous_set"] == 10
    assert truth["rep_intervals_s"][0] == [1.0, 2.8]
    assert truth["rep_intervals_s"][-1][1] == pytest.approx(19.0)
    assert truth["jerky_reps"] == []
    assert truth["amplitudes_deg"] == [30.0] * 10
    assert len(truth["sets"]) == 1 and truth["sets"][0]["reps"] == 10
    assert plan.truth["right"].to_dict()["reps"] == 0


def test_pause_breaks_sets() -> None:
    sc = _scenario("rest 1; reps 6 period=1.8; rest 4; reps 5 period=1.8; rest 1")
    truth = plan_motion(sc).truth["left"].to_dict()
    assert truth["reps"] == 11
    assert [s["reps"] for s in truth["sets"]] == [6, 5]
    assert truth["longest_continuous_set"] == 6
    assert truth["sets"][1]["start_s"] - truth["sets"][0]["end_s"] == pytest.approx(4.0)


def test_short_pause_keeps_set() -> None:
    sc = _scenario("reps 4; rest 2.9; reps 3")
    truth = plan_motion(sc).truth["left"].to_dict()
    assert truth["longest_continuous_set"] == 7 and len(truth["sets"]) == 1


def test_gap_between_reps_counts_for_sets() -> None:
    sc = _scenario("reps 3 gap=3.5")
    truth = plan_motion(sc).truth["left"].to_dict()
    assert truth["reps"] == 3 and truth["longest_continuous_set"] == 1


def test_group_sets_threshold() -> None:
    iv = [(0.0, 1.0), (1.5, 2.5), (5.5, 6.5), (9.4, 10.0)]
    assert group_sets(iv, 3.0) == [[0, 1], [2, 3]]
    assert group_sets(iv, 2.0) == [[0, 1], [2], [3]]
    assert group_sets([]) == []


def test_jerky_reps_flagged_and_rougher() -> None:
    sc = _scenario("reps 4 period=2 amp=30; reps 4 period=2 amp=30 profile=jerky jerk=0.8",
                   video={"fps": 60})
    plan = plan_motion(sc)
    truth = plan.truth["left"].to_dict()
    assert truth["jerky_reps"] == [4, 5, 6, 7]
    th = plan.theta_deg["left"]
    dt = 1 / 60
    jerk = np.diff(th, 3) / dt**3
    half = 4 * 2 * 60
    smooth_j = np.sqrt(np.mean(jerk[: half - 3] ** 2))
    jerky_j = np.sqrt(np.mean(jerk[half:] ** 2))
    assert jerky_j > 3 * smooth_j
    # still exactly one excursion per rep, and it reaches its amplitude
    assert _count_peaks(th, 15.0) == 8
    assert th[half:].max() == pytest.approx(30.0, abs=1.5)


def test_jerky_profile_stops_and_goes() -> None:
    rng = np.random.default_rng(3)
    plan = make_jerky_plan(rng, 1.0)
    u = np.linspace(0, 1, 2001)
    theta = jerky_rep_profile(u, plan, 30.0, 2.0)
    assert theta[0] == pytest.approx(0, abs=1e-9) and theta[-1] == pytest.approx(0, abs=1e-9)
    assert len(plan.out_knots) == 4 and len(plan.back_knots) == 4
    # velocity (without tremor) drops to ~0 between submovements: several near-zero dips
    plan0 = make_jerky_plan(np.random.default_rng(3), 1.0)
    plan0 = dataclasses.replace(plan0, tremor_deg=0.0)
    v = np.abs(np.diff(jerky_rep_profile(u, plan0, 30.0, 2.0)))
    out = v[: 1000]
    moving = out > 0.02 * out.max()
    starts = int(np.sum(moving[1:] & ~moving[:-1]) + moving[0])
    assert starts >= 3


def test_fidget_stays_small_and_is_not_a_rep() -> None:
    sc = _scenario("fidget 10 amp=3.5", "fidget 10", seed=5)
    plan = plan_motion(sc)
    for leg in ("left", "right"):
        th = plan.theta_deg[leg]
        assert np.abs(th).max() < MAX_FIDGET_AMPLITUDE_DEG
        assert np.abs(th).max() > 0.3
        truth = plan.truth[leg].to_dict()
        assert truth["reps"] == 0
        assert truth["fidget_intervals_s"] == [[0.0, 10.0]]


def test_fidget_amplitude_limit_rejected() -> None:
    with pytest.raises(ScenarioError, match="below 4"):
        _scenario("fidget 3 amp=4")


def test_deterministic_for_seed_and_varies_with_seed() -> None:
    text = "rest 1; reps 5 period=1.5-2.2 amp=20-35 gap=0-0.5; reps 3 profile=jerky; fidget 3"
    a = plan_motion(_scenario(text, text, seed=1))
    b = plan_motion(_scenario(text, text, seed=1))
    c = plan_motion(_scenario(text, text, seed=2))
    np.testing.assert_array_equal(a.theta_deg["left"], b.theta_deg["left"])
    assert a.truth["left"].to_dict() == b.truth["left"].to_dict()
    assert not np.array_equal(a.theta_deg["left"], c.theta_deg["left"])
    # the two legs draw independent random numbers
    assert not np.array_equal(a.theta_deg["left"], a.theta_deg["right"])
    amps = a.truth["left"].to_dict()["amplitudes_deg"][:5]
    assert all(20 <= x <= 35 for x in amps) and len(set(amps)) > 1


def test_both_legs_independent_truth() -> None:
    sc = _scenario("reps 8 period=2", "rest 1; reps 6 period=2.5")
    plan = plan_motion(sc)
    assert plan.truth["left"].to_dict()["reps"] == 8
    assert plan.truth["right"].to_dict()["reps"] == 6
    assert plan.duration_s == pytest.approx(16.0)


def test_duration_pads_and_max_frames() -> None:
    sc = _scenario("reps 2", duration_s=10)
    assert plan_motion(sc).n_frames == 300
    assert plan_motion(sc, n_frames=7).n_frames == 7


def test_scenario_roundtrip_json() -> None:
    sc = _scenario("rest 1; reps 3 amp=25-35 profile=jerky jerk=0.4; fidget 2 amp=1.5",
                   "reps 2 shape=cosine hold=0.3", seed=9, body={"preset": "older"},
                   clothing={"shirt": "red"}, camera={"azimuth_deg": -30})
    d = json.loads(json.dumps(sc.to_dict()))
    again = scenario_from_dict(d)
    assert again == sc
    assert sc.clothing.shirt == "#b83232"


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"legs": {"left": [{"reps": 3, "amplitude_deg": 2}]}}, "amplitude_deg"),
        ({"legs": {"left": [{"reps": -1}]}}, "count"),
        ({"legs": {"left": [{"walk": 3}]}}, "segment type"),
        ({"legs": {"middle": []}}, "unknown key"),
        ({"legs": {"left": [{"rest": 1}]}, "camera": {"azimuth_deg": 120}}, "azimuth"),
        ({"legs": {"left": [{"rest": 1}]}, "body": {"preset": "giant"}}, "preset"),
        ({"legs": {"left": [{"rest": 1}]}, "clothing": {"shirt": "#12"}}, "colour"),
        ({"legs": {"left": [{"rest": 1}]}, "video": {"width": 641}}, "even"),
        ({"legs": {"left": [{"reps": 2, "period_s": [3, 1]}]}}, "range"),
        ({}, "nothing to render"),
        ([1, 2], "mapping"),
    ],
)
def test_bad_scenarios_give_one_line_errors(bad: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message) as info:
        scenario_from_dict(bad)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, HipcamError) and info.value.exit_code == EXIT_USAGE


def test_schedule_text_parsing() -> None:
    segs = parse_schedule_text("rest 1.5; reps 10 period=1.8 amp=25-35 profile=jerky jerk=0.7;"
                               " fidget 3 amp=2")
    assert segs == [
        {"rest": 1.5},
        {"reps": 10, "period_s": 1.8, "amplitude_deg": [25, 35], "profile": "jerky",
         "jerk_level": 0.7},
        {"fidget": 3, "amplitude_deg": 2},
    ]
    with pytest.raises(ScenarioError):
        parse_schedule_text("jump 3")
    with pytest.raises(ScenarioError):
        parse_schedule_text("reps period=2")


def test_motion_module_imports_without_torch() -> None:
    code = ("import sys, hipcam.synth.motion, hipcam.synth.scenario, hipcam.synth.cli, "
            "hipcam.synth.render, hipcam.synth.body; "
            "bad = [m for m in ('torch', 'anny', 'pyrender') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_cli_bad_input_is_one_line(tmp_path) -> None:
    from hipcam.cli import main

    bad = tmp_path / "bad.json"
    bad.write_text('{"legs": {"left": [{"reps": 3, "profile": "wobbly"}]}}')
    assert main(["synth", str(bad), "-o", str(tmp_path / "x.mp4")]) == EXIT_USAGE
    assert main(["synth", str(tmp_path / "missing.json")]) == 3
    (tmp_path / "broken.json").write_text("{nope")
    assert main(["synth", str(tmp_path / "broken.json")]) == EXIT_USAGE


def test_yaml_scenario(tmp_path) -> None:
    pytest.importorskip("yaml")
    from hipcam.synth.scenario import load_scenario

    p = tmp_path / "s.yaml"
    p.write_text("name: demo\nseed: 3\nlegs:\n  left:\n    - rest: 1\n    - reps: 4\n"
                 "      period_s: [1.5, 2.0]\n")
    sc = load_scenario(p)
    assert sc.name == "demo" and plan_motion(sc).truth["left"].to_dict()["reps"] == 4


def test_idle_sway_is_small_smooth_and_off_by_default() -> None:
    still = plan_motion(_scenario("reps 2"))
    assert all(np.all(v == 0) for v in still.sway_deg.values())
    plan = plan_motion(_scenario("reps 2", body={"sway_deg": 2.0}, seed=3))
    for name, v in plan.sway_deg.items():
        peak = 4.0 if name == "head_yaw" else 2.0
        assert 0.2 < np.abs(v).max() <= peak + 1e-9
        assert np.abs(np.diff(v)).max() < 0.5  # slow: well under 0.5 deg per frame
    # sway leaves the legs' angles and truth alone
    np.testing.assert_array_equal(plan.theta_deg["left"], still.theta_deg["left"])


def test_camera_geometry_and_projection() -> None:
    """Pure-numpy camera maths of the renderer (no torch/pyrender needed)."""
    from hipcam.synth.render import SceneLayout, camera_pose, project_points

    layout = SceneLayout(floor_z=-0.5, bed_top_z=0.0, bed_front_y=-0.3,
                         look_at=np.array([0.0, -0.2, 0.1]))
    front = camera_pose(_scenario("reps 1"), layout)
    assert front[0, 3] == pytest.approx(0.0) and front[1, 3] < -2.0  # in front = -Y
    assert front[2, 3] == pytest.approx(-0.5 + 1.0)  # height above the floor
    uv = project_points(layout.look_at, front, 45.0, 640, 480)
    assert uv == pytest.approx([320.0, 240.0])
    # the person's left (+X) appears on the image's right when filmed from the front
    left_pt = project_points(layout.look_at + [0.1, 0, 0], front, 45.0, 640, 480)
    assert left_pt[0] > 320
    # a point higher up is higher in the image (smaller v)
    assert project_points(layout.look_at + [0, 0, 0.1], front, 45.0, 640, 480)[1] < 240
    # positive azimuth moves the camera toward the person's right (-X)
    right = camera_pose(_scenario("reps 1", camera={"azimuth_deg": 40}), layout)
    assert right[0, 3] < -1.0


def test_truncated_truth_drops_unfinished_reps() -> None:
    from hipcam.synth.render import _clip_truth

    plan = plan_motion(_scenario("reps 3 period=2; fidget 5"), n_frames=150)  # 5 s
    _clip_truth(plan)
    truth = plan.truth["left"].to_dict()
    assert truth["reps"] == 2 and truth["rep_intervals_s"][-1] == [2.0, 4.0]
    assert plan.truth["left"].fidget_intervals_s == []


def test_missing_synth_extra_is_one_line_error(tmp_path) -> None:
    code = ("import sys; sys.modules['torch'] = None; sys.modules['anny'] = None; "
            "from hipcam.cli import main; "
            f"sys.exit(main(['synth', '--left', 'reps 1', '-o', r'{tmp_path / 'x.mp4'}']))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [
        "hipcam synth: error: hipcam synth needs the synth extra: pip install 'hipcam[synth]'"
    ]


def test_lookalike_segments_have_zero_rep_truth_and_their_own_channels() -> None:
    sc = _scenario("rest 1; knee_extension 2 amp=45 period=2; internal_rotation 1 amp=20; "
                   "posture_shift 1 amp=15 hold=5; abduction 1 amp=20; reps 2 amp=30", seed=3)
    plan = plan_motion(sc)
    truth = plan.truth["left"].to_dict()
    assert truth["reps"] == 2
    kinds = [k for _, _, k in truth["lookalike_intervals_s"]]
    assert kinds == ["knee_extension", "knee_extension", "internal_rotation", "posture_shift",
                     "abduction"]
    assert plan.knee_ext_deg["left"].max() == pytest.approx(45.0, abs=0.5)
    assert plan.abduction_deg["left"].max() == pytest.approx(20.0, abs=0.5)
    assert plan.theta_deg["left"].min() == pytest.approx(-20.0, abs=0.5)  # foot outward
    # the posture shift holds +15 for its 5 s
    a, b, _ = truth["lookalike_intervals_s"][3]
    held = (plan.t_s > a + 1.1) & (plan.t_s < b - 1.1)
    assert np.allclose(plan.theta_deg["left"][held], 15.0)
    assert truth["lookalike_s"] == pytest.approx(2 * 2.0 + 2.0 + 7.0 + 2.0, abs=0.01)


def test_posture_shift_must_hold_long_enough() -> None:
    with pytest.raises(HipcamError, match="hold_s"):
        _scenario("posture_shift 1 amp=15 hold=1")


def test_stand_up_moves_both_legs_holds_and_sits_down_again() -> None:
    """``stand_up``: the thighs turn down by 80° by default over half of 3 s, stay 3 s, come back;
    one channel for the whole body whichever leg holds it; 0-rep truth on that leg."""
    sc = _scenario("rest 1; stand_up 1; rest 1; reps 2 amp=30", seed=4)
    plan = plan_motion(sc)
    truth = plan.truth["left"].to_dict()
    assert truth["reps"] == 2
    assert truth["lookalike_intervals_s"] == [[1.0, 7.0, "stand_up"]]
    assert plan.stand_deg is not None and plan.stand_deg.max() == pytest.approx(80.0, abs=0.5)
    standing = (plan.t_s > 2.6) & (plan.t_s < 5.4)
    assert np.allclose(plan.stand_deg[standing], 80.0)
    assert plan.stand_deg[plan.t_s < 1.0].max() == 0.0 and plan.stand_deg[plan.t_s > 7.0].max() == 0.0
    assert np.all(plan.theta_deg["left"][plan.t_s < 7.0] == 0.0)  # no hip rotation meanwhile
    # a plain scenario has no standing channel (it renders exactly as before)
    assert plan_motion(_scenario("reps 2", seed=4)).stand_deg is None


@pytest.mark.parametrize("right", ["rest 2; reps 2 amp=30", "rest 3; knee_extension 1",
                                   "rest 0.5; abduction 2 period=1-4", "rest 2; fidget 2"])
def test_stand_up_refuses_a_movement_of_the_other_leg_meanwhile(right) -> None:
    """Standing up moves both legs: a rep, fidget or look-alike of the other leg that may fall inside it
    (over every draw of the ranges) would give an impossible pose and wrong truth."""
    with pytest.raises(HipcamError, match="stand_up .* may overlap legs.right"):
        _scenario("rest 1; stand_up 1 hold=3; rest 1", right)


def test_stand_up_accepts_the_other_leg_resting_or_moving_before_and_after() -> None:
    sc = _scenario("rest 1; stand_up 1 hold=3; rest 1; reps 2",
                   "reps 1 period=1; rest 6.5; reps 2")  # right: 0-1 s and from 7.5 s
    assert plan_motion(sc).stand_deg is not None
