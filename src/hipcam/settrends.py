"""The road to 100: how a set changes from its first reps to its last (pure numpy, no I/O).

Someone who stalls at 50 reps usually does not stop at once: the range of motion shrinks, the
reps speed up or drag, the movement gets jerkier. For each continuous set this module compares the
first ``N`` reps with the last ``N`` and fits a straight line per rep number, for three figures:

- ``rom_deg``: range of motion of the rep (degrees);
- ``duration_s``: how long the rep took (seconds; its tempo);
- ``smoothness``: the rep's 0–100 smoothness score.

``N`` is :data:`WINDOW_REPS` (20) or, for shorter sets, a third of the set (at least 3); sets of
fewer than :data:`MIN_REPS` reps get no comparison (a trend over a handful of reps is noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Reps compared at each end of a set ("first 20 vs last 20").
WINDOW_REPS = 20
#: A set shorter than this has no trend.
MIN_REPS = 10
#: The per-rep figures compared, with the key they have in a rep's ``reps_detail`` entry.
FIGURES = {"rom_deg": "rom_deg", "duration_s": "duration_s", "smoothness": "smoothness_score"}


def window_size(n_reps: int) -> int:
    """Reps compared at each end of a set of ``n_reps`` (0 when the set is too short)."""
    if n_reps < MIN_REPS:
        return 0
    return int(min(WINDOW_REPS, max(3, n_reps // 3)))


def _mean(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else None


def _slope(y: np.ndarray) -> float | None:
    """Least-squares slope of ``y`` against the rep number (units per rep), NaNs ignored."""
    k = np.flatnonzero(np.isfinite(y))
    if k.size < 3 or np.ptp(k) == 0:
        return None
    return float(np.polyfit(k.astype(float), y[k], 1)[0])


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, nd)


def set_trend(values: dict[str, Sequence[float | None]]) -> dict | None:
    """First-vs-last and per-rep trend of one set.

    ``values`` maps each figure of :data:`FIGURES` to the set's per-rep values in order (None or
    NaN for a rep without that figure). Returns None for a set shorter than :data:`MIN_REPS`, else
    ``{"window": N, "first": {...}, "last": {...}, "change": {...}, "per_rep": {...}}`` where
    ``change`` is last minus first (e.g. ``rom_deg: -4.0`` = the last reps were 4° smaller) and
    ``per_rep`` the fitted slope per rep.
    """
    arrays = {f: np.array([np.nan if v is None else float(v) for v in values.get(f, [])], float)
              for f in FIGURES}
    n = max((a.size for a in arrays.values()), default=0)
    w = window_size(n)
    if w == 0:
        return None
    first = {f: _mean(a[:w]) for f, a in arrays.items()}
    last = {f: _mean(a[-w:]) for f, a in arrays.items()}
    change = {f: (last[f] - first[f]) if first[f] is not None and last[f] is not None else None
              for f in FIGURES}
    nd = {"rom_deg": 1, "duration_s": 2, "smoothness": 1}
    return {
        "window": w,
        "first": {f: _r(v, nd[f]) for f, v in first.items()},
        "last": {f: _r(v, nd[f]) for f, v in last.items()},
        "change": {f: _r(v, nd[f]) for f, v in change.items()},
        "per_rep": {f: _r(_slope(a), 4) for f, a in arrays.items()},
    }


def add_set_trends(doc: dict) -> dict:
    """Add ``trend`` to every set of a ``hipcam.analysis/1`` document (in place; returns it).

    A set's reps are those of ``reps_detail`` whose start lies within the set's time span.
    """
    for leg in doc.get("legs", {}).values():
        reps = leg.get("reps_detail") or []
        for s in leg.get("sets", []):
            members = [r for r in reps if s["start_s"] - 1e-6 <= r["start_s"] <= s["end_s"] + 1e-6]
            s["trend"] = set_trend({f: [r.get(key) for r in members] for f, key in FIGURES.items()})
    return doc


def longest_set_trend(leg: dict) -> tuple[int, dict | None]:
    """(1-based number, trend) of a leg's longest set in an analysis document (0, None if none)."""
    sets = leg.get("sets") or []
    if not sets:
        return 0, None
    k = max(range(len(sets)), key=lambda i: sets[i]["reps"])
    return k + 1, sets[k].get("trend")


def describe(trend: dict | None) -> str:
    """One line a person can read: how the last reps of a set compare with its first."""
    if not trend:
        return "set too short to compare its first and last reps"
    w, c, first = trend["window"], trend["change"], trend["first"]
    parts = []
    if c["rom_deg"] is not None:
        parts.append(f"range {round(c['rom_deg']) + 0:+d}°")
    if c["duration_s"] is not None and first["duration_s"]:
        parts.append(f"rep time {round(100 * c['duration_s'] / first['duration_s']) + 0:+d}%")
    if c["smoothness"] is not None:
        parts.append(f"smoothness {round(c['smoothness']) + 0:+d}")
    return f"last {w} vs first {w} reps: " + ", ".join(parts)
