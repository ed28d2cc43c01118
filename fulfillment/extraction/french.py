"""spaCy's French, imported in a tenth of a second instead of four.

Importing spacy.lang.fr runs spacy/lang/fr/tokenizer_exceptions.py, whose last statement
compiles TOKEN_MATCH: the hyphenated and elided words the tokenizer keeps whole, as one regular
expression of 266 alternatives such as "^anti[{hyphens}][{al}][{hyphens}{al}{elision}]*$".
Each of them repeats one or two character classes of thousands of characters (spaCy's ALPHA
and ALPHA_LOWER, the `al` above, written as \\uXXXX escapes), and `re` parses and optimizes
each occurrence anew: a 1.45 MB pattern, four seconds of the service's start-up.

Here that module is imported without its last statement, and TOKEN_MATCH is compiled from the
same alternatives after merging those that differ in one stretch of text only: X(?:a|b)Y
matches exactly the strings that XaY or XbY match. That leaves four alternatives and six long
classes, 19 KB, compiled in 0.07 s. The rest of spaCy's French (exceptions, prefixes, suffixes,
infixes, lexical attributes) is spaCy's own code, run unchanged, and the tokenizer only asks
TOKEN_MATCH whether a string matches, never where.

The statement left out is recognized by its syntax tree. When spaCy's file says something else
(another version), or spacy.lang.fr is already imported, the normal import runs: slow, and
spaCy's exactly.
"""

from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import CodeType, ModuleType

PACKAGE = "spacy.lang.fr"
MODULE = "spacy.lang.fr.tokenizer_exceptions"
# The statement left out, as spaCy 3.8 writes it. Compared as syntax trees: layout and quotes
# do not matter, any other name, flag or expression does.
SLOW_STATEMENT = (
    'TOKEN_MATCH = re.compile("(?iu)" + "|".join("(?:{})".format(m) for m in _regular_exp)).match'
)
FLAGS = "(?iu)"  # what SLOW_STATEMENT puts before the alternatives

# A character class counts as long, worth compiling once rather than once per alternative,
# from this many characters; short ones ("[èe]", the five hyphens) stay part of the text.
LONG_CLASS = 100
# What matters in a pattern here: escapes (taken whole, so that "\[" opens no class),
# character classes with their quantifier, parentheses and bars.
_SYNTAX = re.compile(
    r"\\.|\[\^?\]?[^\]\\]*(?:\\.[^\]\\]*)*\](?:[*+?]|\{\d*(?:,\d*)?\})?[?+]?|[()|]", re.DOTALL
)


def import_french() -> bool:
    """Import spacy.lang.fr with a compact TOKEN_MATCH; False when the normal import ran."""
    if PACKAGE in sys.modules:
        return False
    code = _code_without_slow_statement()
    if code is None:
        return False
    finder = _Finder(code)
    sys.meta_path.insert(0, finder)
    try:
        importlib.import_module(PACKAGE)
    finally:
        sys.meta_path.remove(finder)
    return finder.used


