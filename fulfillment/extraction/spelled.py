"""Order numbers said digit by digit: "seven four eight five nine six", "सात चार आठ पांच नौ छह".

Voice channels and some customers write the digits as words. The designers list each
language's digit words, and the words that repeat the next digit ("double five" is 55), in
intents/*.yaml (`extraction.spelled_digits`). A run of such words separated by spaces or
hyphens, ASCII digits among them ("seven four 8 5 nine six"; hyphens only between words), is
read as its digits; it counts when it has at least two number words and at least
`min_digits` digits. The extractor then takes it like a number written in digits: it must
match a format, and cue words, distractor words and the rest judge it the same way.

Cost: a run that counts can be told by a number word at certain places (see `word_start`),
which the extractor looks for within the searches it makes anyway; only where one is found is
the text searched for runs.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fulfillment.extraction.spec import SpelledDigits, fold

# What a number word must not touch on either side: letters, digits, combining marks (a
# Devanagari vowel sign is a mark, not a \w letter), Devanagari but for its danda "।" and "॥".
_NEAR = r"[\w\u0300-\u036f\u0900-\u0963\u0966-\u097f]"
_BEFORE_RUN = r"[\w\u0300-\u036f\u0900-\u0963\u0966-\u097f-]"  # nor a hyphen: "forty-five"
_NEVER = r"(?!)"
# Devanagari letters with a nukta that Unicode composes into one character only when asked
# (NFC leaves them as letter + nukta): customers' keyboards write either form.
_NUKTA_LETTERS = "\u0958\u0959\u095a\u095b\u095c\u095d\u095e\u095f"
_COMPOSE_NUKTA = {unicodedata.normalize("NFD", c): c for c in _NUKTA_LETTERS}
# The fewest digits a run is read with when the designers do not say, whatever the formats.
FLOOR_DIGITS = 4


@dataclass(frozen=True, slots=True)
class Run:
    start: int
    end: int
    value: str  # the digits


def spellings(word: str) -> set[str]:
    """The word as customers may write it: lower-case, capitalized, upper-case, as written,
    each composed and decomposed (Unicode NFC and NFD, and nukta letters as one character)."""
    found = set()
    for cased in (word, word.lower(), word.capitalize(), word.upper()):
        for form in (unicodedata.normalize("NFC", cased), unicodedata.normalize("NFD", cased)):
            found.add(form)
            composed = form
            for pair, letter in _COMPOSE_NUKTA.items():
                composed = composed.replace(pair, letter)
            found.add(composed)
    return found


def alternation(words: Iterable[str]) -> str:
    """A regular expression matching any of the words, as a trie: one branch per first
    character, so that a search tries few branches at each place."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branches(trie) or _NEVER


def _branches(node: dict[str, Any]) -> str:
    ends_here = "" in node
    options = [re.escape(char) + _branches(child) for char, child in sorted(node.items()) if char]
    if not options:
        return ""
    body = options[0] if len(options) == 1 else "(?:" + "|".join(options) + ")"
    if ends_here:  # a word ends here and longer ones go on: the longer ones are tried first
        return f"(?:{body})?" if len(options) == 1 else body + "?"
    return body


def _character_class(chars: Iterable[str]) -> str:
    return "[" + "".join(sorted({re.escape(char) for char in chars})) + "]"


class SpelledDigitFinder:
    """One language's number words, and the runs of them in a text."""

    def __init__(self, digits: dict[str, int], repeats: dict[str, int], min_digits: int) -> None:
        self.min_digits = min_digits
        self._digit_of = {form: str(d) for word, d in digits.items() for form in spellings(word)}
        self._times = {form: n for word, n in repeats.items() for form in spellings(word)}
        digit = f"(?:{alternation(self._digit_of)})(?!{_NEAR})"
        repeat = f"(?:{alternation(self._times) if self._times else _NEVER})(?!{_NEAR})"
        # Where a run that counts may be: a number word. Every such run has one right after
        # a space or a hyphen (its second number word), and one where a word starts, not
        # after a hyphen (the first number word of its first token that has one: the run's
        # first token, or one after a space). The extractor looks for these within the
        # searches it makes anyway, for the first digit and for the formats, with
        # `word_start`: the first two characters of a number word, matched (one when a
        # word has only one), and the whole word looked for from the first. Matched, not
        # looked ahead for: a search then tries the rest only where a number word's first
        # two characters are, and text has those less often than spaces.
        forms = [*self._digit_of, *self._times]
        words = f"(?:{alternation(forms)})(?!{_NEAR})"
        firsts = {form[0] for form in forms}
        if min(len(form) for form in forms) >= 2:
            seconds = _character_class(form[1] for form in forms)
            self.word_start = f"{_character_class(firsts)}{seconds}(?<=(?={words})..)"
        else:
            self.word_start = f"{_character_class(firsts)}(?<=(?={words}).)"
        # A run: tokens separated by spaces; a token is digits, a repeat word and a digit
        # ("double 5"), or number words, hyphens allowed between them ("seven-four").
        word_unit = f"(?:{repeat}(?: +| *- *))?{digit}"
        token = f"{word_unit}(?: *- *{word_unit})*|{repeat} +[0-9](?!{_NEAR})|[0-9]+(?!{_NEAR})"
        run = f"(?:{token})(?: +(?:{token}))*"
        # Found where it starts: a digit or a number word's first character, matched (so
        # that a search skips to those), and the whole run looked for from there (group
        # "run"), when no letter, digit or hyphen stands before it.
        starts = _character_class([*"0123456789", *firsts])
        self._run = re.compile(f"{starts}(?<=(?<!{_BEFORE_RUN})(?=(?P<run>{run})).)")

    def runs(self, text: str) -> list[Run]:
        """Every run of number words and digits in the text with at least two number words
        and min_digits digits."""
        found = []
        search = self._run.search
        digit_of, times_of = self._digit_of, self._times
        at = 0
        while (match := search(text, at)) is not None:
            start, at = match.span("run")
            digits = []
            words = 0
            times = 1
            # The run's tokens, one at a time; the run is well formed, so a repeat word is
            # followed by a digit word or a digit.
            for piece in text[start:at].replace("-", " ").split():
                digit = digit_of.get(piece)
                if digit is None and piece in times_of:
                    times = times_of[piece]
                    words += 1
                    continue
                if digit is not None:
                    words += 1
                digits.append((piece if digit is None else digit) * times)
                times = 1
            value = "".join(digits)
            if words >= 2 and len(value) >= self.min_digits:
                found.append(Run(start, at, value))
        return found


