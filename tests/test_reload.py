"""Live reload: designers' and translators' edits served without a restart, broken ones never."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from starlette.testclient import TestClient
from support import API_KEY, build_request
from test_server import free_port, start, wait_until_up

from fulfillment.app import SEED_PATH, create_app
from fulfillment.content import build_content
from fulfillment.services import Services
from fulfillment.settings import PROJECT_ROOT, Settings

AUTH = {"Authorization": f"Bearer {API_KEY}"}
SHIPPED = "Order {order_id} has been shipped with {carrier} and should arrive by"
EDITED = "Your parcel {order_id} left with {carrier} and should arrive by"
GERMAN = "Ihre Bestellung {order_id} wurde mit {carrier} versandt"
GERMAN_EDITED = "Das Paket {order_id} wurde mit {carrier} versandt"
WAIT = 8.0  # seconds a change may take to be served; it takes well under one


@pytest.fixture
def rooms(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of intents/ and locales/ to edit."""
    intents, locales = tmp_path / "intents", tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "intents", intents)
    shutil.copytree(PROJECT_ROOT / "locales", locales)
    return intents, locales


def _settings(tmp_path: Path, rooms: tuple[Path, Path], **changes: Any) -> Settings:
    intents, locales = rooms
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "api_keys": [API_KEY],
        "intents_dir": intents,
        "locales_dir": locales,
        "reload_content": True,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
def live(tmp_path: Path, rooms: tuple[Path, Path]) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(tmp_path, rooms))) as client:
        yield client


def edit(path: Path, old: str, new: str) -> str:
    """Replace text in a file as an editor saves it; returns what the file held."""
    before = path.read_text(encoding="utf-8")
    assert old in before
    path.write_text(before.replace(old, new, 1), encoding="utf-8")
    return before


