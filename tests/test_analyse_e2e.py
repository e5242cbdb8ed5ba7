"""End to end: the real ``hipcam analyse`` CLI and the real pose model on the bundled rendered
sample videos, against the ground truth rendered with them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p for p in (ROOT / "sample_videos").glob("*.mp4") if p.with_suffix(".json").exists())
HIPCAM = [sys.executable, "-m", "hipcam.cli"]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory) -> dict[str, tuple[dict, dict, Path]]:
    """Each sample analysed once through the CLI: name -> (result json, truth json, plot)."""
    out = tmp_path_factory.mktemp("analyse")
    results = {}
    for video in SAMPLES:
        js, png = out / f"{video.stem}.json", out / f"{video.stem}.png"
        proc = subprocess.run(HIPCAM + ["analyse", str(video), "--json", str(js), "--plot", str(png)],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
        assert "left" in proc.stdout and "right" in proc.stdout
        results[video.stem] = (json.loads(js.read_text()), json.loads(video.with_suffix(".json")
                                                                      .read_text()), png)
    return results


def test_there_are_samples_covering_the_issue():
    names = {p.stem for p in SAMPLES}
    assert len(names) >= 4, names


@pytest.mark.parametrize("leg", ["left", "right"])
def test_counts_and_longest_set_exact_on_every_sample(analysed, leg):
    for name, (doc, truth, _) in analysed.items():
        got, want = doc["legs"][leg], truth["truth"][leg]
        assert got["reps"] == want["reps"], f"{name} {leg}: {got['reps']} reps, truth {want['reps']}"
        assert got["longest_continuous_set"] == want["longest_continuous_set"], name


def test_detected_reps_line_up_with_true_intervals(analysed):
    for name, (doc, truth, _) in analysed.items():
        for leg in ("left", "right"):
            got = [(r["start_s"], r["end_s"]) for r in doc["legs"][leg]["reps_detail"]]
            want = truth["truth"][leg]["rep_intervals_s"]
            for (a, b), (ta, tb) in zip(got, want, strict=True):
                mid = (a + b) / 2
                assert ta <= mid <= tb, f"{name} {leg}: rep {a:.2f}-{b:.2f} vs truth {ta:.2f}-{tb:.2f}"


def test_schema_and_outputs(analysed):
    for doc, _, png in analysed.values():
        assert doc["schema"] == "hipcam.analysis/1"
        assert doc["settings"]["pause_break_s"] > 0 and doc["settings"]["stride"] == 1
        assert doc["analysed_at"].endswith("+00:00") and doc["hipcam_version"]
        assert all("trend" in s for leg in ("left", "right") for s in doc["legs"][leg]["sets"])
        assert "/" not in doc["settings"]["model"] and "/" not in doc["analysis"]["model"]
        assert set(doc["video"]) >= {"path", "fps", "frames", "duration_s", "width", "height"}
        for leg in ("left", "right"):
            d = doc["legs"][leg]
            assert set(d) >= {"reps", "longest_continuous_set", "sets", "smoothness_score",
                              "jerky_reps", "reps_detail"}
            for r in d["reps_detail"]:
                assert set(r) >= {"start_s", "peak_s", "end_s", "rom_deg", "sparc", "ldlj",
                                  "smoothness_score", "jerky"}
                assert r["start_s"] < r["peak_s"] < r["end_s"]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def _scores(analysed, jerky: bool) -> list[float]:
    """Smoothness scores of detected reps whose true rep was (not) rendered jerky."""
    out = []
    for doc, truth, _ in analysed.values():
        for leg in ("left", "right"):
            t = truth["truth"][leg]
            flagged = set(t.get("jerky_reps", []))
            for k, r in enumerate(doc["legs"][leg]["reps_detail"]):
                if (k in flagged) == jerky and r["smoothness_score"] is not None:
                    out.append(r["smoothness_score"])
    return out


def test_smooth_reps_score_clearly_above_jerky_reps(analysed):
    smooth, jerky = _scores(analysed, False), _scores(analysed, True)
    assert jerky, "no sample has jerky reps"
    assert np.mean(smooth) > np.mean(jerky) + 20
    assert np.median(smooth) > 50 > np.median(jerky)


def test_rom_close_to_truth(analysed):
    for name, (doc, truth, _) in analysed.items():
        for leg in ("left", "right"):
            amps = truth["truth"][leg].get("amplitudes_deg") or []
            roms = [r["rom_deg"] for r in doc["legs"][leg]["reps_detail"]]
            if amps and roms:
                assert abs(np.mean(roms) - np.mean(amps)) < 0.25 * np.mean(amps) + 2, name
