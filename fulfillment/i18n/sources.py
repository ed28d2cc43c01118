"""The English every catalog translates: read from intents/ itself, not from messages.pot.

intents/ is what the service says; messages.pot is a copy of it that someone has to refresh
(`catalogs extract`). Catalogs are served and checked against intents/, so an edit in intents/
that nobody extracted yet cannot slip past the check or into a reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from fulfillment.errors import ConfigurationError
from fulfillment.i18n.checks import Problem
from fulfillment.i18n.extract import entries
from fulfillment.i18n.pofiles import Parsed
from fulfillment.intents import IntentSpec, SafeLoader, load_intent

Key = tuple[str | None, str]


@dataclass(frozen=True, slots=True)
class Source:
    """One English entry: a reply variant, a phrase, or a plural phrase (one, other)."""

    context: str
    ids: tuple[str, ...]  # (text,) or (one, other)
    comments: tuple[str, ...] = ()  # the notes translators see (#.)
    path: Path | None = None
    line: int = 0

    @property
    def key(self) -> Key:
        return self.context, self.ids[0]

    @property
    def is_plural(self) -> bool:
        return len(self.ids) > 1

    @property
    def where(self) -> str:
        """file:line in intents/ (from the current directory when under it), when known."""
        if self.path is None:
            return self.context
        try:
            shown = self.path.resolve().relative_to(Path.cwd())
        except (ValueError, OSError):
            shown = self.path
        return f"{shown}:{self.line}"


def spec_sources(
    spec: IntentSpec, root: yaml.Node | None = None, path: Path | None = None
) -> list[Source]:
    """An intent's entries; with lines when `root` (its composed YAML) and `path` are given."""
    return [
        Source(args[0], tuple(args[1:]), tuple(comments), path, line)
        for line, _function, args, comments in entries(spec, root)
    ]


# "…/order-status.yaml: cannot read line 12: …", "…: the format 'x', line 12: …" (intents.py).
_LINE = re.compile(r"\bline (\d+)\b")


def _problem(path: Path, error: ConfigurationError) -> Problem:
    text = str(error)
    prefix = f"{path}: "
    text = text[len(prefix) :] if text.startswith(prefix) else text
    found = _LINE.search(text)
    return Problem(path, int(found.group(1)) if found else 1, text, "intents")


def intents_sources(intents_dir: Path) -> tuple[list[Source], list[Problem]]:
    """Every English entry of intents/*.yaml with its file and line, and why a file is unusable."""
    files = sorted(intents_dir.glob("*.yaml"))
    if not files:
        return [], [Problem(intents_dir, 0, "no intent files (*.yaml) here", "intents")]
    sources: list[Source] = []
    problems: list[Problem] = []
    for path in files:
        try:
            spec = load_intent(path)
        except ConfigurationError as exc:
            problems.append(_problem(path, exc))
            continue
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=SafeLoader)
        sources += spec_sources(spec, root, path)
    return sources, problems


def template_sources(template: Parsed) -> list[Source]:
    """The English as messages.pot has it, where intents/ cannot be read."""
    return [
        Source(entry.context or "", entry.ids, entry.comments, template.path, entry.line)
        for entry in template.entries
        if not entry.obsolete and entry.ids[0]
    ]
