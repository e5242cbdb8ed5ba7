"""Running analysis tasks over many videos: a pool of local processes, or a Dask cluster.

Both runners take the same jobs and the same task (:class:`~hipcam.batch.worker.AnalysisTask`)
and call ``on_result(job, outcome)`` in the coordinating process as each video finishes, so the
caller can commit it at once. Neither raises for a bad video: a video that fails, crashes its
worker or runs past the per-video timeout comes back as a ``failed`` outcome, the worker is
replaced and the batch goes on.

Local pool: ``workers`` processes (spawned, not forked), each loading the model once and then
taking one video at a time over a pipe. The coordinator watches each worker's pipe and process
sentinel; a worker past its deadline is killed (SIGKILL, since a hang in native code ignores
gentler signals) and a new one started. Workers ignore SIGINT (the coordinator stops them) and
exit by themselves if the coordinator dies.

Dask: tasks go to an existing ``distributed`` scheduler; each worker thread keeps its model in a
thread-local cache. The coordinator keeps at most as many videos in flight as the cluster has
worker threads, so a video's clock starts when it starts running; one past its deadline is
cancelled and its worker restarted through its nanny. Dask itself re-runs a task whose worker
died (up to the scheduler's ``allowed-failures``), then reports it failed (``KilledWorker``).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import signal
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hipcam.batch.worker import Outcome, failed_outcome, run_task_on_dask_worker
from hipcam.errors import HipcamError

#: A worker that dies before it is ready this many times in a row stops the batch.
MAX_STARTUP_FAILURES = 3
#: Seconds a worker may take to import and load the model.
STARTUP_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Job:
    """One video to analyse: its content hash (the result key) and a path to read it from."""

    key: str
    path: str


ResultCallback = Callable[[Job, Outcome], None]


# ---------------------------------------------------------------------------------------------
# local process pool


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(3)


def _worker_main(conn: mpc.Connection, task: Callable[[str], Outcome], parent_pid: int) -> None:
    """Entry point of a local worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    try:
        setup = getattr(task, "setup", None)
        if setup is not None:
            setup()
    except HipcamError as exc:
        conn.send(("setup_failed", str(exc)))
        return
    except Exception as exc:  # report any start-up failure to the coordinator as one line
        conn.send(("setup_failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        job_id, path = msg
        conn.send(("result", job_id, task(path)))


class _Slot:
    """One worker process and what it is doing."""

    def __init__(self, ctx: Any, task: Callable[[str], Outcome]) -> None:
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.conn = parent_conn
        self.proc = ctx.Process(target=_worker_main, args=(child_conn, task, os.getpid()),
                                name="hipcam-batch-worker", daemon=True)
        self.proc.start()
        child_conn.close()
        self.started = time.monotonic()
        self.ready = False
        self.job: Job | None = None
        self.job_id = -1
        self.dispatched = 0.0
        self.deadline = float("inf")

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
        self.proc.join(5.0)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)


def _death_reason(exitcode: int | None) -> str:
    if exitcode is None:
        return "stopped responding"
    if exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def run_local(
    jobs: Sequence[Job],
    task: Callable[[str], Outcome],
    on_result: ResultCallback,
    workers: int,
    timeout_s: float | None = None,
) -> None:
    """Analyse ``jobs`` on ``workers`` local processes; see the module docstring.

    ``task`` must be picklable and may have a ``setup()`` method, run once per process.
    ``timeout_s`` (None or 0 = none) is the most one video may take. Raises
    :class:`HipcamError` only when workers cannot start at all (e.g. the model cannot load).
    """
    if not jobs:
        return
    ctx = mp.get_context("spawn")
    pending: deque[tuple[int, Job]] = deque(enumerate(jobs))
    n_workers = max(1, min(workers, len(jobs)))
    slots = [_Slot(ctx, task) for _ in range(n_workers)]
    startup_failures = 0
    limit = timeout_s if timeout_s and timeout_s > 0 else None
    try:
        while pending or any(s.job is not None for s in slots):
            now = time.monotonic()
            for s in slots:
                if s.ready and s.job is None and pending:
                    s.job_id, s.job = pending.popleft()
                    s.dispatched = now
                    s.deadline = now + limit if limit else float("inf")
                    s.conn.send((s.job_id, s.job.path))
            waits: list[Any] = [s.conn for s in slots] + [s.proc.sentinel for s in slots]
            next_deadline = min([s.deadline for s in slots if s.job is not None]
                                + [s.started + STARTUP_TIMEOUT_S for s in slots if not s.ready])
            mpc.wait(waits, timeout=max(0.0, min(1.0, next_deadline - now)))
            replace: list[_Slot] = []
            for s in slots:
                dead = False
                try:
                    while s.conn.poll():
                        msg = s.conn.recv()
                        if msg[0] == "ready":
                            s.ready = True
                            startup_failures = 0
                        elif msg[0] == "setup_failed":
                            raise HipcamError(f"a batch worker could not start: {msg[1]}")
                        elif msg[0] == "result" and s.job is not None and msg[1] == s.job_id:
                            job, s.job = s.job, None
                            on_result(job, msg[2])
                except (EOFError, OSError):
                    dead = True
                if dead or not s.proc.is_alive():
                    # the pipe reports EOF as the child dies, a moment before it can be reaped:
                    # wait for its exit code so a crash is not reported as a hang
                    s.proc.join(2.0)
                    if s.job is not None:
                        reason = _death_reason(s.proc.exitcode)
                        on_result(s.job, failed_outcome(
                            f"the worker process analysing this video {reason}",
                            time.monotonic() - s.dispatched,
                            worker=f"pid {s.proc.pid}"))
                        s.job = None
                    elif not s.ready:
                        startup_failures += 1
                        if startup_failures >= MAX_STARTUP_FAILURES:
                            raise HipcamError("batch worker processes keep dying at start-up "
                                              f"(last one {_death_reason(s.proc.exitcode)})")
                    replace.append(s)
                elif s.job is not None and time.monotonic() > s.deadline:
                    on_result(s.job, failed_outcome(
                        f"timed out after {limit:g} s (worker process killed and replaced)",
                        limit, worker=f"pid {s.proc.pid}"))
                    s.job = None
                    replace.append(s)
                elif not s.ready and time.monotonic() > s.started + STARTUP_TIMEOUT_S:
                    raise HipcamError(f"a batch worker did not start within {STARTUP_TIMEOUT_S:g} s")
            for s in replace:
                s.kill()
                slots.remove(s)
                busy = sum(x.job is not None for x in slots)
                if len(slots) < n_workers and len(pending) > len(slots) - busy:
                    slots.append(_Slot(ctx, task))
            if not slots and pending:
                slots.append(_Slot(ctx, task))
    finally:
        for s in slots:
            if s.job is None and s.ready:
                s.stop()
        deadline = time.monotonic() + 3.0
        for s in slots:
            if s.job is None and s.ready:
                s.proc.join(max(0.0, deadline - time.monotonic()))
            s.kill()


# ---------------------------------------------------------------------------------------------
# Dask distributed


def connect_dask(address: str, timeout_s: float = 30.0) -> Any:
    """A ``distributed.Client`` for ``address``; one-line errors when it cannot be had."""
    try:
        from distributed import Client
    except ImportError:
        raise HipcamError("--scheduler needs Dask: pip install 'hipcam[dask]'") from None
    try:
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HipcamError(f"cannot connect to the Dask scheduler at {address}: {msg}") from None


def run_dask(
    jobs: Sequence[Job],
    task: Any,
    on_result: ResultCallback,
    client: Any,
    timeout_s: float | None = None,
    poll_s: float = 0.05,
) -> None:
    """Analyse ``jobs`` on the Dask cluster behind ``client``; see the module docstring."""
    pending = deque(jobs)
    running: dict[Any, tuple[Job, float]] = {}
    limit = timeout_s if timeout_s and timeout_s > 0 else None
    n_threads = 0
    last_threads_check = -1e9
    try:
        while pending or running:
            now = time.monotonic()
            if now - last_threads_check > 2.0 or n_threads == 0:
                n_threads = sum(client.nthreads().values())
                last_threads_check = now
            if n_threads == 0 and not running:
                time.sleep(0.5)  # no workers (yet): wait for some to join
            while pending and len(running) < max(n_threads, 1):
                job = pending.popleft()
                fut = client.submit(run_task_on_dask_worker, task, job.path, pure=False,
                                    key=f"hipcam-{job.key[:16]}-{uuid.uuid4().hex[:8]}")
                running[fut] = (job, time.monotonic())
            done = [f for f in running if f.done()]
            if not done:
                time.sleep(poll_s)
            for fut in done:
                job, t0 = running.pop(fut)
                on_result(job, _dask_outcome(fut, time.monotonic() - t0))
            if limit:
                late = [f for f, (_, t0) in running.items() if time.monotonic() - t0 > limit]
                if late:
                    processing = client.processing()
                    for fut in late:
                        job, _ = running.pop(fut)
                        addrs = [a for a, keys in processing.items() if fut.key in keys]
                        fut.cancel()
                        on_result(job, failed_outcome(
                            f"timed out after {limit:g} s (Dask worker restarted)", limit,
                            worker=addrs[0] if addrs else None))
                        if addrs:
                            with contextlib.suppress(Exception):
                                client.restart_workers(addrs, timeout=120, raise_for_error=False)
    finally:
        for fut in running:
            with contextlib.suppress(Exception):
                fut.cancel()


def _dask_outcome(fut: Any, elapsed_s: float) -> Outcome:
    if fut.status == "finished":
        return fut.result()
    try:
        exc = fut.exception(timeout=10)
    except Exception as err:  # cancelled, or the scheduler went away
        exc = err
    name = type(exc).__name__
    if name == "KilledWorker":
        return failed_outcome("the Dask workers analysing this video kept dying (KilledWorker)",
                              elapsed_s)
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return failed_outcome(f"{name}: {text}".rstrip(": "), elapsed_s)
