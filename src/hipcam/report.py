"""Reporting for one analysed video: human summary, JSON, per-frame CSV, plot, annotated video.

All writers create parent folders, write to a temporary file and rename it into place, so a
failure half-way (disk full, interrupted) never leaves a truncated result behind.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from hipcam import TARGET_REPS
from hipcam.errors import OutputError


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename.

    Either the whole new file appears or nothing changes: on any failure (disk full, permission,
    interrupt) the temporary file is removed and the previous file, if any, is left untouched.
    An existing non-regular target (``/dev/stdout``, a FIFO, a device) cannot be replaced by a
    rename and is written directly. Raises :class:`OutputError` on ``OSError``.
    """
    p = Path(path)
    try:
        if p.exists() and not p.is_file() and not p.is_dir():
            fd = os.open(p, os.O_WRONLY)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            return
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
        try:
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, p)
        except BaseException:
            with_suppress_unlink(tmp)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {p}: {exc.strerror or exc}") from None


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until everything is written (a short write is not an error by itself)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - would loop forever
            raise OSError(28, os.strerror(28))
        view = view[n:]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def with_suppress_unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


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
    w = csv.writer(buf, lineterminator="\n")
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
