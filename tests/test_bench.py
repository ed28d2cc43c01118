"""The benchmark measures what users run, and its peer does the service's job.

`python -m bench` itself is never run here (timed figures are not asserted by tests); what it
relies on is: the service started as shipped, wrk's report read right, and rasa-sdk's real
action (bench/peer.py) answering the Rasa request from the same store, as ours does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from babel.dates import format_date
from support import IN_CI

from bench import loadgen, peer
from bench.__main__ import BARE, RASA_REQUEST, SERVICE, _command, _meets
from bench.servers import call
from fulfillment.settings import PROJECT_ROOT
from fulfillment.store.demo import demo_orders
from fulfillment.store.sqlite import SQLiteOrderStore

WRK_REPORT = """\
Running 3s test @ http://127.0.0.1:41003/bare
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.12ms    1.02ms  20.31ms   90.12%
    Req/Sec     6.20k   210.00     6.50k    70.00%
  Latency Distribution
     50%    5.04ms
     75%    5.40ms
     90%    6.10ms
     99%    9.14ms
  18585 requests in 3.00s, 4.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:   6195.02
Transfer/sec:      1.40MB
"""


def test_wrk_report_is_read() -> None:
    figures = loadgen.read_figures(WRK_REPORT)
    assert figures == loadgen.Figures(6195.02, 5.04, 9.14, 7)
    assert loadgen._ms("850us") == pytest.approx(0.85)
    assert loadgen._ms("1.20s") == pytest.approx(1200)


def test_the_service_is_started_as_the_procfile_starts_it() -> None:
    """`fulfillment serve` and nothing else but where to listen (bench.server adds --host and
    --port, as the Procfile does)."""
    procfile = (PROJECT_ROOT / "Procfile").read_text().splitlines()
    [web] = [line for line in procfile if line.startswith("web:")]
    assert web.startswith("web: fulfillment serve --host ")
    script = str(Path(sys.executable).with_name("fulfillment"))
    assert _command(SERVICE) in ([script, "serve"], [sys.executable, "-m", "fulfillment", "serve"])
    assert _command(BARE)[-2:] == ["-m", "bench.bare"]


def test_targets_are_judged_by_their_sign() -> None:
    assert _meets(0.40, ">= 0.40")
    assert not _meets(0.39, ">= 0.40")
    assert _meets(2.0, "<= 2.0")
    assert not _meets(2.1, "<= 2.0")


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, as the service fills it on its first start."""
    path = tmp_path_factory.mktemp("store") / "orders.sqlite3"
    SQLiteOrderStore(path).save_orders(demo_orders(dt.date.today()))
    return path


@pytest.fixture(scope="module")
def peer_ready() -> None:
    try:
        peer.venv_python()
    except peer.PeerUnavailable as error:
        if IN_CI:
            pytest.fail(str(error))
        pytest.skip(str(error))


@pytest.mark.server
@pytest.mark.usefixtures("peer_ready")
def test_rasa_sdk_real_action_does_the_services_job(orders: Path, tmp_path: Path) -> None:
    """The benchmark's peer: the order found in the same store for the same asker, its expected
    date written by Babel, one SlotSet; someone else's order is not found."""
    request = json.loads(RASA_REQUEST.read_text(encoding="utf-8"))
    env = {"BENCH_ORDERS": str(orders)}
    with peer.action_server(peer.real_action(), tmp_path / "real", env=env) as base:
        status, body = call(f"{base}/webhook", request)
        stranger = json.loads(json.dumps(request))
        stranger["sender_id"] = stranger["tracker"]["sender_id"] = "90817"  # Maya, on Telegram
        other_status, other = call(f"{base}/webhook", stranger)
    assert status == 200, body[:500]
    answer = json.loads(body)
    assert answer["events"] == [
        {"event": "slot", "timestamp": None, "name": "order_id", "value": "748596"}
    ]
    [response] = answer["responses"]
    with sqlite3.connect(orders) as db:
        [(expected,)] = db.execute(
            "SELECT expected_date FROM shipments JOIN orders o ON o.id = order_id "
            "WHERE o.number = '748596'"
        ).fetchall()
    when = format_date(dt.date.fromisoformat(expected), "full", locale="en_US")
    assert when in response["text"]
    assert re.search(r"Order 748596 is shipped with Blue Dart", response["text"])
    assert other_status == 200
    assert "found no order 748596" in json.loads(other)["responses"][0]["text"]


@pytest.mark.server
@pytest.mark.usefixtures("peer_ready")
def test_rasa_sdk_empty_action_answers_nothing(tmp_path: Path) -> None:
    request = json.loads(RASA_REQUEST.read_text(encoding="utf-8"))
    with peer.action_server(peer.EMPTY_ACTION, tmp_path / "empty") as base:
        status, body = call(f"{base}/webhook", request)
    assert status == 200
    assert json.loads(body) == {"events": [], "responses": []}