def shortest_digits(pattern: str, flags: int = 0) -> int | None:
    """The fewest digits the pattern matches with nothing but digits; None: it cannot (or
    the pattern has something this does not read, like a look-around). Read from the
    pattern's syntax tree, as extractor.digit_lead does."""
    try:
        parser: Any = importlib.import_module("re._parser")
        return _shortest(parser.parse(pattern, flags))
    except Exception:  # a parser unlike 3.11's
        return None


def _shortest(items: Any) -> int | None:
    total = 0
    for op, value in items:
        least = _item_shortest(str(op), value)
        if least is None:
            return None
        total += least
    return total


def _item_shortest(op: str, value: Any) -> int | None:
    if op in ("LITERAL", "IN"):
        return 1 if _may_be_digit(op, value) else None
    if op == "ANY":
        return 1
    if op == "AT":  # ^, $, \b: no character
        return 0
    if op == "SUBPATTERN":
        return _shortest(value[-1])
    if op == "ATOMIC_GROUP":
        return _shortest(value)
    if op == "BRANCH":
        options = [n for n in (_shortest(branch) for branch in value[1]) if n is not None]
        return min(options) if options else None
    if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        least, _, item = value
        if least == 0:
            return 0
        each = _shortest(item)
        return None if each is None else least * each
    return None  # look-arounds, back-references: cannot tell


_DIGIT_CATEGORIES = ("CATEGORY_DIGIT", "CATEGORY_WORD", "CATEGORY_NOT_SPACE")  # \d, \w, \S


def _may_be_digit(op: str, value: Any) -> bool:
    """True when this character (set) matches some decimal digit."""
    if op == "LITERAL":
        return bool(ord("0") <= value <= ord("9"))
    if op == "RANGE":
        return bool(value[0] <= ord("9") and ord("0") <= value[1])
    if op == "CATEGORY":
        return str(value) in _DIGIT_CATEGORIES
    if op == "IN":
        members = [(str(o), v) for o, v in value]
        if members and members[0][0] == "NEGATE":  # [^...]: a digit is left unless all are out
            return not any(_every_digit(o, v) for o, v in members[1:])
        return any(_may_be_digit(o, v) for o, v in members)
    return False


def _every_digit(op: str, value: Any) -> bool:
    """True when this member of a set matches every decimal digit."""
    if op == "RANGE":
        return bool(value[0] <= ord("0") and ord("9") <= value[1])
    return op == "CATEGORY" and str(value) in _DIGIT_CATEGORIES


# A language's number words, as SpelledDigitFinder takes them: digit words, repeat words,
# the fewest digits a run is read with.
NumberWords = tuple[dict[str, int], dict[str, int], int]


def number_words(
    spec: SpelledDigits | None,
    shortest_format: int | None,
    languages: Iterable[str],
    generic: str,
) -> dict[str, NumberWords]:
    """The number words per language (of `languages`) that has them, and for `generic` those
    that mean the same in every language: what a SpelledDigitFinder is made of, cheap to work
    out, where a finder's regular expressions take a few milliseconds (made when a language
    is first needed)."""
    if spec is None:
        return {}
    min_digits = spec.min_digits
    if min_digits is None:
        if shortest_format is None:
            return {}  # no format takes a number of digits alone: no run could be taken
        min_digits = max(shortest_format, FLOOR_DIGITS)
    tables: dict[str, tuple[dict[str, int], dict[str, int]]] = {}
    for language in languages:
        digits, repeats = spec.tables(language)
        if digits:
            tables[language] = (digits, repeats)
    if tables:
        tables[generic] = _common(tables.values())
    return {
        language: (digits, repeats, min_digits) for language, (digits, repeats) in tables.items()
    }


def _common(
    tables: Iterable[tuple[dict[str, int], dict[str, int]]],
) -> tuple[dict[str, int], dict[str, int]]:
    """Every language's words together, but for words that mean different things in two."""
    meanings: dict[str, set[tuple[str, int]]] = {}
    spelled: dict[str, str] = {}
    for digits, repeats in tables:
        for kind, table in (("digit", digits), ("repeat", repeats)):
            for word, number in table.items():
                meanings.setdefault(fold(word), set()).add((kind, number))
                spelled.setdefault(fold(word), word)
    digits, repeats = {}, {}
    for key, options in meanings.items():
        if len(options) == 1:
            ((kind, number),) = options
            (digits if kind == "digit" else repeats)[spelled[key]] = number
    return digits, repeats
