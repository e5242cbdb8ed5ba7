"""The pose-replay test tier: recorded pose series of the sample videos, stored small.

``scripts/record_poses.py`` runs the real pose model over ``sample_videos/*.mp4`` and over
"awkward" variants made from them (:func:`make_awkward_video`: cropped halfway down the shins,
one leg occluded for a while, stretches of blank frames), and stores what the model returned
(:func:`save_series`) under ``tests/data/poses/``. Tests replay those series through
:class:`hipcam.session.SessionAnalyzer` (:func:`replay`) in milliseconds instead of re-running
the model for minutes.

Storage: the 17 landmarks hipcam and the position gate can use (nose, shoulders, elbows, wrists,
hips, knees, ankles, heels, feet), float32, compressed; the others are NaN (visibility 0) on load.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from hipcam.pose import N_LANDMARKS, PoseSeries
from hipcam.session import SessionAnalyzer, side_view_calibration

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "sample_videos"
POSES_DIR = Path(__file__).resolve().parent / "data" / "poses"
#: Landmarks kept in the recordings.
KEPT = np.array([0, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32])

#: Awkward variants of a sample: name -> (sample, kind). See :func:`make_awkward_video`.
AWKWARD = {
    "both_legs_cropped": ("both_legs", "cropped"),
    "both_legs_occluded": ("both_legs", "occluded"),
    "pause_break_gaps": ("pause_break", "gaps"),
}


#: Side views posed by the heavy model (:data:`SIDE_VIEWS` and :data:`HEAVY` entries both).
HEAVY_SIDE_VIEWS = {
    # the near leg 90° aside, camera at knee height / 1.4 m up (~18° down): the model's side-view
    # reading gives 0.5 / 1.3 of the true swing (the range of motion's pitch correction)
    "side_az90_low_heavy": "grid_az+90_near_average_h0.6",
    "side_az90_high_heavy": "grid_az+90_near_average_h1.4",
    # the same, a dark body (held-out grid 4900): the side-view reading gives a quarter of each
    # swing, 6-8° after the fixed gain, under the 8° minimum until corrected for the pitch
    "side_az90_low_small_heavy": "grid4900_az+90_near_dark_male_h0.6",
    # a slim body 90° aside from 1.4 m up (held-out grid 5900): the model's confidence in the
    # near ankle dips to 0.40-0.47 at the top of every rep (angles.KEEP_VISIBILITY)
    "side_az90_high_slim_heavy": "grid5900_az-90_near_slim_female_h1.4",
}

#: Side views from ``benchmarks/accuracy.py``'s camera grid (rendered with ``hipcam synth``, posed by
#: the real model): name -> grid cell. Truth: ``tests/data/poses/<name>.truth.json``.
SIDE_VIEWS = {
    "side_az90_near": "tune_az+90_near_average_h1",
    "side_az60_near": "tune_az+60_near_average_h1",
    "side_az90_far": "tune_az+90_far_average_h1",
    # not a side view: the camera high in front (1.4 m, ~18° down; the model reads the level
    # thigh only ~50° from "down": it once failed the position gate)
    "front_high_camera": "grid_az+0_near_heavy_male_h1.4",
    # the same from the held-out grid, a slim body: her level thighs read 29-40° from "down",
    # like walking; the gate takes them as level because they look short in the picture
    "front_high_slim": "grid900_az+0_near_slim_female_h1.4",
    # the far (right) leg exercises hidden 75° aside, camera at knee height: the model swings the
    # resting near leg's side-view reading 13-14° with it while that foot stays still in the picture
    "side_az75_far_behind": "grid_az-75_far_heavy_male_h0.6",
    # the far (right) leg exercises 75° aside, camera 1.4 m up: the model calls it seen (100% of
    # frames) but reads its reps too small to count (0 of 4): seen edge-on behind the left leg
    "side_az75_far_seen": "grid_az-75_far_average_h1.4",
    # the near (right) leg exercises 75° aside, 1.4 m up; the resting left leg, seen edge-on
    # behind it, got 4 phantom reps from the model's guesses (held-out grid 900)
    "side_az75_far_rests": "grid900_az+75_near_older_h1.4",
    **HEAVY_SIDE_VIEWS,
}

#: Recordings made with the heavy pose model (the default since 2026-12-03; the rest of the tier
#: is the full model's): name -> the sample, awkward variant or camera-grid cell recorded (a
#: grid cell is a :data:`SIDE_VIEWS` entry too).
HEAVY = {
    # the heavy model draws the left leg hidden behind the grey band hanging straight down (thigh
    # 1-10° from "down", visibility 0.5-0.9) while the right leg exercises in view: a guessed leg,
    # not a posture change (it vetoed 3 of the right leg's 6 reps as posture echoes)
    "both_legs_occluded_heavy": "both_legs_occluded",
    **HEAVY_SIDE_VIEWS,
}

#: Look-alike renders of ``benchmarks/lookalikes.py`` (posed by the real model): name -> scenario.
#: Truth (with ``lookalike_intervals_s``): ``tests/data/poses/<name>.truth.json``.
LOOKALIKES = {
    # the near leg's knee extensions seen 50° aside from 1.2 m up, between real reps
    "kneeext_aside": "kneeext_older_az50_h1.2",
    # 2 reps, standing up (3 s standing) and sitting down again, 2 reps; camera in front
    "standup_front": "standup_front_mixed",
    # 5 reps of 45° by the left (far) leg, 25° aside, 1.4 m up: the model dips the exercising
    # thigh at each rep's top (the gate's hold) and echoes the reps on the resting right leg
    "big_reps_high_aside": "rr5_heavy_az-25_h1.4",
    # 5 reps of 45° by the left leg, 35° aside, 1.6 m up: echoes 3.6-4.3 times smaller
    "echo_high_aside": "rr6_avg_az-35_h1.6",
    # 5 reps of 45° by the right leg, 20° aside, 1.6 m up and 2 m away: the thigh reads like
    # a standing one at each rep's top, so none counts (the out-of-position warning)
    "high_camera_refused": "rr7_older_az20_h1.6",
    # 3 full knee extensions (70°, the knee past the gate's 140°) of the left leg, 75° aside: the
    # model moves the resting right leg's landmarks with them (the posture echo)
    "extension_out_of_position": "extout_avg_az75_h1.0",
}

#: Camera placements rendered with ``hipcam synth`` straight from this table (posed by the real
#: model; ``scripts/record_poses.py``): name -> scenario (the ``legs`` as schedule text).
PLACEMENTS = {
    # a camera 1.7 m up and 1.6 m away, 30° aside (~40° down): the model reads the near (right)
    # leg's level thigh as low as 29-47° from "down", the gate fails it most of the time
    "steep_camera": {
        "name": "steep_camera", "seed": 1801, "body": {"preset": "average"},
        "camera": {"azimuth_deg": 30.0, "height_m": 1.7, "distance_m": 1.6},
        "video": {"width": 480, "height": 360, "fps": 15, "codec": "h264", "crf": 23},
        "legs": {"left": "", "right": "rest 1.5; reps 5 period=2 amp=25; rest 1.5; "
                                       "reps 3 period=3 amp=15; rest 1"},
    },
    # a camera 1.5 m up and 1.6 m away, 35° aside: the near (right) foot's heel and toes fall
    # below the picture in every frame, its ankle ~10 px from the edge
    "foot_cut": {
        "name": "foot_cut", "seed": 1805, "body": {"preset": "dark_male"},
        "camera": {"azimuth_deg": 35.0, "height_m": 1.5, "distance_m": 1.6},
        "video": {"width": 480, "height": 360, "fps": 15, "codec": "h264", "crf": 23},
        "legs": {"left": "", "right": "rest 1.5; reps 5 period=2 amp=25; rest 1.5; "
                                       "reps 3 period=3 amp=15; rest 1"},
    },
}


def save_series(path: Path, series: PoseSeries, fps: float, stride: int = 1,
                model: str = "pose_landmarker_full.task") -> None:
    """Write a recorded series (the kept landmarks only) as a compressed ``.npz``; ``model``:
    the file name of the pose model that made it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, t_s=series.t_s, frame_index=series.frame_index.astype(np.int32),
        image_xy_px=series.image_xy_px[:, KEPT].astype(np.float32),
        visibility=series.visibility[:, KEPT].astype(np.float16),
        world_xyz_m=series.world_xyz_m[:, KEPT].astype(np.float32),
        n_people=(series.n_people if series.n_people is not None
                  else series.detected.astype(np.int16)),
        frame_size_px=np.array(series.frame_size_px), fps=np.array(fps), stride=np.array(stride),
        model=np.array(Path(model).name))


