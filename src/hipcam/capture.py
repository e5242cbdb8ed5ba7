"""Frame sources: video files and cameras, read with OpenCV, streamed frame by frame.

Follows OpenCV's ``VideoCapture`` conventions (BGR ``uint8`` frames). Timestamps are the video's
own presentation times in seconds (``CAP_PROP_POS_MSEC``), never wall clock, so variable frame
rate footage keeps its true timing. Rotation metadata (phone videos) is applied by OpenCV.
"""

from __future__ import annotations

import errno
import math
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


def _quiet_env() -> None:
    if not os.environ.get("HIPCAM_DEBUG"):
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")


_quiet_env()  # before cv2 is imported, so OpenCV's logger starts quiet

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from hipcam.errors import BadVideoError, InputMissingError  # noqa: E402


def quiet_video_logs() -> None:
    """Keep FFmpeg's and OpenCV's own log lines (corrupt packets, missing index, ...) off stderr.

    hipcam reports every problem itself as one line; the native libraries would otherwise print
    dozens of lines for one damaged file. ``HIPCAM_DEBUG=1`` keeps their output. FFmpeg reads its
    level when OpenCV opens the first file, so this runs at import and again in :func:`open_video`
    (harmless, and it covers a ``cv2`` imported by someone else first).
    """
    if os.environ.get("HIPCAM_DEBUG"):
        return
    _quiet_env()
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except Exception:  # pragma: no cover - builds without cv2.utils.logging
        pass


quiet_video_logs()

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


def _mp4_without_index(p: Path) -> bool:
    """True for an MP4/MOV whose top-level boxes hold media data but no ``moov`` index.

    That is what a recording cut off before it was finished looks like (phones and most encoders
    write the index last); FFmpeg cannot read such a file at all.
    """
    try:
        with open(p, "rb") as fh:
            size = p.stat().st_size
            pos, boxes = 0, set()
            while pos + 8 <= size and len(boxes) < 64:
                fh.seek(pos)
                head = fh.read(16)
                if len(head) < 8:
                    break
                n, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if n == 1 and len(head) == 16:
                    n = int.from_bytes(head[8:16], "big")
                elif n == 0:
                    n = size - pos
                if n < 8 or not kind.isalnum() and kind not in (b"free", b"skip"):
                    break
                boxes.add(kind)
                pos += n
    except OSError:
        return False
    return b"ftyp" in boxes and b"moov" not in boxes


#: Decoding threads (FFmpeg) and OpenCV threads where frames are decoded on a thread beside the
#: pose model (``analyse``, ``--jobs`` workers): their default pools, one thread per core, would
#: take the core the model runs on (measured: ~0.7 ms a frame of model time on 2 cores).
DECODE_THREADS = 1


def _open_capture(p: Path, decode_threads: int = 0) -> cv2.VideoCapture:
    """A ``VideoCapture`` on the FFmpeg backend with the file's rotation applied.

    The backend is chosen explicitly so that a name such as ``take%02d.mp4`` is not taken for an
    image sequence; orientation (``CAP_PROP_ORIENTATION_AUTO``) is on so phone videos with a
    rotation flag come out as they are displayed. ``decode_threads`` > 0 caps FFmpeg's decoding
    threads (``CAP_PROP_N_THREADS``; 0 = FFmpeg's choice, one per core).
    """
    try:
        has_ffmpeg = cv2.videoio_registry.hasBackend(cv2.CAP_FFMPEG)
    except Exception:  # pragma: no cover - very old OpenCV
        has_ffmpeg = True
    params = [cv2.CAP_PROP_N_THREADS, int(decode_threads)] if decode_threads > 0 else []
    cap = cv2.VideoCapture(str(p), cv2.CAP_FFMPEG if has_ffmpeg else cv2.CAP_ANY, params)
    if cap.isOpened():
        cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)  # the default, made explicit
    return cap


