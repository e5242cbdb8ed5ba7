"""The live loop: newest frame → pose → :class:`~hipcam.session.SessionAnalyzer` → events.

One :class:`LiveSession` runs on the main thread (OpenCV windows must): it takes the newest frame
from the capture thread (:mod:`hipcam.live.camera`), runs the pose model, feeds the same streaming
analyser ``hipcam analyse`` uses, and turns its rep events into HUD updates, sounds, SQLite rows
and JSON events. The first ~2 s are a calibration (:mod:`hipcam.live.calibration`); frames seen
during it are held back and fed to the analyser once the framing check passes, so when it passes
at once every frame is analysed exactly as ``analyse`` would.

Events (``emit``): ``calibration``, ``rep``, ``set_end``, ``warning`` and, last, ``summary``
whose ``legs`` object is the ``legs`` object of the ``hipcam.analysis/1`` JSON.
"""

from __future__ import annotations

import datetime as _dt
import math
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
from hipcam.live import hud as hudmod
from hipcam.live.audio import Announcer
from hipcam.live.calibration import CALIBRATION_S, CalibrationResult, Calibrator
from hipcam.live.camera import FrameSource, LiveFrame
from hipcam.live.coach import Coach, CoachMessage
from hipcam.pose import PoseEstimator, PoseSample
from hipcam.position import NOT_IN_POSITION, setup_advice
from hipcam.reps import DEFAULT_PAUSE_BREAK_S, longest_set
from hipcam.session import LEGS, RepEvent, SessionAnalyzer, SetEndEvent
from hipcam.storage import SessionStore, StoredRep

WINDOW_NAME = "hipcam live"
#: Coaching messages stay on the HUD this long.
MESSAGE_S = 4.0
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


def _local_midnight_utc_iso() -> str:
    now = _dt.datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(_dt.timezone.utc).isoformat(timespec="seconds")


