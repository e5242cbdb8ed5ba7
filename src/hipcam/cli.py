"""Command-line entry point: ``hipcam COMMAND ...``.

Each sub-command lives in its own module exposing ``add_arguments(parser)`` and
``run(args) -> int``; heavy imports happen inside ``run`` so ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import signal
import sys
import threading
import time
from typing import NoReturn

from hipcam import __version__
from hipcam.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, HipcamError

#: command name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "analyse": ("hipcam.commands.analyse", "analyse one recorded video: counts, smoothness, plots"),
    "live": ("hipcam.commands.live", "count live from a camera (or a video played as one)"),
    "history": ("hipcam.commands.history", "list stored live sessions and plot progress"),
    "batch": ("hipcam.commands.batch", "score a folder, glob or manifest of videos in parallel"),
    "synth": ("hipcam.synth.cli", "render a synthetic video with exact ground truth"),
}


#: other names a command answers to (``hipcam analyze`` for American spelling)
ALIASES: dict[str, list[str]] = {"analyse": ["analyze"]}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the description's and epilog's line breaks (examples) and shows an option's default
    only when it says something: not for ``None``/``False``/empty defaults, and not when the help
    text already mentions its default."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if ("%(default)" in text or "default" in text.lower() or default is argparse.SUPPRESS
                or default is None or default is False or default == [] or not action.option_strings
                or isinstance(action, argparse._HelpAction | argparse._VersionAction)):
            return text
        return f"{text} (default: %(default)s)"


class _Interrupted(Exception):
    pass


#: An interrupt that arrives while a finalizer runs is re-sent this soon (s) ...
INTERRUPT_RETRY_S = 0.01
#: ... and raised even inside one once it has waited this long (a finalizer that hangs must not
#: make the run unstoppable; the retry still follows).
INTERRUPT_DEFER_MAX_S = 0.5
_deferred_since: float | None = None  # when the pending interrupt was first deferred
_retry: threading.Timer | None = None  # the one pending re-send


def _in_finalizer(frame: object) -> bool:
    """Whether ``frame`` or a caller of it is a ``__del__``."""
    f = frame
    while f is not None:
        if getattr(getattr(f, "f_code", None), "co_name", "") == "__del__":
            return True
        f = getattr(f, "f_back", None)
    return False


def _resend(signum: int) -> None:
    """Send ``signum`` to the main thread again: a real signal, so it also wakes a blocking wait
    (``_thread.interrupt_main`` would only set a flag)."""
    global _retry
    _retry = None
    signal.pthread_kill(threading.main_thread().ident or 0, signum)


def _raise_interrupted(signum: int, frame: object) -> None:
    """The SIGINT / SIGTERM handler: ``KeyboardInterrupt`` — but not inside a finalizer.

    Raised in a ``__del__`` (MediaPipe frees an image's native memory in one, every frame), an
    exception cannot propagate: Python prints ``Exception ignored in ...`` with a traceback and
    the run *goes on*. So while a ``__del__`` is running the signal is sent again
    :data:`INTERRUPT_RETRY_S` later (one re-send pending at a time; a second press adds none),
    where it ends the run as usual: one line, exit 130, what was finished kept. A finalizer still
    running after :data:`INTERRUPT_DEFER_MAX_S` is broken out of (the re-send follows).
    """
    global _deferred_since, _retry
    now = time.monotonic()
    if _in_finalizer(frame):
        if _deferred_since is None:
            _deferred_since = now
        if _retry is None:
            _retry = threading.Timer(INTERRUPT_RETRY_S, _resend, (signum,))
            _retry.daemon = True
            _retry.start()
        if now - _deferred_since < INTERRUPT_DEFER_MAX_S:
            return
    else:
        _deferred_since = None
        if _retry is not None:  # raised now: a pending re-send would interrupt the cleanup
            _retry.cancel()
            _retry = None
    raise KeyboardInterrupt


def install_interrupt_handlers(force_sigint: bool = False) -> None:
    """SIGTERM and SIGINT raise ``KeyboardInterrupt`` outside finalizers
    (:func:`_raise_interrupted`). SIGINT is left alone where it is ignored (a background job),
    unless ``force_sigint`` (``hipcam live``: a session must stop, and save, on it). A no-op off
    the main thread (signals can only be handled there)."""
    if threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, _raise_interrupted)
    if force_sigint or signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, _raise_interrupted)


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line (``hipcam CMD: error: ...``), exit 2.

    argparse's default prints the whole usage block first; a bad value deserves one line that
    names the option and points at ``--help``.
    """

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with one sub-parser per command."""
    parser = OneLineParser(
        prog="hipcam",
        description="Count and score seated hip external rotation repetitions from a camera.",
    )
    parser.add_argument("--version", action="version", version=f"hipcam {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue  # optional command whose module is not available
        p = sub.add_parser(
            name,
            aliases=ALIASES.get(name, []),
            help=help_text,
            description=(module.__doc__ or help_text).strip().splitlines()[0],
            formatter_class=HelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad value (one line already printed)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    install_interrupt_handlers()
    try:
        return int(args._run(args) or 0)
    except HipcamError as exc:
        print(f"hipcam {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"hipcam {args.command}: interrupted", file=sys.stderr)
        quiet_teardown()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the catch-all: never a traceback (HIPCAM_DEBUG=1 shows it)
        if os.environ.get("HIPCAM_DEBUG"):
            raise
        print(f"hipcam {args.command}: error: {unexpected_error_line(exc)}", file=sys.stderr)
        return EXIT_INTERNAL


def unexpected_error_line(exc: BaseException) -> str:
    """One line for an error no specific handler caught (an OS error says which file)."""
    if isinstance(exc, MemoryError):
        return "out of memory (try --stride 2, fewer --jobs/--workers or a shorter video)"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {_short_path(exc.filename)}" if exc.filename else ""
        return f"cannot access{where}: {exc.strerror}"
    text = str(exc).strip().splitlines()
    return (f"internal error: {type(exc).__name__}: {text[0] if text else ''} "
            "(please report it; HIPCAM_DEBUG=1 shows the details)")


def _short_path(name: object, n: int = 80) -> str:
    text = os.fsdecode(name) if isinstance(name, (str, bytes, os.PathLike)) else str(name)
    return text if len(text) <= n else text[: n // 2 - 1] + "…" + text[-(n // 2):]


def silence_native_stderr() -> None:
    """Send file descriptor 2 to /dev/null for the rest of the process, keeping ``sys.stderr``.

    MediaPipe/LiteRT and FFmpeg write log lines straight to file descriptor 2, some of them from
    their own threads at any moment (also after an interrupt); hipcam's own messages go through
    ``sys.stderr``, which is moved to a duplicate of the original descriptor. Only for the
    console command (``HIPCAM_DEBUG=1`` keeps the native logs).
    """
    if os.environ.get("HIPCAM_DEBUG"):
        return
    try:
        sys.stderr.flush()
        keep = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        return
    sys.stderr = io.TextIOWrapper(os.fdopen(keep, "wb", buffering=0), encoding="utf-8",
                                  errors="backslashreplace", line_buffering=True,
                                  write_through=True)


def quiet_teardown() -> None:
    """From now on, errors in finalizers (``Exception ignored in ...``) stay off the terminal.

    An interrupted run drops MediaPipe's landmarkers while the interpreter unwinds or shuts down;
    their ``__del__`` can then fail inside the native library and Python prints that traceback
    after hipcam's one line. Nothing is left to save by then (outputs are finished or removed).
    ``HIPCAM_DEBUG=1`` keeps them.
    """
    if not os.environ.get("HIPCAM_DEBUG"):
        sys.unraisablehook = lambda _unraisable: None


def console() -> None:  # pragma: no cover - the installed ``hipcam`` command
    """Entry point of the ``hipcam`` console script."""
    silence_native_stderr()
    code = main()
    quiet_teardown()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
