"""The static HTML report of a batch: an index, one page per patient, one page per video.

Rendered from Jinja2 templates (``hipcam/templates/*.j2``) with autoescaping on: every
user-controlled string (paths, patient ids, dates, notes, error messages) is escaped by the
template engine, and only the report's own CSS and script are marked safe. Self-contained: plain
HTML, inline CSS (with a print layout) and a few lines of plain JavaScript (sorting, filtering),
PNG plots beside the pages; nothing is fetched from the network.

Every page starts with a provenance line (hipcam version, when the report was written, the
analysis settings). A leg that was not exercised (no reps) shows "–", not 0. Paths are shown
relative to the batch root (the folder holding every video), so a shared report does not carry
the clinic's absolute folder names.

The index table sorts by a click on a column header; ``index.html#sort=COLUMN`` or
``#sort=COLUMN:desc`` opens it sorted (COLUMN is a ``data-key`` such as ``left_longest_set``).
"""

from __future__ import annotations

import hashlib
import math
import os
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from hipcam import __version__
from hipcam.batch.inputs import parse_recorded_at
from hipcam.batch.outputs import BatchRow, batch_root, shown_path, shown_text, write_if_changed
from hipcam.colors import SCORE_LABELS, score_band
from hipcam.settrends import MIN_REPS, describe

PATIENTS_DIR = "patients"
LEGS = ("left", "right")

_SORT_JS = """
(function(){
  var table=document.getElementById('videos'); if(!table) return;
  var heads=table.tHead.rows[0].cells, body=table.tBodies[0];
  function val(row,i){var c=row.cells[i];var v=c.getAttribute('data-v');
    if(v===null) v=c.textContent.trim(); var n=parseFloat(v);
    return (v!==''&&isFinite(v)&&!isNaN(n))?[0,n]:[v===''?2:1,v.toLowerCase()];}
  function sortBy(i,desc){
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=val(a,i),y=val(b,i);
      if(x[0]!==y[0]) return x[0]-y[0];
      var r=x[1]<y[1]?-1:x[1]>y[1]?1:0; return desc?-r:r;});
    rows.forEach(function(r){body.appendChild(r);});
    for(var k=0;k<heads.length;k++) heads[k].className='';
    heads[i].className=desc?'desc':'asc';
    table.setAttribute('data-sorted-by',heads[i].getAttribute('data-key')+(desc?':desc':''));
  }
  for(var i=0;i<heads.length;i++)(function(i){heads[i].addEventListener('click',function(){
    sortBy(i,heads[i].className==='asc');});})(i);
  var m=/sort=([a-z_]+)(:desc)?/.exec(location.hash);
  if(m) for(var j=0;j<heads.length;j++) if(heads[j].getAttribute('data-key')===m[1]) sortBy(j,!!m[2]);
  var f=document.getElementById('filter');
  if(f) f.addEventListener('input',function(){var q=f.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){
      r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});
  table.setAttribute('data-js','ready');
})();
"""


@dataclass
class Provenance:
    """What every page's header says about how the report was made."""

    settings: list[tuple[str, str]] = field(default_factory=list)
    pause_break_s: float | None = None
    generated_at: str = ""
    version: str = __version__

    def __post_init__(self) -> None:
        if not self.generated_at:
            self.generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@lru_cache(maxsize=1)
def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("hipcam", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)
    env.filters["url"] = lambda rel: urllib.parse.quote(str(rel))
    env.globals.update(bar_pct=_bar_pct, band=score_band, fmt=_fmt,
                       band_label=lambda s: SCORE_LABELS[score_band(s)])
    return env


@lru_cache(maxsize=1)
def _css() -> str:
    from importlib.resources import files

    return files("hipcam").joinpath("templates", "report.css").read_text(encoding="utf-8")


def _render(template: str, prov: Provenance | None, target: int, **ctx) -> bytes:
    prov = prov or Provenance()
    html = _env().get_template(template).render(prov=prov, target=target, css=_css(),
                                                sort_js=_SORT_JS, **ctx)
    return html.encode()


def _fmt(x: float | None, spec: str) -> str:
    """A number for a table cell; "–" when there is none."""
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else spec % (x + 0.0)


def _bar_pct(n: float, target: int) -> float:
    """How full a progress bar is, in percent (0–100)."""
    return 100.0 * max(0.0, min(1.0, float(n) / target)) if target else 0.0


