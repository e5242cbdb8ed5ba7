"""The counting side of a live session: calibration gate, analyser, SQLite, events.

:class:`LiveTracker` knows nothing about windows, sound or keys. It is fed one frame's pose at a
time (:meth:`LiveTracker.observe`) and says what happened as *events* — plain dicts, the very
JSON objects ``hipcam live --headless`` prints — through one ``emit`` callable. The window and the
sound (:mod:`hipcam.live.presentation`) are driven by the same events, so what the person sees
and hears is exactly what a headless consumer is told.

Events: ``calibration``, ``rep``, ``set_ending`` (a rest is about to end the set: ``seconds_left``),
``set_end``, ``target_reached`` (a set reached the target) and ``warning`` (framing and
coaching); :mod:`hipcam.live.app` adds ``start`` and ``summary``. Reps and sets are the shared
:class:`~hipcam.session.SessionAnalyzer`'s (the same events ``hipcam analyse`` gets); the tracker
stores them, adds the countdown and the target, and says so.

The first ~2 s are a calibration (:mod:`hipcam.live.calibration`); frames seen during it are held
back and fed to the analyser once the framing check passes, so when it passes at once every frame
is analysed exactly as ``hipcam analyse`` would.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hipcam import angles
from hipcam.live.calibration import CalibrationResult, Calibrator
from hipcam.live.coach import Coach, CoachMessage
from hipcam.pose import PoseSample
from hipcam.position import (
    NOT_IN_POSITION,
    lagging_leg_advice,
    leg_setup_advice,
    setup_advice,
)
from hipcam.reps import longest_set
from hipcam.session import (
    EDGE_ON_LIVE_WINDOW_S,
    LEGS,
    RepEvent,
    SessionAnalyzer,
    SetEndEvent,
    SideViewCalibration,
    edge_on_advice,
)
from hipcam.storage import SessionStore, StoredRep

Emit = Callable[[dict], None]
#: ``set_ending`` events start when this much of the set-breaking rest is left (at most 2/3 of
#: ``pause_break_s``, rounded down to whole seconds), one per whole second: 2, 1.
COUNTDOWN_S = 2.0
#: The per-leg position banner (:func:`hipcam.position.leg_setup_advice`) appears or goes only
#: once its new state has held this long.
LEG_BANNER_HOLD_S = 1.0
#: How often (s of video) the tracker asks whether a leg is seen edge-on behind the other
#: (:meth:`hipcam.session.SessionAnalyzer.behind_other_leg` over the last
#: :data:`hipcam.session.EDGE_ON_LIVE_WINDOW_S`).
EDGE_ON_CHECK_S = 1.0


@dataclass
class _LegLive:
    """Per leg, what live adds to the analyser's sets: the countdown and the target."""

    countdown_said: int | None = None  # last whole second announced by set_ending
    target_set: int = 0  # number of the last set that reached the target


def local_midnight_utc_iso() -> str:
    """Today's local midnight as an ISO-8601 UTC string (for "best today" look-ups)."""
    now = _dt.datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(_dt.timezone.utc).isoformat(timespec="seconds")


