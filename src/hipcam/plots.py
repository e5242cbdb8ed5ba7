"""Every plot hipcam draws (matplotlib, PNG bytes), in one place with one look.

- :func:`angle_png`: one video's rotation angle over time per leg, reps shaded by smoothness band,
  and under it the road to 100: range, rep time and smoothness rep by rep through each leg's
  longest set (``analyse --plot``, the batch report's video pages).
- :func:`progress_png`: the longest continuous set and smoothness per recording or session, toward
  the target (``history --plot``, the batch report's patient pages).

Legs keep their colours (:mod:`hipcam.colors`) and smoothness its bands. A leg that was not
exercised (no reps) is never drawn as 0: it is left out of progress lines (no false drops) and its
angle panel keeps a fixed scale (no ±3° of tracking jitter blown up to look like movement).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from hipcam.colors import FAIR_MIN, LEG_HEX, SCORE_HEX, SCORE_LABELS, SMOOTH_MIN, score_hex

LEGS = ("left", "right")
#: An angle panel shows at least this range (degrees, rest-relative), whatever the data.
MIN_ANGLE_RANGE_DEG = (-10.0, 40.0)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig, dpi: int = 100) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _fmt(x: float | None, spec: str = ".0f") -> str:
    x = _finite(x)
    return "–" if x is None else format(x, spec)


def _band_legend(ax, loc: str = "lower right", **kw) -> None:
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=SCORE_HEX[b], alpha=0.4, label=SCORE_LABELS[b])
                       for b in ("smooth", "fair", "jerky")], loc=loc, fontsize=8, frameon=False, **kw)


# ---------------------------------------------------------------------------------------------
# one video


def angle_png(doc: dict, series: dict[str, np.ndarray], target: int = 100) -> bytes:
    """Angle vs time per leg (from a ``hipcam.analysis/1`` document and its per-sample series).

    Each rep is shaded in its smoothness band's colour and numbered; gaps (leg not seen) hatched.
    """
    plt = _pyplot()
    t = np.asarray(series["t_s"], dtype=float)
    # fixed margins rather than constrained_layout: the layout engine measured every tick label
    # and took ~40% of the drawing time (~0.5 s a plot) for the same picture
    fig = plt.figure(figsize=(12, 9.6))
    grid = fig.add_gridspec(3, 3, height_ratios=[1, 1, 0.85], left=0.055, right=0.99, top=0.965,
                            bottom=0.055, hspace=0.3, wspace=0.2)
    axes = [fig.add_subplot(grid[0, :])]
    axes.append(fig.add_subplot(grid[1, :], sharex=axes[0]))
    _set_trend_panels(doc, [fig.add_subplot(grid[2, k]) for k in range(3)])
    for ax, leg in zip(axes, LEGS, strict=True):
        d = doc["legs"][leg]
        rest = np.asarray(series[f"{leg}_rest_deg"], dtype=float)
        raw = np.asarray(series[f"{leg}_angle_deg"], dtype=float) - rest
        rel = np.asarray(series[f"{leg}_filtered_deg"], dtype=float) - rest
        exercised = d["reps"] > 0
        ax.plot(t, raw, color="0.78", lw=0.8, label="angle (raw)")
        ax.plot(t, rel, color=LEG_HEX[leg] if exercised else "0.55", lw=1.6, label="angle (filtered)")
        for k, r in enumerate(d["reps_detail"]):
            ax.axvspan(r["start_s"], r["end_s"], color=score_hex(r["smoothness_score"]), alpha=0.25, lw=0)
            ax.annotate(f"{k + 1}", (r["peak_s"], r["rom_deg"]), textcoords="offset points",
                        xytext=(0, 3), ha="center", fontsize=7)
        for g in d["gaps"]:
            ax.axvspan(g["start_s"], g["end_s"], color="0.5", alpha=0.15, hatch="//", lw=0)
        finite = rel[np.isfinite(rel)]
        lo = min(MIN_ANGLE_RANGE_DEG[0], float(finite.min()) - 2) if finite.size else MIN_ANGLE_RANGE_DEG[0]
        hi = max(MIN_ANGLE_RANGE_DEG[1], float(finite.max()) + 5) if finite.size else MIN_ANGLE_RANGE_DEG[1]
        ax.set_ylim(lo, hi)
        if exercised:
            title = (f"{leg} leg: {d['reps']} reps, longest set {d['longest_continuous_set']}/{target}, "
                     f"smoothness {_fmt(d['smoothness_score'])}/100, jerky {d['jerky_reps']} "
                     f"({d['angle_method']} angle)")
        else:
            title = f"{leg} leg: not exercised (no reps)"
        ax.set_title(title, fontsize=10, loc="left", color="black" if exercised else "0.4")
        ax.spines["left"].set_color(LEG_HEX[leg])
        ax.spines["left"].set_linewidth(3)
        ax.set_ylabel("external rotation (°)")
        ax.grid(alpha=0.3)
    axes[-1].set_xlabel("time in video (s)")
    _band_legend(axes[0], loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3)
    return _png(fig)


def _set_trend_panels(doc: dict, axes: list) -> None:
    """Range, rep time and smoothness by rep number through each leg's longest set, with the
    first and last compared windows shaded and a fitted line (see :mod:`hipcam.settrends`)."""
    from matplotlib.ticker import MaxNLocator

    from hipcam.settrends import FIGURES, MIN_REPS, window_size

    labels = {"rom_deg": "road to 100: range of motion (°) through the longest set",
              "duration_s": "rep time (s)", "smoothness": "smoothness (0–100)"}
    shown = False
    top = {"rom_deg": 45.0, "duration_s": 3.0}  # fixed floors: a 1° drift must not fill a panel
    for leg in LEGS:
        d = doc["legs"][leg]
        if not d.get("sets"):
            continue
        s = max(d["sets"], key=lambda x: x["reps"])
        reps = [r for r in d["reps_detail"] if s["start_s"] - 1e-6 <= r["start_s"] <= s["end_s"] + 1e-6]
        w = window_size(len(reps))
        if w == 0:
            continue
        shown = True
        x = np.arange(1, len(reps) + 1)
        for ax, key in zip(axes, FIGURES.values(), strict=True):
            y = np.array([np.nan if r.get(key) is None else float(r[key]) for r in reps])
            fig_key = next(f for f, k in FIGURES.items() if k == key)
            if fig_key in top and np.isfinite(y).any():
                top[fig_key] = max(top[fig_key], float(np.nanmax(y)) * 1.15)
            ax.plot(x, y, "o", ms=3, color=LEG_HEX[leg], alpha=0.8,
                    label=f"{leg}: set of {len(reps)}")
            ok = np.isfinite(y)
            if ok.sum() >= 3:
                a, b = np.polyfit(x[ok], y[ok], 1)
                ax.plot(x[[0, -1]], a * x[[0, -1]] + b, "-", color=LEG_HEX[leg], lw=2)
            for lo, hi in ((0.5, w + 0.5), (len(reps) - w + 0.5, len(reps) + 0.5)):
                ax.axvspan(lo, hi, color=LEG_HEX[leg], alpha=0.07, lw=0)
    for ax, fig_key in zip(axes, FIGURES, strict=True):
        ax.set_title(labels[fig_key], loc="left", fontsize=9)
        ax.set_xlabel("rep in the longest set (first and last compared reps shaded)", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        if fig_key in top:
            ax.set_ylim(0, top[fig_key])
        if fig_key == "smoothness":
            for band, (lo, hi) in (("smooth", (70, 100)), ("fair", (50, 70)), ("jerky", (0, 50))):
                ax.axhspan(lo, hi, color=SCORE_HEX[band], alpha=0.08, lw=0)
            ax.set_ylim(0, 102)
    if shown:
        axes[0].legend(fontsize=7, loc="lower left")
    else:
        for ax in axes:
            ax.text(0.5, 0.5, f"no set of {MIN_REPS} reps or more", ha="center", va="center",
                    transform=ax.transAxes, color="0.4", fontsize=9)


# ---------------------------------------------------------------------------------------------
# progress over recordings / sessions


@dataclass
class ProgressPoint:
    """One recording or live session as the progress plot sees it.

    ``longest_set[leg]`` / ``smoothness[leg]`` are None when the leg was not exercised (no reps)
    or had no score.
    """

    when: datetime | None
    label: str
    longest_set: dict[str, int | None] = field(default_factory=dict)
    smoothness: dict[str, float | None] = field(default_factory=dict)

    @classmethod
    def from_legs(cls, when: datetime | None, label: str, reps: dict[str, int | None],
                  longest_set: dict[str, int | None], smoothness: dict[str, float | None]
                  ) -> ProgressPoint:
        """Build a point; a leg with no reps gets None everywhere (not exercised, not 0)."""
        ex = {leg: bool(reps.get(leg)) for leg in LEGS}
        return cls(when, label,
                   {leg: (int(longest_set[leg]) if ex[leg] and longest_set.get(leg) is not None
                          else None) for leg in LEGS},
                   {leg: (_finite(smoothness.get(leg)) if ex[leg] else None) for leg in LEGS})


def progress_png(points: Sequence[ProgressPoint], target: int = 100, title: str | None = None,
                 what: str = "recording") -> bytes:
    """Longest continuous set per leg toward ``target``, and smoothness, per recording (PNG).

    ``what`` names the points on the axis ("recording", "session").

    The x axis is the date when every point has one, else the order. A leg not exercised in a
    recording has no point there (its line joins the recordings where it was exercised).
    """
    plt = _pyplot()
    use_dates = bool(points) and all(p.when is not None for p in points)
    xs = [p.when for p in points] if use_dates else list(range(1, len(points) + 1))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, constrained_layout=True)
    top = float(target)
    for leg in LEGS:
        best = [(x, p.longest_set.get(leg)) for x, p in zip(xs, points, strict=True)
                if p.longest_set.get(leg) is not None]
        if best:
            ax1.plot([b[0] for b in best], [b[1] for b in best], "o-", color=LEG_HEX[leg], lw=2,
                     label=f"{leg} leg")
            top = max(top, max(float(b[1]) for b in best))
        sm = [(x, p.smoothness.get(leg)) for x, p in zip(xs, points, strict=True)
              if p.smoothness.get(leg) is not None]
        if sm:
            ax2.plot([s[0] for s in sm], [s[1] for s in sm], "o-", color=LEG_HEX[leg], lw=2,
                     label=f"{leg} leg")
    ax1.axhline(target, color="0.25", ls="--", lw=1.2, label=f"goal: {target} in a row")
    ax1.set_ylim(0, top * 1.08)
    ax1.set_ylabel("longest continuous set (reps)")
    ax1.set_title(title or f"Progress toward {target} reps in a row ({len(points)} {what}s)",
                  loc="left", fontsize=10)
    ax1.legend(loc="upper left", fontsize=8)
    for band, (lo, hi) in (("smooth", (SMOOTH_MIN, 100)), ("fair", (FAIR_MIN, SMOOTH_MIN)),
                           ("jerky", (0, FAIR_MIN))):
        ax2.axhspan(lo, hi, color=SCORE_HEX[band], alpha=0.09, lw=0)
    ax2.set_ylim(0, 102)
    ax2.set_ylabel("smoothness (0–100)")
    ax2.set_title(f"Smoothness (green ≥ {SMOOTH_MIN:.0f} smooth, amber {FAIR_MIN:.0f}–"
                  f"{SMOOTH_MIN:.0f} fair, red < {FAIR_MIN:.0f} jerky)", loc="left", fontsize=10)
    # no legend in the smoothness panel: the legs' colours are those of the panel above, and a
    # legend there would hide the low scores that matter most
    ax2.set_xlabel(f"{what} date" if use_dates else f"{what} (in order)")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
    if use_dates:
        fig.autofmt_xdate()
    elif points:
        ax2.set_xticks(xs)
    return _png(fig, dpi=90)