def _code_without_slow_statement() -> CodeType | None:
    """spaCy's tokenizer_exceptions.py compiled without SLOW_STATEMENT; None if it differs."""
    spec = importlib.util.find_spec(PACKAGE)  # imports spacy.lang, not spacy.lang.fr
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "tokenizer_exceptions.py"
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return None
    expected = ast.dump(ast.parse(SLOW_STATEMENT).body[0])
    if not tree.body or ast.dump(tree.body[-1]) != expected:
        return None
    del tree.body[-1]
    return compile(tree, str(path), "exec")


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Loads spacy.lang.fr.tokenizer_exceptions from the code given, then sets TOKEN_MATCH.

    The pattern is compiled while spacy.lang.fr imports that module, so the module's code
    has to be supplied there; a finder at the head of sys.meta_path, present only during
    import_french, is the import system's own way to do that.
    """

    def __init__(self, code: CodeType) -> None:
        self.code = code
        self.used = False

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != MODULE:
            return None
        return importlib.util.spec_from_file_location(fullname, self.code.co_filename, loader=self)

    def exec_module(self, module: ModuleType) -> None:
        exec(self.code, module.__dict__)  # noqa: S102 (spaCy's own module, one statement short)
        vars(module)["TOKEN_MATCH"] = token_match(module._regular_exp)
        self.used = True


def token_match(alternatives: Sequence[str]) -> Callable[[str], re.Match[str] | None]:
    """What SLOW_STATEMENT makes of the alternatives, from the compact pattern when it is safe."""
    try:
        compact = re.compile(compact_pattern(alternatives))
    except re.error:  # an alternative compact_pattern misread: spaCy's pattern as it is
        compact = None
    if compact is None or compact.groups:
        # Capturing groups could come with back-references, whose numbers merging would
        # shift. spaCy 3.8 has none; this is a safety net for other versions.
        return re.compile(FLAGS + "|".join(f"(?:{m})" for m in alternatives)).match
    return compact.match


def compact_pattern(alternatives: Sequence[str]) -> str:
    """A pattern matching what FLAGS + "|".join("(?:m)" ...) matches, with few long classes.

    Each alternative is cut around its long classes into stretches of text. Alternatives with
    the same long classes that agree on all stretches but one become one alternative, with
    that stretch as an inner choice. The merge is exact when the stretch stands outside any
    group (inside a repeated group, choices would mix across repetitions), is an expression of
    its own (balanced, no "|" outside its groups) and starts with no quantifier (which would
    bind to the class before it); what follows it is a class or the end, to which it cannot
    bind. Alternatives that do not qualify are kept as they are.
    """
    groups: dict[tuple[str, ...], list[list[str]]] = {}
    for alternative in alternatives:
        texts, classes = _cut(alternative)
        groups.setdefault(tuple(classes), []).append(texts)
    merged: list[str] = []
    for long_classes, members in groups.items():
        merged.extend(_merge(long_classes, members))
    return FLAGS + "|".join(f"(?:{m})" for m in merged)


def _cut(alternative: str) -> tuple[list[str], list[str]]:
    """The stretches of text around the long classes, and the long classes with quantifiers."""
    texts: list[str] = []
    classes: list[str] = []
    start = 0
    for piece in _SYNTAX.finditer(alternative):
        if piece.group().startswith("[") and len(piece.group()) >= LONG_CLASS:
            texts.append(alternative[start : piece.start()])
            classes.append(piece.group())
            start = piece.end()
    texts.append(alternative[start:])
    return texts, classes


def _merge(classes: tuple[str, ...], members: list[list[str]]) -> list[str]:
    def joined(texts: list[str]) -> str:
        return "".join(t + c for t, c in zip(texts, (*classes, ""), strict=True))

    differing = [i for i in range(len(members[0])) if len({m[i] for m in members}) > 1]
    if not differing:
        return [joined(members[0])]  # the same alternative, written more than once
    at = differing[0]
    choices = list(dict.fromkeys(m[at] for m in members))
    if (
        len(differing) > 1
        or _open_groups("".join(members[0][:at])) != 0
        or not all(_self_contained(choice) for choice in choices)
    ):
        return [joined(m) for m in members]
    texts = list(members[0])
    texts[at] = "(?:" + "|".join(choices) + ")"
    return [joined(texts)]


def _open_groups(text: str) -> int | None:
    """How many groups text leaves open; None when it closes one it did not open."""
    depth = 0
    for piece in _SYNTAX.finditer(text):
        depth += {"(": 1, ")": -1}.get(piece.group(), 0)
        if depth < 0:
            return None
    return depth


def _self_contained(text: str) -> bool:
    """True when text is an expression of its own: balanced, no "|" outside its groups."""
    if text[:1] in ("*", "+", "?", "{"):
        return False
    depth = 0
    for piece in _SYNTAX.finditer(text):
        depth += {"(": 1, ")": -1}.get(piece.group(), 0)
        if depth < 0 or (depth == 0 and piece.group() == "|"):
            return False
    return depth == 0
