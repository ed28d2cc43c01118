"""The designers' playground in a real headless Chromium, against the service run as a process.

The service is started the way the README starts it (`fulfillment serve`, the key and the port
from the environment); the browser is Debian's Chromium driven by Playwright. Pictures in the
replies point at the shop's image server: the browser never fetches anything but the service.
Screenshots of the views go to screenshots/ at the repository root.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from babel.messages.pofile import read_po
from support import IN_CI
from test_server import free_port, start, wait_until_up

from fulfillment.handlers.order_status import REQUIRED_REPLIES
from fulfillment.settings import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None and not IN_CI:
    pytest.skip(
        "no Chromium on PATH (Debian: apt-get install chromium); under CI this fails instead",
        allow_module_level=True,
    )

from playwright.sync_api import (  # noqa: E402  (after the skip: no browser, no test)
    Browser,
    Page,
    expect,
    sync_playwright,
)

pytestmark = pytest.mark.server

KEY = "playground-browser-key-1"
SCREENSHOTS = PROJECT_ROOT / "screenshots"
GERMAN = "Hallo, wo bleibt meine Bestellung 748596? Sie erreichen mich unter 0151 23456789."
PHONE = "0151 23456789"
# A phone cue drops the second 748596; the emoji before it is two UTF-16 units but one
# code point, so the marks are right only if the page counts code points as Python does.
DROPPED = "order 748596 or 748597, postcode 10115, call +49 151 23456789 😀 748596"


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cwd = tmp_path_factory.mktemp("playground")
    port = free_port()
    env = {"FULFILLMENT_DATA_DIR": str(cwd / "data"), "FULFILLMENT_API_KEYS": KEY}
    process = start(cwd, ["serve"], {**env, "PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def options(service: str) -> dict[str, Any]:
    response = httpx2.get(
        f"{service}/playground/api/options", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM, "CI is set but there is no chromium on PATH: .ci/run installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


@contextmanager
def opened_page(browser: Browser, service: str, width: int, height: int) -> Iterator[Page]:
    """A fresh browser context (no session storage) with one page; no script error allowed."""
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=service)
    # Only the service itself is reachable: the shop's pictures are not fetched.
    context.route(lambda url: not url.startswith(service), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[Exception] = []
    page.on("pageerror", lambda error: errors.append(error))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"the page raised {errors}"


@pytest.fixture
def page(browser: Browser, service: str) -> Iterator[Page]:
    with opened_page(browser, service, 1280, 900) as opened:
        yield opened


@pytest.fixture
def phone(browser: Browser, service: str) -> Iterator[Page]:
    with opened_page(browser, service, 375, 800) as opened:
        yield opened


# ---------------------------------------------------------------------------------- helpers


def sign_in(page: Page, key: str = KEY) -> None:
    page.goto("/playground")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("playground")).to_be_visible()


def customer_value(options: dict[str, Any], order: str) -> str:
    """The picker's value for the demo customer who owns `order`."""
    [owner] = [c for c in options["customers"] if order in c["orders"]]
    return f"{owner['channel']}:{owner['userId']}"


def try_phrase(page: Page, options: dict[str, Any], text: str, locale: str) -> None:
    page.get_by_label("What the customer types").first.fill(text)
    page.get_by_test_id("try-locale").select_option(locale)
    page.get_by_test_id("try-type").select_option("card")
    page.get_by_test_id("try-platform").select_option("seed")
    page.get_by_test_id("try-customer").select_option(customer_value(options, "748596"))
    page.get_by_test_id("try-submit").click()
    expect(page.get_by_test_id("raw-response")).to_be_visible()


def no_horizontal_scroll(page: Page) -> None:
    width, viewport = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"


def catalog_entries(locale: str) -> list[tuple[str, str, str]]:
    """(context, msgid, msgstr) of a translators' catalog."""
    path = PROJECT_ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po)
    return [
        (str(m.context or ""), str(m.id), str(m.string))
        for m in catalog
        if m.id and isinstance(m.id, str) and isinstance(m.string, str)
    ]


def template_pattern(template: str) -> re.Pattern[str]:
    """A reply template with its {placeholders} as wildcards, matched at the text's start."""
    parts = re.split(r"\{[a-z_]+(?::[A-Za-z]+)?\}", template)
    return re.compile(".+?".join(re.escape(part) for part in parts))


