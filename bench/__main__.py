"""The whole benchmark, one command: python -m bench [--seconds N] [--quick].

In one run and on the same machine it starts a bare Starlette app and the service (each alone
on core 0, wrk on core 1 when there are two), drives both with wrk at 32 and 64 connections,
and prints requests/s, p50 and p99 for each entry point with its ratio to the bare app. Then:
cold start, resident memory after warm-up, lookups in stores of 10k and 1M orders, and the
extraction benchmark. Everything is also written to bench/results/benchmark.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import loadgen, orders
from fulfillment.adapters import PLATFORMS
from fulfillment.webhooks import SEED_PATH

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
EXAMPLES = ROOT / "fulfillment" / "examples"
KEY = "bench-key-0123456789"
HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}

SEED_ENTITY = {
    "conversationRequest": {
        "channel": "TELEGRAM",
        "userInfo": {"first_name": "Ravi", "uid": "51342", "username": "ravir"},
    },
    "queryInfo": {
        "interestType": "order-status",
        "parameters": {"params": {"entityInfo": {"orderId": "748596"}}},
    },
    "languageCode": "en-US",
}
SEED_TEXT = {
    **SEED_ENTITY,
    "queryInfo": {
        "interestType": "order-status",
        "queryText": "hi, where is my order 748596? call me on 555-123-4567",
    },
}


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}-request.json").read_text())
    return loaded


# The seed contract two ways, then every other registered platform with its shipped example.
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "seed, entityInfo.orderId": (SEED_PATH, SEED_ENTITY),
    "seed, free text only": (SEED_PATH, SEED_TEXT),
    **{
        platform.title: (platform.path, _example(platform.example))
        for platform in PLATFORMS.values()
        if platform.path != SEED_PATH
    },
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url, json.dumps(body).encode(), HEADERS, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=5) as response:
            status: int = response.status
            return status
    except OSError:
        return 0


# How each app is started. The service exactly as shipped: `fulfillment serve`, the Procfile's
# command (one worker whatever $WEB_CONCURRENCY says). The bare app by uvicorn with the options
# `serve` gives it (bench/bare.py): the same loop, logging and no uvicorn access log.
SERVICE = "fulfillment.app:create_app"
BARE = "bench.bare:create_app"
COMMANDS = {
    SERVICE: ["-m", "fulfillment", "serve", "--workers", "1"],
    BARE: ["-m", "bench.bare"],
}


@contextmanager
def server(
    app: str, env: dict[str, str], cpu: str | None, probe: tuple[str, dict[str, Any]]
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """SERVICE or BARE in a process of its own; yields its base URL, the process and its
    cold-start seconds."""
    port = free_port()
    command = [sys.executable, *COMMANDS[app], "--host", "127.0.0.1", "--port", str(port)]
    if cpu is not None:
        command = ["taskset", "-c", cpu, *command]
    started = time.perf_counter()
    log = open(env.get("BENCH_LOG", os.devnull), "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while post(base + probe[0], probe[1]) != 200:
            if process.poll() is not None:
                raise SystemExit(f"{app} exited with {process.returncode}")
            if time.perf_counter() - started > 120:
                raise SystemExit(f"{app} did not answer in 120 s")
            time.sleep(0.02)
        yield base, process, time.perf_counter() - started
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def service_env(data: Path) -> dict[str, str]:
    return {
        "FULFILLMENT_DATA_DIR": str(data),
        "FULFILLMENT_API_KEYS": KEY,
        "FULFILLMENT_LOOKUP_SLOW_AFTER": "1000000",
        "FULFILLMENT_LOOKUP_REFUSE_AFTER": "1000000",
        "BENCH_LOG": str(data.parent / f"{data.name}.log"),
    }


def drive(
    base: str,
    path: str,
    body: dict[str, Any],
    work: Path,
    args: argparse.Namespace,
    wrk_cpu: str | None,
) -> dict[int, loadgen.Figures]:
    lua = loadgen.script(work, body, HEADERS)
    loadgen.run(base + path, lua, 16, args.warmup, wrk_cpu)  # warm-up, not counted
    return {c: loadgen.run(base + path, lua, c, args.seconds, wrk_cpu) for c in (32, 64)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="per wrk run")
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--quick", action="store_true", help="3 s runs, 1M store skipped")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup = 3, 1
    loadgen.require_wrk()
    two_cores = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    server_cpu, wrk_cpu = ("0", "1") if two_cores else (None, None)
    work = Path(tempfile.mkdtemp(prefix="fulfillment-bench-"))
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pinned": two_cores,
            "seconds_per_run": args.seconds,
        },
    }
    print(f"benchmark: server on core {server_cpu}, wrk on core {wrk_cpu}; {args.seconds} s runs")

    bare_probe = ("/bare", {"ping": True})
    with server(BARE, {}, server_cpu, bare_probe) as (base, _, _):
        bare = drive(base, "/bare", SEED_ENTITY, work, args, wrk_cpu)
    results["bare"] = {c: vars(f) for c, f in bare.items()}

    table: list[tuple[str, int, loadgen.Figures]] = [
        ("bare Starlette", c, f) for c, f in bare.items()
    ]
    env = service_env(work / "demo")
    probe = (SEED_PATH, SEED_ENTITY)
    with server(SERVICE, env, server_cpu, probe) as (base, process, cold):
        results["cold_start_seconds"] = round(cold, 2)
        results["scenarios"] = {}
        for name, (path, body) in SCENARIOS.items():
            figures = drive(base, path, body, work, args, wrk_cpu)
            results["scenarios"][name] = {c: vars(f) for c, f in figures.items()}
            table += [(name, c, f) for c, f in figures.items()]
        results["rss_mb_after_warmup"] = round(rss_mb(process.pid), 1)

    print(
        f"\n{'entry point':<26}{'conns':>6}{'req/s':>10}{'ratio':>7}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'p99/bare':>9}{'errors':>7}"
    )
    for name, conns, f in table:
        ratio = f.requests_per_second / bare[conns].requests_per_second
        p99 = f.p99_ms / bare[conns].p99_ms
        print(
            f"{name:<26}{conns:>6}{f.requests_per_second:>10.0f}{ratio:>7.2f}{f.p50_ms:>9.2f}"
            f"{f.p99_ms:>9.2f}{p99:>9.2f}{f.errors:>7}"
        )

    scaling: dict[str, float] = {}
    sizes = [10_000] if args.quick else [10_000, 1_000_000]
    for size in sizes:
        data = work / f"orders-{size}"
        data.mkdir()
        orders.fill(data / "orders.sqlite3", size)
        body = {
            **SEED_ENTITY,
            "conversationRequest": {
                "channel": "WEB",
                "userInfo": {"uid": "customer5@bench.example"},
            },
        }
        body["queryInfo"] = {
            "interestType": "order-status",
            "parameters": {"params": {"entityInfo": {"orderId": "B00000005"}}},
        }
        with server(SERVICE, service_env(data), server_cpu, (SEED_PATH, body)) as (base, _, _):
            lua = loadgen.script(work, body, HEADERS)
            loadgen.run(base + SEED_PATH, lua, 16, args.warmup, wrk_cpu)
            scaling[str(size)] = loadgen.run(
                base + SEED_PATH, lua, 64, args.seconds, wrk_cpu
            ).requests_per_second
    results["lookup_scaling_rps"] = scaling

    extraction = subprocess.run(
        [sys.executable, "-m", "bench.extraction"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    results["extraction"] = json.loads((RESULTS / "extraction.json").read_text())

    seed64 = results["scenarios"]["seed, entityInfo.orderId"]
    text64 = results["scenarios"]["seed, free text only"]
    targets = [
        (
            "seed + orderId vs bare (32 conns)",
            seed64[32]["requests_per_second"] / bare[32].requests_per_second,
            ">= 0.70",
        ),
        (
            "seed + free text vs bare (32 conns)",
            text64[32]["requests_per_second"] / bare[32].requests_per_second,
            ">= 0.50",
        ),
        ("seed p99 vs bare p99 (64 conns)", seed64[64]["p99_ms"] / bare[64].p99_ms, "<= 2.0"),
        ("extraction vs tokenizer", results["extraction"]["cost_ratio"], "<= 2.0"),
        ("cold start, s", results["cold_start_seconds"], "<= 3"),
        ("RSS per worker, MB", results["rss_mb_after_warmup"], "<= 200"),
    ]
    if "1000000" in scaling:
        targets.append(
            ("1M-order vs 10k-order lookup cost", scaling["10000"] / scaling["1000000"], "<= 1.2")
        )
    results["targets"] = {name: {"value": round(v, 3), "target": t} for name, v, t in targets}
    print(f"\n{extraction.stdout.strip()}\n\ntargets:")
    for name, value, target in targets:
        print(f"  {name:<38}{value:>8.2f}   (target {target})")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
