"""Shared fixtures: settings on a fresh data directory, and a client through the real app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg import PostgresServer, binaries, running_postgres
from starlette.testclient import TestClient
from support import API_KEY, IDENTITY_SECRET, IN_CI, Ask, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings
from fulfillment.store.postgres import upgrade

# Tests ask about unknown orders all the time; the guard has tests of its own.
UNGUARDED = {
    "lookup_slow_after": 10_000,
    "lookup_refuse_after": 10_000,
    "identity_secrets": [IDENTITY_SECRET],
}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=[API_KEY], **UNGUARDED)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="session")
def shared_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the many tests that only read: building an app takes a tenth of a second."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("shared") / "data", api_keys=[API_KEY], **UNGUARDED
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def ask(shared_client: TestClient) -> Ask:
    """POST a seed-contract request built from keyword arguments; returns the response."""
    headers = {"Authorization": f"Bearer {API_KEY}"}

    def _ask(*args: Any, **kwargs: Any) -> Any:
        return shared_client.post(SEED_PATH, json=build_request(*args, **kwargs), headers=headers)

    return _ask


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the session; on CI it must exist, elsewhere it may be absent."""
    if binaries() is None:
        if IN_CI:
            pytest.fail("PostgreSQL is not installed; .ci/run installs it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with running_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer) -> str:
    """A fresh, migrated database for one test."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = postgres.url.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(upgrade(url))
    return url
