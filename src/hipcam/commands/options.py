"""Command-line options shared by the commands, and the validators every numeric option uses.

A numeric option is checked when the command line is parsed: a value that is not a number, not
finite (``nan``, ``inf``, ``1e400``) or outside its sensible range is refused with one line that
names the option and the range (exit code 2), before anything is opened or loaded. The ranges are
listed in docs/robustness.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable

from hipcam import TARGET_REPS
from hipcam.pose import DEFAULT_MODEL, model_path_arg, model_variant
from hipcam.reps import DEFAULT_PAUSE_BREAK_S

#: Largest --stride: every 30th frame is one sample a second at 30 fps, already too coarse to
#: see a rep; anything above is a typo.
MAX_STRIDE = 30
#: Largest --target (reps in a row): 100 is the goal; 100 000 leaves room for any training plan.
MAX_TARGET = 100_000
#: Peak memory of one analysis process with the pose model (docs/performance.md: 325-342 MB
#: measured for 1- and 10-minute videos), rounded up: what --jobs and --workers are capped by.
PROCESS_MEMORY_BYTES = 400 * 1024 * 1024


def int_in(lo: int, hi: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number in ``[lo, hi]``."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip(), 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number from {lo} to {hi}, "
                                             f"got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {_short(text)}")
        return value

    parse.__name__ = "whole number"
    return parse


def float_in(lo: float, hi: float, lo_open: bool = False) -> Callable[[str], float]:
    """An argparse ``type``: a finite number in ``[lo, hi]`` (``(lo, hi]`` when ``lo_open``)."""
    lo_text = f"above {lo:g}" if lo_open else f"at least {lo:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {_short(text)}")
        if value < lo or (lo_open and value == lo) or value > hi:
            raise argparse.ArgumentTypeError(f"must be {lo_text} and at most {hi:g}, "
                                             f"got {_short(text)}")
        return value

    parse.__name__ = "number"
    return parse


def _short(text: str, n: int = 24) -> str:
    text = text.strip()
    return repr(text) if len(text) <= n else repr(text[:n] + "…")


def available_memory_bytes() -> int | None:
    """Memory the system can give new processes now (``MemAvailable``), None when unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def cap_processes(requested: int, option: str, command: str,
                  available: int | None = None) -> int:
    """``requested`` processes, or fewer when memory cannot hold them (one line on stderr says so).

    Each process loads its own pose model (:data:`PROCESS_MEMORY_BYTES`). ``available`` defaults
    to :func:`available_memory_bytes`.
    """
    free = available_memory_bytes() if available is None else available
    if free is None:
        return requested
    fit = max(1, int(free // PROCESS_MEMORY_BYTES))
    if requested <= fit:
        return requested
    print(f"hipcam {command}: {option} {requested} capped to {fit}: each process needs about "
          f"{PROCESS_MEMORY_BYTES / 2**20:.0f} MB and {free / 2**30:.1f} GB is available",
          file=sys.stderr, flush=True)
    return fit


def add_analysis_options(p: argparse.ArgumentParser, stride: bool = True) -> None:
    """``--model``, ``--stride`` (optional), ``--pause-break`` and ``--target``."""
    p.add_argument("--model", metavar="PATH", type=model_path_arg,
                   help="pose model: 'heavy' or 'full' (the bundled ones; full is ~2x faster, "
                        f"less accurate from the side) or a MediaPipe pose .task bundle "
                        f"(default: {model_variant(DEFAULT_MODEL)})")
    if stride:
        p.add_argument("--stride", type=int_in(1, MAX_STRIDE), default=1, metavar="N",
                       help=f"analyse every Nth frame, 1 to {MAX_STRIDE} "
                            "(default 1; 2 halves the work at 30 fps)")
    p.add_argument("--pause-break", type=float_in(0.0, 3600.0, lo_open=True),
                   default=DEFAULT_PAUSE_BREAK_S, metavar="S",
                   help=f"a rest this long (s, up to 3600) ends a continuous set "
                        f"(default {DEFAULT_PAUSE_BREAK_S})")
    add_target_option(p)


def add_target_option(p: argparse.ArgumentParser, help_text: str | None = None) -> None:
    """``--target N``: reps in a row to aim for, 1 to :data:`MAX_TARGET`."""
    p.add_argument("--target", type=int_in(1, MAX_TARGET), default=TARGET_REPS, metavar="N",
                   help=help_text or f"reps in a row to aim for (default {TARGET_REPS})")
