"""Running the designers' tests: test phrases (which pass, which fail, precision and recall)
and conversations, turn by turn through the service's webhooks."""

from __future__ import annotations

import functools
import json
import logging
import secrets
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from fulfillment.conversations import Conversation, ConversationTurn
from fulfillment.domain import normalize_order_number
from fulfillment.extraction.extractor import Extractor
from fulfillment.extraction.spec import PhraseTest
from fulfillment.i18n.locales import spoken_language
from fulfillment.identity import sign_user_id
from fulfillment.intents import IntentSpec
from fulfillment.platform import Trial
from fulfillment.settings import Settings


@dataclass(frozen=True, slots=True)
class PhraseResult:
    interest_type: str
    test: PhraseTest
    expected: tuple[str, ...]
    found: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return self.expected == self.found


@dataclass(slots=True)
class Tally:
    passed: int = 0
    failed: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    failures: list[PhraseResult] = field(default_factory=list)

    def add(self, result: PhraseResult) -> None:
        if result.passed:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(result)
        expected, found = set(result.expected), set(result.found)
        self.true_positives += len(expected & found)
        self.false_positives += len(found - expected)
        self.false_negatives += len(expected - found)

    @property
    def precision(self) -> float:
        taken = self.true_positives + self.false_positives
        return self.true_positives / taken if taken else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positives + self.false_negatives
        return self.true_positives / wanted if wanted else 1.0


def run_phrase(interest_type: str, extractor: Extractor, test: PhraseTest) -> PhraseResult:
    found = extractor.extract(test.text, spoken_language(test.lang)).order_ids
    return PhraseResult(
        interest_type,
        test,
        tuple(normalize_order_number(number) for number in test.expect),
        tuple(found),
    )


def language_of(test: PhraseTest) -> str:
    return test.lang.replace("_", "-").split("-")[0].lower()


def tally_by_language(results: list[PhraseResult]) -> dict[str, Tally]:
    tallies: dict[str, Tally] = {}
    for result in results:
        tallies.setdefault(language_of(result.test), Tally()).add(result)
    return dict(sorted(tallies.items()))


# ------------------------------------------------------------------------------------------
# Conversations (`conversations:` in intents/*.yaml): each turn goes to the platform's real
# webhook as that platform would send it, from the surface that vouches for the customer,
# carrying the platform's memory (`Platform.next_state`) from the turn before; a tap sends
# what the tapped chip or button of the last reply sends there.

# POST a body to a webhook path of the service; the status and the body of its answer.
Send = Callable[[str, bytes], Awaitable[tuple[int, bytes]]]
# The shop back end's signature of a user id (`userHash`): conversations run with signed
# identities enforced, as a shop runs, so a customer's identity is signed and a guest's not.
Sign = Callable[[str], str]


