#!/usr/bin/env python3
"""The floor for ``hipcam analyse``: decode + ``PoseLandmarker.detect_for_video``, nothing else.

The model and confidences of :class:`hipcam.pose.PoseEstimator`'s tracker (VIDEO mode, 0.5
confidences) and the setting a user needs, one person (``--num-poses 1``, the default: after the
first frame MediaPipe tracks the person and skips its detector). ``--num-poses 2`` is the loop
hipcam used to run (the detector runs on every frame in which fewer than two people are
tracked). Each frame is decoded with OpenCV, converted BGR→RGB (MediaPipe takes RGB) and
detected, all in one thread. Used by ``benchmarks/throughput.py``.

Usage: ``bare_loop.py VIDEO [--num-poses N] [--model PATH]``
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("video")
    from hipcam.pose import default_model_path

    ap.add_argument("--model", default=str(default_model_path()),
                    help="pose .task bundle (default: hipcam's default model)")
    ap.add_argument("--num-poses", type=int, default=1, help="people MediaPipe may report (default 1)")
    args = ap.parse_args()
    os.environ.setdefault("GLOG_minloglevel", "2")
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=args.model),
        running_mode=vision.RunningMode.VIDEO, num_poses=args.num_poses,
        min_pose_detection_confidence=0.5, min_pose_presence_confidence=0.5,
        min_tracking_confidence=0.5)
    landmarker = vision.PoseLandmarker.create_from_options(options)
    cap = cv2.VideoCapture(args.video)
    fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
    n = 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                    int(round(n * 1000.0 / fps)))
        n += 1
    cap.release()
    landmarker.close()
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
