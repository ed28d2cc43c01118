"""The designers' conversations (`conversations:` in intents/*.yaml), run as `fulfillment
phrases` runs them: through the service's app in process, on a throw-away demo store."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from fulfillment.adapters import PLATFORMS
from fulfillment.cli import main
from fulfillment.conversations import Conversation
from fulfillment.errors import ConfigurationError
from fulfillment.intents import IntentSpec, load_intent
from fulfillment.phrasetests import ConversationResult, run_in_process, shown_text
from fulfillment.settings import PROJECT_ROOT, Settings

SOURCE_PATH = PROJECT_ROOT / "intents" / "order-status.yaml"
SOURCE = SOURCE_PATH.read_text(encoding="utf-8")
RAVI = {"channel": "TELEGRAM", "uid": "51342", "username": "ravir", "first_name": "Ravi"}


def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", intents_dir=PROJECT_ROOT / "intents")


def run(tmp_path: Path, *conversations: dict[str, Any]) -> list[ConversationResult]:
    """These conversations (instead of the file's), through the same runner."""
    spec = load_intent(SOURCE_PATH)
    mine = spec.model_copy(
        update={"conversations": [Conversation.model_validate(c) for c in conversations]}
    )
    intents: dict[str, IntentSpec] = {"order-status": mine}
    return asyncio.run(run_in_process(settings(tmp_path), intents=intents))


@pytest.fixture(scope="module")
def file_runs(tmp_path_factory: pytest.TempPathFactory) -> list[ConversationResult]:
    return asyncio.run(run_in_process(settings(tmp_path_factory.mktemp("conversations"))))


def explain(run: ConversationResult) -> str:
    lines = [f"{run.conversation.name} on {run.platform} ({run.surface}):"]
    for turn in run.turns:
        lines.append(
            f"  {turn.turn.action} {turn.turn.words!r} -> {turn.status} problem={turn.problem} "
            f"missing={turn.missing} unexpected={turn.unexpected}: {shown_text(turn.preview)!r}"
        )
    return "\n".join(lines)


def test_the_intent_files_hold_the_conversations_issue_19_asks_for() -> None:
    conversations = yaml.safe_load(SOURCE)["conversations"]
    ravi = [c for c in conversations if str(c["customer"]["uid"]) == "51342"]
    assert any(any("click" in t for t in c["turns"]) for c in ravi), "a chip tapped"
    assert any(all("say" in t for t in c["turns"]) and len(c["turns"]) >= 2 for c in ravi), (
        "the number typed"
    )
    assert any("send it again" in str(c["turns"][0].get("expect")) for c in ravi), (
        "not found, then sent again"
    )
    for conversation in ravi:
        assert not conversation.get("platforms"), "these run on every platform"


def test_every_conversation_passes_on_every_platform(
    file_runs: list[ConversationResult],
) -> None:
    expected = sum(
        len(c.get("platforms") or PLATFORMS) for c in yaml.safe_load(SOURCE)["conversations"]
    )
    assert len(file_runs) == expected
    assert {run.platform for run in file_runs} == set(PLATFORMS)
    failed = [explain(run) for run in file_runs if not run.passed]
    assert not failed, "\n".join(failed)


def test_ravi_talks_on_telegram_where_the_platform_has_it(
    file_runs: list[ConversationResult],
) -> None:
    surfaces = {
        (r.platform, r.surface) for r in file_runs if r.conversation.customer.uid == "51342"
    }
    assert surfaces == {
        ("seed", "default"),
        ("dialogflow-es", "telegram"),
        ("dialogflow-cx", "messenger"),
        ("rasa", "telegram"),
    }


def test_a_tap_sends_what_the_chip_sends(file_runs: list[ConversationResult]) -> None:
    for run in file_runs:
        for before, turn in zip(run.turns, run.turns[1:], strict=False):
            if turn.turn.action == "click":
                labels = [
                    b["title"]
                    for item in before.preview
                    if item["kind"] in ("buttons", "card")
                    for b in item["buttons"]
                ]
                assert turn.turn.words in labels, explain(run)
                assert turn.sent == turn.turn.words


def test_a_broken_expectation_fails(tmp_path: Path) -> None:
    runs = run(
        tmp_path,
        {
            "name": "expects words the bot never says",
            "customer": RAVI,
            "turns": [
                {"say": "where is my order?", "expect": ["which order", "a free pony"]},
                {"say": "748596", "expect_not": ["748596"]},
            ],
        },
    )
    assert len(runs) == len(PLATFORMS)
    for result in runs:
        assert not result.passed
        first, second = result.turns
        assert first.missing == ("a free pony",)  # "which order" is there, ignoring case
        assert second.unexpected == ("748596",)
        assert second.missing == ()


def test_tapping_what_is_not_there_stops_the_conversation(tmp_path: Path) -> None:
    [result] = run(
        tmp_path,
        {
            "name": "taps a chip the reply does not have",
            "platforms": ["dialogflow-es"],
            "customer": RAVI,
            "turns": [
                {"say": "where is my order?"},
                {"click": "748599"},
                {"say": "748596", "expect": "748596"},
            ],
        },
    )
    assert not result.passed
    assert len(result.turns) == 2  # the third is never sent
    problem = result.turns[1].problem or ""
    assert "nothing labelled '748599'" in problem
    assert "'748596', '748597'" in problem


def test_a_surface_can_be_chosen(tmp_path: Path) -> None:
    [result] = run(
        tmp_path,
        {
            "name": "on the phone",
            "platforms": ["dialogflow-es"],
            "surfaces": {"dialogflow-es": "phone"},
            "customer": RAVI,
            "turns": [{"say": "where is my order?", "expect": "order number"}],
        },
    )
    assert result.surface == "phone"
    assert result.passed, explain(result)
    assert {item["kind"] for item in result.turns[0].preview} == {"speech"}


@pytest.mark.parametrize(
    ("conversation", "problem"),
    [
        ({"turns": [{"say": "hi", "click": "748596"}]}, "either says something"),
        ({"turns": [{"expect": "hi"}]}, "either says something"),
        ({"platforms": ["telegram"]}, "no platform 'telegram'"),
        ({"surfaces": {"dialogflow-cx": "phone"}}, "dialogflow-cx has no surface 'phone'"),
        ({"turns": []}, "turns"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_broken_conversation_is_a_clear_error(
    tmp_path: Path, conversation: dict[str, Any], problem: str
) -> None:
    base = {"name": "broken", "customer": RAVI, "turns": [{"say": "where is my order?"}]}
    raw = yaml.safe_load(SOURCE)
    raw["conversations"] = [{**base, **conversation}]
    path = tmp_path / "order-status.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"conversations\.0") as raised:
        load_intent(path)
    assert problem in str(raised.value)


def test_fulfillment_phrases_runs_them_and_a_failure_exits_1(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    broken = SOURCE.replace(
        '        expect: ["748597", Delhivery]\n',
        '        expect: ["748597", Blue Dart]\n',
    )
    assert broken != SOURCE
    (intents / "order-status.yaml").write_text(broken, encoding="utf-8")
    env = {"FULFILLMENT_DATA_DIR": str(tmp_path / "data"), "FULFILLMENT_INTENTS_DIR": str(intents)}
    result = CliRunner().invoke(main, ["phrases"], env=env)
    output = result.output
    assert result.exit_code == 1, output
    assert " phrases, " in output
    assert " 0 failed\n" in output  # the phrases still pass
    runs = sum(
        len(c.get("platforms") or PLATFORMS) for c in yaml.safe_load(SOURCE)["conversations"]
    )
    assert f"conversations: {runs} runs, {runs - 4} passed, 4 failed" in output
    assert "FAIL  several open orders, the customer taps a chip (dialogflow-es, telegram)" in output
    assert "turn 2, click '748597':" in output
    assert "expected 'Blue Dart', not in the reply" in output
    # Nothing is left behind: the demo store was a throw-away one.
    assert not (tmp_path / "data").exists()


def test_fulfillment_phrases_can_leave_the_conversations_out(tmp_path: Path) -> None:
    env = {"FULFILLMENT_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(main, ["phrases", "--no-conversations"], env=env)
    assert result.exit_code == 0, result.output
    assert "conversations:" not in result.output
