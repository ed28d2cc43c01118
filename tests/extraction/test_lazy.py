"""A lazy extractor (the service's): each language built when first asked for, or warmed up,
answering exactly as one built whole at once."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from support import INTENT_FILES

from fulfillment.extraction import extractor as extractor_module
from fulfillment.extraction.extractor import (
    GENERIC,
    PACKAGE_TOKENIZERS,
    Extraction,
    Extractor,
    has_own_tokenizer,
    spacy_lang_folders,
)
from fulfillment.i18n.locales import spoken_language
from fulfillment.intents import load_intent

INTENT = load_intent(next(p for p in INTENT_FILES if p.stem == "order-status"))
SPEC = INTENT.extraction
assert SPEC is not None
LANGUAGES = [*SPEC.languages, GENERIC]


def answer(extraction: Extraction) -> list[tuple[Any, ...]]:
    """Everything an extraction says, candidate by candidate."""
    return [
        (extraction.language, c.start, c.end, c.value, c.format, c.score, c.taken, c.reasons)
        for c in extraction.candidates
    ]


@pytest.fixture(scope="module")
def eager() -> Extractor:
    assert SPEC is not None
    return Extractor(SPEC)


def phrases_in(language: str, eager: Extractor) -> list[tuple[str, str | None]]:
    """The designers' test phrases read with `language`'s tokenizer and words."""
    found: list[tuple[str, str | None]] = [
        (test.text, spoken_language(test.lang))
        for test in INTENT.tests
        if eager.language_for(spoken_language(test.lang)) == language
    ]
    if language == GENERIC:  # a language the data does not name, and an unknown one
        found += [("Meine Bestellung 748596 bitte", "sv"), ("order 748596?", None)]
    return found


def test_a_lazy_extractor_builds_nothing_until_asked(eager: Extractor) -> None:
    assert SPEC is not None
    lazy = Extractor(SPEC, lazy=True)
    assert lazy.built == ()
    assert lazy.languages == eager.languages
    assert lazy.tokenizers == eager.tokenizers
    spoken = ("de", "ja", "sv", None)
    assert [lazy.language_for(code) for code in spoken] == ["de", "ja", GENERIC, GENERIC]
    assert lazy.matches_format("748596")  # no language needed
    assert lazy.built == ()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_not_built_answers_on_first_use_as_one_built_at_start(
    language: str, eager: Extractor
) -> None:
    assert SPEC is not None
    lazy = Extractor(SPEC, lazy=True)
    phrases = phrases_in(language, eager)
    assert phrases
    for text, spoken in phrases:
        assert answer(lazy.extract(text, spoken)) == answer(eager.extract(text, spoken)), text
    # Only the language asked for is built; text without a digit needs none at all.
    assert lazy.built == (language,)
    other = next(code for code in SPEC.languages if code != language)
    assert lazy.extract("where is my order?", other).candidates == []


def test_warm_up_builds_every_language_the_first_ones_first(eager: Extractor) -> None:
    assert SPEC is not None
    lazy = Extractor(SPEC, lazy=True)
    lazy.extract("Bestellung 748596", "de")
    german = lazy._languages["de"]
    seen: list[set[str]] = []

    def stop() -> bool:  # asked before each language is built
        seen.append(set(lazy.built))
        return len(seen) == 3

    assert lazy.warm_up(["fr"], stop) is False
    assert seen == [{"de"}, {"de", "fr"}, {"de", "fr", GENERIC}]
    assert lazy.warm_up() is True
    assert set(lazy.built) == set(LANGUAGES)
    assert lazy._languages["de"] is german  # built once, kept
    assert lazy.warm_up() is True  # nothing left
    for language in LANGUAGES:
        for text, spoken in phrases_in(language, eager):
            assert answer(lazy.extract(text, spoken)) == answer(eager.extract(text, spoken))


def test_a_language_being_built_is_waited_for_not_built_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert SPEC is not None
    built: list[str] = []

    class Slow(extractor_module._Language):
        def __init__(self, language: str, *args: Any) -> None:
            built.append(language)
            time.sleep(0.2)  # long enough for every thread to ask while it is built
            super().__init__(language, *args)

    monkeypatch.setattr(extractor_module, "_Language", Slow)
    lazy = Extractor(SPEC, lazy=True)
    answers: list[list[str]] = []

    def ask() -> None:
        answers.append(lazy.extract("Ordine numero 748596", "it").order_ids)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    warmer = threading.Thread(target=lazy.warm_up, args=(["it"],))
    for thread in [warmer, *threads]:
        thread.start()
    for thread in [warmer, *threads]:
        thread.join(60)
    assert answers == [["748596"]] * 4
    assert sorted(built) == sorted(LANGUAGES)  # each once


def test_a_lazy_extractor_still_builds_at_once_what_may_need_a_missing_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert SPEC is not None
    made: list[str] = []
    original = extractor_module.pipeline

    def pipeline(language: str, tokenizer: Any) -> Any:  # SudachiPy may be missing here
        made.append(language)
        return original(language, "scripts")

    monkeypatch.setattr(extractor_module, "pipeline", pipeline)
    own = SPEC.model_copy(update={"tokenizers": {**SPEC.tokenizers, "ja": "language"}})
    lazy = Extractor(own, lazy=True)
    assert made == ["ja"]
    assert lazy.built == ("ja",)
    assert Extractor(SPEC, lazy=True).built == ()  # ja: scripts, spaCy's own rules


def test_the_languages_with_a_package_tokenizer_are_spacys() -> None:
    """PACKAGE_TOKENIZERS: the languages whose spacy/lang/<language> registers a tokenizer."""
    registering = {
        path.parent.name
        for folder in spacy_lang_folders()
        for path in Path(folder).glob("*/__init__.py")
        if "@tokenizers" in path.read_text(encoding="utf-8")
    }
    assert registering == PACKAGE_TOKENIZERS


@pytest.mark.parametrize("code", ["en", "sv", "xx", "ja", "nl", "pt", "sw", "zz", "tlh"])
def test_spacys_languages_are_found_without_importing_spacy(code: str) -> None:
    assert has_own_tokenizer(code) == (importlib.util.find_spec(f"spacy.lang.{code}") is not None)


def test_the_service_imports_spacy_only_to_build_a_language() -> None:
    """Not with its modules: commands that need no tokenizer, and `serve`'s check of the
    files before the app starts, do without it."""
    check = "import sys, fulfillment.app, fulfillment.cli; print('spacy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_spacy_is_imported_without_its_command_line_which_still_works() -> None:
    check = (
        "import sys\n"
        "from fulfillment.extraction.extractor import blank_pipeline\n"
        "assert [t.text for t in blank_pipeline('en').make_doc('order 748596?')] == "
        "['order', '748596', '?']\n"
        "assert 'spacy.cli' not in sys.modules and 'typer' not in sys.modules\n"
        "import spacy\n"
        "assert spacy.info()['spacy_version'] == spacy.__version__\n"
        "import spacy.cli\n"
        "assert callable(spacy.cli.setup_cli)\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr
