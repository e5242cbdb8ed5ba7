"""Pose stage: MediaPipe Tasks ``PoseLandmarker``, one followed person per frame.

Image landmarks are kept in pixels, world landmarks in metres (hip-centred, as MediaPipe gives
them), with per-landmark visibility. One person is tracked at the model's single-person cost
(VIDEO mode, ``num_poses=1``: no person detector between frames); a second, two-person graph
checks now and then, and whenever the tracked person jumps, who is in view (see
:class:`PoseEstimator`). The person followed is the largest and most central one at the start,
and from then on the one nearest to where that person was, so a passer-by never takes over.
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
from hipcam.netguard import call_offline

# BlazePose landmark indices used by hipcam.
NOSE = 0
L_SHOULDER, R_SHOULDER = 11, 12
L_HIP, R_HIP = 23, 24
L_KNEE, R_KNEE = 25, 26
L_ANKLE, R_ANKLE = 27, 28
L_HEEL, R_HEEL = 29, 30
L_FOOT, R_FOOT = 31, 32
N_LANDMARKS = 33

#: Where the bundled models live in a source checkout / editable install.
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
#: The bundled models by variant (``--model full`` / ``--model heavy``; models/README.md).
BUNDLED_MODELS = {v: MODELS_DIR / f"pose_landmarker_{v}.task" for v in ("full", "heavy")}
#: The model used when none is given.
DEFAULT_MODEL = BUNDLED_MODELS["heavy"]


#: The pose-model variants hipcam knows, by the names Google gives their bundles
#: (``pose_landmarker_<variant>.task``): the accuracy of some readings differs between them
#: (:data:`hipcam.session.SIDE_VIEW_CALIBRATION`).
MODEL_VARIANTS = ("lite", "full", "heavy")


def model_variant(model_path: str | os.PathLike[str]) -> str:
    """``"lite"``, ``"full"`` or ``"heavy"``: the variant named in the bundle's file name
    (``full`` when it names none)."""
    name = Path(model_path).name.lower()
    return next((v for v in MODEL_VARIANTS if v in name), "full")


def model_path_arg(value: str) -> str:
    """``--model``'s value: a bundled variant's name (``full``, ``heavy``) → its path; anything
    else is a path to a ``.task`` bundle, returned as given."""
    return str(BUNDLED_MODELS[value]) if value in BUNDLED_MODELS else value


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


#: The model of the check for other people in view (two poses, a few frames): the bundled full
#: one, whatever model follows the person. With the heavy model, while a passer-by crossed right
#: behind the patient the check returned the passer-by twice and not the patient, and the patient
#: was lost for good (tests/test_pose_tracking.py); the full model's check finds both. In the
#: frames where the check overrules the tracker, the landmarks reported are the check's.
CHECKER_MODEL = BUNDLED_MODELS["full"]
#: Seconds of video between two routine checks for other people in view (one detector run).
CHECK_EVERY_S = 5.0
#: The tracked hips moving this many torso lengths away from where they were at the last check
#: trigger a check at once (a passer-by taking over the tracker moves it by more than that).
DRIFT_TORSOS = 0.5
#: The tracked torso growing or shrinking by this factor since the last check triggers one too.
SCALE_JUMP = 1.35
#: Two results are the same person when their hip centres are closer than this many torso lengths.
SAME_PERSON_TORSOS = 0.3
#: Frames in a row the tracker must agree with the check before checks stop running every frame.
AGREE_FRAMES = 10
#: Seconds between two attempts to steer the tracker off another person.
STEER_EVERY_S = 1.0
#: A person further than this many torso lengths from where the followed one was last seen is
#: someone else (not followed until the followed person has been gone :data:`FORGET_S`).
FOLLOW_RADIUS_TORSOS = 1.0
#: Seconds after which a followed person who has vanished is forgotten.
FORGET_S = 2.0

_Person = tuple[np.ndarray, np.ndarray, np.ndarray]  # image xy px (33, 2), visibility (33,), world (33, 3)


def _hip_centre(xy: np.ndarray) -> np.ndarray:
    return xy[[L_HIP, R_HIP]].mean(axis=0)


def _torso_px(xy: np.ndarray) -> float:
    """Shoulder-centre to hip-centre distance in pixels (at least 1)."""
    return max(float(np.linalg.norm(xy[[L_SHOULDER, R_SHOULDER]].mean(axis=0) - _hip_centre(xy))), 1.0)


class PoseEstimator:
    """Follows one person through a video with MediaPipe's ``PoseLandmarker``.

    Two graphs share the work:

    * the **tracker**, VIDEO mode with ``num_poses=1``: after the first frame MediaPipe derives
      the region of interest from the previous frame's landmarks and skips its person detector
      (with ``num_poses=2`` it runs the detector on every frame in which it tracks fewer than two
      people — i.e. nearly always — which costs about as much again as the landmarks);
    * the **checker**, IMAGE mode with ``num_poses=2``: detector + landmarks from scratch, run
      only when it matters — when the tracker acquires or loses a person, when the tracked hips
      drift more than :data:`DRIFT_TORSOS` torso lengths (or the torso changes size by
      :data:`SCALE_JUMP`) since the last check, and every :data:`CHECK_EVERY_S` seconds.

    At a check the person to follow is chosen among those the checker sees: at the start (or
    after losing everyone) the largest, most central one, afterwards the one nearest to where
    the followed person was. If the tracker is on someone else (a physio or family member
    walking through the picture), the checker's landmarks of the chosen person are used and the
    checker runs on every frame until the tracker agrees again for :data:`AGREE_FRAMES` frames;
    meanwhile the tracker is steered back by showing it the frame with the other people
    painted out. Frames between checks report the number of people seen at the last check.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        check_every_s: float = CHECK_EVERY_S,
    ) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        path = Path(model_path) if model_path else default_model_path()
        if not path.is_file():
            raise HipcamError(f"pose model not found: {path} (see models/README.md or --model)")
        self.model_path = path
        self.check_every_s = float(check_every_s)
        self._confidences = (min_detection_confidence, min_tracking_confidence)
        self._tracker = self._create(video=True, num_poses=1)
        self._checker: Any = None  # created at the first check
        self._last_ts_ms = -1
        self._last_center: np.ndarray | None = None  # hips of the person followed, last frame
        self._anchor: tuple[np.ndarray, float] | None = None  # hips and torso px at the last check
        self._last_check_s = -np.inf
        self._last_steer_s = -np.inf
        self._last_torso = 1.0
        self._last_seen_s = -np.inf
        self._tracked = False  # the tracker reported a person in the previous frame
        self._contested = False
        self._agree = 0
        self._people_seen = 1
        #: How many frames ran the checker (tests and benchmarks read it).
        self.checks = 0
        self.frames = 0

    def _create(self, video: bool, num_poses: int) -> Any:
        det, trk = self._confidences
        with _quiet_native_stderr():
            from mediapipe.tasks.python import BaseOptions, vision

            options = vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(
                    self.model_path if video else CHECKER_MODEL)),
                running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
                num_poses=num_poses,
                min_pose_detection_confidence=det,
                min_pose_presence_confidence=det,
                min_tracking_confidence=trk,
            )
            try:
                # created in a thread whose network is cut (MediaPipe's threads inherit it):
                # the native usage logging cannot reach Google (hipcam.netguard, docs/privacy.md)
                return call_offline(lambda: vision.PoseLandmarker.create_from_options(options))
            except HipcamError:
                raise
            except Exception as exc:  # mediapipe raises RuntimeError/ValueError
                msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise HipcamError(f"cannot load pose model {self.model_path}: {msg}") from None

    @staticmethod
    def _people(result: Any, w: int, h: int) -> list[_Person]:
        people = []
        scale = np.array([w, h], dtype=np.float64)
        for lms, wlms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=False):
            # one pass over the landmark objects; pixels computed in float64, stored as float32
            img = np.array([(p.x, p.y, p.visibility or 0.0) for p in lms], dtype=np.float64)
            xy = (img[:, :2] * scale).astype(np.float32)
            vis = img[:, 2].astype(np.float32)
            world = np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
            people.append((xy, vis, world))
        return people

    def _next_ts_ms(self, t_s: float) -> int:
        ts_ms = max(int(round(t_s * 1000.0)), self._last_ts_ms + 1)
        self._last_ts_ms = ts_ms
        return ts_ms

    def _track(self, image: Any, ts_ms: int, w: int, h: int) -> _Person | None:
        if self.frames == 0:
            with _quiet_native_stderr():
                result = self._tracker.detect_for_video(image, ts_ms)
        else:
            result = self._tracker.detect_for_video(image, ts_ms)
        people = self._people(result, w, h)
        return people[0] if people else None

    def _check(self, image: Any, w: int, h: int) -> list[_Person]:
        if self._checker is None:
            self._checker = self._create(video=False, num_poses=2)
        self.checks += 1
        return self._people(self._checker.detect(image), w, h)

    def _needs_check(self, person: _Person | None, tracked_before: bool, t_s: float) -> bool:
        if self._contested or t_s - self._last_check_s >= self.check_every_s:
            return True
        if (person is not None) != tracked_before:  # the tracker acquired or lost someone
            return True
        if person is None or self._anchor is None:
            return False
        centre, torso = self._anchor
        xy = person[0]
        if np.linalg.norm(_hip_centre(xy) - centre) > DRIFT_TORSOS * torso:
            return True
        ratio = _torso_px(xy) / torso
        return not (1.0 / SCALE_JUMP <= ratio <= SCALE_JUMP)

    def _choose(self, people: list[_Person], w: int, h: int) -> int:
        """Index of the person to follow: nearest to the last position, else largest and central."""
        if self._last_center is not None:
            d = [np.linalg.norm(_hip_centre(p[0]) - self._last_center) for p in people]
            return int(np.argmin(d))
        if len(people) == 1:
            return 0
        scores = []
        for xy, _, _ in people:
            span = xy.max(axis=0) - xy.min(axis=0)
            area = float(span[0] * span[1]) / (w * h)
            off = np.linalg.norm((xy.mean(axis=0) - (w / 2, h / 2)) / (w, h))
            scores.append(area - 0.5 * off)
        return int(np.argmax(scores))

    def _near_last(self, person: _Person) -> bool:
        """``person`` is where the followed person was (or nobody is being followed)."""
        if self._last_center is None:
            return True
        return bool(np.linalg.norm(_hip_centre(person[0]) - self._last_center)
                    <= FOLLOW_RADIUS_TORSOS * self._last_torso)

    @staticmethod
    def _same(a: _Person, b: _Person) -> bool:
        return bool(np.linalg.norm(_hip_centre(a[0]) - _hip_centre(b[0]))
                    < SAME_PERSON_TORSOS * _torso_px(b[0]))

    def _steer(self, prepared: PreparedImage, others: list[_Person], t_s: float) -> _Person | None:
        """Show the tracker this frame with ``others`` painted out, so it re-detects the one left."""
        import mediapipe as mp

        self._last_steer_s = t_s
        rgb = np.array(prepared.image.numpy_view()[..., :3], dtype=np.uint8)
        fill = np.median(rgb.reshape(-1, 3)[::97], axis=0).astype(np.uint8)
        for xy, _, _ in others:
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            pad = 0.15 * (hi - lo)
            x0, y0 = np.maximum(lo - pad, 0).astype(int)
            x1, y1 = np.minimum(hi + pad, (prepared.width, prepared.height)).astype(int)
            rgb[y0:y1, x0:x1] = fill
        masked = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
        # 1st call: the tracked region is now empty, tracking is lost; 2nd: the detector runs
        self._track(masked, self._next_ts_ms(t_s), prepared.width, prepared.height)
        return self._track(masked, self._next_ts_ms(t_s), prepared.width, prepared.height)

    def _checked(self, prepared: PreparedImage, tracked: _Person | None, t_s: float) -> _Person | None:
        """Run the checker on this frame; the person to report (or None)."""
        self._last_check_s = t_s
        people = self._check(prepared.image, prepared.width, prepared.height)
        self._people_seen = max(len(people), int(tracked is not None))
        chosen = None
        if people:
            idx = self._choose(people, prepared.width, prepared.height)
            if self._near_last(people[idx]):
                chosen = people[idx]
        if chosen is None:
            # nobody where the followed person was: they are hidden or gone, nobody else is
            # followed until FORGET_S has passed
            self._contested = bool(people)
            self._agree = 0
            if not people and tracked is not None and self._near_last(tracked):
                self._contested = False
                self._anchor = (_hip_centre(tracked[0]), _torso_px(tracked[0]))
                return tracked
            return None
        if tracked is not None and self._same(tracked, chosen):
            self._agree += 1
            if self._agree >= AGREE_FRAMES or not self._contested:
                self._contested = False
            out = tracked
        else:
            self._contested = True
            self._agree = 0
            out = chosen
            if tracked is not None and len(people) > 1 and t_s - self._last_steer_s >= STEER_EVERY_S:
                steered = self._steer(prepared, [p for p in people if p is not chosen], t_s)
                self._tracked = steered is not None
        self._anchor = (_hip_centre(out[0]), _torso_px(out[0]))
        return out

    def detect(self, rgb: np.ndarray | PreparedImage, t_s: float) -> PoseSample | None:
        """Landmarks of the followed person in an RGB ``uint8`` frame at time ``t_s`` (seconds).

        ``rgb`` may also be a :class:`PreparedImage` (see :func:`prepare_image`). Frames must
        come in time order (MediaPipe's VIDEO mode).
        """
        prepared = rgb if isinstance(rgb, PreparedImage) else prepare_image(rgb)
        tracked = self._track(prepared.image, self._next_ts_ms(t_s), prepared.width, prepared.height)
        self.frames += 1
        tracked_before, self._tracked = self._tracked, tracked is not None
        if self._last_center is not None and t_s - self._last_seen_s > FORGET_S:
            self._last_center = None  # gone too long: whoever comes next is followed
        person = tracked
        if self._needs_check(tracked, tracked_before, t_s):
            person = self._checked(prepared, tracked, t_s)
        if person is None:
            return None
        xy, vis, world = person
        self._last_center, self._last_torso, self._last_seen_s = _hip_centre(xy), _torso_px(xy), t_s
        return PoseSample(xy, vis, world, max(self._people_seen, 1), (prepared.width, prepared.height))

    def close(self) -> None:
        """Release the native graphs (safe to call twice)."""
        for name in ("_tracker", "_checker"):
            lm = getattr(self, name, None)
            if lm is not None:
                setattr(self, name, None)
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
