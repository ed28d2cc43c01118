"""The whole benchmark, one command: python -m bench [--quick] [--throughput-only].

In one run, on the same machine, it starts side by side, each alone on core 0 with wrk on core 1
(when there are two):

- a bare Starlette app on uvicorn (bench/bare.py), the baseline;
- the service exactly as users start it: `fulfillment serve`, the Procfile's command, with
  nothing but its data folder and API key configured (one worker, as by default);
- rasa-sdk's own action server (Sanic, one worker) running an empty `action_order_status`, and
  one doing the service's job: an owner-scoped lookup in the same SQLite file, a Babel date,
  one SlotSet (bench/peer.py; rasa-sdk lives in a venv of its own that this builds).

It drives every target with the same request bodies in rounds (each round every target in turn,
so a neighbour's slow minute hits all of them), at 32 and at 64 connections, and prints per
target requests/s (median of the rounds), its ratio to the bare app, p50 and p99, and the p99
at 64 connections against the bare app's, then the targets with pass or fail. Then: cold start,
resident memory after the load, lookups in stores of 10k and 1M orders, and the extraction
benchmark. Everything is also written to bench/results/benchmark.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import loadgen, orders, peer
from bench.servers import NICENESS, call, free_port, raised_priority, running
from fulfillment.adapters import PLATFORMS
from fulfillment.cli import EVENT_LOOP
from fulfillment.webhooks import RASA_PATH, SEED_PATH

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
EXAMPLES = ROOT / "fulfillment" / "examples"
KEY = "bench-key-0123456789"
HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
CONNECTIONS = (32, 64)

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
# What Rasa 3.6 sends an action server (tracker with its events, and the domain, without which
# rasa-sdk asks for it again): the body of both Rasa targets, ours and rasa-sdk's.
RASA_REQUEST = ROOT / "tests" / "data" / "platforms" / "rasa.json"


def post(url: str, body: dict[str, Any]) -> int:
    return call(url, body, HEADERS)[0]


# How each app is started. The service exactly as shipped: `fulfillment serve`, the Procfile's
# command, one worker because nothing says otherwise. The bare app by uvicorn with the options
# `serve` gives it (bench/bare.py).
SERVICE = "fulfillment.app:create_app"
BARE = "bench.bare:create_app"


def _command(app: str) -> list[str]:
    if app == BARE:
        return [sys.executable, "-m", "bench.bare"]
    script = Path(sys.executable).with_name("fulfillment")  # the console script users run
    if script.exists():
        return [str(script), "serve"]
    return [sys.executable, "-m", "fulfillment", "serve"]


@contextmanager
def server(
    app: str,
    env: dict[str, str],
    cpu: str | None,
    probe: tuple[str, dict[str, Any]],
    options: tuple[str, ...] = (),
) -> Iterator[tuple[str, subprocess.Popen[bytes], float]]:
    """SERVICE or BARE (with `options` on its command line) in a process of its own; yields
    its base URL, the process and its cold-start seconds (process start to the first good
    answer to `probe`)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [*_command(app), *options, "--host", "127.0.0.1", "--port", str(port)]
    log = Path(env["BENCH_LOG"]) if "BENCH_LOG" in env else None
    with running(
        command,
        lambda: post(base + probe[0], probe[1]) == 200,
        cpu=cpu,
        cwd=ROOT,
        env={"WEB_CONCURRENCY": "1", **env},
        log=log,
    ) as (process, seconds):
        yield base, process, seconds


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def shipped_env(data: Path) -> dict[str, str]:
    """What a shop configures before its first start: where its data lives, its API key."""
    return {
        "FULFILLMENT_DATA_DIR": str(data),
        "FULFILLMENT_API_KEYS": KEY,
        "BENCH_LOG": str(data.parent / f"{data.name}.log"),
    }


def service_env(data: Path) -> dict[str, str]:
    """shipped_env, and the lookup guard's thresholds out of reach: for loads that ask about
    unknown orders on purpose, thousands of times (bench.soak, tests/test_faults.py)."""
    return {
        **shipped_env(data),
        "FULFILLMENT_LOOKUP_SLOW_AFTER": "1000000",
        "FULFILLMENT_LOOKUP_REFUSE_AFTER": "1000000",
    }


@dataclass
class Target:
    name: str
    url: str
    body: dict[str, Any]
    expect: str  # a fragment its answer must hold


def _median(figures: list[loadgen.Figures]) -> loadgen.Figures:
    return loadgen.Figures(
        statistics.median(f.requests_per_second for f in figures),
        statistics.median(f.p50_ms for f in figures),
        statistics.median(f.p99_ms for f in figures),
        sum(f.errors for f in figures),
    )


def _check(target: Target) -> None:
    status, body = call(target.url, target.body, HEADERS)
    if status != 200 or target.expect.encode() not in body:
        raise SystemExit(f"{target.name}: HTTP {status}, {body[:300]!r}")


