#!/usr/bin/env python3
"""Rebuild ``models/pose_landmarker_{full,heavy}.task`` from published packages, reproducibly.

MediaPipe >= 0.10.30 wheels ship no pose model and the Tasks ``PoseLandmarker`` wants a
``.task`` bundle normally downloaded at run time. The Apache-2.0 BlazePose GHUM weights do ship
inside the mediapipe 0.10.21 wheel on PyPI, without the TFLite metadata the Tasks API needs. This
script:

1. takes the wheel (``--wheel PATH``, or ``pip download --no-deps mediapipe==0.10.21``),
2. extracts ``pose_detection.tflite`` and ``pose_landmark_full.tflite``; for ``--variant
   heavy`` the landmark model is ``pose_landmark_heavy.tflite`` from the npm registry's
   ``@mediapipe/pose`` package (``--npm-tarball PATH``, or downloaded from the registry; Apache
   2.0 like the wheel, whose ``pose_landmark_full.tflite`` it also ships byte for byte), checked
   against its sha256,
3. adds TFLite metadata (image input + ``NormalizationOptions``) to each model, written with the
   flatbuffers schema modules that the installed mediapipe ships,
4. writes a stored (uncompressed) zip with fixed timestamps holding ``pose_detector.tflite`` and
   ``pose_landmarks_detector.tflite``, and prints its sha256.

Run:  python scripts/build_pose_model.py [--variant full|heavy] [--wheel mediapipe-0.10.21-...whl]
          [--npm-tarball pose-0.5.1675469404.tgz] [--out models/...]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import io
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from types import ModuleType

import flatbuffers

WHEEL_VERSION = "0.10.21"
DETECTOR_IN_WHEEL = "mediapipe/modules/pose_detection/pose_detection.tflite"
LANDMARKER_IN_WHEEL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
NPM_TARBALL = "https://registry.npmjs.org/@mediapipe/pose/-/pose-0.5.1675469404.tgz"
HEAVY_IN_NPM = "package/pose_landmark_heavy.tflite"
HEAVY_SHA256 = "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe"
# The detector expects pixels in [-1, 1]; the landmark model expects [0, 1].
DETECTOR_NORM = (127.5, 127.5)
LANDMARKER_NORM = (0.0, 255.0)
ZIP_DATE = (2025, 1, 31, 0, 0, 0)


def _load_schema(name: str) -> ModuleType:
    """Load one flatbuffers schema module shipped by mediapipe, without importing its package."""
    import mediapipe

    path = Path(mediapipe.__file__).parent / "tasks" / "metadata" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _metadata_bytes(md: ModuleType, name: str, n_outputs: int, mean: float, std: float) -> bytes:
    """Serialise TFLite model metadata: one RGB image input with normalisation options."""
    norm = md.NormalizationOptionsT()
    norm.mean = [mean]
    norm.std = [std]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = norm

    props = md.ImagePropertiesT()
    props.colorSpace = md.ColorSpaceType.RGB
    content = md.ContentT()
    content.contentPropertiesType = md.ContentProperties.ImageProperties
    content.contentProperties = props

    image = md.TensorMetadataT()
    image.name = "image"
    image.content = content
    image.processUnits = [unit]

    outputs = []
    for i in range(n_outputs):
        t = md.TensorMetadataT()
        t.name = f"output_{i}"
        outputs.append(t)

    sub = md.SubGraphMetadataT()
    sub.inputTensorMetadata = [image]
    sub.outputTensorMetadata = outputs

    meta = md.ModelMetadataT()
    meta.name = name
    meta.description = "BlazePose GHUM 3D (from the mediapipe 0.10.21 wheel), Apache-2.0"
    meta.version = WHEEL_VERSION
    meta.license = "Apache License. Version 2.0 http://www.apache.org/licenses/LICENSE-2.0."
    meta.subgraphMetadata = [sub]
    meta.minParserVersion = "1.0.0"

    builder = flatbuffers.Builder(1024)
    builder.Finish(meta.Pack(builder), file_identifier=b"M001")
    return bytes(builder.Output())


def add_metadata(tflite: bytes, name: str, mean: float, std: float) -> bytes:
    """Return ``tflite`` with a ``TFLITE_METADATA`` buffer holding image-input metadata."""
    schema = _load_schema("schema_py_generated")
    md = _load_schema("metadata_schema_py_generated")
    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(tflite, 0))
    n_outputs = len(model.subgraphs[0].outputs)

    buf = schema.BufferT()
    buf.data = list(_metadata_bytes(md, name, n_outputs, mean, std))
    model.buffers.append(buf)
    entry = schema.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(model.buffers) - 1
    model.metadata = [m for m in (model.metadata or []) if m.name != b"TFLITE_METADATA"]
    model.metadata.append(entry)

    builder = flatbuffers.Builder(len(tflite) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def heavy_landmarker(npm_tarball: Path) -> bytes:
    """``pose_landmark_heavy.tflite`` from the ``@mediapipe/pose`` npm tarball, checked."""
    with tarfile.open(npm_tarball, "r:gz") as tf:
        member = tf.extractfile(HEAVY_IN_NPM)
        if member is None:
            raise RuntimeError(f"{HEAVY_IN_NPM} not in {npm_tarball}")
        data = member.read()
    if hashlib.sha256(data).hexdigest() != HEAVY_SHA256:
        raise RuntimeError(f"{HEAVY_IN_NPM}: unexpected sha256")
    return data


def build_bundle(wheel: Path, landmarker: bytes | None = None) -> bytes:
    """Build the ``.task`` bundle bytes from a mediapipe 0.10.21 wheel (its full landmark model
    unless ``landmarker`` is given)."""
    with zipfile.ZipFile(wheel) as zf:
        detector = zf.read(DETECTOR_IN_WHEEL)
        if landmarker is None:
            landmarker = zf.read(LANDMARKER_IN_WHEEL)
    files = {
        "pose_detector.tflite": add_metadata(detector, "pose_detector", *DETECTOR_NORM),
        "pose_landmarks_detector.tflite": add_metadata(
            landmarker, "pose_landmarks_detector", *LANDMARKER_NORM
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for fname, data in files.items():
            info = zipfile.ZipInfo(fname, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, data)
    return out.getvalue()


def _download_wheel(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
         "-d", str(dest), f"mediapipe=={WHEEL_VERSION}"],
        check=True,
    )
    return next(dest.glob(f"mediapipe-{WHEEL_VERSION}-*.whl"))


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=("full", "heavy"), default="full")
    ap.add_argument("--wheel", type=Path, help="mediapipe 0.10.21 wheel (default: pip download it)")
    ap.add_argument("--npm-tarball", type=Path,
                    help=f"@mediapipe/pose npm tarball, for --variant heavy (default: {NPM_TARBALL})")
    ap.add_argument("--out", type=Path, help="default: models/pose_landmarker_VARIANT.task")
    args = ap.parse_args()
    out = args.out or root / "models" / f"pose_landmarker_{args.variant}.task"
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or _download_wheel(Path(tmp))
        landmarker = None
        if args.variant == "heavy":
            tarball = args.npm_tarball
            if tarball is None:
                tarball = Path(tmp) / "pose.tgz"
                urllib.request.urlretrieve(NPM_TARBALL, tarball)
            landmarker = heavy_landmarker(tarball)
        data = build_bundle(wheel, landmarker)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"{hashlib.sha256(data).hexdigest()}  {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
