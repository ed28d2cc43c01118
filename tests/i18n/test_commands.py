"""`fulfillment catalogs ...`: findings in plain words with file, line and rule; no tracebacks."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import CATALOGS, msgstr, replace_msgstr

from fulfillment.cli import main
from fulfillment.i18n import commands
from fulfillment.intents import load_intent
from fulfillment.settings import PROJECT_ROOT

SPEC = load_intent(PROJECT_ROOT / "intents" / "order-status.yaml")


@pytest.fixture
def rooms(tmp_path: Path) -> tuple[Path, Path]:
    intents, locales = tmp_path / "intents", tmp_path / "locales"
    shutil.copytree(PROJECT_ROOT / "intents", intents)
    shutil.copytree(PROJECT_ROOT / "locales", locales)
    return intents, locales


def run(rooms: tuple[Path, Path], *args: str) -> Any:
    intents, locales = rooms
    env = {"FULFILLMENT_INTENTS_DIR": str(intents), "FULFILLMENT_LOCALES_DIR": str(locales)}
    return CliRunner().invoke(main, ["catalogs", *args], env=env)


def edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once; the line it was on."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def msgid_line(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    found = next(n for n, line in enumerate(lines) if text in line)
    while not lines[found].startswith("msgid "):
        found -= 1
    return found + 1


def test_extract_on_a_broken_intent_file_says_where_in_plain_words(
    rooms: tuple[Path, Path],
) -> None:
    intents, _locales = rooms
    path = intents / "order-status.yaml"
    edit(path, "interest_type: order-status", "interest_type: order-status\n\tdescription: x")
    result = run(rooms, "extract")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.strip() == (
        f"Error: {path}: cannot read line 12: a tab: indent with spaces (column 1)"
    )


def test_a_bad_format_is_named_by_its_name(rooms: tuple[Path, Path]) -> None:
    intents, _locales = rooms
    path = intents / "order-status.yaml"
    line = edit(path, r"pattern: '\d{3}-\d{7}-\d{7}'", r"pattern: '[0-9'")
    result = run(rooms, "check")
    assert result.exit_code == 1
    expected = (
        f"{path}:{line}: intents: extraction.formats.4.pattern: "
        f"the format 'marketplace number', line {line}: not a valid regular expression"
    )
    assert expected in result.output, result.output
    assert "Traceback" not in result.output


def test_an_unknown_placeholder_gets_a_suggestion(rooms: tuple[Path, Path]) -> None:
    _intents, locales = rooms
    german = locales / "de" / "LC_MESSAGES" / "messages.po"
    edit(german, "wurde mit {carrier} versandt", "wurde mit {carier} versandt")
    line = msgid_line(german, "wurde mit {carier} versandt")
    result = run(rooms, "check", "--locale", "de")
    assert result.exit_code == 1
    assert (
        f"{german}:{line}: placeholder: msgctxt 'order-status:replies.shipped': "
        "unknown placeholder {carier}: did you mean {carrier}?"
    ) in result.output


def test_a_missing_plural_form_is_named_by_its_cldr_form(rooms: tuple[Path, Path]) -> None:
    _intents, locales = rooms
    spanish = locales / "es" / "LC_MESSAGES" / "messages.po"
    context, english = SPEC.context("phrases.item_count"), SPEC.phrases["item_count"].one
    assert english is not None
    forms = msgstr(spanish, context, english)
    assert isinstance(forms, tuple)
    assert len(forms) == 3  # [0] one, [1] many, [2] other
    line = replace_msgstr(spanish, context, english, (forms[0], None, forms[2]))
    result = run(rooms, "check", "--locale", "es")
    assert result.exit_code == 1
    assert (
        f"{spanish}:{line}: plural-forms: msgctxt 'order-status:phrases.item_count': "
        "missing plural form [1] (many)"
    ) in result.output
    assert "not translated" not in result.output


def test_the_designers_english_is_held_to_the_same_limits(rooms: tuple[Path, Path]) -> None:
    intents, _locales = rooms
    path = intents / "order-status.yaml"
    line = edit(
        path, "    text: Track your package", "    text: Track your package at the carrier's site"
    )
    result = run(rooms, "check")
    assert (
        f"{path}:{line - 1}: length: msgctxt 'order-status:phrases.card.button': button label is "
        "40 characters; at most 20 (Messenger cuts button titles at 20)"
    ) in result.output, result.output


def test_a_template_older_than_intents_is_found(rooms: tuple[Path, Path]) -> None:
    intents, locales = rooms
    edit(intents / "order-status.yaml", "    text: Track your package", "    text: Track it")
    result = run(rooms, "check")
    template = locales / "messages.pot"
    line = msgid_line(template, 'msgid "Track your package"')
    assert (
        f"{template}:{line}: template: msgctxt 'order-status:phrases.card.button': the English "
        f"changed in {intents / 'order-status.yaml'}:"
    ) in result.output
    assert run(rooms, "extract").exit_code == 0
    assert "template:" not in run(rooms, "check").output


def test_update_refuses_a_catalog_it_cannot_read_whole(rooms: tuple[Path, Path]) -> None:
    _intents, locales = rooms
    german = locales / "de" / "LC_MESSAGES" / "messages.po"
    before = german.read_text(encoding="utf-8")
    line = edit(german, 'msgstr "Versandt"', 'msgstr "Versandt"\nVersandt"')
    written = german.read_text(encoding="utf-8")
    result = run(rooms, "update")
    assert result.exit_code == 1
    assert f"de: not updated until this is fixed: {german}:{line + 1}: syntax: " in result.output
    assert "fr: up to date" in result.output
    assert german.read_text(encoding="utf-8") == written != before  # as the translator left it
    # ...and meanwhile German is served, without that entry.
    check = run(rooms, "check", "--locale", "de")
    assert (
        f"{german}:{line + 1}: syntax: msgctxt 'order-status:phrases.status.shipped': neither a "
        "msgid/msgstr line nor a quoted text"
    ) in check.output


def test_init_starts_a_language_and_refuses_nonsense(rooms: tuple[Path, Path]) -> None:
    _intents, locales = rooms
    # Catalan: a language no catalog is shipped for, with three plural forms (one, many, other).
    assert "ca" not in CATALOGS
    started = run(rooms, "init", "ca")
    assert started.exit_code == 0, started.output
    catalan = locales / "ca" / "LC_MESSAGES" / "messages.po"
    assert "nplurals=3" in catalan.read_text(encoding="utf-8")
    again = run(rooms, "init", "ca")
    assert again.exit_code == 1
    assert "already has a catalog" in again.output
    unknown = run(rooms, "init", "xx_QQ")
    assert unknown.exit_code == 1
    assert "Traceback" not in unknown.output
    assert "'xx_QQ' is not a locale CLDR knows" in unknown.output


def test_an_unexpected_error_is_one_line_unless_debugging(
    rooms: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(commands, "check_all", boom)
    result = run(rooms, "check")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "RuntimeError: boom (run `fulfillment catalogs --debug ...`" in result.output
    debugging = run(rooms, "--debug", "check")
    assert isinstance(debugging.exception, RuntimeError)
