"""Nothing leaves the machine, checked by the operating system (issue 15).

Each command runs with its whole process tree in a fresh network namespace (``unshare -n``: only a
loopback interface exists) under ``strace -f``, which records every ``socket``, ``connect`` and
``send*`` system call of every thread and child process (MediaPipe's native threads, the --jobs
and batch worker processes, FFmpeg, a Dask scheduler and worker). The verdict is read from the
trace, not from the exit status: an internet socket that was created, a connection or datagram
to anything but loopback, or any DNS query fails the test. A refused ``socket()`` (hipcam's
seccomp guard, see docs/privacy.md) sends nothing and is allowed. The first test shows that the
checker does catch a DNS lookup, so a pass here means something.

Needs Linux, ``unshare``, ``strace`` and ``ip`` (scripts/test.sh installs strace) and either root
(CI) or unprivileged user namespaces.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from robust_media import HIPCAM, make_clip

pytestmark = [pytest.mark.timeout(900),
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux only")]

_SOCKET = re.compile(r"\bsocket\((AF_INET6?|PF_INET6?),.*\)\s*=\s*(-?\d+)")
_SEND = re.compile(r"\b(connect|sendto|sendmsg|sendmmsg)\(")
_PORT = re.compile(r"sin6?_port=htons\((\d+)\)")
_ADDR4 = re.compile(r'inet_addr\("([^"]+)"\)')
_ADDR6 = re.compile(r'inet_pton\(AF_INET6,\s*"([^"]+)"')


def _tools() -> None:
    for tool in ("unshare", "strace", "ip"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (scripts/test.sh installs strace)")


def _is_loopback(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def network_violations(trace: str, allow_loopback: bool) -> list[str]:
    """The lines of an ``strace -f`` log that show traffic beyond what is allowed.

    Always forbidden: anything to port 53 (DNS), any inet address that is not loopback.
    Without ``allow_loopback`` every successfully created inet socket is forbidden too.
    """
    bad = []
    for line in trace.splitlines():
        m = _SOCKET.search(line)
        if m and int(m.group(2)) >= 0 and not allow_loopback:
            bad.append(line)
            continue
        if not _SEND.search(line) or "AF_UNIX" in line or "AF_NETLINK" in line:
            continue
        if "sendmmsg(" in line:  # glibc's resolver: A and AAAA queries in one call
            bad.append(line)
            continue
        port = _PORT.search(line)
        if port and port.group(1) == "53":
            bad.append(line)
            continue
        addrs = _ADDR4.findall(line) + _ADDR6.findall(line)
        if any(not _is_loopback(a) for a in addrs) or (addrs and not allow_loopback):
            bad.append(line)
    return bad


def traced(cmd: list[str], trace: Path, timeout: float = 600,
           cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new network namespace (loopback up) under ``strace -f``."""
    _tools()
    # --seccomp-bpf: only the traced calls stop the process (strace -f alone stops every system
    # call of every thread: 3-10x slower); a socket() refused by hipcam's own seccomp guard is not
    # seen then, and sends nothing either
    inner = (f"ip link set lo up && exec strace -f --seccomp-bpf -q -e trace=socket,connect,sendto,sendmsg,"
             f"sendmmsg -o {shlex.quote(str(trace))} -- {shlex.join(cmd)}")
    ns = ["unshare", "-n"] if os.geteuid() == 0 else ["unshare", "-r", "-n"]
    env = dict(os.environ)
    env.pop("HIPCAM_DEBUG", None)
    env.pop("HIPCAM_ALLOW_NATIVE_NETWORK", None)
    proc = subprocess.run([*ns, "sh", "-c", inner], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL, cwd=cwd)
    if proc.returncode != 0 and "unshare" in proc.stderr and not trace.exists():
        pytest.skip(f"cannot create a network namespace here: {proc.stderr.strip()}")
    assert trace.is_file(), proc.stderr
    return proc


def _check(proc: subprocess.CompletedProcess, trace: Path, allow_loopback: bool = False) -> str:
    text = trace.read_text(errors="replace")
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert "exited with 0" in text, "the trace did not follow the process to its end"
    bad = network_violations(text, allow_loopback)
    assert not bad, "network traffic:\n" + "\n".join(bad[:20])
    return text


def _statuses(out: Path) -> list[str]:
    import csv

    with open(out / "summary.csv", newline="") as fh:
        return [row["status"] for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("nonet") / "clip.mp4", 2.0, 320, 240)


def test_checker_sees_a_dns_lookup(tmp_path: Path) -> None:
    """The harness is not blind: a plain name lookup is reported (what MediaPipe used to do)."""
    trace = tmp_path / "trace.txt"
    code = ("import socket\ntry:\n    socket.getaddrinfo('play.googleapis.com', 443)\n"
            "except OSError:\n    pass\n")
    proc = traced([sys.executable, "-c", code], trace)
    assert proc.returncode == 0, proc.stderr
    bad = network_violations(trace.read_text(), allow_loopback=True)
    assert bad, "a DNS lookup went unnoticed:\n" + trace.read_text()[-2000:]


def test_checker_unit() -> None:
    ok = ['12 connect(5, {sa_family=AF_INET, sin_port=htons(8786), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
          '12 socket(AF_INET, SOCK_DGRAM, IPPROTO_IP) = -1 EACCES (Permission denied)',
          '12 connect(3, {sa_family=AF_UNIX, sun_path="/run/x"}, 110) = 0']
    assert network_violations("\n".join(ok), allow_loopback=True) == []
    assert len(network_violations("\n".join(ok), allow_loopback=False)) == 1
    dns = '9 connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0'
    out = ('9 connect(9, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), '
           'inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ENETUNREACH')
    assert network_violations(dns, allow_loopback=True) == [dns]
    assert network_violations(out, allow_loopback=True) == [out]
    assert network_violations('1 socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = 4', False)


