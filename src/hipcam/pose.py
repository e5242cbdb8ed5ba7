"""Pose stage: MediaPipe Tasks ``PoseLandmarker`` in VIDEO mode, one tracked person per frame.

Image landmarks are kept in pixels, world landmarks in metres (hip-centred, as MediaPipe gives
them), with per-landmark visibility. When several people are in view, the person chosen at the
start is the largest and most central one, and from then on the one nearest to where that person
was (so a passer-by never takes over); frames with more than one person are counted.
"""

from __future__ import annotations

import contextlib
import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipcam.errors import HipcamError

# BlazePose landmark indices used by hipcam.
NOSE = 0
L_SHOULDER, R_SHOULDER = 11, 12
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28
L_HEEL, R_HEEL = 29, 30
L_FOOT, R_FOOT = 31, 32
N_LANDMARKS = 33

#: Where the bundled model lives in a source checkout / editable install.
DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "models" / "pose_landmarker_full.task"


def default_model_path() -> Path:
    """The model used when ``--model`` is not given (``$HIPCAM_MODEL`` overrides)."""
    env = os.environ.get("HIPCAM_MODEL")
    return Path(env) if env else DEFAULT_MODEL


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the native libraries' log lines written straight to file descriptor 2."""
    if os.environ.get("HIPCAM_DEBUG"):
        yield
        return
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@dataclass(frozen=True)
class PreparedImage:
    """A frame already wrapped as a MediaPipe image, ready for :meth:`PoseEstimator.detect`.

    Made by :func:`prepare_image`, typically on the decode thread, so that the copy into
    MediaPipe's image buffer (~1 ms for 640×480) runs beside inference rather than before it.
    """

    image: Any  # mediapipe.Image (SRGB)
    width: int
    height: int


def prepare_image(rgb: np.ndarray) -> PreparedImage:
    """Wrap an RGB ``uint8`` frame for :meth:`PoseEstimator.detect` (safe on any thread)."""
    import mediapipe as mp

    h, w = rgb.shape[:2]
    return PreparedImage(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)), w, h)


@dataclass
class PoseSample:
    """The tracked person's landmarks in one frame."""

    image_xy_px: np.ndarray  # (33, 2) pixels
    visibility: np.ndarray  # (33,) 0..1
    world_xyz_m: np.ndarray  # (33, 3) metres, hip-centred
    n_people: int
    frame_size_px: tuple[int, int] = (0, 0)  # (width, height) of the picture; 0 = unknown


