"""Scenario description for ``hipcam synth``: dataclasses, defaults, loading and validation.

A scenario says who sits on the bed (body, clothing), how the scene is filmed (camera,
lighting, video settings) and what each leg does over time (a list of segments per leg).
It loads from JSON or YAML; every problem is reported as one :class:`ScenarioError` line.

Leg schedules are lists of segments, each a mapping with a ``type`` or a shorthand key::

    {"type": "rest", "duration_s": 1.0}          or  {"rest": 1.0}
    {"type": "reps", "count": 10, "period_s": 1.8, "amplitude_deg": [25, 35],
     "profile": "smooth", "shape": "minjerk", "gap_s": 0.3}
                                                  or  {"reps": 10, "period_s": 1.8, ...}
    {"type": "fidget", "duration_s": 3.0, "amplitude_deg": 2.0}  or  {"fidget": 3.0}
    {"type": "lookalike", "kind": "knee_extension", "count": 6, "period_s": 2.0,
     "amplitude_deg": 45}                         or  {"knee_extension": 6, ...}

A ``lookalike`` segment is a movement that is NOT a hip external rotation and must never be
counted (its truth is 0 reps): ``knee_extension`` (the foot swings forward and up),
``internal_rotation`` (the foot swings outward, away from the other leg), ``abduction`` (the
thigh swings outward on the bed, the shin hanging), ``posture_shift`` (the foot moves
inward by ``amplitude_deg``, stays there ``hold_s`` and comes back) and ``stand_up`` (the
person stands up — both thighs turn down by ``amplitude_deg``, default 80, while the feet stay
on the floor — stays standing ``hold_s``, default 3 s, and sits down again; it moves both legs
whichever leg's schedule holds it).

``period_s``, ``amplitude_deg`` and ``gap_s`` take a number or a ``[min, max]`` range sampled
per repetition (deterministically from the scenario's seed).

``left`` and ``right`` always mean the PERSON's own left and right leg.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hipcam.errors import EXIT_USAGE, HipcamError, InputMissingError

#: Largest fidget amplitude: fidgets must stay below the smallest movement counted as a rep.
MAX_FIDGET_AMPLITUDE_DEG = 4.0
#: Reps whose rest gap (end of one to start of the next) is shorter than this form one set.
SET_BREAK_GAP_S = 3.0
LEGS = ("left", "right")

#: Body presets: anny phenotype values in [0, 1] (gender 0 = male, 1 = female; age 2/3 is
#: about 25 years, 1 about 90 years) plus a default skin tone (sRGB hex).
BODY_PRESETS: dict[str, dict[str, Any]] = {
    "average": {
        "phenotype": {"gender": 0.5, "age": 0.75, "muscle": 0.5, "weight": 0.5,
                      "height": 0.5, "proportions": 0.5},
        "skin": "#d9a98c",
    },
    "slim_female": {
        "phenotype": {"gender": 1.0, "age": 0.72, "muscle": 0.5, "weight": 0.1,
                      "height": 0.4, "proportions": 0.6},
        "skin": "#e8c0a4",
    },
    "heavy_male": {
        "phenotype": {"gender": 0.0, "age": 0.8, "muscle": 0.1, "weight": 1.0,
                      "height": 0.6, "proportions": 0.4},
        "skin": "#b98462",
    },
    "older": {
        "phenotype": {"gender": 0.3, "age": 0.93, "muscle": 0.2, "weight": 0.7,
                      "height": 0.4, "proportions": 0.5},
        "skin": "#e0b49a",
    },
    "dark_male": {
        "phenotype": {"gender": 0.0, "age": 0.74, "muscle": 0.65, "weight": 0.5,
                      "height": 0.65, "proportions": 0.5},
        "skin": "#7a4e35",
    },
}
PHENOTYPE_KEYS = ("gender", "age", "muscle", "weight", "height", "proportions")

_COLOUR_NAMES: dict[str, str] = {
    "blue": "#2f5fb3", "red": "#b83232", "green": "#3d8a4f", "black": "#222222",
    "white": "#e8e8e8", "grey": "#808080", "gray": "#808080", "navy": "#1f2a4d",
    "yellow": "#d9b43a", "orange": "#d9772b", "purple": "#6a3d8f", "brown": "#5a3b25",
    "beige": "#c8b48f", "denim": "#3b4f73", "charcoal": "#33363b", "teal": "#2a7f7f",
    "pink": "#d98aa0", "blonde": "#c9a760", "auburn": "#7a3b22",
}


class ScenarioError(HipcamError):
    """A scenario file or flag is invalid (one line saying what and where)."""

    exit_code = EXIT_USAGE


Range = tuple[float, float]


@dataclass(frozen=True)
class RestSegment:
    """The leg stays still (angle 0) for ``duration_s`` seconds."""

    duration_s: float
    type: str = "rest"


@dataclass(frozen=True)
class RepsSegment:
    """``count`` out-and-back repetitions.

    Each rep lasts ``period_s`` (out and back), peaks at ``amplitude_deg``, and reps are
    separated by ``gap_s`` of stillness. ``profile`` is ``smooth`` (``shape`` ``minjerk`` or
    ``cosine``) or ``jerky`` (stop-and-go submovements plus tremor, strength ``jerk_level``
    0..1). ``hold_s`` holds the peak for that long (added to the period).
    """

    count: int
    period_s: Range = (1.8, 1.8)
    amplitude_deg: Range = (30.0, 30.0)
    profile: str = "smooth"
    shape: str = "minjerk"
    jerk_level: float = 0.6
    gap_s: Range = (0.0, 0.0)
    hold_s: float = 0.0
    type: str = "reps"


@dataclass(frozen=True)
class FidgetSegment:
    """Small restless movements (|angle| < 4 deg) for ``duration_s``; they never count as reps."""

    duration_s: float
    amplitude_deg: float = 2.0
    type: str = "fidget"


#: Look-alike movements hipcam must not count (see :class:`LookalikeSegment`).
LOOKALIKE_KINDS = ("knee_extension", "internal_rotation", "abduction", "posture_shift",
                   "stand_up")
#: Standing up: the thighs' turn down from level (degrees), the time standing (s) and the time to
#: stand up and sit down again (s), by default.
STAND_UP_DEG = 80.0
STAND_UP_HOLD_S = 3.0
STAND_UP_PERIOD_S = 3.0
#: A posture shift holds its new position this long by default, and at least the minimum
#: (shorter, it would be an external rotation with a hold at its peak: a rep).
POSTURE_SHIFT_HOLD_S = 6.0
MIN_POSTURE_SHIFT_HOLD_S = 4.0


@dataclass(frozen=True)
class LookalikeSegment:
    """``count`` movements of kind ``kind`` (one of :data:`LOOKALIKE_KINDS`): never reps.

    Each lasts ``period_s`` (out and back, minimum-jerk) plus ``hold_s`` at its peak, reaches
    ``amplitude_deg`` (knee extension from 90 deg of flexion, internal rotation, abduction of
    the thigh, or the inward shift of the foot), and they are ``gap_s`` apart.
    """

    kind: str
    count: int = 1
    period_s: Range = (2.0, 2.0)
    amplitude_deg: Range = (30.0, 30.0)
    gap_s: Range = (0.5, 0.5)
    hold_s: float = 0.0
    type: str = "lookalike"


Segment = RestSegment | RepsSegment | FidgetSegment | LookalikeSegment


@dataclass
class BodySpec:
    """Who sits on the bed: a preset name plus optional raw anny phenotype overrides."""

    preset: str = "average"
    phenotype: dict[str, float] = field(default_factory=dict)
    #: Idle sway of the trunk and head (peak degrees, 0 = perfectly still). The legs' truth
    #: is unaffected: the hips stay put and only the spine, arms and head move.
    sway_deg: float = 0.0

    def resolved_phenotype(self) -> dict[str, float]:
        """The preset's phenotype updated with the overrides."""
        values = dict(BODY_PRESETS[self.preset]["phenotype"])
        values.update(self.phenotype)
        return values