class LiveTracker:
    """Counting and storage bookkeeping of one live session.

    Parameters
    ----------
    fs_hz : the source's frame rate (the analyser's rate).
    target : reps in a row the person aims for.
    pause_break_s : a rest at least this long ends a set.
    emit : where events go (called on the caller's thread).
    calibrator : the start-up framing check, or None to analyse from the first frame.
    countdown_s : how long before a rest ends the set the ``set_ending`` countdown starts.
    """

    def __init__(self, fs_hz: float, target: int, pause_break_s: float, emit: Emit,
                 calibrator: Calibrator | None = None, countdown_s: float = COUNTDOWN_S,
                 side_view: SideViewCalibration | None = None) -> None:
        self.target = target
        self.pause_break_s = pause_break_s
        # whole seconds, and never through the ordinary short rests between reps
        self.countdown_s = float(math.floor(min(countdown_s, pause_break_s * 2 / 3)))
        self._emit = emit
        self.analyzer = SessionAnalyzer(fs_hz, pause_break_s, side_view=side_view)
        self.calibrator = calibrator
        self.calibration: CalibrationResult | None = None
        self.legs = {leg: _LegLive() for leg in LEGS}
        self.coach = Coach()
        self.store: SessionStore | None = None
        self.session_id: int | None = None
        self.db_path: Path | None = None
        self.best_today = {leg: 0 for leg in LEGS}
        self.t_s = 0.0  # source time of the newest frame
        self.first_t_s: float | None = None
        #: what the person should do before counting starts (calibration guidance), else empty
        self.guidance: list[str] = []
        self._held: list[tuple[float, PoseSample | None]] = []
        self._warned: set[str] = set()
        #: the position advice this tracker may show (cleared from the banner once it no longer holds)
        self._position_advice = ({NOT_IN_POSITION} | {lagging_leg_advice(leg) for leg in LEGS}
                                 | {edge_on_advice(leg) for leg in LEGS})
        self._behind: tuple[float, str | None] = (-math.inf, None)  # last check, leg edge-on
        self._leg_advice: tuple[str | None, float] = (None, 0.0)  # newest per-leg advice, since
        self._leg_advice_shown: str | None = None
        self._stored_reps: list[tuple] = []

    # -- storage ------------------------------------------------------------------------------
    def open_store(self, db_path: Path, source: str) -> None:
        """Open the database, read today's best sets and start a session row."""
        self.store = SessionStore(db_path)
        self.db_path = db_path
        today = local_midnight_utc_iso()
        self.best_today = {leg: self.store.best_set_since(today, leg) for leg in LEGS}
        self.session_id = self.store.start_session(source, self.target)

    @property
    def calibrated(self) -> bool:
        """True once frames go to the analyser (calibration passed, or none asked for)."""
        return self.calibrator is None or self.calibration is not None

    # -- events -------------------------------------------------------------------------------
    def warn(self, kind: str, message: str, once: bool = True, **extra) -> None:
        """A ``warning`` event (once per kind and text unless ``once`` is False)."""
        key = f"{kind}:{message}"
        if once and key in self._warned:
            return
        self._warned.add(key)
        self._emit({"event": "warning", "kind": kind, "message": message, "t_s": round(self.t_s, 3),
                    **extra})

    def _coach(self, msgs: list[CoachMessage]) -> None:
        for m in msgs:
            self._emit({"event": "warning", "kind": m.kind, "leg": m.leg, "message": m.text,
                        "t_s": round(self.t_s, 3)})

    # -- frames -------------------------------------------------------------------------------
    def observe(self, t_s: float, sample: PoseSample | None) -> None:
        """One processed frame's pose (None: nobody found)."""
        if self.first_t_s is None:
            self.first_t_s = t_s
        self.t_s = t_s
        if self.calibrated:
            self._push(t_s, sample)
        else:
            self._calibrate(t_s, sample)

    def tick(self, t_s: float) -> None:
        """Time passed without a processed frame (paused): keep the clock for events."""
        if self.first_t_s is None:
            self.first_t_s = t_s
        self.t_s = t_s

    def _push(self, t_s: float, sample: PoseSample | None) -> None:
        for ev in self.analyzer.push(t_s, sample):
            self._on_event(ev)
        self._coach(self.coach.frame(t_s, sample))
        self._countdown()
        # not in the exercise position: the analyser counts nothing; say how to sit instead
        if sample is None and self.guidance and self.guidance[0] in self._position_advice:
            return  # a frame without a person changes nothing: keep the banner as it is
        advice = setup_advice(self.analyzer.gate, t_s)
        # one leg in position, the other not (seen, far less of the time)? That banner changes
        # only once its new state has held for LEG_BANNER_HOLD_S (no flashes at the edges)
        an = self.analyzer
        leg_advice = None if advice is not None else leg_setup_advice(
            an.gate, t_s, an.seen_now, {leg: an.swings_out_of_position(leg) for leg in LEGS},
            {leg: len(an.reps(leg)) for leg in LEGS})
        if advice is None and leg_advice is None:  # a leg seen edge-on behind the other?
            if t_s - self._behind[0] >= EDGE_ON_CHECK_S:  # (the last EDGE_ON_LIVE_WINDOW_S)
                self._behind = (t_s, next((leg for leg in LEGS if an.behind_other_leg(
                    leg, EDGE_ON_LIVE_WINDOW_S)), None))
            if self._behind[1] is not None:
                leg_advice = edge_on_advice(self._behind[1])
        if leg_advice != self._leg_advice[0]:
            self._leg_advice = (leg_advice, t_s)
        if t_s - self._leg_advice[1] >= LEG_BANNER_HOLD_S:
            self._leg_advice_shown = self._leg_advice[0]
        advice = advice if advice is not None else self._leg_advice_shown
        if advice is not None:
            self.guidance = [advice]
            self.warn("position", advice)
        elif self.guidance and self.guidance[0] in self._position_advice:
            self.guidance = []

    def _calibrate(self, t_s: float, sample: PoseSample | None, final: bool = False) -> None:
        """Hold frames until the framing passes, then release them to the analyser."""
        calib = self.calibrator
        assert calib is not None
        held = self._held
        held.append((t_s, sample))
        res = calib.evaluate() if final else calib.add(t_s, sample)
        if res is None:
            self.guidance = ["calibrating: sit still with both legs in view"]
            return
        if not res.ok:
            self.guidance = list(res.problems)
            for p in res.problems:
                self.warn("framing", p)
            if not final:  # keep only the frames of the current (sliding) window
                t_first = calib.window[0][0]
                held[:] = [h for h in held if h[0] >= t_first]
            return
        self.calibration = res
        self.guidance = []
        if self.store is not None and self.session_id is not None:
            self.store.set_rest_angles(self.session_id, res.rest_deg)
        self._emit({"event": "calibration", "t_s": round(t_s, 3), **res.to_dict()})
        for leg, fraction in res.foot_cut.items():
            if fraction >= angles.FOOT_CUT_WARN_FRACTION:
                self.warn("framing", angles.foot_cut_warning(leg, fraction), leg=leg)
        if not res.still:
            self.warn("calibration", "you moved during calibration: rest angle taken from the lowest "
                                     "positions")
        for t, s in held:
            self._push(t, s)
        held.clear()

    # -- reps and sets (kept by the analyser; here they are stored and told) ------------------
    def _on_event(self, ev: RepEvent | SetEndEvent) -> None:
        if isinstance(ev, SetEndEvent):
            self._on_set_end(ev)
        else:
            self._on_rep(ev)

    def _on_rep(self, ev: RepEvent) -> None:
        leg, res = ev.leg, ev.result
        r = res.rep
        L = self.legs[leg]
        L.countdown_said = None
        rep = StoredRep(leg, ev.count, ev.set_number, r.start_s, r.peak_s, r.end_s,
                        float(res.range_of_motion_deg),
                        res.smoothness_score, res.sparc, res.ldlj, res.jerky)
        row = (rep, ev.current_set, ev.set_start_s, ev.set_smoothness_score, ev.best_set,
               ev.leg_smoothness_score)
        self._stored_reps.append(row)
        if self.store is not None and self.session_id is not None:
            self.store.add_rep(self.session_id, *row)
        d = res.to_dict()
        self._emit({"event": "rep", "leg": leg, "count": ev.count, "set": ev.set_number,
                    "current_set": ev.current_set,
                    "best_set_today": max(self.best_today[leg], ev.best_set),
                    "t_s": round(self.t_s, 3), **{k: d[k] for k in (
                        "start_s", "peak_s", "end_s", "duration_s", "rom_deg", "smoothness_score",
                        "sparc", "ldlj", "jerky")}})
        if ev.current_set >= self.target and L.target_set != ev.set_number:
            L.target_set = ev.set_number
            self._emit({"event": "target_reached", "leg": leg, "set": ev.set_number,
                        "reps": ev.current_set, "target": self.target,
                        "smoothness_score": _round1(ev.set_smoothness_score), "t_s": round(self.t_s, 3)})
        self._coach(self.coach.rep(leg, res))

    def _on_set_end(self, ev: SetEndEvent) -> None:
        self.legs[ev.leg].countdown_said = None
        self._emit({"event": "set_end", "leg": ev.leg, "set": ev.number, "reps": ev.set.reps,
                    "start_s": round(ev.set.start_s, 3), "end_s": round(ev.set.end_s, 3),
                    "smoothness_score": _round1(ev.smoothness_score), "reason": ev.reason,
                    "t_s": round(ev.t_s, 3)})

    def _countdown(self) -> None:
        """``set_ending`` in the last :attr:`countdown_s` before a rest ends an open set."""
        an = self.analyzer
        for leg in LEGS:
            L = self.legs[leg]
            since = an.rest_since_s(leg) if an.set_open(leg) and an.t_s else None
            if since is None:  # no open set, or a rep under way
                L.countdown_said = None
                continue
            sets = an.sets(leg)
            left_s = self.pause_break_s - (since - sets[-1].end_s)
            if 0 < left_s <= self.countdown_s:
                whole = math.ceil(left_s)
                if L.countdown_said is None or whole < L.countdown_said:
                    L.countdown_said = whole
                    self._emit({"event": "set_ending", "leg": leg, "set": len(sets),
                                "reps": sets[-1].reps, "seconds_left": round(left_s, 2),
                                "t_s": round(self.t_s, 3)})

    def break_set(self) -> None:
        """The ``r`` key: close every open set; the next rep starts a new one."""
        for ev in self.analyzer.break_set():
            self._on_event(ev)

    # -- end ----------------------------------------------------------------------------------
    def finish(self, status: str) -> None:
        """Flush the analyser, close the sets, finish the database row (call once)."""
        if self._held and self.calibrator is not None and self.calibration is None:
            # the source ended inside the first window: analyse what there is if framed well
            last = self._held.pop()
            self._calibrate(*last, final=True)
        if self.calibrated:  # the reps waiting for their scoring pad; the open sets close
            for ev in self.analyzer.finish():
                self._on_event(ev)
        if self.store is not None and self.session_id is not None:
            for row in self._stored_reps:  # re-write all: a rep interrupted mid-commit is not lost
                self.store.add_rep(self.session_id, *row)
            self.store.end_session(self.session_id, status, self.duration_s)
            self.store.close()

    @property
    def duration_s(self) -> float:
        """Source time from the first to the newest frame."""
        return self.t_s - self.first_t_s if self.first_t_s is not None else 0.0

    def summary_legs(self) -> dict:
        """The ``legs`` object of the ``hipcam.analysis/1`` JSON, and the live sets per leg."""
        return {leg: self.analyzer.leg_result(leg).to_dict() for leg in LEGS}

    def live_sets(self) -> dict:
        """Sets and best set per leg as counted live."""
        return {leg: {"sets": len(self.analyzer.sets(leg)), "best_set": longest_set(self.analyzer.sets(leg))}
                for leg in LEGS}

    def count(self, leg: str) -> int:
        """Reps of ``leg`` so far."""
        return len(self.analyzer.reps(leg))


def _round1(x: float) -> float | None:
    return round(x, 1) if math.isfinite(x) else None
