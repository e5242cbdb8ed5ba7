"""Short coaching messages: jerky rep, too fast, thigh moving, leg not visible.

Rules (per leg):

* **jerky** — the rep's smoothness score is below 50 (:data:`hipcam.smoothness.JERKY_BELOW`);
* **too fast** — the rep took less than :data:`TOO_FAST_S`;
* **thigh moving** — the knee travelled sideways more than :data:`MAX_KNEE_TRAVEL` shin lengths
  during the rep (the rotation should come from the hip, with the thigh still on the bed);
* **not visible** — knee or ankle not visible for :data:`NOT_VISIBLE_S` in a row.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from hipcam import pose
from hipcam.angles import LEG_LANDMARKS, LEGS, MIN_VISIBILITY
from hipcam.session import RepResult

TOO_FAST_S = 1.0
MAX_KNEE_TRAVEL = 0.25
NOT_VISIBLE_S = 1.0
_HISTORY_S = 20.0
_IDX = {leg: (j.knee, j.ankle) for leg, j in LEG_LANDMARKS.items()}


@dataclass(frozen=True)
class CoachMessage:
    """One message: ``kind`` in jerky / too_fast / thigh_moving / not_visible."""

    leg: str
    kind: str
    text: str


class Coach:
    """Feed every frame (:meth:`frame`) and every rep (:meth:`rep`); both return new messages."""

    def __init__(self) -> None:
        self._knee: dict[str, deque[tuple[float, float, float]]] = {leg: deque() for leg in LEGS}
        self._missing_since: dict[str, float | None] = {leg: None for leg in LEGS}
        self._warned_missing = {leg: False for leg in LEGS}

    def frame(self, t_s: float, sample: pose.PoseSample | None) -> list[CoachMessage]:
        """Track knee position and visibility; a ``not_visible`` message once per episode."""
        out = []
        for leg, (knee, ankle) in _IDX.items():
            vis = sample.visibility if sample is not None else None
            if sample is not None and vis is not None and min(vis[knee], vis[ankle]) >= MIN_VISIBILITY:
                shin = float(np.linalg.norm(sample.image_xy_px[ankle] - sample.image_xy_px[knee]))
                hist = self._knee[leg]
                hist.append((t_s, float(sample.image_xy_px[knee, 0]), shin))
                while hist and t_s - hist[0][0] > _HISTORY_S:
                    hist.popleft()
                self._missing_since[leg] = None
                self._warned_missing[leg] = False
                continue
            since = self._missing_since[leg]
            if since is None:
                self._missing_since[leg] = t_s
            elif t_s - since >= NOT_VISIBLE_S and not self._warned_missing[leg]:
                self._warned_missing[leg] = True
                out.append(CoachMessage(leg, "not_visible",
                                        f"{leg} leg not visible: keep knee and foot in the picture"))
        return out

    def rep(self, leg: str, result: RepResult) -> list[CoachMessage]:
        """Messages about one finished rep."""
        out = []
        r = result.rep
        if result.jerky:
            out.append(CoachMessage(leg, "jerky", f"{leg}: jerky - move at an even, steady pace"))
        if r.end_s - r.start_s < TOO_FAST_S:
            out.append(CoachMessage(leg, "too_fast",
                                    f"{leg}: too fast - take at least {TOO_FAST_S:.0f} s per rep"))
        pts = [(x, s) for t, x, s in self._knee[leg] if r.start_s <= t <= r.end_s]
        if len(pts) >= 3:
            xs = np.array([p[0] for p in pts])
            shin = float(np.median([p[1] for p in pts]))
            if shin > 0 and (xs.max() - xs.min()) / shin > MAX_KNEE_TRAVEL:
                out.append(CoachMessage(leg, "thigh_moving", f"{leg}: keep the thigh still on the bed"))
        return out