def throughput(
    targets: list[Target], args: argparse.Namespace, work: Path, wrk_cpu: str | None
) -> dict[str, dict[int, loadgen.Figures]]:
    """Each target warmed up, then `args.rounds` rounds of every target at each count of
    connections; the median of the rounds per target and count."""
    scripts = {t.name: loadgen.script(work, t.body, HEADERS) for t in targets}
    for target in targets:
        _check(target)
        loadgen.run(target.url, scripts[target.name], 16, args.warmup, wrk_cpu)
    runs: dict[str, dict[int, list[loadgen.Figures]]] = {
        t.name: {c: [] for c in CONNECTIONS} for t in targets
    }
    for number in range(args.rounds):
        print(f"  round {number + 1} of {args.rounds}", flush=True)
        for target in targets:
            for connections in CONNECTIONS:
                figures = loadgen.run(
                    target.url, scripts[target.name], connections, args.seconds, wrk_cpu
                )
                runs[target.name][connections].append(figures)
    return {name: {c: _median(f) for c, f in by.items()} for name, by in runs.items()}


def _table(
    figures: dict[str, dict[int, loadgen.Figures]], bare: dict[int, loadgen.Figures]
) -> None:
    print(
        f"\n{'target (32 connections; p99 also at 64)':<42}{'req/s':>8}{'x bare':>8}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'p99@64':>8}{'x bare':>8}{'errors':>7}"
    )
    for name, by in figures.items():
        f, f64 = by[32], by[64]
        print(
            f"{name:<42}{f.requests_per_second:>8.0f}"
            f"{f.requests_per_second / bare[32].requests_per_second:>8.2f}"
            f"{f.p50_ms:>8.2f}{f.p99_ms:>8.2f}{f64.p99_ms:>8.2f}"
            f"{f64.p99_ms / bare[64].p99_ms:>8.2f}{f.errors + f64.errors:>7}"
        )


# The baseline runs on the loop the service is served on, so that only the apps differ; the
# same app on uvicorn's default loop (uvloop) is measured next to it.
BARE_NAME = f"bare Starlette (uvicorn, {EVENT_LOOP})"
UVLOOP_NAME = "bare Starlette (uvicorn, uvloop)"
SEED_NAME = "service, seed with orderId"
TEXT_NAME = "service, seed with free text only"
RASA_NAME = "service, Rasa /webhook"
EMPTY_NAME = "rasa-sdk, empty action"
REAL_NAME = "rasa-sdk, equivalent real action"


def main() -> None:
    # At a raised priority when allowed, servers and wrk included (see NICENESS): on a shared
    # machine, neighbours would otherwise decide the figures.
    with raised_priority(0) as raised:
        run(raised)


