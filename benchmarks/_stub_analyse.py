#!/usr/bin/env python3
"""``hipcam analyse VIDEO --json --plot`` with the pose model replaced by a stub (for memory.py).

Everything but the model runs as in the real command — decoding, the decode thread, the
post-processing stage, the session analyser, the pose series, JSON and plot — so the growth of
memory with video length can be measured quickly; the model's own memory does not depend on the
video's length. The stub returns a plausible seated pose that swings the left shin (~1 rep/2 s).

Usage: ``_stub_analyse.py VIDEO OUT_DIR``
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

from hipcam.pose import L_ANKLE, L_HIP, L_KNEE, N_LANDMARKS, R_ANKLE, R_HIP, R_KNEE, PoseSample


class StubEstimator:
    """Stands in for :class:`hipcam.pose.PoseEstimator`; a fresh sample (new arrays) each frame."""

    model_path = Path("stub")

    def detect(self, img: object, t_s: float) -> PoseSample:
        xy = np.full((N_LANDMARKS, 2), 240.0, np.float32)
        world = np.zeros((N_LANDMARKS, 3), np.float32)
        swing = math.radians(15.0 * (1 - math.cos(math.pi * t_s)))  # 0–30°, period 2 s
        legs = ((L_HIP, L_KNEE, L_ANKLE, 360.0, -swing), (R_HIP, R_KNEE, R_ANKLE, 280.0, 0.0))
        for hip, knee, ankle, u, a in legs:
            xy[hip] = (u, 200.0)
            xy[knee] = (u, 260.0)
            xy[ankle] = (u + 100.0 * math.sin(a), 260.0 + 100.0 * math.cos(a))
            side = 0.1 if u > 300 else -0.1
            world[hip] = (side, 0.0, 0.0)
            world[knee] = (side, 0.05, -0.4)
            world[ankle] = (side + 0.42 * math.sin(a), 0.47 * math.cos(a), -0.4)
        return PoseSample(xy, np.ones(N_LANDMARKS, np.float32), world, 1)

    def close(self) -> None:
        pass


def main() -> int:
    from hipcam.pipeline import analyse_video
    from hipcam.report import atomic_write_bytes, json_bytes, plot_png

    video, out = Path(sys.argv[1]), Path(sys.argv[2])
    result = analyse_video(video, estimator=StubEstimator())  # type: ignore[arg-type]
    doc = result.to_dict()
    atomic_write_bytes(out / "a.json", json_bytes(doc))
    atomic_write_bytes(out / "a.png", plot_png(doc, result.series, 100))
    print(doc["legs"]["left"]["reps"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