def phrase_test_count() -> int:
    total = 0
    for path in sorted((PROJECT_ROOT / "intents").glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        total += len(spec.get("tests") or [])
    return total


# ---------------------------------------------------------------------------------- scenarios


def test_without_a_key_only_the_sign_in_shows(page: Page, service: str) -> None:
    page.goto("/playground")
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    expect(page.get_by_test_id("playground")).to_be_hidden()
    expect(page.get_by_label("API key")).to_have_attribute("type", "password")

    status, body = page.evaluate(
        "async () => { const r = await fetch('/playground/api/options');"
        " return [r.status, await r.json()]; }"
    )
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert httpx2.get(f"{service}/playground/api/options").status_code == 401

    # The public files hold no data: no customer, no order number.
    for path in ("/playground", "/playground/static/playground.js"):
        public = httpx2.get(service + path)
        assert public.status_code == 200
        assert "748596" not in public.text
        assert "Ravi" not in public.text

    page.get_by_label("API key").fill("not-the-key")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("refused")
    expect(page.get_by_test_id("playground")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_key_lasts_the_session_and_a_refused_key_signs_out(page: Page) -> None:
    sign_in(page)
    expect(page.get_by_test_id("sign-out")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("playground")).to_be_visible()
    expect(page.get_by_test_id("sign-in")).to_be_hidden()

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    expect(page.get_by_test_id("playground")).to_be_hidden()
    assert page.evaluate("sessionStorage.length") == 0

    # A key the service stops accepting: the next call goes back to the sign-in.
    sign_in(page)
    page.evaluate("Object.keys(sessionStorage).forEach(k => sessionStorage.setItem(k, 'revoked'))")
    page.get_by_test_id("tab-tests").click()
    page.get_by_test_id("tests-run").click()
    expect(page.get_by_test_id("sign-in")).to_be_visible()
    expect(page.get_by_test_id("sign-in-error")).to_contain_text("sign in again")
    expect(page.get_by_test_id("playground")).to_be_hidden()


def test_a_german_phrase_with_a_phone_number(
    page: Page, options: dict[str, Any], screenshots: Path
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page)
    page.get_by_test_id("try-customer").select_option(customer_value(options, "748596"))
    expect(page.get_by_test_id("try-customer-orders")).to_contain_text("748596")
    try_phrase(page, options, GERMAN, "de")

    # (a) what was found: the order number taken, the phone number not.
    expect(page.get_by_test_id("highlighted")).to_have_text(GERMAN)
    taken = page.locator("[data-testid=highlighted] mark.taken")
    expect(taken).to_have_count(1)
    expect(taken).to_have_text("748596")
    assert "cue word" in (taken.get_attribute("title") or "")
    for mark in page.locator("mark.taken").all_text_contents():
        assert "0151" not in mark
        assert "23456789" not in mark
    expect(page.get_by_test_id("candidate").first).to_contain_text("cue word")

    # (b) the reply in German: the card's button and the bubble come from the de catalog.
    german = catalog_entries("de")
    [(english_button, german_button)] = [
        (msgid, msgstr) for ctx, msgid, msgstr in german if ctx.endswith("phrases.card.button")
    ]
    assert german_button
    assert german_button != english_button
    expect(page.get_by_test_id("reply")).to_have_attribute("lang", "de")
    button = page.locator("[data-testid=reply] a.card-button")
    expect(button).to_have_count(1)
    expect(button).to_have_text(german_button)
    assert (button.get_attribute("href") or "").startswith("https://")
    assert button.get_attribute("target") == "_blank"
    assert "noopener" in (button.get_attribute("rel") or "").split()
    expect(page.locator("[data-testid=card] img").first).to_have_attribute("alt", re.compile(r"\S"))
    expect(page.locator("[data-testid=card-body] br").first).to_be_attached()

    bubble = page.locator("[data-testid=reply] [data-testid=bubble]").first.inner_text()
    replies = [(msgid, msgstr) for ctx, msgid, msgstr in german if ":replies." in ctx]
    assert any(template_pattern(msgstr).match(bubble) for _, msgstr in replies if msgstr), bubble
    assert not any(template_pattern(msgid).match(bubble) for msgid, _ in replies), bubble

    # (c) the platform's raw request and response, as JSON, and the HTTP status.
    expect(page.get_by_test_id("http-status")).to_contain_text("HTTP 200")
    sent = json.loads(page.get_by_test_id("raw-request").inner_text())
    assert sent["languageCode"] == "de"
    assert sent["queryInfo"]["queryText"] == GERMAN
    answered = json.loads(page.get_by_test_id("raw-response").inner_text())
    messages = answered["response"]["responseMessages"]
    assert messages[0]["simpleResponse"]["responseText"] == bubble
    assert messages[1]["basicCard"]["buttons"][0]["title"] == german_button

    # The clipboard permissions are granted above: the copy goes to the clipboard.
    page.get_by_test_id("raw-request-copy").click()
    expect(page.get_by_test_id("status")).to_contain_text("Copied")
    assert json.loads(page.evaluate("navigator.clipboard.readText()")) == sent
    # Without a clipboard API the text is selected, ready for Ctrl+C.
    page.evaluate("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.get_by_test_id("raw-response-copy").click()
    assert json.loads(page.evaluate("getSelection().toString()")) == answered

    page.screenshot(path=screenshots / "try-a-phrase.png", full_page=True)


def test_marks_count_code_points_and_dropped_candidates_differ(
    page: Page, service: str, options: dict[str, Any]
) -> None:
    ravi = customer_value(options, "748596").split(":", 1)
    asked = {
        "text": DROPPED,
        "locale": "en_US",
        "customer": {"channel": ravi[0], "userId": ravi[1]},
    }
    found = httpx2.post(
        f"{service}/playground/api/try", json=asked, headers={"Authorization": f"Bearer {KEY}"}
    ).json()["extraction"]["candidates"]
    assert any(not c["taken"] for c in found), "the phrase should keep a dropped candidate"
    assert any(c["start"] > DROPPED.index("😀") for c in found)

    sign_in(page)
    try_phrase(page, options, DROPPED, "en_US")
    marks = page.locator("[data-testid=highlighted] mark")
    expect(marks).to_have_count(len(found))
    expect(marks).to_have_text([c["text"] for c in found])
    classes = [m.get_attribute("class") for m in marks.all()]
    assert classes == ["taken" if c["taken"] else "dropped" for c in found]
    taken_style, dropped_style = (
        page.locator(f"[data-testid=highlighted] mark.{name}").first.evaluate(
            "m => [getComputedStyle(m).backgroundColor, getComputedStyle(m).textDecorationLine]"
        )
        for name in ("taken", "dropped")
    )
    assert taken_style != dropped_style
    expect(page.locator("[data-testid=candidate]")).to_have_count(len(found))


def test_all_languages_side_by_side(page: Page, options: dict[str, Any], screenshots: Path) -> None:
    sign_in(page)
    page.get_by_label("What the customer types").first.fill("where is my order 748596?")
    page.get_by_test_id("try-customer").select_option(customer_value(options, "748596"))
    page.get_by_test_id("tab-all").click()
    expect(page.get_by_test_id("panel-all")).to_be_visible()
    # The phrase and the customer carry over from "Try a phrase".
    expect(page.get_by_test_id("all-text")).to_have_value("where is my order 748596?")
    page.get_by_test_id("all-submit").click()

    locales = options["locales"]
    columns = page.get_by_test_id("lang-column")
    expect(columns).to_have_count(len(locales))
    expect(page.locator("[data-testid=lang-column] [data-testid=reply]")).to_have_count(
        len(locales)
    )
    expect(page.locator("[data-testid=lang-grid] [data-testid=error]")).to_have_count(0)
    names = page.get_by_test_id("lang-name").all_inner_texts()
    assert names == [locale["name"] for locale in locales]
    for column, locale in zip(columns.all(), locales, strict=True):
        assert column.get_attribute("lang") == locale["tag"]
        expect(column.locator("[data-testid=bubble]").first).to_contain_text("748596")
        # Arabic reads right to left, its bubbles too; the others left to right.
        bubble = column.locator("[data-testid=bubble]").first
        direction = bubble.evaluate("node => getComputedStyle(node).direction")
        assert direction == ("rtl" if locale["code"] == "ar" else "ltr"), locale["code"]
    # Side by side on a laptop: the first columns share a row.
    first, second = (columns.nth(i).bounding_box() for i in range(2))
    assert first is not None
    assert second is not None
    assert first["y"] == second["y"]
    assert second["x"] > first["x"]

    page.screenshot(path=screenshots / "all-languages.png", full_page=True)


def test_every_reply(page: Page, screenshots: Path) -> None:
    sign_in(page)
    page.get_by_test_id("tab-replies").click()
    rows = page.get_by_test_id("reply-row")
    expected = REQUIRED_REPLIES  # every status and every other reply the handler gives
    expect(rows).to_have_count(len(expected))
    assert {row.get_attribute("data-key") for row in rows.all()} == expected
    for row in rows.all():
        expect(row.locator("[data-testid=chat] > *").first).to_be_visible()
    page.screenshot(path=screenshots / "every-reply.png", full_page=True)

    page.get_by_test_id("replies-locale").select_option("fr")
    expect(page.locator("[data-testid=replies-table] caption")).to_contain_text("français")
    expect(page.locator("tr[data-key=which_order] [data-testid=chips] li")).to_have_count(2)
    expect(rows).to_have_count(len(expected))


def test_phrase_tests(page: Page) -> None:
    count = phrase_test_count()
    assert count > 0
    sign_in(page)
    page.get_by_test_id("tab-tests").click()
    page.get_by_role("button", name="Run phrase tests").click()
    expect(page.get_by_test_id("tests-totals")).to_contain_text(f"{count} phrases")
    rows = page.get_by_test_id("test-row")
    expect(rows).to_have_count(count)
    passed = [row.get_attribute("data-passed") for row in rows.all()]
    assert passed == sorted(passed), "failures come first"
    failed = passed.count("false")
    expect(page.get_by_test_id("tests-failed")).to_have_text(f"{failed} failed")


def test_phone_width(phone: Page, options: dict[str, Any], screenshots: Path) -> None:
    phone.goto("/playground")
    no_horizontal_scroll(phone)
    sign_in(phone)
    try_phrase(phone, options, DROPPED, "de")
    expect(phone.locator("mark").first).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=screenshots / "try-a-phrase-phone.png", full_page=True)

    phone.get_by_test_id("tab-all").click()
    phone.get_by_test_id("all-submit").click()
    columns = phone.get_by_test_id("lang-column")
    expect(phone.locator("[data-testid=lang-column] [data-testid=reply]")).to_have_count(
        len(options["locales"])
    )
    lefts = {round(box["x"]) for box in (c.bounding_box() for c in columns.all()) if box}
    assert len(lefts) == 1, "one column on a phone"
    no_horizontal_scroll(phone)

    phone.get_by_test_id("tab-replies").click()
    expect(phone.get_by_test_id("reply-row").first).to_be_visible()
    no_horizontal_scroll(phone)


def test_the_tabs_work_with_the_keyboard(page: Page) -> None:
    sign_in(page)
    page.reload()  # focus back at the start of the document
    expect(page.get_by_test_id("playground")).to_be_visible()
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('role')") == "tab":
            break
    expect(page.get_by_test_id("tab-try")).to_be_focused()

    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("tab-conversation")).to_be_focused()
    expect(page.get_by_test_id("tab-conversation")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("panel-conversation")).to_be_visible()
    expect(page.get_by_test_id("panel-try")).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("tab-all")).to_be_focused()
    expect(page.get_by_test_id("panel-all")).to_be_visible()

    page.keyboard.press("End")
    expect(page.get_by_test_id("tab-tests")).to_be_focused()
    expect(page.get_by_test_id("panel-tests")).to_be_visible()
    page.keyboard.press("Home")
    expect(page.get_by_test_id("tab-try")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("tab-tests")).to_be_focused()
    expect(page.get_by_test_id("tab-try")).to_have_attribute("tabindex", "-1")

    # On into the panel and its button, all with the keyboard.
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("panel-tests")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("tests-run")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("tests-totals")).to_be_visible()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_test_id("tab-tests")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_test_id("tab-replies")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("reply-row").first).to_be_visible()


