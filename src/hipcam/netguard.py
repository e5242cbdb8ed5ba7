"""Keep native libraries off the network: a seccomp filter for the threads MediaPipe starts.

MediaPipe's native library (the PyPI wheels from 0.10.35 on, measured) sends usage statistics to
``play.googleapis.com`` from its own threads; there is no supported switch to turn that off (see
docs/privacy.md). :func:`call_offline` runs a function (creating the pose landmarker) in a fresh
thread that first installs a seccomp filter refusing ``socket(AF_INET/AF_INET6, ...)`` with
``EACCES``. Linux applies a filter to the calling thread and to every thread it creates later,
so all of MediaPipe's graph and logging threads inherit it, while the rest of the process (a Dask
worker's connection to its scheduler, a camera stream) keeps its network. The usage logger just
fails to resolve its host; inference is unaffected.

Only Linux on x86-64 and arm64 is supported. Elsewhere, or when the kernel refuses the filter,
:func:`call_offline` raises :class:`~hipcam.errors.HipcamError` unless the user opted out with
``HIPCAM_ALLOW_NATIVE_NETWORK=1``.
"""

from __future__ import annotations

import ctypes
import os
import platform
import struct
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from hipcam.errors import HipcamError

T = TypeVar("T")

#: environment variable that lets hipcam run where the filter cannot be installed
ALLOW_ENV = "HIPCAM_ALLOW_NATIVE_NETWORK"

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
_AF_INET = 2
_AF_INET6 = 10
_X32_SYSCALL_BIT = 0x40000000

# (audit arch, socket syscall number) per machine
_ARCH = {
    "x86_64": (0xC000003E, 41),
    "amd64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
    "arm64": (0xC00000B7, 198),
}

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def deny_inet_program(machine: str | None = None) -> bytes:
    """The BPF program (``struct sock_filter[]`` bytes) refusing inet sockets on ``machine``.

    Offsets into ``struct seccomp_data``: 0 syscall number, 4 audit arch, 16 low word of args[0].
    A syscall from another ABI (x32, 32-bit compat) is refused outright.
    """
    arch, nr_socket = _ARCH[(machine or platform.machine()).lower()]
    deny = _SECCOMP_RET_ERRNO | _EACCES
    insns = [
        (_LD_W_ABS, 0, 0, 4),                 # 0: A = arch
        (_JEQ_K, 1, 0, arch),                 # 1: native ABI? -> 3
        (_RET_K, 0, 0, deny),                 # 2: foreign ABI: refuse
        (_LD_W_ABS, 0, 0, 0),                 # 3: A = nr
        (_JGE_K, 0, 1, _X32_SYSCALL_BIT),     # 4: x32 syscall? -> 5 else 6
        (_RET_K, 0, 0, deny),                 # 5: refuse
        (_JEQ_K, 0, 4, nr_socket),            # 6: socket()? -> 7 else 11
        (_LD_W_ABS, 0, 0, 16),                # 7: A = domain
        (_JEQ_K, 1, 0, _AF_INET),             # 8: AF_INET -> 10
        (_JEQ_K, 0, 1, _AF_INET6),            # 9: AF_INET6 -> 10 else 11
        (_RET_K, 0, 0, deny),                 # 10: refuse with EACCES
        (_RET_K, 0, 0, _SECCOMP_RET_ALLOW),   # 11: everything else
    ]
    return b"".join(struct.pack("=HBBI", *i) for i in insns)


def deny_inet_in_this_thread() -> None:
    """Install the filter on the calling thread (and the threads it will create). Irreversible.

    Raises ``OSError`` when the kernel refuses, ``KeyError`` on an unsupported machine.
    """
    if not sys.platform.startswith("linux"):
        raise OSError(f"seccomp filters need Linux (this is {sys.platform})")
    prog_bytes = deny_inet_program()
    buf = ctypes.create_string_buffer(prog_bytes, len(prog_bytes))
    prog = _SockFprog(len(prog_bytes) // 8, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                           ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_NO_NEW_PRIVS): {os.strerror(err)}")
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl(PR_SET_SECCOMP): {os.strerror(err)}")


def call_offline(fn: Callable[[], T]) -> T:
    """Run ``fn()`` in a new thread that cannot create internet sockets; return its result.

    Threads that ``fn`` starts (MediaPipe's graph and usage-logging threads) inherit the filter
    for their whole life. Exceptions of ``fn`` are re-raised in the caller. When the filter cannot
    be installed, raises :class:`HipcamError` unless ``HIPCAM_ALLOW_NATIVE_NETWORK=1``.
    """
    box: dict[str, object] = {}

    def body() -> None:
        try:
            deny_inet_in_this_thread()
        except (OSError, KeyError) as exc:
            if os.environ.get(ALLOW_ENV) != "1":
                box["error"] = HipcamError(
                    f"cannot keep MediaPipe's native usage logging off the network here "
                    f"({exc if not isinstance(exc, KeyError) else 'unsupported machine ' + str(exc)}); "
                    f"set {ALLOW_ENV}=1 to run anyway")
                return
        try:
            box["result"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=body, name="hipcam-offline", daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
