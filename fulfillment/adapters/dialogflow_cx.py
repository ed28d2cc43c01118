"""Dialogflow CX (v3) DialogflowCxRequest and DialogflowCxResponse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from fulfillment.adapters.common import (
    PROOF_NAMES,
    as_dict,
    as_list,
    given_proofs,
    identity_text,
    messenger_preview,
    note_item,
    parameter_values,
    rich_content,
    texts,
)
from fulfillment.domain import Asker
from fulfillment.i18n.locales import Language
from fulfillment.intents import IntentSpec
from fulfillment.platform import (
    Platform,
    PlatformRoutes,
    Surface,
    Trial,
    Unrouted,
    custom_payload,
    response_type,
)
from fulfillment.reply import Reply
from fulfillment.turn import ResponseType, Turn

PATH = "/dialogflow/cx"
DEFAULT_ORDER_PARAMETER = "order_id"
# The session parameter naming the order a guest was asked to prove theirs.
VERIFYING = "verifyingOrderId"


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")


class FulfillmentInfo(_In):
    tag: str | None = Field(default=None, max_length=200)


class IntentInfo(_In):
    displayName: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)


# ParameterState as proto JSON may send it: by name, or by number.
_STATES = {0: "PARAMETER_STATE_UNSPECIFIED", 1: "EMPTY", 2: "INVALID", 3: "FILLED"}


def _state(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _STATES.get(value, str(value))
    return value


class ParameterInfo(_In):
    displayName: str = Field(max_length=200)
    required: bool | None = None
    # The length applies to the string: on `str | None` it made a null a TypeError (a 500).
    state: Annotated[
        Annotated[str, Field(max_length=40)] | None,
        BeforeValidator(_state, json_schema_input_type=str | int | None),
    ] = None
    value: Any = None


class FormInfo(_In):
    parameterInfo: list[ParameterInfo] = Field(default_factory=list, max_length=100)


class PageInfo(_In):
    currentPage: str | None = None
    displayName: str | None = None
    formInfo: FormInfo | None = None


class SessionInfo(_In):
    session: str | None = Field(default=None, max_length=500)
    parameters: dict[str, Any] = Field(default_factory=dict)


class DialogflowCxRequest(_In):
    detectIntentResponseId: str | None = None
    text: str | None = Field(default=None, max_length=2000)
    transcript: str | None = Field(default=None, max_length=2000)
    languageCode: str | None = Field(default=None, max_length=64)
    fulfillmentInfo: FulfillmentInfo = Field(default_factory=FulfillmentInfo)
    intentInfo: IntentInfo | None = None
    pageInfo: PageInfo | None = None
    sessionInfo: SessionInfo = Field(default_factory=SessionInfo)
    payload: dict[str, Any] = Field(default_factory=dict)


class DialogflowCxResponse(BaseModel):
    fulfillmentResponse: dict[str, Any] | None = None
    sessionInfo: dict[str, Any] | None = None
    pageInfo: dict[str, Any] | None = None


def asker(request: DialogflowCxRequest) -> Asker:
    """Who is asking: the end-user payload the integration sends, else trusted session values.

    Dialogflow Messenger and custom front ends pass `queryParams.payload` (here `payload`);
    Phone Gateway puts the caller id there. Session parameters count only under names an
    agent sets from its integration, never from what the customer typed.
    """
    payload = request.payload
    params = request.sessionInfo.parameters
    telephony = payload.get("telephony")
    caller = identity_text(telephony.get("caller_id")) if isinstance(telephony, dict) else None
    if caller:
        # CX's phone gateway sets it; Dialogflow Messenger passes the page's own parameters
        # here too, so a caller id is vouched for only with a telephony session: a browser's
        # word otherwise, which needs a signature.
        return Asker(uid=caller, channel="PHONE", source="browser")
    names = ("userId", "uid", "user_id")
    source = payload if any(identity_text(payload.get(n)) for n in names[:2]) else params
    uid = next((found for n in names if (found := identity_text(source.get(n)))), None)
    if uid:
        return Asker(
            uid=uid,
            channel=(identity_text(source.get("channel")) or "").upper() or None,
            user_name=identity_text(source.get("username")),
            first_name=identity_text(source.get("first_name")),
            source="browser",
        )
    session = request.sessionInfo.session or request.detectIntentResponseId or "anonymous"
    return Asker(
        uid=session.rsplit("/", 1)[-1], channel="DIALOGFLOW_CX", source="browser", trusted=False
    )


def order_parameter(request: DialogflowCxRequest, names: list[str]) -> str:
    """The parameter that holds the order number: the current page's form parameter, else
    the session parameter the agent uses, else `order_id`."""
    for info in form_parameters(request):
        if info.displayName in names:
            return info.displayName
    return next(
        (name for name in names if name in request.sessionInfo.parameters),
        DEFAULT_ORDER_PARAMETER,
    )


def form_parameters(request: DialogflowCxRequest) -> list[ParameterInfo]:
    page = request.pageInfo
    return page.formInfo.parameterInfo if page and page.formInfo else []


def to_turn(
    request: DialogflowCxRequest,
    interest_type: str,
    language: Language,
    order_parameters: list[str],
    response_type: ResponseType,
) -> Turn:
    numbers = []
    if request.intentInfo:
        numbers = parameter_values(request.intentInfo.parameters, order_parameters)
    session = request.sessionInfo.parameters
    if not numbers:
        numbers = parameter_values(session, order_parameters)
    given = request.intentInfo.parameters if request.intentInfo else {}
    verifying = identity_text(session.get(VERIFYING))
    return Turn(
        interest_type=interest_type,
        asker=asker(request),
        locale=language.locale,
        response_type=response_type,
        order_ids=tuple(numbers),
        text=request.text or request.transcript,
        language=language.spoken,
        proofs=given_proofs(given) or given_proofs(session),
        verifying=verifying[:64] if verifying else None,
    )


def _guest_parameters(reply: Reply, request: DialogflowCxRequest) -> dict[str, Any]:
    """Session parameters of a guest's verification: the order they were asked to prove,
    kept until the next turn; once answered it is forgotten, and a factor that did not
    match is forgotten too (null deletes a session parameter), so it is asked for again."""
    session = request.sessionInfo.parameters
    if reply.verifying:
        return {VERIFYING: reply.verifying}
    changes: dict[str, Any] = {}
    if VERIFYING in session:
        changes[VERIFYING] = None
    if reply.outcome == "not_found":
        changes.update({name: None for name in PROOF_NAMES if name in session})
    return changes


def from_reply(
    reply: Reply, request: DialogflowCxRequest, order_parameters: list[str]
) -> DialogflowCxResponse:
    messages: list[dict[str, Any]] = [{"text": {"text": [text]}} for text in texts(reply)]
    rich = rich_content(reply)
    if rich:
        messages.append({"payload": {"richContent": rich}})
    parameter = order_parameter(request, order_parameters)
    response = DialogflowCxResponse(fulfillmentResponse={"messages": messages})
    if reply.order_ids:
        response.sessionInfo = {"parameters": {parameter: reply.order_ids[0]}}
    elif reply.awaits_order_number:
        # Forget the number (null deletes a session parameter); if the page's form has the
        # parameter, mark it INVALID so the form asks again. A webhook cannot add a form
        # parameter, so a page without one is left as it is.
        response.sessionInfo = {"parameters": {parameter: None}}
        if any(info.displayName == parameter for info in form_parameters(request)):
            response.pageInfo = {
                "formInfo": {"parameterInfo": [{"displayName": parameter, "state": "INVALID"}]}
            }
    guest = _guest_parameters(reply, request)
    if guest:
        session = response.sessionInfo or {"parameters": {}}
        session["parameters"].update(guest)
        response.sessionInfo = session
    if reply.handover is not None:
        # CX records liveAgentHandoff (with our metadata) for the integration to act on;
        # the session parameter lets the agent's own routes offer the person.
        about = {"orderId": reply.handover.order_id, "reason": reply.handover.reason}
        messages.append({"liveAgentHandoff": {"metadata": about}})
        session = response.sessionInfo or {"parameters": {}}
        session["parameters"]["handoff_reason"] = reply.handover.reason
        response.sessionInfo = session
    return response


class DialogflowCx(Platform[DialogflowCxRequest]):
    name = "dialogflow-cx"
    title = "Dialogflow CX"
    path = PATH
    operation_id = "dialogflowCx"
    summary = "Dialogflow CX (v3) webhook; the tag names the intent."
    request_model = DialogflowCxRequest
    response_model = DialogflowCxResponse
    example = "dialogflow-cx"
    interest_field = "fulfillmentInfo.tag"

    def interest_type(self, payload: DialogflowCxRequest, routes: PlatformRoutes) -> str | None:
        return routes.cx_tags.get(payload.fulfillmentInfo.tag or "")

    def unrouted(self, payload: DialogflowCxRequest, routes: PlatformRoutes) -> Unrouted:
        # An empty answer leaves the page's own fulfillment standing; a 4xx would be logged
        # as a webhook error and raise the webhook.error event instead.
        return Unrouted(200, b"{}")

    def known(self, routes: PlatformRoutes) -> list[str]:
        return sorted(routes.cx_tags)

    def session(self, payload: DialogflowCxRequest) -> str | None:
        return payload.sessionInfo.session

    def proof(self, payload: DialogflowCxRequest) -> tuple[object, object]:
        return payload.payload.get("userHash"), payload.payload.get("identityToken")

    def language_code(self, payload: DialogflowCxRequest) -> str | None:
        return payload.languageCode

    def to_turn(
        self,
        payload: DialogflowCxRequest,
        interest_type: str,
        language: Language,
        routes: PlatformRoutes,
    ) -> Turn:
        return to_turn(
            payload,
            interest_type,
            language,
            routes.order_parameters.get(interest_type, []),
            response_type(payload.payload.get("responseType"), ResponseType.CARD),
        )

    def render(
        self, reply: Reply, payload: DialogflowCxRequest, turn: Turn, routes: PlatformRoutes
    ) -> bytes:
        parameters = routes.order_parameters.get(turn.interest_type, [])
        response = from_reply(reply, payload, parameters)
        return response.model_dump_json(exclude_none=True).encode("utf-8")

    surfaces: ClassVar[tuple[Surface, ...]] = (
        Surface(
            "messenger",
            "Dialogflow CX Messenger (web widget)",
            note="The shop's page passes who is asking in the end-user payload (userId, "
            "channel, username). Shows text and richContent.",
        ),
    )

    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        parameter = next(
            (n for n in spec.platforms.order_parameters if n == DEFAULT_ORDER_PARAMETER),
            (spec.platforms.order_parameters or [DEFAULT_ORDER_PARAMETER])[0],
        )
        state = carried_state(trial.state, parameter)
        return {
            "detectIntentResponseId": "playground",
            "fulfillmentInfo": {"tag": spec.platforms.cx_tags[0]},
            "text": trial.text,
            "languageCode": trial.language_code,
            "pageInfo": state["pageInfo"],
            "sessionInfo": {
                "session": "projects/playground/locations/global/agents/a/sessions/"
                + trial.user_id,
                "parameters": state["sessionInfo"]["parameters"],
            },
            "payload": custom_payload(trial),
        }

    def preview(self, response_body: Any, surface: str) -> list[dict[str, Any]]:
        self.surface(surface)
        messages = as_list(
            as_dict(as_dict(response_body).get("fulfillmentResponse")).get("messages")
        )
        items = messenger_preview(messages)
        return items or [note_item("No messages: the page's own fulfillment stands.")]

    def next_state(self, request: Mapping[str, Any], response: Any) -> dict[str, Any]:
        return next_state(request, as_dict(response))


PAGE = "projects/playground/locations/global/agents/a/flows/order/pages/order-status"


def _form(page: Any) -> list[dict[str, Any]]:
    """A pageInfo's form parameters (those with a name)."""
    infos = as_list(as_dict(as_dict(page).get("formInfo")).get("parameterInfo"))
    return [i for i in map(as_dict, infos) if isinstance(i.get("displayName"), str)][:100]