def test_api_errors_are_shown_readably(page: Page) -> None:
    sign_in(page)
    page.get_by_label("What the customer types").first.fill("where is my order 748596?")
    # A language the service does not serve: the API answers 422 with its error envelope.
    page.get_by_test_id("try-locale").evaluate(
        "select => { select.options[0].value = 'xx'; select.selectedIndex = 0; }"
    )
    page.get_by_test_id("try-submit").click()
    error = page.locator("[data-testid=try-result] [data-testid=error]")
    expect(error).to_contain_text("HTTP 422")
    expect(error).to_contain_text("invalid_request")
    expect(error).to_contain_text("The locale 'xx' is not served.")
    expect(error).to_contain_text("served: ar, de, en_AU")
    expect(page.get_by_test_id("status")).to_contain_text("failed")
    expect(page.get_by_test_id("try-form")).to_be_visible()


# ---------------------------------------------------------------------- surfaces (issue 14)

RAVI = "TELEGRAM:51342"
PLATFORMS = ["seed", "dialogflow-es", "dialogflow-cx", "rasa"]


def test_pick_a_surface_and_see_the_preview(page: Page, screenshots: Path) -> None:
    sign_in(page)
    page.get_by_test_id("try-platform").select_option("dialogflow-es")
    page.get_by_test_id("try-customer").select_option(RAVI)
    # Ravi is a Telegram customer: Dialogflow ES talks to him through Telegram.
    expect(page.get_by_test_id("try-surface")).to_have_value("telegram")
    expect(page.get_by_test_id("try-surface-hint")).to_contain_text("payload.data.message.from")
    page.get_by_label("What the customer types").first.fill("where is my order?")
    page.get_by_test_id("try-submit").click()

    preview = page.get_by_test_id("preview")
    expect(preview).to_have_attribute("data-surface", "telegram")
    expect(preview.locator(".device-name")).to_have_text("Telegram")
    expect(preview.get_by_test_id("pv-user")).to_have_text("where is my order?")
    # Telegram shows the platform's quick replies: the question, then a keyboard.
    keyboard = preview.locator("[data-testid=pv-buttons][data-layout=keyboard]")
    expect(keyboard.get_by_test_id("pv-text")).to_contain_text("Which order do you mean?")
    expect(keyboard.get_by_test_id("pv-button")).to_have_text(["748596", "748597"])
    sent = json.loads(page.get_by_test_id("raw-request").inner_text())
    assert sent["originalDetectIntentRequest"]["source"] == "telegram"
    page.screenshot(path=screenshots / "preview-telegram.png", full_page=True)

    # The phone gateway speaks the text: nothing to tap, and a stranger's question.
    page.get_by_test_id("try-surface").select_option("phone")
    expect(page.get_by_test_id("try-surface-hint")).to_contain_text("stranger")
    page.get_by_test_id("try-submit").click()
    expect(page.get_by_test_id("preview")).to_have_attribute("data-surface", "phone")
    expect(page.get_by_test_id("preview").get_by_test_id("pv-speech")).to_contain_text(
        "order number"
    )
    expect(page.get_by_test_id("preview").get_by_test_id("pv-button")).to_have_count(0)
    page.get_by_test_id("preview").screenshot(path=screenshots / "preview-phone.png")

    # Rasa through Twilio WhatsApp: Ram is known there; one message per button, no tap.
    page.get_by_test_id("try-platform").select_option("rasa")
    page.get_by_test_id("try-customer").select_option("WHATSAPP:+14155550123")
    expect(page.get_by_test_id("try-surface")).to_have_value("twilio-whatsapp")
    page.get_by_test_id("try-submit").click()
    whatsapp = page.get_by_test_id("preview")
    expect(whatsapp).to_have_attribute("data-surface", "twilio-whatsapp")
    expect(whatsapp.get_by_test_id("pv-text").nth(1)).to_have_text("1: 100001 (100001)")
    expect(whatsapp.get_by_test_id("pv-button")).to_have_count(0)
    whatsapp.screenshot(path=screenshots / "preview-whatsapp.png")


