"""Shared fixtures: settings on a fresh data directory, and a client through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support import API_KEY, Ask, build_request

from fulfillment.app import SEED_PATH, create_app
from fulfillment.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_keys=[API_KEY])


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
    settings = Settings(data_dir=tmp_path_factory.mktemp("shared") / "data", api_keys=[API_KEY])
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def ask(shared_client: TestClient) -> Ask:
    """POST a seed-contract request built from keyword arguments; returns the response."""
    headers = {"Authorization": f"Bearer {API_KEY}"}

    def _ask(*args: Any, **kwargs: Any) -> Any:
        return shared_client.post(SEED_PATH, json=build_request(*args, **kwargs), headers=headers)

    return _ask
