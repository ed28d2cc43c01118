"""Starting a server in a process of its own (pinned to a core when asked) and stopping it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# On a shared machine other processes land on the server's core and take half of it: a server
# at 80 % of what it did alone falls behind for good (bench.soak), a throughput figure is half
# what it should be (python -m bench). Servers and load generators run at this niceness when
# allowed (root), and so does their autogroup: with autogroups (Linux's default
# for desktops and many VMs) the CPU is shared between sessions first, and a thread's nice
# only counts inside its own session. Neighbours at the default priority get about a tenth.
NICENESS = -10

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(url: str, body: Any = None, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """POST `body` as JSON (GET when None): the status and body, or (0, b"") when nothing
    answered."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, dict(headers or {}))
    try:
        with _NO_PROXY.open(request, timeout=5) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


@contextmanager
def running(
    command: Sequence[str],
    ready: Callable[[], bool],
    *,
    cpu: str | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    log: Path | None = None,
    timeout: float = 120,
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """`command` running (under `taskset -c cpu` when given) until `ready()` says so; yields the
    process and the seconds it took. In a process group of its own, stopped whole (SIGTERM, then
    SIGKILL): servers that run their app in worker processes go with it."""
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    started = time.perf_counter()
    output = open(log or os.devnull, "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=output,
        stderr=subprocess.STDOUT,
        process_group=0,  # its own group, in this session (and autogroup: see NICENESS)
    )
    try:
        while not ready():
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-3000:] if log else ""
                raise RuntimeError(f"{command[0]} exited with {process.returncode}\n{tail}")
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"{' '.join(command)} did not answer in {timeout:g} s")
            time.sleep(0.02)
        yield process, time.perf_counter() - started
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        output.close()


def renice(pid: int) -> bool:
    """Run `pid` (0: this process) at NICENESS; False when not allowed (not root)."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, NICENESS)
    except OSError:  # not root: run at the normal priority, the figures say so
        return False
    return True


@contextmanager
def raised_priority(*pids: int) -> Iterator[bool]:
    """`pids` (0: this process) and their autogroup at NICENESS while inside; yields whether
    that was allowed. The autogroup (all processes of this session) gets its nice back after."""
    autogroup = Path("/proc/self/autogroup")
    before: str | None = None
    with suppress(OSError, IndexError):
        before = autogroup.read_text().split()[2]  # "/autogroup-123 nice 0"
        autogroup.write_text(str(NICENESS))
    try:
        yield all([renice(pid) for pid in pids])
    finally:
        if before is not None:
            with suppress(OSError):
                autogroup.write_text(before)