class LiveSession:
    """Run one live session; see the module docstring."""

    def __init__(self, cfg: LiveConfig) -> None:
        self.cfg = cfg
        self.render_hud = cfg.window if cfg.render_hud is None else cfg.render_hud
        self.hud = hudmod.HudState(target=cfg.target)
        self.coach = Coach()
        self.store: SessionStore | None = None
        self.session_id: int | None = None
        self.analyzer: SessionAnalyzer | None = None
        self.calibration: CalibrationResult | None = None
        self.paused = False
        self._messages: list[tuple[float, str]] = []
        self._warned: set[str] = set()
        self._stored_reps: list[tuple] = []
        self._first_t: float | None = None
        self._last_t: float = 0.0
        self._latency_at: list[float] = []
        self._outcome: LiveOutcome | None = None

    # -- events ---------------------------------------------------------------------------
    def _emit(self, event: dict) -> None:
        if self.cfg.emit is not None:
            self.cfg.emit(event)

    def _warn(self, kind: str, message: str, once: bool = True, **extra) -> None:
        key = f"{kind}:{message}"
        if once and key in self._warned:
            return
        self._warned.add(key)
        self._emit({"event": "warning", "kind": kind, "message": message, "t_s": round(self._last_t, 3),
                    **extra})

    def _coach(self, msgs: list[CoachMessage]) -> None:
        for m in msgs:
            self._messages.append((time.monotonic(), m.text))
            self._emit({"event": "warning", "kind": m.kind, "leg": m.leg, "message": m.text,
                        "t_s": round(self._last_t, 3)})

    # -- reps and sets (kept by the analyser; here they are shown, stored and announced) ---------
    def _on_event(self, ev: RepEvent | SetEndEvent) -> None:
        if isinstance(ev, SetEndEvent):
            self._on_set_end(ev)
        else:
            self._on_rep(ev)

    def _on_rep(self, ev: RepEvent) -> None:
        leg, res = ev.leg, ev.result
        r = res.rep
        h = self.hud.legs[leg]
        h.count, h.current_set = ev.count, ev.current_set
        h.best_set_today = max(h.best_set_today, ev.current_set)
        h.last_rom_deg = float(r.peak_deg)
        h.last_score = float(res.smoothness_score) if math.isfinite(res.smoothness_score) else None
        rep = StoredRep(leg, ev.count, ev.set_number, r.start_s, r.peak_s, r.end_s, float(r.peak_deg),
                        res.smoothness_score, res.sparc, res.ldlj, res.jerky)
        row = (rep, ev.current_set, ev.set_start_s, ev.set_smoothness_score, ev.best_set,
               ev.leg_smoothness_score)
        self._stored_reps.append(row)
        if self.store is not None and self.session_id is not None:
            self.store.add_rep(self.session_id, *row)
        d = res.to_dict()
        self._emit({"event": "rep", "leg": leg, "count": ev.count, "set": ev.set_number,
                    "current_set": ev.current_set,
                    "t_s": round(self._last_t, 3), **{k: d[k] for k in (
                        "start_s", "peak_s", "end_s", "duration_s", "rom_deg", "smoothness_score",
                        "sparc", "ldlj", "jerky")}})
        self.audio.tick()
        if ev.current_set % 10 == 0:
            self.audio.say(f"{leg} {ev.current_set}")
        self._coach(self.coach.rep(leg, res))

    def _on_set_end(self, ev: SetEndEvent) -> None:
        score = ev.smoothness_score
        self._emit({"event": "set_end", "leg": ev.leg, "set": ev.number, "reps": ev.set.reps,
                    "start_s": round(ev.set.start_s, 3), "end_s": round(ev.set.end_s, 3),
                    "smoothness_score": round(score, 1) if math.isfinite(score) else None,
                    "reason": ev.reason, "t_s": round(ev.t_s, 3)})
        if ev.reason != "session_end":
            self.audio.say(f"{ev.leg} set done, {ev.set.reps} reps")
        self.hud.legs[ev.leg].current_set = 0

    def new_set(self) -> None:
        """The ``r`` key: close every open set; the next rep starts a new one."""
        if self.analyzer is not None:
            for ev in self.analyzer.break_set():
                self._on_event(ev)

    # -- frames ---------------------------------------------------------------------------
    def _push(self, t_s: float, sample: PoseSample | None) -> None:
        assert self.analyzer is not None
        for ev in self.analyzer.push(t_s, sample):
            self._on_event(ev)
        self._coach(self.coach.frame(t_s, sample))
        # not in the exercise position: the analyser counts nothing; say how to sit instead
        advice = setup_advice(self.analyzer.gate, t_s)
        if advice is not None and not self.paused:
            if self.hud.banner != [advice]:
                self.hud.banner = [advice]
                self._warn("position", advice)
        elif self.hud.banner == [NOT_IN_POSITION]:
            self.hud.banner = []

    def _calibrate(self, calib: Calibrator, held: list, t_s: float, sample: PoseSample | None,
                   final: bool = False) -> None:
        """Hold frames until the framing passes, then release them to the analyser."""
        held.append((t_s, sample))
        res = calib.evaluate() if final else calib.add(t_s, sample)
        if res is None:
            self.hud.banner = ["calibrating: sit still with both legs in view"]
            return
        if not res.ok:
            self.hud.banner = list(res.problems)
            for p in res.problems:
                self._warn("framing", p)
            if not final:  # keep only the frames of the current (sliding) window
                t_first = calib.window[0][0]
                held[:] = [h for h in held if h[0] >= t_first]
            return
        self.calibration = res
        self.hud.banner = []
        if self.store is not None and self.session_id is not None:
            self.store.set_rest_angles(self.session_id, res.rest_deg)
        self._emit({"event": "calibration", "t_s": round(t_s, 3), **res.to_dict()})
        if not res.still:
            self._warn("calibration", "you moved during calibration: rest angle taken from the lowest "
                                      "positions")
        for t, s in held:
            self._push(t, s)
        held.clear()

    # -- main loop ------------------------------------------------------------------------
    def run(self) -> LiveOutcome:
        """Run until the source ends, ``q``/Esc, ``max_seconds`` or an interrupt; always saves."""
        cfg = self.cfg
        if cfg.window and sys.platform.startswith("linux") and not (
                os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise HipcamError("no display for the window: run with --headless, or set DISPLAY", 2)
        src = FrameSource(cfg.source, realtime=cfg.realtime, loop=cfg.loop, record_path=cfg.record)
        self.audio = Announcer(enabled=cfg.sound)
        est: PoseEstimator | None = None
        status = "interrupted"
        latencies: list[float] = []
        inference: list[float] = []
        processed = 0
        try:
            self.analyzer = SessionAnalyzer(src.fps, cfg.pause_break_s)
            if cfg.db_path is not None:
                self.store = SessionStore(cfg.db_path)
                today = _local_midnight_utc_iso()
                for leg in LEGS:
                    self.hud.legs[leg].best_set_today = self.store.best_set_since(today, leg)
                self.session_id = self.store.start_session(cfg.source, cfg.target)
            est = PoseEstimator(cfg.model)
            if src.realtime:
                # the first inference builds the graph (slow): do it before the clock starts, or the
                # first second of frames would be dropped and the first rep cut short
                est.detect(np.zeros((max(src.height, 16), max(src.width, 16), 3), np.uint8), -1.0)
            calib = Calibrator(src.width or 640, src.height or 480, cfg.calibration_s) \
                if cfg.calibration_s > 0 else None
            held: list[tuple[float, PoseSample | None]] = []
            self._emit({"event": "start", "source": cfg.source, "kind": src.kind,
                        "fps": round(src.fps, 3), "realtime": src.realtime,
                        "session_id": self.session_id,
                        "db": str(cfg.db_path) if cfg.db_path else None})
            if cfg.window:
                cv2.namedWindow(WINDOW_NAME, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
                cv2.moveWindow(WINDOW_NAME, 0, 0)
            src.start()
            last_seq = -1
            fps_ema = 0.0
            last_mono = time.monotonic()
            max_age = STALE_FRACTION / src.fps
            while True:
                fr: LiveFrame | None = src.get(last_seq, timeout_s=0.25, max_age_s=max_age)
                if fr is None:
                    if src.status == "lost":
                        status = "camera_lost"
                        break
                    if src.status == "ended":
                        status = "ended"
                        break
                    if cfg.window and self._handle_keys(cv2.waitKey(1)):
                        status = "completed"
                        break
                    continue
                last_seq = fr.seq
                if self._first_t is None:
                    self._first_t = fr.t_s
                self._last_t = fr.t_s
                xy = vis = None
                if not self.paused:
                    rgb = cv2.cvtColor(fr.bgr, cv2.COLOR_BGR2RGB)
                    t0 = time.perf_counter()
                    sample = est.detect(rgb, fr.t_s)
                    inference.append(time.perf_counter() - t0)
                    processed += 1
                    if sample is not None:
                        xy, vis = sample.image_xy_px, sample.visibility
                    if calib is not None and self.calibration is None:
                        self._calibrate(calib, held, fr.t_s, sample)
                    else:
                        self._push(fr.t_s, sample)
                now = time.monotonic()
                dt = now - last_mono
                last_mono = now
                if dt > 0:
                    fps_ema = 1.0 / dt if fps_ema == 0 else 0.9 * fps_ema + 0.1 / dt
                if self.render_hud:
                    canvas = self._render(fr, xy, vis, fps_ema)
                    if cfg.window:
                        cv2.imshow(WINDOW_NAME, canvas)
                        key = cv2.waitKey(1)
                        if self._handle_keys(key) or self._window_closed():
                            status = "completed"
                            latencies.append(time.monotonic() - fr.captured_mono_s)
                            self._latency_at.append(fr.t_s)
                            break
                latencies.append(time.monotonic() - fr.captured_mono_s)
                self._latency_at.append(fr.t_s)
                if cfg.max_seconds is not None and fr.t_s - self._first_t >= cfg.max_seconds:
                    status = "completed"
                    break
            if calib is not None and self.calibration is None and held:
                # the source ended inside the first window: analyse what there is if framed well
                self._calibrate(calib, held, *held.pop(), final=True)
        except BaseException as exc:
            status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
            try:  # save what was counted; the original error is the one to report
                self._finalize(status, src, processed, latencies, inference)
            except Exception:  # noqa: BLE001
                pass
            raise
        finally:
            if est is not None:
                est.close()
            if cfg.window:
                cv2.destroyAllWindows()
                cv2.waitKey(1)
        outcome = self._finalize(status, src, processed, latencies, inference)
        if status == "camera_lost":
            done = ", ".join(f"{leg} {len(self.analyzer.reps(leg)) if self.analyzer else 0}"
                             for leg in LEGS)
            saved = f"session {self.session_id} saved" if self.session_id is not None else "not stored"
            raise CameraError(f"camera lost after {self._last_t - (self._first_t or 0):.1f} s "
                              f"({src.error or 'no frames'}); reps so far: {done}; {saved}")
        return outcome

    def _handle_keys(self, key: int) -> bool:
        """True when the user asked to quit."""
        if key < 0:
            return False
        k = key & 0xFF
        if k in (ord("q"), 27):
            return True
        if k == ord(" "):
            self.paused = not self.paused
            self.hud.banner = ["PAUSED - press space to continue"] if self.paused else []
        elif k == ord("r"):
            self.new_set()
        elif k == ord("m"):
            self.audio.muted = not self.audio.muted
            self.hud.muted = self.audio.muted
        return False

    @staticmethod
    def _window_closed() -> bool:
        try:
            return cv2.getWindowProperty(WINDOW_NAME, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def _render(self, fr: LiveFrame, xy: np.ndarray | None, vis: np.ndarray | None,
                fps: float) -> np.ndarray:
        now = time.monotonic()
        self._messages = [(t, m) for t, m in self._messages if now - t < MESSAGE_S]
        self.hud.messages = [m for _, m in self._messages]
        self.hud.fps = fps
        self.hud.quiet = not self.cfg.sound
        self.hud.t_s = fr.t_s
        return hudmod.render(fr.bgr, self.hud, xy, vis)

    def _finalize(self, status: str, src: FrameSource, processed: int, latencies: list[float],
                  inference: list[float]) -> LiveOutcome:
        """Flush the analyser, close sets, write the store, emit the summary. Runs once."""
        if self._outcome is not None:
            return self._outcome
        src.close()
        if self.analyzer is not None and (self.calibration is not None or self.cfg.calibration_s <= 0):
            for ev in self.analyzer.finish():
                self._on_event(ev)
        duration = (self._last_t - self._first_t) if self._first_t is not None else 0.0
        if self.store is not None and self.session_id is not None:
            for row in self._stored_reps:  # re-write all: a rep interrupted mid-commit is not lost
                self.store.add_rep(self.session_id, *row)
            self.store.end_session(self.session_id, status, duration)
            self.store.close()
        legs = {leg: self.analyzer.leg_result(leg).to_dict() for leg in LEGS} if self.analyzer else {}
        summary = {
            "event": "summary", "status": status, "session_id": self.session_id,
            "db": str(self.cfg.db_path) if self.cfg.db_path else None,
            "hipcam_version": __version__, "analysis_version": ANALYSIS_VERSION,
            "source": self.cfg.source, "kind": src.kind, "realtime": src.realtime,
            "fps": round(src.fps, 4), "duration_s": round(duration, 3),
            "frames_captured": src.frames_captured, "frames_processed": processed,
            "frames_dropped": src.dropped, "target_reps": self.cfg.target,
            "calibration": self.calibration.to_dict() if self.calibration else None,
            "live_sets": {leg: {"sets": len(self.analyzer.sets(leg)) if self.analyzer else 0,
                                "best_set": longest_set(self.analyzer.sets(leg)) if self.analyzer else 0}
                          for leg in LEGS},
            "latency_ms": _pcts(latencies), "inference_ms": _pcts(inference),
            "legs": legs,
        }
        self._emit(summary)
        self.audio.close()
        self._outcome = LiveOutcome(status, self.session_id, summary, latencies,
                                    list(self._latency_at), inference, processed,
                                    src.dropped)
        return self._outcome


def _pcts(xs_s: list[float]) -> dict:
    if not xs_s:
        return {"p50": None, "p95": None, "n": 0}
    a = np.asarray(xs_s) * 1000.0
    return {"p50": round(float(np.percentile(a, 50)), 2), "p95": round(float(np.percentile(a, 95)), 2),
            "n": len(a)}