def load_series(name: str | Path) -> tuple[PoseSeries, float]:
    """A recorded series by name (``both_legs``, ``both_legs_cropped``…) or path, and its
    analysis rate."""
    path = name if isinstance(name, Path) else POSES_DIR / f"{name}.npz"
    with np.load(path) as z:
        n = len(z["t_s"])
        xy = np.full((n, N_LANDMARKS, 2), np.nan, np.float32)
        vis = np.zeros((n, N_LANDMARKS), np.float32)
        world = np.full((n, N_LANDMARKS, 3), np.nan, np.float32)
        xy[:, KEPT], vis[:, KEPT], world[:, KEPT] = z["image_xy_px"], z["visibility"], z["world_xyz_m"]
        people = z["n_people"].astype(np.int16)
        series = PoseSeries(z["t_s"], z["frame_index"].astype(np.int64), xy, vis, world,
                            int(people.max(initial=0)), int((people > 1).sum()), people,
                            tuple(int(v) for v in z["frame_size_px"]))
        return series, float(z["fps"]) / int(z["stride"])


def recorded_names() -> list[str]:
    return sorted(p.stem for p in POSES_DIR.glob("*.npz"))


def truth(name: str) -> dict:
    """The rendered ground truth of a sample (``sample_videos/<name>.json``), side view or
    look-alike."""
    if name in SIDE_VIEWS or name in LOOKALIKES or name in PLACEMENTS:
        return json.loads((POSES_DIR / f"{name}.truth.json").read_text())
    return json.loads((SAMPLES_DIR / f"{name}.json").read_text())


