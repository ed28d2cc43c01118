"""Translation lag never breaks a language and never mixes one (issue 19).

The designer changes the English of a reply and restarts; translators catch up later. Until
they do, every language keeps answering with its previous translation, whole; a reply with no
translation at all is answered whole in the locale's fallback language.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
from babel.messages.frontend import CommandLineInterface
from click.testing import CliRunner
from starlette.testclient import TestClient
from support import API_KEY, LOCALES, build_request, msgstr, replace_msgstr

from fulfillment.app import SEED_PATH, create_app
from fulfillment.cli import main
from fulfillment.i18n.catalogs import check_all, read_catalog
from fulfillment.i18n.locales import bcp47
from fulfillment.observability import JsonFormatter
from fulfillment.settings import PROJECT_ROOT, Settings

HEADERS = {"Authorization": f"Bearer {API_KEY}"}
OLD = (
    "Order {order_id} has been shipped with {carrier} and should arrive by {expected_date}. "
    "Tracking number: {tracking_number}."
)
NEW = (
    "Good news: order {order_id} is on its way with {carrier} and should arrive by "
    "{expected_date}. Tracking number: {tracking_number}."
)
CONTEXT = "order-status:replies.shipped"
TRANSLATED = [locale for locale in LOCALES if locale != "en_US"]


def _translates_it(locale: str) -> bool:
    """Whether the catalog translates the reply that changes itself: an inheriting catalog
    may (pt_PT says it its own way) or may not (en_AU takes en_GB's)."""
    path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    catalog = read_catalog(path, locale)
    assert not isinstance(catalog, Exception)
    return any(
        entry.key == (CONTEXT, OLD) and entry.translated and not entry.obsolete
        for entry in catalog.entries
    )


# The catalogs that translate the changed reply themselves; the others inherit it.
OWN = [locale for locale in TRANSLATED if _translates_it(locale)]
UNGUARDED = {"lookup_slow_after": 10_000, "lookup_refuse_after": 10_000}


@pytest.fixture
def rooms(tmp_path: Path) -> tuple[Path, Path]:
    intents, locales = tmp_path / "intents", tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "intents", intents)
    shutil.copytree(PROJECT_ROOT / "locales", locales)
    return intents, locales


def change_english(intents: Path) -> None:
    path = intents / "order-status.yaml"
    text = path.read_text(encoding="utf-8")
    assert f'"{OLD}"' in text
    path.write_text(text.replace(f'"{OLD}"', f'"{NEW}"'), encoding="utf-8")


def app(tmp_path: Path, rooms: tuple[Path, Path]) -> TestClient:
    intents, locales = rooms
    settings = Settings(
        data_dir=tmp_path / "data",
        api_keys=[API_KEY],
        intents_dir=intents,
        locales_dir=locales,
        **UNGUARDED,  # type: ignore[arg-type]
    )
    return TestClient(create_app(settings))


def ask(client: TestClient, locale: str, response_type: str = "text") -> tuple[str, Any]:
    """(Content-Language, the reply's messages) for order 748596, shipped with Blue Dart."""
    request = build_request(language=bcp47(locale), response_type=response_type)
    response = client.post(SEED_PATH, json=request, headers=HEADERS)
    assert response.status_code == 200, response.text
    return response.headers["content-language"], response.json()["response"]["responseMessages"]


def everything_said(messages: Any) -> str:
    return json.dumps(messages, ensure_ascii=False)


def catalog_line(path: Path, msgid_text: str) -> int:
    """The line of the msgid holding `msgid_text`, as the check reports it."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = next(n for n, line in enumerate(lines) if msgid_text in line)
    while not lines[found].startswith("msgid"):
        found -= 1
    return found + 1


def run(rooms: tuple[Path, Path], *args: str) -> Any:
    intents, locales = rooms
    env = {"FULFILLMENT_INTENTS_DIR": str(intents), "FULFILLMENT_LOCALES_DIR": str(locales)}
    return CliRunner().invoke(main, ["catalogs", *args], env=env)


Answers = dict[tuple[str, str], tuple[str, Any]]


@pytest.fixture
def before(shared_client: TestClient) -> Answers:
    """What every locale answers with the shipped files, as text and as a card."""
    return {
        (locale, kind): ask(shared_client, locale, kind)
        for locale in LOCALES
        for kind in ("text", "card")
    }


def assert_every_language_answers_as_before(client: TestClient, before: Answers) -> None:
    for locale in TRANSLATED:
        for kind in ("text", "card"):
            language, messages = ask(client, locale, kind)
            # Wholly in its language: the same words, dates and numbers as before the change,
            # and never the new English sentence.
            assert (language, messages) == before[(locale, kind)], (locale, kind)
            assert "Good news" not in everything_said(messages)
    language, messages = ask(client, "en_US")
    assert language == "en-US"
    assert messages[0]["simpleResponse"]["responseText"].startswith("Good news: order 748596")


def test_changed_english_keeps_every_language_whole_until_translated(
    tmp_path: Path, rooms: tuple[Path, Path], before: Answers
) -> None:
    intents, locales = rooms
    # Both kinds are here: a catalog that translates the reply, and one that inherits it.
    assert "de" in OWN
    assert "en_AU" not in OWN
    shipped = {(p.path, p.rule, p.message) for p in check_all(locales, intents)}
    change_english(intents)

    # 1. The designer restarts: nothing is extracted or updated yet.
    with app(tmp_path, rooms) as client:
        assert_every_language_answers_as_before(client, before)
        metrics = client.get("/metrics", headers=HEADERS).text
    for locale in TRANSLATED:
        sample = f'fulfillment_stale_translations{{interest_type="order-status",locale="{locale}"}}'
        # A stale entry is counted where it is to be reviewed: en_AU serves en_GB's.
        assert f"{sample} {1.0 if locale in OWN else 0.0}" in metrics

    # The check compares with intents/: the template is stale, and in every catalog exactly
    # the changed entry is, at the line of its old text.
    # (What the shipped files had already, say texts not translated yet, does not count.)
    problems = [
        p for p in check_all(locales, intents) if (p.path, p.rule, p.message) not in shipped
    ]
    template = [p for p in problems if p.rule == "template"]
    assert len(template) == 1
    assert template[0].path == locales / "messages.pot"
    assert "the English changed" in template[0].message
    assert "run catalogs extract" in template[0].message
    for locale in OWN:
        path = locales / locale / "LC_MESSAGES" / "messages.po"
        found = [p for p in problems if p.path == path]
        assert [(p.line, p.rule) for p in found] == [
            (catalog_line(path, "has been shipped with"), "stale")
        ]
        assert "msgctxt 'order-status:replies.shipped'" in found[0].message
    assert len(problems) == 1 + len(OWN)
    result = run(rooms, "check")
    assert result.exit_code == 1
    assert str(template[0]) in result.output

    # 2. The documented workflow: extract, then update.
    extracted = run(rooms, "extract")
    assert extracted.exit_code == 0, extracted.output
    updated = run(rooms, "update")
    assert updated.exit_code == 0, updated.output
    for locale in OWN:
        path = locales / locale / "LC_MESSAGES" / "messages.po"
        text = path.read_text(encoding="utf-8")
        # Poedit and Weblate show what changed: the previous English, as gettext writes it.
        assert (
            '#| msgctxt "order-status:replies.shipped"\n'
            '#| msgid ""\n#| "Order {order_id} has been shipped with {carrier}'
        ) in text
        catalog = read_catalog(path, locale)
        assert not isinstance(catalog, Exception)
        [entry] = [e for e in catalog.entries if e.fuzzy]
        assert entry.ids == (NEW,)
        assert entry.previous == (OLD,)
    # Updating again changes nothing.
    assert run(rooms, "update").output.count("up to date") == len(TRANSLATED)

    with app(tmp_path, rooms) as client:
        assert_every_language_answers_as_before(client, before)

    problems = check_all(locales, intents)
    assert {p.rule for p in problems} <= {"stale", "untranslated"}  # untranslated: not ours
    for locale in OWN:
        path = locales / locale / "LC_MESSAGES" / "messages.po"
        [found] = [p for p in problems if p.path == path and p.rule == "stale"]
        assert found.line == catalog_line(path, "Good news: order {order_id}")
        assert f"the English changed (it was {OLD!r})" in found.message
    stats = run(rooms, "stats").output.splitlines()
    for locale in OWN:
        row = next(line for line in stats if line.startswith(locale + " "))
        assert row.split()[3] == "1"  # stale

    # 3. A translator reviews German and removes the fuzzy flag: German says the new thing.
    path = locales / "de" / "LC_MESSAGES" / "messages.po"
    previous = msgstr(path, CONTEXT, NEW)
    assert isinstance(previous, str)
    replace_msgstr(path, CONTEXT, NEW, f"Gute Nachricht: {previous}")
    text = path.read_text(encoding="utf-8")
    start = text.index("#, fuzzy, python-brace-format\n#| msgctxt")
    end = text.index("\nmsgctxt", start) + 1  # the flag and the previous English go
    path.write_text(text[:start] + "#, python-brace-format\n" + text[end:], encoding="utf-8")
    assert [p for p in check_all(locales, intents, "de") if p.path == path] == []
    with app(tmp_path, rooms) as client:
        language, messages = ask(client, "de")
    assert language == "de"
    said = messages[0]["simpleResponse"]["responseText"]
    assert said.startswith("Gute Nachricht: ")
    assert said != before[("de", "text")][1][0]["simpleResponse"]["responseText"]


def test_a_reply_without_translation_is_answered_whole_in_the_fallback(
    tmp_path: Path, rooms: tuple[Path, Path], before: Answers
) -> None:
    _intents, locales = rooms
    # German has no card title, Australian English no status name "Shipped".
    german = locales / "de" / "LC_MESSAGES" / "messages.po"
    german.write_text(
        german.read_text(encoding="utf-8").replace(
            'msgstr "Bestellung {order_id}"', 'msgstr ""', 1
        ),
        encoding="utf-8",
    )
    # An Australian catalog of its own (no X-Inherits-From), translated but for "Dispatched".
    british = (locales / "en_GB" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    australian = locales / "en_AU" / "LC_MESSAGES" / "messages.po"
    text = british.replace('"Language: en_GB\\n"', '"Language: en_AU\\n"', 1)
    australian.write_text(text.replace('msgstr "Dispatched"', 'msgstr ""', 1), encoding="utf-8")
    with app(tmp_path, rooms) as client:
        # A text reply needs no card title: German, as before.
        assert ask(client, "de") == before[("de", "text")]
        # A card reply needs it: the whole reply in en_US, its date written the US way.
        card = ask(client, "de", "card")
        assert card == before[("en_US", "card")]
        said = everything_said(card[1])
        assert "Bestellung" not in said
        assert "Dezember" not in said
        # en_AU's fallback is en_GB, its nearest relative: British words and dates, whole.
        assert ask(client, "en_AU", "card") == before[("en_GB", "card")]
        assert ask(client, "en_AU", "text")[0] == "en-GB"
        metrics = client.get("/metrics", headers=HEADERS).text
    assert 'fulfillment_fallback_replies_total{fallback="en_US",locale="de"} 1.0' in metrics
    assert 'fulfillment_fallback_replies_total{fallback="en_GB",locale="en_AU"} 2.0' in metrics


def test_a_single_broken_entry_costs_that_entry_not_the_language(
    tmp_path: Path, rooms: tuple[Path, Path], before: Answers, caplog: pytest.LogCaptureFixture
) -> None:
    _intents, locales = rooms
    german = locales / "de" / "LC_MESSAGES" / "messages.po"
    long_label = ("Sendung beim Paketdienst verfolgen " * 4)[:113]
    assert len(long_label) == 113
    text = german.read_text(encoding="utf-8")
    text = text.replace('msgstr "Sendung verfolgen"', f'msgstr "{long_label}"', 1)
    text = text.replace(
        'msgstr "Produktbild: {item_name}"', 'msgstr "<i>Produktbild</i>: {item_name}"', 1
    )
    german.write_text(text, encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="fulfillment"), app(tmp_path, rooms) as client:
        assert ask(client, "de") == before[("de", "text")]  # German, whole
        assert ask(client, "de", "card") == before[("en_US", "card")]  # English, whole
    # Reported at start-up, as a JSON log line naming file, line and rule.
    formatter = JsonFormatter()
    lines = [json.loads(formatter.format(r)) for r in caplog.records if "not served" in r.msg]
    [line] = [entry for entry in lines if entry.get("locale") == "de"]
    assert line["level"] == "warning"
    assert line["message"].startswith("de: ")
    assert line["message"].endswith(" not served; replies that need them are answered in en_US")
    button_line = catalog_line(german, 'msgid "Track your package"')
    assert any(
        p.startswith(f"{german}:{button_line}: length: ")
        and "button label is 113 characters; at most 20" in p
        for p in line["problems"]
    ), line["problems"]
    assert any(": markup: " in p and "'<i>'" in p for p in line["problems"])

    result = run(rooms, "check", "--locale", "de")
    assert result.exit_code == 1
    assert (
        f"{german}:{button_line}: length: msgctxt 'order-status:phrases.card.button': "
        in result.output
    )


def test_babel_s_cross_reply_fuzzy_match_is_never_served(
    rooms: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`pybabel update` matches changed texts across msgctxt: the German of "delivered" would
    answer "shipped". `catalogs update` matches within a msgctxt only, and a catalog updated by
    pybabel has such an entry refused."""
    intents, locales = rooms
    path = intents / "order-status.yaml"
    old, new = (
        "      - Order {order_id} has been shipped.\n",
        "      - Order {order_id} has been delivered to the carrier.\n",
    )
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    assert run(rooms, "extract").exit_code == 0
    copy = locales.parent / "pybabel"
    shutil.copytree(locales, copy)
    monkeypatch.chdir(copy)
    CommandLineInterface().run(
        ["pybabel", "update", "-i", "messages.pot", "-d", ".", "-w", "100", "--previous"]
    )
    german = copy / "de" / "LC_MESSAGES" / "messages.po"
    assert (
        'msgstr "Ihre Bestellung {order_id} wurde zugestellt."'
        in german.read_text(encoding="utf-8").split(
            'msgid "Order {order_id} has been delivered to the carrier."'
        )[1][:80]
    )
    found = [p for p in check_all(copy, intents, "de") if p.rule == "fuzzy-match"]
    assert any(
        p.path == german
        and "msgctxt 'order-status:replies.shipped'" in p.message
        and "'Order {order_id} has been delivered.'" in p.message
        for p in found
    ), found

    assert run(rooms, "update").exit_code == 0
    ours = (locales / "de" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    entry = ours.split('msgid "Order {order_id} has been delivered to the carrier."')[1][:60]
    assert entry.startswith('\nmsgstr "Ihre Bestellung {order_id} wurde versandt."')
    assert '#| msgid "Order {order_id} has been shipped."' in ours
