"""Parts of ``hipcam live`` without the pose model: capture hand-over, calibration, coach, HUD,
sound, and the camera-lost path (with the model, on a fake camera)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from hipcam import pose
from hipcam.errors import CameraError, OutputError
from hipcam.live import hud
from hipcam.live.calibration import Calibrator, check_framing
from hipcam.live.camera import FrameSource, source_kind
from hipcam.live.coach import Coach
from hipcam.reps import Rep
from hipcam.session import RepResult

ROOT = Path(__file__).resolve().parent.parent
W, H = 640, 480


@pytest.fixture(scope="module")
def tiny_video(tmp_path_factory) -> Path:
    """2 s of 30 fps frames, each with its index drawn as a grey level."""
    p = tmp_path_factory.mktemp("v") / "tiny.mp4"
    wr = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (160, 120))
    for k in range(60):
        wr.write(np.full((120, 160, 3), k * 4, np.uint8))
    wr.release()
    return p


def test_source_kind():
    assert [source_kind(s) for s in ("0", "2", "rtsp://h/s", "a.mp4")] == ["camera", "camera", "stream",
                                                                          "file"]


def test_realtime_source_drops_stale_frames_and_latency_stays_flat(tiny_video):
    src = FrameSource(str(tiny_video), realtime=True)
    src.start()
    got, ages, last = [], [], -1
    try:
        while True:
            fr = src.get(last, timeout_s=1.0, max_age_s=0.5 / 30)
            if fr is None:
                break
            ages.append(time.monotonic() - fr.captured_mono_s)
            got.append(fr)
            last = fr.seq
            time.sleep(0.1)  # a consumer 3x slower than the frame rate
    finally:
        src.close()
    assert src.status == "ended"
    seqs = [f.seq for f in got]
    assert seqs == sorted(set(seqs)) and len(got) < 40 and src.dropped > 20
    # never a queue of old frames (that would age by 0.1 s per frame): each is the newest one
    assert np.median(ages) < 0.02 and max(ages) < 0.15
    ts = [f.t_s for f in got]
    assert ts == sorted(ts)


def test_no_drop_source_hands_over_every_frame_in_order(tiny_video):
    with FrameSource(str(tiny_video), realtime=False) as src:
        src.start()
        seqs = []
        while (fr := src.get(timeout_s=2.0)) is not None:
            seqs.append(fr.seq)
            time.sleep(0.002)
    assert seqs == list(range(60)) and src.dropped == 0


def test_loop_keeps_time_increasing(tiny_video):
    with FrameSource(str(tiny_video), realtime=False, loop=True) as src:
        src.start()
        ts = [src.get(timeout_s=2.0).t_s for _ in range(130)]
    assert all(b > a for a, b in zip(ts, ts[1:], strict=False)) and ts[-1] > 4.0


def _pts_s(path) -> tuple[str, list[float]]:
    """The video codec and each frame's presentation time (s) as stored in the file (PyAV)."""
    import av

    with av.open(str(path)) as c:
        st = c.streams.video[0]
        ts = [float(f.pts * f.time_base) for f in c.decode(st)]
        return st.codec_context.name, ts


def test_record_writes_every_frame_as_h264_at_its_time(tiny_video, tmp_path):
    out = tmp_path / "rec" / "raw.mp4"
    with FrameSource(str(tiny_video), realtime=False, record_path=out) as src:
        src.start()
        while src.get(timeout_s=2.0) is not None:
            pass
    assert src.frames_recorded == 60 and src.record_error is None
    codec, ts = _pts_s(out)
    assert codec == "h264" and len(ts) == 60
    assert np.allclose(ts, np.arange(60) / 30.0, atol=1e-3)
    with pytest.raises(OutputError, match="input"):  # never over the source itself
        FrameSource(str(tiny_video), realtime=False, record_path=tiny_video)


