"""Render a synthetic video of seated hip external rotations with exact per-frame ground truth.

``hipcam synth [SCENARIO.json|yaml] -o OUT.mp4 [flags]`` writes OUT.mp4, OUT.json (truth:
reps, sets, rep intervals, jerky reps, amplitudes) and OUT.csv (per-frame angles and joint
pixel positions). Flags override the scenario file; without a file the flags alone describe
the scenario. ``left``/``right`` are the person's own legs. Camera azimuth: 0 = in front,
positive = round toward the person's RIGHT side, negative toward their LEFT.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from hipcam.synth.scenario import (
    BODY_PRESETS,
    PHENOTYPE_KEYS,
    ScenarioError,
    load_scenario,
    parse_schedule_text,
    scenario_from_dict,
)

_SCHEDULE_HELP = (
    "schedule of the person's {leg} leg: segments separated by ';', e.g. "
    "\"rest 1; reps 10 period=1.8 amp=30; rest 4; reps 5 profile=jerky jerk=0.7 "
    "amp=25-35; fidget 3 amp=2\" (options: period_s, amplitude_deg, gap_s, hold_s, "
    "profile=smooth|jerky, shape=minjerk|cosine, jerk_level 0..1; a-b = random range); "
    "look-alikes that are never reps: knee_extension N, internal_rotation N, abduction N, "
    "posture_shift 1 amp=15 hold=6, stand_up 1 hold=3 (stands up, stays, sits down again)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``hipcam synth`` options to ``parser``."""
    parser.add_argument("scenario", nargs="?", help="scenario file (.json, .yaml, .yml)")
    parser.add_argument("-o", "--output", default=None,
                        help="output video path (.mp4); truth .json/.csv are written beside "
                             "it; NAME.mp4 in the current folder when omitted")
    parser.add_argument("--name", help="scenario name (default output file name)")
    parser.add_argument("--seed", type=int, help="random seed (ranges, jerks, noise)")
    parser.add_argument("--left", metavar="SCHEDULE", help=_SCHEDULE_HELP.format(leg="left"))
    parser.add_argument("--right", metavar="SCHEDULE", help=_SCHEDULE_HELP.format(leg="right"))
    parser.add_argument("--duration", type=float, metavar="S",
                        help="minimum video length in seconds (legs rest after their schedule)")
    g = parser.add_argument_group("body and clothing")
    g.add_argument("--body", choices=sorted(BODY_PRESETS), help="body preset")
    g.add_argument("--phenotype", action="append", metavar="KEY=VALUE", default=[],
                   help=f"raw anny phenotype value in [0, 1]; keys: {', '.join(PHENOTYPE_KEYS)} "
                        "(gender 0 = male, 1 = female; age 0.67 ~ 25 y, 1 ~ 90 y); repeatable")
    g.add_argument("--sway", type=float, metavar="DEG",
                   help="idle trunk/head sway, peak degrees (0 = still, up to 5)")
    g.add_argument("--shirt", metavar="COLOUR", help="shirt colour (#rrggbb or a name)")
    g.add_argument("--trousers", metavar="COLOUR", help="trousers colour")
    g.add_argument("--hair", metavar="COLOUR", help="hair colour")
    g.add_argument("--skin", metavar="COLOUR", help="skin tone (default: the preset's)")
    g = parser.add_argument_group("camera and light")
    g.add_argument("--azimuth", type=float, metavar="DEG",
                   help="camera azimuth: 0 = in front, + toward the person's right, "
                        "- toward their left (-90..90)")
    g.add_argument("--camera-height", type=float, metavar="M", help="camera height above floor")
    g.add_argument("--distance", type=float, metavar="M", help="horizontal camera distance")
    g.add_argument("--fov", type=float, metavar="DEG", help="vertical field of view")
    g.add_argument("--brightness", type=float, help="light level (1 = normal)")
    g = parser.add_argument_group("video")
    g.add_argument("--size", metavar="WxH", help="frame size, e.g. 640x480")
    g.add_argument("--fps", type=float, help="frames per second")
    g.add_argument("--noise", type=float, metavar="SIGMA", help="Gaussian pixel noise (0-255)")
    g.add_argument("--blur", type=float, metavar="SIGMA_PX", help="Gaussian blur sigma (px)")
    g.add_argument("--codec", choices=["auto", "h264", "mp4v"], help="video codec")
    g.add_argument("--crf", type=int, help="H.264 quality (18 good .. 30 small)")
    g.add_argument("--max-frames", type=int, metavar="N", help="render only the first N frames")
    g.add_argument("--preview", metavar="PNG",
                   help="instead of a video, render one still PNG at the --preview-angles")
    g.add_argument("--preview-angles", default="0,0", metavar="L,R",
                   help="hip angles (deg) of the left and right leg for --preview")
    g = parser.add_argument_group("smoothness grid")
    g.add_argument("--grid", metavar="SPEC",
                   help="render a tempo x size x jerk x camera grid into the folder -o: e.g. "
                        "\"tempo=1,2,4,6 size=12,25,45 jerk=0,0.5,1 azimuth=0,45,90\" (add "
                        "'pairs' to pair tempo i with size i, 'reps=N' per cell); one video per "
                        "jerk level and azimuth; videos already there are kept")
    g.add_argument("--grid-leg", choices=["left", "right"], default="right",
                   help="the leg that exercises in the grid videos (default right)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary and no progress bar")