def recorded_model(name: str | Path) -> str:
    """The file name of the pose model a series was recorded with (recordings made before it
    was stored came from the bundled full model)."""
    path = name if isinstance(name, Path) else POSES_DIR / f"{name}.npz"
    with np.load(path) as z:
        return str(z["model"]) if "model" in z.files else "pose_landmarker_full.task"


def analyzer(name: str | Path, fs_hz: float, pause_break_s: float = 3.0,
             **kwargs: object) -> SessionAnalyzer:
    """A fresh analyser for the recorded series ``name``, calibrated for the model that made it."""
    kwargs.setdefault("side_view", side_view_calibration(recorded_model(name)))
    return SessionAnalyzer(fs_hz, pause_break_s, **kwargs)  # type: ignore[arg-type]


def replay(name: str | Path, pause_break_s: float = 3.0, **kwargs: object) -> SessionAnalyzer:
    """A finished analyser fed with the recorded series ``name``, frame by frame, calibrated for
    the model it was recorded with."""
    series, fs = load_series(name)
    an = analyzer(name, fs, pause_break_s, **kwargs)
    an.push_series(series)
    an.finish()
    return an


# -- awkward videos ------------------------------------------------------------------------------
def make_awkward_video(src: Path, dst: Path, kind: str) -> None:
    """Write a damaged copy of a sample video (same frame rate and length).

    * ``cropped`` — the bottom of the picture is cut halfway down the shins (the picture is
      shorter; the model still "sees" whole legs and guesses the ankles below it);
    * ``occluded`` — from 5 s to 9 s a grey band hides the person's left lower leg (image right
      of the ``both_legs`` view: knee, shin and the ankle at rest; the foot shows only at the
      end of its inward swing), as a pet or a helper standing in front of it would; the right
      leg stays in view;
    * ``gaps`` — blank frames from 3.0–3.5 s (0.5 s) and 12–14 s (2 s).
    """
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS)
    w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    out_h = int(h * 0.65) if kind == "cropped" else h
    out = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, out_h))
    i = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            t = i / fps
            if kind == "cropped":
                frame = np.ascontiguousarray(frame[:out_h])
            elif kind == "occluded" and 5.0 <= t < 9.0:
                frame = frame.copy()
                # the person's left leg is on the image right in this front-ish view
                frame[int(0.52 * h):, int(0.49 * w):int(0.62 * w)] = 128
            elif kind == "gaps" and (3.0 <= t < 3.5 or 12.0 <= t < 14.0):
                frame = np.zeros_like(frame)
            out.write(frame)
            i += 1
    finally:
        cap.release()
        out.release()
