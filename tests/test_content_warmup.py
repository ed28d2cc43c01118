"""The service's content is built lazily and warmed up after start-up: a language not built
yet answers on first use, the warm-up builds every language, and what it built is frozen
for the collector, as what start-up built is."""

from __future__ import annotations

import gc
import sys
import threading
import time

import pytest
from starlette.testclient import TestClient
from support import API_KEY, build_request

from fulfillment import content as content_module
from fulfillment.app import SEED_PATH, create_app
from fulfillment.content import ContentWarmer, build_content, warm_up
from fulfillment.extraction.extractor import GENERIC
from fulfillment.settings import Settings

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def every_language(settings: Settings) -> dict[str, set[str]]:
    content = build_content(settings)
    return {name: set(extractor.tokenizers) for name, extractor in content.extractors.items()}


def test_lazy_content_builds_its_languages_on_first_use_or_warm_up(settings: Settings) -> None:
    content = build_content(settings, lazy=True)
    extractor = content.extractors["order-status"]
    assert extractor.built == ("en",)  # the default locale's, at once
    assert extractor.extract("Wo ist meine Bestellung 748596?", "de").order_ids == ["748596"]
    assert set(extractor.built) == {"en", "de"}
    assert warm_up(content) is True
    assert {name: set(e.built) for name, e in content.extractors.items()} == every_language(
        settings
    )


def test_a_stopped_warmer_stops_and_says_it_is_done(settings: Settings) -> None:
    content = build_content(settings, lazy=True)
    done = threading.Event()
    warmer = ContentWarmer(content, then=done.set)
    warmer.start()
    warmer.stop()
    assert done.is_set()
    assert warmer.join(0)


def test_the_warmer_builds_only_the_generic_tokenizer_while_requests_keep_it_busy(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = build_content(settings, lazy=True)
    extractor = content.extractors["order-status"]
    busy = threading.Event()
    busy.set()

    def clock_gettime(clock: int) -> float:  # the CPU time of the thread serving requests
        return time.monotonic() if busy.is_set() else 0.0  # all of the time, then none

    monkeypatch.setattr(content_module.time, "clock_gettime", clock_gettime)
    warmer = ContentWarmer(content)
    if warmer._serving is None:  # pragma: no cover
        pytest.skip("no per-thread CPU clocks here: the warmer does not wait")
    warmer.start()
    try:
        assert not warmer.join(0.3)
        deadline = time.monotonic() + 120
        while GENERIC not in extractor.built and time.monotonic() < deadline:
            warmer.join(0.1)  # the generic tokenizer is built first, busy or not
        assert not warmer.join(0.3)
        assert set(extractor.built) == {"en", GENERIC}
        busy.clear()
        assert warmer.join(120)
    finally:
        warmer.stop()
    assert set(extractor.built) == set(extractor.tokenizers)


def test_the_app_answers_a_language_not_built_yet_and_warms_up_the_rest(
    settings: Settings,
) -> None:
    interval = sys.getswitchinterval()
    with TestClient(create_app(settings)) as client:
        # At once, whatever the warm-up has built by now: free text in Italian and Polish.
        for text, language in [
            ("Dov'è il mio ordine 748596?", "it-IT"),
            ("Gdzie jest moje zamówienie 748596?", "pl-PL"),
        ]:
            body = build_request(None, text=text, language=language)
            answer = client.post(SEED_PATH, json=body, headers=AUTH)
            assert answer.status_code == 200, answer.text
            assert "748596" in answer.text
        warmer = client.app.state.warmer  # type: ignore[attr-defined]
        assert warmer.join(120)
        content = client.app.state.services.content  # type: ignore[attr-defined]
        assert {name: set(e.built) for name, e in content.extractors.items()} == every_language(
            settings
        )
        # The collector is on, and what the warm-up built is frozen like what start-up built;
        # the warm-up gave way to requests while it ran, and is done with that.
        assert gc.isenabled()
        italian = content.extractors["order-status"]._languages["it"]
        assert all(tracked is not italian for tracked in gc.get_objects())
        assert sys.getswitchinterval() == interval
        body = build_request(None, text="Wo ist meine Bestellung 748596?", language="de-DE")
        answer = client.post(SEED_PATH, json=body, headers=AUTH)
        assert answer.status_code == 200
        assert "748596" in answer.text
