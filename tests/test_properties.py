"""Properties, checked by hypothesis over generated inputs (a fixed seed, CI-sized counts).

FUZZ_EXAMPLES raises the count for a release run (README, "Testing that it cannot be broken").
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from functools import cache

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa
from fulfillment.adapters import seed as seed_adapter
from fulfillment.domain import Item, Order, OrderStatus, Shipment
from fulfillment.extraction.extractor import Extractor
from fulfillment.handlers.order_status import order_messages, order_summary, status_text
from fulfillment.handlers.parcels import TroublePolicy
from fulfillment.i18n.locales import LocaleResolver
from fulfillment.intents import load_intent
from fulfillment.phrasing import Phrasebook
from fulfillment.reply import MAX_BUBBLE, Reply, TextMessage
from fulfillment.services import build_services
from fulfillment.settings import PROJECT_ROOT, Settings
from fulfillment.turn import ResponseType

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0")) or None
LIMITS = settings(
    max_examples=EXAMPLES or 300,
    deadline=None,
    derandomize=EXAMPLES is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MAX_CHARS = 1000


@cache
def extractor() -> Extractor:
    spec = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")
    assert spec.extraction is not None
    return Extractor(spec.extraction, max_orders=3, max_chars=MAX_CHARS)


@pytest.fixture(scope="module")
def phrasebooks(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Phrasebook]:
    data = tmp_path_factory.mktemp("properties")
    return build_services(Settings(data_dir=data, api_keys=["k"])).phrasebooks


LANGUAGES = st.sampled_from(
    [None, "", "en", "en-US", "de-DE", "fr", "es-419", "pt-BR", "hi", "ja", "zz", "x" * 40]
)
# Text with what extraction looks for mixed in: digits of every script, separators, cue words.
PIECES = st.sampled_from(
    [
        "748596",
        "#748596",
        "A12-3456",
        " ",
        "-",
        "order",
        "Bestellung",
        "commande n°",
        "pedido",
        "ऑर्डर",
        "٧٤٨٥٩٦",
        "７４８",
        "𝟩𝟦",
        "+49 151 2345678",
        "12.03.2025",
        "€",
        "\u202e",
        "\u0000",
        "\n",
        "ｘ",
    ]
)
TEXTS = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join),
)


@seed(20261127)
@LIMITS
@given(text=TEXTS, language=LANGUAGES)
def test_extraction_never_raises_and_returns_spans_of_its_input(
    text: str, language: str | None
) -> None:
    result = extractor().extract(text, language)
    again = extractor().extract(text, language)
    assert [vars_of(c) for c in result.candidates] == [vars_of(c) for c in again.candidates]
    assert result.order_ids == again.order_ids
    for candidate in result.candidates:
        assert 0 <= candidate.start < candidate.end <= len(text)
        assert text[candidate.start : candidate.end] == candidate.text
    assert len(result.order_ids) <= 3
    assert set(result.order_ids) <= {c.value for c in result.candidates}


def vars_of(candidate: object) -> tuple[object, ...]:
    return tuple(getattr(candidate, name) for name in ("start", "end", "value", "taken", "reasons"))


@seed(20261127)
@LIMITS
@given(head=TEXTS, tail=st.text(min_size=1, max_size=2000), language=LANGUAGES)
def test_extraction_reads_no_further_than_the_cap(
    head: str, tail: str, language: str | None
) -> None:
    """Work is bounded by the cap: whatever follows it changes nothing."""
    text = (head * (MAX_CHARS // max(len(head), 1) + 1))[:MAX_CHARS]
    capped = extractor().extract(text, language)
    longer = extractor().extract(text + tail, language)
    assert [vars_of(c) for c in capped.candidates] == [vars_of(c) for c in longer.candidates]


@seed(20261127)
@LIMITS
@given(
    code=st.one_of(
        st.none(), st.text(max_size=60), st.from_regex(r"[a-zA-Z]{2,3}([-_][a-zA-Z0-9]{1,8}){0,4}")
    )
)
def test_language_code_resolution_is_total(code: str | None) -> None:
    resolver = LocaleResolver(["en_US", "en_GB", "de", "fr", "pt_BR"], "en_US")
    assert resolver.resolve(code) in resolver.available


ITEM_NAMES = st.one_of(
    st.text(min_size=1, max_size=200),
    st.sampled_from(["قميص قطني أزرق", "נעלי עור", "Cotton kurta, indigo", "😀" * 50, "a" * 200]),
)
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
CURRENCIES = st.sampled_from(["USD", "EUR", "INR", "JPY", "BHD", "BRL", "CLF", "XAU", "XXX"])


@st.composite
def orders(draw: st.DrawFn) -> Order:
    many = draw(st.sampled_from([0, 1, 2, 3, 4, 1000]))
    if many == 1000:
        items = tuple(Item(f"item {i}", 100_000, None) for i in range(1000))
    else:
        items = tuple(
            Item(
                draw(ITEM_NAMES),
                draw(st.integers(1, 100_000)),
                draw(st.sampled_from([None, "https://shop.example/i.jpg"])),
            )
            for _ in range(many)
        )
    shipment = draw(
        st.one_of(
            st.none(),
            st.builds(
                Shipment,
                st.one_of(st.none(), ITEM_NAMES),
                st.one_of(st.none(), st.text(min_size=1, max_size=200)),
                st.one_of(st.none(), st.just("https://track.example/x")),
                st.one_of(st.none(), DATES),
                st.one_of(st.none(), DATES),
            ),
        )
    )
    total = draw(
        st.one_of(
            st.none(),
            st.decimals(min_value=Decimal(0), max_value=Decimal("999999999999.99"), places=2),
        )
    )
    return Order(
        number=draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,39}", fullmatch=True)),
        status=draw(st.sampled_from(list(OrderStatus))),
        placed_date=draw(DATES),
        currency=draw(CURRENCIES),
        total=total,
        shipments=(shipment,) if shipment is not None else (),
        items=items,
    )


LOCALES = sorted(["en_US", *(p.name for p in (PROJECT_ROOT / "locales").iterdir() if p.is_dir())])


@pytest.mark.parametrize("locale", LOCALES)
@seed(20261127)
@settings(
    max_examples=EXAMPLES or 60,
    deadline=None,
    derandomize=EXAMPLES is None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(order=orders(), response_type=st.sampled_from(list(ResponseType)))
def test_every_reply_renders_for_any_order_the_store_can_hold(
    phrasebooks: dict[tuple[str, str], Phrasebook],
    locale: str,
    order: Order,
    response_type: ResponseType,
) -> None:
    book = phrasebooks[("order-status", locale)]
    # Told on the first day there is, nothing is late: the status reply itself is checked.
    messages, handover = order_messages(order, book, response_type, dt.date.min, TROUBLE)
    assert messages
    assert handover is None
    first = messages[0]
    assert isinstance(first, TextMessage)
    assert 0 < len(first.text) <= MAX_BUBBLE
    assert status_text(order, book) == first.text
    assert order_summary(order, book)
    reply = Reply(locale=locale, messages=list(messages), order_ids=[order.number])
    # Every platform can carry it, as valid JSON.
    json.loads(seed_adapter.from_reply(reply, response_type))
    json.loads(rasa.from_reply(reply).model_dump_json())
    assert len(dialogflow_es.from_reply(reply, ES_REQUEST, "order-status")) <= 64 * 1024
    json.loads(dialogflow_cx.from_reply(reply, CX_REQUEST, ["order_id"]).model_dump_json())


TROUBLE = TroublePolicy(late_after_days=2, stale_after_days=5)


def _example(name: str) -> str:
    return (PROJECT_ROOT / "fulfillment" / "examples" / f"{name}-request.json").read_text()


ES_REQUEST = dialogflow_es.DialogflowEsRequest.model_validate_json(_example("dialogflow-es"))
CX_REQUEST = dialogflow_cx.DialogflowCxRequest.model_validate_json(_example("dialogflow-cx"))