@dataclass
class ClothingSpec:
    """Colours as ``#rrggbb`` or a name (``blue``, ``denim``...); ``skin`` None = preset's."""

    shirt: str = "#2f5fb3"
    trousers: str = "#2b2f3a"
    hair: str = "#3b2a1e"
    skin: str | None = None


@dataclass
class CameraSpec:
    """Camera placement.

    ``azimuth_deg`` 0 is straight in front of the person; positive moves the camera round
    toward the person's RIGHT side, negative toward their LEFT. ``height_m`` is the camera
    height above the floor, ``distance_m`` the horizontal distance to the look-at point
    (between the hips and knees), ``yfov_deg`` the vertical field of view.
    """

    azimuth_deg: float = 0.0
    height_m: float = 1.0
    distance_m: float = 2.6
    yfov_deg: float = 45.0


@dataclass
class LightingSpec:
    """``brightness`` scales every light (1 = normal, 0.4 = dim room, 1.6 = bright)."""

    brightness: float = 1.0


@dataclass
class VideoSpec:
    """Frame size, rate, degradations and encoding.

    ``codec``: ``h264`` (ffmpeg libx264), ``mp4v`` (OpenCV), or ``auto`` (h264 when ffmpeg
    with libx264 is available). ``noise_sigma`` is Gaussian pixel noise (0-255 scale),
    ``blur_sigma_px`` a Gaussian blur, ``crf`` the H.264 quality (higher = smaller file).
    """

    width: int = 640
    height: int = 480
    fps: float = 30.0
    codec: str = "auto"
    noise_sigma: float = 0.0
    blur_sigma_px: float = 0.0
    crf: int = 23


