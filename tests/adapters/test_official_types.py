"""Requests built from Google's own Dialogflow types; every reply parsed strictly by them.

ES v2 and v2beta1 (google-cloud-dialogflow), CX v3 and v3beta1 (google-cloud-dialogflow-cx):
each request is the library's `WebhookRequest`, serialized as Dialogflow sends it (proto JSON,
lowerCamelCase). A Struct carries every number as a double (orderId 748596.0, a Telegram id
51342.0); enums go by name, or by number as proto-plus' own `to_json` writes them (which also
prints every field left at its default). Every 200 reply must parse as the library's
`WebhookResponse` with unknown fields refused: what Dialogflow's own validation would reject
(a misspelt or invented field) fails here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from google.cloud.dialogflow_v2 import types as es_v2
from google.cloud.dialogflow_v2beta1 import types as es_v2beta1
from google.cloud.dialogflowcx_v3 import types as cx_v3
from google.cloud.dialogflowcx_v3beta1 import types as cx_v3beta1
from starlette.testclient import TestClient
from support import API_KEY

from fulfillment.webhooks import CX_PATH, ES_PATH

ES_VERSIONS = {"v2": es_v2, "v2beta1": es_v2beta1}
CX_VERSIONS = {"v3": cx_v3, "v3beta1": cx_v3beta1}
# Dialogflow ES sends HTTP Basic or a configured header; CX a configured request header.
ES_HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
CX_HEADERS = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
MAX_BUBBLE = 640  # Google's chat bubble; the service keeps every channel within it
AWAITING = "awaiting_order_number"
PROJECT = "projects/shop-agent-4f2a1"


# ---- who is asking, as each integration says it -------------------------------------------


@dataclass(frozen=True)
class Integration:
    """One front end: what it puts in the request for the owner of `order` and for a stranger."""

    name: str
    source: str | None  # ES originalDetectIntentRequest.source
    owner: dict[str, Any] | None  # the payload; None: nobody reached this way owns an order
    stranger: dict[str, Any]
    order: str  # an order the owner has


def telegram_payload(uid: int, username: str, first_name: str) -> dict[str, Any]:
    """ES Telegram integration: the Bot API update under payload.data (numbers as doubles)."""
    sender = {
        "id": uid,
        "is_bot": False,
        "first_name": first_name,
        "username": username,
        "language_code": "en",
    }
    chat = {"id": uid, "type": "private", "first_name": first_name, "username": username}
    message = {"message_id": 1187, "date": 1764280000, "from": sender, "chat": chat}
    return {"data": {"update_id": 512334, "message": message}, "source": "telegram"}


# The phone gateway's caller (Ram's number, but the store knows it as WhatsApp, not PHONE):
# every order asked for by phone is someone else's, so each call is answered "not found".
PHONE = {"telephony": {"caller_id": "+14155550123"}}

ES_INTEGRATIONS = [
    Integration(
        "telegram",
        "telegram",
        owner=telegram_payload(51342, "ravir", "Ravi"),
        stranger=telegram_payload(90817, "mayal", "Maya"),
        order="748596",
    ),
    # Dialogflow Messenger sets no source; its user-id arrives as payload.userId, and the page
    # names the channel (README, "ES, other integrations"). Ram is WEB `ram123` in the store.
    Integration(
        "messenger",
        None,
        owner={"userId": "ram123", "channel": "WEB"},
        stranger={"userId": "someone-else", "channel": "WEB"},
        order="100004",
    ),
    Integration("phone", "GOOGLE_TELEPHONY", owner=None, stranger=PHONE, order="748596"),
]

CX_INTEGRATIONS = [
    # A custom front end's end-user payload (queryParams.payload), as tests/data/platforms/cx.json.
    Integration(
        "telegram",
        None,
        owner={"channel": "TELEGRAM", "userId": "51342", "username": "ravir", "first_name": "Ravi"},
        stranger={"channel": "TELEGRAM", "userId": "90817", "username": "mayal"},
        order="748596",
    ),
    Integration(
        "messenger",
        None,
        owner={"userId": "ram123", "channel": "WEB"},
        stranger={"userId": "someone-else", "channel": "WEB"},
        order="100004",
    ),
    Integration("phone", None, owner=None, stranger=PHONE, order="748596"),
]


# ---- what the customer asks -----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    value: Any  # the order parameter on the wire; None: the user gave none
    text: str
    stranger: bool = False

    def answered(self, integration: Integration) -> bool:
        return self.name == "normal" and integration.owner is not None


def cases(integration: Integration) -> list[Case]:
    number = integration.order
    asking = f"where is my order {number}?"
    return [
        # @sys.number: a double on the wire (748596.0).
        Case("normal", float(number) if number.isdigit() else number, asking),
        Case("missing", None, "where is my order?"),
        # A regex entity resolves to text.
        Case("foreign", number, asking, stranger=True),
        Case("huge", 1e300, "where is my order?"),
        Case("long", "1234567890" * 1000, "where is my order?"),
        Case("script", "<script>alert(1)</script>", "where is my order?"),
    ]


STYLES = ["names", "numbers"]


def to_wire(message: Any, style: str) -> str:
    """Proto JSON as Dialogflow writes it: enums by name, defaults left out ("names"); or as
    proto-plus writes it by default: enums by number, every field printed ("numbers")."""
    if style == "names":
        return str(
            type(message).to_json(
                message,
                use_integers_for_enums=False,
                always_print_fields_with_no_presence=False,
                indent=None,
            )
        )
    return str(type(message).to_json(message, use_integers_for_enums=True, indent=None))


def payload_for(integration: Integration, case: Case) -> dict[str, Any]:
    if case.stranger or integration.owner is None:
        return integration.stranger
    return integration.owner


def original_text(value: Any) -> str:
    """What the user typed, as Dialogflow keeps it next to a resolved number."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and value < 1e15 else format(value, "g")
    return str(value)


