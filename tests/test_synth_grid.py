"""The smoothness grid's scenario generator (pure: no rendering)."""

import pytest

from hipcam.synth.grid import GridSpec, grid_scenarios, parse_grid
from hipcam.synth.motion import plan_motion
from hipcam.synth.scenario import Scenario, ScenarioError


def test_parse_grid_and_defaults():
    g = parse_grid("tempo=1,4 size=12,45 jerk=0,1 azimuth=0,90 reps=2")
    assert g.tempo_s == (1.0, 4.0) and g.size_deg == (12.0, 45.0)
    assert g.jerk_levels == (0.0, 1.0) and g.azimuth_deg == (0.0, 90.0) and g.reps == 2
    assert len(g.cells()) == 4
    p = parse_grid("tempo=1,2 size=12,30 pairs")
    assert p.cells() == [(1.0, 12.0), (2.0, 30.0)]
    assert parse_grid("jerk=0.5").tempo_s == GridSpec().tempo_s
    for bad in ("tempo=0.1", "size=5", "jerk=2", "azimuth=120", "speed=1", "tempo",
                "tempo=1,2 size=12 pairs", "reps=0"):
        with pytest.raises(ScenarioError):
            parse_grid(bad)


def test_grid_scenarios_truth_matches_the_cells():
    spec = parse_grid("tempo=1,3 size=12,40 jerk=0,0.5 azimuth=0,60 reps=2")
    scs = grid_scenarios(spec, Scenario(seed=5))
    assert [(s.name, s.camera.azimuth_deg) for s in scs][:2] == [
        ("grid_j0_az0_s5", 0.0), ("grid_j0_az60_s5", 60.0)]
    truth = plan_motion(scs[2]).truth["right"].to_dict()  # jerk 0.5, azimuth 0
    assert truth["reps"] == 8
    assert truth["periods_s"] == [1.0, 1.0, 1.0, 1.0, 3.0, 3.0, 3.0, 3.0]
    assert truth["amplitudes_deg"][:4] == [12.0, 12.0, 40.0, 40.0]
    assert set(truth["jerk_levels"]) == {0.5}
    assert plan_motion(scs[0]).truth["right"].to_dict()["jerky_reps"] == []
    # every rep stands alone: a rest between reps, and a rest before the first one
    iv = truth["rep_intervals_s"]
    assert iv[0][0] >= 3.0
    assert all(b[0] - a[1] >= 0.99 for a, b in zip(iv, iv[1:], strict=False))
