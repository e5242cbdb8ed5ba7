"""Reporting for one analysed video: human summary, JSON, per-frame CSV, plot, annotated video.

All writers create parent folders, write to a temporary file and rename it into place, so a
failure half-way (disk full, interrupted) never leaves a truncated result behind.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np

from hipcam import TARGET_REPS, csvsafe


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to an output path safely: see :func:`hipcam.safe_output.write_bytes`.

    A regular file is replaced atomically (temporary file, fsync, rename: on any failure the old
    file is left untouched and no temporary file remains); a symbolic link is written through;
    ``-`` is standard output; a device or FIFO is written in place. Raises :class:`OutputError`.
    """
    from hipcam.safe_output import write_bytes

    write_bytes(path, data)


def _fmt(x: float | None, spec: str = ".0f", none: str = "–") -> str:
    return none if x is None or (isinstance(x, float) and not math.isfinite(x)) else format(x, spec)


def summary_text(doc: dict, target: int = TARGET_REPS) -> str:
    """A short human summary per leg from a ``hipcam.analysis/1`` document."""
    from hipcam.session import LEGS  # here, not at the top: keeps ``import hipcam.report`` light

    v = doc["video"]
    lines = [f"{v['path']}: {v['duration_s']:.1f} s, {v['frames']} frames at {v['fps']:.3g} fps"]
    for leg in LEGS:
        d = doc["legs"][leg]
        if not d["reps"]:
            lines.append(f"  {leg:5s} leg: not exercised (no reps)")
            continue
        best = d["longest_continuous_set"]
        pct = min(100.0, 100.0 * best / target) if target else 0.0
        bar = "#" * int(round(pct / 5)) + "." * (20 - int(round(pct / 5)))
        lines.append(
            f"  {leg:5s} leg: {d['reps']:3d} reps, longest continuous set {best:3d} "
            f"[{bar}] {pct:.0f}% of {target}")
        lines.append(
            f"             mean range of motion {_fmt(d['mean_rom_deg'], '.0f')}°, "
            f"smoothness {_fmt(d['smoothness_score'])}/100, "
            f"jerky reps {d['jerky_reps']}, sets {[s['reps'] for s in d['sets']]}")
        from hipcam.settrends import describe, longest_set_trend

        _, trend = longest_set_trend(d)
        if trend:
            lines.append(f"             longest set, {describe(trend)}")
    for w in doc.get("warnings", []):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)


def json_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode()


def csv_bytes(series: dict[str, np.ndarray]) -> bytes:
    """Per-sample angles as CSV (one row per analysis sample; empty cells are missing values)."""
    cols = list(series)
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\n")
    w.writerow(cols)
    arrays = [np.asarray(series[c], dtype=float) for c in cols]
    for i in range(len(arrays[0])):
        w.writerow(["" if not math.isfinite(a[i]) else f"{a[i]:.4f}" for a in arrays])
    return buf.getvalue().encode()


def plot_png(doc: dict, series: dict[str, np.ndarray], target: int = TARGET_REPS) -> bytes:
    """Angle vs time per leg with reps marked and coloured by smoothness, as PNG bytes.

    See :func:`hipcam.plots.angle_png` (kept here for the callers of ``hipcam.report``).
    """
    from hipcam.plots import angle_png

    return angle_png(doc, series, target)