def eventually(check: Callable[[], Any], timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "not within the time allowed"
            return result
        time.sleep(0.05)


def reply_text(client: Any, base: str = "", language: str = "en-US") -> str:
    response = client.post(base + SEED_PATH, json=build_request(language=language), headers=AUTH)
    assert response.status_code == 200
    text: str = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    return text


def status(client: Any, base: str = "") -> dict[str, Any]:
    response = client.get(base + "/playground/api/content", headers=AUTH)
    assert response.status_code == 200
    answer: dict[str, Any] = response.json()
    return answer


def locale_state(answer: dict[str, Any], code: str) -> dict[str, Any]:
    [state] = [entry for entry in answer["locales"] if entry["code"] == code]
    return state


def test_an_edited_reply_is_served_without_a_restart(
    live: TestClient, rooms: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    before = status(live)
    assert before["reload"] is True
    assert before["lastError"] is None
    assert reply_text(live).startswith("Order 748596 has been shipped")
    caplog.set_level(logging.INFO, logger="fulfillment.content")

    edit(rooms[0] / "order-status.yaml", SHIPPED, EDITED)

    assert eventually(lambda: reply_text(live).startswith("Your parcel 748596 left with"))
    after = status(live)
    assert after["reloads"] == 1
    assert after["lastError"] is None
    assert after["loadedAt"] >= before["loadedAt"]
    [record] = [r for r in caplog.records if r.name == "fulfillment.content"]
    assert record.getMessage() == "content reloaded"
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["changed"] == ["intents/order-status.yaml"]
    assert fields["extractors_rebuilt"] == []  # the extraction spec did not change


def test_a_broken_intent_file_keeps_the_last_good_content(
    live: TestClient, rooms: tuple[Path, Path], caplog: pytest.LogCaptureFixture
) -> None:
    path = rooms[0] / "order-status.yaml"
    good = path.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    # A designer's slip: a colon inside an unquoted text, the classic YAML error.
    number = next(i for i, line in enumerate(lines) if "note: The parcel has left" in line)
    lines[number] = lines[number].replace("The parcel has", "The parcel: has")
    path.write_text("".join(lines), encoding="utf-8")

    error = eventually(lambda: status(live)["lastError"])
    assert error["file"] == "intents/order-status.yaml"
    assert error["line"] == number + 1
    assert error["message"].startswith(f"intents/order-status.yaml, line {number + 1}: ")
    assert "mapping values are not allowed" in error["message"]
    assert status(live)["reloads"] == 0
    # Still served as it was.
    assert reply_text(live).startswith("Order 748596 has been shipped with Blue Dart")
    failures = [r for r in caplog.records if r.name == "fulfillment.content"]
    assert failures[-1].levelname == "ERROR"
    assert failures[-1].fields["problem"] == error["message"]  # type: ignore[attr-defined]

    # Fixed, with a new wording: served, and the error is gone.
    path.write_text(good.replace(SHIPPED, EDITED), encoding="utf-8")
    assert eventually(lambda: status(live)["lastError"] is None)
    assert reply_text(live).startswith("Your parcel 748596 left with")


def test_an_entry_the_handler_needs_removed_is_named_with_its_line(
    live: TestClient, rooms: tuple[Path, Path]
) -> None:
    path = rooms[0] / "order-status.yaml"
    good = edit(path, "  on_hold:\n", "  on_hold_renamed:\n")

    error = eventually(lambda: status(live)["lastError"])
    assert error["file"] == "intents/order-status.yaml"
    assert "missing entries: replies.on_hold" in error["message"]
    path.write_text(good, encoding="utf-8")
    assert eventually(lambda: status(live)["lastError"] is None)


def save_as_latin1(path: Path, old: str = "", new: str = "") -> None:
    """A translator's editor saving the catalog in the wrong encoding: it cannot be read."""
    text = path.read_text(encoding="utf-8").replace(old, new)
    path.write_bytes(text.encode("latin-1", errors="replace"))


def test_a_broken_catalog_keeps_its_last_good_version(
    live: TestClient, rooms: tuple[Path, Path]
) -> None:
    catalog = rooms[1] / "de" / "LC_MESSAGES" / "messages.po"
    assert reply_text(live, language="de").startswith("Ihre Bestellung 748596 wurde")

    # A good edit is served...
    good = edit(catalog, GERMAN, GERMAN_EDITED)
    assert eventually(lambda: reply_text(live, language="de").startswith("Das Paket 748596"))
    # ...a catalog that cannot be read is not: German keeps the catalog it had, and says why.
    save_as_latin1(catalog, GERMAN_EDITED, "Die Sendung {order_id} wurde mit {carrier} versandt")
    error = eventually(lambda: status(live)["lastError"])
    assert error["file"] == "locales/de/LC_MESSAGES/messages.po"
    assert error["message"].startswith("locales/de/LC_MESSAGES/messages.po")
    assert "de keeps its catalog loaded at" in error["message"]
    german = locale_state(status(live), "de")
    assert german["state"] == "kept"
    assert german["served"] is True
    assert german["reason"].startswith("locales/de/LC_MESSAGES/messages.po")
    assert reply_text(live, language="de").startswith("Das Paket 748596")
    assert locale_state(status(live), "fr")["state"] == "served"

    catalog.write_text(good.replace(GERMAN, GERMAN_EDITED), encoding="utf-8")
    assert eventually(lambda: status(live)["lastError"] is None)
    assert locale_state(status(live), "de")["state"] == "served"
    assert reply_text(live, language="de").startswith("Das Paket 748596")


def test_a_catalog_broken_at_start_is_not_served_and_says_why(
    tmp_path: Path, rooms: tuple[Path, Path]
) -> None:
    save_as_latin1(rooms[1] / "fr" / "LC_MESSAGES" / "messages.po")
    settings = _settings(tmp_path, rooms, reload_content=False)
    with TestClient(create_app(settings)) as client:
        answer = status(client)
        assert answer["reload"] is False
        assert answer["lastError"] is None  # nothing was refused: it was never served
        french = locale_state(answer, "fr")
        assert french["state"] == "not_served"
        assert french["served"] is False
        assert french["loadedAt"] is None
        assert french["reason"].startswith("locales/fr/LC_MESSAGES/messages.po")
        assert locale_state(answer, "de")["state"] == "served"
        assert reply_text(client, language="fr").startswith("Order 748596")  # the default
        assert client.get("/playground/api/content").status_code == 401


def test_entries_whose_english_changed_are_listed_per_language(
    live: TestClient, rooms: tuple[Path, Path]
) -> None:
    services: Services = live.app.state.services  # type: ignore[attr-defined]
    if not hasattr(services.content.phrasebooks[("order-status", "de")], "stale"):
        pytest.skip("the catalogs do not tell stale entries yet (fulfillment/i18n)")
    assert locale_state(status(live), "de")["staleEntries"] == []
    edit(rooms[0] / "order-status.yaml", SHIPPED, SHIPPED.replace("has been", "was"))

    def stale() -> list[str]:
        entries: list[str] = locale_state(status(live), "de")["staleEntries"]
        return [e for e in entries if "'order-status:replies.shipped'" in e]

    [entry] = eventually(stale)
    assert entry.startswith("locales/de/LC_MESSAGES/messages.po, line ")


def test_the_playground_shows_a_change_at_once(live: TestClient, rooms: tuple[Path, Path]) -> None:
    before = live.get("/playground/api/phrase-tests", headers=AUTH).json()["total"]
    edit(
        rooms[0] / "order-status.yaml",
        "tests:\n",
        'tests:\n  - {lang: en, text: "parcel 748599 please", expect: ["748599"]}\n',
    )

    def counted() -> bool:
        answer = live.get("/playground/api/phrase-tests", headers=AUTH).json()
        return bool(answer["total"] == before + 1)

    assert eventually(counted)
    edit(rooms[0] / "order-status.yaml", SHIPPED, EDITED)
    rows = eventually(
        lambda: [
            row
            for row in live.get("/playground/api/replies?locale=en_US", headers=AUTH).json()["rows"]
            if any("Your parcel" in str(m) for m in row["messages"])
        ]
    )
    assert rows


def test_extractors_are_rebuilt_only_when_their_spec_changes(
    tmp_path: Path, rooms: tuple[Path, Path]
) -> None:
    settings = _settings(tmp_path, rooms)
    first = build_content(settings)
    path = rooms[0] / "order-status.yaml"
    edit(path, SHIPPED, EDITED)
    second = build_content(settings, first)
    assert second.extractors["order-status"] is first.extractors["order-status"]
    edit(path, "pattern: '[A-Z]-\\d{5}'", "pattern: '[A-Z]-\\d{5,6}'")
    third = build_content(settings, second)
    assert third.extractors["order-status"] is not second.extractors["order-status"]


def test_a_request_in_flight_keeps_the_content_it_started_with(
    live: TestClient, tmp_path: Path, rooms: tuple[Path, Path]
) -> None:
    services: Services = live.app.state.services  # type: ignore[attr-defined]
    store = services.store
    original = store.find_order
    looking, go_on = threading.Event(), threading.Event()

    async def slow_find_order(*args: Any, **kwargs: Any) -> Any:
        looking.set()
        while not go_on.is_set():  # the event loop keeps running meanwhile
            await _sleep()
        return await original(*args, **kwargs)

    store.find_order = slow_find_order  # type: ignore[method-assign]
    answers: list[str] = []
    caller = threading.Thread(target=lambda: answers.append(reply_text(live)))
    caller.start()
    try:
        assert looking.wait(WAIT)
        edit(rooms[0] / "order-status.yaml", SHIPPED, EDITED)
        services.content = build_content(services.settings, services.content)
    finally:
        go_on.set()
        caller.join(WAIT)
        store.find_order = original  # type: ignore[method-assign]
    assert answers[0].startswith("Order 748596 has been shipped")
    assert reply_text(live).startswith("Your parcel 748596")


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.01)


def test_reload_is_on_by_default_only_with_the_demo_store(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).reload_content_enabled
    assert not Settings(data_dir=tmp_path, demo_data=False).reload_content_enabled
    assert not Settings(data_dir=tmp_path, database_url="postgresql://x/y").reload_content_enabled
    assert not Settings(data_dir=tmp_path, reload_content=False).reload_content_enabled
    assert Settings(data_dir=tmp_path, demo_data=False, reload_content=True).reload_content_enabled


@pytest.mark.server
def test_a_running_server_serves_edits_and_keeps_going_through_a_broken_file(
    tmp_path: Path, rooms: tuple[Path, Path]
) -> None:
    intents, locales = rooms
    port = free_port()
    env = {
        "FULFILLMENT_API_KEYS": API_KEY,
        "FULFILLMENT_INTENTS_DIR": str(intents),
        "FULFILLMENT_LOCALES_DIR": str(locales),
        "FULFILLMENT_RELOAD_CONTENT": "false",  # the flag wins
    }
    process = start(tmp_path, ["serve", "--port", str(port), "--reload-content"], env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        assert status(httpx2, base)["reload"] is True
        path = intents / "order-status.yaml"
        good = edit(path, SHIPPED, EDITED)
        assert eventually(lambda: reply_text(httpx2, base).startswith("Your parcel 748596"))

        path.write_text(good.replace(SHIPPED, EDITED) + "\nbroken: [\n", encoding="utf-8")
        error = eventually(lambda: status(httpx2, base)["lastError"])
        assert error["message"].startswith("intents/order-status.yaml, line ")
        assert reply_text(httpx2, base).startswith("Your parcel 748596")

        path.write_text(good, encoding="utf-8")
        assert eventually(lambda: status(httpx2, base)["lastError"] is None)
        assert reply_text(httpx2, base).startswith("Order 748596 has been shipped")
    finally:
        process.terminate()
        process.wait(timeout=15)
    log = (tmp_path / "server.log").read_text()
    assert '"logger":"fulfillment.content","message":"content reloaded"' in log
    assert '"logger":"fulfillment.content","message":"content not reloaded;' in log
