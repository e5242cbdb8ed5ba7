"""``hipcam analyse --jobs N``: one long video analysed by N processes.

The pose model is nearly all of the cost (~20–40 ms a frame on a laptop-class core; everything
else is ~0.3 ms), so that is what is parallelised:

1. The video is cut into chunks of whole frames (:func:`plan_chunks`); each chunk is handed to
   a process of a pool with its own :class:`~hipcam.pose.PoseEstimator`, which seeks to the
   chunk, runs the model over ``overlap_s`` seconds *before* the chunk (MediaPipe's tracking and
   landmark smoothing warm up there; those frames are dropped) and then over the chunk itself.
2. The parent takes the chunks' poses back in order, as they finish, and streams them through
   one :class:`~hipcam.session.SessionAnalyzer` and one pose series, exactly as
   :func:`~hipcam.pipeline.analyse_video` does frame by frame.

Because the signal path (resampling, filters, rolling rest angle, adaptive rep thresholds) runs
once over the whole video, a rep that straddles a chunk boundary is one rep, sets are grouped over
the whole video, and the counts are those of the sequential run by construction, not by
stitching. Only the poses of the first frames of a chunk could differ from a sequential run, and
the warm-up frames exist to make them match (on the sample videos they are identical).

Frames are addressed by index: chunk starts are multiples of ``stride``, so ``--stride`` picks
the same frames as the sequential run. When the file cannot be seeked reliably (no usable frame
rate or frame count, or a seek that lands elsewhere than asked), the chunk decodes from the start
instead (slower but exact); videos too short for two chunks are analysed sequentially.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.pool
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hipcam.pose import PoseSeries, PoseSeriesBuilder
from hipcam.reps import DEFAULT_PAUSE_BREAK_S

if TYPE_CHECKING:
    from hipcam.pipeline import AnalysisResult

#: Default warm-up before each chunk (s): pose frames analysed and dropped.
DEFAULT_OVERLAP_S = 1.0
#: Chunks are at least this long by default (s): fewer seeks and warm-ups.
MIN_CHUNK_S = 30.0
#: Chunks per job by default, so a slow process does not hold up the end.
CHUNKS_PER_JOB = 3
#: How often (frames) a worker reports progress.
_PROGRESS_EVERY = 10


@dataclass(frozen=True)
class Chunk:
    """A run of frames analysed by one process (frame indices of the whole video)."""

    number: int
    seek_frame: int  # first frame decoded: ``own_start`` minus the warm-up, a multiple of stride
    own_start: int  # first frame whose pose is kept
    own_end: int | None  # first frame not kept; None = to the end of the stream


@dataclass
class ChunkPoses:
    """What a worker sends back for one chunk (a :class:`PoseSeries`: plain arrays, cheap to pickle)."""

    number: int
    poses: PoseSeries  # the chunk's own frames, as the model gave them
    skipped: int  # damaged frames skipped inside the chunk's own range
    last_index: int  # last readable frame seen (-1: none)
    model_path: str
    seek_fallback: bool  # the seek was unreliable: decoded from the start instead

    def __len__(self) -> int:
        return len(self.poses)


def plan_chunks(
    n_frames: int, fps: float, stride: int = 1, jobs: int = 2, chunk_s: float | None = None,
    overlap_s: float = DEFAULT_OVERLAP_S,
) -> list[Chunk]:
    """Cut ``n_frames`` frames into chunks for ``jobs`` processes.

    ``chunk_s`` defaults to ``max(MIN_CHUNK_S, duration / (CHUNKS_PER_JOB · jobs))``. Chunk starts
    and seek points are multiples of ``stride``; the last chunk runs to the end of the stream
    (the frame count in a header can be an estimate).
    """
    if n_frames <= 0 or fps <= 0:
        return [Chunk(0, 0, 0, None)]
    duration_s = n_frames / fps
    if chunk_s is None:
        chunk_s = max(MIN_CHUNK_S, duration_s / (CHUNKS_PER_JOB * max(jobs, 1)))
    step = max(int(round(chunk_s * fps / stride)), 1) * stride
    warm = int(math.ceil(overlap_s * fps / stride)) * stride
    starts = list(range(0, n_frames, step))
    if len(starts) > 1 and n_frames - starts[-1] < step // 2:
        starts.pop()  # fold a short tail into the previous chunk
    chunks = []
    for k, a in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else None
        chunks.append(Chunk(k, max(a - warm, 0), a, end))
    return chunks


# -- worker side ----------------------------------------------------------------------------
_progress_counter = None


def _init_worker(counter: object) -> None:
    global _progress_counter
    _progress_counter = counter
    os.environ.setdefault("GLOG_minloglevel", "2")


def _report(frames: int) -> None:
    if _progress_counter is not None:
        with _progress_counter.get_lock():  # type: ignore[attr-defined]
            _progress_counter.value += frames  # type: ignore[attr-defined]


def _position(path: str, chunk: Chunk, t0_s: float) -> tuple[object, object, bool]:
    """Open the video positioned at ``chunk.seek_frame``; falls back to decoding from the start."""
    import cv2

    from hipcam.capture import open_video_beside_model

    cap, info = open_video_beside_model(path)
    if chunk.seek_frame == 0:
        return cap, info, False
    cap.set(cv2.CAP_PROP_POS_FRAMES, chunk.seek_frame)
    at = int(round(cap.get(cv2.CAP_PROP_POS_FRAMES)))
    ok = at == chunk.seek_frame and cap.grab()
    if ok:
        # the seek is trusted only if the landed frame has the time the frame index says
        t_s = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
        ok = abs(t_s - (t0_s + chunk.seek_frame / info.fps)) <= 0.5 / info.fps
    cap.release()
    cap, info = open_video_beside_model(path)
    if ok:
        cap.set(cv2.CAP_PROP_POS_FRAMES, chunk.seek_frame)
        return cap, info, False
    for _ in range(chunk.seek_frame):  # exact, at the cost of decoding the skipped part
        if not cap.grab():
            break
    return cap, info, True


def _pose_chunk(args: tuple[str, str | None, int, Chunk, float]) -> ChunkPoses:
    """Worker: the poses of one chunk's own frames (after the warm-up)."""
    from hipcam.capture import ReadStats, ThreadedReader, iter_frames
    from hipcam.pipeline import _rgb_frames
    from hipcam.pose import PoseEstimator

    path, model_path, stride, chunk, t0_s = args
    cap, info, fallback = _position(path, chunk, t0_s)
    est = None
    reader = None
    builder = PoseSeriesBuilder()
    skipped_before = 0
    stats = ReadStats()
    unreported = 0
    try:
        est = PoseEstimator(model_path)
        reader = ThreadedReader(_rgb_frames(iter_frames(cap, info, stride=stride, stats=stats)))
        for fr, img in reader:
            i = chunk.seek_frame + fr.index
            if chunk.own_end is not None and i >= chunk.own_end:
                break
            if i < chunk.own_start:
                skipped_before = stats.skipped
            sample = est.detect(img, fr.t_s)
            unreported += stride
            if unreported >= _PROGRESS_EVERY:
                _report(unreported)
                unreported = 0
            if i < chunk.own_start:
                continue  # warm-up frame
            builder.add(i, fr.t_s, sample)
        _report(unreported)
    finally:
        if reader is not None:
            reader.close()
        cap.release()
        if est is not None:
            est.close()
    last = chunk.seek_frame + stats.last_index if stats.last_index >= 0 else -1
    return ChunkPoses(
        number=chunk.number, poses=builder.build(),
        skipped=stats.skipped - skipped_before, last_index=last,
        model_path=str(est.model_path) if est is not None else str(model_path), seek_fallback=fallback,
    )


