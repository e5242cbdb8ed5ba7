"""``--annotate``: re-read the video and write a copy with the legs' skeleton and running counts."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from hipcam.capture import iter_frames, open_video
from hipcam.errors import OutputError
from hipcam.overlay import draw_counts, draw_skeleton
from hipcam.pipeline import AnalysisResult
from hipcam.session import LEGS


def write_annotated(result: AnalysisResult, out_path: str | Path,
                    progress: Callable[[int, int], None] | None = None) -> None:
    """Write ``out_path`` (mp4) with skeleton and counts drawn on every analysed frame."""
    out = Path(out_path)
    if out.exists() and not out.is_file():
        # never rename a temporary file over /dev/null, a FIFO or a folder
        raise OutputError(f"cannot write video {out}: not a regular file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror}") from None
    cap, info = open_video(result.video.path)
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix or '.mp4'}")
    fps = result.fs_hz
    writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                             (info.width, info.height))
    if not writer.isOpened():
        cap.release()
        raise OutputError(f"cannot write video {out}")
    ends = {leg: np.array([r.rep.end_s for r in result.legs[leg].reps]) for leg in LEGS}
    by_index = {int(ix): k for k, ix in enumerate(result.pose.frame_index)}
    written = 0
    try:
        for fr in iter_frames(cap, info, stride=result.stride):
            k = by_index.get(fr.index)
            img = fr.bgr
            if img.shape[1] != info.width or img.shape[0] != info.height:
                img = cv2.resize(img, (info.width, info.height))
            if k is not None:
                draw_skeleton(img, result.pose.image_xy_px[k], result.pose.visibility[k])
            counts = {leg: int(np.sum(ends[leg] <= fr.t_s)) for leg in LEGS}
            draw_counts(img, counts, fr.t_s)
            writer.write(img)
            written += 1
            if progress:
                progress(fr.index + 1, info.frames)
    except BaseException:
        writer.release()
        _unlink(tmp)  # interrupted or failed: no half-written video is left behind
        raise
    finally:
        writer.release()
        cap.release()
    # cv2.VideoWriter reports no write errors (e.g. a full disk): check the file it produced
    check = cv2.VideoCapture(str(tmp))
    ok = check.isOpened() and int(check.get(cv2.CAP_PROP_FRAME_COUNT)) >= written
    check.release()
    if not ok:
        _unlink(tmp)
        raise OutputError(f"cannot write video {out}: the written file is incomplete (disk full?)")
    try:
        os.replace(tmp, out)
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(f"cannot write {out}: {exc.strerror}") from None


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
