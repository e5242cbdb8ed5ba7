"""What ``pip install hipcam`` puts in the environment."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

OPENCV_DISTRIBUTIONS = {"opencv-python", "opencv-contrib-python", "opencv-python-headless",
                        "opencv-contrib-python-headless"}
ROOT = Path(__file__).resolve().parent.parent


def _cv2_owners() -> set[str]:
    """Installed distributions that ship a ``cv2`` package (by name, and by the files they own)."""
    owners = set()
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        files = dist.files or []
        if name in OPENCV_DISTRIBUTIONS or any(str(f).startswith("cv2/") for f in files):
            owners.add(name)
    return owners


def test_exactly_one_opencv_distribution_is_installed() -> None:
    """OpenCV's packaging documentation: never install two of its wheels into one ``cv2`` folder."""
    owners = _cv2_owners()
    assert len(owners) == 1, f"several distributions install cv2: {sorted(owners)}"
    import cv2

    assert cv2.__version__ == metadata.version(owners.pop()).rsplit(".", 1)[0]


def test_hipcam_depends_on_the_opencv_mediapipe_brings() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    deps = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    ours = {d for d in OPENCV_DISTRIBUTIONS if f'"{d}' in deps}
    mediapipe_needs = {r.split(";")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower()
                       for r in metadata.requires("mediapipe") or []}
    assert ours and ours <= mediapipe_needs, (ours, mediapipe_needs)
