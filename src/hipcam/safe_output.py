"""Writing outputs without destroying anything the user owns.

Every output flag of every command goes through here:

- ``-`` means standard output (for every flag); ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``
  and ``/proc/self/fd/N`` write to that open descriptor, in stream order.
- A symbolic link is written *through*: its final target is replaced, the link stays.
- A regular file (or a new name) is replaced atomically: a temporary file in the target's folder,
  ``fsync``, rename; the old file's permission bits are kept. A failure leaves the old file.
- A character device (``/dev/null``, a terminal) or a FIFO is opened and written in place.
  Block devices, sockets and folders are refused.
- :func:`check_outputs` refuses, before any work starts and in one line, an output that is the same
  file as an input (compared by device and inode, through links) or as another output, and an
  output that cannot be written.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hipcam.errors import OutputError

STDOUT = "-"
_FD_PATH = re.compile(r"^/(?:dev/(stdout|stderr)|dev/fd/(\d+)|proc/self/fd/(\d+))$")
_STD_FDS = {"stdout": 1, "stderr": 2}

#: identity of a file: (st_dev, st_ino)
FileKey = tuple[int, int]


@dataclass(frozen=True)
class Target:
    """Where an output really goes.

    ``kind`` is ``"fd"`` (an open descriptor, ``fd``; ``-`` is descriptor 1), ``"stream"``
    (a character device or FIFO at ``path``, written in place) or ``"file"`` (``path`` is the
    real, link-resolved location of a regular file, existing or not).
    """

    arg: str
    kind: str
    path: Path | None = None
    fd: int | None = None

    @property
    def is_stdout(self) -> bool:
        """Whether this output goes to standard output."""
        if self.kind == "fd":
            return self.fd == 1 or _same_open_file(self.fd, 1)
        if self.kind == "stream" and self.path is not None:
            return _path_is_fd(self.path, 1)
        return False

    def key(self) -> FileKey | str | None:
        """What two outputs (or an output and an input) must not share; None for a sink device."""
        if self.kind == "fd":
            try:
                st = os.fstat(self.fd)  # type: ignore[arg-type]
            except OSError:
                return f"fd:{self.fd}"
            if stat.S_ISCHR(st.st_mode) and not _is_terminal_fd(self.fd):
                return f"fd:{self.fd}"
            return (st.st_dev, st.st_ino)
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except OSError:
            return f"new:{self.path}"
        if stat.S_ISCHR(st.st_mode):
            return None  # /dev/null may take any number of outputs
        return (st.st_dev, st.st_ino)


def resolve_output(arg: str | Path) -> Target:
    """Classify an output argument; raises :class:`OutputError` for what must not be written."""
    text = os.fspath(arg)
    if text == STDOUT:
        return Target(text, "fd", fd=1)
    m = _FD_PATH.match(text)
    if m:
        fd = _STD_FDS[m.group(1)] if m.group(1) else int(m.group(2) or m.group(3))
        return Target(text, "fd", fd=fd)
    if not text:
        raise OutputError("an output path is empty")
    real = Path(os.path.realpath(text))
    try:
        st = os.stat(real)
    except FileNotFoundError:
        return Target(text, "file", path=real)
    except OSError as exc:
        raise OutputError(f"cannot write {text}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{text} is a directory; give a file name")
    if stat.S_ISREG(st.st_mode):
        return Target(text, "file", path=real)
    if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode):
        return Target(text, "stream", path=real)
    what = "a block device" if stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(
        st.st_mode) else "not a regular file"
    raise OutputError(f"refusing to write {text}: it is {what}")


def input_key(path: str | Path) -> FileKey | None:
    """(device, inode) of an existing input, through links; None when it does not exist."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


#: (device, inode) of every input registered with :func:`protect_inputs`: never written
_PROTECTED: dict[FileKey, str] = {}


def protect_inputs(inputs: Mapping[str, str | Path | None] | Iterable[tuple[str, str | Path | None]]
                   ) -> None:
    """Register inputs that no later :func:`write_bytes` of this process may replace."""
    _PROTECTED.update(_input_keys(inputs))


def _input_keys(inputs: Mapping[str, str | Path | None] | Iterable[tuple[str, str | Path | None]]
                ) -> dict[FileKey, str]:
    pairs = inputs.items() if isinstance(inputs, Mapping) else inputs
    keys: dict[FileKey, str] = {}
    for label, path in pairs:
        if path is not None and os.fspath(path) != STDOUT:
            key = input_key(path)
            if key is not None:
                keys.setdefault(key, f"{label} {os.fspath(path)}")
    return keys


