"""Finding the videos of a batch: folders (recursive), glob patterns and CSV manifests.

A manifest is a CSV file with a header row and the columns ``path`` (required), ``patient_id``,
``recorded_at`` and ``notes`` (optional, any order, extra columns ignored). Relative paths in it
are resolved against the manifest's own folder, so a manifest travels with its videos.
``recorded_at`` is an ISO 8601 date or date and time (``2026-04-01``, ``2026-04-01T09:30``,
``2026-04-01 09:30:00+02:00``); anything else (``01/04/2026``: January or April?) is refused with
the manifest's line number rather than guessed.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from hipcam.errors import EXIT_USAGE, HipcamError, InputMissingError

#: File name endings treated as videos when walking a folder (case-insensitive).
VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp",
    ".3g2", ".ts", ".mts", ".m2ts", ".flv", ".ogv",
})
MANIFEST_COLUMNS = ("path", "patient_id", "recorded_at", "notes")
_GLOB_CHARS = set("*?[")


@dataclass
class VideoEntry:
    """One video of the batch, with the metadata its manifest gave (empty strings otherwise)."""

    path: str  # absolute path
    patient_id: str = ""
    recorded_at: str = ""
    notes: str = ""
    source: str = ""  # the INPUT (folder, glob or manifest) that named it

    @property
    def row_id(self) -> str:
        """A short, file-name-safe id unique to this path (names the per-video outputs)."""
        stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(self.path).stem)[:40]
        return f"{stem or 'video'}-{hashlib.sha1(self.path.encode()).hexdigest()[:8]}"


def parse_recorded_at(text: str) -> datetime | None:
    """An ISO 8601 ``recorded_at`` as a naive datetime, in UTC when it has a zone (None when empty).

    Accepts ``YYYY-MM-DD`` with an optional time (``T`` or a space, ``HH:MM[:SS[.fff]]``) and
    an optional zone (``Z`` or ``±HH:MM``; converted to UTC). Raises :class:`ValueError` for
    anything else, including day/month orders such as ``01/04/2026`` that cannot be told apart.
    """
    text = text.strip()
    if not text:
        return None
    if len(text) < 10 or text[4] != "-" or text[7] != "-" or not text[:4].isdigit():
        raise ValueError(f"not an ISO 8601 date (YYYY-MM-DD): {text!r}")
    try:
        d = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date (YYYY-MM-DD): {text!r}") from None
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc).replace(tzinfo=None)
    return d


def is_manifest(arg: str) -> bool:
    """Whether a command-line INPUT names a CSV manifest (by its ``.csv`` ending)."""
    return arg.lower().endswith(".csv") and not any(c in _GLOB_CHARS for c in arg)


def _abs(path: str | Path) -> str:
    return os.path.abspath(os.path.expanduser(str(path)))


def _is_video_name(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in VIDEO_SUFFIXES


def walk_folder(folder: str | Path) -> list[str]:
    """Every video file under ``folder`` (recursive, hidden entries skipped), sorted."""
    found: list[str] = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if _is_video_name(f))
    return [_abs(p) for p in found]


def expand_glob(pattern: str) -> list[str]:
    """Files matching a glob pattern (``**`` recurses); folders that match are walked."""
    out: list[str] = []
    for p in sorted(glob.glob(os.path.expanduser(pattern), recursive=True)):
        if os.path.isdir(p):
            out.extend(walk_folder(p))
        elif os.path.isfile(p):
            out.append(_abs(p))
    return out


def read_manifest(manifest: str | Path) -> list[VideoEntry]:
    """The rows of a CSV manifest; raises a one-line :class:`HipcamError` when it is malformed.

    Files named by a manifest are taken whatever their ending; a missing one is reported by the
    batch as a failed video rather than stopping it.
    """
    mpath = Path(manifest)
    base = mpath.resolve().parent
    try:
        with open(mpath, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh, skipinitialspace=True)
            header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
            if "path" not in header:
                raise HipcamError(
                    f"{mpath}: a manifest needs a header row with a 'path' column "
                    f"(columns: {', '.join(MANIFEST_COLUMNS)})", EXIT_USAGE)
            reader.fieldnames = header
            entries = []
            for line_no, row in enumerate(reader, start=2):
                raw = (row.get("path") or "").strip()
                if "\0" in raw:
                    raise HipcamError(f"{mpath}:{line_no}: the path contains a NUL byte", EXIT_USAGE)
                if not raw:
                    if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                        raise HipcamError(f"{mpath}:{line_no}: empty path", EXIT_USAGE)
                    continue  # blank line
                p = Path(os.path.expanduser(raw))
                recorded = (row.get("recorded_at") or "").strip()
                try:
                    parse_recorded_at(recorded)
                except ValueError:
                    raise HipcamError(
                        f"{mpath}:{line_no}: recorded_at {recorded!r} is not an ISO 8601 date: "
                        "write YYYY-MM-DD (e.g. 2026-04-01), optionally with a time "
                        "(2026-04-01T09:30)", EXIT_USAGE) from None
                entries.append(VideoEntry(
                    path=_abs(p if p.is_absolute() else base / p),
                    patient_id=(row.get("patient_id") or "").strip(),
                    recorded_at=recorded,
                    notes=(row.get("notes") or "").strip(),
                    source=str(mpath),
                ))
    except FileNotFoundError:
        raise InputMissingError(f"no such manifest: {mpath}") from None
    except UnicodeDecodeError:
        raise HipcamError(f"{mpath}: not a UTF-8 CSV manifest", EXIT_USAGE) from None
    except csv.Error as exc:
        raise HipcamError(f"{mpath}: malformed CSV: {exc}", EXIT_USAGE) from None
    except OSError as exc:
        raise InputMissingError(f"cannot read manifest {mpath}: {exc.strerror or exc}") from None
    return entries


def _missing_input_message(arg: str) -> str:
    """Why an INPUT is neither a file, a folder nor a glob: the real reason, in one line."""
    import errno

    if "\0" in arg:
        return "an INPUT contains a NUL byte"
    try:
        os.stat(arg)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            return f"file name too long ({len(arg)} characters): {arg[:29]}…{arg[-30:]}"
        if exc.errno not in (errno.ENOENT, None):
            return f"cannot read {arg}: {exc.strerror or exc}"
    except ValueError:
        pass
    return f"no such file or folder: {arg}"


def discover(inputs: list[str]) -> list[VideoEntry]:
    """Expand the command-line INPUTs into videos, in order, each path once.

    When the same file is named twice, the first mention wins, except that a manifest's
    metadata (patient id, date, notes) replaces an earlier bare mention's empty values.
    Raises :class:`InputMissingError` for an INPUT that does not exist or matches nothing.
    """
    by_path: dict[str, VideoEntry] = {}
    for arg in inputs:
        if is_manifest(arg) and not os.path.isdir(arg):
            found = read_manifest(arg)
        elif os.path.isdir(arg):
            found = [VideoEntry(p, source=arg) for p in walk_folder(arg)]
        elif os.path.isfile(arg):
            found = [VideoEntry(_abs(arg), source=arg)]
        elif any(c in _GLOB_CHARS for c in arg):
            found = [VideoEntry(p, source=arg) for p in expand_glob(arg)]
            if not found:
                raise InputMissingError(f"no files match {arg}")
        else:
            raise InputMissingError(_missing_input_message(arg))
        for e in found:
            old = by_path.get(e.path)
            if old is None:
                by_path[e.path] = e
            elif e.source.lower().endswith(".csv"):
                old.patient_id = old.patient_id or e.patient_id
                old.recorded_at = old.recorded_at or e.recorded_at
                old.notes = old.notes or e.notes
    return list(by_path.values())