@dataclass
class Scenario:
    """Everything needed to render one video deterministically."""

    name: str = "synth"
    seed: int = 0
    body: BodySpec = field(default_factory=BodySpec)
    clothing: ClothingSpec = field(default_factory=ClothingSpec)
    camera: CameraSpec = field(default_factory=CameraSpec)
    lighting: LightingSpec = field(default_factory=LightingSpec)
    video: VideoSpec = field(default_factory=VideoSpec)
    legs: dict[str, list[Segment]] = field(
        default_factory=lambda: {"left": [], "right": []}
    )
    #: Minimum video length; the schedules are padded with rest up to it.
    duration_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict that :func:`scenario_from_dict` reads back to an equal scenario."""
        out = dataclasses.asdict(self)
        out["legs"] = {
            leg: [_segment_to_dict(s) for s in segs] for leg, segs in self.legs.items()
        }
        return out


def _segment_to_dict(seg: Segment) -> dict[str, Any]:
    d = dataclasses.asdict(seg)
    for key, value in list(d.items()):
        if isinstance(value, tuple):
            d[key] = value[0] if value[0] == value[1] else list(value)
    return d


# ----------------------------------------------------------------------------- parsing


def _num(value: Any, where: str, *, lo: float | None = None, hi: float | None = None,
         lo_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: expected a number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ScenarioError(f"{where}: must be finite, got {value!r}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        op = ">" if lo_open else ">="
        raise ScenarioError(f"{where}: must be {op} {lo:g}, got {v:g}")
    if hi is not None and v > hi:
        raise ScenarioError(f"{where}: must be <= {hi:g}, got {v:g}")
    return v


def _int(value: Any, where: str, *, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ScenarioError(f"{where}: expected an integer, got {value!r}")
    if lo is not None and value < lo:
        raise ScenarioError(f"{where}: must be >= {lo}, got {value}")
    if hi is not None and value > hi:
        raise ScenarioError(f"{where}: must be <= {hi}, got {value}")
    return int(value)


def _range(value: Any, where: str, *, lo: float, hi: float | None = None,
           lo_open: bool = False) -> Range:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ScenarioError(f"{where}: a range must be [min, max], got {value!r}")
        a = _num(value[0], where, lo=lo, hi=hi, lo_open=lo_open)
        b = _num(value[1], where, lo=lo, hi=hi, lo_open=lo_open)
        if b < a:
            raise ScenarioError(f"{where}: range min {a:g} is above max {b:g}")
        return (a, b)
    v = _num(value, where, lo=lo, hi=hi, lo_open=lo_open)
    return (v, v)


def _choice(value: Any, where: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ScenarioError(f"{where}: must be one of {', '.join(choices)}; got {value!r}")
    return value


def _check_keys(d: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise ScenarioError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def parse_colour(value: Any, where: str) -> tuple[int, int, int]:
    """``#rrggbb`` / ``rrggbb`` / a colour name / ``[r, g, b]`` (0-255) -> an RGB triple."""
    if isinstance(value, (list, tuple)) and len(value) == 3:
        return tuple(_int(c, where, lo=0, hi=255) for c in value)  # type: ignore[return-value]
    if isinstance(value, str):
        s = _COLOUR_NAMES.get(value.strip().lower(), value.strip())
        m = re.fullmatch(r"#?([0-9a-fA-F]{6})", s)
        if m:
            h = m.group(1)
            return (int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16))
    raise ScenarioError(
        f"{where}: not a colour: {value!r} (use #rrggbb, [r,g,b] or one of "
        f"{', '.join(sorted(_COLOUR_NAMES))})"
    )