def patient_slug(patient_id: str) -> str:
    """A file-name-safe, collision-free page name for a patient id."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in patient_id)[:40]
    return f"{safe or 'patient'}-{hashlib.sha1(patient_id.encode()).hexdigest()[:8]}"


def _date_key(text: str) -> str:
    """A sort key for a ``recorded_at`` value that sorts as dates ('' when there is none)."""
    try:
        d = parse_recorded_at(text)
    except ValueError:
        return ""
    return d.isoformat() if d is not None else ""


def _when(r: BatchRow) -> datetime | None:
    try:
        return parse_recorded_at(r.entry.recorded_at)
    except ValueError:
        return None


def _sort_key(r: BatchRow) -> tuple:
    d = _when(r)
    return (d is None, d or datetime.min, r.entry.recorded_at, r.entry.path)


def _rel(path: str, root: str) -> str:
    return shown_path(path, root)


def _finite(x: object) -> float | int | None:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return x  # type: ignore[return-value]


def _legs(doc: dict | None) -> dict[str, dict]:
    """Per-leg figures for the tables; a leg with no reps (or no result) has None everywhere."""
    out = {}
    for leg in LEGS:
        d = (doc or {}).get("legs", {}).get(leg) or {}
        reps = d.get("reps")
        ex = bool(reps)
        out[leg] = {
            "exercised": ex,
            "reps": reps if ex else None,
            "longest_set": d.get("longest_continuous_set") if ex else None,
            "smoothness": _finite(d.get("smoothness_score")) if ex else None,
            "jerky_reps": d.get("jerky_reps") if ex else None,
            "mean_rom_deg": _finite(d.get("mean_rom_deg")) if ex else None,
            "sets": ", ".join(str(s["reps"]) for s in d.get("sets", [])) or "–",
            "trends": [{"number": k, "reps": s["reps"], "trend": s.get("trend"),
                        "text": describe(s.get("trend"))}
                       for k, s in enumerate(d.get("sets", []), start=1) if s.get("trend")],
            "reps_detail": _reps_detail(d),
        }
    return out


def _reps_detail(d: dict) -> list[dict]:
    """Each rep with the number of the continuous set it belongs to (1-based)."""
    detail = [dict(r) for r in d.get("reps_detail", [])]
    for k, s in enumerate(d.get("sets", []), start=1):
        first = s.get("first_rep")
        if first is None:  # older documents: sets by time
            for r in detail:
                if s["start_s"] - 1e-6 <= r["start_s"] <= s["end_s"] + 1e-6:
                    r["set"] = k
        else:
            for r in detail[first: first + s["reps"]]:
                r["set"] = k
    for r in detail:
        r.setdefault("set", None)
        r["smoothness_score"] = _finite(r.get("smoothness_score"))
    return detail


def _row_ctx(r: BatchRow, root: str) -> dict:
    e = r.entry
    rel = _rel(e.path, root)
    folder = os.path.dirname(rel)
    return {
        "path": rel, "name": Path(e.path).name, "folder": folder, "page": r.page_relpath,
        "error": shown_text(r.error, root),
        "status": r.status, "notes": e.notes, "patient_id": e.patient_id,
        "patient_href": f"{PATIENTS_DIR}/{patient_slug(e.patient_id)}.html" if e.patient_id else "",
        "recorded": e.recorded_at, "recorded_key": _date_key(e.recorded_at),
        "legs": _legs(r.doc),
    }


# ---------------------------------------------------------------------------------------------
# pages


def index_html(rows: list[BatchRow], target: int, totals_line: str,
               prov: Provenance | None = None) -> bytes:
    """The index page: every video in one sortable, filterable table."""
    root = batch_root([r.entry.path for r in rows])
    patients = sorted({r.entry.patient_id for r in rows if r.entry.patient_id})
    return _render("index.html.j2", prov, target, title="hipcam batch report", depth=0,
                   totals_line=totals_line, root=os.path.basename(root) if root else "",
                   rows=[_row_ctx(r, root) for r in rows],
                   patients=[{"id": p, "href": f"{PATIENTS_DIR}/{patient_slug(p)}.html"}
                             for p in patients])


def video_html(r: BatchRow, target: int, prov: Provenance | None = None, root: str = "") -> bytes:
    """One video's page: metadata, per-leg figures, warnings, the angle plot, a table of reps."""
    ctx = _row_ctx(r, root)
    ctx["path"] = _rel(r.entry.path, root)
    ctx["patient_href"] = f"../{ctx['patient_href']}" if ctx["patient_href"] else ""
    if r.doc is None:
        ctx["legs"] = None
    video = analysed_at = ""
    if r.doc is not None:
        v = r.doc["video"]
        video = (f"{v['duration_s']:.1f} s, {v['frames']} frames at {v['fps']:g} fps, "
                 f"{v['width']}×{v['height']}")
        analysed_at = r.doc.get("analysed_at", "")
    return _render("video.html.j2", prov, target, title=Path(r.entry.path).name, depth=1, **ctx,
                   min_trend_reps=MIN_REPS,
                   video=video, analysed_at=analysed_at, sha256=r.sha256,
                   warnings=(r.doc or {}).get("warnings") or [],
                   plot=Path(r.plot_relpath).name if r.has_plot and r.doc is not None else "",
                   json=Path(r.json_relpath).name if r.doc is not None else "")


