"""Scenario generator for the smoothness grid: tempo × size × jerk level × camera azimuth.

``hipcam synth --grid "tempo=1,2,4,6 size=12,25,45 jerk=0,0.5,1 azimuth=0,45,90" -o DIR``
writes one video per (jerk level, azimuth), named ``grid_j<jerk>_az<azimuth>_s<seed>.mp4``: one
leg rests :data:`LEAD_REST_S` (time for the noise floor to be measured, as a person settles
before a set), then does ``reps`` reps of every tempo × size cell in turn, each cell followed by
:data:`CELL_GAP_S` of rest so that every rep stands alone. ``pairs`` instead of the full cross
product takes the i-th tempo with the i-th size (a diagonal: fewer frames to render). Jerk level
0 is the smooth minimum-jerk profile; above 0 the stop-and-go profile of
:func:`hipcam.synth.motion.make_jerky_plan`. Pure: no rendering here (see :func:`grid_scenarios`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hipcam.synth.scenario import CameraSpec, RepsSegment, RestSegment, Scenario, ScenarioError

LEAD_REST_S = 3.0
CELL_GAP_S = 1.0
TAIL_REST_S = 1.5
GRID_KEYS = ("tempo", "size", "jerk", "azimuth")


@dataclass(frozen=True)
class GridSpec:
    """The axes of the grid (tempo = seconds per rep, size = peak angle in degrees)."""

    tempo_s: tuple[float, ...] = (1.0, 2.0, 4.0, 6.0)
    size_deg: tuple[float, ...] = (12.0, 25.0, 45.0)
    jerk_levels: tuple[float, ...] = (0.0, 0.5, 1.0)
    azimuth_deg: tuple[float, ...] = (0.0, 45.0, 90.0)
    pairs: bool = False  # tempo i with size i instead of the cross product
    reps: int = 1  # reps per cell

    def cells(self) -> list[tuple[float, float]]:
        """``(tempo_s, size_deg)`` of each cell, in the order they are performed."""
        if self.pairs:
            if len(self.tempo_s) != len(self.size_deg):
                raise ScenarioError("--grid pairs: tempo and size need the same number of values")
            return list(zip(self.tempo_s, self.size_deg, strict=True))
        return list(itertools.product(self.tempo_s, self.size_deg))


def parse_grid(text: str) -> GridSpec:
    """``"tempo=1,2,4 size=12,30 jerk=0,1 azimuth=0,90 [pairs] [reps=2]"`` -> :class:`GridSpec`."""
    values: dict[str, tuple[float, ...]] = {}
    pairs, reps = False, 1
    for item in text.replace(";", " ").split():
        if item == "pairs":
            pairs = True
            continue
        key, sep, val = item.partition("=")
        if not sep:
            raise ScenarioError(f"--grid: expected KEY=V1,V2,... or 'pairs', got {item!r}")
        try:
            nums = tuple(float(v) for v in val.split(",") if v)
        except ValueError as exc:
            raise ScenarioError(f"--grid {key}: not a list of numbers: {val!r}") from exc
        if key == "reps":
            if len(nums) != 1 or nums[0] < 1 or not nums[0].is_integer():
                raise ScenarioError(f"--grid reps: expected one whole number >= 1, got {val!r}")
            reps = int(nums[0])
            continue
        if key not in GRID_KEYS:
            raise ScenarioError(f"--grid: unknown axis {key!r}; axes: {', '.join(GRID_KEYS)}")
        if not nums:
            raise ScenarioError(f"--grid {key}: no values")
        values[key] = nums
    d = GridSpec()
    spec = GridSpec(values.get("tempo", d.tempo_s), values.get("size", d.size_deg),
                    values.get("jerk", d.jerk_levels), values.get("azimuth", d.azimuth_deg),
                    pairs, reps)
    _validate(spec)
    return spec


def _validate(spec: GridSpec) -> None:
    for t in spec.tempo_s:
        if not 0.5 <= t <= 20:
            raise ScenarioError(f"--grid tempo: {t:g} s per rep is outside 0.5..20")
    for s in spec.size_deg:
        if not 8 < s <= 70:
            raise ScenarioError(f"--grid size: {s:g} deg is outside (8, 70]")
    for j in spec.jerk_levels:
        if not 0 <= j <= 1:
            raise ScenarioError(f"--grid jerk: {j:g} is outside 0..1")
    for a in spec.azimuth_deg:
        if not -90 <= a <= 90:
            raise ScenarioError(f"--grid azimuth: {a:g} deg is outside -90..90")
    spec.cells()


def grid_name(jerk_level: float, azimuth_deg: float, seed: int) -> str:
    """File stem of one grid video."""
    return f"grid_j{jerk_level:g}_az{azimuth_deg:g}_s{seed}"


def grid_scenarios(spec: GridSpec, base: Scenario | None = None, leg: str = "right"
                   ) -> list[Scenario]:
    """One scenario per (jerk level, azimuth); everything else (body, clothing, video, seed)
    from ``base``. The other leg rests throughout."""
    base = base or Scenario()
    out = []
    for jerk, az in itertools.product(spec.jerk_levels, spec.azimuth_deg):
        segs: list = [RestSegment(LEAD_REST_S)]
        for tempo, size in spec.cells():
            segs.append(RepsSegment(
                count=spec.reps, period_s=(tempo, tempo), amplitude_deg=(size, size),
                profile="jerky" if jerk > 0 else "smooth", jerk_level=jerk,
                gap_s=(CELL_GAP_S, CELL_GAP_S)))
            segs.append(RestSegment(CELL_GAP_S))
        segs[-1] = RestSegment(TAIL_REST_S)
        cam = base.camera
        out.append(Scenario(
            name=grid_name(jerk, az, base.seed), seed=base.seed, body=base.body,
            clothing=base.clothing,
            camera=CameraSpec(az, cam.height_m, cam.distance_m, cam.yfov_deg),
            lighting=base.lighting, video=base.video,
            legs={leg: segs, ("left" if leg == "right" else "right"): []}))
    return out

