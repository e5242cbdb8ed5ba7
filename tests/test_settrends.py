"""The road to 100: first-vs-last and per-rep trends of a set (pure logic)."""

from __future__ import annotations

import math

import pytest

from hipcam.settrends import MIN_REPS, WINDOW_REPS, add_set_trends, describe, set_trend, window_size


def test_window_sizes() -> None:
    assert window_size(MIN_REPS - 1) == 0
    assert window_size(10) == 3 and window_size(30) == 10
    assert window_size(50) == 16 and window_size(100) == WINDOW_REPS


def test_a_fading_set_of_fifty() -> None:
    """Range falls 0.2°/rep, reps slow by 10 ms/rep, smoothness falls 0.5/rep, one rep unscored."""
    n = 50
    rom = [30 - 0.2 * k for k in range(n)]
    dur = [1.5 + 0.01 * k for k in range(n)]
    smooth = [85 - 0.5 * k for k in range(n)]
    smooth[10] = None
    t = set_trend({"rom_deg": rom, "duration_s": dur, "smoothness": smooth})
    assert t is not None and t["window"] == 16
    assert t["per_rep"]["rom_deg"] == pytest.approx(-0.2, abs=1e-6)
    assert t["per_rep"]["duration_s"] == pytest.approx(0.01, abs=1e-6)
    assert t["per_rep"]["smoothness"] == pytest.approx(-0.5, abs=1e-6)
    # last 16 vs first 16 reps: 34 reps apart
    assert t["change"]["rom_deg"] == pytest.approx(-6.8, abs=0.05)
    assert t["change"]["duration_s"] == pytest.approx(0.34, abs=0.005)
    assert t["first"]["smoothness"] == pytest.approx(sum(85 - 0.5 * k for k in range(16) if k != 10) / 15,
                                                     abs=0.05)
    text = describe(t)
    assert text.startswith("last 16 vs first 16 reps") and "range -7°" in text and "smoothness -17" in text


def test_short_sets_have_no_trend_and_documents_get_one_per_set() -> None:
    assert set_trend({"rom_deg": [20.0] * 5, "duration_s": [1.5] * 5, "smoothness": [80.0] * 5}) is None
    reps = [{"start_s": 2.0 * k, "rom_deg": 25.0, "duration_s": 1.6, "smoothness_score": 80.0 - k}
            for k in range(12)]
    doc = {"legs": {"left": {"sets": [{"start_s": 0.0, "end_s": 9.0, "reps": 5},
                                      {"start_s": 10.0, "end_s": 23.0, "reps": 7}],
                             "reps_detail": reps},
                    "right": {"sets": [], "reps_detail": []}}}
    add_set_trends(doc)
    assert [s["trend"] for s in doc["legs"]["left"]["sets"]] == [None, None]
    reps += [{"start_s": 24.0 + 2 * k, "rom_deg": 25.0, "duration_s": 1.6, "smoothness_score": math.nan}
             for k in range(4)]
    doc["legs"]["left"]["sets"][1]["end_s"] = 31.0
    add_set_trends(doc)
    t = doc["legs"]["left"]["sets"][1]["trend"]
    assert t is not None and t["window"] == 3 and t["per_rep"]["rom_deg"] == pytest.approx(0.0)
    assert t["last"]["smoothness"] is None  # the last reps had no score: no made-up number


def test_summary_says_not_exercised_and_how_the_set_faded() -> None:
    from hipcam.report import summary_text

    reps = [{"start_s": 2.0 * k, "rom_deg": 30 - 0.5 * k, "duration_s": 1.5, "smoothness_score": 90.0}
            for k in range(12)]
    leg = {"reps": 12, "longest_continuous_set": 12, "sets": [{"start_s": 0.0, "end_s": 24.0, "reps": 12}],
           "smoothness_score": 90.0, "jerky_reps": 0, "mean_rom_deg": 27.0, "reps_detail": reps}
    idle = {"reps": 0, "longest_continuous_set": 0, "sets": [], "smoothness_score": None, "jerky_reps": 0,
            "mean_rom_deg": None, "reps_detail": []}
    doc = add_set_trends({"video": {"path": "v.mp4", "duration_s": 30.0, "frames": 900, "fps": 30.0},
                          "legs": {"left": leg, "right": idle}, "warnings": []})
    text = summary_text(doc)
    assert "right leg: not exercised (no reps)" in text and "0% of 100" not in text.split("right")[1]
    assert "longest set, last 4 vs first 4 reps: range -4°, rep time +0%, smoothness +0" in text


def test_live_summary_prints_the_road_to_100(capsys: pytest.CaptureFixture[str]) -> None:
    from hipcam.commands.live import _print_summary

    trend = set_trend({"rom_deg": [30.0 - k for k in range(12)], "duration_s": [1.5] * 12,
                       "smoothness": [80.0] * 12})
    left = {"reps": 12, "longest_continuous_set": 12, "smoothness_score": 80.0,
            "sets": [{"reps": 12, "trend": trend}]}
    right = {"reps": 0, "longest_continuous_set": 0, "smoothness_score": None, "sets": []}
    _print_summary({"status": "completed", "duration_s": 30.0, "target_reps": 100,
                    "legs": {"left": left, "right": right}})
    out = capsys.readouterr().out
    assert "longest set, last 4 vs first 4 reps: range -8°, rep time +0%, smoothness +0" in out
    assert out.count("longest set, last") == 1
