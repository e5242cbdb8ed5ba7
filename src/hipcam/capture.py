"""Frame sources: video files and cameras, read with OpenCV, streamed frame by frame.

Follows OpenCV's ``VideoCapture`` conventions (BGR ``uint8`` frames). Timestamps are the video's
own presentation times in seconds (``CAP_PROP_POS_MSEC``), never wall clock, so variable frame
rate footage keeps its true timing. Rotation metadata (phone videos) is applied by OpenCV.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipcam.errors import BadVideoError, InputMissingError

#: Frame rates outside this range in the metadata are treated as wrong.
_SANE_FPS = (1.0, 480.0)


@dataclass(frozen=True)
class VideoInfo:
    """What a video file says about itself (after validation)."""

    path: str
    fps: float
    frames: int  # from metadata; may be an estimate for some containers
    width: int
    height: int
    fps_from_metadata: bool = True

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps if self.fps > 0 else 0.0


@dataclass
class Frame:
    """One decoded frame: index in the stream, time in seconds from the video, BGR pixels."""

    index: int
    t_s: float
    bgr: np.ndarray


def open_video(path: str | Path) -> tuple[cv2.VideoCapture, VideoInfo]:
    """Open a video file and validate it; raises a :class:`HipcamError` with a one-line message."""
    p = Path(path)
    if not p.exists():
        raise InputMissingError(f"no such file: {p}")
    if p.is_dir():
        raise InputMissingError(f"{p} is a directory, not a video file")
    try:
        size = p.stat().st_size
        with open(p, "rb"):
            pass
    except OSError as exc:
        raise InputMissingError(f"cannot read {p}: {exc.strerror}") from None
    if size == 0:
        raise BadVideoError(f"{p} is empty (0 bytes)")
    cap = cv2.VideoCapture(str(p))
    if not cap.isOpened():
        raise BadVideoError(f"{p} is not a video OpenCV/FFmpeg can read")
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    if width <= 0 or height <= 0:
        cap.release()
        raise BadVideoError(f"{p} has no video stream")
    fps_ok = math.isfinite(fps) and _SANE_FPS[0] <= fps <= _SANE_FPS[1]
    if not fps_ok:
        fps = 30.0  # timestamps are still taken from the stream where it has them
    info = VideoInfo(str(p), fps, max(frames, 0), width, height, fps_from_metadata=fps_ok)
    return cap, info


def iter_frames(
    cap: cv2.VideoCapture, info: VideoInfo, stride: int = 1, max_bad_frames: int = 25
) -> Iterator[Frame]:
    """Yield frames from an opened capture, every ``stride``-th one.

    Timestamps come from the stream (``CAP_PROP_POS_MSEC``); where the container has none, or
    they do not increase, they fall back to ``index / fps``. Corrupt frames in the middle of a
    file are skipped (up to ``max_bad_frames`` in a row) rather than ending the video.
    """
    index = -1
    last_t = -math.inf
    bad_run = 0
    while True:
        if not cap.grab():
            bad_run += 1
            index += 1
            # grab() fails at the end of the stream, and also on a corrupt packet: probe a few more
            if info.frames and index < info.frames - 1 and bad_run <= max_bad_frames:
                continue
            return
        index += 1
        if index % stride:
            continue
        ok, bgr = cap.retrieve()
        if not ok or bgr is None:
            bad_run += 1
            if bad_run > max_bad_frames:
                return
            continue
        bad_run = 0
        t_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        t_s = t_ms / 1000.0 if info.fps_from_metadata and math.isfinite(t_ms) else math.nan
        if not math.isfinite(t_s) or t_s <= last_t:
            t_s = index / info.fps
            if t_s <= last_t:
                t_s = last_t + 1.0 / info.fps
        last_t = t_s
        yield Frame(index, t_s, bgr)


class ThreadedReader:
    """Decode frames on a background thread into a small bounded queue.

    Decoding then overlaps with inference instead of running in series with it; the queue bound
    keeps memory flat however long the video is.
    """

    _END = object()

    def __init__(self, frames: Iterator[Frame], maxsize: int = 8) -> None:
        self._frames = frames
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="hipcam-decode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for frame in self._frames:
                while not self._stop.is_set():
                    try:
                        self._queue.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            self._error = exc
        finally:
            while not self._stop.is_set():
                try:
                    self._queue.put(self._END, timeout=0.1)
                    break
                except queue.Full:
                    continue

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._queue.get()
            if item is self._END:
                if self._error is not None:
                    raise self._error
                return
            yield item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
