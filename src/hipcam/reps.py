"""Repetition detector and set grouping for one leg. Pure Python/numpy, no I/O.

A rep is one excursion of the leg from rest into external rotation and back. The detector is a
small state machine fed one sample at a time (the rest-relative, low-passed angle in degrees), so
the same object serves ``hipcam live`` and ``hipcam analyse``; the offline path simply feeds the
whole series (:func:`detect_reps`).

Thresholds adapt to the person's range of motion (ROM) without tuning:

* a rep **starts** when the angle rises above ``enter = clip(0.4 · ROM, 6°, 9°)`` where ROM is
  the median peak of the last five reps (12° before the first): fidgets and jitter below 5°
  never start a rep (6° leaves room for the rest angle's own jitter), and 10°–45° reps all do;
* it **returns** when the angle falls below ``leave = clip(0.25 · peak, 2.5°, enter − 2.5°)``
  (hysteresis of at least 2.5°), and **ends** once it is back near rest
  (≤ max(1°, 0.1 · peak)), has turned upward again, or 0.6 s after returning;
* a return that stops short of rest and swings out again (a "valley" below half the peak followed
  by a rise of max(4°, 0.25 · peak)) ends the rep there and starts the next one;
* a rep must last between :data:`MIN_REP_S` and :data:`MAX_REP_S`; a gap in the pose longer than
  the resampler bridges (or a stretch out of the exercise position) aborts the rep in progress,
  and the next rep can only start once the leg has been seen back at rest;
* a leg that stays still (within :data:`STILL_BAND_DEG`) away from rest for :data:`MAX_HOLD_S`
  has changed its posture: that excursion is not a rep, and no rep starts until the rest angle
  has caught up (:class:`RestAngle` moves to the new posture after :data:`POSTURE_S`).

Only external rotation counts: the angle is positive toward the other leg and the detector only
looks upward from rest, so internal rotation (foot outward) is never a rep *as long as the rest
angle does not follow the leg down*. :class:`RestAngle` makes sure of that: the rolling low
percentile of the last seconds (which adapts to slow drift and tracks rest during a long set) is
never allowed below the angle at which the leg was last seen *still* near rest, minus
:data:`REST_BELOW_ANCHOR_DEG`; a new still level only replaces that anchor after
:data:`POSTURE_S` of stillness (a lasting change of posture).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MIN_ENTER_DEG = 6.0
MAX_ENTER_DEG = 9.0
MIN_HYSTERESIS_DEG = 2.5
INITIAL_ROM_DEG = 12.0
MIN_REP_S = 0.35
MAX_REP_S = 12.0
SETTLE_S = 0.6
DEFAULT_PAUSE_BREAK_S = 3.0
#: Stillness: the low-passed angle stays within a band this wide (deg).
STILL_BAND_DEG = 3.0
#: An excursion held still this long is a change of posture, not a rep.
MAX_HOLD_S = 2.5
#: Still this long at a new level, and the rest angle moves there (> MAX_HOLD_S on purpose).
POSTURE_S = 3.0
#: Still this long near rest, and the rest anchor follows (slow drift).
REST_STILL_S = 0.5
#: The rest angle never goes more than this below the still-rest anchor (deg).
REST_BELOW_ANCHOR_DEG = 2.5
#: A still level within this of the anchor is the same rest (deg).
REST_NEAR_DEG = 4.0


class _StillBand:
    """How long a signal has stayed within a band of :data:`STILL_BAND_DEG` (O(1) a sample)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.lo = self.hi = math.nan
        self.since_t = math.nan
        self.sum = 0.0
        self.n = 0

    def step(self, t_s: float, x: float) -> float:
        """Add a sample; return how long (s) the signal has been still up to now."""
        if not math.isfinite(x):
            self.reset()
            return 0.0
        lo = x if not x >= self.lo else self.lo
        hi = x if not x <= self.hi else self.hi
        if not (hi - lo <= STILL_BAND_DEG):
            lo = hi = x
            self.since_t, self.sum, self.n = t_s, 0.0, 0
        if math.isnan(self.since_t):
            self.since_t = t_s
        self.lo, self.hi = lo, hi
        self.sum += x
        self.n += 1
        return t_s - self.since_t

    @property
    def level(self) -> float:
        return self.sum / self.n if self.n else math.nan


def _rolling_baseline(fs_hz: float):  # noqa: ANN202 - imported late: scipy is slow to import
    from hipcam.filtering import RollingBaseline

    return RollingBaseline(fs_hz)


