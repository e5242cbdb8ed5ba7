"""The analysis pipeline for one video: frames → pose → :class:`~hipcam.session.SessionAnalyzer`.

Decoding and colour conversion run on a background thread (:class:`~hipcam.capture.ThreadedReader`)
beside inference; frames are streamed, never held in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from hipcam import ANALYSIS_VERSION, __version__
from hipcam.angles import FOOT_CUT_WARN_FRACTION, foot_cut_fraction, foot_cut_warning
from hipcam.capture import (
    Frame,
    ReadStats,
    ThreadedReader,
    VideoInfo,
    iter_frames,
    open_video_beside_model,
)
from hipcam.errors import BadVideoError, NoPersonError
from hipcam.pose import (
    PoseEstimator,
    PoseSample,
    PoseSeries,
    PoseSeriesBuilder,
    PreparedImage,
    prepare_image,
)
from hipcam.position import (
    SETUP_ADVICE,
    lagging_legs,
    lagging_warnings,
    out_of_position_warnings,
)
from hipcam.reps import DEFAULT_PAUSE_BREAK_S
from hipcam.session import (
    LEGS,
    MIN_RELIABLE_RATE_HZ,
    ROM_NOTE_3D,
    SEEN_LEG_MIN_FRACTION,
    LegResult,
    SessionAnalyzer,
    edge_on_warning,
    side_view_calibration,
)
from hipcam.stages import BackgroundStage

SCHEMA = "hipcam.analysis/1"
#: Fewer detected frames than this fraction produces a warning.
LOW_DETECTION_FRACTION = SEEN_LEG_MIN_FRACTION  # the same fraction for a leg's frames
#: From this camera yaw on (degrees) a leg that is not seen is taken as hidden by the other leg.
SIDE_VIEW_DEG = 60.0
#: A file that ends this many frames (and this fraction) before its header says is "cut off".
_EARLY_END_FRAMES, _EARLY_END_FRACTION = 5, 0.02


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
    pause_break_s: float = DEFAULT_PAUSE_BREAK_S

    @property
    def duration_s(self) -> float:
        if len(self.pose):
            return float(self.pose.t_s[-1] - self.pose.t_s[0] + self.stride / self.video.fps)
        return 0.0

    def to_dict(self, target: int = 100) -> dict:
        """The ``hipcam.analysis/1`` JSON document.

        ``analysed_at`` (UTC, ISO 8601) and ``settings`` (everything that changes the figures:
        stride, pause break, target, model file) make a result traceable on its own. Every set
        carries its ``trend`` (first vs last reps, per-rep slopes: :mod:`hipcam.settrends`,
        added by :meth:`LegResult.to_dict`, so ``live`` summaries carry it too).
        """
        import datetime as dt

        detected = self.pose.detected
        return {
            "schema": SCHEMA,
            "hipcam_version": __version__,
            "analysis_version": ANALYSIS_VERSION,
            "analysed_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "settings": {"stride": self.stride, "pause_break_s": self.pause_break_s,
                         "target_reps": target, "model": Path(self.model_path).name},
            "video": {
                "path": self.video.path, "fps": round(self.video.fps, 4),
                "fps_from_metadata": self.video.fps_from_metadata,
                "frames": self.frames_read, "duration_s": round(self.duration_s, 3),
                "width": self.video.width, "height": self.video.height,
            },
            "analysis": {
                "stride": self.stride, "fs_hz": round(self.fs_hz, 4), "model": Path(self.model_path).name,
                "pose_detected_fraction": round(float(detected.mean()), 4) if len(detected) else 0,
                "max_people": self.pose.max_people,
                "multi_person_frames": self.pose.multi_person_frames,
                "target_reps": target,
            },
            "legs": {leg: self.legs[leg].to_dict() for leg in LEGS},
            "warnings": list(self.warnings),
        }


def _rgb_frames(frames: Iterator[Frame]) -> Iterator[tuple[Frame, PreparedImage]]:
    """BGR→RGB and the copy into a MediaPipe image, on the decode thread (beside inference)."""
    for fr in frames:
        rgb = cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB)
        yield Frame(fr.index, fr.t_s, rgb), prepare_image(rgb)


def analyse_video(
    path: str | Path,
    model_path: str | Path | None = None,
    stride: int = 1,
    pause_break_s: float = DEFAULT_PAUSE_BREAK_S,
    progress: Callable[[int, int], None] | None = None,
    estimator: PoseEstimator | None = None,
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
    """
    cap, info = open_video_beside_model(path)  # decoded on its own thread, beside the model
    own = estimator is None
    reader = None
    stage: BackgroundStage | None = None
    try:
        est = estimator or PoseEstimator(model_path)
    except BaseException:
        cap.release()
        raise
    try:
        fs = info.fps / stride
        analyzer = SessionAnalyzer(fs, pause_break_s, side_view=side_view_calibration(est.model_path))
        builder = PoseSeriesBuilder()
        stats = ReadStats()
        reader = ThreadedReader(_rgb_frames(iter_frames(cap, info, stride=stride, stats=stats)))
        total = info.frames
        n = 0

        def post(item: tuple[int, float, PoseSample | None]) -> None:
            index, t_s, sample = item
            builder.add(index, t_s, sample)
            analyzer.push(t_s, sample)

        # post-processing runs on its own thread while the model works on the next frame
        stage = BackgroundStage(post, name="hipcam-post")
        for fr, img in reader:
            stage.submit((fr.index, fr.t_s, est.detect(img, fr.t_s)))
            n += 1
            if progress is not None:
                progress(fr.index + 1, total)
        stage.join()
        analyzer.finish()
    finally:
        if stage is not None:
            stage.close()
        if reader is not None:
            reader.close()
        cap.release()
        if own:
            est.close()
    return finish_analysis(path, info, n, stride, analyzer, builder, stats, str(est.model_path))


