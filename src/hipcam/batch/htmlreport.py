"""The static HTML report of a batch: an index, one page per patient, one page per video.

Self-contained: plain HTML, inline CSS and a few lines of plain JavaScript (sorting, filtering),
PNG plots beside the pages; nothing is fetched from the network. Every user-controlled string
(paths, patient ids, dates, notes, error messages) goes through :func:`html.escape`.

The index table sorts by a click on a column header; ``index.html#sort=COLUMN`` or
``#sort=COLUMN:desc`` opens it sorted (COLUMN is a ``data-key`` such as ``left_longest_set``).
"""

from __future__ import annotations

import hashlib
import html
import io
import math
import urllib.parse
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from hipcam.batch.outputs import BatchRow, write_if_changed

PATIENTS_DIR = "patients"

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em 2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f5f7}
table.sortable th{cursor:pointer;user-select:none}
td.date{white-space:nowrap}
table.sortable th.asc::after{content:" \\25B2"}table.sortable th.desc::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.row-failed td{background:#fff1f0}
.ok{color:#1a7f37;font-weight:600}.failed{color:#c62828;font-weight:600}
.muted{color:#666}.err{color:#c62828;max-width:40em;word-break:break-word}
.path{word-break:break-all;min-width:16em;max-width:32em}
img.plot{max-width:100%;border:1px solid #ddd;margin:.5em 0}
.bar{display:inline-block;height:.7em;background:#2ca02c;vertical-align:middle}
.bartrack{display:inline-block;width:6em;height:.7em;background:#e8e8e8;margin-right:.4em}
input#filter{margin:.5em 0 1em;padding:.3em;width:24em}
"""

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


def esc(value: object) -> str:
    """HTML-escape anything (quotes included); None becomes an empty string."""
    return html.escape("" if value is None else str(value), quote=True)


def _href(relpath: str) -> str:
    return esc(urllib.parse.quote(relpath))


def _num(x: float | int | None, spec: str = ".0f") -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return '<td class="num" data-v="">–</td>'
    return f'<td class="num" data-v="{x}">{format(x, spec)}</td>'


def _page(title: str, body: str, depth: int = 0) -> bytes:
    up = "../" * depth
    nav = f'<p class="muted"><a href="{up}index.html">← all videos</a></p>' if depth else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>"
        f"{nav}{body}</body></html>\n"
    ).encode()


def patient_slug(patient_id: str) -> str:
    """A file-name-safe, collision-free page name for a patient id."""
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in patient_id)[:40]
    return f"{safe or 'patient'}-{hashlib.sha1(patient_id.encode()).hexdigest()[:8]}"


def _parse_date(text: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    for fmt in ("%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y %H:%M", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _sort_key(r: BatchRow) -> tuple:
    d = _parse_date(r.entry.recorded_at)
    return (d is None, d or datetime.min, r.entry.recorded_at, r.entry.path)


def _status_cell(r: BatchRow) -> str:
    return f'<td class="{esc(r.status)}">{esc(r.status)}</td>'


def _set_bar(n: int | float | None, target: int) -> str:
    if n is None:
        return '<td class="num" data-v="">–</td>'
    pct = max(0.0, min(1.0, float(n) / target)) if target else 0.0
    return (f'<td class="num" data-v="{n}"><span class="bartrack"><span class="bar" '
            f'style="width:{100 * pct:.0f}%"></span></span>{int(n)}</td>')


# ---------------------------------------------------------------------------------------------
# index


def index_html(rows: list[BatchRow], target: int, totals_line: str) -> bytes:
    """The index page: every video in one sortable, filterable table."""
    cols = [("path", "video"), ("patient_id", "patient"), ("recorded_at", "recorded"),
            ("left_reps", "left reps"), ("right_reps", "right reps"),
            ("left_longest_set", f"left longest set /{target}"),
            ("right_longest_set", f"right longest set /{target}"),
            ("left_smoothness", "left smooth."), ("right_smoothness", "right smooth."),
            ("left_jerky_reps", "left jerky"), ("right_jerky_reps", "right jerky"),
            ("status", "status"), ("notes", "notes")]
    head = "".join(f'<th data-key="{k}" title="sort">{esc(label)}</th>' for k, label in cols)
    body = []
    for r in rows:
        e = r.entry
        patient = (f'<a href="{_href(f"{PATIENTS_DIR}/{patient_slug(e.patient_id)}.html")}">'
                   f"{esc(e.patient_id)}</a>") if e.patient_id else ""
        body.append(
            f'<tr class="row-{esc(r.status)}">'
            f'<td class="path" data-v="{esc(e.path)}"><a href="{_href(r.page_relpath)}">'
            f"{esc(Path(e.path).name)}</a><br><span class=\"muted\">{esc(str(Path(e.path).parent))}"
            "</span>" + (f'<br><span class="err">{esc(r.error)}</span>' if r.error else "")
            + f"</td><td>{patient}</td>"
            f'<td class="date" data-v="{esc(e.recorded_at)}">{esc(e.recorded_at)}</td>'
            + _num(r.leg("left", "reps")) + _num(r.leg("right", "reps"))
            + _set_bar(r.leg("left", "longest_continuous_set"), target)
            + _set_bar(r.leg("right", "longest_continuous_set"), target)
            + _num(r.leg("left", "smoothness_score")) + _num(r.leg("right", "smoothness_score"))
            + _num(r.leg("left", "jerky_reps")) + _num(r.leg("right", "jerky_reps"))
            + _status_cell(r) + f"<td>{esc(e.notes)}</td></tr>")
    patients = sorted({r.entry.patient_id for r in rows if r.entry.patient_id})
    plist = ", ".join(
        f'<a href="{_href(f"{PATIENTS_DIR}/{patient_slug(p)}.html")}">{esc(p)}</a>' for p in patients)
    content = (
        "<h1>hipcam batch report</h1>"
        f"<p>{esc(totals_line)} · <a href=\"summary.csv\">summary.csv</a></p>"
        + (f"<p>Patients: {plist}</p>" if patients else "")
        + '<input id="filter" type="search" placeholder="filter rows (any text)…">'
        f'<table id="videos" class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<p class="muted">Click a column header to sort. Longest set: the most reps in a row '
        f"(a rest of the pause-break length or more ends a set), against the target of "
        f"{target}. Smoothness: 0–100, higher is smoother.</p>"
        f"<script>{_SORT_JS}</script>"
    )
    return _page("hipcam batch report", content)


# ---------------------------------------------------------------------------------------------
# per video


def video_html(r: BatchRow, target: int) -> bytes:
    """One video's page: metadata, per-leg figures, warnings, the angle plot."""
    e = r.entry
    meta = [("path", esc(e.path)), ("status", f'<span class="{esc(r.status)}">{esc(r.status)}</span>')]
    if e.patient_id:
        meta.append(("patient", f'<a href="{_href(f"../{PATIENTS_DIR}/{patient_slug(e.patient_id)}.html")}">'
                                f"{esc(e.patient_id)}</a>"))
    if e.recorded_at:
        meta.append(("recorded", esc(e.recorded_at)))
    if e.notes:
        meta.append(("notes", esc(e.notes)))
    if r.error:
        meta.append(("error", f'<span class="err">{esc(r.error)}</span>'))
    if r.doc is not None:
        v = r.doc["video"]
        meta.append(("video", esc(f"{v['duration_s']:.1f} s, {v['frames']} frames at {v['fps']:g} fps, "
                                  f"{v['width']}×{v['height']}")))
    if r.sha256:
        meta.append(("sha256", f'<span class="muted">{esc(r.sha256)}</span>'))
    parts = [f"<h1>{esc(Path(e.path).name)}</h1><table>"
             + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in meta) + "</table>"]
    if r.doc is not None:
        legs = r.doc["legs"]
        rows = []
        for leg in ("left", "right"):
            d = legs[leg]
            sets = ", ".join(str(s["reps"]) for s in d["sets"]) or "–"
            rows.append(f"<tr><th>{leg}</th>" + _num(d["reps"])
                        + _set_bar(d["longest_continuous_set"], target)
                        + f"<td>{esc(sets)}</td>" + _num(d["smoothness_score"]) + _num(d["jerky_reps"])
                        + _num(d["mean_rom_deg"]) + "</tr>")
        parts.append(
            "<h2>Per leg</h2><table><thead><tr><th>leg</th><th>reps</th>"
            f"<th>longest set /{target}</th><th>sets</th><th>smoothness /100</th><th>jerky reps</th>"
            "<th>mean range (°)</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")
        warnings = r.doc.get("warnings") or []
        if warnings:
            parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings)
                         + "</ul>")
        if r.has_plot:
            parts.append(f'<h2>Angle over time</h2><img class="plot" id="angle-plot" '
                         f'src="{_href(Path(r.plot_relpath).name)}" alt="angle plot of '
                         f'{esc(Path(e.path).name)}">')
        parts.append(f'<p><a href="{_href(Path(r.json_relpath).name)}">analysis JSON</a></p>')
    return _page(Path(e.path).name, "".join(parts), depth=1)


# ---------------------------------------------------------------------------------------------
# per patient


def progress_png(rows: list[BatchRow], target: int) -> bytes:
    """Longest set per leg (against the target) and smoothness over the recordings, as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ok = [r for r in rows if r.doc is not None]
    dates = [_parse_date(r.entry.recorded_at) for r in ok]
    use_dates = bool(ok) and all(d is not None for d in dates)
    xs = dates if use_dates else list(range(1, len(ok) + 1))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, constrained_layout=True)
    colors = {"left": "#1f77b4", "right": "#d62728"}
    for leg in ("left", "right"):
        ax1.plot(xs, [r.leg(leg, "longest_continuous_set") or 0 for r in ok], "o-",
                 color=colors[leg], label=f"{leg} leg")
        sm = [r.leg(leg, "smoothness_score") for r in ok]
        ax2.plot(xs, [math.nan if s is None else s for s in sm], "o-", color=colors[leg],
                 label=f"{leg} leg")
    ax1.axhline(target, color="k", ls="--", lw=1, label=f"target {target}")
    ax1.set_ylim(0, max([target * 1.08] + [float(r.leg(g, "longest_continuous_set") or 0) * 1.08
                                           for r in ok for g in ("left", "right")]))
    ax1.set_ylabel("longest continuous set (reps)")
    ax1.set_title("Longest continuous set per recording", loc="left", fontsize=10)
    ax1.legend(loc="upper left", fontsize=8)
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("smoothness (0–100)")
    ax2.set_title("Smoothness per recording", loc="left", fontsize=10)
    ax2.set_xlabel("recording date" if use_dates else "recording (in order)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    if use_dates:
        fig.autofmt_xdate()
    elif ok:
        ax2.set_xticks(xs)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def patient_html(patient_id: str, rows: list[BatchRow], target: int, plot_name: str | None) -> bytes:
    """One patient's page: the progress plot and their recordings in date order."""
    trs = []
    for r in rows:
        trs.append(
            f'<tr class="row-{esc(r.status)}"><td class="date">{esc(r.entry.recorded_at) or "–"}</td>'
            f'<td class="path"><a href="{_href("../" + r.page_relpath)}">{esc(Path(r.entry.path).name)}'
            "</a></td>"
            + _num(r.leg("left", "reps")) + _num(r.leg("right", "reps"))
            + _set_bar(r.leg("left", "longest_continuous_set"), target)
            + _set_bar(r.leg("right", "longest_continuous_set"), target)
            + _num(r.leg("left", "smoothness_score")) + _num(r.leg("right", "smoothness_score"))
            + _status_cell(r) + f"<td>{esc(r.entry.notes)}</td></tr>")
    best = {leg: max([int(r.leg(leg, "longest_continuous_set") or 0) for r in rows], default=0)
            for leg in ("left", "right")}
    plot = (f'<img class="plot" id="progress-plot" src="{_href(plot_name)}" '
            f'alt="progress of {esc(patient_id)}">' if plot_name else
            '<p class="muted">No scored recording yet.</p>')
    content = (
        f"<h1>Patient {esc(patient_id)}</h1>"
        f"<p>{len(rows)} recording(s). Best longest set: left {best['left']}, right {best['right']} "
        f"of {target}.</p>{plot}"
        "<h2>Recordings</h2><table><thead><tr><th>recorded</th><th>video</th><th>left reps</th>"
        f"<th>right reps</th><th>left longest set /{target}</th><th>right longest set /{target}</th>"
        "<th>left smooth.</th><th>right smooth.</th><th>status</th><th>notes</th></tr></thead>"
        f"<tbody>{''.join(trs)}</tbody></table>")
    return _page(f"Patient {patient_id}", content, depth=1)


def write_video_page(out_dir: Path, row: BatchRow, target: int) -> None:
    """Write one video's page."""
    write_if_changed(out_dir / row.page_relpath, video_html(row, target))


def write_report(out_dir: Path, rows: list[BatchRow], target: int, totals_line: str) -> Path:
    """Write ``index.html``, the patient pages (with plots) and the video pages; returns the index.

    A patient's plot file is named after a hash of what it shows, so unchanged plots are not
    redrawn when a batch is re-run; stale plots are removed. Video pages are written separately
    (:func:`write_video_page`), while each row still holds its full document.
    """
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
            fingerprint = repr([(r.entry.recorded_at, r.leg(g, "longest_continuous_set"),
                                 r.leg(g, "smoothness_score")) for r in prs if r.doc is not None
                                for g in ("left", "right")] + [target])
            plot_name = f"{slug}-progress-{hashlib.sha1(fingerprint.encode()).hexdigest()[:10]}.png"
            if not (pdir / plot_name).is_file():
                write_if_changed(pdir / plot_name, progress_png(prs, target))
            keep.add(plot_name)
        write_if_changed(pdir / f"{slug}.html", patient_html(pid, prs, target, plot_name))
    for pid in by_patient:  # older plots of this batch's patients (other batches' are kept)
        for stale in pdir.glob(f"{patient_slug(pid)}-progress-*.png"):
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
    index = out_dir / "index.html"
    write_if_changed(index, index_html(rows, target, totals_line))
    return index
