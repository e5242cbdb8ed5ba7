"""Write H.264 (yuv420p, mp4) video that browsers and phones play, with each frame's real timestamp.

Used by ``hipcam analyse --annotate`` and ``hipcam live --record``. Built on PyAV (FFmpeg's
libraries with libx264). Frames are given with their time in seconds; the file keeps those times
(variable frame rate preserved: a camera that delivers 27.3 fps, or drops frames, plays back at the
real speed). The first frame's time becomes 0 in the file.

The video is written to a hidden temporary file beside the target and renamed into place only when
complete, so an interrupted or failed write never leaves a truncated file and never touches an
existing file before the new one is whole. A target that is a protected input (``protect=``), a
symbolic link, or not a regular file is refused.

Example::

    with H264Writer("out.mp4", width=640, height=480) as w:
        for t_s, bgr in frames:
            w.write(bgr, t_s)
    # the file appears at out.mp4 when the ``with`` block ends without an exception
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import numpy as np

from hipcam.errors import OutputError

#: Timestamp resolution of the written stream: 1/90000 s (the MPEG clock) keeps any real frame time.
TIME_BASE = Fraction(1, 90000)


class H264Writer:
    """An H.264/mp4 writer taking BGR frames (``uint8``, ``(h, w, 3)``) with timestamps in seconds.

    Parameters
    ----------
    path : the target ``.mp4`` file; it appears only when :meth:`close` succeeds.
    width, height : frame size in pixels. Odd sizes are padded by one pixel (yuv420p needs even).
    fps_hint : nominal frame rate, only a hint for the encoder's rate control (timestamps rule).
    crf : x264 constant rate factor (lower = better quality, larger file; 23 is x264's default).
    preset : x264 speed preset (``"ultrafast"`` for live capture, ``"veryfast"`` otherwise).
    protect : paths that must never be replaced (e.g. the input video); refused with
        :class:`OutputError`.

    Frames whose size differs from ``(width, height)`` are resized. A timestamp not later than the
    previous one is moved one tick (1/90000 s) after it, so the stream stays monotonic.
    """

    def __init__(self, path: str | Path, width: int, height: int, *, fps_hint: float = 30.0,
                 crf: int = 23, preset: str = "veryfast",
                 protect: Iterable[str | Path] = ()) -> None:
        import av

        self.path = Path(path)
        if width < 1 or height < 1:
            raise OutputError(f"cannot write video {self.path}: frame size {width}x{height}")
        _check_target(self.path, protect)
        self.width, self.height = int(width), int(height)
        self._enc_w, self._enc_h = self.width + self.width % 2, self.height + self.height % 2
        self.frames_written = 0
        self._t0_s: float | None = None
        self._last_pts = -1
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".tmp.mp4",
                                       dir=self.path.parent)
            os.close(fd)
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        self._tmp = Path(tmp)
        try:
            self._container = av.open(str(self._tmp), mode="w", format="mp4",
                                      options={"movflags": "+faststart"})
            rate = Fraction(fps_hint).limit_denominator(1001) if fps_hint and fps_hint > 0 else 30
            stream = self._container.add_stream("libx264", rate=rate)
            stream.width, stream.height = self._enc_w, self._enc_h
            stream.pix_fmt = "yuv420p"
            stream.time_base = TIME_BASE
            stream.codec_context.time_base = TIME_BASE
            stream.options = {"crf": str(int(crf)), "preset": preset}
            self._stream = stream
        except Exception as exc:
            self._discard()
            raise OutputError(f"cannot write video {self.path}: {exc}") from None

    # -- writing ----------------------------------------------------------------------------
    def write(self, bgr: np.ndarray, t_s: float) -> None:
        """Encode one BGR frame shown at ``t_s`` seconds (video time, not wall clock)."""
        import av

        if self._closed:
            raise OutputError(f"cannot write video {self.path}: writer already closed")
        if self._t0_s is None:
            self._t0_s = float(t_s)
        pts = int(round((float(t_s) - self._t0_s) / TIME_BASE))
        if pts <= self._last_pts:
            pts = self._last_pts + 1
        self._last_pts = pts
        img = self._fit(bgr)
        frame = av.VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = pts
        frame.time_base = TIME_BASE
        try:
            for packet in self._stream.encode(frame):
                self._container.mux(packet)
        except Exception as exc:
            self.abort()
            raise OutputError(f"cannot write video {self.path}: {_reason(exc)}") from None
        self.frames_written += 1

    def _fit(self, bgr: np.ndarray) -> np.ndarray:
        img = np.ascontiguousarray(bgr[..., :3], dtype=np.uint8)
        if img.shape[1] != self.width or img.shape[0] != self.height:
            import cv2

            img = cv2.resize(img, (self.width, self.height), interpolation=cv2.INTER_AREA)
        if (self._enc_w, self._enc_h) != (self.width, self.height):
            img = np.pad(img, ((0, self._enc_h - self.height), (0, self._enc_w - self.width), (0, 0)),
                         mode="edge")
        return img

    # -- finishing --------------------------------------------------------------------------
    def close(self) -> Path:
        """Flush the encoder, finish the file and rename it into place; returns the path.

        With no frame written nothing is created. Raises :class:`OutputError` (and leaves no
        file behind) when the encoder or the disk fails.
        """
        if self._closed:
            return self.path
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
        except Exception as exc:
            self.abort()
            raise OutputError(f"cannot write video {self.path}: {_reason(exc)}") from None
        self._closed = True
        if self.frames_written == 0:
            _unlink(self._tmp)
            raise OutputError(f"cannot write video {self.path}: no frame to write")
        try:
            _check_target(self.path, ())  # it may have changed while we were writing
            os.chmod(self._tmp, 0o666 & ~_umask())
            os.replace(self._tmp, self.path)
        except OSError as exc:
            _unlink(self._tmp)
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        except OutputError:
            _unlink(self._tmp)
            raise
        return self.path

    def abort(self) -> None:
        """Stop without writing: the temporary file is removed, the target is untouched."""
        if self._closed:
            return
        self._closed = True
        self._discard()

    def _discard(self) -> None:
        container = getattr(self, "_container", None)
        if container is not None:
            try:
                container.close()
            except Exception:  # noqa: BLE001 - the file is removed anyway
                pass
        _unlink(self._tmp)

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _check_target(path: Path, protect: Iterable[str | Path]) -> None:
    if path.is_symlink():
        raise OutputError(f"cannot write video {path}: it is a symbolic link (give a new file name)")
    if path.exists():
        if not path.is_file():
            raise OutputError(f"cannot write video {path}: not a regular file")
        for p in protect:
            try:
                if Path(p).exists() and os.path.samefile(p, path):
                    raise OutputError(f"cannot write video {path}: it would replace the input {p}")
            except OSError:
                continue


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "strerror", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
