#!/usr/bin/env python3
"""What going past the model's floor would buy, judged by counts and smoothness scores.

Each variant wraps :class:`hipcam.pose.PoseEstimator` and runs the real pipeline
(``hipcam.pipeline.analyse_video``) on the rendered sample videos, whose truth is known:

* ``full`` — every frame at its own size (what ``hipcam analyse`` does);
* ``half-size`` — each frame shrunk to half its width and height (INTER_AREA) before the model,
  landmarks scaled back: the "smaller input";
* ``still-skip`` — an adaptive stride in the pose layer: while the picture of both legs (a
  24×24 grey thumbnail of the region round knees, ankles and feet) has not changed since the
  last frame the model saw (largest cell difference below ``--still-level`` grey levels), the
  model is skipped and the last landmarks are held, for at most ``--max-skip`` frames in a row;
  as soon as the legs move the model runs on every frame;
* ``stride-2`` — every other frame, for reference (``--stride 2``).

Printed per variant and video: counts against the truth, the largest per-rep smoothness score
difference from ``full`` (the judge: counts exact, scores within 3 points), the share of frames
the model ran on, and CPU seconds (measured in this process, variants interleaved per video).

Usage: ``python benchmarks/past_floor.py [VIDEO ...] [--variants full,half-size,still-skip]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import load_note, machine, sample_videos  # noqa: E402

from hipcam.pose import (  # noqa: E402
    L_ANKLE,
    L_FOOT,
    L_HEEL,
    L_KNEE,
    R_ANKLE,
    R_FOOT,
    R_HEEL,
    R_KNEE,
    PoseEstimator,
    PoseSample,
    PreparedImage,
    prepare_image,
)

LEG_POINTS = [L_KNEE, R_KNEE, L_ANKLE, R_ANKLE, L_HEEL, R_HEEL, L_FOOT, R_FOOT]


class Counting:
    """A :class:`PoseEstimator` that counts the frames the model ran on."""

    def __init__(self) -> None:
        self.est = PoseEstimator()
        self.model_path = self.est.model_path
        self.model_frames = 0

    def infer(self, img: PreparedImage, t_s: float) -> PoseSample | None:
        self.model_frames += 1
        return self.est.detect(img, t_s)

    def detect(self, img: PreparedImage, t_s: float) -> PoseSample | None:
        return self.infer(img, t_s)

    def close(self) -> None:
        self.est.close()


class HalfSize(Counting):
    def detect(self, img: PreparedImage, t_s: float) -> PoseSample | None:
        rgb = img.image.numpy_view()[..., :3]
        small = cv2.resize(rgb, (img.width // 2, img.height // 2), interpolation=cv2.INTER_AREA)
        s = self.infer(prepare_image(small), t_s)
        if s is None:
            return None
        k = np.array([img.width / small.shape[1], img.height / small.shape[0]], np.float32)
        return PoseSample(s.image_xy_px * k, s.visibility, s.world_xyz_m, s.n_people, (img.width, img.height))


class StillSkip(Counting):
    def __init__(self, level: float, max_skip: int) -> None:
        super().__init__()
        self.level, self.max_skip = level, max_skip
        self.last: PoseSample | None = None
        self.thumb: np.ndarray | None = None
        self.box: tuple[int, int, int, int] | None = None
        self.skipped = 0

    def _thumb(self, img: PreparedImage) -> np.ndarray:
        assert self.box is not None
        x0, y0, x1, y1 = self.box
        crop = img.image.numpy_view()[y0:y1, x0:x1, :3]
        grey = cv2.cvtColor(np.ascontiguousarray(crop), cv2.COLOR_RGB2GRAY)
        return cv2.resize(grey, (24, 24), interpolation=cv2.INTER_AREA).astype(np.float32)

    def detect(self, img: PreparedImage, t_s: float) -> PoseSample | None:
        if self.last is not None and self.box is not None and self.skipped < self.max_skip:
            if np.abs(self._thumb(img) - self.thumb).max() < self.level:
                self.skipped += 1
                return self.last
        s = self.infer(img, t_s)
        self.last, self.skipped = s, 0
        if s is None:
            self.box = None
            return None
        xy = s.image_xy_px[LEG_POINTS]
        if not np.isfinite(xy).all():
            self.box = None
            return s
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        pad = 0.3 * (hi - lo) + 8
        x0, y0 = np.maximum(lo - pad, 0).astype(int)
        x1, y1 = np.minimum(hi + pad, (img.width, img.height)).astype(int)
        self.box = (x0, y0, x1, y1) if x1 - x0 >= 8 and y1 - y0 >= 8 else None
        if self.box is not None:
            self.thumb = self._thumb(img)
        return s


def run(video: Path, variant: str, args: argparse.Namespace) -> tuple[dict, float, float]:
    from hipcam.pipeline import analyse_video

    est = {"full": Counting, "stride-2": Counting, "half-size": HalfSize}.get(variant)
    est = est() if est else StillSkip(args.still_level, args.max_skip)
    t0 = time.process_time()
    try:
        result = analyse_video(video, estimator=est, stride=2 if variant == "stride-2" else 1)
    finally:
        est.close()
    cpu = time.process_time() - t0
    doc = result.to_dict()
    frames = len(result.pose) if hasattr(result, "pose") else 0
    return doc, cpu, est.model_frames / max(frames * (2 if variant == "stride-2" else 1), 1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("videos", nargs="*", type=Path)
    ap.add_argument("--variants", default="full,half-size,still-skip")
    ap.add_argument("--still-level", type=float, default=8.0, help="grey levels (default 8)")
    ap.add_argument("--max-skip", type=int, default=5, help="frames in a row (default 5)")
    ap.add_argument("--json", type=Path, help="also write every result here")
    args = ap.parse_args()
    videos = args.videos or sample_videos()
    variants = args.variants.split(",")
    if "full" not in variants:
        variants.insert(0, "full")
    print(machine())
    print(load_note())
    out: dict = {}
    cpu_tot = dict.fromkeys(variants, 0.0)
    cpu_video: dict[str, float] = {}
    model_share: dict[str, list[float]] = {v: [] for v in variants}
    worst = dict.fromkeys(variants, 0.0)
    worst_set = dict.fromkeys(variants, 0.0)
    exact = dict.fromkeys(variants, True)
    for video in videos:
        truth_path = video.with_suffix(".json")
        truth = json.loads(truth_path.read_text())["truth"] if truth_path.is_file() else None
        docs = {}
        for v in variants:
            doc, cpu, share = run(video, v, args)
            docs[v] = doc
            cpu_tot[v] += cpu
            cpu_video[v] = cpu
            model_share[v].append(share)
            out[f"{video.stem}/{v}"] = doc
        for v in variants:
            line = []
            for leg in ("left", "right"):
                got = docs[v]["legs"][leg]
                base = docs["full"]["legs"][leg]
                if truth is not None and got["reps"] != truth[leg]["reps"]:
                    exact[v] = False
                sa = [r["smoothness_score"] for r in got["reps_detail"]]
                sb = [r["smoothness_score"] for r in base["reps_detail"]]
                d = max((abs(a - b) for a, b in zip(sa, sb, strict=False)), default=0.0)
                if len(sa) != len(sb):
                    d = float("inf")
                worst[v] = max(worst[v], d)
                want = truth[leg]["reps"] if truth else "?"
                ds = abs((got["smoothness_score"] or 0) - (base["smoothness_score"] or 0))
                worst_set[v] = max(worst_set[v], ds)
                line.append(f"{leg} {got['reps']}/{want} Δrep≤{d:.1f} Δleg {ds:.1f}")
            print(f"  {video.stem:15s} {v:10s} " + "  ".join(line)
                  + f"  model on {100 * model_share[v][-1]:5.1f}% of frames, CPU {cpu_video[v]:6.1f} s",
                  flush=True)
    print("\nvariant     counts exact  max |Δ score| vs full: rep / leg  model frames  CPU s (vs full)")
    for v in variants:
        share = 100 * float(np.mean(model_share[v]))
        print(f"  {v:10s} {'yes' if exact[v] else 'NO':>5s}         {worst[v]:6.1f} / {worst_set[v]:5.1f}"
              f"               {share:5.1f}%      {cpu_tot[v]:7.1f} ({cpu_tot[v] / cpu_tot['full']:.2f})")
    if args.json:
        args.json.write_text(json.dumps(out))
    print(machine().split("; ")[-1] + " (at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