class RestAngle:
    """The leg's rest angle (deg), which does not follow the leg into look-alike movements.

    ``step(t_s, x)`` takes the low-passed absolute angle (NaN = gap) and returns the rest angle:
    the rolling 10th percentile (:class:`~hipcam.filtering.RollingBaseline`) held no lower than
    the *still-rest anchor* minus :data:`REST_BELOW_ANCHOR_DEG`. The anchor is the level at which
    the leg was still for :data:`REST_STILL_S` near it (it follows slow drift), or for
    :data:`POSTURE_S` anywhere (a new posture), or for :data:`REST_STILL_S` back at the posture
    before that (the way back from a shift). So internal rotations, which swing below rest,
    cannot drag it down, and the way back from one is not an external rotation.
    """

    def __init__(self, fs_hz: float) -> None:
        self._fs_hz = fs_hz
        self._p10 = _rolling_baseline(fs_hz)
        self._band = _StillBand()
        self.anchor_deg = math.nan
        self._previous_deg = math.nan  # the anchor before the last posture change
        self.shifts = 0  # how many times a new posture replaced the anchor

    def step(self, t_s: float, x: float) -> float:
        p10 = self._p10.step(x)
        still_s = self._band.step(t_s, x)
        if still_s >= REST_STILL_S:
            level = self._band.level
            if math.isnan(self.anchor_deg):
                self.anchor_deg = level
            elif abs(level - self.anchor_deg) <= REST_NEAR_DEG:
                self.anchor_deg += 0.05 * (level - self.anchor_deg)
            elif (abs(level - self._previous_deg) <= REST_NEAR_DEG
                  or still_s >= POSTURE_S):
                # back to the posture before the last change (at once), or a new one (after
                # POSTURE_S of stillness)
                back = abs(level - self._previous_deg) <= REST_NEAR_DEG
                self._previous_deg = math.nan if back else self.anchor_deg
                self.anchor_deg = level
                self.shifts += 1
                self._p10 = _rolling_baseline(self._fs_hz)  # forget the old posture
                p10 = self._p10.step(x)
        if math.isnan(self.anchor_deg) or not math.isfinite(p10):
            return p10
        return max(p10, self.anchor_deg - REST_BELOW_ANCHOR_DEG)


@dataclass(frozen=True)
class Rep:
    """One detected repetition (times in seconds from the video, indices into the grid)."""

    start_s: float
    peak_s: float
    end_s: float
    peak_deg: float  # rest-relative peak angle: the rep's range of motion
    start_index: int
    peak_index: int
    end_index: int
    final_index: int  # sample at which the detector became sure (end_index ≤ final_index)


@dataclass(frozen=True)
class RepSet:
    """Consecutive reps separated by less than the pause break."""

    start_s: float
    end_s: float
    reps: int
    first_rep: int  # index into the leg's rep list


