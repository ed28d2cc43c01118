"""The platforms this service answers: one module each, listed once, here."""

from __future__ import annotations

from typing import Any

from fulfillment.adapters import dialogflow_cx, dialogflow_es, rasa, seed
from fulfillment.platform import Platform

PLATFORMS: dict[str, Platform[Any]] = {
    platform.name: platform
    for platform in (seed.PLATFORM, dialogflow_es.PLATFORM, dialogflow_cx.PLATFORM, rasa.PLATFORM)
}