def _colour_str(value: Any, where: str) -> str:
    r, g, b = parse_colour(value, where)
    return f"#{r:02x}{g:02x}{b:02x}"


def segment_from_dict(d: Any, where: str) -> Segment:
    """Parse one schedule segment (full or shorthand form)."""
    if not isinstance(d, dict):
        raise ScenarioError(f"{where}: a segment must be a mapping, got {d!r}")
    d = dict(d)
    kind = d.pop("type", None)
    if kind is None:
        for short in ("rest", "reps", "fidget", *LOOKALIKE_KINDS):
            if short in d:
                if short in LOOKALIKE_KINDS:
                    kind = "lookalike"
                    d["kind"] = short
                    d["count"] = d.pop(short)
                else:
                    kind = short
                    d["count" if short == "reps" else "duration_s"] = d.pop(short)
                break
    if kind not in ("rest", "reps", "fidget", "lookalike"):
        raise ScenarioError(f"{where}: segment type must be rest, reps, fidget or lookalike "
                            f"({', '.join(LOOKALIKE_KINDS)}); got {kind!r}")
    w = f"{where} ({kind})"
    if kind == "lookalike":
        _check_keys(d, {"kind", "count", "period_s", "amplitude_deg", "gap_s", "hold_s"}, w)
        standing = d.get("kind") == "stand_up"
        return LookalikeSegment(
            kind=_choice(d.get("kind"), f"{w}.kind", LOOKALIKE_KINDS),
            count=_int(d.get("count", 1), f"{w}.count", lo=0, hi=10000),
            period_s=_range(d.get("period_s", STAND_UP_PERIOD_S if standing else 2.0),
                            f"{w}.period_s", lo=0.3, hi=60.0),
            amplitude_deg=_range(d.get("amplitude_deg", STAND_UP_DEG if standing else 30.0),
                                 f"{w}.amplitude_deg", lo=0.0, hi=80.0),
            gap_s=_range(d.get("gap_s", 0.5), f"{w}.gap_s", lo=0.0, hi=600.0),
            hold_s=_num(d.get("hold_s", POSTURE_SHIFT_HOLD_S if d.get("kind") == "posture_shift"
                              else STAND_UP_HOLD_S if standing else 0.0), f"{w}.hold_s",
                        lo=MIN_POSTURE_SHIFT_HOLD_S if d.get("kind") == "posture_shift" else 0.0,
                        hi=600.0),
        )
    if kind == "rest":
        _check_keys(d, {"duration_s"}, w)
        if "duration_s" not in d:
            raise ScenarioError(f"{w}: missing duration_s")
        return RestSegment(duration_s=_num(d["duration_s"], f"{w}.duration_s", lo=0.0))
    if kind == "fidget":
        _check_keys(d, {"duration_s", "amplitude_deg"}, w)
        if "duration_s" not in d:
            raise ScenarioError(f"{w}: missing duration_s")
        amp = _num(d.get("amplitude_deg", 2.0), f"{w}.amplitude_deg", lo=0.0)
        if amp >= MAX_FIDGET_AMPLITUDE_DEG:
            raise ScenarioError(
                f"{w}.amplitude_deg: fidgets must stay below {MAX_FIDGET_AMPLITUDE_DEG:g} deg, "
                f"got {amp:g}"
            )
        return FidgetSegment(
            duration_s=_num(d["duration_s"], f"{w}.duration_s", lo=0.0), amplitude_deg=amp
        )
    allowed = {"count", "period_s", "amplitude_deg", "profile", "shape", "jerk_level",
               "gap_s", "hold_s"}
    _check_keys(d, allowed, w)
    if "count" not in d:
        raise ScenarioError(f"{w}: missing count")
    seg = RepsSegment(
        count=_int(d["count"], f"{w}.count", lo=0, hi=10000),
        period_s=_range(d.get("period_s", 1.8), f"{w}.period_s", lo=0.3, hi=60.0),
        amplitude_deg=_range(d.get("amplitude_deg", 30.0), f"{w}.amplitude_deg",
                             lo=MAX_FIDGET_AMPLITUDE_DEG * 2, hi=70.0),
        profile=_choice(d.get("profile", "smooth"), f"{w}.profile", ("smooth", "jerky")),
        shape=_choice(d.get("shape", "minjerk"), f"{w}.shape", ("minjerk", "cosine")),
        jerk_level=_num(d.get("jerk_level", 0.6), f"{w}.jerk_level", lo=0.0, hi=1.0),
        gap_s=_range(d.get("gap_s", 0.0), f"{w}.gap_s", lo=0.0, hi=600.0),
        hold_s=_num(d.get("hold_s", 0.0), f"{w}.hold_s", lo=0.0, hi=30.0),
    )
    return seg