def finish_analysis(
    path: str | Path, info: VideoInfo, n: int, stride: int, analyzer: SessionAnalyzer,
    builder: PoseSeriesBuilder, stats: ReadStats, model_path: str,
) -> AnalysisResult:
    """The :class:`AnalysisResult` once every frame went through ``analyzer`` and ``builder``.

    Shared by :func:`analyse_video` and :func:`hipcam.parallel.analyse_video_parallel`.
    ``n`` is the number of frames analysed; raises when there was nothing to analyse.
    """
    fs = analyzer.fs_hz
    if n == 0:
        raise BadVideoError(f"{path}: no frame could be decoded")
    series = builder.build()
    det = series.detected
    if not det.any():
        raise NoPersonError(f"{path}: no person found in any of {n} frames")
    warnings = _read_warnings(stats, info, n, stride)
    if fs < MIN_RELIABLE_RATE_HZ:
        warnings.append(f"only {fs:.2g} samples a second analysed (--stride {stride} at "
                        f"{info.fps:.0f} fps): too few to follow reps of 1-2 s, counts and scores "
                        f"are unreliable; use a --stride of at most "
                        f"{max(int(info.fps // MIN_RELIABLE_RATE_HZ), 1)}")
    if det.mean() < LOW_DETECTION_FRACTION:
        warnings.append(f"person found in only {100 * det.mean():.0f}% of frames")
    if series.max_people > 1:
        warnings.append(
            f"{series.max_people} people in view in {series.multi_person_frames} frames: "
            "following the largest, most central one")
    legs = {leg: analyzer.leg_result(leg) for leg in LEGS}
    if not any(legs[leg].in_position for leg in LEGS):
        warnings.append(f"never in the exercise position, so nothing was counted: {SETUP_ADVICE}")
    seen_legs = [leg for leg in LEGS if legs[leg].seen_fraction >= LOW_DETECTION_FRACTION]
    in_position_s = {leg: legs[leg].in_position_s for leg in LEGS}
    warnings += lagging_warnings(in_position_s, seen_legs)
    warnings += out_of_position_warnings(  # a lagging leg has its warning already
        {leg: legs[leg].swings_out_of_position for leg in LEGS},
        {leg: len(legs[leg].reps) for leg in LEGS},
        [leg for leg in seen_legs if leg not in lagging_legs(in_position_s)])
    cut = foot_cut_fraction(series.image_xy_px, series.frame_size_px, det)
    for leg in LEGS:
        frac = legs[leg].seen_fraction
        if frac < LOW_DETECTION_FRACTION:
            what = "not visible at all" if frac == 0 else f"visible in only {100 * frac:.0f}% of frames"
            if legs[leg].view_yaw_deg >= SIDE_VIEW_DEG:
                warnings.append(f"{leg} lower leg {what}: hidden behind the other leg (camera beside "
                                f"the bed); {leg} counts cover only what was seen: film from the "
                                f"{leg} side to count it")
            else:
                warnings.append(f"{leg} lower leg (knee and ankle) {what}: keep both feet in the "
                                f"picture; {leg} counts cover only what was seen")
            continue
        if legs[leg].behind_other_leg:
            warnings.append(edge_on_warning(leg, legs[leg].view_yaw_deg))
        if cut[leg] >= FOOT_CUT_WARN_FRACTION:
            warnings.append(foot_cut_warning(leg, cut[leg]))
        if legs[leg].reps and legs[leg].rom_approximate:
            warnings.append(f"{leg} range of motion approximate: camera about "
                            f"{legs[leg].view_yaw_deg:.0f}° to the side ({ROM_NOTE_3D})")
            if legs[leg].unscored_reps:
                warnings.append(f"{leg} smoothness not scored for {legs[leg].unscored_reps} of "
                                f"{len(legs[leg].reps)} reps: seen from about "
                                f"{legs[leg].view_yaw_deg:.0f}° aside, where the 3D pose cannot "
                                f"judge it (up to 45° aside it can)")
        long_gaps = [g for g in legs[leg].gaps if g[1] - g[0] >= 1.0]
        if long_gaps and len(long_gaps) < 50:
            total_s = sum(b - a for a, b in long_gaps)
            warnings.append(f"{leg} leg not visible for {total_s:.1f} s in {len(long_gaps)} gap(s)")
    return AnalysisResult(info, n, stride, fs, legs, analyzer.series(), series, model_path, warnings,
                          pause_break_s=analyzer.pause_break_s)


def _read_warnings(stats: ReadStats, info: VideoInfo, n: int, stride: int) -> list[str]:
    """Warnings about the file itself: damaged frames, an early end, frame rate, length."""
    out: list[str] = []
    if stats.skipped:
        out.append(f"{stats.skipped} damaged frame(s) could not be decoded and were skipped "
                   f"({stats.skipped / info.fps:.1f} s of video)")
    missing = stats.missing_at_end(info)
    if missing >= max(_EARLY_END_FRAMES, _EARLY_END_FRACTION * info.frames):
        read_s = (stats.last_index + 1) / info.fps
        out.append(f"video ends after {read_s:.1f} s although its header announces "
                   f"{info.duration_s:.1f} s (file cut off or damaged?): partial result")
    if not info.fps_from_metadata:
        out.append("frame rate missing or implausible in the file: assumed 30 fps")
    if n / info.fps * stride < 1.0:
        out.append("video shorter than one second: nothing to count")
    return out