def progress_png(rows: list[BatchRow], target: int) -> bytes:
    """Longest set per leg (against the target) and smoothness over the recordings, as PNG."""
    from hipcam.plots import ProgressPoint
    from hipcam.plots import progress_png as draw

    points = [ProgressPoint.from_legs(_when(r), Path(r.entry.path).name,
                                      {g: r.leg(g, "reps") for g in LEGS},
                                      {g: r.leg(g, "longest_continuous_set") for g in LEGS},
                                      {g: r.leg(g, "smoothness_score") for g in LEGS})
              for r in rows if r.doc is not None]
    return draw(points, target, title=f"Longest continuous set per recording ({len(points)})")


def patient_html(patient_id: str, rows: list[BatchRow], target: int, plot_name: str | None,
                 prov: Provenance | None = None, root: str = "") -> bytes:
    """One patient's page: the progress plot and their recordings in date order."""
    ctxs = [_row_ctx(r, root) for r in rows]
    best = {}
    for leg in LEGS:
        sets = [c["legs"][leg]["longest_set"] for c in ctxs if c["legs"][leg]["longest_set"] is not None]
        best[leg] = max(sets) if sets else None
    return _render("patient.html.j2", prov, target, title=f"Patient {patient_id}", depth=1,
                   patient_id=patient_id, rows=ctxs, best=best, plot=plot_name or "")


def write_video_page(out_dir: Path, row: BatchRow, target: int, prov: Provenance | None = None,
                     root: str = "") -> None:
    """Write one video's page."""
    write_if_changed(out_dir / row.page_relpath, video_html(row, target, prov, root))


def write_report(out_dir: Path, rows: list[BatchRow], target: int, totals_line: str,
                 prov: Provenance | None = None) -> Path:
    """Write ``index.html``, the patient pages (with plots) and the video pages; returns the index.

    A patient's plot file is named after a hash of what it shows, so unchanged plots are not
    redrawn when a batch is re-run; stale plots are removed. Video pages are written separately
    (:func:`write_video_page`), while each row still holds its full document.
    """
    root = batch_root([r.entry.path for r in rows])
    by_patient: dict[str, list[BatchRow]] = defaultdict(list)
    for r in rows:
        if r.entry.patient_id:
            by_patient[r.entry.patient_id].append(r)
    pdir = out_dir / PATIENTS_DIR
    keep: set[str] = set()
    for pid, prs in by_patient.items():
        prs.sort(key=_sort_key)
        slug = patient_slug(pid)
        plot_name = None
        if any(r.doc is not None for r in prs):
            fingerprint = repr([(r.entry.recorded_at, r.leg(g, "reps"), r.leg(g, "longest_continuous_set"),
                                 r.leg(g, "smoothness_score")) for r in prs if r.doc is not None
                                for g in LEGS] + [target, "plots/3"])
            plot_name = f"{slug}-progress-{hashlib.sha1(fingerprint.encode()).hexdigest()[:10]}.png"
            if not (pdir / plot_name).is_file():
                write_if_changed(pdir / plot_name, progress_png(prs, target))
            keep.add(plot_name)
        write_if_changed(pdir / f"{slug}.html", patient_html(pid, prs, target, plot_name, prov, root))
    for pid in by_patient:  # older plots of this batch's patients (other batches' are kept)
        for stale in pdir.glob(f"{patient_slug(pid)}-progress-*.png"):
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
    index = out_dir / "index.html"
    write_if_changed(index, index_html(rows, target, totals_line, prov))
    return index
