"""What runs inside a batch worker (a local process or a Dask worker thread).

The pose model is loaded once per worker thread and kept (:class:`ReusableEstimator`). A
MediaPipe landmarker in VIDEO mode only accepts increasing timestamps and carries tracking state
from frame to frame, so each new video gets a freshly built landmarker from the already loaded,
already validated model (about 0.1 s, against 1.5-2 s of imports and first load per worker).
"""

from __future__ import annotations

import atexit
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hipcam.errors import HipcamError

#: One analysis outcome as sent back to the coordinator (plain, picklable types only).
Outcome = dict[str, Any]


class ReusableEstimator:
    """A :class:`~hipcam.pose.PoseEstimator` loaded once, handed out fresh for each video."""

    def __init__(self, model_path: str | Path | None) -> None:
        from hipcam.pose import PoseEstimator

        self._cls = PoseEstimator
        self._estimator = PoseEstimator(model_path)
        self.model_path = self._estimator.model_path
        self._used = False

    def fresh(self) -> Any:
        """An estimator whose timeline and tracking state start empty (a video's first frame)."""
        if self._used:
            self._estimator.close()
            self._estimator = self._cls(self.model_path)
        self._used = True
        return self._estimator

    def close(self) -> None:
        """Release the native graph."""
        self._estimator.close()


_local = threading.local()
_all_estimators: list[ReusableEstimator] = []
_all_lock = threading.Lock()
#: pyplot is not thread-safe: Dask workers with several threads draw one plot at a time.
_plot_lock = threading.Lock()


def worker_estimator(model_path: str | None) -> ReusableEstimator:
    """This thread's cached estimator for ``model_path`` (created on first use)."""
    cache: dict[str | None, ReusableEstimator] | None = getattr(_local, "estimators", None)
    if cache is None:
        cache = _local.estimators = {}
    est = cache.get(model_path)
    if est is None:
        est = cache[model_path] = ReusableEstimator(model_path)
        with _all_lock:
            _all_estimators.append(est)
    return est


@atexit.register
def _close_all_estimators() -> None:
    """Close the native graphs while the interpreter is still whole (not from ``__del__`` later)."""
    with _all_lock:
        for est in _all_estimators:
            est.close()
        _all_estimators.clear()


def worker_name() -> str:
    """``host:pid`` of this worker, recorded with each result."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class AnalysisTask:
    """Analyse one video: the ``hipcam.analysis/1`` document and its angle plot (PNG).

    Instances are small and picklable; they are sent to workers once, and called per video.
    """

    model_path: str | None = None
    stride: int = 1
    pause_break_s: float = 3.0
    target_reps: int = 100
    plot: bool = True

    def setup(self) -> None:
        """Load the model (and the heavy imports) once, before the first video."""
        worker_estimator(self.model_path)
        if self.plot:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401

    def __call__(self, path: str) -> Outcome:
        """Analyse ``path``; never raises for a bad video (the error goes into the outcome)."""
        t0 = time.monotonic()
        try:
            from hipcam.pipeline import analyse_video
            from hipcam.report import plot_png

            est = worker_estimator(self.model_path).fresh()
            result = analyse_video(path, stride=self.stride, pause_break_s=self.pause_break_s,
                                   estimator=est)
            doc = result.to_dict(target=self.target_reps)
            png = None
            if self.plot:
                with _plot_lock:
                    png = plot_png(doc, result.series, self.target_reps)
            return {"status": "ok", "doc": doc, "plot_png": png, "error": None,
                    "elapsed_s": time.monotonic() - t0, "worker": worker_name()}
        except HipcamError as exc:
            return failed_outcome(str(exc), time.monotonic() - t0)
        except MemoryError:
            return failed_outcome("out of memory", time.monotonic() - t0)
        except Exception as exc:  # a bug or an unexpected library error: keep the batch going
            tb = traceback.extract_tb(exc.__traceback__)
            where = f" (at {Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
            msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
            return failed_outcome(f"{msg.rstrip(': ')}{where}", time.monotonic() - t0)


def failed_outcome(error: str, elapsed_s: float | None = None, worker: str | None = None) -> Outcome:
    """An outcome for a video that could not be scored."""
    return {"status": "failed", "doc": None, "plot_png": None, "error": error,
            "elapsed_s": elapsed_s, "worker": worker or worker_name()}


def run_task_on_dask_worker(task: AnalysisTask, path: str) -> Outcome:
    """The function submitted to Dask: set up this worker thread's model on first use, then run."""
    task.setup()  # cheap after the first call: the estimator is cached per thread
    return task(path)
