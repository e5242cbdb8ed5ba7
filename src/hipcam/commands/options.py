"""Command-line options shared by the commands that analyse video (analyse, batch, live)."""

from __future__ import annotations

import argparse

from hipcam import TARGET_REPS
from hipcam.reps import DEFAULT_PAUSE_BREAK_S


def add_analysis_options(p: argparse.ArgumentParser, stride: bool = True) -> None:
    """``--model``, ``--stride`` (optional), ``--pause-break`` and ``--target``."""
    p.add_argument("--model", metavar="PATH", help="MediaPipe pose .task bundle (default: bundled)")
    if stride:
        p.add_argument("--stride", type=int, default=1, metavar="N",
                       help="analyse every Nth frame (default 1; 2 halves the work at 30 fps)")
    p.add_argument("--pause-break", type=float, default=DEFAULT_PAUSE_BREAK_S, metavar="S",
                   help=f"a rest this long (s) ends a continuous set (default {DEFAULT_PAUSE_BREAK_S})")
    p.add_argument("--target", type=int, default=TARGET_REPS, metavar="N",
                   help=f"reps in a row to aim for (default {TARGET_REPS})")
