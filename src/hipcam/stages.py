"""A background stage: work handed to one thread through a bounded queue, in order.

:func:`hipcam.pipeline.analyse_video` uses it to run post-processing (the session analyser, the
pose series) beside inference: MediaPipe releases the GIL while the model runs, so the per-frame
Python work of frame *n* overlaps the model's work on frame *n + 1* instead of adding to it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_END = object()


class BackgroundStage(Generic[T]):
    """Call ``fn(item)`` for every submitted item, in submission order, on one thread.

    The queue is bounded (``maxsize`` items), so a slow stage applies back-pressure instead of
    letting memory grow. An exception raised by ``fn`` stops the stage; it is re-raised in the
    submitting thread by the next :meth:`submit` or by :meth:`join`.
    """

    def __init__(self, fn: Callable[[T], object], maxsize: int = 64, name: str = "hipcam-stage") -> None:
        self._fn = fn
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END or self._stopped.is_set():
                return
            try:
                self._fn(item)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the submitting thread
                self._error = exc
                self._stopped.set()
                self._drain()
                return

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, item: T) -> None:
        """Queue one item (blocks while the queue is full); raises the stage's error, if any."""
        while True:
            self._raise_if_failed()
            if self._stopped.is_set():
                raise RuntimeError("background stage is closed")
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def join(self) -> None:
        """Wait until every submitted item is processed; re-raise the stage's error, if any."""
        if not self._stopped.is_set():
            self._queue.put(_END)
            self._thread.join()
            self._stopped.set()
        self._raise_if_failed()

    def close(self) -> None:
        """Stop without waiting for queued items (safe after :meth:`join`, and twice)."""
        if self._stopped.is_set() and not self._thread.is_alive():
            return
        self._stopped.set()
        self._drain()
        try:
            self._queue.put_nowait(_END)
        except queue.Full:  # pragma: no cover - just drained
            pass
        self._thread.join(timeout=5.0)
