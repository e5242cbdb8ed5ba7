"""Synthetic ground-truth videos of seated hip external rotation (``hipcam synth``).

Modules: :mod:`~hipcam.synth.scenario` (what to render: dataclasses, JSON/YAML loading and
validation), :mod:`~hipcam.synth.motion` (pure numpy: schedules -> per-frame angles and the
truth), :mod:`~hipcam.synth.body` (anny posing, needs torch), :mod:`~hipcam.synth.render`
(pyrender/OSMesa scene, video and truth files) and :mod:`~hipcam.synth.cli`.

Only ``scenario`` and ``motion`` are imported eagerly-safe: they need numpy alone.
"""

import os as _os

# PyOpenGL picks its platform at first import: make offscreen OSMesa the default before
# anything (pyrender) imports it. An explicit PYOPENGL_PLATFORM (e.g. "egl") wins.
_os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
