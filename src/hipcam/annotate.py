"""``--annotate``: re-read the video and write an H.264 copy with skeleton, counts, angle and scores.

Each analysed frame keeps its own timestamp (see :mod:`hipcam.videowriter`), so the annotated
video plays at the real speed whatever ``--stride`` was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from hipcam.capture import iter_frames, open_video
from hipcam.errors import OutputError
from hipcam.overlay import LegStatus, draw_skeleton, draw_status
from hipcam.pipeline import AnalysisResult
from hipcam.session import LEGS
from hipcam.videowriter import H264Writer


class _LegTimeline:
    """What the overlay shows for one leg at a given video time: count, angle, last rep's score."""

    def __init__(self, result: AnalysisResult, leg: str) -> None:
        reps = result.legs[leg].reps
        self.ends_s = np.array([r.rep.end_s for r in reps], dtype=float)
        self.scores = np.array([r.smoothness_score for r in reps], dtype=float)
        s = result.series
        self.t_s = np.asarray(s["t_s"], dtype=float)
        self.angle_deg = np.asarray(s[f"{leg}_filtered_deg"], dtype=float) - np.asarray(
            s[f"{leg}_rest_deg"], dtype=float)

    def at(self, t_s: float) -> LegStatus:
        count = int(np.searchsorted(self.ends_s, t_s, side="right"))
        score = float(self.scores[count - 1]) if count else None
        j = int(np.searchsorted(self.t_s, t_s + 1e-6, side="right")) - 1
        angle = float(self.angle_deg[j]) if 0 <= j < len(self.angle_deg) else None
        if angle is not None and not np.isfinite(angle):
            angle = None
        return LegStatus(count=count, angle_deg=angle, last_score=score)


def write_annotated(result: AnalysisResult, out_path: str | Path,
                    progress: Callable[[int, int], None] | None = None) -> None:
    """Write ``out_path`` (H.264 mp4) with skeleton, counts, angle and last rep's score per leg."""
    out = Path(out_path)
    if out.exists() and not out.is_file():
        # never rename a temporary file over /dev/null, a FIFO or a folder
        raise OutputError(f"cannot write video {out}: not a regular file")
    cap, info = open_video(result.video.path)
    timelines = {leg: _LegTimeline(result, leg) for leg in LEGS}
    by_index = {int(ix): k for k, ix in enumerate(result.pose.frame_index)}
    try:
        writer = H264Writer(out, info.width, info.height, fps_hint=info.fps / max(result.stride, 1),
                            protect=[result.video.path])
    except BaseException:
        cap.release()
        raise
    try:
        for fr in iter_frames(cap, info, stride=result.stride):
            k = by_index.get(fr.index)
            img = fr.bgr
            if img.shape[1] != info.width or img.shape[0] != info.height:
                img = cv2.resize(img, (info.width, info.height))
            if k is not None:
                draw_skeleton(img, result.pose.image_xy_px[k], result.pose.visibility[k])
            draw_status(img, {leg: timelines[leg].at(fr.t_s) for leg in LEGS}, fr.t_s)
            writer.write(img, fr.t_s)
            if progress:
                progress(fr.index + 1, info.frames)
    except BaseException:
        writer.abort()  # interrupted or failed: no half-written video is left behind
        raise
    finally:
        cap.release()
    writer.close()
