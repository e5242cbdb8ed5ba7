"""Record the pose-replay test tier: the real pose model over the sample videos and their
awkward variants, stored small under ``tests/data/poses/`` (see ``tests/replay.py``).

Usage: python scripts/record_poses.py [NAME ...]     (default: every sample and variant)

Re-run it after changing ``sample_videos/`` or the awkward variants; the replay tests then pin
the analyser against what the model really returns. The tier is recorded with the bundled *full*
model (each file names its model; the replay calibrates for it), except the ``replay.HEAVY``
recordings, made with the heavy one. Prints, per recording, the counts found and the rendered
truth.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import replay  # noqa: E402  (tests/replay.py: the storage format and the variants)

from hipcam.pipeline import analyse_video  # noqa: E402
from hipcam.pose import BUNDLED_MODELS  # noqa: E402

#: The held-out camera grids of docs/accuracy.md (``--grid-seed S --grid-bodies B``).
HELD_OUT_GRIDS = ((900, ("slim_female", "older")), (4900, ("older", "dark_male")),
                  (5900, ("slim_female", "average")))


def record_side_view(name: str) -> None:
    """A camera-grid cell of benchmarks/accuracy.py (rendered and posed there, cached; the
    reduced grid's cells first, then the full grid's), posed by the full model (the heavy one
    for ``replay.HEAVY``)."""
    import json
    import shutil

    sys.path.insert(0, str(HERE.parent / "benchmarks"))
    import accuracy

    cell = replay.SIDE_VIEWS[name]
    grid = accuracy.camera_grid("reduced")
    if cell not in grid:
        grid = accuracy.camera_grid("full")
    for seed, bodies in HELD_OUT_GRIDS:  # a held-out copy of the full grid (docs/accuracy.md)
        if cell not in grid:
            grid = accuracy.camera_grid("full", seed, bodies)
    model = BUNDLED_MODELS["heavy" if name in replay.HEAVY else "full"]
    poses = accuracy.grid_poses(cell, grid[cell], model)
    shutil.copyfile(poses, replay.POSES_DIR / f"{name}.npz")
    truth = json.loads(poses.with_name(f"{cell}.json").read_text())
    (replay.POSES_DIR / f"{name}.truth.json").write_text(json.dumps(
        {"scenario": truth["scenario"], "truth": {leg: {k: truth["truth"][leg][k] for k in (
            "rep_intervals_s", "amplitudes_deg", "longest_continuous_set", "sets", "jerky_reps")}
            for leg in ("left", "right")}}, indent=1))
    print(f"{name:24s} from {cell}", flush=True)


def record_lookalike(name: str) -> None:
    """A look-alike render of benchmarks/lookalikes.py (rendered there, cached), posed now."""
    sys.path.insert(0, str(HERE.parent / "benchmarks"))
    import lookalikes

    scenario = replay.LOOKALIKES[name]
    video = lookalikes.render(scenario, lookalikes.suite()[scenario])
    result = _pose_rendered(name, video, ("rep_intervals_s", "lookalike_intervals_s",
                                          "longest_continuous_set", "sets"))
    got = {leg: len(result.legs[leg].reps) for leg in ("left", "right")}
    print(f"{name:24s} from {scenario}  reps {got}", flush=True)


def _pose_rendered(name: str, video: Path, truth_keys: tuple[str, ...]):  # noqa: ANN202
    """Run the model over a ``hipcam synth`` render and store its series and (part of) its truth
    as ``tests/data/poses/NAME``; the analysis result."""
    import json

    result = analyse_video(video, model_path=BUNDLED_MODELS["full"])
    replay.save_series(replay.POSES_DIR / f"{name}.npz", result.pose, result.video.fps,
                       result.stride, result.model_path)
    truth = json.loads(video.with_suffix(".json").read_text())
    (replay.POSES_DIR / f"{name}.truth.json").write_text(json.dumps(
        {"scenario": truth["scenario"], "truth": {leg: {k: truth["truth"][leg][k] for k in
                                                        truth_keys} for leg in ("left", "right")}},
        indent=1))
    return result


def record_placement(name: str, tmp: Path) -> None:
    """A camera placement of ``replay.PLACEMENTS``, rendered with ``hipcam synth`` now."""
    from hipcam.synth.render import render_scenario
    from hipcam.synth.scenario import parse_schedule_text, scenario_from_dict

    spec = dict(replay.PLACEMENTS[name])
    spec["legs"] = {leg: parse_schedule_text(text) if text else []
                    for leg, text in spec["legs"].items()}
    video = tmp / f"{name}.mp4"
    render_scenario(scenario_from_dict(spec), video, progress=False)
    result = _pose_rendered(name, video, ("rep_intervals_s", "longest_continuous_set", "sets"))
    got = {leg: len(result.legs[leg].reps) for leg in ("left", "right")}
    print(f"{name:24s} rendered  reps {got}  warnings {result.warnings}", flush=True)


def record(name: str, tmp: Path) -> None:
    if name in replay.PLACEMENTS:
        record_placement(name, tmp)
        return
    if name in replay.SIDE_VIEWS:
        record_side_view(name)
        return
    if name in replay.LOOKALIKES:
        record_lookalike(name)
        return
    variant = name
    if name in replay.HEAVY:
        variant = replay.HEAVY[name]
    if variant in replay.AWKWARD:
        sample, kind = replay.AWKWARD[variant]
        video = tmp / f"{name}.mp4"
        replay.make_awkward_video(replay.SAMPLES_DIR / f"{sample}.mp4", video, kind)
    else:
        sample, video = variant, replay.SAMPLES_DIR / f"{variant}.mp4"
    result = analyse_video(video, model_path=BUNDLED_MODELS["heavy" if name in replay.HEAVY
                                                            else "full"])
    dst = replay.POSES_DIR / f"{name}.npz"
    replay.save_series(dst, result.pose, result.video.fps, result.stride, result.model_path)
    want = replay.truth(sample)["truth"]
    got = {leg: len(result.legs[leg].reps) for leg in ("left", "right")}
    exp = {leg: len(want[leg]["rep_intervals_s"]) for leg in ("left", "right")}
    print(f"{name:24s} {dst.stat().st_size / 1024:7.0f} KiB  reps {got}  truth {exp}  "
          f"warnings {result.warnings}", flush=True)


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem for p in replay.SAMPLES_DIR.glob("*.mp4")
                           if p.with_suffix(".json").exists()) + sorted(replay.AWKWARD) \
        + sorted(replay.SIDE_VIEWS) + sorted(replay.LOOKALIKES) \
        + sorted(replay.PLACEMENTS) + sorted(replay.HEAVY)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            record(name, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
