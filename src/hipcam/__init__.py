"""hipcam: count and score seated hip external rotation repetitions from a camera.

The package follows the data: ``capture`` (frames) -> ``pose`` (MediaPipe landmarks) ->
``angles`` (hip-rotation angle per leg) -> ``reps`` (repetitions and sets) -> ``smoothness``
(SPARC/LDLJ and a 0-100 score) -> ``session``/``report`` (results, JSON, plots), with thin
``cli``, ``storage`` and ``batch`` layers on top.
"""

__version__ = "0.1.0"
#: Bumped whenever a change alters analysis results (used as part of batch cache keys).
ANALYSIS_VERSION = "1"
#: The goal: this many repetitions in a row, with smooth control.
TARGET_REPS = 100
