"""The analysis pipeline for one video: frames → pose → :class:`~hipcam.session.SessionAnalyzer`.

Decoding and colour conversion run on a background thread (:class:`~hipcam.capture.ThreadedReader`)
beside inference; frames are streamed, never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from hipcam import ANALYSIS_VERSION, __version__
from hipcam.capture import Frame, ThreadedReader, VideoInfo, iter_frames, open_video
from hipcam.errors import BadVideoError, NoPersonError
from hipcam.pose import PoseEstimator, PoseSeries, PoseSeriesBuilder
from hipcam.reps import DEFAULT_PAUSE_BREAK_S
from hipcam.session import LEGS, LegResult, SessionAnalyzer

SCHEMA = "hipcam.analysis/1"
#: Fewer detected frames than this fraction produces a warning.
LOW_DETECTION_FRACTION = 0.8


@dataclass
class AnalysisResult:
    """Everything ``hipcam analyse`` reports for one video."""

    video: VideoInfo
    frames_read: int
    stride: int
    fs_hz: float
    legs: dict[str, LegResult]
    series: dict[str, np.ndarray]
    pose: PoseSeries
    model_path: str
    warnings: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        if len(self.pose):
            return float(self.pose.t_s[-1] - self.pose.t_s[0] + self.stride / self.video.fps)
        return 0.0

    def to_dict(self, target: int = 100) -> dict:
        """The ``hipcam.analysis/1`` JSON document."""
        detected = self.pose.detected
        return {
            "schema": SCHEMA,
            "hipcam_version": __version__,
            "analysis_version": ANALYSIS_VERSION,
            "video": {
                "path": self.video.path, "fps": round(self.video.fps, 4),
                "fps_from_metadata": self.video.fps_from_metadata,
                "frames": self.frames_read, "duration_s": round(self.duration_s, 3),
                "width": self.video.width, "height": self.video.height,
            },
            "analysis": {
                "stride": self.stride, "fs_hz": round(self.fs_hz, 4), "model": self.model_path,
                "pose_detected_fraction": round(float(detected.mean()), 4) if len(detected) else 0,
                "max_people": self.pose.max_people,
                "multi_person_frames": self.pose.multi_person_frames,
                "target_reps": target,
            },
            "legs": {leg: self.legs[leg].to_dict() for leg in LEGS},
            "warnings": list(self.warnings),
        }


def _rgb_frames(frames):
    for fr in frames:
        yield Frame(fr.index, fr.t_s, cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB))


def analyse_video(
    path: str | Path,
    model_path: str | Path | None = None,
    stride: int = 1,
    pause_break_s: float = DEFAULT_PAUSE_BREAK_S,
    progress: Callable[[int, int], None] | None = None,
    estimator: PoseEstimator | None = None,
    start_s: float = 0.0,
    end_s: float | None = None,
) -> AnalysisResult:
    """Analyse one video file end to end.

    Parameters
    ----------
    path : the video.
    model_path : a MediaPipe pose ``.task`` bundle (default: the bundled one).
    stride : analyse every ``stride``-th frame (timestamps stay those of the video).
    pause_break_s : a rest at least this long ends a continuous set.
    progress : called as ``progress(frames_done, frames_total)``.
    estimator : reuse an already loaded :class:`PoseEstimator` (batch workers); it must be fresh
        for this video's timeline, so pass one only for the first video or after ``reset``.
    start_s, end_s : analyse only this time window of the video (used by ``--jobs`` chunks).
    """
    cap, info = open_video(path)
    own = estimator is None
    reader = None
    try:
        est = estimator or PoseEstimator(model_path)
    except BaseException:
        cap.release()
        raise
    try:
        fs = info.fps / stride
        analyzer = SessionAnalyzer(fs, pause_break_s)
        builder = PoseSeriesBuilder()
        if start_s > 0:
            cap.set(cv2.CAP_PROP_POS_MSEC, start_s * 1000.0)
        reader = ThreadedReader(_rgb_frames(iter_frames(cap, info, stride=stride)))
        total = info.frames
        n = 0
        for fr in reader:
            if end_s is not None and fr.t_s > end_s:
                break
            if fr.t_s < start_s - 1e-6:
                continue
            sample = est.detect(fr.bgr, fr.t_s)
            builder.add(fr.index, fr.t_s, sample)
            analyzer.push(fr.t_s, sample)
            n += 1
            if progress is not None:
                progress(fr.index + 1, total)
        analyzer.finish()
    finally:
        if reader is not None:
            reader.close()
        cap.release()
        if own:
            est.close()
    if n == 0:
        raise BadVideoError(f"{path}: no frame could be decoded")
    series = builder.build()
    warnings: list[str] = []
    det = series.detected
    if not det.any():
        raise NoPersonError(f"{path}: no person found in any of {n} frames")
    if det.mean() < LOW_DETECTION_FRACTION:
        warnings.append(f"person found in only {100 * det.mean():.0f}% of frames")
    if series.max_people > 1:
        warnings.append(
            f"{series.max_people} people in view in {series.multi_person_frames} frames: "
            "following the largest, most central one")
    if not info.fps_from_metadata:
        warnings.append("frame rate missing or implausible in the file: assumed 30 fps")
    if n / info.fps * stride < 1.0:
        warnings.append("video shorter than one second: nothing to count")
    legs = {leg: analyzer.leg_result(leg) for leg in LEGS}
    for leg in LEGS:
        long_gaps = [g for g in legs[leg].gaps if g[1] - g[0] >= 1.0]
        if long_gaps and len(long_gaps) < 50:
            total_s = sum(b - a for a, b in long_gaps)
            warnings.append(f"{leg} leg not visible for {total_s:.1f} s in {len(long_gaps)} gap(s)")
    return AnalysisResult(info, n, stride, fs, legs, analyzer.series(), series, str(est.model_path),
                          warnings)