# ---- the requests, as the libraries build them ----------------------------------------------


def es_request(t: ModuleType, integration: Integration, case: Case, session: str) -> Any:
    value = "" if case.value is None else case.value  # ES sends "" for an unfilled parameter
    contexts = []
    if case.value is not None:
        contexts.append(
            t.Context(
                name=f"{session}/contexts/order-followup",
                lifespan_count=2,
                parameters={"orderId": value, "orderId.original": original_text(value)},
            )
        )
    return t.WebhookRequest(
        session=session,
        response_id="7811ac58-5bd5-4e44-8d06-6cd8c67f5406-e15c53b8",
        query_result=t.QueryResult(
            query_text=case.text,
            language_code="en",
            parameters={"orderId": value},
            all_required_params_present=True,
            fulfillment_messages=[t.Intent.Message(text=t.Intent.Message.Text(text=[""]))],
            output_contexts=contexts,
            intent=t.Intent(
                name=f"{PROJECT}/agent/intents/2f1c0b7e-9a41-4c1e-8f0d-6b0d1c2e3f45",
                display_name="order.status",
                webhook_state=t.Intent.WebhookState.WEBHOOK_STATE_ENABLED_FOR_SLOT_FILLING,
            ),
            intent_detection_confidence=0.92,
        ),
        original_detect_intent_request=t.OriginalDetectIntentRequest(
            source=integration.source or "", payload=payload_for(integration, case)
        ),
    )


def cx_request(
    t: ModuleType, integration: Integration, case: Case, session: str, form: bool
) -> Any:
    given = case.value is not None
    info = t.WebhookRequest.IntentInfo
    state = t.PageInfo.FormInfo.ParameterInfo.ParameterState
    page = t.PageInfo(
        current_page=f"{PROJECT}/locations/global/agents/1e2f/flows/00000000-0000-0000-0000-"
        "000000000000/pages/7a6b",
        display_name="Order status",
    )
    if form:
        parameter = t.PageInfo.FormInfo.ParameterInfo(
            display_name="order_id",
            required=True,
            state=state.FILLED if given else state.EMPTY,
            just_collected=given,
        )
        if given:
            parameter.value = case.value
        page.form_info = t.PageInfo.FormInfo(parameter_info=[parameter])
    return t.WebhookRequest(
        detect_intent_response_id="5f2a1b3c-4d5e-6f70-8192-a3b4c5d6e7f8",
        text=case.text,
        language_code="en",
        fulfillment_info=t.WebhookRequest.FulfillmentInfo(tag="order-status"),
        intent_info=info(
            last_matched_intent=f"{PROJECT}/locations/global/agents/1e2f/intents/9d8c",
            display_name="order.status",
            parameters={
                "order_id": info.IntentParameterValue(
                    original_value=original_text(case.value), resolved_value=case.value
                )
            }
            if given
            else {},
            confidence=0.93,
        ),
        page_info=page,
        session_info=t.SessionInfo(
            session=session, parameters={"order_id": case.value} if given else {}
        ),
        payload=payload_for(integration, case),
    )


# ---- what every reply must be ---------------------------------------------------------------


