"""A second person walking through a rendered session: the passer-by scenarios.

A physio or a family member walks through the picture while the patient exercises; the
patient's count must not change. :func:`add_passer_by` composites the person of another video
(cut out with the pose model's own segmentation mask, so no rendering extra is needed) into a
patient video: they walk in — from the right edge, or from the left edge across the picture
behind the patient, who stays in front — stop beside the patient for a while (moving as in
their own video, e.g. doing reps of their own), then walk out on the right. The patient's truth
files are copied beside the output with the passer-by's path added, since the patient's reps
are unchanged.

A passer-by brushing past the patient's legs disturbs the landmarks of those legs whoever is
followed (the model sees the two silhouettes touch): with ``from_left`` the idle leg of
``one_leg_smooth`` picks up one spurious small rep (as it did with the former two-person
tracking), so count checks use the default path, and the crossing checks who is followed.

Needs ffmpeg (H.264 output) and the pose model; no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass(frozen=True)
class PasserByPath:
    """When and where the passer-by walks (seconds from the video start, fractions of the width).

    ``stand_x`` is where the passer-by's centre stops (0 = left edge, 1 = right edge);
    ``scale`` is their size relative to how they appear in their own video (above 1: nearer
    the camera than the patient). ``behind``: the patient occludes the passer-by.
    ``from_left``: walk in from the left edge, across the picture (else from the right edge).
    """

    enter_s: float = 2.0
    arrive_s: float = 6.0
    leave_s: float = 12.0
    gone_s: float = 15.0
    stand_x: float = 0.8
    scale: float = 1.15
    behind: bool = True
    from_left: bool = False

    def centre_x(self, t_s: float) -> float | None:
        """The passer-by's centre at ``t_s`` (fraction of the width; None = not in the picture)."""
        if t_s < self.enter_s or t_s > self.gone_s:
            return None
        if t_s < self.arrive_s:
            start = -0.25 if self.from_left else 1.25
            return start + (self.stand_x - start) * (t_s - self.enter_s) / (self.arrive_s - self.enter_s)
        if t_s <= self.leave_s:
            return self.stand_x
        return self.stand_x + (1.25 - self.stand_x) * (t_s - self.leave_s) / (self.gone_s - self.leave_s)


class _Segmenter:
    """The pose model in IMAGE mode with segmentation masks: a person's alpha in one frame."""

    def __init__(self, model_path: str | Path | None) -> None:
        from mediapipe.tasks.python import BaseOptions, vision

        from hipcam.pose import _quiet_native_stderr, default_model_path

        with _quiet_native_stderr():
            self._lm = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
                base_options=BaseOptions(model_asset_path=str(model_path or default_model_path())),
                running_mode=vision.RunningMode.IMAGE, num_poses=1, output_segmentation_masks=True))

    def alpha(self, bgr: np.ndarray) -> np.ndarray:
        """(H, W) float32 in 0..1: the most prominent person (zeros when nobody is found)."""
        import mediapipe as mp

        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        result = self._lm.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        if not result.segmentation_masks:
            return np.zeros(bgr.shape[:2], np.float32)
        return np.array(result.segmentation_masks[0].numpy_view(), np.float32).reshape(bgr.shape[:2])

    def close(self) -> None:
        self._lm.close()


def _frames(path: Path, size: tuple[int, int]):
    cap = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, bgr = cap.read()
            if not ok:
                return
            yield cv2.resize(bgr, size, interpolation=cv2.INTER_AREA) if bgr.shape[1::-1] != size else bgr
    finally:
        cap.release()


