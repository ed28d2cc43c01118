"""The request each platform would send for a phrase a designer types.

Only the free text carries the order number (no entity, slot or parameter), so what the
playground shows is what the service finds on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fulfillment.intents import IntentSpec
from fulfillment.webhooks import CX_PATH, ES_PATH, RASA_PATH, SEED_PATH


@dataclass(frozen=True, slots=True)
class Trial:
    """One try: what was typed, in which language, by whom, answered how."""

    text: str
    language_code: str  # BCP 47, as platforms send it
    response_type: str
    channel: str
    user_id: str
    user_name: str | None
    first_name: str | None


def seed(trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
    user: dict[str, Any] = {"uid": trial.user_id}
    if trial.user_name:
        user["username"] = trial.user_name
    if trial.first_name:
        user["first_name"] = trial.first_name
    return {
        "conversationRequest": {"channel": trial.channel, "userInfo": user},
        "queryInfo": {"interestType": interest_type, "queryText": trial.text},
        "languageCode": trial.language_code,
        "responseType": trial.response_type,
    }


def _custom_payload(trial: Trial) -> dict[str, Any]:
    """Who is asking, as a custom front end puts it in the platform's payload."""
    payload: dict[str, Any] = {
        "channel": trial.channel,
        "userId": trial.user_id,
        "responseType": trial.response_type,
    }
    if trial.user_name:
        payload["username"] = trial.user_name
    if trial.first_name:
        payload["first_name"] = trial.first_name
    return payload


def dialogflow_es(trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
    return {
        "responseId": "playground",
        "session": f"projects/playground/agent/sessions/{trial.user_id}",
        "queryResult": {
            "queryText": trial.text,
            "parameters": {},
            "intent": {"displayName": spec.platforms.dialogflow_intents[0]},
            "languageCode": trial.language_code,
        },
        "originalDetectIntentRequest": {"payload": _custom_payload(trial)},
    }


def dialogflow_cx(trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
    return {
        "detectIntentResponseId": "playground",
        "fulfillmentInfo": {"tag": spec.platforms.cx_tags[0]},
        "text": trial.text,
        "languageCode": trial.language_code,
        "sessionInfo": {
            "session": f"projects/playground/locations/global/agents/a/sessions/{trial.user_id}",
            "parameters": {},
        },
        "payload": _custom_payload(trial),
    }


def rasa(trial: Trial, spec: IntentSpec, interest_type: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {"responseType": trial.response_type}
    if trial.user_name:
        metadata["username"] = trial.user_name
    if trial.first_name:
        metadata["first_name"] = trial.first_name
    return {
        "next_action": spec.platforms.rasa_actions[0],
        "sender_id": trial.user_id,
        "tracker": {
            "sender_id": trial.user_id,
            "slots": {"language": trial.language_code},
            "latest_message": {"text": trial.text, "entities": [], "metadata": metadata},
            "latest_input_channel": trial.channel.lower(),
        },
        "version": "3.6.20",
    }


Builder = Callable[[Trial, IntentSpec, str], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    path: str
    build: Builder


PLATFORMS: dict[str, Platform] = {
    "seed": Platform("getOrderStatus (seed contract)", SEED_PATH, seed),
    "dialogflow-es": Platform("Dialogflow ES", ES_PATH, dialogflow_es),
    "dialogflow-cx": Platform("Dialogflow CX", CX_PATH, dialogflow_cx),
    "rasa": Platform("Rasa action server", RASA_PATH, rasa),
}