def _sub(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key, {})
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ScenarioError(f"{key}: must be a mapping, got {v!r}")
    return v


def scenario_from_dict(d: Any) -> Scenario:
    """Build and validate a :class:`Scenario` from a JSON/YAML-style dict."""
    if not isinstance(d, dict):
        raise ScenarioError("scenario: the top level must be a mapping")
    _check_keys(d, {"name", "seed", "body", "clothing", "camera", "lighting", "video",
                    "legs", "duration_s", "left", "right"}, "scenario")
    sc = Scenario()
    if "name" in d:
        if not isinstance(d["name"], str) or not d["name"]:
            raise ScenarioError("name: must be a non-empty string")
        sc.name = d["name"]
    if "seed" in d:
        sc.seed = _int(d["seed"], "seed", lo=0)
    if d.get("duration_s") is not None:
        sc.duration_s = _num(d["duration_s"], "duration_s", lo=0.0, hi=3600.0)

    body = _sub(d, "body")
    _check_keys(body, {"preset", "phenotype", "sway_deg"} | set(PHENOTYPE_KEYS), "body")
    preset = body.get("preset", "average")
    _choice(preset, "body.preset", tuple(BODY_PRESETS))
    pheno = dict(body.get("phenotype") or {})
    for k in PHENOTYPE_KEYS:
        if k in body:
            pheno[k] = body[k]
    _check_keys(pheno, set(PHENOTYPE_KEYS), "body.phenotype")
    sc.body = BodySpec(
        preset=preset,
        phenotype={k: _num(v, f"body.phenotype.{k}", lo=0.0, hi=1.0) for k, v in pheno.items()},
        sway_deg=_num(body.get("sway_deg", 0.0), "body.sway_deg", lo=0.0, hi=5.0),
    )

    cl = _sub(d, "clothing")
    _check_keys(cl, {"shirt", "trousers", "hair", "skin"}, "clothing")
    base = ClothingSpec()
    sc.clothing = ClothingSpec(
        shirt=_colour_str(cl.get("shirt", base.shirt), "clothing.shirt"),
        trousers=_colour_str(cl.get("trousers", base.trousers), "clothing.trousers"),
        hair=_colour_str(cl.get("hair", base.hair), "clothing.hair"),
        skin=None if cl.get("skin") is None else _colour_str(cl["skin"], "clothing.skin"),
    )

    cam = _sub(d, "camera")
    _check_keys(cam, {f.name for f in dataclasses.fields(CameraSpec)}, "camera")
    c0 = CameraSpec()
    sc.camera = CameraSpec(
        azimuth_deg=_num(cam.get("azimuth_deg", c0.azimuth_deg), "camera.azimuth_deg",
                         lo=-90.0, hi=90.0),
        height_m=_num(cam.get("height_m", c0.height_m), "camera.height_m", lo=0.2, hi=3.0),
        distance_m=_num(cam.get("distance_m", c0.distance_m), "camera.distance_m",
                        lo=1.0, hi=8.0),
        yfov_deg=_num(cam.get("yfov_deg", c0.yfov_deg), "camera.yfov_deg", lo=10.0, hi=100.0),
    )

    li = _sub(d, "lighting")
    _check_keys(li, {"brightness"}, "lighting")
    sc.lighting = LightingSpec(
        brightness=_num(li.get("brightness", 1.0), "lighting.brightness", lo=0.05, hi=4.0)
    )

    vi = _sub(d, "video")
    _check_keys(vi, {f.name for f in dataclasses.fields(VideoSpec)}, "video")
    v0 = VideoSpec()
    width = _int(vi.get("width", v0.width), "video.width", lo=32, hi=3840)
    height = _int(vi.get("height", v0.height), "video.height", lo=32, hi=2160)
    if width % 2 or height % 2:
        raise ScenarioError(f"video: width and height must be even, got {width}x{height}")
    sc.video = VideoSpec(
        width=width,
        height=height,
        fps=_num(vi.get("fps", v0.fps), "video.fps", lo=1.0, hi=240.0),
        codec=_choice(vi.get("codec", v0.codec), "video.codec", ("auto", "h264", "mp4v")),
        noise_sigma=_num(vi.get("noise_sigma", 0.0), "video.noise_sigma", lo=0.0, hi=100.0),
        blur_sigma_px=_num(vi.get("blur_sigma_px", 0.0), "video.blur_sigma_px",
                           lo=0.0, hi=20.0),
        crf=_int(vi.get("crf", v0.crf), "video.crf", lo=0, hi=51),
    )

    legs_in = _sub(d, "legs")
    for leg in LEGS:  # top-level "left"/"right" are accepted as a shorthand
        if leg in d:
            legs_in = {**legs_in, leg: d[leg]}
    _check_keys(legs_in, set(LEGS), "legs")
    legs: dict[str, list[Segment]] = {}
    for leg in LEGS:
        segs = legs_in.get(leg) or []
        if not isinstance(segs, list):
            raise ScenarioError(f"legs.{leg}: must be a list of segments")
        legs[leg] = [segment_from_dict(s, f"legs.{leg}[{i}]") for i, s in enumerate(segs)]
    sc.legs = legs
    validate_scenario(sc)
    return sc