# -- parent side ----------------------------------------------------------------------------
def _first_frame_time_s(path: str) -> float:
    """Presentation time of the first frame (0 for most files)."""
    import cv2

    from hipcam.capture import open_video

    cap, _ = open_video(path)
    try:
        if not cap.grab():
            return 0.0
        t_ms = cap.get(cv2.CAP_PROP_POS_MSEC)
        return t_ms / 1000.0 if math.isfinite(t_ms) else 0.0
    finally:
        cap.release()


def analyse_video_parallel(
    path: str | Path,
    jobs: int = 2,
    model_path: str | Path | None = None,
    stride: int = 1,
    pause_break_s: float = DEFAULT_PAUSE_BREAK_S,
    progress: Callable[[int, int], None] | None = None,
    chunk_s: float | None = None,
    overlap_s: float = DEFAULT_OVERLAP_S,
) -> AnalysisResult:
    """Analyse one video with ``jobs`` processes; same result as :func:`analyse_video`.

    Parameters
    ----------
    path, model_path, stride, pause_break_s, progress : as for
        :func:`hipcam.pipeline.analyse_video`.
    jobs : number of worker processes (each loads its own pose model, ~100 MB).
    chunk_s : chunk length in seconds (default: see :func:`plan_chunks`).
    overlap_s : pose warm-up analysed before each chunk and dropped (seconds).

    Returns an :class:`~hipcam.pipeline.AnalysisResult`.
    """
    from hipcam.capture import ReadStats, open_video
    from hipcam.pipeline import analyse_video, finish_analysis
    from hipcam.session import SessionAnalyzer, side_view_calibration

    cap, info = open_video(path)  # validates the file, with analyse_video's error messages
    cap.release()
    chunks = plan_chunks(info.frames, info.fps, stride, jobs, chunk_s, overlap_s)
    if jobs <= 1 or len(chunks) < 2 or not info.fps_from_metadata:
        return analyse_video(path, model_path=model_path, stride=stride,
                             pause_break_s=pause_break_s, progress=progress)
    if model_path is not None and not Path(model_path).is_file():
        from hipcam.pose import PoseEstimator

        PoseEstimator(model_path)  # raises the usual one-line error before any process starts
    t0_s = _first_frame_time_s(str(path))
    model = str(model_path) if model_path is not None else None
    tasks = [(str(path), model, stride, c, t0_s) for c in chunks]

    analyzer = SessionAnalyzer(info.fps / stride, pause_break_s,
                               side_view=side_view_calibration(model_path))
    builder = PoseSeriesBuilder()
    stats = ReadStats()
    n = 0
    model_used = model or ""
    ctx = multiprocessing.get_context("spawn")  # never fork a process with native threads running
    counter = ctx.Value("q", 0)
    total = info.frames
    with ctx.Pool(min(jobs, len(chunks)), initializer=_init_worker, initargs=(counter,)) as pool:
        results = pool.imap(_pose_chunk, tasks)
        for _ in chunks:
            while True:
                try:
                    res: ChunkPoses = results.next(timeout=0.25)
                    break
                except multiprocessing.TimeoutError:
                    if progress is not None:
                        progress(min(counter.value, total), total)
            for k in range(len(res)):
                sample = res.poses.sample(k)
                builder.add(int(res.poses.frame_index[k]), float(res.poses.t_s[k]), sample)
            analyzer.push_series(res.poses)
            n += len(res)
            stats.skipped += res.skipped
            stats.last_index = max(stats.last_index, res.last_index)
            model_used = res.model_path
        analyzer.finish()
    if progress is not None:
        progress(total, total)
    stats.ended_early = stats.missing_at_end(info) > 0
    return finish_analysis(path, info, n, stride, analyzer, builder, stats, model_used)