def check_video_file(path: str | Path) -> Path:
    """The cheap checks on an input file (exists, is a regular file, readable, not empty).

    Nothing is decoded and nothing can block: a FIFO (``mkfifo x.mp4``), a pipe (``/dev/stdin``
    fed by ``|``) or a device (``/dev/zero``) is refused by its type before it is opened, since a
    video must be a seekable file. Too long a name and other ``OSError`` become one line.
    """
    import stat

    p = Path(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputMissingError(f"no such file: {p}") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InputMissingError(f"file name too long ({len(str(p))} characters): "
                                    f"{_short_name(p)}") from None
        raise InputMissingError(f"cannot read {p}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputMissingError(f"{p} is a directory, not a video file")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
                "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise BadVideoError(f"{p} is {kind}, not a video file: save the video to a file first "
                            "(hipcam needs to seek in it)")
    try:
        with open(p, "rb"):
            pass
    except OSError as exc:
        raise InputMissingError(f"cannot read {p}: {exc.strerror or exc}") from None
    if st.st_size == 0:
        raise BadVideoError(f"{p} is empty (0 bytes)")
    return p


def _short_name(p: Path, n: int = 60) -> str:
    text = str(p)
    return text if len(text) <= n else text[: n // 2 - 1] + "…" + text[-(n // 2):]


def open_video(path: str | Path, decode_threads: int = 0) -> tuple[cv2.VideoCapture, VideoInfo]:
    """Open a video file and validate it; raises a :class:`HipcamError` with a one-line message.

    ``decode_threads``: FFmpeg's decoding threads (0 = one per core). A caller that decodes on a
    thread beside the pose model passes 1, so decoding does not take the model's core.
    """
    quiet_video_logs()
    p = check_video_file(path)
    try:
        cap = _open_capture(p, decode_threads)
    except cv2.error as exc:  # pragma: no cover - OpenCV reports failure via isOpened()
        raise BadVideoError(f"{p} is not a video OpenCV/FFmpeg can read ({_first_line(exc)})") from None
    if not cap.isOpened():
        cap.release()
        if _mp4_without_index(p):
            raise BadVideoError(
                f"{p} is an incomplete MP4 with no index ('moov' box): the recording was cut off "
                "before it was finished and cannot be decoded")
        raise BadVideoError(f"{p} is not a video OpenCV/FFmpeg can read")
    width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
    frames = cap.get(cv2.CAP_PROP_FRAME_COUNT)
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    if width <= 0 or height <= 0:
        cap.release()
        raise BadVideoError(f"{p} has no video stream")
    fps_ok = math.isfinite(fps) and _SANE_FPS[0] <= fps <= _SANE_FPS[1]
    if not fps_ok:
        fps = 30.0  # assumed; the warning in the result says so
    frames_i = int(frames) if math.isfinite(frames) and 0 < frames < 1e9 else 0
    info = VideoInfo(str(p), fps, frames_i, width, height, fps_from_metadata=fps_ok)
    return cap, info


def open_video_beside_model(path: str | Path) -> tuple[cv2.VideoCapture, VideoInfo]:
    """:func:`open_video` for a reader whose frames are decoded on a thread beside the pose model
    (``analyse``, ``--jobs`` workers): FFmpeg decodes and OpenCV converts on one thread each
    (:data:`DECODE_THREADS`), since their default pools (one thread per core) take the core the
    model runs on. Sets OpenCV's thread count for the process.
    """
    cv2.setNumThreads(DECODE_THREADS)
    return open_video(path, decode_threads=DECODE_THREADS)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass
class ReadStats:
    """What :func:`iter_frames` met on the way: filled in while the frames are consumed."""

    decoded: int = 0  # frames grabbed and decoded (including those skipped by the stride)
    skipped: int = 0  # unreadable frames followed by readable ones (damage in the middle)
    last_index: int = -1  # index of the last readable frame
    ended_early: bool = False  # reading stopped before the frame count in the header

    def missing_at_end(self, info: VideoInfo) -> int:
        """Frames the header announces after the last readable one (0 when unknown)."""
        return max(info.frames - (self.last_index + 1), 0) if info.frames else 0


def iter_frames(
    cap: cv2.VideoCapture, info: VideoInfo, stride: int = 1, max_bad_frames: int = 300,
    stats: ReadStats | None = None,
) -> Iterator[Frame]:
    """Yield frames from an opened capture, every ``stride``-th one.

    Timestamps come from the stream (``CAP_PROP_POS_MSEC``); where the container has none, or
    they do not increase, they fall back to ``index / fps``. Unreadable frames in the middle of a
    file (a damaged stretch) are skipped rather than ending the video: reading goes on until the
    frame count in the header is reached or ``max_bad_frames`` in a row failed. ``stats``, when
    given, records how many frames were skipped and whether the file ended early.
    """
    st = stats if stats is not None else ReadStats()
    index = -1
    last_t = -math.inf
    bad_run = 0
    while True:
        if not cap.grab():
            bad_run += 1
            index += 1
            # grab() fails at the end of the stream, and also on a corrupt packet: probe further
            if info.frames and index < info.frames - 1 and bad_run <= max_bad_frames:
                continue
            break
        index += 1
        if index % stride:
            st.decoded += 1
            st.skipped += bad_run
            bad_run = 0
            st.last_index = index
            continue
        ok, bgr = cap.retrieve()
        if not ok or bgr is None or bgr.size == 0:
            bad_run += 1
            if bad_run > max_bad_frames:
                break
            continue
        st.decoded += 1
        st.skipped += bad_run
        bad_run = 0
        st.last_index = index
        t_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        t_s = t_ms / 1000.0 if info.fps_from_metadata and math.isfinite(t_ms) else math.nan
        if not math.isfinite(t_s) or t_s <= last_t:
            t_s = index / info.fps
            if t_s <= last_t:
                t_s = last_t + 1.0 / info.fps
        last_t = t_s
        yield Frame(index, t_s, bgr)
    st.ended_early = st.missing_at_end(info) > 0


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