def validate_scenario(sc: Scenario) -> None:
    """Cross-field checks (raises :class:`ScenarioError`)."""
    if sc.body.preset not in BODY_PRESETS:
        raise ScenarioError(
            f"body.preset: unknown preset {sc.body.preset!r}; one of {', '.join(BODY_PRESETS)}"
        )
    total = max((schedule_duration_s(sc.legs.get(leg, [])) for leg in LEGS), default=0.0)
    if sc.duration_s is not None:
        total = max(total, sc.duration_s)
    if total <= 0:
        raise ScenarioError("scenario: nothing to render (no leg segments and no duration_s)")
    if total > 3600:
        raise ScenarioError(f"scenario: {total:.0f} s is longer than the 1 h limit")
    _check_standing_alone(sc)


def _segment_duration_s(s: Segment, end: int) -> float:
    """A segment's duration with each range at its minimum (``end=0``) or maximum (1)."""
    if isinstance(s, (RepsSegment, LookalikeSegment)):
        return s.count * (s.period_s[end] + s.hold_s) + max(s.count - 1, 0) * s.gap_s[end]
    return s.duration_s


def schedule_duration_s(segments: list[Segment]) -> float:
    """Longest duration the segments can take (using each range's maximum)."""
    return sum(_segment_duration_s(s, 1) for s in segments)


def _segment_windows(segments: list[Segment]) -> list[tuple[float, float, Segment]]:
    """``(earliest start, latest end, segment)`` of each segment, over every draw of the ranges."""
    out, lo, hi = [], 0.0, 0.0
    for s in segments:
        a = lo
        lo, hi = lo + _segment_duration_s(s, 0), hi + _segment_duration_s(s, 1)
        out.append((a, hi, s))
    return out