class _IrregularCamera:
    """A camera that says 30 fps but delivers ~15 fps, irregularly (a webcam in a dim room)."""

    INTERVALS_S = (0.055, 0.075, 0.062, 0.090, 0.058, 0.070)

    def __init__(self, n: int) -> None:
        self.n, self.k, self.read_at = n, 0, []

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 160.0,
                cv2.CAP_PROP_FRAME_HEIGHT: 120.0}.get(prop, 0.0)

    def read(self):
        if self.k >= self.n:
            time.sleep(0.01)
            return False, None
        time.sleep(self.INTERVALS_S[self.k % len(self.INTERVALS_S)])
        self.read_at.append(time.monotonic())
        frame = np.full((120, 160, 3), (self.k * 7) % 255, np.uint8)
        self.k += 1
        return True, frame

    def release(self) -> None:
        pass


@pytest.mark.slow  # a few seconds of a (stand-in) camera, encoded for real
def test_record_keeps_a_cameras_real_variable_frame_rate(tmp_path, monkeypatch):
    from hipcam.capture import iter_frames, open_video
    from hipcam.live import camera

    cam = _IrregularCamera(40)
    monkeypatch.setattr(camera.cv2, "VideoCapture", lambda spec: cam)
    monkeypatch.setattr(camera, "LOST_AFTER_S", 0.3)
    out = tmp_path / "cam.mp4"
    captured: list[float] = []
    with FrameSource("0", record_path=out) as src:
        record = src._record
        src._record = lambda t_s, bgr: (captured.append(t_s), record(t_s, bgr))
        src.start()
        while src.status == "running":
            src.get(timeout_s=0.5)
    assert src.frames_recorded == 40
    _, ts = _pts_s(out)
    # each frame at the time it was captured (the live timeline, from 0), not at 1/30 s steps
    assert len(ts) == 40
    assert np.abs(np.array(ts) - (np.array(captured) - captured[0])).max() < 1e-4
    real = np.array(cam.read_at) - cam.read_at[0]
    # ... which is when the camera gave it, up to the capture thread's wake-up (5 ms seen on a busy
    # CI machine; far below the 33-67 ms between a webcam's frames)
    assert np.median(np.abs(np.array(ts) - real)) < 0.015
    monkeypatch.undo()  # the real cv2.VideoCapture again
    cap, info = open_video(out)  # what `hipcam analyse` sees: the real rate and the same times
    real_fps = (len(ts) - 1) / ts[-1]  # ~15 fps on a quiet machine; less when it is loaded
    assert info.fps == pytest.approx(real_fps, rel=0.1) and info.fps < 20.0
    got = [f.t_s for f in iter_frames(cap, info)]
    cap.release()
    assert np.allclose(got, ts, atol=2e-3)


