"""Pose landmarks of a video, computed once with the real model and cached (benchmarks only).

:func:`cached_poses` runs the default MediaPipe model on every ``stride``-th frame of a video (the
same reading and masking as ``hipcam analyse``) and keeps the result in ``benchmarks/.cache/poses``
keyed by the file's size, modification time, the stride and the model; :func:`replay` feeds such
a series to a fresh :class:`~hipcam.session.SessionAnalyzer` (calibrated for that model), so the
analysis can be rerun in milliseconds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from hipcam.pose import PoseSeries

CACHE = Path(__file__).resolve().parent / ".cache" / "poses"


def _key(video: Path, stride: int) -> Path:
    from hipcam.pose import default_model_path

    st = video.stat()
    model = default_model_path().name
    # the full model's files (cached before the key named the model) keep their old names
    named = "" if model == "pose_landmarker_full.task" else f"|{model}"
    h = hashlib.sha1(f"{video.resolve()}|{st.st_size}|{st.st_mtime_ns}|{stride}{named}".encode())
    return CACHE / f"{video.stem}_s{stride}_{h.hexdigest()[:10]}.npz"


def cached_poses(video: str | Path, stride: int = 1) -> tuple[PoseSeries, float]:
    """``(poses, fps)`` of ``video`` analysed at ``stride`` (the model runs once per file)."""
    video = Path(video)
    path = _key(video, stride)
    if path.is_file():
        z = np.load(path)
        size = tuple(int(v) for v in z["frame_size_px"]) if "frame_size_px" in z else (0, 0)
        return PoseSeries(z["t_s"], z["frame_index"], z["image_xy_px"], z["visibility"],
                          z["world_xyz_m"], frame_size_px=size,  # type: ignore[arg-type]
                          n_people=z["n_people"] if "n_people" in z else None), float(z["fps"])
    from hipcam.pipeline import analyse_video

    res = analyse_video(video, stride=stride)
    p = res.pose
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    extra = {"n_people": p.n_people} if p.n_people is not None else {}
    np.savez_compressed(tmp, t_s=p.t_s, frame_index=p.frame_index, image_xy_px=p.image_xy_px,
                        visibility=p.visibility, world_xyz_m=p.world_xyz_m, fps=res.video.fps,
                        frame_size_px=np.array(p.frame_size_px), **extra)
    tmp.replace(path)
    return p, float(res.video.fps)


def replay(poses: PoseSeries, fs_hz: float, every: int = 1):
    """A finished :class:`~hipcam.session.SessionAnalyzer` fed with every ``every``-th frame of
    the cached poses."""
    from hipcam.session import SessionAnalyzer

    an = SessionAnalyzer(fs_hz)
    for i in range(0, len(poses), every):
        an.push(float(poses.t_s[i]), poses.sample(i))
    an.finish()
    return an