class PoseEstimator:
    """A ``PoseLandmarker`` in VIDEO mode that follows one person.

    Parameters
    ----------
    model_path:
        A MediaPipe ``.task`` bundle; default :func:`default_model_path`.
    num_poses:
        How many people MediaPipe may report per frame (the tracked one is picked among them).
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        num_poses: int = 2,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise HipcamError(f"pose model not found: {path} (see models/README.md or --model)")
        with _quiet_native_stderr():
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(path)),
                running_mode=vision.RunningMode.VIDEO,
                num_poses=num_poses,
                min_pose_detection_confidence=min_detection_confidence,
                min_pose_presence_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            try:
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
            except Exception as exc:  # mediapipe raises RuntimeError/ValueError
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise HipcamError(f"cannot load pose model {path}: {msg}") from None
        self.model_path = path
        self._last_ts_ms = -1
        self._last_center: np.ndarray | None = None
        self._first_call = True

    def detect(self, rgb: np.ndarray | PreparedImage, t_s: float) -> PoseSample | None:
        """Landmarks of the tracked person in an RGB ``uint8`` frame at time ``t_s`` (seconds).

        ``rgb`` may also be a :class:`PreparedImage` (see :func:`prepare_image`).
        """
        ts_ms = max(int(round(t_s * 1000.0)), self._last_ts_ms + 1)
        self._last_ts_ms = ts_ms
        prepared = rgb if isinstance(rgb, PreparedImage) else prepare_image(rgb)
        image, w, h = prepared.image, prepared.width, prepared.height
        if self._first_call:
            with _quiet_native_stderr():
                result = self._landmarker.detect_for_video(image, ts_ms)
            self._first_call = False
        else:
            result = self._landmarker.detect_for_video(image, ts_ms)
        if not result.pose_landmarks:
            return None
        people = []
        scale = np.array([w, h], dtype=np.float64)
        for lms, wlms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            # one pass over the landmark objects; pixels computed in float64, stored as float32
            img = np.array([(p.x, p.y, p.visibility or 0.0) for p in lms], dtype=np.float64)
            xy = (img[:, :2] * scale).astype(np.float32)
            vis = img[:, 2].astype(np.float32)
            world = np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
            people.append((xy, vis, world))
        idx = self._choose(people, w, h)
        xy, vis, world = people[idx]
        self._last_center = xy[[L_HIP, R_HIP]].mean(axis=0)
        return PoseSample(xy, vis, world, len(people), (w, h))

    def _choose(self, people: list, w: int, h: int) -> int:
        if len(people) == 1:
            return 0
        if self._last_center is not None:
            d = [np.linalg.norm(p[0][[L_HIP, R_HIP]].mean(axis=0) - self._last_center) for p in people]
            return int(np.argmin(d))
        scores = []
        for xy, _, _ in people:
            span = xy.max(axis=0) - xy.min(axis=0)
            area = float(span[0] * span[1]) / (w * h)
            off = np.linalg.norm((xy.mean(axis=0) - (w / 2, h / 2)) / (w, h))
            scores.append(area - 0.5 * off)
        return int(np.argmax(scores))

    def close(self) -> None:
        """Release the native graph (safe to call twice)."""
        lm = getattr(self, "_landmarker", None)
        if lm is not None:
            self._landmarker = None
            with contextlib.suppress(Exception), _quiet_native_stderr():
                lm.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


@dataclass
class PoseSeries:
    """Per-frame pose of one video; missing frames hold NaN (and visibility 0)."""

    t_s: np.ndarray  # (N,)
    frame_index: np.ndarray  # (N,) int
    image_xy_px: np.ndarray  # (N, 33, 2)
    visibility: np.ndarray  # (N, 33)
    world_xyz_m: np.ndarray  # (N, 33, 3)
    max_people: int = 0
    multi_person_frames: int = 0
    n_people: np.ndarray | None = None  # (N,) people in view per frame (None: 1 where detected)
    frame_size_px: tuple[int, int] = (0, 0)  # (width, height) of the picture; 0 = unknown

    @property
    def detected(self) -> np.ndarray:
        """Boolean (N,): a person was found in the frame."""
        return np.isfinite(self.image_xy_px[:, L_HIP, 0])

    def sample(self, i: int) -> PoseSample | None:
        """Frame ``i`` as the :class:`PoseSample` the model gave (None: no person)."""
        if not np.isfinite(self.image_xy_px[i, L_HIP, 0]):
            return None
        n = int(self.n_people[i]) if self.n_people is not None else 1
        return PoseSample(self.image_xy_px[i], self.visibility[i], self.world_xyz_m[i], max(n, 1),
                          self.frame_size_px)

    def __len__(self) -> int:
        return len(self.t_s)


#: Frames per storage block of :class:`PoseSeriesBuilder` (~0.8 MB a block).
_BLOCK_FRAMES = 1024


class PoseSeriesBuilder:
    """Accumulates :class:`PoseSample` objects into a :class:`PoseSeries`.

    Landmarks are copied into preallocated float32 blocks of :data:`_BLOCK_FRAMES` frames, so a
    frame costs its 792 bytes of data and no per-frame Python objects (a 10-minute video at
    30 fps: ~14 MB).
    """

    def __init__(self) -> None:
        self._t = array("d")
        self._index = array("q")
        self._people = array("h")
        self.frame_size_px: tuple[int, int] = (0, 0)
        self._blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._n = 0
        self.max_people = 0
        self.multi_person_frames = 0

    def __len__(self) -> int:
        return self._n

    def add(self, index: int, t_s: float, sample: PoseSample | None) -> None:
        k = self._n % _BLOCK_FRAMES
        if k == 0:
            self._blocks.append((np.full((_BLOCK_FRAMES, N_LANDMARKS, 2), np.nan, np.float32),
                                 np.zeros((_BLOCK_FRAMES, N_LANDMARKS), np.float32),
                                 np.full((_BLOCK_FRAMES, N_LANDMARKS, 3), np.nan, np.float32)))
        self._t.append(t_s)
        self._index.append(index)
        self._n += 1
        self._people.append(sample.n_people if sample is not None else 0)
        if sample is None:  # the block is prefilled with NaN / visibility 0
            return
        if sample.frame_size_px != (0, 0):
            self.frame_size_px = sample.frame_size_px
        xy, vis, world = self._blocks[-1]
        xy[k] = sample.image_xy_px
        vis[k] = sample.visibility
        world[k] = sample.world_xyz_m
        self.max_people = max(self.max_people, sample.n_people)
        self.multi_person_frames += sample.n_people > 1

    def build(self) -> PoseSeries:
        """The whole series as contiguous arrays; empties the builder.

        Blocks are released as they are copied, so memory peaks at the series plus one block
        rather than twice the series.
        """
        n = self._n
        xy = np.empty((n, N_LANDMARKS, 2), np.float32)
        vis = np.empty((n, N_LANDMARKS), np.float32)
        world = np.empty((n, N_LANDMARKS, 3), np.float32)
        blocks, self._blocks = self._blocks, []
        blocks.reverse()
        at = 0
        while blocks:
            bxy, bvis, bworld = blocks.pop()
            m = min(_BLOCK_FRAMES, n - at)
            xy[at : at + m], vis[at : at + m], world[at : at + m] = bxy[:m], bvis[:m], bworld[:m]
            at += m
            del bxy, bvis, bworld
        series = PoseSeries(
            t_s=np.array(self._t, dtype=np.float64),
            frame_index=np.array(self._index, dtype=np.int64),
            image_xy_px=xy, visibility=vis, world_xyz_m=world,
            max_people=self.max_people,
            multi_person_frames=self.multi_person_frames,
            n_people=np.array(self._people, dtype=np.int16),
            frame_size_px=self.frame_size_px,
        )
        self._t, self._index, self._people, self._n = array("d"), array("q"), array("h"), 0
        return series