def check_outputs(outputs: Mapping[str, str | Path | None],
                  inputs: Mapping[str, str | Path | None] | Iterable[tuple[str, str | Path | None]]
                  = ()) -> dict[str, Target]:
    """Resolve and check every output before any work starts; returns ``{label: Target}``.

    ``outputs`` and ``inputs`` map a label for messages (e.g. ``"--json"``, ``"the video"``) to a
    path (None = not given); ``inputs`` may also be (label, path) pairs. The inputs are also
    registered with :func:`protect_inputs`. Raises :class:`OutputError` with one line when an
    output is the same file as an input or as another output, or cannot be written.
    """
    in_keys = _input_keys(inputs)
    _PROTECTED.update(in_keys)
    seen: dict[object, str] = {}
    targets: dict[str, Target] = {}
    for label, arg in outputs.items():
        if arg is None:
            continue
        t = resolve_output(arg)
        key = t.key()
        shown = "standard output" if t.is_stdout else os.fspath(arg)
        if isinstance(key, tuple) and key in in_keys:
            raise OutputError(f"{label} {os.fspath(arg)} is the same file as {in_keys[key]}: "
                              "refusing to overwrite an input")
        if t.is_stdout:
            key = "stdout"
        if key is not None:
            if key in seen:
                raise OutputError(f"{seen[key]} and {label} both write {shown}")
            seen[key] = label
        check_writable(t)
        targets[label] = t
    return targets


def check_writable(target: Target) -> None:
    """Raise :class:`OutputError` unless the target can be written (tried, not guessed)."""
    if target.kind == "fd":
        try:
            os.fstat(target.fd)  # type: ignore[arg-type]
        except OSError:
            raise OutputError(f"cannot write {target.arg}: descriptor {target.fd} is not open") from None
        return
    assert target.path is not None
    if target.kind == "stream":
        if not os.access(target.path, os.W_OK):
            raise OutputError(f"cannot write {target.arg}: permission denied")
        return
    parent = target.path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {target.arg}: {parent} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".hipcam-probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write {target.arg}: {exc.strerror or exc}") from None


def write_bytes(dest: str | Path | Target, data: bytes) -> None:
    """Write ``data`` to an output (see the module doc); :class:`OutputError` on failure.

    A target that is the same file as a registered input (:func:`protect_inputs`) is refused.
    """
    t = dest if isinstance(dest, Target) else resolve_output(dest)
    if t.kind == "fd":
        _write_fd(t, data)
        return
    assert t.path is not None
    key = t.key()
    if isinstance(key, tuple) and key in _PROTECTED:
        raise OutputError(f"refusing to write {t.arg}: it is the same file as {_PROTECTED[key]}")
    try:
        if t.kind == "stream":
            fd = os.open(t.path, os.O_WRONLY | os.O_NOCTTY)
            try:
                _write_all(fd, data)
            finally:
                os.close(fd)
            return
        _atomic_replace(t.path, data)
    except OSError as exc:
        raise OutputError(f"cannot write {t.arg}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def file_for(dest: str | Path | Target, suffix: str = "") -> Iterator[Path]:
    """A regular file path for writers that need one (video encoders), then delivered to ``dest``.

    For a regular file (or new name) this is the real, link-resolved path: the writer's own
    temp-file-and-rename replaces the link's target, never the link. For standard output, a
    descriptor, a device or a FIFO, the writer writes a temporary file that is copied there when
    the ``with`` block ends without an exception, and removed in every case.
    """
    t = dest if isinstance(dest, Target) else resolve_output(dest)
    if t.kind == "file":
        assert t.path is not None
        yield t.path
        return
    fd, tmp = tempfile.mkstemp(prefix=".hipcam-out-", suffix=suffix)
    os.close(fd)
    os.unlink(tmp)  # the writer creates it (some refuse an existing file)
    try:
        yield Path(tmp)
        if os.path.exists(tmp):
            _copy_to(t, Path(tmp))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _copy_to(t: Target, src: Path) -> None:
    try:
        if t.kind == "fd":
            if t.fd == 1:
                sys.stdout.flush()
            with open(src, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    _write_all(t.fd, chunk)  # type: ignore[arg-type]
            return
        with open(src, "rb") as fh, open(t.path, "wb", buffering=0) as out:  # type: ignore[arg-type]
            shutil.copyfileobj(fh, out, 1 << 20)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputError(f"cannot write {t.arg}: {exc.strerror or exc}") from None


def _write_fd(t: Target, data: bytes) -> None:
    try:
        if t.fd == 1:
            sys.stdout.flush()
        elif t.fd == 2:
            sys.stderr.flush()
        _write_all(t.fd, data)  # type: ignore[arg-type]
    except BrokenPipeError:
        raise
    except OSError as exc:
        where = "standard output" if t.fd == 1 else t.arg
        raise OutputError(f"cannot write to {where}: {exc.strerror or exc}") from None


def _atomic_replace(path: Path, data: bytes) -> None:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=path.parent)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_all(fd: int, data: bytes) -> None:
    """``os.write`` until everything is written (a short write is not an error by itself)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:  # pragma: no cover - would loop forever
            raise OSError(28, os.strerror(28))
        view = view[n:]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _same_open_file(a: int | None, b: int) -> bool:
    try:
        sa, sb = os.fstat(a), os.fstat(b)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino) and not stat.S_ISCHR(sa.st_mode)


def _path_is_fd(path: Path, fd: int) -> bool:
    try:
        sp, sf = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (sp.st_dev, sp.st_ino, sp.st_rdev) == (sf.st_dev, sf.st_ino, sf.st_rdev)


def _is_terminal_fd(fd: int | None) -> bool:
    try:
        return os.isatty(fd)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return False