class RepDetector:
    """Online rep detector for one leg; :meth:`update` returns a :class:`Rep` when one ends."""

    def __init__(self) -> None:
        self.peaks_deg: list[float] = []
        self._state = "rest"
        self._i = -1
        self._hold = _StillBand()
        self._shifted = True  # wait for the leg at rest (start, gaps, posture changes)
        self._rest_now = self._rest_at_start = math.nan
        self.posture_changes = 0
        self._reset_rest(math.nan, -1, math.nan)

    # -- thresholds -----------------------------------------------------------------------
    # (plain-float medians and clips: these run for every sample, and equal the numpy versions)
    @property
    def rom_estimate_deg(self) -> float:
        recent = sorted(self.peaks_deg[-5:])
        if not recent:
            return INITIAL_ROM_DEG
        m = len(recent) // 2
        return float(recent[m] if len(recent) % 2 else (recent[m - 1] + recent[m]) / 2.0)

    @property
    def enter_deg(self) -> float:
        return min(max(0.4 * self.rom_estimate_deg, MIN_ENTER_DEG), MAX_ENTER_DEG)

    @property
    def in_rep(self) -> bool:
        """True from a rep's start until it ends (or is rejected)."""
        return self._state != "rest"

    @property
    def earliest_next_start_s(self) -> float | None:
        """The earliest time (s) at which the next rep could be found to start, or ``None``
        while a rep is in progress. A rep's start is never before the current rest candidate,
        so once this lies ``pause_break_s`` past the last rep's end the set has surely ended."""
        if self._state != "rest":
            return None
        return self._cand_t if math.isfinite(self._cand_t) else None

    def _leave_deg(self, peak: float) -> float:
        return min(max(0.25 * peak, MIN_HYSTERESIS_DEG), self.enter_deg - MIN_HYSTERESIS_DEG)

    # -- state ----------------------------------------------------------------------------
    def _reset_rest(self, t: float, i: int, x: float) -> None:
        self._state = "rest"
        self._cand_t, self._cand_i, self._cand_x = t, i, x

    def _begin(self, start_t: float, start_i: int, t: float, x: float) -> None:
        self._state = "out"
        self._rest_at_start = self._rest_now
        self._hold.reset()
        self._start_t, self._start_i = start_t, start_i
        self._peak_t, self._peak_i, self._peak_x = t, self._i, x
        self._valley_t, self._valley_i, self._valley_x = t, self._i, x

    def update(self, t_s: float, angle_deg: float, rest_deg: float = math.nan) -> Rep | None:
        """Feed one grid sample: time (s) and rest-relative filtered angle (deg, NaN = gap).

        ``rest_deg``, the rest angle itself, is optional: when given, an excursion during which
        the rest moved (the leg changed posture and came back) is not a rep."""
        self._rest_now = rest_deg
        self._i += 1
        i, x = self._i, angle_deg
        if not math.isfinite(x):
            # after a gap (or a stretch out of position) the leg must be seen at rest before a
            # rep can start: coming back mid-movement is not the start of a rep
            self._reset_rest(math.nan, -1, math.nan)
            self._shifted = True
            return None
        if self._state != "rest" and self._hold.step(t_s, x) >= MAX_HOLD_S:
            # held still away from rest: a change of posture, not a rep
            self.posture_changes += 1
            self._shifted = True
            self._reset_rest(t_s, i, x)
            return None
        if self._shifted:
            if x <= max(1.0, 0.1 * self.rom_estimate_deg):
                self._shifted = False
                self._reset_rest(t_s, i, x)
            return None
        if self._state == "rest":
            level = max(1.0, 0.1 * self.rom_estimate_deg)
            if not math.isfinite(self._cand_x) or x <= level or x <= self._cand_x:
                self._cand_t, self._cand_i = t_s, i
                self._cand_x = min(x, self._cand_x) if math.isfinite(self._cand_x) else x
            if x > self.enter_deg:
                self._begin(self._cand_t, self._cand_i, t_s, x)
            return None
        if self._state == "out":
            if x > self._peak_x:
                self._peak_t, self._peak_i, self._peak_x = t_s, i, x
                self._valley_t, self._valley_i, self._valley_x = t_s, i, x
            elif x < self._valley_x:
                self._valley_t, self._valley_i, self._valley_x = t_s, i, x
            # a return that stops short of rest and swings out again: split at the valley
            if (self._valley_x < 0.5 * self._peak_x
                    and x - self._valley_x > max(4.0, 0.25 * self._peak_x)):
                rep = self._finish(self._valley_t, self._valley_i, i)
                self._begin(self._valley_t, self._valley_i, t_s, x)
                return rep
            if x < self._leave_deg(self._peak_x):
                self._state = "return"
                self._return_t = t_s
                self._min_t, self._min_i, self._min_x = t_s, i, x
            return None
        # state == "return"
        if x < self._min_x:
            self._min_t, self._min_i, self._min_x = t_s, i, x
        near_rest = x <= max(1.0, 0.1 * self._peak_x)
        turned_up = x > self._min_x + 1.0
        timed_out = t_s - self._return_t >= SETTLE_S
        if x > self.enter_deg and x > self._min_x + MIN_HYSTERESIS_DEG:
            rep = self._finish(self._min_t, self._min_i, i)
            self._begin(self._min_t, self._min_i, t_s, x)
            return rep
        if near_rest or turned_up or timed_out:
            end_t, end_i = (t_s, i) if near_rest else (self._min_t, self._min_i)
            rep = self._finish(end_t, end_i, i)
            self._reset_rest(end_t, end_i, x)
            return rep
        return None

    def _finish(self, end_t: float, end_i: int, final_i: int) -> Rep | None:
        duration = end_t - self._start_t
        if not (MIN_REP_S <= duration <= MAX_REP_S) or self._peak_x <= self.enter_deg:
            return None
        if abs(self._rest_now - self._rest_at_start) > max(REST_NEAR_DEG, 0.3 * self._peak_x):
            return None  # measured against a rest that moved: a change of posture, not a rep
        self.peaks_deg.append(self._peak_x)
        return Rep(self._start_t, self._peak_t, end_t, self._peak_x,
                   self._start_i, self._peak_i, end_i, final_i)


def detect_reps(t_s: np.ndarray, angle_deg: np.ndarray) -> list[Rep]:
    """Offline detection over a whole uniform series (exactly the online detector, in a loop)."""
    det = RepDetector()
    reps = []
    for t, x in zip(np.asarray(t_s, float), np.asarray(angle_deg, float), strict=True):
        rep = det.update(float(t), float(x))
        if rep is not None:
            reps.append(rep)
    return reps


def group_sets(reps: list[Rep], pause_break_s: float = DEFAULT_PAUSE_BREAK_S) -> list[RepSet]:
    """Group reps into continuous sets: a rest of ``pause_break_s`` or more starts a new set."""
    sets: list[RepSet] = []
    first = 0
    for k in range(1, len(reps) + 1):
        if k == len(reps) or reps[k].start_s - reps[k - 1].end_s >= pause_break_s:
            if k > first:
                sets.append(RepSet(reps[first].start_s, reps[k - 1].end_s, k - first, first))
            first = k
    return sets


def longest_set(sets: list[RepSet]) -> int:
    """Number of reps in the longest continuous set (0 when there are none)."""
    return max((s.reps for s in sets), default=0)