def _check_standing_alone(sc: Scenario) -> None:
    """Refuse a ``stand_up`` that may overlap a movement of either leg (a rep, a fidget,
    another look-alike): standing up moves both legs, so the pose would be impossible and the truth
    wrong."""
    windows = {leg: _segment_windows(sc.legs.get(leg, [])) for leg in LEGS}
    for leg in LEGS:
        for a, b, seg in windows[leg]:
            if not (isinstance(seg, LookalikeSegment) and seg.kind == "stand_up" and seg.count):
                continue
            for other in LEGS:
                if other == leg:  # one leg's segments follow each other: never at once
                    continue
                for c, d, o in windows[other]:
                    moving = (isinstance(o, FidgetSegment)
                              or (isinstance(o, RepsSegment) and o.count > 0)
                              or (isinstance(o, LookalikeSegment) and o.kind != "stand_up"
                                  and o.count > 0))
                    if moving and c < b and a < d:
                        raise ScenarioError(
                            f"legs.{leg}: stand_up ({a:g}-{b:g} s) may overlap legs.{other}'s "
                            f"{getattr(o, 'kind', 'reps')} ({c:g}-{d:g} s): standing up moves "
                            f"both legs; put a rest on the other leg while standing")


# ------------------------------------------------------------------------ files and flags


def load_scenario(path: str | Path) -> Scenario:
    """Read a ``.json``, ``.yaml`` or ``.yml`` scenario file."""
    p = Path(path)
    if not p.is_file():
        raise InputMissingError(f"scenario file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputMissingError(f"cannot read scenario file {p}: {exc}") from exc
    if p.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            raise ScenarioError("YAML scenarios need pyyaml: pip install 'hipcam[synth]'") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ScenarioError(f"{p}: invalid YAML: {str(exc).splitlines()[0]}") from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{p}: invalid JSON: {exc}") from exc
    return scenario_from_dict(data)


_SEG_WORD = re.compile(r"^(rest|reps|fidget|" + "|".join(LOOKALIKE_KINDS) + r")$")


def parse_schedule_text(text: str, where: str = "schedule") -> list[dict[str, Any]]:
    """Parse the compact flag syntax into segment dicts.

    Segments are separated by ``;``; each is a type, its main value, then ``key=value``
    options, ranges written ``a-b`` or ``a..b``::

        "rest 1; reps 10 period_s=1.8 amplitude_deg=25-35 profile=jerky; fidget 3 amplitude_deg=2"

    Short option names ``period``, ``amp``, ``gap``, ``hold``, ``jerk`` are accepted too.
    """
    aliases = {"period": "period_s", "amp": "amplitude_deg", "amplitude": "amplitude_deg",
               "gap": "gap_s", "hold": "hold_s", "jerk": "jerk_level"}
    out: list[dict[str, Any]] = []
    for i, chunk in enumerate(c.strip() for c in text.split(";")):
        if not chunk:
            continue
        words = chunk.split()
        w = f"{where} segment {i + 1} ({chunk!r})"
        if not _SEG_WORD.match(words[0]):
            raise ScenarioError(f"{w}: must start with rest, reps, fidget or a look-alike "
                                f"({', '.join(LOOKALIKE_KINDS)})")
        if len(words) < 2 or "=" in words[1]:
            raise ScenarioError(f"{w}: {words[0]} needs a value (seconds, or count for reps)")
        seg: dict[str, Any] = {words[0]: _flag_value(words[1], w)}
        for word in words[2:]:
            if "=" not in word:
                raise ScenarioError(f"{w}: expected key=value, got {word!r}")
            key, value = word.split("=", 1)
            seg[aliases.get(key, key)] = _flag_value(value, w)
        out.append(seg)
    return out


def _flag_value(text: str, where: str) -> Any:
    m = re.fullmatch(r"\[?\s*([-+]?[0-9.]+)\s*(?:-|\.\.|,)\s*([-+]?[0-9.]+)\s*\]?", text)
    if m:
        return [_to_number(m.group(1), where), _to_number(m.group(2), where)]
    if re.fullmatch(r"[-+]?[0-9.]+(e[-+]?[0-9]+)?", text):
        return _to_number(text, where)
    return text


def _to_number(text: str, where: str) -> float | int:
    try:
        v = float(text)
    except ValueError as exc:
        raise ScenarioError(f"{where}: not a number: {text!r}") from exc
    return int(v) if v.is_integer() and "." not in text else v
