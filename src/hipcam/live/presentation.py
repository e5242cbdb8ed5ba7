"""What the person on the bed sees and hears: the window, the HUD state, sound and keys.

:class:`Presenter` is driven by the same events :class:`~hipcam.live.session.LiveTracker` emits
(``rep``, ``set_ending``, ``set_end``, ``target_reached``, ``warning``...): it keeps the HUD's
state (:mod:`hipcam.live.hud` draws it), says counts and countdowns (:mod:`hipcam.live.audio`),
and turns key presses into actions for the loop. It holds no counting logic.

Keys: ``q``/Esc quit, space pause, ``r`` new set, ``m`` mute, ``f`` full screen.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import cv2
import numpy as np

from hipcam.live import hud as hudmod
from hipcam.live.audio import Announcer

WINDOW_NAME = "hipcam live"
#: Coaching messages stay on the HUD this long after they were last said.
MESSAGE_S = 4.0
#: Coaching messages shown at once (newest last).
MAX_MESSAGES = 3

QUIT, PAUSE, NEW_SET = "quit", "pause", "new_set"


class Presenter:
    """HUD state, sound and keys of one live session.

    Parameters
    ----------
    target : reps in a row the person aims for.
    window : show an OpenCV window (else only render, or nothing).
    render : draw the HUD image (default: when there is a window; the benchmark draws without).
    sound : ticks and speech (False: ``--quiet``).
    """

    def __init__(self, target: int, window: bool = True, render: bool | None = None,
                 sound: bool = True) -> None:
        self.window = window
        self.render_hud = window if render is None else render
        self.hud = hudmod.HudState(target=target)
        self.hud.quiet = not sound
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
            self.audio.tick()
            if ev["current_set"] % 10 == 0:
                self.audio.say(f"{leg} {ev['current_set']}")
        elif kind == "set_end":
            self.hud.legs[ev["leg"]].current_set = 0
            if ev["reason"] != "session_end":
                self.audio.say(f"{ev['leg']} set done, {ev['reps']} reps")
        elif kind == "warning" and ev.get("leg"):
            self._message(ev["message"])

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
            cv2.namedWindow(WINDOW_NAME, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
            cv2.moveWindow(WINDOW_NAME, 0, 0)

    def show(self, bgr: np.ndarray, xy: np.ndarray | None, vis: np.ndarray | None, t_s: float,
             fps: float, guidance: list[str]) -> str | None:
        """Draw the HUD for this frame and show it; the action asked for by a key, if any."""
        if not self.render_hud:
            return None
        self.hud.messages = self.current_messages()
        self.hud.fps = fps
        self.hud.t_s = t_s
        self.hud.banner = ["PAUSED - press space to continue"] if self.paused else list(guidance)
        canvas = hudmod.render(bgr, self.hud, xy, vis)
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
