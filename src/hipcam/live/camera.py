"""Live frame sources: a capture thread that always hands the newest frame to the pose stage.

``--source`` may be a camera index (``0``), a video file or a stream URL (``rtsp://``,
``http://``...). The capture thread reads continuously; the consumer takes the newest frame with
:meth:`FrameSource.get` and frames it never took are dropped (counted in ``dropped``), never
queued, so latency cannot grow however slow inference is.

A video file is played at its own frame rate, as if it were a camera (``realtime=True``), or, with
``realtime=False``, handed over frame by frame without dropping any (the consumer sets the pace):
then the live counts equal ``hipcam analyse`` on the same file exactly.

Timestamps (``t_s``) are the video's own for files and seconds since the source opened for
cameras and streams. ``captured_mono_s`` is ``time.monotonic()`` when the frame became available
(for latency measurement).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipcam.capture import iter_frames, open_video
from hipcam.errors import BadVideoError, CameraError, OutputError
from hipcam.videowriter import H264Writer

#: A camera or stream that delivers no frame for this long is considered lost.
LOST_AFTER_S = 2.0


@dataclass
class LiveFrame:
    """One frame handed to the pose stage."""

    seq: int  # 0, 1, 2... in capture order (gaps = frames dropped)
    t_s: float  # source timeline, seconds
    bgr: np.ndarray
    captured_mono_s: float  # time.monotonic() when the frame became available


def source_kind(spec: str) -> str:
    """``camera`` for an integer index, ``stream`` for a URL, else ``file``."""
    if spec.strip().isdigit():
        return "camera"
    if "://" in spec:
        return "stream"
    return "file"


class FrameSource:
    """Capture thread over a camera, stream or file.

    Parameters
    ----------
    spec : camera index, stream URL or video path.
    realtime : files only: play at the file's frame rate and drop what the consumer misses
        (True), or hand over every frame in order (False). Cameras and streams are always live.
    loop : files only: start again at the end (timestamps keep increasing).
    record_path : write every captured frame to this H.264 mp4 file, each frame at its capture
        time (:class:`~hipcam.videowriter.H264Writer`: variable frame rate preserved, so the
        file plays at real speed and ``hipcam analyse`` sees the same timeline as ``live``).
    lost_after_s : a camera/stream silent for this long is reported lost (default
        :data:`LOST_AFTER_S`).
    """

    def __init__(self, spec: str, realtime: bool = True, loop: bool = False,
                 record_path: str | Path | None = None, lost_after_s: float | None = None) -> None:
        self.spec = spec
        self.kind = source_kind(spec)
        self.realtime = realtime or self.kind != "file"
        self.loop = loop and self.kind == "file"
        self.lost_after_s = LOST_AFTER_S if lost_after_s is None else lost_after_s
        self.status = "new"  # new -> running -> ended | lost
        self.error: str | None = None
        self.frames_captured = 0
        self._cond = threading.Condition()
        self._latest: LiveFrame | None = None
        self._pending: list[LiveFrame] = []  # no-drop mode only (bounded)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer: H264Writer | None = None
        self._record_path = Path(record_path) if record_path else None
        self.record_error: str | None = None  # the recording failed (the session goes on)
        self.frames_recorded = 0
        self.consumed = 0
        if self.kind == "file":
            self._cap, self.info = open_video(spec)
            self.fps = self.info.fps
            self.width, self.height = self.info.width, self.info.height
        else:
            self._cap = self._open_device()
            fps = float(self._cap.get(cv2.CAP_PROP_FPS))
            self.fps = fps if math.isfinite(fps) and 1.0 <= fps <= 240.0 else 30.0
            self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
            self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if self._record_path is not None and self.width > 0 and self.height > 0:
            try:
                self._open_writer(self.width, self.height)
            except OutputError:
                self._cap.release()
                raise

    # -- opening --------------------------------------------------------------------------
    def _open_device(self) -> cv2.VideoCapture:
        if self.kind == "camera":
            index = int(self.spec)
            cap = cv2.VideoCapture(index)
            if not cap.isOpened():
                raise CameraError(f"no camera at index {index}: plug one in, check it is not in use by "
                                  "another program, or pass --source with another index or a video file")
            return cap
        cap = cv2.VideoCapture(self.spec)
        if not cap.isOpened():
            raise CameraError(f"cannot open stream {self.spec}: check the URL and the network")
        return cap

    def _open_writer(self, width: int, height: int) -> None:
        """Start the recording (errors here are the user's to fix: raised)."""
        assert self._record_path is not None
        protect = [self.spec] if self.kind == "file" else []
        self._writer = H264Writer(self._record_path, width, height, fps_hint=self.fps, preset="ultrafast",
                                  protect=protect)

    # -- thread ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start the capture thread."""
        self.status = "running"
        target = self._run_file if self.kind == "file" else self._run_device
        self._thread = threading.Thread(target=self._guarded, args=(target,), name="hipcam-capture",
                                        daemon=True)
        self._thread.start()

    def _guarded(self, target) -> None:
        try:
            target()
        except BadVideoError as exc:
            self.error = str(exc)
            self._finish("ended")
        except Exception as exc:  # noqa: BLE001 - reported to the consumer as a lost source
            self.error = f"{type(exc).__name__}: {exc}"
            self._finish("lost")

    def _finish(self, status: str) -> None:
        with self._cond:
            if self.status == "running":
                self.status = status
            self._cond.notify_all()

    def _record(self, t_s: float, bgr: np.ndarray) -> None:
        if self._record_path is None or self.record_error is not None:
            return
        try:
            if self._writer is None:  # a camera that did not say its size: the first frame does
                self._open_writer(bgr.shape[1], bgr.shape[0])
            self._writer.write(bgr, t_s)
            self.frames_recorded += 1
        except OutputError as exc:  # a full disk must not stop the counting
            self.record_error = str(exc)
            self._writer = None

    def _publish(self, t_s: float, bgr: np.ndarray) -> bool:
        """Hand a frame over; in no-drop mode wait for room. False when stopping."""
        self._record(t_s, bgr)
        with self._cond:
            fr = LiveFrame(self.frames_captured, t_s, bgr, time.monotonic())
            self.frames_captured += 1
            if self.realtime:
                self._latest = fr
            else:
                while len(self._pending) >= 4 and not self._stop.is_set():
                    self._cond.wait(0.1)
                if self._stop.is_set():
                    return False
                self._pending.append(fr)
            self._cond.notify_all()
        return not self._stop.is_set()

    def _run_file(self) -> None:
        cap, info = self._cap, self.info
        offset_s = 0.0
        t0_mono: float | None = None
        t0_s = 0.0
        while not self._stop.is_set():
            last_t = None
            for fr in iter_frames(cap, info):
                t_s = fr.t_s + offset_s
                if self.realtime:
                    if t0_mono is None:
                        t0_mono, t0_s = time.monotonic(), t_s
                    delay = t0_mono + (t_s - t0_s) - time.monotonic()
                    if delay > 0 and self._stop.wait(delay):
                        return
                if not self._publish(t_s, fr.bgr):
                    return
                last_t = t_s
            if not self.loop or last_t is None:
                break
            offset_s = last_t + 1.0 / info.fps
            cap.release()
            self._cap = cap = cv2.VideoCapture(info.path)
            if not cap.isOpened():
                raise BadVideoError(f"cannot reopen {info.path} to loop it")
        self._finish("ended")

    def _run_device(self) -> None:
        cap = self._cap
        t0 = time.monotonic()
        last_ok = t0
        last_t = -math.inf
        while not self._stop.is_set():
            ok, bgr = cap.read()
            now = time.monotonic()
            if not ok or bgr is None:
                if now - last_ok > self.lost_after_s:
                    self.error = "no frames for %.0f s" % (now - last_ok)
                    self._finish("lost")
                    return
                time.sleep(0.01)
                continue
            last_ok = now
            t_s = max(now - t0, last_t + 1e-3)
            last_t = t_s
            if self.width <= 0:
                self.height, self.width = bgr.shape[:2]
            if not self._publish(t_s, bgr):
                return

    # -- consumer -------------------------------------------------------------------------
    def get(self, after_seq: int = -1, timeout_s: float = 0.5,
            max_age_s: float | None = None) -> LiveFrame | None:
        """The newest frame newer than ``after_seq`` (no-drop mode: the next one in order).

        Waits up to ``timeout_s``; None when nothing new came (check :attr:`status`). With
        ``max_age_s``, a frame older than that is passed over for the next one if it arrives
        within one frame interval: waiting a few ms for a fresh frame gives a lower
        capture-to-result latency than processing a stale one.
        """
        deadline = time.monotonic() + timeout_s
        with self._cond:
            if not self.realtime:
                while not self._pending:
                    if self.status != "running" or not self._cond.wait(max(deadline - time.monotonic(), 0)):
                        if not self._pending:
                            return None
                fr = self._pending.pop(0)
                self._cond.notify_all()
                self.consumed += 1
                return fr
            while self._latest is None or self._latest.seq <= after_seq:
                remaining = deadline - time.monotonic()
                if self.status != "running" or remaining <= 0:
                    return None
                self._cond.wait(remaining)
            fr = self._latest
            if max_age_s is not None and self.status == "running":
                age = time.monotonic() - fr.captured_mono_s
                if age > max_age_s:
                    wait_until = time.monotonic() + max(1.0 / self.fps - age, 0.0) + 0.005
                    while self._latest.seq == fr.seq and self.status == "running":
                        remaining = wait_until - time.monotonic()
                        if remaining <= 0:
                            break
                        self._cond.wait(remaining)
                    fr = self._latest
            self.consumed += 1
            return fr

    @property
    def dropped(self) -> int:
        """Frames captured but never handed to the consumer."""
        return max(self.frames_captured - self.consumed, 0)

    def close(self) -> None:
        """Stop the thread, release the device and finish the recording (safe to call twice)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=3.0)
            self._thread = None
        if self._cap is not None:
            self._cap.release()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close()  # the file appears, whole, only now
            except OutputError as exc:
                self.record_error = str(exc)

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