def bubbles(data: Any) -> list[str]:
    """Every text a channel shows or speaks: text messages, titles, subtitles, richContent
    descriptions and chips, button labels (from the parsed reply, as a plain dict)."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, item in data.items():
            if key not in {"text", "title", "subtitle"}:
                found += bubbles(item)
            elif isinstance(item, str):
                found.append(item)
            else:
                found += [text for text in item if isinstance(text, str)]
    elif isinstance(data, list):
        for item in data:
            found += bubbles(item)
    return found


def assert_bubbles_fit(texts: list[str]) -> None:
    assert texts, "the reply says nothing"
    for text in texts:
        assert len(text) <= MAX_BUBBLE, f"{len(text)} characters: {text[:80]}…"


ES_PARAMS = [
    (version, integration, case, style)
    for version in ES_VERSIONS
    for integration in ES_INTEGRATIONS
    for case in cases(integration)
    for style in STYLES
]


@pytest.mark.parametrize(
    ("version", "integration", "case", "style"),
    ES_PARAMS,
    ids=[f"{v}-{i.name}-{c.name}-{s}" for v, i, c, s in ES_PARAMS],
)
def test_es(
    shared_client: TestClient, version: str, integration: Integration, case: Case, style: str
) -> None:
    t = ES_VERSIONS[version]
    session = f"{PROJECT}/agent/sessions/{integration.name}-{case.name}-{style}"
    request = es_request(t, integration, case, session)
    response = shared_client.post(ES_PATH, content=to_wire(request, style), headers=ES_HEADERS)

    assert response.status_code < 500, response.text[:500]
    assert response.status_code == 200, response.text[:500]
    reply = t.WebhookResponse.from_json(response.text, ignore_unknown_fields=False)

    # Every sentence is an untagged text message; fulfillmentText repeats them, one a line.
    said = [
        text
        for m in reply.fulfillment_messages
        if "text" in m and not m.platform
        for text in m.text.text
    ]
    assert_bubbles_fit(said)
    assert_bubbles_fit(bubbles(type(reply).to_dict(reply, preserving_proto_field_name=False)))
    assert_bubbles_fit(reply.fulfillment_text.split("\n"))

    waiting = [c for c in reply.output_contexts if c.name.rsplit("/", 1)[-1] == AWAITING]
    if case.answered(integration):
        assert said[0].startswith(f"Order {integration.order} ")
        assert not [c for c in waiting if c.lifespan_count > 0]
    else:
        # The bot asked, or did not find the order: the next turn is read as the number.
        [context] = waiting
        assert context.name == f"{session}/contexts/{AWAITING}"
        assert context.lifespan_count > 0


CX_PARAMS = [
    (version, integration, case, form, style)
    for version in CX_VERSIONS
    for integration in CX_INTEGRATIONS
    for case in cases(integration)
    for form in ("form", "no-form")
    for style in STYLES
]


@pytest.mark.parametrize(
    ("version", "integration", "case", "form", "style"),
    CX_PARAMS,
    ids=[f"{v}-{i.name}-{c.name}-{f}-{s}" for v, i, c, f, s in CX_PARAMS],
)
def test_cx(
    shared_client: TestClient,
    version: str,
    integration: Integration,
    case: Case,
    form: str,
    style: str,
) -> None:
    t = CX_VERSIONS[version]
    session = (
        f"{PROJECT}/locations/global/agents/1e2f/sessions/{integration.name}-{case.name}-{form}"
    )
    request = cx_request(t, integration, case, session, form == "form")
    wire = to_wire(request, style)
    if form == "form":
        # The form state really travels as the enum's name, or as its number.
        assert ('"state": "' in wire) is (style == "names")
    response = shared_client.post(CX_PATH, content=wire, headers=CX_HEADERS)

    assert response.status_code < 500, response.text[:500]
    assert response.status_code == 200, response.text[:500]
    reply = t.WebhookResponse.from_json(response.text, ignore_unknown_fields=False)

    said = [
        text for m in reply.fulfillment_response.messages if "text" in m for text in m.text.text
    ]
    assert_bubbles_fit(said)
    assert_bubbles_fit(bubbles(type(reply).to_dict(reply, preserving_proto_field_name=False)))

    parameters = dict(reply.session_info.parameters)
    invalid = [
        p.display_name
        for p in reply.page_info.form_info.parameter_info
        if p.state == p.ParameterState.INVALID
    ]
    if case.answered(integration):
        assert said[0].startswith(f"Order {integration.order} ")
        assert parameters == {"order_id": integration.order}
        assert not invalid
    else:
        # Forget the number (null deletes a session parameter); a form asks again only when
        # its parameter is INVALID, and a webhook cannot add a parameter to a page's form.
        assert "order_id" in parameters
        assert parameters["order_id"] is None
        assert invalid == (["order_id"] if form == "form" else [])
