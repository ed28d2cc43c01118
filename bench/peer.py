"""The peer a Rasa user would pick instead of this service: rasa-sdk's own action server.

rasa-sdk cannot live in the service's virtual environment: 3.21.1 pins pydantic <2.14,
websockets <16, grpcio <1.85 and sanic 25.12, which would downgrade what the service runs on
(pydantic, websockets under uvicorn[standard]) and the tests' google-cloud-dialogflow grpcio;
pip's resolver otherwise falls back to rasa-sdk 1.10 (sanic 19, httpx 0.9). So it gets a venv of
its own, built here on first use (about a minute, from the package registry) and kept in the
system's temp directory under a name that carries what it holds and the Python version (a lock
makes parallel runs build it once). The benchmark (`python -m bench`) and the tests
(tests/adapters/test_rasa_sdk.py) share it.

Actions are modules written into a folder of their own; `action_server` runs
`python -m rasa_sdk --actions <module>` there with one Sanic worker, as rasa-sdk ships.
"""

from __future__ import annotations

import fcntl
import hashlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from bench.servers import call, free_port, running

RASA_SDK = "rasa-sdk==3.21.1"
MODULE = "order_actions"


class PeerUnavailable(Exception):
    """rasa-sdk's venv could not be built (no registry, a failed install)."""


def requirements() -> list[str]:
    """rasa-sdk, and the same Babel as the service's for the real action's dates."""
    return [RASA_SDK, f"babel=={version('babel')}"]


def venv_python(packages: list[str] | None = None) -> Path:
    """The Python of a venv holding `packages` (default: `requirements()`), built on first use
    and kept for later runs."""
    packages = packages or requirements()
    digest = hashlib.sha256("\n".join(sorted(packages)).encode()).hexdigest()[:10]
    python_version = f"py{sys.version_info.major}{sys.version_info.minor}"
    root = Path(tempfile.gettempdir()) / f"order-status-rasa-sdk-{digest}-{python_version}"
    python = root / "bin" / "python"
    done = root / "installed"
    with root.with_name(root.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be building it right now
        if done.exists() and python.exists():
            return python
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(root)],
                check=True,
                capture_output=True,
                timeout=120,
            )
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--no-input", *packages],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            output = str(getattr(error, "stderr", "") or "")
            raise PeerUnavailable(
                f"could not install {' '.join(packages)} into {root}: {error}\n{output[-2000:]}"
            ) from None
        done.write_text("\n".join(packages) + "\n")
    return python


@contextmanager
def action_server(
    actions: str,
    folder: Path,
    *,
    cpu: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """rasa-sdk's action server running the module `actions` (source text) with one Sanic
    worker; yields its base URL."""
    python = venv_python()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{MODULE}.py").write_text(actions, encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(
        [str(python), "-m", "rasa_sdk", "--actions", MODULE, "--port", str(port)],
        lambda: call(f"{base}/health")[0] == 200,
        cpu=cpu,
        cwd=folder,
        env={"SANIC_HOST": "127.0.0.1", "ACTION_SERVER_SANIC_WORKERS": "1", **(env or {})},
        log=folder / "server.log",
        timeout=60,
    ):
        yield base


EMPTY_ACTION = '''\
"""action_order_status doing nothing: what rasa-sdk's server costs by itself."""

from rasa_sdk import Action


class ActionOrderStatus(Action):
    def name(self):
        return "action_order_status"

    async def run(self, dispatcher, tracker, domain):
        return []
'''

# The job of the service's Rasa endpoint, written the rasa-sdk way: the order looked up in the
# same SQLite file with the service's own owner-scoped statement (FIND_ORDER, one statement:
# the order, its parcels and items, only if the asker owns it), the expected date written by
# Babel, the items joined by Babel, one message and one SlotSet.
_REAL_ACTION = '''\
"""action_order_status the rasa-sdk way: an owner-scoped SQLite lookup, a Babel date, a SlotSet."""

import datetime as dt
import json
import os
import sqlite3

from babel.dates import format_date
from babel.lists import format_list
from rasa_sdk import Action
from rasa_sdk.events import SlotSet

FIND_ORDER = FIND_ORDER_SQL
LOCALE = "en_US"
DB = sqlite3.connect(os.environ["BENCH_ORDERS"], check_same_thread=False, isolation_level=None)


class ActionOrderStatus(Action):
    def name(self):
        return "action_order_status"

    async def run(self, dispatcher, tracker, domain):
        number = tracker.get_slot("order_id")
        # Bound as the store binds them: e-mail, channel, user id, user name, order number.
        params = (
            None,
            (tracker.get_latest_input_channel() or "").upper(),
            tracker.sender_id,
            (tracker.latest_message.get("metadata") or {}).get("username"),
            number,
        )
        row = DB.execute(FIND_ORDER, params).fetchone()
        if row is None:
            dispatcher.utter_message(text=f"I found no order {number} of yours.")
            return [SlotSet("order_id", number)]
        # Columns: id, number, status, ..., parcels (JSON), items (JSON).
        status, parcels, items = row[2], json.loads(row[-2]), json.loads(row[-1])
        text = f"Order {number} is {status.replace('_', ' ')}"
        if parcels:
            carrier, tracking, _, expected = parcels[0][:4]
            text += f" with {carrier}"
            if expected:
                when = dt.date.fromisoformat(expected)
                text += f" and should arrive by {format_date(when, 'full', locale=LOCALE)}"
            text += f". Tracking number: {tracking}"
        names = format_list([item[0] for item in items], locale=LOCALE)
        text += f". It contains {len(items)} items: {names}."
        dispatcher.utter_message(text=text)
        return [SlotSet("order_id", number)]
'''


def real_action() -> str:
    """The real action's module, with the service's lookup statement written into it."""
    from fulfillment.store.sqlite import FIND_ORDER

    return _REAL_ACTION.replace("FIND_ORDER_SQL", repr(FIND_ORDER))
