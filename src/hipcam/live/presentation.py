"""What the person on the bed sees and hears: the window, the HUD state, sound and keys.

:class:`Presenter` is driven by the same events :class:`~hipcam.live.session.LiveTracker` emits
(``rep``, ``set_ending``, ``set_end``, ``target_reached``, ``warning``...): it keeps the HUD's
state (:mod:`hipcam.live.hud` draws it), says counts and countdowns (:mod:`hipcam.live.audio`),
and turns key presses into actions for the loop. It holds no counting logic.

Keys: ``q``/Esc quit, space pause, ``r`` new set, ``m`` mute, ``f`` full screen.

The window is resizable (and can go full screen); the HUD is drawn at the window's current size
every frame, so it scales with it and stays sharp.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict

import cv2
import numpy as np

from hipcam.live import hud as hudmod
from hipcam.live.audio import Announcer

WINDOW_NAME = "hipcam live"
#: Coaching messages stay on the HUD this long after they were last said.
MESSAGE_S = 6.0
#: Coaching messages shown at once (newest last).
MAX_MESSAGES = 3
#: The target-reached banner stays this long.
CELEBRATION_S = 6.0
#: The window's size when it opens (it can be resized, or made full screen with ``f``).
INITIAL_SIZE = (1280, 720)

#: Coaching said aloud (short: the person is mid-set), each kind at most every
#: :data:`SPEAK_COACHING_EVERY_S` seconds of source time.
SPOKEN_COACHING = {"jerky": "smoother", "too_fast": "slower", "thigh_moving": "keep the thigh still",
                   "not_visible": "{leg} leg not visible"}
SPEAK_COACHING_EVERY_S = 20.0

QUIT, PAUSE, NEW_SET = "quit", "pause", "new_set"


class Presenter:
    """HUD state, sound and keys of one live session.

    Parameters
    ----------
    target : reps in a row the person aims for.
    window : show an OpenCV window (else only render, or nothing).
    render : draw the HUD image (default: when there is a window; the benchmark draws without).
    sound : ticks and speech (False: ``--quiet``).
    ui_scale : text and panel size factor (``--ui-scale``).
    fullscreen : open the window full screen.
    """

    def __init__(self, target: int, window: bool = True, render: bool | None = None,
                 sound: bool = True, ui_scale: float = 1.0, fullscreen: bool = False) -> None:
        self.window = window
        self.render_hud = window if render is None else render
        self.hud = hudmod.HudState(target=target, ui_scale=ui_scale)
        self.hud.quiet = not sound
        self.fullscreen = fullscreen
        self._ending_at: dict[str, float] = {}  # leg -> source time its set ends unless a rep comes
        self._celebrate_until = 0.0
        self._said_at: dict[str, float] = {}  # coaching kind -> source time it was last said
        self.audio = Announcer(enabled=sound)
        self.paused = False
        self._closed = False
        self._messages: OrderedDict[str, tuple[float, int]] = OrderedDict()  # text -> (last seen, n)

    # -- events -------------------------------------------------------------------------------
    def set_best_today(self, best: dict[str, int]) -> None:
        """Today's best set per leg from earlier sessions."""
        for leg, n in best.items():
            self.hud.legs[leg].best_set_today = n

    def on_event(self, ev: dict) -> None:
        """Update the HUD and make sounds for one tracker event."""
        kind = ev["event"]
        if kind == "rep":
            leg = ev["leg"]
            h = self.hud.legs[leg]
            h.count, h.current_set = ev["count"], ev["current_set"]
            h.best_set_today = max(h.best_set_today, ev["current_set"])
            h.last_rom_deg = ev["rom_deg"]
            h.last_score = ev["smoothness_score"]
            self._ending_at.pop(leg, None)
            h.countdown_s = None
            self.audio.tick(jerky=bool(ev.get("jerky")))
            if ev["current_set"] % 10 == 0 and ev["current_set"] != self.hud.target:  # target: a cheer
                self.audio.say(f"{leg} {ev['current_set']}")
        elif kind == "set_ending":
            leg = ev["leg"]
            n = max(math.ceil(ev["seconds_left"]), 1)
            first = leg not in self._ending_at
            self._ending_at[leg] = ev["t_s"] + ev["seconds_left"]
            self.hud.legs[leg].countdown_s = ev["seconds_left"]
            self.audio.say(f"{leg} ends in {n}" if first else str(n))
        elif kind == "set_end":
            leg = ev["leg"]
            self._ending_at.pop(leg, None)
            self.hud.legs[leg].countdown_s = None
            self.hud.legs[leg].current_set = 0
            if ev["reason"] != "session_end":
                self.audio.say(f"{leg} set done, {ev['reps']} reps")
        elif kind == "target_reached":
            self.hud.celebration = ev["leg"]
            self._celebrate_until = time.monotonic() + CELEBRATION_S
            self.audio.chime()
            self.audio.say(f"{ev['reps']} in a row. Well done!")
        elif kind == "warning" and ev.get("leg"):
            self._message(ev["message"])
            spoken = SPOKEN_COACHING.get(ev["kind"])
            last = self._said_at.get(ev["kind"])
            if spoken and (last is None or ev["t_s"] - last >= SPEAK_COACHING_EVERY_S):
                self._said_at[ev["kind"]] = ev["t_s"]
                self.audio.say(spoken.format(leg=ev["leg"]))

    def _message(self, text: str) -> None:
        now = time.monotonic()
        _, n = self._messages.pop(text, (now, 0))
        self._messages[text] = (now, n + 1)

    def current_messages(self) -> list[str]:
        """Coaching lines to show: each text once (with how often it was said), newest last."""
        now = time.monotonic()
        for text in [t for t, (seen, _) in self._messages.items() if now - seen >= MESSAGE_S]:
            del self._messages[text]
        items = list(self._messages.items())[-MAX_MESSAGES:]
        return [text if n == 1 else f"{text} (x{n})" for text, (_, n) in items]

    # -- window -------------------------------------------------------------------------------
    def open(self) -> None:
        """Create the window (when there is one)."""
        if self.window:
            cv2.namedWindow(WINDOW_NAME, cv2.WINDOW_NORMAL | cv2.WINDOW_FREERATIO | cv2.WINDOW_GUI_NORMAL)
            cv2.resizeWindow(WINDOW_NAME, *INITIAL_SIZE)
            cv2.moveWindow(WINDOW_NAME, 0, 0)
            if self.fullscreen:
                self._set_fullscreen(True)

    def _set_fullscreen(self, on: bool) -> None:
        self.fullscreen = on
        cv2.setWindowProperty(WINDOW_NAME, cv2.WND_PROP_FULLSCREEN,
                              cv2.WINDOW_FULLSCREEN if on else cv2.WINDOW_NORMAL)

    def window_size(self) -> tuple[int, int]:
        """The window's drawing area (width, height); :data:`INITIAL_SIZE` when unknown."""
        if self.window:
            try:
                _, _, w, h = cv2.getWindowImageRect(WINDOW_NAME)
            except cv2.error:
                w = h = 0
            if w >= 64 and h >= 48:
                return int(w), int(h)
        return hudmod.DEFAULT_SIZE

    def show(self, bgr: np.ndarray, xy: np.ndarray | None, vis: np.ndarray | None, t_s: float,
             fps: float, guidance: list[str]) -> str | None:
        """Draw the HUD for this frame and show it; the action asked for by a key, if any."""
        if not self.render_hud:
            return None
        self.hud.messages = self.current_messages()
        self.hud.fps = fps
        self.hud.t_s = t_s
        self.hud.banner = ["PAUSED - press space to continue"] if self.paused else list(guidance)
        for leg, end_t in self._ending_at.items():
            self.hud.legs[leg].countdown_s = max(end_t - t_s, 0.0)
        if self.hud.celebration is not None and time.monotonic() > self._celebrate_until:
            self.hud.celebration = None
        canvas = hudmod.render(bgr, self.hud, xy, vis, size=self.window_size())
        if not self.window:
            return None
        cv2.imshow(WINDOW_NAME, canvas)
        action = self.key(cv2.waitKey(1))
        if action is None and self._window_closed():
            return QUIT
        return action

    def poll(self) -> str | None:
        """Handle keys while no frame is shown."""
        return self.key(cv2.waitKey(1)) if self.window else None

    def key(self, key: int) -> str | None:
        """The action for a key code (``cv2.waitKey``); mute is handled here."""
        if key < 0:
            return None
        k = key & 0xFF
        if k in (ord("q"), 27):
            return QUIT
        if k == ord(" "):
            return PAUSE
        if k == ord("r"):
            return NEW_SET
        if k == ord("m"):
            self.audio.muted = not self.audio.muted
            self.hud.muted = self.audio.muted
        elif k == ord("f") and self.window:
            self._set_fullscreen(not self.fullscreen)
        return None

    @staticmethod
    def _window_closed() -> bool:
        try:
            return cv2.getWindowProperty(WINDOW_NAME, cv2.WND_PROP_VISIBLE) < 1
        except cv2.error:
            return True

    def close_window(self) -> None:
        """Close the window (safe to call twice)."""
        if self.window and not self._closed:
            self._closed = True
            cv2.destroyAllWindows()
            cv2.waitKey(1)

    def close(self) -> None:
        """Close the window and let queued sounds finish."""
        self.close_window()
        self.audio.close()
