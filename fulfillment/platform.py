"""The one interface every platform implements.

A platform is one module in `fulfillment/adapters/` exposing one `Platform` object: what its
requests look like, where it says which intent is meant, how a request becomes a `Turn` and
how a `Reply` goes back. The endpoint (webhooks.py), the OpenAPI document, the playground and
the benchmark read the registry (`fulfillment.adapters.PLATFORMS`) and nothing else.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from fulfillment.errors import UnknownInterestType
from fulfillment.intents import IntentSpec
from fulfillment.turn import ResponseType, Turn

if TYPE_CHECKING:
    from fulfillment.i18n.locales import Language
    from fulfillment.reply import Reply

Payload = TypeVar("Payload", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Trial:
    """One try in the playground: what was typed, in which language, by whom, answered how.

    `surface` is where the customer types (an id of the platform's `surfaces`; empty: the
    first); `state` is the platform's own memory as the previous turn left it (`next_state`),
    empty at the start of a conversation."""

    text: str
    language_code: str  # BCP 47, as platforms send it
    response_type: str
    channel: str
    user_id: str
    user_name: str | None
    first_name: str | None
    surface: str = ""
    state: Mapping[str, Any] = field(default_factory=dict)
    # The shop back end's signature of user_id (`userHash`), where the surface needs one.
    user_hash: str | None = None
    # A visitor nobody identified: Dialogflow front ends send no user id at all; the seed
    # contract and Rasa's web channels send user_id unsigned.
    guest: bool = False


@dataclass(frozen=True, slots=True)
class Surface:
    """Where a platform's customer talks: an integration (Dialogflow) or a channel (Rasa).

    It decides what the platform sends (who is asking, in which shape) and how the reply is
    shown. `channel` is the store channel the surface vouches for (None: the customer's own,
    as a custom front end passes it); `note` says what a designer should know about it."""

    id: str
    label: str
    channel: str | None = None
    voice: bool = False
    note: str | None = None


# A platform without integrations of its own: one surface, the platform itself.
DEFAULT_SURFACES = (Surface("default", "Any client"),)


@dataclass(frozen=True, slots=True)
class Unrouted:
    """What to answer when a request names no intent this service answers.

    A 4xx makes a platform log a webhook error and drop the agent's own response; some
    platforms have a better answer (an empty reply, rasa-sdk's 404)."""

    status: int
    body: bytes


@dataclass(frozen=True)
class PlatformRoutes:
    """Which interestType each platform's intent, tag or action name reaches."""

    dialogflow_intents: dict[str, str]  # lower-cased display name or action -> interest type
    cx_tags: dict[str, str]
    rasa_actions: dict[str, str]
    order_parameters: dict[str, list[str]]  # interest type -> parameter names

    @property
    def interest_types(self) -> frozenset[str]:
        return frozenset(self.order_parameters)

    @classmethod
    def from_intents(cls, intents: dict[str, IntentSpec]) -> PlatformRoutes:
        return cls(
            dialogflow_intents={
                name.lower(): it
                for it, s in intents.items()
                for name in s.platforms.dialogflow_intents
            },
            cx_tags={tag: it for it, s in intents.items() for tag in s.platforms.cx_tags},
            rasa_actions={a: it for it, s in intents.items() for a in s.platforms.rasa_actions},
            order_parameters={it: s.platforms.order_parameters for it, s in intents.items()},
        )


# By value: a dict lookup, where calling the enum costs a microsecond on every request.
RESPONSE_TYPES = {kind.value: kind for kind in ResponseType}


def response_type(value: Any, default: ResponseType) -> ResponseType:
    """A platform payload may ask for a response type; anything else gets the default."""
    return RESPONSE_TYPES.get(str(value).lower(), default) if value else default


def custom_payload(trial: Trial) -> dict[str, Any]:
    """Who is asking, as a custom front end puts it in a Dialogflow payload."""
    payload: dict[str, Any] = {"channel": trial.channel, "responseType": trial.response_type}
    if trial.guest:
        return payload
    payload["userId"] = trial.user_id
    if trial.user_hash:
        payload["userHash"] = trial.user_hash
    if trial.user_name:
        payload["username"] = trial.user_name
    if trial.first_name:
        payload["first_name"] = trial.first_name
    return payload


class Platform(ABC, Generic[Payload]):
    name: ClassVar[str]  # label in logs and metrics, key in the playground: "dialogflow-es"
    title: ClassVar[str]  # for people: "Dialogflow ES"
    path: ClassVar[str]
    operation_id: ClassVar[str]
    summary: ClassVar[str]
    request_model: ClassVar[type[BaseModel]]
    response_model: ClassVar[type[BaseModel]]
    example: ClassVar[str]  # examples/<example>-request.json and -response.json
    interest_field: ClassVar[str]  # where the payload names the intent, for error details
    query_token: ClassVar[bool] = False  # Rasa sends its token as ?token=
    # Further answers the endpoint documents (OpenAPI), and the models they use.
    extra_responses: ClassVar[dict[str, tuple[str, type[BaseModel]]]] = {}

    @abstractmethod
    def interest_type(self, payload: Payload, routes: PlatformRoutes) -> str | None:
        """Which interestType the request is for; None when it names none we answer."""

    def unrouted(self, payload: Payload, routes: PlatformRoutes) -> Unrouted:
        """The answer to a request for an intent no handler answers (default: a 422)."""
        raise UnknownInterestType(
            "This request names no intent this service answers.",
            {"field": self.interest_field, "known": self.known(routes)},
        )

    def known(self, routes: PlatformRoutes) -> list[str]:
        """The intent, tag or action names this platform's requests may carry."""
        return sorted(routes.interest_types)

    def session(self, payload: Payload) -> str | None:
        """The platform's conversation, for counting guesses per session."""
        return None

    def proof(self, payload: Payload) -> tuple[object, object]:
        """The shop's signatures on the identity, as sent: (userHash, identityToken)."""
        return None, None

    @abstractmethod
    def language_code(self, payload: Payload) -> str | None:
        """The languageCode as the platform sent it."""

    @abstractmethod
    def to_turn(
        self, payload: Payload, interest_type: str, language: Language, routes: PlatformRoutes
    ) -> Turn: ...

    @abstractmethod
    def render(self, reply: Reply, payload: Payload, turn: Turn, routes: PlatformRoutes) -> bytes:
        """The response body, encoded."""

    @abstractmethod
    def build(self, trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
        """The request this platform would send for a phrase typed in the playground, from
        the trial's surface, carrying the trial's state (the platform's memory).

        Only the free text carries the order number (no entity, slot or parameter), so what
        the playground shows is what the service finds on its own."""

    # ------------------------------------------------------------------ the playground

    # Where customers talk to this platform; the first is the default.
    surfaces: ClassVar[tuple[Surface, ...]] = DEFAULT_SURFACES

    def surface(self, surface_id: str | None) -> Surface:
        """The surface of that id; the default for none. KeyError for an unknown one."""
        if not surface_id:
            return self.surfaces[0]
        for surface in self.surfaces:
            if surface.id == surface_id:
                return surface
        raise KeyError(surface_id)

    def surface_for(self, channel: str | None) -> Surface:
        """The surface that vouches for a store channel (TELEGRAM: Telegram), else the default."""
        wanted = (channel or "").upper()
        return next((s for s in self.surfaces if s.channel == wanted), self.surfaces[0])

    @abstractmethod
    def preview(self, response_body: Any, surface: str) -> list[dict[str, Any]]:
        """What the surface shows or says for this response body (the webhook's JSON), by the
        surface's own rendering rules: items of kind text, speech, image, card, buttons or
        note (see fulfillment/adapters/common.py). Never raises on an odd body."""

    def next_state(self, request: Mapping[str, Any], response: Any) -> dict[str, Any]:
        """The platform's memory after this turn, as the next request will carry it: what
        `build` reads from `Trial.state`. Default: nothing is remembered."""
        return {}