def test_analyse_sends_nothing(clip: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    proc = traced([*HIPCAM, "analyse", str(clip), "--json", str(tmp_path / "a.json"), "-q"], trace)
    _check(proc, trace)
    assert json.loads((tmp_path / "a.json").read_text())["video"]["frames"] > 0


def test_analyse_jobs_sends_nothing(clip: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    proc = traced([*HIPCAM, "analyse", str(clip), "--jobs", "2", "-q"], trace)
    _check(proc, trace)


def test_live_source_file_sends_nothing(clip: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.txt"
    proc = traced([*HIPCAM, "live", "--source", str(clip), "--headless", "--no-realtime",
                   "--calibration", "0", "--db", str(tmp_path / "s.db")], trace)
    _check(proc, trace)
    assert '"event": "summary"' in proc.stdout


def test_batch_local_pool_sends_nothing(clip: Path, tmp_path: Path) -> None:
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in ("a.mp4", "b.mp4"):
        shutil.copy(clip, videos / name)
    (videos / "b.mp4").open("ab").write(b"\0")  # another content hash: analysed twice
    trace = tmp_path / "trace.txt"
    proc = traced([*HIPCAM, "batch", str(videos), "--out", str(tmp_path / "out"), "--workers", "2",
                   "-q"], trace)
    _check(proc, trace)
    assert _statuses(tmp_path / "out") == ["ok", "ok"], proc.stderr


def test_batch_on_dask_sends_nothing_beyond_loopback(clip: Path, tmp_path: Path) -> None:
    """A scheduler and a worker on 127.0.0.1 inside the namespace: only loopback traffic."""
    pytest.importorskip("distributed")
    dask = Path(sys.executable).parent / "dask"
    if not dask.exists():
        pytest.skip("the dask command is not installed")
    videos = tmp_path / "videos"
    videos.mkdir()
    shutil.copy(clip, videos / "a.mp4")
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent(f"""
        import json, signal, subprocess, sys, time
        from pathlib import Path
        d = Path({str(tmp_path)!r})
        sf = d / "scheduler.json"
        log = open(d / "dask.log", "w")
        procs = [subprocess.Popen([{str(dask)!r}, "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(sf)],
                                  stdout=log, stderr=subprocess.STDOUT)]
        try:
            t = time.monotonic()
            while not sf.is_file() and time.monotonic() - t < 90:
                time.sleep(0.2)
            addr = json.loads(sf.read_text())["address"]
            procs.append(subprocess.Popen([{str(dask)!r}, "worker", addr, "--host", "127.0.0.1",
                                           "--nthreads", "1", "--no-dashboard"],
                                          stdout=log, stderr=subprocess.STDOUT))
            from distributed import Client
            with Client(addr, timeout=60, set_as_default=False) as c:
                c.wait_for_workers(1, timeout=120)
            rc = subprocess.run({HIPCAM!r} + ["batch", str(d / "videos"), "--out", str(d / "out"),
                                "--scheduler", addr, "-q"]).returncode
        finally:
            for p in reversed(procs):
                p.send_signal(signal.SIGINT)
            for p in reversed(procs):
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        sys.exit(rc)
    """))
    trace = tmp_path / "trace.txt"
    proc = traced([sys.executable, str(driver)], trace)
    text = _check(proc, trace, allow_loopback=True)
    assert _statuses(tmp_path / "out") == ["ok"], (tmp_path / "dask.log").read_text()[-3000:]
    assert "127.0.0.1" in text, "no loopback traffic seen: did the batch really use the cluster?"


def test_synth_sends_nothing(tmp_path: Path) -> None:
    pytest.importorskip("anny")
    trace = tmp_path / "trace.txt"
    out = tmp_path / "s.mp4"
    proc = traced([*HIPCAM, "synth", "--left", "reps 1 period=0.8 amp=30", "--size", "160x120",
                   "--fps", "10", "--codec", "mp4v", "-o", str(out), "-q"], trace)
    _check(proc, trace)
    assert out.stat().st_size > 0


def test_call_offline_cuts_inet_for_its_thread_and_children_only() -> None:
    """The seccomp guard: inet sockets fail in the guarded thread and threads it starts."""
    import errno
    import socket
    import threading

    from hipcam.netguard import call_offline

    def try_socket(family: int) -> int:
        try:
            socket.socket(family, socket.SOCK_DGRAM).close()
            return 0
        except OSError as exc:
            return exc.errno or -1

    def guarded() -> tuple[int, int, int, int]:
        child: list[int] = []
        t = threading.Thread(target=lambda: child.append(try_socket(socket.AF_INET)))
        t.start()
        t.join()
        return (try_socket(socket.AF_INET), try_socket(socket.AF_INET6), child[0],
                try_socket(socket.AF_UNIX))

    v4, v6, child, unix = call_offline(guarded)
    assert (v4, v6, child) == (errno.EACCES,) * 3
    assert unix == 0  # local IPC (PulseAudio, X11, Dask's own pipes) still works
    assert try_socket(socket.AF_INET) == 0  # the calling thread keeps its network


def test_call_offline_reraises() -> None:
    from hipcam.netguard import call_offline

    with pytest.raises(ZeroDivisionError):
        call_offline(lambda: 1 / 0)
    assert call_offline(lambda: 42) == 42