def test_missing_camera_is_a_one_line_error_exit_7(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hipcam.cli", "live", "--source", "63", "--headless",
                           "--no-db", "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 7
    assert "no camera at index 63" in proc.stderr and proc.stderr.count("\n") == 1


# -- calibration ------------------------------------------------------------------------------
def _sample(knee_y: float = 300, ankle_y: float = 420, spread: float = 60, angle_deg: float = 0.0,
            vis: float = 0.95) -> pose.PoseSample:
    xy = np.zeros((pose.N_LANDMARKS, 2), np.float32)
    xy[:] = (W / 2, 200)
    dx = (ankle_y - knee_y) * np.tan(np.radians(angle_deg))
    xy[pose.L_HIP] = (W / 2 + spread, 220)
    xy[pose.R_HIP] = (W / 2 - spread, 220)
    xy[pose.L_KNEE] = (W / 2 + spread, knee_y)
    xy[pose.R_KNEE] = (W / 2 - spread, knee_y)
    xy[pose.L_ANKLE] = (W / 2 + spread - dx, ankle_y)
    xy[pose.R_ANKLE] = (W / 2 - spread, ankle_y)
    world = np.zeros((pose.N_LANDMARKS, 3), np.float32)
    world[pose.L_HIP] = (0.1, 0, 0)
    world[pose.R_HIP] = (-0.1, 0, 0)
    world[pose.L_KNEE] = (0.1, 0.05, -0.4)
    world[pose.R_KNEE] = (-0.1, 0.05, -0.4)
    world[pose.L_ANKLE] = (0.1, 0.45, -0.4)
    world[pose.R_ANKLE] = (-0.1, 0.45, -0.4)
    return pose.PoseSample(xy, np.full(pose.N_LANDMARKS, vis, np.float32), world, 1)


def test_framing_messages():
    assert check_framing([_sample()] * 30, W, H) == []
    assert "no one in view" in check_framing([None] * 30, W, H)[0]
    feet_out = check_framing([_sample(ankle_y=H + 40)] * 30, W, H)
    assert feet_out and "move the camera back" in feet_out[0]
    small = check_framing([_sample(knee_y=300, ankle_y=320)] * 30, W, H)
    assert small and "closer" in small[0]
    hidden = check_framing([_sample(vis=0.1)] * 30, W, H)
    assert any("turn the camera toward your legs" in m for m in hidden)
    toes_cut = _sample(ankle_y=H - 20)
    toes_cut.image_xy_px[pose.R_FOOT] = (W / 2 - 60, H + 15)  # ankle in, toes below the picture
    assert check_framing([toes_cut] * 30, W, H) == []  # advice, not a framing failure (below)


def test_calibration_reports_a_foot_cut_by_the_picture_edge_without_failing(tmp_path):
    """Heels or toes outside the picture (ankle inside) in most of the window: calibration still
    passes (such framings can count right) and the tracker warns about that foot, in the same
    words as ``analyse``."""
    from hipcam.angles import foot_cut_warning
    from hipcam.live.session import LiveTracker

    toes_cut = _sample(ankle_y=H - 20)
    toes_cut.image_xy_px[pose.R_FOOT] = (W / 2 - 60, H + 15)
    calib = Calibrator(W, H, duration_s=1.0)
    for k in range(40):
        res = calib.add(k / 30, toes_cut if k % 3 else _sample(ankle_y=H - 20))
    assert res is not None and res.ok and res.foot_cut["right"] == pytest.approx(2 / 3, abs=0.05)
    assert res.foot_cut["left"] == 0.0
    events: list[dict] = []
    tracker = LiveTracker(30.0, 100, 3.0, events.append, calibrator=Calibrator(W, H, 1.0))
    for k in range(40):
        tracker.observe(k / 30, toes_cut)
    warned = [e for e in events if e["event"] == "warning" and e["kind"] == "framing"]
    assert [(e["leg"], e["message"]) for e in warned] == [("right", foot_cut_warning("right", 1.0))]


def test_calibrator_waits_for_the_window_then_finds_rest():
    cal = Calibrator(W, H, duration_s=2.0)
    results = [cal.add(k / 30, _sample(angle_deg=5.0)) for k in range(61)]
    assert all(r is None for r in results[:55])
    res = results[-1]
    assert res is not None and res.ok and res.still
    assert abs(abs(res.rest_deg["left"]) - 5.0) < 0.5


# -- coach --------------------------------------------------------------------------------------
def _result(start: float, end: float, score: float) -> RepResult:
    rep = Rep(start, (start + end) / 2, end, 30.0, 0, 1, 2, 3)
    return RepResult(rep, -1.6, -1.6, -6.0, -6.0, score)


def test_coach_messages():
    c = Coach()
    for k in range(60):  # the knee slides sideways by a whole shin length during the rep
        s = _sample()
        s.image_xy_px[pose.L_KNEE, 0] += k * 2.0
        c.frame(k / 30, s)
    kinds = {m.kind for m in c.rep("left", _result(0.0, 0.6, 30.0))}
    assert kinds == {"jerky", "too_fast", "thigh_moving"}
    assert c.rep("right", _result(0.0, 1.8, 90.0)) == []
    msgs = [m for k in range(40) for m in c.frame(2.0 + k / 30, None)]
    assert {(m.leg, m.kind) for m in msgs} == {("left", "not_visible"), ("right", "not_visible")}


# -- HUD ------------------------------------------------------------------------------------------
def _hud_state(current: int = 37) -> hud.HudState:
    state = hud.HudState(target=100)
    state.legs["left"].count, state.legs["left"].current_set = 84, current
    state.legs["left"].last_rom_deg, state.legs["left"].last_score = 28.0, 85.0
    state.messages = ["left: too fast - take at least 1 s per rep"]
    return state


def test_hud_hero_number_is_readable_at_2m_and_scales_with_the_window():
    from xdisplay import color_pixels, white_extent_px

    frame = np.full((480, 640, 3), 90, np.uint8)
    heights = {}
    for size in ((1366, 768), (683, 384), (1920, 1080)):
        img = hud.render(frame, _hud_state(), size=size)
        assert img.shape == (size[1], size[0], 3)
        lay = hud.layout(size)
        heights[size] = white_extent_px(img, lay.hero["left"])
        for leg in ("left", "right"):  # each card carries its leg's colour
            assert color_pixels(img, lay.cards[leg], hud.LEG_COLORS[leg]) > 0.002 * size[0] * size[1]
    # 1366x768 on a 13.3" screen: 0.216 mm a pixel; >= 100 px = 21.6 mm = 37 arcmin at 2 m
    assert heights[(1366, 768)] >= 100
    assert heights[(683, 384)] == pytest.approx(heights[(1366, 768)] / 2, rel=0.15)
    assert heights[(1920, 1080)] > 1.3 * heights[(1366, 768)]
    # the progress bar: 37 of 100 filled in the left leg's colour
    img = hud.render(frame, _hud_state(), size=(1366, 768))
    cx, cy, cw, ch = hud.layout((1366, 768)).cards["left"]
    bar = color_pixels(img, (cx + 30, cy + ch // 2, cw - 30, ch // 2), hud.LEG_COLORS["left"])
    assert 0.25 < bar / ((cw - 60) * 22) < 0.5


def test_hud_ui_scale_tall_windows_countdown_and_celebration():
    from xdisplay import color_pixels, white_extent_px

    frame = np.full((480, 640, 3), 90, np.uint8)
    assert hud.layout((1366, 768), 1.4).panel[2] > 1.3 * hud.layout((1366, 768)).panel[2]
    tall = hud.layout((600, 900))
    assert tall.panel[1] > 0 and tall.panel[2] == 600  # panel below the view
    img = hud.render(frame, _hud_state(), size=(600, 900))
    assert white_extent_px(img, tall.hero["left"]) >= 40
    state = _hud_state()
    plain = hud.render(frame, state, size=(1366, 768))
    state.legs["right"].countdown_s = 1.4
    counting = hud.render(frame, state, size=(1366, 768))
    view = hud.layout((1366, 768)).view
    right = hud.LEG_COLORS["right"]
    assert color_pixels(counting, view, right) > 5000 > color_pixels(plain, view, right)
    state.legs["right"].countdown_s = None
    state.celebration = "left"
    party = hud.render(frame, state, size=(1366, 768))
    assert color_pixels(party, view, hud.LEG_COLORS["left"]) > 0.15 * view[2] * view[3]
    banner = hud.render(frame, hud.HudState(banner=["PAUSED"]), size=(1366, 768))
    assert np.all(banner[5, 5] == hud.BANNER_BG)


def test_presenter_dedupes_coaching_and_follows_countdown_and_target():
    from hipcam.live.presentation import Presenter

    p = Presenter(target=3, window=False, render=True, sound=False)
    heard: list = []

    class _Ears:
        muted = False

        def tick(self, jerky=False):
            heard.append(("tock" if jerky else "tick",))

        def say(self, text):
            heard.append(("say", text))

        def chime(self):
            heard.append(("chime",))

        def close(self):
            pass

    p.audio = _Ears()
    for _ in range(3):
        p.on_event({"event": "warning", "kind": "too_fast", "leg": "left", "t_s": 1.0,
                    "message": "left: too fast - take at least 1 s per rep"})
    p.on_event({"event": "warning", "kind": "jerky", "leg": "right", "t_s": 1.0, "message": "right: jerky"})
    assert p.current_messages() == ["left: too fast - take at least 1 s per rep (x3)", "right: jerky"]
    rep = {"event": "rep", "leg": "left", "count": 3, "current_set": 3, "rom_deg": 30.0,
           "smoothness_score": 80.0, "t_s": 5.0}
    p.on_event(rep)
    p.on_event({"event": "target_reached", "leg": "left", "set": 1, "reps": 3, "target": 3, "t_s": 5.0})
    assert p.hud.celebration == "left"
    p.on_event({"event": "set_ending", "leg": "left", "set": 1, "reps": 3, "seconds_left": 2.0, "t_s": 6.0})
    p.show(np.zeros((48, 64, 3), np.uint8), None, None, 6.5, 30.0, [])
    assert p.hud.legs["left"].countdown_s == pytest.approx(1.5)
    p.on_event(dict(rep, count=4, current_set=4))  # a rep in time: no countdown
    assert p.hud.legs["left"].countdown_s is None and p.hud.legs["left"].current_set == 4
    p.on_event(dict(rep, count=5, current_set=5, jerky=True))
    p.on_event({"event": "warning", "kind": "too_fast", "leg": "left", "t_s": 30.0,
                "message": "left: too fast - take at least 1 s per rep"})
    p.close()
    # coaching said once per kind in 20 s (not three times), a jerky rep heard as a "tock"
    assert heard == [("say", "slower"), ("say", "smoother"), ("tick",), ("chime",),
                     ("say", "3 in a row. Well done!"), ("say", "left ends in 2"), ("tick",), ("tock",),
                     ("say", "slower")]


# -- camera lost mid-session (real model, fake camera) ----------------------------------------------
class _FlakyCamera:
    """Plays a video as camera 0, then "is unplugged": read() fails from then on."""

    def __init__(self, video: str, frames: int, opener=cv2.VideoCapture) -> None:
        self._cap = opener(video)
        self._left = frames

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 640.0,
                cv2.CAP_PROP_FRAME_HEIGHT: 480.0}.get(prop, 0.0)

    def read(self):
        if self._left <= 0:
            return False, None
        self._left -= 1
        time.sleep(1 / 30)
        return self._cap.read()

    def release(self) -> None:
        self._cap.release()


def test_camera_unplugged_mid_session_saves_and_says_so(tmp_path, monkeypatch):
    videos = sorted(v for v in (ROOT / "sample_videos").glob("*.mp4") if v.stat().st_size > 10_000)
    video = os.environ.get("HIPCAM_LIVE_TEST_VIDEO") or (str(videos[0]) if videos else None)
    if not video:
        pytest.skip("no sample video")
    from hipcam.live import app, camera
    from hipcam.storage import SessionStore

    real = cv2.VideoCapture
    monkeypatch.setattr(camera.cv2, "VideoCapture", lambda spec: _FlakyCamera(video, 90, real))
    monkeypatch.setattr(camera, "LOST_AFTER_S", 0.5)
    events: list[dict] = []
    db = tmp_path / "lost.db"
    cfg = app.LiveConfig(source="0", window=False, sound=False, db_path=db, emit=events.append)
    session = app.LiveSession(cfg)
    with pytest.raises(CameraError, match="camera lost after .*saved"):
        session.run()
    assert events[-1]["event"] == "summary" and events[-1]["status"] == "camera_lost"
    json.dumps(events[-1], allow_nan=False)
    with SessionStore(db) as store:
        [s] = store.sessions()
        assert s.status == "camera_lost" and s.ended_at is not None


# -- sets: a rest ends a set as soon as it is certain; 'r' starts a new one ---------------------
def _session(tmp_path, events):
    from hipcam.live.session import LiveTracker

    s = LiveTracker(30.0, 100, 3.0, events.append)
    s.open_store(tmp_path / "s.db", "synthetic")
    return s


def _feed(s, t, angle, t0=0.0):
    from synthetic import pose_sample

    for ti, a in zip(t, angle, strict=True):
        s.observe(ti + t0, pose_sample(float(a), 0.0))


def test_set_end_after_a_rest_then_new_set(tmp_path):
    from synthetic import rep_series

    events: list[dict] = []
    s = _session(tmp_path, events)
    t, angle, _ = rep_series(n_reps=9, period_s=1.8, pauses={5: 4.5}, rest_after_s=5.0)
    _feed(s, t, angle)
    kinds = [(e["event"], e.get("count"), e.get("reason")) for e in events
             if e["event"] in ("rep", "set_end")]
    first_end = kinds.index(("set_end", None, "rest"))
    assert [k[1] for k in kinds[:first_end]] == [1, 2, 3, 4, 5]
    # the countdown: 2 then 1 s left, between the set's last rep and its end, for that set only
    names = [e["event"] for e in events]
    i_end = names.index("set_end")
    i_last = max(i for i, n in enumerate(names[:i_end]) if n == "rep")
    ending = [e for e in events[i_last:i_end] if e["event"] == "set_ending"]
    assert [math.ceil(e["seconds_left"]) for e in ending] == [2, 1]
    assert all(e["set"] == 1 and e["reps"] == 5 and e["leg"] == "left" for e in ending)
    assert ending[1]["t_s"] - ending[0]["t_s"] == pytest.approx(1.0, abs=0.1)
    assert "set_ending" not in names[:i_last]  # not during the short rests inside the set
    set_ends = [e for e in events if e["event"] == "set_end"]
    assert [e["reps"] for e in set_ends] == [5, 4]
    assert set_ends[0]["t_s"] - set_ends[0]["end_s"] >= 3.0  # announced once the rest is certain
    assert set_ends[0]["t_s"] - set_ends[0]["end_s"] < 4.5  # ... before the next set starts
    reps = [e for e in events if e["event"] == "rep"]
    assert [e["set"] for e in reps] == [1] * 5 + [2] * 4
    s.break_set()  # nothing open: no event
    assert [e["event"] for e in events].count("set_end") == 2
    stored = s.store.session(s.session_id)
    assert stored is not None and [n for n, _ in stored.sets["left"]] == [5, 4]
    s.finish("completed")


def test_r_key_starts_a_new_set(tmp_path):
    from synthetic import rep_series

    events: list[dict] = []
    s = _session(tmp_path, events)
    t, angle, _ = rep_series(n_reps=3, period_s=1.8, rest_after_s=0.5)
    _feed(s, t, angle)
    s.break_set()  # the r key
    _feed(s, t[1:], angle[1:], t0=float(t[-1]))
    ends = [e for e in events if e["event"] == "set_end"]
    assert ends[0]["reason"] == "manual" and ends[0]["reps"] == 3
    assert [e["set"] for e in events if e["event"] == "rep"] == [1, 1, 1, 2, 2, 2]
    s.finish("completed")


def test_target_reached_once_per_set(tmp_path):
    from synthetic import rep_series

    from hipcam.live.session import LiveTracker

    events: list[dict] = []
    s = LiveTracker(30.0, 3, 3.0, events.append)
    t, angle, _ = rep_series(n_reps=9, period_s=1.8, pauses={5: 4.5}, rest_after_s=1.0)
    _feed(s, t, angle)
    s.finish("completed")
    hits = [e for e in events if e["event"] == "target_reached"]
    # sets of 5 and 4 reps: the target of 3 is reached once in each, at its third rep
    assert [(e["set"], e["reps"], e["target"]) for e in hits] == [(1, 3, 3), (2, 3, 3)]
    names = [(e["event"], e.get("current_set")) for e in events]
    assert names.index(("target_reached", None)) == names.index(("rep", 3)) + 1
