"""The H.264 writer (PyAV/libx264) and ``analyse --annotate``: codec, pixel format, real timestamps,
no half-written or replaced files. Checked by decoding the written files with FFmpeg (PyAV/ffprobe)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from hipcam.colors import LEG_BGR
from hipcam.errors import OutputError
from hipcam.videowriter import H264Writer

ROOT = Path(__file__).resolve().parent.parent


def _frame(i: int, w: int = 160, h: int = 120) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, : (i * 7) % w] = (40, 200, 90)
    return img


def _decoded(path: Path) -> tuple[str, str, list[float], tuple[int, int]]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        times = [float(f.pts * f.time_base) for f in c.decode(s)]
        return s.codec_context.name, s.codec_context.pix_fmt, times, (s.width, s.height)


def test_variable_frame_rate_timestamps_survive(tmp_path: Path) -> None:
    times = [0.0, 0.033, 0.07, 0.2, 0.21, 0.6, 1.25, 1.3]  # a camera dropping frames, jittering
    out = tmp_path / "vfr.mp4"
    with H264Writer(out, 160, 120, fps_hint=30) as w:
        for i, t in enumerate(times):
            w.write(_frame(i), 5.0 + t)  # the first frame's time becomes 0
    codec, pix_fmt, got, size = _decoded(out)
    assert codec == "h264" and pix_fmt == "yuv420p" and size == (160, 120)
    np.testing.assert_allclose(got, times, atol=1e-4)
    assert [p.name for p in tmp_path.iterdir()] == ["vfr.mp4"]  # no temporary file left


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
def test_ffprobe_sees_h264_and_odd_sizes_are_padded(tmp_path: Path) -> None:
    out = tmp_path / "odd.mp4"
    with H264Writer(out, 161, 121) as w:
        for i in range(5):
            w.write(_frame(i, 161, 121), i / 10)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                            "stream=codec_name,pix_fmt,width,height", "-of", "json", str(out)],
                           capture_output=True, text=True, check=True)
    s = json.loads(probe.stdout)["streams"][0]
    assert (s["codec_name"], s["pix_fmt"], s["width"], s["height"]) == ("h264", "yuv420p", 162, 122)


def test_duplicate_timestamps_stay_monotonic(tmp_path: Path) -> None:
    out = tmp_path / "dup.mp4"
    with H264Writer(out, 64, 48) as w:
        for i in range(4):
            w.write(_frame(i, 64, 48), 1.0)
    _, _, got, _ = _decoded(out)
    assert len(got) == 4 and all(b > a for a, b in zip(got, got[1:], strict=False))


def test_failure_midway_keeps_the_previous_file_and_leaves_no_temp(tmp_path: Path) -> None:
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"previous result")
    with pytest.raises(RuntimeError), H264Writer(out, 64, 48) as w:
        w.write(_frame(0, 64, 48), 0.0)
        raise RuntimeError("interrupted")
    assert out.read_bytes() == b"previous result"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.mp4"]


def test_refuses_inputs_links_and_devices(tmp_path: Path) -> None:
    video = tmp_path / "input.mp4"
    video.write_bytes(b"the patient's video")
    with pytest.raises(OutputError, match="replace the input"):
        H264Writer(video, 64, 48, protect=[video])
    link = tmp_path / "link.mp4"
    link.symlink_to(video)
    with pytest.raises(OutputError, match="symbolic link"):
        H264Writer(link, 64, 48)
    if Path("/dev/null").exists():
        with pytest.raises(OutputError, match="regular file"):
            H264Writer("/dev/null", 64, 48)
    assert video.read_bytes() == b"the patient's video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input.mp4", "link.mp4"]


def test_nothing_written_creates_nothing(tmp_path: Path) -> None:
    w = H264Writer(tmp_path / "empty.mp4", 64, 48)
    with pytest.raises(OutputError, match="no frame"):
        w.close()
    assert list(tmp_path.iterdir()) == []


def test_analyse_annotate_writes_h264_with_overlay_at_real_speed(tmp_path: Path) -> None:
    """The real CLI and model: the annotated video is H.264, as long as the input, with the panel."""
    video = ROOT / "sample_videos" / "pair_smooth.mp4"
    out = tmp_path / "annotated.mp4"
    proc = subprocess.run([sys.executable, "-m", "hipcam.cli", "analyse", str(video), "--stride", "3",
                           "--annotate", str(out), "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    codec, pix_fmt, times, size = _decoded(out)
    with av.open(str(video)) as c:
        src_frames = sum(1 for _ in c.decode(video=0))
        duration_s = float(c.streams.video[0].duration * c.streams.video[0].time_base)
    assert codec == "h264" and pix_fmt == "yuv420p" and size == (640, 480)
    assert abs(len(times) - src_frames / 3) <= 1
    assert times[-1] == pytest.approx(duration_s - 3 * duration_s / src_frames, abs=0.05)
    with av.open(str(out)) as c:
        frame = next(f for f in c.decode(video=0) if float(f.pts * f.time_base) >= times[-1] - 1e-6)
        bgr = frame.to_ndarray(format="bgr24")
    panel, below = bgr[:40].astype(int), bgr[60:100].astype(int)
    assert panel.mean() < below.mean()  # the darkened status panel across the top
    for leg in ("left", "right"):  # each leg's count in the leg's colour (H.264 shifts it a little)
        near = np.all(np.abs(panel - np.array(LEG_BGR[leg])) <= 30, axis=2)
        assert near.sum() > 30, leg