def carried_state(state: Mapping[str, Any], parameter: str) -> dict[str, Any]:
    """The session parameters and the order page's form a conversation's state holds; at the
    start, no parameters and a form with one optional, empty order-number parameter (the
    page the agent sends order questions to)."""
    parameters = as_dict(as_dict(state.get("sessionInfo")).get("parameters"))
    page = as_dict(state.get("pageInfo"))
    form = (
        _form(page) if page else [{"displayName": parameter, "required": False, "state": "EMPTY"}]
    )
    return {
        "sessionInfo": {"parameters": dict(parameters)},
        "pageInfo": {
            "currentPage": PAGE,
            "displayName": "Order status",
            "formInfo": {"parameterInfo": form},
        },
    }


def next_state(request: Mapping[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """CX's memory after this turn: session parameters as the response set them (null
    deletes one), and the form's parameters: INVALID where the response marked them (the
    form asks again), FILLED with the session's value, else EMPTY."""
    parameters = dict(as_dict(as_dict(request.get("sessionInfo")).get("parameters")))
    for key, value in as_dict(as_dict(response.get("sessionInfo")).get("parameters")).items():
        if value is None:
            parameters.pop(key, None)
        else:
            parameters[key] = value
    marked = {info["displayName"]: info.get("state") for info in _form(response.get("pageInfo"))}
    page = as_dict(request.get("pageInfo"))
    form = []
    for info in _form(page):
        name = info["displayName"]
        kept: dict[str, Any] = {"displayName": name, "required": bool(info.get("required"))}
        if marked.get(name) == "INVALID":
            kept["state"] = "INVALID"
        elif parameters.get(name) is not None:
            kept |= {"state": "FILLED", "value": parameters[name]}
        else:
            kept["state"] = "EMPTY"
        form.append(kept)
    return {
        "sessionInfo": {"parameters": parameters},
        "pageInfo": {**page, "formInfo": {"parameterInfo": form}},
    }


PLATFORM = DialogflowCx()
