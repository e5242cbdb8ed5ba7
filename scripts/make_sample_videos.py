#!/usr/bin/env python3
"""Render the sample videos in ``sample_videos/`` (video + truth .json + .csv each).

Deterministic: the same scenarios and seeds give the same frames. Renders one video at a
time (each ~2-4 min on 2 CPU cores). Usage::

    python scripts/make_sample_videos.py              # all of them
    python scripts/make_sample_videos.py pause_break  # only the named ones
    python scripts/make_sample_videos.py --list
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from hipcam.errors import HipcamError
from hipcam.synth.scenario import parse_schedule_text, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "sample_videos"
VIDEO = {"width": 640, "height": 480, "fps": 30, "codec": "h264", "crf": 24}


def _legs(left: str = "", right: str = "") -> dict[str, Any]:
    return {"left": parse_schedule_text(left), "right": parse_schedule_text(right)}


#: name -> (one-line description, scenario dict)
SAMPLES: dict[str, tuple[str, dict[str, Any]]] = {
    "one_leg_smooth": (
        "left leg, 10 smooth minimum-jerk reps of 30 deg, 1.8 s each; front camera",
        {"seed": 11, "body": {"preset": "average"}, "camera": {"azimuth_deg": 0},
         "legs": _legs("rest 1; reps 10 period=1.8 amp=30; rest 1")},
    ),
    "both_legs": (
        "left 8 reps and right 6 reps, overlapping in anti-phase (one foot peaks while the "
        "other is down, so the feet never collide), random amplitudes; camera 25 deg toward "
        "the person's left",
        {"seed": 12, "body": {"preset": "slim_female"},
         "clothing": {"shirt": "teal", "trousers": "denim", "hair": "auburn"},
         "camera": {"azimuth_deg": -25},
         "legs": _legs("rest 1; reps 8 period=2.0 amp=25-32; rest 1",
                       "rest 2; reps 6 period=2.0 amp=24-30; rest 1")},
    ),
    "pause_break": (
        "right leg: 6 reps, a 4 s pause, 5 reps (longest set 6); the left leg fidgets "
        "(< 4 deg, not reps) during the pause; camera 30 deg toward the person's right",
        {"seed": 13, "body": {"preset": "heavy_male"},
         "clothing": {"shirt": "#8a8f96", "trousers": "navy", "hair": "black"},
         "camera": {"azimuth_deg": 30},
         "legs": _legs("rest 11; fidget 3 amp=3",
                       "rest 1; reps 6 period=1.6 amp=30; rest 4; reps 5 period=1.6 amp=30;"
                       " rest 1")},
    ),
    "jerky_set": (
        "left leg, 8 jerky reps (stop-and-go submovements + tremor, jerk_level 0.8), 2.2 s "
        "each; older body, front camera",
        {"seed": 14, "body": {"preset": "older"},
         "clothing": {"shirt": "red", "trousers": "grey", "hair": "#d8d8d8"},
         "camera": {"azimuth_deg": 0, "height_m": 1.1},
         "legs": _legs("rest 1; reps 8 period=2.2 amp=30 profile=jerky jerk=0.8; rest 1")},
    ),
    "pair_smooth": (
        "smooth/jerky pair, smooth half: right leg 8 smooth reps, 30 deg, 2.0 s; same body, "
        "camera and tempo as pair_jerky",
        {"seed": 15, "body": {"preset": "dark_male"},
         "clothing": {"shirt": "yellow", "trousers": "charcoal", "hair": "black"},
         "camera": {"azimuth_deg": 15},
         "legs": _legs("", "rest 1; reps 8 period=2.0 amp=30; rest 1")},
    ),
    "pair_jerky": (
        "smooth/jerky pair, jerky half: right leg 8 jerky reps (jerk_level 0.7), 30 deg, "
        "2.0 s; same body, camera and tempo as pair_smooth",
        {"seed": 15, "body": {"preset": "dark_male"},
         "clothing": {"shirt": "yellow", "trousers": "charcoal", "hair": "black"},
         "camera": {"azimuth_deg": 15},
         "legs": _legs("", "rest 1; reps 8 period=2.0 amp=30 profile=jerky jerk=0.7; rest 1")},
    ),
}


def build(name: str) -> Any:
    """The validated scenario of sample ``name``."""
    _, d = SAMPLES[name]
    return scenario_from_dict({"name": name, **d, "video": dict(VIDEO)})


def main(argv: list[str] | None = None) -> int:
    """Render the requested samples (all by default)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help=f"samples to render: {', '.join(SAMPLES)}")
    p.add_argument("--list", action="store_true", help="list the samples and exit")
    p.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = p.parse_args(argv)
    if args.list:
        for name, (desc, _) in SAMPLES.items():
            print(f"{name}: {desc}")
        return 0
    unknown = [n for n in args.names if n not in SAMPLES]
    if unknown:
        p.error(f"unknown sample(s): {', '.join(unknown)}")
    from hipcam.synth.render import render_scenario

    for name in args.names or list(SAMPLES):
        t0 = time.monotonic()
        try:
            res = render_scenario(build(name), args.out / f"{name}.mp4")
        except HipcamError as exc:
            print(f"{name}: error: {exc}", file=sys.stderr)
            return exc.exit_code
        size_mb = res.video.stat().st_size / 1e6
        print(f"{name}: {res.frames} frames, {size_mb:.2f} MB, "
              f"{time.monotonic() - t0:.0f} s -> {res.video}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
