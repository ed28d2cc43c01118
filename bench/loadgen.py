"""Driving a server with wrk (Debian's package) and reading its figures."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def require_wrk() -> str:
    """wrk's path; installed with Debian's package first where this runs as root with apt-get
    (as on the project's machines and CI, see .ci/run)."""
    wrk = shutil.which("wrk")
    apt = shutil.which("apt-get")
    if wrk is None and apt is not None and os.geteuid() == 0:
        print("bench: installing wrk (apt-get install wrk)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = [apt, "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, capture_output=True, check=False).returncode:
            subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, check=False)
            subprocess.run(install, env=env, capture_output=True, check=False)
        wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "bench needs the wrk load generator: apt-get install wrk (Debian/Ubuntu), "
            "brew install wrk (macOS)"
        )
    return wrk


def script(directory: Path, body: dict[str, Any], headers: dict[str, str]) -> Path:
    path = directory / f"wrk-{abs(hash(json.dumps(body, sort_keys=True)))}.lua"
    lines = ['wrk.method = "POST"', f"wrk.body = [==[{json.dumps(body)}]==]"]
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", value.strip())
    if not match:
        raise ValueError(f"unreadable latency {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def run(url: str, lua: Path, connections: int, seconds: float, cpu: str | None) -> Figures:
    command = [
        require_wrk(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",  # wrk takes whole seconds
        "--latency",
        "-s",
        str(lua),
        url,
    ]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    return read_figures(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def read_figures(output: str) -> Figures:
    """wrk's report (with --latency) as Figures; errors are non-2xx answers and socket errors."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Figures(rps, p50, p99, errors)
