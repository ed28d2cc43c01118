"""The designers' commands: `fulfillment phrases` and `fulfillment try`."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from fulfillment.cli import main
from fulfillment.settings import PROJECT_ROOT

SOURCE = (PROJECT_ROOT / "intents" / "order-status.yaml").read_text(encoding="utf-8")


def run(tmp_path: Path, *args: str, intents: Path | None = None) -> object:
    env = {"FULFILLMENT_DATA_DIR": str(tmp_path / "data")}
    if intents is not None:
        env["FULFILLMENT_INTENTS_DIR"] = str(intents)
    return CliRunner().invoke(main, list(args), env=env)


def test_phrases_all_pass(tmp_path: Path) -> None:
    result = run(tmp_path, "phrases")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    for language in ("en", "de", "es", "fr", "pt", "hi"):
        assert f"\n{language}: " in "\n" + output
    assert "precision 1.00, recall 1.00" in output
    assert " 0 failed\n" in output
    assert "FAIL " not in output


def test_phrases_for_one_language(tmp_path: Path) -> None:
    result = run(tmp_path, "phrases", "--lang", "de-DE")
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 0  # type: ignore[attr-defined]
    assert output.startswith("de: ")
    assert "\nen: " not in output


def test_a_failing_phrase_exits_1_and_says_what_was_expected(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    broken = SOURCE.replace(
        '{lang: de, text: "wo ist meine Bestellung 748596?", expect: ["748596"]}',
        '{lang: de, text: "wo ist meine Bestellung 748596?", expect: ["748597"]}',
    )
    assert broken != SOURCE
    (intents / "order-status.yaml").write_text(broken, encoding="utf-8")
    result = run(tmp_path, "phrases", intents=intents)
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    assert "FAIL  wo ist meine Bestellung 748596?" in output
    assert "expected 748597, found 748596" in output
    assert " 1 failed\n" in output


def test_a_broken_intent_file_is_a_clear_error(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    (intents / "order-status.yaml").write_text(
        SOURCE.replace(r"pattern: '\d{6}'", r"pattern: '[0-9'"), encoding="utf-8"
    )
    result = run(tmp_path, "phrases", intents=intents)
    assert result.exit_code == 1  # type: ignore[attr-defined]
    output = result.output  # type: ignore[attr-defined]
    # The format by its name and line, not only by its place in the list.
    line = SOURCE[: SOURCE.index(r"pattern: '\d{6}'")].count("\n") + 1
    assert f"extraction.formats.0.pattern: the format 'shop number', line {line}: " in output
    assert "not a valid regular expression" in output
    assert "Traceback" not in output


def test_a_yaml_mistake_is_told_in_plain_words(tmp_path: Path) -> None:
    intents = tmp_path / "intents"
    intents.mkdir()
    broken = SOURCE.replace("  card.title: Order {order_id}", "  card.title: Order: {order_id}")
    assert broken != SOURCE
    (intents / "order-status.yaml").write_text(broken, encoding="utf-8")
    result = run(tmp_path, "phrases", intents=intents)
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 1  # type: ignore[attr-defined]
    line = broken[: broken.index("Order: {order_id}")].count("\n") + 1
    assert (
        f"cannot read line {line}: a colon followed by a space inside a text: put the text "
        in output
    )
    assert "<unicode string>" not in output


def test_try_marks_numbers_and_explains(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "try",
        "Bestellung Nr. 748596 vom 12.03.2025, Tel. 030 123456",
        "--lang",
        "de-DE",
        "--type",
        "card",
    )
    output = result.output  # type: ignore[attr-defined]
    assert result.exit_code == 0, output  # type: ignore[attr-defined]
    assert "Bestellung Nr. [748596] vom 12.03.2025, Tel. 030 {123456}" in output
    assert "TAKEN   '748596'" in output
    assert "DROPPED '123456' (shop number): follows phone cue 'Tel.'" in output
    assert '"basicCard"' in output
    assert "Ihre Bestellung 748596 wurde" in output  # answered in German now
    assert "reply (de):" in output


def test_try_as_json(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        "try",
        "where is my order 748596?",
        "--json",
        "--user",
        "90817",
        "--username",
        "mayal",
    )
    document = json.loads(result.output)  # type: ignore[attr-defined]
    assert document["marked"] == "where is my order [748596]?"
    [candidate] = document["candidates"]
    assert candidate["taken"] is True
    assert candidate["value"] == "748596"
    # Maya does not own 748596: the reply is the unknown-order one.
    [message] = document["response"]["response"]["responseMessages"]
    assert message["simpleResponse"]["responseText"].startswith("I couldn't find order 748596")