def talk(page: Page, text: str) -> None:
    page.get_by_test_id("conversation-text").fill(text)
    page.get_by_test_id("conversation-send").click()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_three_turn_conversation_by_tapping_a_chip(
    page: Page, screenshots: Path, platform: str
) -> None:
    sign_in(page)
    page.get_by_test_id("tab-conversation").click()
    page.get_by_test_id("conversation-platform").select_option(platform)
    page.get_by_test_id("conversation-customer").select_option(RAVI)
    page.get_by_test_id("conversation-type").select_option("card")
    log = page.get_by_test_id("conversation-log")
    memory = page.get_by_test_id("conversation-state")

    talk(page, "where is my order?")
    expect(log.get_by_test_id("pv-meta")).to_have_count(1)
    expect(log).to_contain_text("Which order do you mean?")
    expected_memory = {
        "seed": "{}",
        "dialogflow-es": "awaiting_order_number",
        "dialogflow-cx": '"state": "INVALID"',
        "rasa": '"order_id": null',
    }[platform]
    expect(memory).to_contain_text(expected_memory)

    # The customer taps a chip: its text is the next turn.
    log.get_by_role("button", name="748597").click()
    expect(log.get_by_test_id("pv-meta")).to_have_count(2)
    expect(log.locator(".pv-user").nth(1)).to_contain_text("748597")
    expect(log.get_by_test_id("pv-meta").nth(1)).to_contain_text("answered")
    expect(log.locator("[data-testid=pv-item]").last).to_be_visible()
    expect(log).to_contain_text("Delhivery")
    # Only the last reply can be tapped: the first reply's chips are spent.
    expect(log.get_by_role("button", name="748596").first).to_be_disabled()
    after = {
        "seed": "{}",
        "dialogflow-es": '"outputContexts": []',
        "dialogflow-cx": '"order_id": "748597"',
        "rasa": '"order_id": "748597"',
    }[platform]
    expect(memory).to_contain_text(after)
    sent = json.loads(page.get_by_test_id("conversation-request").text_content() or "")
    assert "748597" in json.dumps(sent)
    page.screenshot(path=screenshots / f"conversation-{platform}.png", full_page=True)

    # Another platform is another conversation: the memory starts empty.
    page.get_by_test_id("conversation-platform").select_option(
        "seed" if platform != "seed" else "rasa"
    )
    expect(log.get_by_test_id("pv-meta")).to_have_count(0)
    expect(page.get_by_test_id("status")).to_contain_text("A new conversation")


