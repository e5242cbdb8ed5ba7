"""Pose the anny body sitting on a bed edge and rotating its hips (needs the synth extra).

anny's axes: Z up, -Y the person's front, +X the person's LEFT, origin at the pelvis. With
the default ``local-ref`` pose parameterisation each bone's 4x4 delta is a rotation in
world-aligned axes about the bone's head, composed after its parent's posed rotation, so a
bone's world rotation is ``G_child = G_parent @ D_child``.

Seated pose: thigh (``upperleg01``) -90 deg about X (forward), knee (``lowerleg01``) +90 deg
about X relative to the thigh (shin hanging), arms brought down so the hands rest on the
thighs. Hip external rotation by theta rotates the flexed thigh about its own hip->knee axis
(``G_thigh = R(axis, s*theta) @ Rx(-90)``), with the sign ``s`` chosen per leg so that a
positive theta swings the foot toward the other leg. The knee therefore stays put and only
the shin and foot move.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hipcam.errors import HipcamError

SYNTH_EXTRA_MESSAGE = "hipcam synth needs the synth extra: pip install 'hipcam[synth]'"

#: Bones whose heads we report: name in the truth -> anny bone label.
JOINT_BONES: dict[str, str] = {
    "hip_L": "upperleg01.L", "knee_L": "lowerleg01.L", "ankle_L": "foot.L",
    "hip_R": "upperleg01.R", "knee_R": "lowerleg01.R", "ankle_R": "foot.R",
    "shoulder_L": "upperarm01.L", "shoulder_R": "upperarm01.R",
    "elbow_L": "lowerarm01.L", "elbow_R": "lowerarm01.R",
    "wrist_L": "wrist.L", "wrist_R": "wrist.R", "head": "head",
}

_MODEL_CACHE: dict[str, Any] = {}


def import_torch_anny() -> tuple[Any, Any]:
    """Import torch and anny, or raise the one-line 'needs the synth extra' error."""
    try:
        import anny
        import torch
    except ImportError as exc:
        raise HipcamError(SYNTH_EXTRA_MESSAGE) from exc
    return torch, anny


def anny_cache_dir() -> Path:
    """Where anny keeps its built model (``ANNY_CACHE_DIR`` or ``~/.cache/anny``).

    anny builds it from the assets inside its own package on first use (~1-3 min, no
    network) and loads it in a few seconds afterwards.
    """
    return Path(os.environ.get("ANNY_CACHE_DIR", str(Path.home() / ".cache" / "anny")))


def load_model() -> Any:
    """The anny full-body model (built once per process, cached on disk by anny)."""
    if "model" not in _MODEL_CACHE:
        torch, anny = import_torch_anny()
        import warnings

        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _MODEL_CACHE["model"] = anny.Anny(skinning_method="lbs")
    return _MODEL_CACHE["model"]


def rotation_about_axis(axis: np.ndarray, angle_rad: float | np.ndarray) -> np.ndarray:
    """Rodrigues rotation matrices (..., 3, 3) about a unit ``axis`` by ``angle_rad``."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    ang = np.asarray(angle_rad, dtype=float)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    s = np.sin(ang)[..., None, None]
    c = np.cos(ang)[..., None, None]
    return np.eye(3) + s * k + (1 - c) * (k @ k)


def rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest rotation (3, 3) taking direction ``a`` to direction ``b``."""
    a = np.asarray(a, float) / np.linalg.norm(a)
    b = np.asarray(b, float) / np.linalg.norm(b)
    axis = np.cross(a, b)
    s = np.linalg.norm(axis)
    if s < 1e-9:
        return np.eye(3)
    return rotation_about_axis(axis / s, float(np.arctan2(s, np.dot(a, b))))


@dataclass
class PosedFrames:
    """Output of :meth:`SeatedBody.pose` for a batch of B frames."""

    vertices: np.ndarray  #: (B, V, 3) float32, metres, anny axes
    joints: dict[str, np.ndarray]  #: name -> (B, 3), see JOINT_BONES


class SeatedBody:
    """An anny body with a fixed phenotype, posed seated, driven by two hip angles."""

    def __init__(self, phenotype: dict[str, float]) -> None:
        torch, _ = import_torch_anny()
        self._torch = torch
        self.model = load_model()
        self.phenotype = dict(phenotype)
        m = self.model
        self.bone_index = {name: i for i, name in enumerate(m.bone_labels)}
        self.faces = m.faces.detach().cpu().numpy().astype(np.int64)
        self.uv = m.texture_coordinates.detach().cpu().numpy().astype(np.float32)
        self.face_uv = m.face_texture_coordinate_indices.detach().cpu().numpy().astype(np.int64)
        w = m.vertex_bone_weights.detach().cpu().numpy()
        idx = m.vertex_bone_indices.detach().cpu().numpy()
        #: index of the bone with the largest skinning weight, per vertex
        self.dominant_bone = idx[np.arange(idx.shape[0]), np.argmax(w, axis=1)]

        with torch.no_grad():
            rest = m(phenotype_kwargs=self._phenotype_tensor())
        self.rest_vertices = rest["vertices"][0].cpu().numpy()
        heads = rest["bone_poses"][0, :, :3, 3].cpu().numpy()
        self.rest_heads = heads

        def head(name: str) -> np.ndarray:
            return heads[self.bone_index[name]]

        rx_m90 = rotation_about_axis(np.array([1.0, 0, 0]), np.radians(-90.0))
        self._rx_m90 = rx_m90
        self._rx_p90 = rotation_about_axis(np.array([1.0, 0, 0]), np.radians(90.0))
        # Thigh axis (hip -> knee) once flexed, and the rotation sign per leg: +theta moves
        # the foot toward the other leg (the left foot toward -X, the right foot toward +X).
        self.thigh_axis: dict[str, np.ndarray] = {}
        self.rotation_sign: dict[str, float] = {}
        for side in ("L", "R"):
            axis = rx_m90 @ (head(f"lowerleg01.{side}") - head(f"upperleg01.{side}"))
            axis /= np.linalg.norm(axis)
            self.thigh_axis[side] = axis
            shin = head(f"foot.{side}") - head(f"lowerleg01.{side}")
            moved = rotation_about_axis(axis, np.radians(10.0)) @ shin
            toward_mid = -1.0 if side == "L" else 1.0
            self.rotation_sign[side] = 1.0 if (moved - shin)[0] * toward_mid > 0 else -1.0
        self._arm_deltas = self._arm_pose(head)

    # ------------------------------------------------------------------ internals

    def _phenotype_tensor(self) -> dict[str, Any]:
        t = self._torch
        return {k: t.tensor([float(v)], dtype=self.model.dtype) for k, v in self.phenotype.items()}

    def _arm_pose(self, head: Any) -> dict[str, np.ndarray]:
        """World rotations bringing the arms down so the hands rest on the thighs."""
        deltas: dict[str, np.ndarray] = {}
        for side, sx in (("L", 1.0), ("R", -1.0)):
            shoulder = head(f"upperarm01.{side}")
            elbow = head(f"lowerarm01.{side}")
            wrist = head(f"wrist.{side}")
            hip = head(f"upperleg01.{side}")
            knee_seated = hip + self._rx_m90 @ (head(f"lowerleg01.{side}") - hip)
            upper_len = np.linalg.norm(elbow - shoulder)
            # hand target: on top of the thigh, a bit more than half way to the knee
            target = hip + 0.72 * (knee_seated - hip)
            target = target + np.array([0.0, 0.0, 0.10])
            target[0] = hip[0] + sx * 0.05
            # elbow: below the shoulder, slightly out and back, at upper_len from it
            up_dir = np.array([sx * 0.25, 0.15, -1.0])
            up_dir /= np.linalg.norm(up_dir)
            elbow_new = shoulder + upper_len * up_dir
            fore_dir = target - elbow_new
            fore_dir /= np.linalg.norm(fore_dir)
            g_upper = rotation_between(elbow - shoulder, up_dir)
            g_fore = rotation_between(wrist - elbow, fore_dir)
            deltas[f"upperarm01.{side}"] = g_upper
            deltas[f"lowerarm01.{side}"] = g_upper.T @ g_fore
        return deltas

    def _pose_tensor(self, theta_left_deg: np.ndarray, theta_right_deg: np.ndarray,
                     sway_deg: dict[str, np.ndarray] | None = None,
                     extra: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] | None = None,
                     stand_deg: np.ndarray | None = None) -> Any:
        t = self._torch
        b = len(theta_left_deg)
        n = len(self.bone_index)
        pose = np.tile(np.eye(4), (b, n, 1, 1))
        if sway_deg:
            ex, ey, ez = np.eye(3)
            pitch = np.radians(np.asarray(sway_deg["trunk_pitch"], float))
            roll = np.radians(np.asarray(sway_deg["trunk_roll"], float))
            yaw = np.radians(np.asarray(sway_deg["head_yaw"], float))
            # lean forward = rotate about -X (the top goes toward -Y, the front); lean to the
            # person's left = about -Y (the top goes toward +X); head turn left = about +Z
            # (the face, -Y, turns toward +X).
            trunk = rotation_about_axis(-ex, pitch) @ rotation_about_axis(-ey, roll)
            pose[:, self.bone_index["spine05"], :3, :3] = trunk
            pose[:, self.bone_index["neck01"], :3, :3] = rotation_about_axis(ez, yaw)
        ez = np.array([0.0, 0.0, 1.0])
        ex = np.array([1.0, 0.0, 0.0])
        for side, theta in (("L", theta_left_deg), ("R", theta_right_deg)):
            ang = np.radians(np.asarray(theta, float)) * self.rotation_sign[side]
            g_thigh = rotation_about_axis(self.thigh_axis[side], ang) @ self._rx_m90
            knee = self._rx_p90
            ext = 0.0
            if extra is not None:
                # abduction: the thigh swings outward about the vertical through the hip (the
                # left knee toward +X); knee extension: the shin swings forward about the
                # thigh's own X axis (a delta composed after the thigh's rotation)
                abd = np.radians(np.asarray(extra[1][side], float)) * (1.0 if side == "L" else -1.0)
                g_thigh = rotation_about_axis(ez, abd) @ g_thigh
                ext = np.radians(np.asarray(extra[0][side], float))
                knee = rotation_about_axis(ex, np.pi / 2 - ext)
            if stand_deg is not None:
                # standing up: the thigh turns down about the hip's X axis and the knee opens as
                # much, so the shin keeps hanging (:meth:`pose` moves the body over the feet)
                beta = np.radians(np.asarray(stand_deg, float))
                g_thigh = rotation_about_axis(ex, beta) @ g_thigh
                knee = rotation_about_axis(ex, np.pi / 2 - ext - beta)
            pose[:, self.bone_index[f"upperleg01.{side}"], :3, :3] = g_thigh
            pose[:, self.bone_index[f"lowerleg01.{side}"], :3, :3] = knee
        for name, rot in self._arm_deltas.items():
            pose[:, self.bone_index[name], :3, :3] = rot
        return t.as_tensor(pose, dtype=self.model.dtype)

    # ------------------------------------------------------------------ public

    def pose(self, theta_left_deg: np.ndarray, theta_right_deg: np.ndarray,
             sway_deg: dict[str, np.ndarray] | None = None,
             knee_ext_deg: dict[str, np.ndarray] | None = None,
             abduction_deg: dict[str, np.ndarray] | None = None,
             stand_deg: np.ndarray | None = None) -> PosedFrames:
        """Skin the body for B frames with the given hip external-rotation angles (deg),
        optional idle sway (channels of :data:`hipcam.synth.motion.SWAY_CHANNELS`),
        optional look-alike movements per leg (``"L"``/``"R"``): knee extension from 90 deg and
        thigh abduction, in degrees, and optionally standing up (``stand_deg``, B values: both
        thighs turned down from level by that much, the knees opened as much, the whole body
        moved so the feet stay where they were seated)."""
        t = self._torch
        theta_left_deg = np.atleast_1d(np.asarray(theta_left_deg, float))
        theta_right_deg = np.atleast_1d(np.asarray(theta_right_deg, float))
        extra = None
        if knee_ext_deg is not None or abduction_deg is not None:
            zero = np.zeros_like(theta_left_deg)
            ke = knee_ext_deg or {}
            ab = abduction_deg or {}
            extra = ({s: np.asarray(ke.get(s, zero), float) for s in ("L", "R")},
                     {s: np.asarray(ab.get(s, zero), float) for s in ("L", "R")})
        with t.no_grad():
            out = self.model(
                pose_parameters=self._pose_tensor(theta_left_deg, theta_right_deg, sway_deg,
                                                  extra, stand_deg),
                phenotype_kwargs=self._phenotype_tensor(),
            )
        verts = out["vertices"].cpu().numpy().astype(np.float32)
        heads = out["bone_poses"][:, :, :3, 3].cpu().numpy()
        joints = {k: heads[:, self.bone_index[b]] for k, b in JOINT_BONES.items()}
        if stand_deg is not None:
            shift = self._standing_shift(np.asarray(stand_deg, float))
            verts = (verts + shift[:, None, :]).astype(np.float32)
            joints = {k: v + shift for k, v in joints.items()}
        return PosedFrames(vertices=verts, joints=joints)

    def _standing_shift(self, stand_deg: np.ndarray) -> np.ndarray:
        """(B, 3) translation keeping the feet in place as the thighs turn down by ``stand_deg``:
        the knee (and the hanging shin below it) drops by ``(R_x(β) - I)(knee - hip)``, so the
        body moves by the opposite — up and forward over the feet."""
        out = np.zeros((len(stand_deg), 3))
        for side in ("L", "R"):
            hip = self.rest_heads[self.bone_index[f"upperleg01.{side}"]]
            knee = hip + self._rx_m90 @ (self.rest_heads[self.bone_index[f"lowerleg01.{side}"]] - hip)
            for i, b in enumerate(np.radians(stand_deg)):
                r = rotation_about_axis(np.array([1.0, 0.0, 0.0]), float(b))
                out[i] -= 0.5 * ((r - np.eye(3)) @ (knee - hip))
        return out

    def bone_names_of_vertices(self) -> list[str]:
        """Label of each vertex's dominant bone."""
        labels = self.model.bone_labels
        return [labels[i] for i in self.dominant_bone]