def _set(d: dict[str, Any], section: str, key: str, value: Any) -> None:
    if value is not None:
        d.setdefault(section, {})
        if d[section] is None:
            d[section] = {}
        d[section][key] = value


def scenario_dict_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario dict: the file's content (if any) updated with the flags."""
    d: dict[str, Any] = {}
    if args.scenario:
        d = load_scenario(args.scenario).to_dict()
    if args.name:
        d["name"] = args.name
    if args.seed is not None:
        d["seed"] = args.seed
    if args.duration is not None:
        d["duration_s"] = args.duration
    for leg in ("left", "right"):
        text = getattr(args, leg)
        if text is not None:
            d.setdefault("legs", {})
            d["legs"][leg] = parse_schedule_text(text, f"--{leg}")
    _set(d, "body", "preset", args.body)
    _set(d, "body", "sway_deg", args.sway)
    for item in args.phenotype:
        key, sep, value = item.partition("=")
        if not sep:
            raise ScenarioError(f"--phenotype: expected KEY=VALUE, got {item!r}")
        try:
            num = float(value)
        except ValueError as exc:
            raise ScenarioError(f"--phenotype {key}: not a number: {value!r}") from exc
        d.setdefault("body", {}).setdefault("phenotype", {})
        d["body"]["phenotype"][key.strip()] = num
    for key in ("shirt", "trousers", "hair", "skin"):
        _set(d, "clothing", key, getattr(args, key))
    _set(d, "camera", "azimuth_deg", args.azimuth)
    _set(d, "camera", "height_m", args.camera_height)
    _set(d, "camera", "distance_m", args.distance)
    _set(d, "camera", "yfov_deg", args.fov)
    _set(d, "lighting", "brightness", args.brightness)
    if args.size:
        try:
            w, h = (int(x) for x in args.size.lower().split("x"))
        except ValueError as exc:
            raise ScenarioError(f"--size: expected WxH like 640x480, got {args.size!r}") from exc
        _set(d, "video", "width", w)
        _set(d, "video", "height", h)
    _set(d, "video", "fps", args.fps)
    _set(d, "video", "noise_sigma", args.noise)
    _set(d, "video", "blur_sigma_px", args.blur)
    _set(d, "video", "codec", args.codec)
    _set(d, "video", "crf", args.crf)
    return d


def run(args: argparse.Namespace) -> int:
    """Run ``hipcam synth``; returns the exit code."""
    from pathlib import Path

    if args.grid:  # the flags give body, clothing, camera and video; the grid gives the legs
        d = scenario_dict_from_args(args)
        d.setdefault("duration_s", 1.0)
        return _run_grid(args, scenario_from_dict(d))
    sc = scenario_from_dict(scenario_dict_from_args(args))
    if args.preview:
        from hipcam.synth.render import render_preview

        try:
            left, right = (float(x) for x in args.preview_angles.split(","))
        except ValueError as exc:
            raise ScenarioError(
                f"--preview-angles: expected L,R in degrees, got {args.preview_angles!r}"
            ) from exc
        path = render_preview(sc, left, right, args.preview)
        print(path)
        return 0
    if args.max_frames is not None and args.max_frames < 1:
        raise ScenarioError("--max-frames: must be >= 1")
    from hipcam.synth.render import render_scenario

    out = Path(args.output) if args.output else Path(f"{sc.name}.mp4")
    from hipcam.errors import OutputError
    from hipcam.safe_output import check_outputs, resolve_output

    if resolve_output(out).kind != "file":
        raise OutputError(f"--output {out}: needs a file name (the truth .json and .csv go beside it)")
    # the truth files go beside the video: none of the three may replace the scenario file
    check_outputs({"--output": out, "the truth JSON": out.with_suffix(".json"),
                   "the truth CSV": out.with_suffix(".csv")},
                  {"the scenario": getattr(args, "scenario", None)})
    res = render_scenario(sc, out, progress=not args.quiet, max_frames=args.max_frames)
    truth = json.loads(res.truth_json.read_text())["truth"]
    summary = ", ".join(
        f"{leg} {truth[leg]['reps']} reps (longest set {truth[leg]['longest_continuous_set']})"
        for leg in ("left", "right")
    )
    if not args.quiet:
        print(f"{res.video} ({res.frames} frames, {res.codec}): {summary}", file=sys.stdout)
        print(res.truth_json)
        print(res.truth_csv)
    return 0


def _run_grid(args: argparse.Namespace, base: Any) -> int:
    """``--grid``: render every grid video not already in the output folder."""
    from pathlib import Path

    from hipcam.synth.grid import grid_scenarios, parse_grid
    from hipcam.synth.render import render_scenario

    spec = parse_grid(args.grid)
    folder = Path(args.output or "synth_grid")
    if folder.suffix.lower() == ".mp4":
        raise ScenarioError("--grid: -o names a folder for the grid videos, not an .mp4 file")
    for sc in grid_scenarios(spec, base, args.grid_leg):
        out = folder / f"{sc.name}.mp4"
        if out.is_file() and out.with_suffix(".json").is_file():
            print(f"{out} (kept)")
            continue
        res = render_scenario(sc, out, progress=not args.quiet, max_frames=args.max_frames)
        print(f"{res.video} ({res.frames} frames, {res.codec})", flush=True)
    return 0
