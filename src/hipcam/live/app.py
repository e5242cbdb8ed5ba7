"""The live loop: capture → pose → counting → presentation, on the main thread.

Three pieces, each readable on its own:

* capture — :mod:`hipcam.live.camera`: a thread that always hands over the newest frame (and
  records the raw video);
* counting — :mod:`hipcam.live.session`: calibration gate, the shared
  :class:`~hipcam.session.SessionAnalyzer`, sets, SQLite, and the events;
* presentation — :mod:`hipcam.live.presentation`: the window, HUD, sound and keys, driven by
  the same events.

:class:`LiveSession` ties them together (OpenCV windows must run on the main thread): it takes
the newest frame, runs the pose model, feeds the tracker, and shows the HUD. Events (``emit``):
``start``, ``calibration``, ``rep``, ``set_ending``, ``set_end``, ``target_reached``, ``warning``
and, last, ``summary`` whose ``legs`` object is the ``legs`` object of the ``hipcam.analysis/1``
JSON.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from hipcam import ANALYSIS_VERSION, __version__
from hipcam.errors import CameraError, HipcamError
from hipcam.live.calibration import CALIBRATION_S, Calibrator
from hipcam.live.camera import FrameSource, LiveFrame
from hipcam.live.presentation import NEW_SET, PAUSE, QUIT, Presenter
from hipcam.live.session import LiveTracker
from hipcam.pose import PoseEstimator
from hipcam.reps import DEFAULT_PAUSE_BREAK_S
from hipcam.session import side_view_calibration

#: In real-time mode, a frame older than this fraction of a frame interval is passed over for the
#: next one when it is due within the interval (lower latency than processing a stale frame).
STALE_FRACTION = 0.5


@dataclass
class LiveConfig:
    """Options of one live session (the ``hipcam live`` command line, minus parsing)."""

    source: str = "0"
    realtime: bool = True  # files: play at real speed, dropping frames (False: every frame)
    loop: bool = False  # files: start again at the end
    target: int = 100
    pause_break_s: float = DEFAULT_PAUSE_BREAK_S
    model: str | None = None
    db_path: Path | None = None  # None: do not store the session
    record: str | None = None
    window: bool = True
    render_hud: bool | None = None  # draw the HUD even without a window (benchmark); default = window
    sound: bool = True
    max_seconds: float | None = None  # stop after this much source time
    calibration_s: float = CALIBRATION_S  # 0: skip the calibration window
    ui_scale: float = 1.0  # HUD text and panel size factor
    fullscreen: bool = False  # open the window full screen (f toggles)
    emit: Callable[[dict], None] | None = None  # event sink


@dataclass
class LiveOutcome:
    """What a finished session reports back (for the command and the benchmark)."""

    status: str  # completed | ended (source finished) | interrupted | camera_lost | failed
    session_id: int | None
    summary: dict
    latencies_s: list[float]  # capture → HUD updated, per processed frame
    latency_at_s: list[float]  # source time of each latency sample
    inference_s: list[float]
    frames_processed: int
    frames_dropped: int


class LiveSession:
    """Run one live session; see the module docstring."""

    def __init__(self, cfg: LiveConfig) -> None:
        self.cfg = cfg
        self.presenter: Presenter | None = None  # made in run(), once there is a display
        self.tracker: LiveTracker | None = None
        self._latencies: list[float] = []
        self._latency_at: list[float] = []
        self._inference: list[float] = []
        self._processed = 0
        self._outcome: LiveOutcome | None = None

    def _emit(self, event: dict) -> None:
        if self.presenter is not None:
            self.presenter.on_event(event)
        if self.cfg.emit is not None:
            self.cfg.emit(event)

    def run(self) -> LiveOutcome:
        """Run until the source ends, ``q``/Esc, ``max_seconds`` or an interrupt; always saves."""
        cfg = self.cfg
        if cfg.window and sys.platform.startswith("linux") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise HipcamError("no display for the window: run with --headless, or set DISPLAY", 2)
        src = FrameSource(cfg.source, realtime=cfg.realtime, loop=cfg.loop, record_path=cfg.record)
        self.presenter = Presenter(cfg.target, window=cfg.window, render=cfg.render_hud,
                                   sound=cfg.sound, ui_scale=cfg.ui_scale, fullscreen=cfg.fullscreen)
        est: PoseEstimator | None = None
        status = "interrupted"
        try:
            calib = Calibrator(src.width or 640, src.height or 480, cfg.calibration_s) \
                if cfg.calibration_s > 0 else None
            self.tracker = tracker = LiveTracker(
                src.fps, cfg.target, cfg.pause_break_s, self._emit, calib,
                side_view=side_view_calibration(cfg.model))
            if cfg.db_path is not None:
                tracker.open_store(cfg.db_path, cfg.source)
                self.presenter.set_best_today(tracker.best_today)
            est = PoseEstimator(cfg.model)
            if src.realtime:
                # the first inference builds the graph (slow): do it before the clock starts, or the
                # first second of frames would be dropped and the first rep cut short
                est.detect(np.zeros((max(src.height, 16), max(src.width, 16), 3), np.uint8), -1.0)
            self._emit({"event": "start", "source": cfg.source, "kind": src.kind,
                        "fps": round(src.fps, 3), "realtime": src.realtime,
                        "session_id": tracker.session_id,
                        "db": str(cfg.db_path) if cfg.db_path else None})
            self.presenter.open()
            src.start()
            status = self._loop(src, est, tracker)
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            try:  # save what was counted; the original error is the one to report
                self._finalize(status, src)
            except Exception:  # noqa: BLE001
                pass
            raise
        finally:
            if est is not None:
                est.close()
        outcome = self._finalize(status, src)
        if status == "camera_lost":
            done = ", ".join(f"{leg} {tracker.count(leg)}" for leg in tracker.legs)
            sid = tracker.session_id
            saved = f"session {sid} saved" if sid is not None else "not stored"
            raise CameraError(f"camera lost after {tracker.duration_s:.1f} s "
                              f"({src.error or 'no frames'}); reps so far: {done}; {saved}")
        return outcome

    def _loop(self, src: FrameSource, est: PoseEstimator, tracker: LiveTracker) -> str:
        """Frames until the end; the session's status."""
        cfg, pres = self.cfg, self.presenter
        last_seq = -1
        fps_ema = 0.0
        last_mono = time.monotonic()
        max_age = STALE_FRACTION / src.fps
        while True:
            fr: LiveFrame | None = src.get(last_seq, timeout_s=0.25, max_age_s=max_age)
            if fr is None:
                if src.status == "lost":
                    return "camera_lost"
                if src.status == "ended":
                    return "ended"
                if self._act(pres.poll()):
                    return "completed"
                continue
            last_seq = fr.seq
            xy = vis = None
            if pres.paused:
                tracker.tick(fr.t_s)
            else:
                rgb = cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB)
                t0 = time.perf_counter()
                sample = est.detect(rgb, fr.t_s)
                self._inference.append(time.perf_counter() - t0)
                self._processed += 1
                if sample is not None:
                    xy, vis = sample.image_xy_px, sample.visibility
                tracker.observe(fr.t_s, sample)
            now = time.monotonic()
            dt = now - last_mono
            last_mono = now
            if dt > 0:
                fps_ema = 1.0 / dt if fps_ema == 0 else 0.9 * fps_ema + 0.1 / dt
            quit_ = self._act(pres.show(fr.bgr, xy, vis, fr.t_s, fps_ema, tracker.guidance))
            self._latencies.append(time.monotonic() - fr.captured_mono_s)
            self._latency_at.append(fr.t_s)
            if quit_:
                return "completed"
            if cfg.max_seconds is not None and tracker.duration_s >= cfg.max_seconds:
                return "completed"

    def _act(self, action: str | None) -> bool:
        """Carry out a key's action; True to quit."""
        if action == QUIT:
            return True
        if action == PAUSE:
            self.presenter.paused = not self.presenter.paused
        elif action == NEW_SET and self.tracker is not None:
            self.tracker.break_set()
        return False

    def _finalize(self, status: str, src: FrameSource) -> LiveOutcome:
        """Flush the analyser, close sets, write the store, emit the summary. Runs once."""
        if self._outcome is not None:
            return self._outcome
        src.close()
        if self.presenter is not None:
            self.presenter.close_window()
        tracker = self.tracker
        if tracker is not None:
            tracker.finish(status)
        if src.record_error is not None:
            self._emit({"event": "warning", "kind": "record", "t_s": round(tracker.t_s if tracker else 0, 3),
                        "message": f"the recording failed: {src.record_error}"})
        summary = {
            "event": "summary", "status": status,
            "session_id": tracker.session_id if tracker else None,
            "db": str(self.cfg.db_path) if self.cfg.db_path else None,
            "hipcam_version": __version__, "analysis_version": ANALYSIS_VERSION,
            "source": self.cfg.source, "kind": src.kind, "realtime": src.realtime,
            "fps": round(src.fps, 4), "duration_s": round(tracker.duration_s if tracker else 0.0, 3),
            "frames_captured": src.frames_captured, "frames_processed": self._processed,
            "frames_dropped": src.dropped, "target_reps": self.cfg.target,
            "calibration": tracker.calibration.to_dict() if tracker and tracker.calibration else None,
            "live_sets": tracker.live_sets() if tracker else {},
            "record": {"path": self.cfg.record, "frames": src.frames_recorded,
                       "error": src.record_error} if self.cfg.record else None,
            "latency_ms": _pcts(self._latencies), "inference_ms": _pcts(self._inference),
            "legs": tracker.summary_legs() if tracker else {},
        }
        self._emit(summary)
        if self.presenter is not None:
            self.presenter.close()
        self._outcome = LiveOutcome(status, tracker.session_id if tracker else None, summary,
                                    self._latencies, list(self._latency_at), self._inference,
                                    self._processed, src.dropped)
        return self._outcome


def _pcts(xs_s: list[float]) -> dict:
    if not xs_s:
        return {"p50": None, "p95": None, "n": 0}
    a = np.asarray(xs_s) * 1000.0
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "n": len(a)}