@pytest.mark.parametrize("platform", ["dialogflow-es", "dialogflow-cx", "rasa"])
def test_a_guest_conversation(page: Page, screenshots: Path, platform: str) -> None:
    sign_in(page)
    page.get_by_test_id("tab-conversation").click()
    page.get_by_test_id("conversation-platform").select_option(platform)
    page.get_by_test_id("conversation-customer").select_option("WEB:playground-guest")
    log = page.get_by_test_id("conversation-log")
    talk(page, "where is my order 100002?")
    expect(log.get_by_test_id("pv-meta")).to_have_count(1)
    expect(log).to_contain_text("e-mail address you used for order 100002")
    expect(log).not_to_contain_text("Running shoes")
    talk(page, "ram123@gmail.com")
    expect(log.get_by_test_id("pv-meta")).to_have_count(2)
    expect(log).to_contain_text("Running shoes")
    page.screenshot(path=screenshots / f"guest-{platform}.png", full_page=True)


def test_a_chip_tapped_in_try_a_phrase_goes_on_as_a_conversation(page: Page) -> None:
    sign_in(page)
    page.get_by_test_id("try-platform").select_option("dialogflow-cx")
    page.get_by_test_id("try-customer").select_option(RAVI)
    page.get_by_label("What the customer types").first.fill("where is my order?")
    page.get_by_test_id("try-submit").click()
    page.get_by_test_id("preview").get_by_role("button", name="748596").click()
    expect(page.get_by_test_id("panel-conversation")).to_be_visible()
    log = page.get_by_test_id("conversation-log")
    expect(log.get_by_test_id("pv-meta")).to_have_count(2)
    expect(log).to_contain_text("Blue Dart")
    expect(page.get_by_test_id("conversation-state")).to_contain_text('"order_id": "748596"')


