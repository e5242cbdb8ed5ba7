"""Errors that hipcam reports to the user as one line, each with a documented exit code."""

from __future__ import annotations

#: Exit codes shared by every command (documented in docs/robustness.md).
EXIT_OK = 0
EXIT_FAILED = 1  # e.g. a batch in which some videos failed
EXIT_USAGE = 2  # bad command line (argparse)
EXIT_INPUT_MISSING = 3  # file/folder does not exist or cannot be read
EXIT_BAD_VIDEO = 4  # not a video, empty, undecodable
EXIT_NO_PERSON = 5  # no usable pose in the video
EXIT_OUTPUT = 6  # output path not writable, disk full
EXIT_CAMERA = 7  # camera missing or lost
EXIT_INTERNAL = 70  # an unexpected error (a bug): one line, HIPCAM_DEBUG=1 shows the traceback
EXIT_INTERRUPTED = 130  # SIGINT / SIGTERM (what was finished is kept)


class HipcamError(Exception):
    """An expected failure with a one-line message and an exit code."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class InputMissingError(HipcamError):
    exit_code = EXIT_INPUT_MISSING


class BadVideoError(HipcamError):
    exit_code = EXIT_BAD_VIDEO


class NoPersonError(HipcamError):
    exit_code = EXIT_NO_PERSON


class OutputError(HipcamError):
    exit_code = EXIT_OUTPUT


class CameraError(HipcamError):
    exit_code = EXIT_CAMERA