def run(raised: bool) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--quick", action="store_true", help="one round of 2 s, no 1M store")
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="the targets' table alone (no store sizes, no extraction)",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.warmup, args.rounds = 2, 1, 1
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
            "rounds": args.rounds,
            "niceness": NICENESS if raised else 0,
        },
    }
    print(
        f"benchmark: servers on core {server_cpu}, wrk on core {wrk_cpu}; "
        f"{args.rounds} round(s) of {args.seconds:g} s runs"
        + (f", at niceness {NICENESS}" if raised else "")
    )
    try:
        peer_python: Path | None = peer.venv_python()
    except peer.PeerUnavailable as error:
        print(f"rasa-sdk left out: {error}")
        peer_python = None

    demo = work / "demo"
    with ExitStack() as stack:
        # The service first and alone: its start is the cold start, and it makes the demo
        # store the real rasa-sdk action reads.
        base, process, cold = stack.enter_context(
            server(SERVICE, shipped_env(demo), server_cpu, (SEED_PATH, SEED_ENTITY))
        )
        results["cold_start_seconds"] = round(cold, 2)
        bare_probe = ("/bare", {"ping": 1})
        bare, _, _ = stack.enter_context(server(BARE, {}, server_cpu, bare_probe))
        rasa_body = json.loads(RASA_REQUEST.read_text(encoding="utf-8"))
        targets = [
            Target(BARE_NAME, bare + "/bare", SEED_ENTITY, "748596"),
            Target(SEED_NAME, base + SEED_PATH, SEED_ENTITY, "748596"),
            Target(TEXT_NAME, base + SEED_PATH, SEED_TEXT, "748596"),
            Target(RASA_NAME, base + RASA_PATH, rasa_body, "748596"),
        ]
        targets += [
            Target(f"service, {name}", base + path, body, "748596")
            for name, (path, body) in SCENARIOS.items()
            if path not in (SEED_PATH, RASA_PATH)
        ]
        if EVENT_LOOP != "uvloop":
            options = ("--loop", "uvloop")
            uvloop, _, _ = stack.enter_context(server(BARE, {}, server_cpu, bare_probe, options))
            targets.insert(1, Target(UVLOOP_NAME, uvloop + "/bare", SEED_ENTITY, "748596"))
        if peer_python is not None:
            empty = stack.enter_context(
                peer.action_server(peer.EMPTY_ACTION, work / "peer-empty", cpu=server_cpu)
            )
            real = stack.enter_context(
                peer.action_server(
                    peer.real_action(),
                    work / "peer-real",
                    cpu=server_cpu,
                    env={"BENCH_ORDERS": str(demo / "orders.sqlite3")},
                )
            )
            targets += [
                Target(EMPTY_NAME, empty + "/webhook", rasa_body, '"events":[]'),
                Target(REAL_NAME, real + "/webhook", rasa_body, "748596"),
            ]
        figures = throughput(targets, args, work, wrk_cpu)
        results["rss_mb_after_warmup"] = round(rss_mb(process.pid), 1)
    results["throughput"] = {
        name: {c: vars(f) for c, f in by.items()} for name, by in figures.items()
    }
    bare_figures = figures[BARE_NAME]
    _table(figures, bare_figures)

    def rps(name: str) -> float:
        return figures[name][32].requests_per_second

    targets_met: list[tuple[str, float, str]] = []
    if REAL_NAME in figures:
        targets_met.append(
            ("Rasa /webhook vs rasa-sdk real action", rps(RASA_NAME) / rps(REAL_NAME), ">= 1.25")
        )
    targets_met += [
        ("seed + orderId vs bare", rps(SEED_NAME) / rps(BARE_NAME), ">= 0.40"),
        ("seed + free text vs bare", rps(TEXT_NAME) / rps(BARE_NAME), ">= 0.35"),
        (
            "seed + orderId p99 vs bare p99 (64 conns)",
            figures[SEED_NAME][64].p99_ms / bare_figures[64].p99_ms,
            "<= 2.0",
        ),
        ("cold start, s", results["cold_start_seconds"], "<= 3"),
        ("RSS per worker, MB", results["rss_mb_after_warmup"], "<= 200"),
    ]

    if not args.throughput_only:
        results["lookup_scaling_rps"] = scaling = lookup_scaling(args, work, server_cpu, wrk_cpu)
        print(
            "\nlookups, seed with orderId at 64 connections: "
            + ", ".join(f"{int(size):,} orders {rps:,.0f} req/s" for size, rps in scaling.items())
        )
        if "1000000" in scaling:
            targets_met.append(
                (
                    "1M-order vs 10k-order lookup cost",
                    scaling["10000"] / scaling["1000000"],
                    "<= 1.2",
                )
            )
        extraction = subprocess.run(
            [sys.executable, "-m", "bench.extraction"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print(f"\n{extraction.stdout.strip()}")
        results["extraction"] = json.loads((RESULTS / "extraction.json").read_text())
        targets_met.append(
            ("extraction vs tokenizer", results["extraction"]["cost_ratio"], "<= 2.0")
        )

    results["targets"] = {}
    print("\ntargets:")
    for name, value, target in targets_met:
        passed = _meets(value, target)
        results["targets"][name] = {"value": round(value, 3), "target": target, "passed": passed}
        print(f"  {name:<44}{value:>8.2f}   {target:<8} {'pass' if passed else 'FAIL'}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "benchmark.json").write_text(json.dumps(results, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)


def _meets(value: float, target: str) -> bool:
    sign, number = target.split()
    return value >= float(number) if sign == ">=" else value <= float(number)


def lookup_scaling(
    args: argparse.Namespace, work: Path, server_cpu: str | None, wrk_cpu: str | None
) -> dict[str, float]:
    """Requests/s at 64 connections against stores of 10k and (unless --quick) 1M orders."""
    scaling: dict[str, float] = {}
    body = {
        **SEED_ENTITY,
        "conversationRequest": {"channel": "WEB", "userInfo": {"uid": "customer5@bench.example"}},
        "queryInfo": {
            "interestType": "order-status",
            "parameters": {"params": {"entityInfo": {"orderId": "B00000005"}}},
        },
    }
    for size in [10_000] if args.quick else [10_000, 1_000_000]:
        data = work / f"orders-{size}"
        data.mkdir()
        orders.fill(data / "orders.sqlite3", size)
        with server(SERVICE, shipped_env(data), server_cpu, (SEED_PATH, body)) as (base, _, _):
            lua = loadgen.script(work, body, HEADERS)
            loadgen.run(base + SEED_PATH, lua, 16, args.warmup, wrk_cpu)
            scaling[str(size)] = loadgen.run(
                base + SEED_PATH, lua, 64, args.seconds, wrk_cpu
            ).requests_per_second
    return scaling


if __name__ == "__main__":
    main()
