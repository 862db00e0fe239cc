"""Child processes of a benchmark: free ports, dying with the benchmark, CPU from /proc."""

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on (free when asked: bind it soon)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def die_with_parent() -> None:
    """`preexec_fn` of a child: SIGTERM when the benchmark dies (Linux), so that an
    interrupted benchmark leaves no server or worker behind (a worker would empty the
    next run's queue)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def cpu_of(pid: int, tick: int, *, reaped: bool = False) -> float | None:
    """CPU seconds (user + system) a live process used, None when it is gone. `reaped`:
    with those of its children that ended and that it waited for (PostgreSQL's
    postmaster: a backend that closes between two readings takes its CPU with it)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            after_name = stat.read().rsplit(")", 1)[1].split()
        fields = (11, 12, 13, 14) if reaped else (11, 12)
        return sum(int(after_name[field]) for field in fields) / tick
    except (OSError, ValueError, IndexError):
        return None


def children_of(pid: int) -> list[int]:
    """The direct children of a process (a server's workers)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


def cpu_with_reaped_children(pid: int) -> float:
    """A master process, its live children, and (through its cutime and cstime) the
    children it has reaped since it started: gunicorn's --max-requests replaces its
    workers as it goes."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(value) for value in fields[11:15]) / tick  # utime stime cutime cstime
    return own + sum(cpu_of(child, tick) or 0.0 for child in children_of(pid))


def start_server(
    name: str,
    command: list[str],
    ready: Callable[[], bool],
    errors: Callable[[], str],
    *,
    timeout: float,
    poll: float = 0.2,
    **popen: Any,
) -> subprocess.Popen:
    """Start a server that dies with the benchmark; return once `ready()` says so (an
    OSError counts as not yet). Raises with its `errors()` if it exits or stays silent."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=die_with_parent,
        **popen,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {errors()}")
        with contextlib.suppress(OSError):
            if ready():
                return process
        time.sleep(poll)
    stop_process(process)
    raise RuntimeError(f"{name} did not answer in {timeout:.0f} s: {errors()}")


def stop_process(process: subprocess.Popen | None, timeout: float = 30.0) -> None:
    """SIGTERM (graceful for gunicorn, fast for nginx), then SIGKILL after `timeout`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
