"""Counting and scoring on what the real pose model returned for the sample videos, replayed.

The series were recorded by ``scripts/record_poses.py`` (real model, real frames); replaying them
through :class:`~hipcam.session.SessionAnalyzer` takes milliseconds, so every counting and scoring
check on the samples lives here, and the real-model end-to-end tests (marked ``slow``) only check
that the recording is still what the model returns.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import replay

from hipcam.session import LEGS, RepEvent, SessionAnalyzer, SetEndEvent

SAMPLES = sorted(n for n in replay.recorded_names()
                 if n not in replay.AWKWARD and n not in replay.SIDE_VIEWS
                 and n not in replay.LOOKALIKES and n not in replay.PLACEMENTS
                 and n not in replay.HEAVY)
pytestmark = pytest.mark.skipif(not SAMPLES, reason="no recorded poses: run scripts/record_poses.py")


@pytest.fixture(scope="module")
def analysed() -> dict[str, SessionAnalyzer]:
    return {name: replay.replay(name) for name in SAMPLES}


def test_every_sample_is_recorded():
    videos = sorted(p.stem for p in replay.SAMPLES_DIR.glob("*.mp4") if p.with_suffix(".json").exists())
    assert SAMPLES == videos
    assert set(replay.AWKWARD) | set(replay.SIDE_VIEWS) | set(replay.LOOKALIKES) \
        | set(replay.PLACEMENTS) | set(replay.HEAVY) <= set(replay.recorded_names())


@pytest.mark.parametrize("leg", LEGS)
def test_counts_and_longest_set_exact_on_every_sample(analysed, leg):
    for name, an in analysed.items():
        want = replay.truth(name)["truth"][leg]
        res = an.leg_result(leg)
        assert len(res.reps) == len(want["rep_intervals_s"]), (name, leg)
        assert res.longest_continuous_set == want["longest_continuous_set"], (name, leg)
        assert [s.reps for s in res.sets] == [s["reps"] for s in want["sets"]], (name, leg)


def test_detected_reps_line_up_with_true_intervals(analysed):
    for name, an in analysed.items():
        for leg in LEGS:
            want = replay.truth(name)["truth"][leg]["rep_intervals_s"]
            for r, (t0, t1) in zip(an.reps(leg), want, strict=True):
                assert abs(r.rep.peak_s - (t0 + t1) / 2) < 0.35 * (t1 - t0), (name, leg)
                assert r.rep.start_s < (t0 + t1) / 2 < r.rep.end_s, (name, leg)


def _scores(analysed: dict[str, SessionAnalyzer], jerky: bool) -> list[float]:
    out = []
    for name, an in analysed.items():
        for leg in LEGS:
            flags = replay.truth(name)["truth"][leg]["jerky_reps"]
            for k, r in enumerate(an.reps(leg)):
                if (k in flags) == jerky and np.isfinite(r.smoothness_score):
                    out.append(r.smoothness_score)
    return out


def test_smooth_reps_score_clearly_above_jerky_reps(analysed):
    smooth, jerky = _scores(analysed, False), _scores(analysed, True)
    assert jerky, "no sample has jerky reps"
    assert np.mean(smooth) > np.mean(jerky) + 20
    assert np.median(smooth) > 50 > np.median(jerky)


def _rom_errors_deg(analysed: dict[str, SessionAnalyzer]) -> dict[str, float]:
    """Mean |measured - true| range of motion per sample (degrees)."""
    out = {}
    for name, an in analysed.items():
        errs = []
        for leg in LEGS:
            amps = replay.truth(name)["truth"][leg]["amplitudes_deg"]
            roms = [r.rep.peak_deg for r in an.reps(leg)]
            errs += [abs(a - b) for a, b in zip(roms, amps, strict=False)]
        if errs:
            out[name] = float(np.mean(errs))
    return out


#: Mean range-of-motion error allowed per sample (degrees): the model reads the swing of a front
#: view ~2-4° short of the rendered hip rotation.
ROM_TOLERANCE_DEG = 4.5
#: The samples filmed from 25-30° aside (both_legs, pause_break) must be within this...
TURNED_TOLERANCE_DEG = 3.0


def test_rom_within_a_tolerance_the_yaw_correction_matters_for(analysed, monkeypatch):
    errors = _rom_errors_deg(analysed)
    assert max(errors.values()) < ROM_TOLERANCE_DEG, errors
    turned = ("both_legs", "pause_break")
    assert all(errors[n] < TURNED_TOLERANCE_DEG for n in turned), errors
    # ... and which the same replay without the view correction misses: at least twice the error and
    # 1.4° more on each turned sample, beyond the tolerance on one (measured after re-recording with
    # single-person tracking: 1.2° vs 2.7° at 30°; 2° and > 3° on both held with the former recording)
    from hipcam import angles

    monkeypatch.setattr(angles, "correct_view_deg_float", lambda a, yaw, tilt: a)
    uncorrected = _rom_errors_deg({n: replay.replay(n) for n in turned})
    for n in turned:
        assert uncorrected[n] >= 2.0 * errors[n] and uncorrected[n] > errors[n] + 1.4, \
            (n, errors[n], uncorrected[n])
    assert max(uncorrected.values()) > TURNED_TOLERANCE_DEG, uncorrected


def test_set_events_follow_the_sets(analysed):
    series, fs = replay.load_series("pause_break")
    an = replay.analyzer("pause_break", fs)
    events = an.push_series(series) + an.finish()
    ends = [e for e in events if isinstance(e, SetEndEvent)]
    reps = [e for e in events if isinstance(e, RepEvent)]
    assert [(e.leg, e.reason, e.set.reps) for e in ends] == [("right", "rest", 6),
                                                             ("right", "session_end", 5)]
    # the rest is announced once certain: pause_break_s after the set's end, before the next set
    assert 3.0 <= ends[0].t_s - ends[0].set.end_s < 4.0
    assert [e.set_number for e in reps] == [1] * 6 + [2] * 5
    assert an.sets("right") == analysed["pause_break"].sets("right")


def test_break_set_splits_the_set_where_it_is_pressed():
    series, fs = replay.load_series("one_leg_smooth")
    an = replay.analyzer("one_leg_smooth", fs)
    events: list = []
    pressed_at = None
    for i in range(len(series)):
        events += an.push(float(series.t_s[i]), series.sample(i))
        if pressed_at is None and len([e for e in events if isinstance(e, RepEvent)]) == 3:
            pressed_at = float(series.t_s[i])
            events += an.break_set()
    events += an.finish()
    ends = [e for e in events if isinstance(e, SetEndEvent)]
    assert ends[0].reason == "manual" and ends[0].set.reps == 3
    total = len(an.reps("left")) + len(an.reps("right"))
    assert sum(s.reps for leg in LEGS for s in an.sets(leg)) == total


# -- side views (camera-grid cells; the full grid is benchmarks/accuracy.py --grid) ---------------
def _side(name: str) -> tuple[SessionAnalyzer, dict, str, str]:
    an = replay.replay(name)
    truth = replay.truth(name)["truth"]
    moving = "left" if truth["left"]["rep_intervals_s"] else "right"
    return an, truth, moving, ("right" if moving == "left" else "left")


@pytest.mark.parametrize("name", ["side_az60_near", "side_az90_near"])
def test_near_leg_counted_from_the_side_resting_leg_silent(name):
    an, truth, moving, resting = _side(name)
    res = an.leg_result(moving)
    assert len(res.reps) == len(truth[moving]["rep_intervals_s"])
    assert an.reps(resting) == []
    roms = [r.rep.peak_deg for r in res.reps]
    amps = truth[moving]["amplitudes_deg"]
    if name == "side_az60_near":  # read from the picture: measured
        assert not res.rom_approximate
        assert abs(np.mean(roms) - np.mean(amps)) < 4.0
    else:  # read from the side-view reading: labelled approximate
        assert res.rom_approximate and "approximate" in res.to_dict()["rom_note"]
        assert 0.5 * np.mean(amps) < np.mean(roms) < 1.5 * np.mean(amps)


def test_side_view_range_of_motion_is_corrected_for_the_cameras_pitch(monkeypatch):
    """90° aside, read from the model's side-view reading: the heavy model reads half the swing
    from a camera at knee height and 1.3 times it from one 1.4 m up (the knees stand apart in
    the picture by the camera's pitch). The reported range of motion takes that out; without
    the correction the two are ~14° short and ~10° long."""
    import hipcam.session

    def errors() -> dict[str, float]:
        out = {}
        for name in ("side_az90_low_heavy", "side_az90_high_heavy"):
            an, truth, moving, resting = _side(name)
            res = an.leg_result(moving)
            assert len(res.reps) == len(truth[moving]["rep_intervals_s"]) and not an.reps(resting)
            assert res.rom_approximate
            rom = [r["rom_deg"] for r in res.to_dict()["reps_detail"]]
            out[name] = float(np.mean(rom) - np.mean(truth[moving]["amplitudes_deg"]))
            # the plotted and exported angle is in the same degrees as the reps' range of motion
            ser = an.series()
            above = ser[f"{moving}_filtered_deg"] - ser[f"{moving}_rest_deg"]
            for r, want in zip(res.reps, rom, strict=True):
                assert above[r.rep.peak_index] == pytest.approx(want, abs=0.05)
        return out

    corrected = errors()
    assert all(abs(e) < 6.0 for e in corrected.values()), corrected
    heavy = hipcam.session.SIDE_VIEW_CALIBRATION["heavy"]
    monkeypatch.setitem(hipcam.session.SIDE_VIEW_CALIBRATION, "heavy",
                        dataclasses.replace(heavy, rom_depth_fraction=None))
    plain = errors()
    assert plain["side_az90_low_heavy"] < -10.0 and plain["side_az90_high_heavy"] > 6.0, plain


def test_a_small_side_view_reading_from_a_low_camera_counts_once_corrected(monkeypatch):
    """A rep read from the side-view estimate must reach the 3D minimum (8°) — judged on the
    range of motion corrected for the camera's pitch: from knee height the heavy model reads a
    dark body's 25-35° reps as 6-8° after the fixed gain (0 of 4 counted), 10-12° corrected."""
    import hipcam.session

    an, truth, moving, resting = _side("side_az90_low_small_heavy")
    assert len(an.reps(moving)) == len(truth[moving]["rep_intervals_s"]) == 4
    assert an.reps(resting) == []
    heavy = hipcam.session.SIDE_VIEW_CALIBRATION["heavy"]
    monkeypatch.setitem(hipcam.session.SIDE_VIEW_CALIBRATION, "heavy",
                        dataclasses.replace(heavy, rom_depth_fraction=None))
    assert replay.replay("side_az90_low_small_heavy").reps(moving) == []


def test_a_near_ankle_the_model_doubts_at_each_reps_top_stays_seen(monkeypatch):
    """From 90° aside and 1.4 m up the heavy model's visibility of a slim body's near ankle dips
    to 0.40-0.47 at the top of each rep: below the 0.5 a leg needs to be seen, it cut every rep
    with a 0.3-0.5 s gap (0 of 4). A leg already seen stays seen down to 0.35."""
    from hipcam import angles

    an, truth, moving, resting = _side("side_az90_high_slim_heavy")
    assert len(an.reps(moving)) == len(truth[moving]["rep_intervals_s"]) == 4
    assert an.reps(resting) == [] and an.leg_result(resting).seen_fraction < 0.2
    monkeypatch.setattr(angles, "KEEP_VISIBILITY", angles.MIN_VISIBILITY)
    assert len(replay.replay("side_az90_high_slim_heavy").reps(moving)) == 0


def test_reps_read_from_the_side_view_estimate_get_no_smoothness_score(monkeypatch):
    """90° aside the reps are read from the model's 3D pose, whose score means nothing (smooth
    rendered reps there were flagged jerky 48 times in 350): no score, said once, in every
    output; from the front every rep is scored."""
    import hipcam.session

    an, truth, moving, resting = _side("side_az90_near")
    res = an.leg_result(moving)
    assert res.reps and res.unscored_reps == len(res.reps) and res.jerky_reps == 0
    assert res.to_dict()["smoothness_score"] is None
    assert all(r["smoothness_score"] is None for r in res.to_dict()["reps_detail"])
    said = [w for w in _finished_analysis("side_az90_near").warnings if "smoothness not scored" in w]
    assert len(said) == 1 and said[0].startswith(f"{moving} smoothness not scored for ")
    assert replay.replay("both_legs").leg_result("left").unscored_reps == 0
    monkeypatch.setattr(hipcam.session, "SMOOTHNESS_MIN_IMAGE_WEIGHT", 0.0)
    assert replay.replay("side_az90_near").leg_result(moving).unscored_reps == 0


def test_camera_high_in_front_is_in_position_and_counted():
    # a laptop on a high table in front of the bed (1.4 m, ~18° down): the model's world
    # landmarks put the level thigh only ~48-61° from "down" (depth compression), which the
    # gate's old 50° floor refused for most frames (0 of 4 reps counted)
    an, truth, moving, resting = _side("front_high_camera")
    assert len(an.reps(moving)) == len(truth[moving]["rep_intervals_s"]) == 4
    assert an.reps(resting) == []
    (a, b), = an.in_position_intervals(moving)
    assert a < truth[moving]["rep_intervals_s"][0][0] and b > truth[moving]["rep_intervals_s"][-1][1]


def test_slim_body_seen_from_high_in_front_is_in_position_and_counted():
    # held-out camera grid, slim body, camera 1.4 m in front: the model reads her level thighs
    # 29-40° from "down" — the range of walking — so the thigh checks alone refused a rep (3 of
    # 4); in the picture the thighs are 0.5-0.8 of the shins long (pointing at the camera)
    an, truth, moving, resting = _side("front_high_slim")
    assert len(an.reps(moving)) == len(truth[moving]["rep_intervals_s"]) == 4
    assert an.reps(resting) == []


def test_hidden_far_leg_is_never_counted():
    an, truth, moving, resting = _side("side_az90_far")
    res = an.leg_result(moving)
    assert truth[moving]["rep_intervals_s"] and res.reps == []
    assert an.reps(resting) == []
    assert res.view_yaw_deg > 80


def test_hidden_far_leg_is_reported_not_visible():
    # the model gives this hidden leg a knee visibility of ~0.52 (above MIN_VISIBILITY): it is
    # its place in the picture, behind the near shin, that says it is hidden
    # (angles.hidden_behind_other_leg; without it: seen 92%, 0.8 s of gaps)
    an, truth, moving, resting = _side("side_az90_far")
    res = an.leg_result(moving)
    assert res.seen_fraction < 0.5
    hidden_s = sum(b - a for a, b in res.gaps)
    assert hidden_s > 0.5 * (an.t_s[-1] - an.t_s[0])  # reported as "not visible" stretches


def test_a_side_view_swing_the_picture_does_not_show_is_not_a_rep(monkeypatch):
    """75° aside, the far leg's 4 reps hidden behind the near one: the model moves the resting
    near leg's side-view (3D) reading 13-14° with each of them, but that foot stays still in the
    picture (0.02-0.03 shin lengths): no rep (``SessionAnalyzer._is_unseen_swing``)."""
    import hipcam.session

    an, truth, moving, resting = _side("side_az75_far_behind")
    assert an.leg_result(moving).seen_fraction < 0.5 and an.reps(moving) == []
    assert an.reps(resting) == []
    monkeypatch.setattr(hipcam.session, "MIN_SIDE_PICTURE_SWING", 0.0)
    assert len(replay.replay("side_az75_far_behind").reps(resting)) >= 3


# -- awkward videos: cropped, occluded, blank stretches ----------------------------------------------
@pytest.mark.parametrize("name", sorted(replay.AWKWARD))
def test_awkward_videos_live_events_equal_the_offline_result(name):
    """What ``live`` shows (the events, as they come) is what ``analyse`` reports (the result)."""
    series, fs = replay.load_series(name)
    an = replay.analyzer(name, fs)
    events = an.push_series(series) + an.finish()
    for leg in LEGS:
        assert [e.result for e in events if isinstance(e, RepEvent) and e.leg == leg] == an.reps(leg)
        ends = [e.set for e in events if isinstance(e, SetEndEvent) and e.leg == leg]
        assert ends == an.sets(leg)


def test_cropped_halfway_down_the_shins_counts_nothing_from_guessed_ankles():
    an = replay.replay("both_legs_cropped")
    for leg in LEGS:
        res = an.leg_result(leg)
        assert res.seen_fraction < 0.2  # the ankles are below the picture: guesses, masked
        assert res.reps == []
        assert res.gaps  # reported as not visible


def test_a_leg_hidden_by_an_object_gives_no_rep_from_the_models_guesses():
    """A grey band hides the left knee and shin from 5 s to 9 s (tests/replay.py, ``occluded``).

    The model keeps guessing that leg with a visibility of 0.82-0.97 (its knee wanders ~0.13 shin
    lengths about where it really is), so hipcam cannot tell it is hidden and reports no gap
    there (a known limit, docs/robustness.md). What must hold: the two left reps inside the band
    are lost, not invented or merged; every other rep of both legs is counted where it was.
    """
    an = replay.replay("both_legs_occluded")
    truth = replay.truth("both_legs")["truth"]
    band = (5.0, 9.0)
    for leg in LEGS:
        want = [(a, b) for a, b in truth[leg]["rep_intervals_s"]
                if leg == "right" or not (a < band[1] and band[0] < b)]
        got = [(r.rep.start_s, r.rep.end_s) for r in an.reps(leg)]
        assert len(got) == len(want), (leg, got)
        for (a, b), (ta, tb) in zip(got, want, strict=True):
            assert ta - 0.4 < a and b < tb + 0.4, (leg, (a, b), (ta, tb))
    assert len(truth["left"]["rep_intervals_s"]) == 8 and len(an.reps("left")) == 6  # 2 hidden


def test_a_hidden_leg_drawn_standing_does_not_veto_the_other_legs_reps():
    """The heavy model draws the left leg hidden behind the band hanging straight down (thigh
    1-10° from "down") while the right thigh lies level: a guess (``position.guessed_legs``),
    not a posture change, so the right leg's reps are not taken for echoes of it (they were:
    3 of 6 lost). The left leg's hidden reps are still not invented."""
    an = replay.replay("both_legs_occluded_heavy")
    assert replay.recorded_model("both_legs_occluded_heavy") == "pose_landmarker_heavy.task"
    truth = replay.truth("both_legs")["truth"]
    got = [(r.rep.start_s, r.rep.end_s) for r in an.reps("right")]
    assert len(got) == len(truth["right"]["rep_intervals_s"]) == 6
    for (a, b), (ta, tb) in zip(got, truth["right"]["rep_intervals_s"], strict=True):
        assert ta - 0.4 < a and b < tb + 0.4
    band = (5.0, 9.0)
    left = [(r.rep.start_s, r.rep.end_s) for r in an.reps("left")]
    assert not any(a < band[1] - 0.5 and band[0] + 0.5 < b for a, b in left)  # nothing in the band
    assert len(left) >= 5


def test_blank_stretches_are_reported_and_only_the_rep_they_cut_is_lost():
    an = replay.replay("pause_break_gaps")  # blank frames 3.0-3.5 s and 12-14 s (in the pause)
    truth = replay.truth("pause_break")["truth"]
    for leg in LEGS:
        long_gaps = [(a, b) for a, b in an.gaps(leg) if b - a >= 1.0]
        assert len(long_gaps) == 1 and abs(long_gaps[0][0] - 12.0) < 0.3 and abs(long_gaps[0][1] - 14.0) < 0.3
        # every rep the blank frames leave whole is counted; the one they cut in half (its return
        # starts unseen) is not: after a gap a rep only starts from rest (hipcam.reps)
        blanks = ((3.0, 3.5), (12.0, 14.0))
        whole = [(a, b) for a, b in truth[leg]["rep_intervals_s"]
                 if not any(a < be and ba < b for ba, be in blanks)]
        got = [(r.rep.start_s, r.rep.end_s) for r in an.reps(leg)]
        assert len(got) == len(whole)
        for (a, b), (ta, tb) in zip(got, whole, strict=True):
            assert abs(a - ta) < 0.4 and abs(b - tb) < 0.4


# -- look-alikes seen from aside ---------------------------------------------------------------------
def test_knee_extensions_of_the_near_leg_seen_from_aside_are_not_counted(monkeypatch):
    """``benchmarks/lookalikes.py``'s ``kneeext_older_az50_h1.2`` (camera 50° aside, 1.2 m up):
    2 reps, 3 knee extensions of 40°, 2 reps. The extensions move the near foot across the
    picture like rotations; they are told apart by where the foot goes up or down
    (``SessionAnalyzer._is_knee_extension``)."""
    import hipcam.session

    truth = replay.truth("kneeext_aside")["truth"]["right"]
    an = replay.replay("kneeext_aside")
    peaks = [r.rep.peak_s for r in an.reps("right")]
    assert len(peaks) == len(truth["rep_intervals_s"]) == 4
    assert all(any(a <= p <= b for a, b in truth["rep_intervals_s"]) for p in peaks)
    assert an.reps("left") == []
    # without the check the extensions count (the test can fail)
    monkeypatch.setattr(hipcam.session, "EXTENSION_MIN_SEPARATION", float("inf"))
    extra = [r.rep.peak_s for r in replay.replay("kneeext_aside").reps("right")]
    assert len(extra) == 7
    assert sum(any(a <= p <= b for a, b, _ in truth["lookalike_intervals_s"]) for p in extra) == 3


def test_a_rendered_person_standing_up_is_out_of_position():
    """``benchmarks/lookalikes.py``'s ``standup_front_mixed`` posed by the real model: 2 reps,
    stand up (fully standing 7.6-10.6 s), sit down, 2 reps. The gate must take the standing
    stretch out of position on both legs — on the model's real landmarks of a standing body,
    not hand-made features — and the reps around it still count. (They fall in two sets
    because the legs rest ≥ 3 s meanwhile — the pause rule, not the standing: with a longer
    pause rule they are one set.)"""
    doc = replay.truth("standup_front")
    truth = doc["truth"]
    an = replay.replay("standup_front")
    assert an.reps("left") == []
    assert len(an.reps("right")) == len(truth["right"]["rep_intervals_s"]) == 4
    assert [s.reps for s in an.sets("right")] == [s["reps"] for s in truth["right"]["sets"]]
    assert [s.reps for s in replay.replay("standup_front", pause_break_s=30.0).sets("right")] \
        == [4]
    (a, b, kind), = truth["right"]["lookalike_intervals_s"]
    assert kind == "stand_up"
    half_s = next(g["period_s"] for g in doc["scenario"]["legs"]["right"]
                  if g.get("kind") == "stand_up") / 2
    standing = (a + half_s, b - half_s)  # fully up (half the period to rise, half to sit down)
    for leg in LEGS:
        for lo, hi in an.in_position_intervals(leg):
            assert hi <= standing[0] or lo >= standing[1], (leg, lo, hi)
        assert any(hi >= truth["right"]["rep_intervals_s"][-1][1] for _, hi in
                   an.in_position_intervals(leg))  # back in position once seated again


def test_a_steep_camera_that_fails_the_near_leg_says_so():
    """``replay.PLACEMENTS["steep_camera"]``: 8 reps of the right leg filmed from 1.7 m up and
    1.6 m away, 30° aside, posed by the real model. Its level thigh reads like a standing one
    and the gate fails it most of the time, so most reps go uncounted — a known limit; the
    analysis must then say which leg and why instead of a silent short count."""
    from hipcam.position import lagging_warnings

    an = replay.replay("steep_camera")
    truth = replay.truth("steep_camera")["truth"]
    assert len(truth["right"]["rep_intervals_s"]) == 8 and an.reps("left") == []
    in_pos = {leg: sum(b - a for a, b in an.in_position_intervals(leg)) for leg in LEGS}
    warnings = lagging_warnings(in_pos, list(LEGS))
    assert len(warnings) == 1 and warnings[0].startswith("right leg in the exercise position")
    assert len(an.reps("right")) < 8  # the limit itself (this test fails once the gate passes it)


def test_a_foot_cut_by_the_picture_edge_is_measured_from_the_real_models_landmarks():
    """``replay.PLACEMENTS["foot_cut"]``: the near (right) foot below the picture in every frame
    (camera 1.5 m up, 1.6 m away). Its ankle sits at the edge and its swing reads wrong — every
    rep taken for a knee extension, a known limit — so ``analyse`` warns about that foot
    (:data:`hipcam.angles.FOOT_CUT_WARN_FRACTION`) and not about the other."""
    from hipcam.angles import FOOT_CUT_WARN_FRACTION, foot_cut_fraction

    series, _ = replay.load_series("foot_cut")
    cut = foot_cut_fraction(series.image_xy_px, series.frame_size_px, series.detected)
    assert cut["right"] >= FOOT_CUT_WARN_FRACTION > cut["left"]
    assert len(replay.replay("foot_cut").reps("right")) < 8  # the limit (fails once it is solved)
    for name in ("both_legs", "steep_camera", "side_az90_near", "kneeext_aside"):
        s, _ = replay.load_series(name)
        assert max(foot_cut_fraction(s.image_xy_px, s.frame_size_px, s.detected).values()) \
            < FOOT_CUT_WARN_FRACTION, name


@pytest.mark.parametrize("name", ["steep_camera", "high_camera_refused", "both_legs",
                                  "side_az90_near", "side_az90_far", "standup_front",
                                  "kneeext_aside", "big_reps_high_aside", "both_legs_occluded",
                                  "side_az75_far_seen"])
def test_live_names_the_leg_the_steep_camera_fails_and_only_there(name, tmp_path):
    """``hipcam live``'s tracker fed the real model's landmarks frame by frame: on the steep
    camera (the leg rarely in position) and the high one (its swings refused by the gate) it
    shows and logs the per-leg advice for the right leg; on the samples, the side views (a far
    leg hidden), standing up (both legs out together) and big reps from above it does not. A far
    leg seen edge-on 75° aside gets the camera advice instead (``edge_on_advice``), and only it."""
    from hipcam.live.session import LiveTracker
    from hipcam.position import lagging_leg_advice
    from hipcam.session import edge_on_advice

    series, fs = replay.load_series(name)
    events: list[dict] = []
    tracker = LiveTracker(fs, 100, 3.0, events.append)
    for i in range(len(series)):
        tracker.observe(float(series.t_s[i]), series.sample(i))
    advice = {e["message"] for e in events if e["event"] == "warning" and e["kind"] == "position"}
    want = {lagging_leg_advice("right")} if name in ("steep_camera", "high_camera_refused") \
        else set()
    assert {a for a in advice if a in {lagging_leg_advice(leg) for leg in LEGS}} == want
    edge_on = {edge_on_advice("right")} if name == "side_az75_far_seen" else set()
    assert {a for a in advice if a in {edge_on_advice(leg) for leg in LEGS}} == edge_on


def _finished_analysis(name: str):
    """``pipeline.finish_analysis`` over a recorded series, as ``analyse_video`` calls it."""
    from hipcam.capture import ReadStats, VideoInfo
    from hipcam.pipeline import finish_analysis
    from hipcam.pose import PoseSeriesBuilder

    series, fs = replay.load_series(name)
    an, builder = replay.analyzer(name, fs), PoseSeriesBuilder()
    for i in range(len(series)):
        t, sample = float(series.t_s[i]), series.sample(i)
        builder.add(int(series.frame_index[i]), t, sample)
        an.push(t, sample)
    an.finish()
    n = len(series)
    w, h = series.frame_size_px
    return finish_analysis(f"{name}.mp4", VideoInfo(f"{name}.mp4", fs, n, w, h), n, 1, an, builder,
                           ReadStats(decoded=n, last_index=n - 1), "model")


def test_live_edge_on_banner_goes_once_the_camera_is_moved_to_the_front():
    """The live banner judges the last ``EDGE_ON_LIVE_WINDOW_S``: 40 s filmed 75° aside (the far
    leg edge-on; a 10 s recording four times) then 20 s from the front — the banner shows during
    the first and is gone by the end of the second (a whole-session median would keep it)."""
    from hipcam.live.session import LiveTracker
    from hipcam.session import edge_on_advice

    side, fs = replay.load_series("side_az75_far_seen")
    front, _ = replay.load_series("one_leg_smooth")
    tracker = LiveTracker(fs, 100, 3.0, lambda event: None)
    t0 = 0.0
    for _ in range(4):
        for i in range(len(side)):
            tracker.observe(t0 + float(side.t_s[i]), side.sample(i))
        t0 += float(side.t_s[-1]) + 1.0 / fs
    assert tracker.guidance == [edge_on_advice("right")]
    for i in range(len(front)):
        tracker.observe(t0 + float(front.t_s[i]), front.sample(i))
    assert edge_on_advice("right") not in tracker.guidance


def test_analyse_warns_about_the_steep_camera_and_the_cut_foot_and_not_elsewhere():
    """The warnings as ``analyse`` writes them (the pipeline's own call, real-model landmarks)."""
    from hipcam.angles import foot_cut_warning
    from hipcam.position import LAGGING_ADVICE

    steep = _finished_analysis("steep_camera").warnings
    assert [w for w in steep if LAGGING_ADVICE in w] == [
        w for w in steep if w.startswith("right leg in the exercise position for only")]
    assert len([w for w in steep if LAGGING_ADVICE in w]) == 1
    cut = _finished_analysis("foot_cut").warnings
    assert foot_cut_warning("right", 1.0) in cut and not any("left foot" in w for w in cut)
    for name in ("both_legs", "side_az90_near", "standup_front"):
        quiet = _finished_analysis(name).warnings
        assert not any(LAGGING_ADVICE in w or "foot partly out" in w for w in quiet), name


def test_analyse_says_when_a_leg_is_seen_edge_on_behind_the_other_and_nowhere_else():
    """75° aside the far leg, though 'seen', is mostly the model's guess (0 of 4 reps here):
    ``analyse`` says it is not counted (``LegResult.behind_other_leg``). Not for the near leg, a
    far leg 60° aside, a hidden one (its own warning) or any front view."""
    edge_on = "seen edge-on behind"
    warnings = _finished_analysis("side_az75_far_seen").warnings
    assert [w for w in warnings if edge_on in w] == [
        w for w in warnings if w.startswith("right lower leg seen edge-on behind the left leg")]
    assert len([w for w in warnings if edge_on in w]) == 1
    assert replay.replay("side_az75_far_seen").leg_result("right").to_dict()["behind_other_leg"]
    for name in replay.recorded_names():
        if name not in ("side_az75_far_seen", "side_az75_far_rests"):
            assert not any(edge_on in w for w in _finished_analysis(name).warnings), name


def test_a_leg_seen_edge_on_behind_the_other_gives_no_reps(monkeypatch):
    """75° aside the resting far leg is mostly the model's guess, and the guess swung with the
    near leg's reps: 4 phantom reps. Seen edge-on behind the other leg (the last 30 s) it is not
    counted, in ``analyse`` as in ``live`` (the analyser's own veto); the near leg is."""
    from hipcam.session import SessionAnalyzer as Analyzer

    an, truth, moving, resting = _side("side_az75_far_rests")
    assert len(an.reps(moving)) == len(truth[moving]["rep_intervals_s"]) == 4
    assert an.reps(resting) == [] and an.leg_result(resting).behind_other_leg
    monkeypatch.setattr(Analyzer, "behind_other_leg", lambda self, leg, window_s=None: False)
    assert len(replay.replay("side_az75_far_rests").reps(resting)) >= 3


def test_live_banner_holds_through_missed_frames_and_clears_once_the_leg_is_in_position():
    from hipcam.live.session import LiveTracker
    from hipcam.position import lagging_leg_advice

    steep, fs = replay.load_series("steep_camera")
    tracker = LiveTracker(fs, 100, 3.0, lambda e: None)
    for i in range(len(steep)):
        tracker.observe(float(steep.t_s[i]), steep.sample(i))
    t_end = float(steep.t_s[-1])
    assert tracker.guidance == [lagging_leg_advice("right")]
    for k in range(1, 6):  # nobody found for a few frames: the banner stays
        tracker.observe(t_end + k / fs, None)
        assert tracker.guidance == [lagging_leg_advice("right")]
    seated, fs2 = replay.load_series("both_legs")  # then both legs properly in position
    t0 = t_end + 6 / fs
    for i in range(len(seated)):
        tracker.observe(t0 + float(seated.t_s[i]), seated.sample(i))
    assert tracker.guidance == []


# -- big reps filmed from above and aside (2026-12-03) -----------------------------------------------
def test_big_reps_from_above_keep_the_leg_in_position_and_their_echo_is_not_counted(monkeypatch):
    """``replay.LOOKALIKES["big_reps_high_aside"]``: 5 reps of 45° by the far (left) leg, 25°
    aside, 1.4 m up, posed by the real model. At the top of each rep the model dips the
    exercising thigh to 46-49° from "down" beside a resting one at 63-65° (the gate's hold keeps
    the leg in position) and swings the resting leg 8° with it, 7 times smaller (the echo from
    any view). Without either rule the count is wrong (the test can fail)."""
    import hipcam.position
    import hipcam.session

    truth = replay.truth("big_reps_high_aside")["truth"]
    an = replay.replay("big_reps_high_aside")
    peaks = [r.rep.peak_s for r in an.reps("left")]
    assert len(peaks) == len(truth["left"]["rep_intervals_s"]) == 5
    assert all(any(a <= p <= b for a, b in truth["left"]["rep_intervals_s"]) for p in peaks)
    assert an.reps("right") == [] and truth["right"]["rep_intervals_s"] == []
    with monkeypatch.context() as m:
        m.setattr(hipcam.position, "HOLD_SHIN_FROM_DOWN_DEG", float("inf"))
        assert len(replay.replay("big_reps_high_aside").reps("left")) <= 2
    monkeypatch.setattr(hipcam.session, "ECHO_RATIO_ANY_VIEW", float("inf"))
    assert len(replay.replay("big_reps_high_aside").reps("right")) >= 3


def test_an_echo_under_a_third_of_the_other_legs_swing_is_not_a_rep(monkeypatch):
    """``replay.LOOKALIKES["echo_high_aside"]``: 5 reps of 45° by the left leg, 35° aside,
    1.6 m up; the model swings the resting right leg 12-14° with them (3.6-4.3 times smaller)."""
    import hipcam.session

    an = replay.replay("echo_high_aside")
    assert len(an.reps("left")) == 5 and an.reps("right") == []
    monkeypatch.setattr(hipcam.session, "ECHO_RATIO_ANY_VIEW", 4.0)  # the first choice
    assert len(replay.replay("echo_high_aside").reps("right")) >= 3


def test_swings_refused_by_the_gate_are_counted_for_the_warning():
    """``replay.LOOKALIKES["high_camera_refused"]``: 5 reps of 45° by the right leg from 1.6 m
    up, 2 m away, 20° aside. The model reads its thigh like a standing one at each rep's top, so
    no rep counts (a known limit); the analysis must say so (the time in position alone does
    not look lagging)."""
    from hipcam.position import lagging_legs, out_of_position_warnings

    an = replay.replay("high_camera_refused")
    legs = {leg: an.leg_result(leg) for leg in LEGS}
    assert len(legs["right"].reps) == 0 and legs["right"].swings_out_of_position >= 2
    assert lagging_legs({leg: legs[leg].in_position_s for leg in LEGS}) == []
    warnings = out_of_position_warnings({leg: legs[leg].swings_out_of_position for leg in LEGS},
                                        {leg: len(legs[leg].reps) for leg in LEGS}, list(LEGS))
    assert len(warnings) == 1 and warnings[0].startswith("right leg: ")
    # every other recording: no such warning
    for name in replay.recorded_names():
        if name == "high_camera_refused":
            continue
        other = replay.replay(name)
        res = {leg: other.leg_result(leg) for leg in LEGS}
        assert out_of_position_warnings({leg: res[leg].swings_out_of_position for leg in LEGS},
                                        {leg: len(res[leg].reps) for leg in LEGS},
                                        list(LEGS)) == [], name


def test_the_resting_legs_echo_of_a_full_knee_extension_is_not_a_rep(monkeypatch):
    """``replay.LOOKALIKES["extension_out_of_position"]``: 3 knee extensions of 70° by the left
    leg seen 75° aside, posed by the real model. The extending leg leaves the position (its knee
    past 140°) and counts nothing; the model moves the resting right leg's landmarks 12-14° with
    it (as on real footage of a seated knee extension, docs/accuracy.md): the posture echo."""
    import hipcam.session

    an = replay.replay("extension_out_of_position")
    assert an.reps("left") == [] and an.reps("right") == []
    monkeypatch.setattr(hipcam.session.SessionAnalyzer, "_is_posture_echo",
                        lambda self, leg, rep: False)
    assert len(replay.replay("extension_out_of_position").reps("right")) >= 2
