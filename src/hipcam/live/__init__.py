"""``hipcam live``: count reps from a camera (or a video played as one) as they happen.

``camera`` (capture thread handing over the newest frame), ``calibration`` (rest angle and
framing check), ``coach`` (short coaching messages), ``hud`` (the window's panel), ``audio``
(non-blocking ticks and spoken counts) and ``app`` (the loop tying them to the pose stage, the
shared :class:`~hipcam.session.SessionAnalyzer` and the SQLite store).
"""
