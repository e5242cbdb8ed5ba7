"""Batch outputs other than the HTML report: ``summary.csv`` and one JSON (and plot) per video.

Files are written atomically and only when their content changed, so re-running a finished batch
touches nothing. Paths in them are relative to the batch root (the folder holding every video of
the batch, :func:`batch_root`), so outputs shared with others do not carry the absolute folder
names of the machine they were made on.
"""

from __future__ import annotations

import copy
import io
import math
import os
from dataclasses import dataclass
from pathlib import Path

from hipcam import csvsafe
from hipcam.batch.inputs import VideoEntry
from hipcam.report import atomic_write_bytes, json_bytes

SUMMARY_COLUMNS = (
    "path", "patient_id", "recorded_at", "notes",
    "left_reps", "right_reps", "left_longest_set", "right_longest_set",
    "left_smoothness", "right_smoothness", "left_jerky_reps", "right_jerky_reps",
    "left_mean_rom_deg", "right_mean_rom_deg", "duration_s",
    "status", "error", "warnings", "sha256", "json",
)
VIDEOS_DIR = "videos"


def batch_root(paths: list[str]) -> str:
    """The folder that holds every video of the batch ('' when there is none in common)."""
    parents = [os.path.dirname(p) for p in paths if os.path.isabs(p)]
    if not parents:
        return ""
    try:
        return os.path.commonpath(parents)
    except ValueError:  # different drives (Windows)
        return ""


def shown_path(path: str, root: str) -> str:
    """``path`` relative to the batch ``root`` (unchanged when it is not below it)."""
    if root and os.path.isabs(path):
        try:
            rel = os.path.relpath(path, root)
        except ValueError:
            return path
        return path if rel.startswith(os.pardir) else rel
    return path


def shown_text(text: str, root: str) -> str:
    """A message (e.g. an error) with the batch root's absolute folder taken out of its paths."""
    return text.replace(root + os.sep, "") if root and text else text


@dataclass
class BatchRow:
    """One video of the batch with its result (``doc`` is None when it failed)."""

    entry: VideoEntry
    status: str  # "ok" or "failed"
    error: str = ""
    sha256: str = ""
    doc: dict | None = None
    plot_png: bytes | None = None
    has_plot: bool = False
    from_earlier_run: bool = False

    @property
    def json_relpath(self) -> str:
        return f"{VIDEOS_DIR}/{self.entry.row_id}.json" if self.doc is not None else ""

    @property
    def plot_relpath(self) -> str:
        return f"{VIDEOS_DIR}/{self.entry.row_id}.png" if self.has_plot else ""

    @property
    def page_relpath(self) -> str:
        return f"{VIDEOS_DIR}/{self.entry.row_id}.html"

    def leg(self, leg: str, key: str) -> float | int | None:
        """A per-leg figure from the analysis document (None when failed or missing)."""
        if self.doc is None:
            return None
        value = self.doc["legs"][leg].get(key)
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value

    def video_doc(self, root: str = "") -> dict | None:
        """The analysis document with ``video.path`` set to this row's path (below ``root``)."""
        if self.doc is None:
            return None
        doc = copy.deepcopy(self.doc)
        doc["video"]["path"] = shown_path(self.entry.path, root)
        return doc


    def slim(self) -> None:
        """Drop what the summary and the index do not need (plot bytes, per-rep details)."""
        self.plot_png = None
        if self.doc is not None:
            self.doc = {**self.doc, "legs": {leg: {k: v for k, v in d.items() if k != "reps_detail"}
                                             for leg, d in self.doc["legs"].items()}}


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically write ``data`` unless ``path`` already holds exactly it; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}" if math.isfinite(value) else ""
    return str(value)


def summary_csv_bytes(rows: list[BatchRow], root: str = "") -> bytes:
    """``summary.csv``: one row per video, columns :data:`SUMMARY_COLUMNS` (paths below ``root``)."""
    buf = io.StringIO()
    w = csvsafe.writer(buf, lineterminator="\n")
    w.writerow(SUMMARY_COLUMNS)
    for r in rows:
        e = r.entry
        doc = r.doc or {}
        w.writerow([_cell(v) for v in (
            shown_path(e.path, root), e.patient_id, e.recorded_at, e.notes,
            r.leg("left", "reps"), r.leg("right", "reps"),
            r.leg("left", "longest_continuous_set"), r.leg("right", "longest_continuous_set"),
            r.leg("left", "smoothness_score"), r.leg("right", "smoothness_score"),
            r.leg("left", "jerky_reps"), r.leg("right", "jerky_reps"),
            r.leg("left", "mean_rom_deg"), r.leg("right", "mean_rom_deg"),
            doc.get("video", {}).get("duration_s"),
            r.status, shown_text(r.error, root), "; ".join(doc.get("warnings", [])), r.sha256,
            r.json_relpath,
        )])
    return buf.getvalue().encode()


def write_video_files(out_dir: Path, row: BatchRow, root: str = "") -> None:
    """Write a scored video's ``hipcam.analysis/1`` JSON and its angle plot PNG."""
    doc = row.video_doc(root)
    if doc is not None:
        write_if_changed(out_dir / row.json_relpath, json_bytes(doc))
    if row.plot_png is not None:
        write_if_changed(out_dir / row.plot_relpath, row.plot_png)


def batch_json_bytes(rows: list[BatchRow], root: str, settings: dict, totals: str) -> bytes:
    """The ``hipcam.batch/1`` document: the batch's settings and every video's figures.

    One entry per video with the same per-leg figures as ``summary.csv`` (None for a leg not
    exercised is left to the reader: ``reps`` is 0 then), paths below the batch root.
    """
    import datetime as dt

    from hipcam import __version__

    keys = ("reps", "longest_continuous_set", "smoothness_score", "jerky_reps", "mean_rom_deg")
    videos = []
    for r in rows:
        e = r.entry
        videos.append({
            "path": shown_path(e.path, root), "patient_id": e.patient_id, "recorded_at": e.recorded_at,
            "notes": e.notes, "status": r.status, "error": shown_text(r.error, root) or None,
            "sha256": r.sha256 or None, "json": r.json_relpath or None,
            "legs": ({leg: {k: r.leg(leg, k) for k in keys} for leg in ("left", "right")}
                     if r.doc is not None else None),
        })
    doc = {"schema": "hipcam.batch/1", "hipcam_version": __version__,
           "written_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "settings": settings, "totals": totals, "videos": videos}
    return json_bytes(doc)


def write_summary(out_dir: Path, rows: list[BatchRow], root: str = "") -> Path:
    """Write ``summary.csv``; returns its path."""
    path = out_dir / "summary.csv"
    write_if_changed(path, summary_csv_bytes(rows, root))
    return path
