"""Soak: the service under 80 % of its own measured capacity for a set time.

    python -m bench.soak --seconds 300          # a release run; CI runs 30 s (tests/test_soak.py)

Starts the service the way `python -m bench` does (`fulfillment serve`, one worker, on its SQLite
demo store, pinned to core 0, the load generator on core 1 when there are two), then:

1. checks every request of the mix once (status and a fragment of the reply);
2. warms up, then measures capacity: the mix from 32 closed-loop connections, answers per second;
3. drives the mix open loop at `--load` (0.8) times that capacity for `--seconds`: every
   request is due at its own time and its latency counts from then (no coordinated omission).

It passes when every request got the answer it should (2xx, or the documented 4xx for the
deliberately bad ones), the p99 latency is inside the reply deadline (FULFILLMENT_DEADLINE_SECONDS,
3.5 s) and the server's resident memory grew by less than 10 % from the end of the warm-up
(a tenth of the run, 3 to 30 s) to the end. Exits 1 otherwise. Figures are printed and written to
bench/results/soak.json (or --output). When allowed (root), server and generator run at a raised
priority, so that other work on a shared machine does not decide the figures (see NICENESS);
the report says how long the server waited for its core all the same.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import openload
from bench.__main__ import (
    HEADERS,
    RESULTS,
    SCENARIOS,
    SEED_ENTITY,
    SEED_TEXT,
    SERVICE,
    rss_mb,
    server,
    service_env,
)
from bench.servers import NICENESS, raised_priority
from bench.servers import renice as renice  # for tests/test_faults.py
from fulfillment.adapters import PLATFORMS
from fulfillment.settings import Settings
from fulfillment.webhooks import SEED_PATH

DEADLINE_SECONDS: float = Settings.model_fields["deadline_seconds"].default
RSS_GROWTH_LIMIT = 0.10
CAPACITY_CONNECTIONS = 32
# Open loop: requests queue in the client (their latency counting from when they were due) once
# this many are in flight, as in wrk2; a connection opened per waiting request would add the
# cost of accepting it to a server already behind.
SOAK_CONNECTIONS = 64
NOT_FOUND = "I couldn't find order"


def _seed(
    order_id: str | None,
    uid: str,
    channel: str,
    language: str,
    *,
    text: str | None = None,
    response_type: str = "text",
    user_name: str | None = None,
) -> dict[str, Any]:
    body = copy.deepcopy(SEED_ENTITY)
    user: dict[str, str] = {"uid": uid}
    if user_name:
        user["username"] = user_name
    body["conversationRequest"] = {"channel": channel, "userInfo": user}
    query: dict[str, Any] = {"interestType": "order-status"}
    if order_id is not None:
        query["parameters"] = {"params": {"entityInfo": {"orderId": order_id}}}
    if text is not None:
        query["queryText"] = text
    body["queryInfo"] = query
    body["languageCode"] = language
    body["responseType"] = response_type
    return body


def mix() -> tuple[list[openload.Call], list[int]]:
    """The requests of a soak and how often each comes, out of the weights' sum.

    Customers of the demo store on three channels, eight languages, the three response types,
    order numbers given and found in text, questions without a number, unknown orders and
    someone else's, every platform, and a few deliberately bad requests.
    """
    build = openload.build
    es_path, es = SCENARIOS[PLATFORMS["dialogflow-es"].title]
    cx_path, cx = SCENARIOS[PLATFORMS["dialogflow-cx"].title]
    rasa_path, rasa = SCENARIOS[PLATFORMS["rasa"].title]
    ram_web = ("ram123", "WEB")
    ram_whatsapp = ("+14155550123", "WHATSAPP")
    unknown_interest: dict[str, Any] = copy.deepcopy(SEED_ENTITY)
    unknown_interest["queryInfo"]["interestType"] = "refund-status"
    entries: list[tuple[openload.Call, int]] = [
        (build("seed, orderId, en-US", SEED_PATH, SEED_ENTITY, HEADERS, expect="748596"), 4),
        (
            build(
                "seed, orderId, de card",
                SEED_PATH,
                _seed("100004", *ram_web, "de-DE", response_type="card"),
                HEADERS,
                expect="100004",
            ),
            2,
        ),
        (
            build(
                "seed, orderId, es-MX media",
                SEED_PATH,
                _seed("#100002", *ram_whatsapp, "es-MX", response_type="media"),
                HEADERS,
                expect="100002",
            ),
            2,
        ),
        (build("seed, free text, en", SEED_PATH, SEED_TEXT, HEADERS, expect="748596"), 3),
        (
            build(
                "seed, free text, de",
                SEED_PATH,
                _seed(None, *ram_web, "de", text="Wo ist meine Bestellung 100006? Tel. 030 123456"),
                HEADERS,
                expect="100006",
            ),
            2,
        ),
        (
            build(
                "seed, free text, hi",
                SEED_PATH,
                _seed(None, "51342", "TELEGRAM", "hi", text="मेरा ऑर्डर ७४८५९७ कहाँ है?"),
                HEADERS,
                expect="748597",
            ),
            1,
        ),
        (
            build(
                "seed, no number, fr (several open)",
                SEED_PATH,
                _seed(None, *ram_web, "fr-FR", text="où est ma commande ?", response_type="card"),
                HEADERS,
                expect="100001",
            ),
            1,
        ),
        (
            build(
                "seed, no number, pt-BR (none open)",
                SEED_PATH,
                _seed(None, "33001", "TELEGRAM", "pt-BR", text="cadê meu pedido?"),
                HEADERS,
            ),
            1,
        ),
        (
            build(
                "seed, unknown order, en-GB",
                SEED_PATH,
                _seed("999999", "90817", "TELEGRAM", "en-GB"),
                HEADERS,
                expect=NOT_FOUND,
            ),
            2,
        ),
        (
            build(
                "seed, someone else's order, en-AU",
                SEED_PATH,
                _seed("748596", "90817", "TELEGRAM", "en-AU", user_name="mayal"),
                HEADERS,
                expect=NOT_FOUND,
            ),
            1,
        ),
        (build("Dialogflow ES", es_path, es, HEADERS, expect="748596"), 2),
        (build("Dialogflow CX", cx_path, cx, HEADERS, expect="748596"), 2),
        (build("Rasa", rasa_path, rasa, HEADERS, expect="748596"), 2),
        (
            build(
                "bad: malformed JSON (400)",
                SEED_PATH,
                None,
                HEADERS,
                raw_body=b'{"queryInfo": {"interestType": "order-status",}}',
                status=400,
                expect="malformed_json",
            ),
            1,
        ),
        (
            build(
                "bad: no credentials (401)",
                SEED_PATH,
                SEED_ENTITY,
                {"Content-Type": "application/json"},
                status=401,
                expect="unauthorized",
            ),
            1,
        ),
        (
            build(
                "bad: unknown interestType (422)",
                SEED_PATH,
                unknown_interest,
                HEADERS,
                status=422,
                expect="unknown_interest_type",
            ),
            1,
        ),
    ]
    return [call for call, _ in entries], [weight for _, weight in entries]


def _ms(seconds: float) -> float | None:
    return None if math.isnan(seconds) else round(seconds * 1000, 1)


def latency_figures(latencies: list[float]) -> dict[str, float | None]:
    """p50 … max in milliseconds of sorted latencies in seconds."""
    pct = openload.percentile
    return {
        "p50_ms": _ms(pct(latencies, 0.50)),
        "p90_ms": _ms(pct(latencies, 0.90)),
        "p99_ms": _ms(pct(latencies, 0.99)),
        "p999_ms": _ms(pct(latencies, 0.999)),
        "max_ms": _ms(latencies[-1] if latencies else math.nan),
    }


def _timeline(records: openload.Records, window: float) -> list[dict[str, Any]]:
    buckets: dict[int, list[int]] = {}
    for i, due in enumerate(records.due):
        buckets.setdefault(int(due // window), []).append(i)
    timeline = []
    for bucket, indexes in sorted(buckets.items()):
        latencies = sorted(records.latency[i] for i in indexes if records.status[i])
        timeline.append(
            {
                "from_s": round(bucket * window, 1),
                "requests": len(indexes),
                "failed": sum(1 for i in indexes if records.label[i]),
                "p99_ms": _ms(openload.percentile(latencies, 0.99)),
            }
        )
    return timeline


def schedstat(pid: int) -> tuple[float, float]:
    """Seconds the main thread of `pid` ran, and spent runnable but waiting for a CPU."""
    try:
        run_ns, wait_ns, _ = Path(f"/proc/{pid}/schedstat").read_text().split()
    except (OSError, ValueError):
        return math.nan, math.nan
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


async def _sample_rss(pid: int, samples: list[tuple[float, float]], start: float) -> None:
    while True:
        samples.append((time.monotonic() - start, rss_mb(pid)))
        await asyncio.sleep(1)


async def _drive(
    port: int,
    pid: int,
    seconds: float,
    load: float,
    warmup: float,
    capacity_seconds: float,
) -> dict[str, Any]:
    calls, weights = mix()
    host = "127.0.0.1"

    # 1. Each request of the mix once: a wrong mix would make every figure meaningless.
    problems = (await openload.each_once(host, port, calls)).failures()
    if problems:
        raise SystemExit(f"the soak's request mix is not answered as expected: {problems}")

    # 2. Warm-up, then capacity: closed loop, as fast as the answers come.
    await openload.closed_loop(host, port, calls, weights, CAPACITY_CONNECTIONS, warmup)
    burst = await openload.closed_loop(
        host, port, calls, weights, CAPACITY_CONNECTIONS, capacity_seconds
    )
    capacity = sum(1 for s in burst.status if s) / burst.seconds
    rate = load * capacity

    # 3. Open loop at `load` of capacity; the server's memory sampled every second.
    rss: list[tuple[float, float]] = []
    start = time.monotonic()
    sampler = asyncio.create_task(_sample_rss(pid, rss, start))
    cpu_before = schedstat(pid)
    records = await openload.open_loop(
        host, port, calls, weights, rate, seconds, max_connections=SOAK_CONNECTIONS
    )
    sampler.cancel()
    cpu_after = schedstat(pid)
    run_s, wait_s = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    rss.append((time.monotonic() - start, rss_mb(pid)))

    warm = min(max(seconds / 10, 3.0), 30.0)
    baseline = next((mb for at, mb in rss if at >= warm), rss[-1][1])
    end = rss[-1][1]
    growth = (end - baseline) / baseline

    latencies = records.answered_latencies()
    failures = records.failures()
    per_call: dict[str, Any] = {}
    for index, call in enumerate(calls):
        mine = sorted(
            records.latency[i]
            for i in range(len(records))
            if records.call[i] == index and records.status[i]
        )
        per_call[call.name] = {"requests": records.call.count(index), **latency_figures(mine)}
    p99 = openload.percentile(latencies, 0.99)
    errors = sum(failures.values())
    checks: dict[str, dict[str, Any]] = {
        "errors": {"value": errors, "limit": 0, "passed": errors == 0},
        "p99_ms": {
            "value": _ms(p99),
            "limit": DEADLINE_SECONDS * 1000,
            "passed": bool(latencies) and p99 <= DEADLINE_SECONDS,
        },
        "rss_growth_percent": {
            "value": round(growth * 100, 2),
            "limit": RSS_GROWTH_LIMIT * 100,
            "passed": growth < RSS_GROWTH_LIMIT,
        },
    }
    return {
        "capacity": {
            "connections": CAPACITY_CONNECTIONS,
            "seconds": round(burst.seconds, 1),
            "requests_per_second": round(capacity, 1),
            "errors": sum(burst.failures().values()),
            **latency_figures(burst.answered_latencies()),
        },
        "soak": {
            "seconds": round(records.seconds, 1),
            "target_rate": round(rate, 1),
            "load_fraction": load,
            "requests": len(records),
            "achieved_rate": round(len(records) / seconds, 1),
            "errors": errors,
            "failures": failures,
            **latency_figures(latencies),
            "generator_cpu_share": round(records.cpu_seconds / records.seconds, 3),
            "connections_opened": records.connections,
        },
        "server": {
            # Of the soak's wall time: the share the server ran, and the share it was ready to
            # run but another process had its core (others' work on a shared machine).
            "cpu_share": round(run_s / records.seconds, 3),
            "waiting_for_cpu_share": round(wait_s / records.seconds, 3),
        },
        "rss_mb": {
            "warm_after_s": warm,
            "after_warmup": baseline,
            "end": end,
            "peak": max(mb for _, mb in rss),
            "samples": [[round(at, 1), mb] for at, mb in rss],
        },
        "per_call": per_call,
        "mix": {call.name: weight for call, weight in zip(calls, weights, strict=True)},
        "timeline": _timeline(records, max(1.0, round(seconds / 30))),
        "criteria": checks,
        "passed": all(c["passed"] for c in checks.values()),
    }


def run(
    seconds: float,
    *,
    load: float = 0.8,
    warmup: float = 2.0,
    capacity_seconds: float = 5.0,
) -> dict[str, Any]:
    """The whole soak against a fresh server; returns the figures (see the module doc)."""
    two_cores = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    server_cpu, generator_cpu = ("0", 1) if two_cores else (None, None)
    work = Path(tempfile.mkdtemp(prefix="fulfillment-soak-"))
    try:
        env = service_env(work / "demo")
        probe = (SEED_PATH, SEED_ENTITY)
        with server(SERVICE, env, server_cpu, probe) as (base, process, cold):
            if generator_cpu is not None:
                os.sched_setaffinity(0, {generator_cpu})
            openload.fast_loop()
            port = int(base.rsplit(":", 1)[1])
            with raised_priority(process.pid, 0) as reniced:
                figures = asyncio.run(
                    _drive(port, process.pid, seconds, load, warmup, capacity_seconds)
                )
            if process.poll() is not None:
                figures["passed"] = False
                figures["server_exited"] = process.returncode
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pinned": two_cores,
            "niceness": NICENESS if reniced else 0,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "cold_start_seconds": round(cold, 2),
        "deadline_seconds": DEADLINE_SECONDS,
        **figures,
    }


def report(results: dict[str, Any]) -> str:
    capacity, soak, rss = results["capacity"], results["soak"], results["rss_mb"]
    lines = [
        f"capacity: {capacity['requests_per_second']:.0f} req/s "
        f"({capacity['connections']} closed-loop connections, {capacity['seconds']} s, "
        f"p99 {capacity['p99_ms']} ms)",
        f"soak: {soak['requests']} requests in {soak['seconds']} s at "
        f"{soak['target_rate']:.0f} req/s ({soak['load_fraction']:.0%} of capacity), "
        f"open loop, generator CPU {soak['generator_cpu_share']:.0%}",
        f"  latency ms: p50 {soak['p50_ms']}  p90 {soak['p90_ms']}  p99 {soak['p99_ms']}  "
        f"p99.9 {soak['p999_ms']}  max {soak['max_ms']}",
        f"  server: ran {results['server']['cpu_share']:.0%} of the time, waited for its core "
        f"{results['server']['waiting_for_cpu_share']:.0%} (others' processes)",
        f"  RSS MB: {rss['after_warmup']:.1f} after {rss['warm_after_s']:g} s warm-up, "
        f"{rss['end']:.1f} at the end, peak {rss['peak']:.1f}",
    ]
    for name, failed in results["soak"]["failures"].items():
        lines.append(f"  FAILED {failed} x {name}")
    lines.append("criteria:")
    for name, check in results["criteria"].items():
        verdict = "ok" if check["passed"] else "FAILED"
        lines.append(f"  {name:<20}{check['value']!s:>10}   (limit {check['limit']})  {verdict}")
    lines.append("PASSED" if results["passed"] else "FAILED")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300, help="length of the open-loop run")
    parser.add_argument("--load", type=float, default=0.8, help="fraction of measured capacity")
    parser.add_argument("--warmup", type=float, default=2.0, help="closed-loop warm-up, s")
    parser.add_argument("--capacity-seconds", type=float, default=5.0, help="capacity burst, s")
    parser.add_argument("--output", type=Path, default=RESULTS / "soak.json")
    args = parser.parse_args()
    print(f"soak: {args.seconds:g} s at {args.load:.0%} of capacity; starting the service")
    results = run(
        args.seconds, load=args.load, warmup=args.warmup, capacity_seconds=args.capacity_seconds
    )
    print(report(results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(f"written to {args.output}")
    sys.exit(0 if results["passed"] else 1)


if __name__ == "__main__":
    main()
