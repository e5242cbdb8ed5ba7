"""The local worker pool with a stand-in task: timeouts, crashes, worker replacement, Ctrl-C.

The task below runs in spawned worker processes, which import this module by name (pytest puts
the tests folder on ``sys.path`` and spawned children inherit it).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from hipcam.batch.runner import Job, run_local
from hipcam.errors import HipcamError

pytestmark = pytest.mark.timeout(120)


class FakeTask:
    """Behaves by file name: ``hang*`` sleeps, ``crash*`` aborts, ``exit*`` exits, else ok."""

    def __init__(self, fail_setup: bool = False) -> None:
        self.fail_setup = fail_setup

    def setup(self) -> None:
        if self.fail_setup:
            raise HipcamError("pose model not found: /nowhere.task")

    def __call__(self, path: str) -> dict:
        name = Path(path).name
        if name.startswith("hang"):
            time.sleep(600)
        if name.startswith("crash"):
            os.abort()
        if name.startswith("exit"):
            os._exit(7)
        time.sleep(0.05)
        return {"status": "ok", "doc": {"name": name}, "plot_png": None, "error": None,
                "elapsed_s": 0.05, "worker": str(os.getpid())}


def _jobs(*names: str) -> list[Job]:
    return [Job(f"k-{n}", f"/videos/{n}") for n in names]


def test_pool_survives_hangs_and_crashes() -> None:
    got: dict[str, dict] = {}
    t0 = time.monotonic()
    run_local(_jobs("a.mp4", "hang.mp4", "crash.mp4", "b.mp4", "exit.mp4", "c.mp4", "d.mp4"),
              FakeTask(), lambda job, out: got.__setitem__(Path(job.path).name, out),
              workers=2, timeout_s=3.0)
    assert time.monotonic() - t0 < 60
    assert {k for k, v in got.items() if v["status"] == "ok"} == {"a.mp4", "b.mp4", "c.mp4", "d.mp4"}
    assert "timed out after 3 s" in got["hang.mp4"]["error"]
    assert "SIGABRT" in got["crash.mp4"]["error"]
    assert "exited with code 7" in got["exit.mp4"]["error"]
    # replaced workers did the later videos, and no process is left behind
    assert len({v["worker"] for v in got.values() if v["status"] == "ok"}) >= 2
    assert not multiprocessing.active_children()


def test_pool_interrupt_keeps_finished_and_stops_workers() -> None:
    got: list[str] = []

    def on_result(job: Job, out: dict) -> None:
        got.append(job.path)
        if len(got) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_local(_jobs("a.mp4", "b.mp4", "hang1.mp4", "hang2.mp4", "c.mp4"), FakeTask(), on_result,
                  workers=2, timeout_s=None)
    assert len(got) == 2
    assert not multiprocessing.active_children()


def test_pool_setup_failure_is_one_line_error() -> None:
    with pytest.raises(HipcamError, match="could not start: pose model not found"):
        run_local(_jobs("a.mp4"), FakeTask(fail_setup=True), lambda j, o: None, workers=1)
    assert not multiprocessing.active_children()