def add_passer_by(
    video: str | Path,
    passer_video: str | Path,
    out: str | Path,
    path: PasserByPath | None = None,
    size: tuple[int, int] = (320, 240),
    model_path: str | Path | None = None,
    crf: int = 23,
    until_s: float | None = None,
) -> Path:
    """Write ``out``: ``video`` at ``size`` with the person of ``passer_video`` walking through.

    The truth files of ``video`` (``.json``, ``.csv``), when they exist, are copied beside
    ``out``; the JSON gains a ``passer_by`` entry (its source and :class:`PasserByPath`).
    ``until_s`` cuts the video there; then only the per-frame truth (``.csv``) is copied, since
    the rep counts of the JSON are those of the whole video.
    """
    video, passer_video, out = Path(video), Path(passer_video), Path(out)
    path = path or PasserByPath()
    if shutil.which("ffmpeg") is None:
        raise RuntimeError("ffmpeg is needed to write the passer-by video")
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    cap.release()
    w, h = size
    seg = _Segmenter(model_path)
    tmp = out.with_name(out.stem + ".part" + out.suffix)
    proc = subprocess.Popen(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}",
         "-r", f"{fps}", "-i", "-", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf),
         "-pix_fmt", "yuv420p", "-g", str(int(round(fps))), str(tmp)], stdin=subprocess.PIPE)
    assert proc.stdin is not None
    passer = _frames(passer_video, size)
    try:
        for k, frame in enumerate(_frames(video, size)):
            t_s = k / fps
            if until_s is not None and t_s >= until_s:
                break
            cx = path.centre_x(t_s)
            other = next(passer, None)
            if other is None:  # loop the passer-by's video
                passer = _frames(passer_video, size)
                other = next(passer, None)
            if cx is not None and other is not None:
                frame = _composite(frame, other, seg, cx, path)
            proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        proc.stdin.close()
        if proc.wait() != 0:
            raise RuntimeError("ffmpeg failed writing the passer-by video")
    finally:
        seg.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    os.replace(tmp, out)
    truth = video.with_suffix(".json")
    if truth.is_file() and until_s is None:
        doc = json.loads(truth.read_text())
        doc["passer_by"] = {"video": passer_video.name, **asdict(path)}
        out.with_suffix(".json").write_text(json.dumps(doc, indent=1))
    if video.with_suffix(".csv").is_file():
        shutil.copyfile(video.with_suffix(".csv"), out.with_suffix(".csv"))
    return out


def _composite(frame: np.ndarray, other: np.ndarray, seg: _Segmenter, cx: float,
               path: PasserByPath) -> np.ndarray:
    """``frame`` with the person in ``other`` scaled, centred at ``cx`` × width, feet level kept."""
    h, w = frame.shape[:2]
    a = seg.alpha(other)
    ys, xs = np.nonzero(a > 0.5)
    if len(xs) == 0:
        return frame
    x0, x1, y0, y1 = xs.min(), xs.max() + 1, ys.min(), ys.max() + 1
    pw, ph = int(round((x1 - x0) * path.scale)), int(round((y1 - y0) * path.scale))
    if pw < 2 or ph < 2:
        return frame
    person = cv2.resize(other[y0:y1, x0:x1], (pw, ph), interpolation=cv2.INTER_LINEAR)
    alpha = cv2.resize(a[y0:y1, x0:x1], (pw, ph), interpolation=cv2.INTER_LINEAR)
    left = int(round(cx * w - pw / 2))
    bottom = min(int(round(y1 + 0.05 * h)), h)  # feet a little lower: nearer the camera
    top = bottom - ph
    # the part of the pasted box inside the frame
    fx0, fx1, fy0, fy1 = max(left, 0), min(left + pw, w), max(top, 0), min(bottom, h)
    if fx0 >= fx1 or fy0 >= fy1:
        return frame
    px0, py0 = fx0 - left, fy0 - top
    al = alpha[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0]
    if path.behind:
        al = al * (1.0 - seg.alpha(frame)[fy0:fy1, fx0:fx1])
    al = al[..., None]
    out = frame.copy()
    region = out[fy0:fy1, fx0:fx1].astype(np.float32)
    pasted = person[py0 : py0 + fy1 - fy0, px0 : px0 + fx1 - fx0].astype(np.float32)
    out[fy0:fy1, fx0:fx1] = np.clip(region * (1.0 - al) + pasted * al, 0, 255).astype(np.uint8)
    return out