def test_conversations_in_the_tests_view(page: Page, screenshots: Path) -> None:
    count = 0
    for path in sorted((PROJECT_ROOT / "intents").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("conversations") or []:
            count += len(item.get("platforms") or PLATFORMS)
    assert count > 0
    sign_in(page)
    page.get_by_test_id("tab-tests").click()
    page.get_by_role("button", name="Run conversations").click()
    expect(page.get_by_test_id("conversations-totals")).to_contain_text(f"{count} runs")
    expect(page.get_by_test_id("conversations-failed")).to_have_text("0 failed")
    rows = page.get_by_test_id("conversation-row")
    expect(rows).to_have_count(count)
    assert {row.get_attribute("data-platform") for row in rows.all()} == set(PLATFORMS)
    turns = page.get_by_test_id("conversation-turn")
    assert set(turns.evaluate_all("ts => ts.map(t => t.dataset.passed)")) == {"true"}
    first = rows.first
    first.locator("details summary").first.click()
    expect(first.get_by_test_id("conversation-preview").first).to_be_visible()
    page.screenshot(path=screenshots / "conversations.png", full_page=True)


def test_the_content_status_line(page: Page) -> None:
    sign_in(page)
    status = page.get_by_test_id("content-status")
    expect(status).to_be_visible()
    expect(page.get_by_test_id("content-summary")).to_contain_text("Serving order-status")
    expect(page.get_by_test_id("content-summary")).to_contain_text("loaded at")
    expect(page.get_by_test_id("content-summary")).to_contain_text("served as soon as")
    expect(page.get_by_test_id("content-error")).to_be_hidden()
    page.get_by_test_id("content-languages-summary").click()
    locales = page.get_by_test_id("content-locale")
    expect(locales.first).to_be_visible()
    expect(page.locator("[data-testid=content-locale][data-locale=de]")).to_contain_text("fresh")


def test_an_answer_that_is_no_json_is_shown_as_the_service_said_it(page: Page) -> None:
    sign_in(page)
    page.route(
        "**/playground/api/try",
        lambda route: route.fulfill(
            status=502,
            content_type="text/html",
            body="<html><body><h1>502 Bad Gateway</h1><p>upstream timed out</p></body></html>",
        ),
    )
    page.get_by_label("What the customer types").first.fill("where is my order 748596?")
    page.get_by_test_id("try-submit").click()
    error = page.locator("[data-testid=try-result] [data-testid=error]")
    expect(error).to_contain_text("HTTP 502")
    expect(error).to_contain_text("upstream timed out")
    page.unroute("**/playground/api/try")
    page.route("**/playground/api/try", lambda route: route.abort())
    page.get_by_test_id("try-submit").click()
    expect(error).to_contain_text("did not answer")
    expect(error).not_to_contain_text("Is it running?")


@pytest.fixture
def editable(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A service of its own on a copy of intents/, which the test edits."""
    intents = tmp_path / "intents"
    shutil.copytree(PROJECT_ROOT / "intents", intents)
    port = free_port()
    env = {
        "FULFILLMENT_DATA_DIR": str(tmp_path / "data"),
        "FULFILLMENT_API_KEYS": KEY,
        "FULFILLMENT_INTENTS_DIR": str(intents),
    }
    process = start(tmp_path, ["serve"], {**env, "PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(process, base)
        yield base, intents / "order-status.yaml"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_broken_edit_shows_a_banner_in_plain_words(
    browser: Browser, editable: tuple[str, Path], screenshots: Path
) -> None:
    base, path = editable
    good = path.read_text(encoding="utf-8")
    with opened_page(browser, base, 1280, 900) as page:
        sign_in(page)
        expect(page.get_by_test_id("content-summary")).to_contain_text("loaded at")
        banner = page.get_by_test_id("content-error")
        expect(banner).to_be_hidden()
        path.write_text(good.replace("replies:\n", "replies:\n  - [not, a mapping\n", 1))
        expect(banner).to_be_visible(timeout=20_000)
        expect(banner).to_contain_text("Your last change was not loaded")
        expect(banner).to_contain_text("order-status.yaml")
        expect(banner).to_contain_text("line")
        expect(banner).to_contain_text("still serves what it loaded")
        page.screenshot(path=screenshots / "content-error.png")
        # The service still answers with what it loaded before.
        try_phrase_as_ravi(page)
        path.write_text(good, encoding="utf-8")
        expect(banner).to_be_hidden(timeout=20_000)


def try_phrase_as_ravi(page: Page) -> None:
    page.get_by_label("What the customer types").first.fill("where is my order 748596?")
    page.get_by_test_id("try-customer").select_option(RAVI)
    page.get_by_test_id("try-submit").click()
    expect(page.get_by_test_id("outcome")).to_have_text("answered")


def test_a_conversation_at_phone_width(phone: Page, screenshots: Path) -> None:
    sign_in(phone)
    phone.get_by_test_id("tab-conversation").click()
    phone.get_by_test_id("conversation-platform").select_option("rasa")
    phone.get_by_test_id("conversation-customer").select_option(RAVI)
    expect(phone.get_by_test_id("conversation-surface")).to_have_value("telegram")
    talk(phone, "where is my order?")
    log = phone.get_by_test_id("conversation-log")
    log.get_by_role("button", name="748596").click()
    expect(log.get_by_test_id("pv-meta")).to_have_count(2)
    expect(log).to_contain_text("Blue Dart")
    no_horizontal_scroll(phone)
    phone.screenshot(path=screenshots / "conversation-phone.png", full_page=True)