def signer(secret: str) -> Sign:
    return functools.partial(sign_user_id, secret.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class TurnResult:
    turn: ConversationTurn
    sent: str | None  # the text the customer sent; None when the tap found nothing to tap
    status: int | None
    preview: list[dict[str, Any]]
    missing: tuple[str, ...] = ()  # expected, not shown
    unexpected: tuple[str, ...] = ()  # shown, though it must not be
    problem: str | None = None  # why the turn could not be sent, or failed outright
    request: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # the platform's memory after it

    @property
    def passed(self) -> bool:
        return self.problem is None and not self.missing and not self.unexpected


@dataclass(frozen=True, slots=True)
class ConversationResult:
    interest_type: str
    conversation: Conversation
    platform: str
    surface: str
    turns: tuple[TurnResult, ...]

    @property
    def passed(self) -> bool:
        done = len(self.turns) == len(self.conversation.turns)
        return done and all(turn.passed for turn in self.turns)


def shown_text(preview: list[dict[str, Any]]) -> str:
    """Everything the customer reads or hears in a preview (not the playground's notes)."""
    lines: list[str] = []
    for item in preview:
        kind = item.get("kind")
        if kind in ("text", "speech"):
            lines.append(str(item.get("text", "")))
        elif kind in ("card", "buttons"):
            lines += [str(item.get(k) or "") for k in ("title", "subtitle", "text")]
            lines += [str(b.get("title", "")) for b in item.get("buttons", [])]
    return "\n".join(line for line in lines if line)


def tappable(preview: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The chips and buttons of a preview, in order."""
    return [
        b for item in preview if item.get("kind") in ("card", "buttons") for b in item["buttons"]
    ]


def _tap(preview: list[dict[str, Any]], label: str) -> tuple[str | None, str | None]:
    """What tapping `label` sends, or why it cannot be tapped."""
    buttons = tappable(preview)
    found = next((b for b in buttons if b["title"] == label), None)
    found = found or next((b for b in buttons if b["title"].casefold() == label.casefold()), None)
    if found is None:
        offered = ", ".join(repr(b["title"]) for b in buttons) or "none"
        return (
            None,
            f"nothing labelled {label!r} to tap in the last reply (chips and buttons: {offered})",
        )
    if not found["send"]:
        return None, f"{label!r} opens {found['url'] or 'nothing'}; it sends no message"
    return str(found["send"]), None


def _checked(
    turn: ConversationTurn, preview: list[dict[str, Any]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    shown = shown_text(preview).casefold()
    missing = tuple(e for e in turn.expect if e.casefold() not in shown)
    unexpected = tuple(e for e in turn.expect_not if e.casefold() in shown)
    return missing, unexpected


async def run_conversation(
    interest_type: str,
    spec: IntentSpec,
    conversation: Conversation,
    platform_name: str,
    send: Send,
    sign: Sign | None = None,
) -> ConversationResult:
    """One conversation on one platform, turn by turn; it stops at a turn it cannot send."""
    from fulfillment.adapters import PLATFORMS  # the adapters import this module's importers

    platform = PLATFORMS[platform_name]
    customer = conversation.customer
    surface = (
        platform.surface(conversation.surfaces.get(platform_name))
        if (platform_name in conversation.surfaces)
        else platform.surface_for(customer.channel)
    )
    state: dict[str, Any] = {}
    preview: list[dict[str, Any]] = []
    results: list[TurnResult] = []
    for turn in conversation.turns:
        text, problem = (turn.say, None) if turn.say is not None else _tap(preview, turn.words)
        if text is None:
            results.append(TurnResult(turn, None, None, [], problem=problem))
            break
        trial = Trial(
            text=text,
            language_code=conversation.lang,
            response_type=conversation.response_type,
            channel=customer.channel,
            user_id=customer.uid,
            user_name=customer.username,
            first_name=customer.first_name,
            surface=surface.id,
            state=state,
            user_hash=sign(customer.uid) if sign and not customer.guest else None,
            guest=customer.guest,
        )
        try:
            request = platform.build(trial, spec, interest_type)
        except IndexError:
            problem = f"intents/{interest_type}.yaml names no {platform.title} route"
            results.append(TurnResult(turn, text, None, [], problem=problem))
            break
        status, raw = await send(platform.path, json.dumps(request).encode("utf-8"))
        try:
            answered: Any = json.loads(raw) if status == 200 else {}
        except ValueError:
            answered = {}
        preview = platform.preview(answered, surface.id)
        state = platform.next_state(request, answered)
        missing, unexpected = _checked(turn, preview)
        problem = None if status == 200 else f"the webhook answered HTTP {status}"
        results.append(
            TurnResult(turn, text, status, preview, missing, unexpected, problem, request, state)
        )
    return ConversationResult(
        interest_type, conversation, platform.name, surface.id, tuple(results)
    )


def conversations_of(
    intents: Mapping[str, IntentSpec], lang: str | None = None
) -> list[tuple[str, IntentSpec, Conversation, str]]:
    """(interest type, spec, conversation, platform) for every run the intent files ask for;
    with `lang`, only conversations in that language."""
    wanted = lang.replace("_", "-").split("-")[0].lower() if lang else None
    return [
        (interest_type, spec, conversation, platform)
        for interest_type, spec in intents.items()
        for conversation in spec.conversations
        if wanted is None or conversation.lang.replace("_", "-").split("-")[0].lower() == wanted
        for platform in conversation.platform_names()
    ]


async def run_conversations(
    intents: Mapping[str, IntentSpec], send: Send, lang: str | None = None, sign: Sign | None = None
) -> list[ConversationResult]:
    """Every conversation on each platform it names, one after another (the platforms'
    memories are separate; the store sees one customer at a time, as in a chat)."""
    return [
        await run_conversation(interest_type, spec, conversation, platform, send, sign)
        for interest_type, spec, conversation, platform in conversations_of(intents, lang)
    ]


async def run_in_process(
    settings: Settings, lang: str | None = None, intents: Mapping[str, IntentSpec] | None = None
) -> list[ConversationResult]:
    """Every conversation through the service's real app, in this process, on a throw-away
    demo store (conversations name the demo store's customers and orders): the designers'
    and translators' files of `settings`, nothing else of it. `intents` replaces the files'
    intents (tests pass their own)."""
    import httpx

    from fulfillment.app import create_app

    key = secrets.token_urlsafe(24)
    identity_secret = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="conversations-") as data:
        demo = Settings(
            data_dir=Path(data),
            demo_data=True,
            api_keys=[SecretStr(key)],
            basic_auth=[],
            database_url=None,
            order_api_config=None,
            playground=False,
            reload_content=False,
            # Conversations ask about unknown orders on purpose; that is no guessing.
            lookup_slow_after=10**6,
            lookup_refuse_after=10**6,
            identity_secrets=[SecretStr(identity_secret)],
            signed_identities=True,
            intents_dir=settings.intents_dir,
            locales_dir=settings.locales_dir,
            default_locale=settings.default_locale,
            max_orders_per_message=settings.max_orders_per_message,
            max_text_chars=settings.max_text_chars,
        )
        app = create_app(demo)
        # The service's own lines are for `serve`: no access line per turn, and only errors
        # (its start-up notes about catalogs are the translators' business, not this run's).
        access, service_log = (
            logging.getLogger("fulfillment.access"),
            logging.getLogger("fulfillment"),
        )
        quiet, level = access.disabled, service_log.level
        access.disabled = True
        service_log.setLevel(logging.ERROR)
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://conversations", headers=headers
                ) as client:

                    async def send(path: str, body: bytes) -> tuple[int, bytes]:
                        answer = await client.post(path, content=body)
                        return answer.status_code, answer.content

                    served = app.state.services.content.intents if intents is None else intents
                    return await run_conversations(served, send, lang, signer(identity_secret))
        finally:
            access.disabled = quiet
            service_log.setLevel(level)
