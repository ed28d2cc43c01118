"""What intents/ and locales/ hold, as served: built at start-up, rebuilt when the files change.

`Content` is everything that comes from the designers' and translators' files: the intents,
the compiled catalogs, the locale resolver, the phrasebooks, the extractors and the platform
routes. It is never changed once built. A reload builds a new one beside it, off the event
loop, and swaps it in with one assignment (`services.content = new`); a request reads
`services.content` once and keeps what it read, so a request in flight finishes with the
content it started with.

A reload that fails (a YAML file that does not parse, a reply a handler needs gone) keeps the
last good content serving and records why in plain words: file, line, what is wrong. A catalog
that fails its checks keeps its last good version; its locale says so. The watching is
watchfiles' (it comes with uvicorn[standard]), in a task of the app's lifespan.

The service's first content is built lazily (`build_content(..., lazy=True)`): of each
extractor, only the default locale's language is built at start-up; each other language is
built when first asked for, or by a `ContentWarmer`, which builds them in a thread after
start-up (the generic tokenizer at once, the others while the service is not busy). The
service answers seconds sooner. A reload builds its new extractors whole, off the event
loop, before they are served.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gettext
import logging
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import yaml

from fulfillment.errors import ConfigurationError
from fulfillment.extraction.extractor import Extractor
from fulfillment.extraction.factors import FactorFinder
from fulfillment.handlers import HANDLERS, REQUIREMENTS
from fulfillment.i18n.catalogs import (
    SOURCE_LOCALE,
    Problem,
    catalog_paths,
    check_catalog,
    load_translations,
    read_catalog,
    read_template,
)
from fulfillment.i18n.locales import LocaleResolver, spoken_language
from fulfillment.intents import IntentSpec, SafeLoader, load_intents, require
from fulfillment.phrasing import Phrasebook
from fulfillment.platform import PlatformRoutes
from fulfillment.settings import Settings

if TYPE_CHECKING:
    from watchfiles import Change

    from fulfillment.services import Services

logger = logging.getLogger("fulfillment.content")
# The warm-up's own lines: about the extractors, after start-up (not a reload's).
warm_up_logger = logging.getLogger("fulfillment.extraction")

# The files a reload reads: intents/*.yaml, locales/messages.pot and each messages.po.
WATCHED_SUFFIXES = frozenset({".yaml", ".po", ".pot"})
LocaleStateName = Literal["served", "kept", "not_served"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class LocaleState:
    """Whether a locale is served, from which file, and why not (or why an older version)."""

    locale: str
    state: LocaleStateName  # kept: the file is broken now; its last good version is served
    file: str | None  # as the translator knows it (locales/de/LC_MESSAGES/messages.po)
    reason: str | None  # for kept and not_served: file, line, what is wrong
    line: int | None
    loaded_at: dt.datetime | None  # when the catalog served was read; None when not served

    @property
    def served(self) -> bool:
        return self.state != "not_served"


@dataclass(frozen=True, slots=True)
class ContentError:
    """Why the files as they are now are not all served."""

    message: str  # plain words, beginning with the file and line when known
    file: str | None
    line: int | None
    at: dt.datetime


@dataclass(frozen=True, eq=False)
class Content:
    intents: dict[str, IntentSpec]
    translations: dict[str, gettext.NullTranslations]
    resolver: LocaleResolver
    phrasebooks: dict[tuple[str, str], Phrasebook]
    extractors: dict[str, Extractor]
    # Guests' second factors and last digits, from the same words (extraction/factors.py).
    factor_finders: dict[str, FactorFinder]
    platforms: PlatformRoutes
    locales: dict[str, LocaleState]  # every locale with a catalog, and the source locale
    loaded_at: dt.datetime
    fingerprint: tuple[tuple[str, int, int], ...]  # the files read: path, mtime, size
    # Per locale, the entries served with the translation of an older English text (file,
    # line, what to do), as the phrasebooks found them; empty where nothing is stale.
    stale_entries: dict[str, list[str]] = field(default_factory=dict)

    @property
    def interest_types(self) -> list[str]:
        return sorted(self.intents)

    def problem(self) -> ContentError | None:
        """The first catalog kept at an older version because its file is broken now."""
        for state in self.locales.values():
            if state.state == "kept" and state.reason and state.loaded_at:
                return ContentError(
                    f"{state.reason} ({state.locale} keeps its catalog loaded at "
                    f"{state.loaded_at.isoformat()})",
                    state.file,
                    state.line,
                    self.loaded_at,
                )
        return None


@dataclass
class ContentStatus:
    """What the last reloads did; one per app, changed only by its watcher."""

    reload: bool = False  # is a watcher running
    last_error: ContentError | None = None
    reloads: int = 0
    failures: int = 0


def check_intents(settings: Settings) -> dict[str, IntentSpec]:
    """The designers' files, checked against what the handlers need."""
    intents = load_intents(settings.intents_dir)
    for interest_type, (replies, phrases) in REQUIREMENTS.items():
        path = settings.intents_dir / f"{interest_type}.yaml"
        if interest_type not in intents:
            raise ConfigurationError(f"{path}: missing; the {interest_type} handler needs it")
        require(intents[interest_type], str(path), replies, phrases)
    unhandled = sorted(intents.keys() - HANDLERS.keys())
    if unhandled:
        raise ConfigurationError(
            f"{settings.intents_dir}: no handler for interest type(s) {', '.join(unhandled)}"
        )
    return intents


def shown(path: Path, settings: Settings) -> str:
    """A path as designers and translators know it: from their room (intents/x.yaml)."""
    for room in (settings.intents_dir, settings.locales_dir):
        if path == room or room in path.parents:
            return path.relative_to(room.parent).as_posix()
    return path.as_posix()


def fingerprint(settings: Settings) -> tuple[tuple[str, int, int], ...]:
    """What the watched files look like now: a change the watcher missed shows here."""
    found = []
    for room in (settings.intents_dir, settings.locales_dir):
        for path in sorted(room.rglob("*")):
            if path.suffix in WATCHED_SUFFIXES:
                try:
                    info = path.stat()
                except OSError:
                    continue
                found.append((str(path), info.st_mtime_ns, info.st_size))
    return tuple(found)


def _catalog_problem(path: Path, locale: str, settings: Settings) -> tuple[str, int | None]:
    """Why load_translations did not serve a catalog: its first problem, in plain words."""
    template = read_template(settings.locales_dir)
    catalog = read_catalog(path, locale)
    problems = (
        [catalog]
        if isinstance(catalog, Problem)
        else check_catalog(catalog, path, None if isinstance(template, Problem) else template)
    )
    if not problems:
        return f"{shown(path, settings)}: not served", None
    first = problems[0]
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    where = f"{shown(path, settings)}, line {first.line}" if first.line else shown(path, settings)
    return f"{where}: {first.message}{more}", first.line or None


def _catalogs(
    settings: Settings,
    previous: Content | None,
    loaded_at: dt.datetime,
    loaded: dict[str, gettext.NullTranslations] | None = None,
) -> tuple[dict[str, gettext.NullTranslations], dict[str, LocaleState]]:
    """Every catalog that passes its checks; a broken one keeps its last good version.
    `loaded`: what load_translations gave for these files, if it has been called."""
    translations = load_translations(settings.locales_dir) if loaded is None else dict(loaded)
    states = {SOURCE_LOCALE: LocaleState(SOURCE_LOCALE, "served", None, None, None, loaded_at)}
    for locale, path in catalog_paths(settings.locales_dir).items():
        file = shown(path, settings)
        if locale in translations:
            states[locale] = LocaleState(locale, "served", file, None, None, loaded_at)
            continue
        reason, line = _catalog_problem(path, locale, settings)
        before = previous.locales.get(locale) if previous else None
        if previous and before and before.served and locale in previous.translations:
            translations[locale] = previous.translations[locale]
            states[locale] = LocaleState(locale, "kept", file, reason, line, before.loaded_at)
        else:
            states[locale] = LocaleState(locale, "not_served", file, reason, line, None)
    return translations, states


def stale_entries(
    phrasebooks: dict[tuple[str, str], Phrasebook], settings: Settings
) -> dict[str, list[str]]:
    """Per locale, the entries a translator should review: served with the translation of an
    older English text. The phrasebooks' `stale` comes with serving catalogs entry by entry
    (fulfillment/i18n); a Phrasebook without it has nothing to say, and this stays empty."""
    found: dict[str, set[str]] = {}
    for (_interest_type, locale), book in phrasebooks.items():
        for problem in getattr(book, "stale", ()):
            path, line = Path(problem.path), problem.line
            where = f"{shown(path, settings)}, line {line}" if line else shown(path, settings)
            found.setdefault(locale, set()).add(f"{where}: {problem.message}")
    return {locale: sorted(entries) for locale, entries in sorted(found.items())}


@dataclass(frozen=True, slots=True)
class _Checked:
    """What check_configuration read and checked, and the files as they were then."""

    fingerprint: tuple[tuple[str, int, int], ...]
    rooms: tuple[Path, Path]
    intents: dict[str, IntentSpec]
    translations: dict[str, gettext.NullTranslations]


# The last check_configuration's result, until the next build_content takes it.
_checked: _Checked | None = None


def check_configuration(
    settings: Settings,
) -> tuple[dict[str, IntentSpec], dict[str, gettext.NullTranslations]]:
    """The designers' and translators' files, read and checked, as build_content reads them;
    ConfigurationError names what is wrong.

    `fulfillment serve` checks them so before starting the server, which then builds its
    content in the same process: the next build_content of the same, unchanged files takes
    what this read instead of reading and checking them again (0.1 s of start-up).
    """
    global _checked
    seen = fingerprint(settings)
    intents = check_intents(settings)
    translations = load_translations(settings.locales_dir)
    _checked = _Checked(
        seen, (settings.intents_dir, settings.locales_dir), intents, dict(translations)
    )
    return intents, translations


def _take_checked(settings: Settings, seen: tuple[tuple[str, int, int], ...]) -> _Checked | None:
    """check_configuration's last result, once, if it read these files as they are now."""
    global _checked
    checked, _checked = _checked, None
    if checked is None or checked.rooms != (settings.intents_dir, settings.locales_dir):
        return None
    return checked if checked.fingerprint == seen else None


def build_content(
    settings: Settings, previous: Content | None = None, *, lazy: bool = False
) -> Content:
    """Everything intents/ and locales/ hold, checked; ConfigurationError names what is wrong.

    Given the content served until now, an extractor whose extraction spec is unchanged is
    reused (building spaCy's tokenizers takes seconds) and a catalog that has broken since
    keeps its last good version. `lazy`: new extractors build the default locale's language
    now, every other language when it is first needed (see warm_up, ContentWarmer).
    """
    loaded_at = now()
    seen = fingerprint(settings)  # before reading: an edit made while reading shows later
    checked = _take_checked(settings, seen) if previous is None else None
    intents = check_intents(settings) if checked is None else checked.intents
    translations, locales = _catalogs(
        settings, previous, loaded_at, None if checked is None else checked.translations
    )
    try:
        resolver = LocaleResolver(translations, settings.default_locale)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    phrasebooks = {
        (interest_type, locale): Phrasebook(spec, locale, catalog)
        for interest_type, spec in intents.items()
        for locale, catalog in translations.items()
    }
    extractors: dict[str, Extractor] = {}
    for interest_type, spec in intents.items():
        if spec.extraction is None:
            continue
        before = previous.intents.get(interest_type) if previous else None
        if previous and before and before.extraction == spec.extraction:
            reused = previous.extractors.get(interest_type)
            if reused is not None:
                extractors[interest_type] = reused
                continue
        extractors[interest_type] = extractor = Extractor(
            spec.extraction, settings.max_orders_per_message, settings.max_text_chars, lazy=lazy
        )
        if lazy:
            # The default locale's language now: most requests are read with it, and the
            # first to need it would block the event loop while spaCy is imported and it is
            # built (0.8 s): a service started under steady load fell behind for good
            # (tests/test_faults.py).
            extractor.build([spoken_language(settings.default_locale)])
    return Content(
        intents=intents,
        translations=translations,
        resolver=resolver,
        phrasebooks=phrasebooks,
        extractors=extractors,
        factor_finders={
            name: FactorFinder(spec.extraction.words)
            for name, spec in intents.items()
            if spec.extraction is not None
        },
        platforms=PlatformRoutes.from_intents(intents),
        locales=locales,
        loaded_at=loaded_at,
        fingerprint=seen,
        stale_entries=stale_entries(phrasebooks, settings),
    )


def warm_up(content: Content, stop: Callable[[], bool] | None = None) -> bool:
    """Build what a lazy build_content left to first use: every extractor's languages. True
    when all are built, False when `stop()` said to stop."""
    first = [spoken_language(content.resolver.default)]
    return all(extractor.warm_up(first, stop) for extractor in content.extractors.values())


class ContentWarmer:
    """warm_up in a thread of its own, while requests are served: a request in a language
    being built waits for it (extraction/extractor.py), one in a language built answers at
    once. `then` runs in that thread when it is done, stopped or failed.

    The thread gives way to requests. A thread running Python code slows the event loop
    down far more than by the CPU it takes: the loop's thread lets go of the GIL at every
    system call (reading a request, a query, writing the answer), then waits to get it back.
    A service started under steady load (tests/test_faults.py) fell seconds behind while the
    warm-up ran. So a language is built only when the thread serving requests (the one that
    makes the warmer: the event loop's) has been nearly idle for a moment (_when_quiet);
    meanwhile requests build what they need. Under load that never lets up, the rest is
    not built at all: no request needs it. But first, at once, the generic tokenizer, which
    a Rasa turn without a language slot needs (0.3 s: a request needing it meanwhile waits
    for it, where building it at start-up would delay every first answer). While it builds,
    it takes short turns at the GIL (WARM_UP_SWITCH_INTERVAL)."""

    def __init__(self, content: Content, then: Callable[[], None] | None = None) -> None:
        self.content = content
        self.then = then
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="content-warm-up", daemon=True)
        self._serving = _cpu_clock()  # of this thread, the one serving requests

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        """Stop after the language being built; wait for that."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
            if self._thread.is_alive():
                warm_up_logger.warning("content warm-up did not stop in time")

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up to end; True when it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _when_quiet(self) -> bool:
        """Called before each language is built: waits until the thread serving requests has
        used at most QUIET_SHARE of a CPU for QUIET_WINDOW; True when the warm-up is to stop
        instead."""
        sys.setswitchinterval(SWITCH_INTERVAL)
        clock = self._serving
        while clock is not None:
            try:
                before = time.clock_gettime(clock)
                if self._stop.wait(QUIET_WINDOW):
                    return True
                used = time.clock_gettime(clock) - before
            except OSError:  # the thread has ended
                break
            if used <= QUIET_SHARE * QUIET_WINDOW:
                break
        if self._stop.is_set():
            return True
        sys.setswitchinterval(WARM_UP_SWITCH_INTERVAL)  # until the language is built
        return False

    def _run(self) -> None:
        started = time.monotonic()
        try:
            sys.setswitchinterval(WARM_UP_SWITCH_INTERVAL)
            for extractor in self.content.extractors.values():
                extractor.build([None])  # the generic tokenizer
            done = warm_up(self.content, self._when_quiet)
        except Exception:  # left to first use, which raises the same
            warm_up_logger.exception(
                "content warm-up failed; what is left is built when first needed"
            )
        else:
            if done:
                warm_up_logger.info(
                    "content warmed up",
                    extra={
                        "fields": {
                            "seconds": round(time.monotonic() - started, 3),
                            "languages": {
                                name: list(extractor.built)
                                for name, extractor in self.content.extractors.items()
                            },
                        }
                    },
                )
        finally:
            sys.setswitchinterval(SWITCH_INTERVAL)
            if self.then is not None:
                self.then()


# How long a thread keeps the GIL while another waits for it, while a warm-up runs (Python's
# default: 5 ms). The event loop's thread lets go of the GIL at each system call (reading a
# request, writing its answer, a query) and then waits that long to get it back.
WARM_UP_SWITCH_INTERVAL = 0.0005
# Quiet: the thread serving requests used at most 20 % of a CPU in the last 50 ms (200
# requests a second take half a core).
QUIET_WINDOW = 0.05
QUIET_SHARE = 0.2
SWITCH_INTERVAL = sys.getswitchinterval()  # Python's own, the rest of the time


def _cpu_clock() -> int | None:
    """The clock of the calling thread's CPU time (POSIX), usable from other threads; a
    clock whose thread has ended raises OSError when read."""
    try:
        return time.pthread_getcpuclockid(threading.get_ident())
    except (AttributeError, OSError):
        return None


# "replies.shipped.variants.0: ..." in a ConfigurationError: the entry that is wrong.
_ENTRY = re.compile(r"^([\w-]+(?:\.[\w-]+)*): ")


def _yaml_line(path: Path, entry: str | None) -> tuple[int | None, str | None]:
    """Where in a YAML file the problem is: the parser's own mark, else the entry's line."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not valid YAML"
        if exc.context and exc.problem:
            what += f" ({exc.context})"
        return (mark.line + 1 if mark else None), what
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None, None
    line = None
    for key in entry.split(".") if entry else []:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value in node.value:
                if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                    line, child = key_node.start_mark.line + 1, value
                    break
        elif isinstance(node, yaml.SequenceNode) and key.isdigit() and int(key) < len(node.value):
            child = node.value[int(key)]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line, None


def describe_failure(exc: BaseException, settings: Settings, at: dt.datetime) -> ContentError:
    """A failed load in plain words: which file, which line, what is wrong."""
    if not isinstance(exc, ConfigurationError):
        return ContentError(
            f"the files could not be loaded ({type(exc).__name__}: {exc})", None, None, at
        )
    text = str(exc)
    rooms = (settings.intents_dir, settings.locales_dir)
    head, _, what = text.partition(": ")
    path = Path(head)
    if not what or not any(path == room or room in path.parents for room in rooms):
        for room in rooms:
            text = text.replace(str(room), room.name)
        return ContentError(text, None, None, at)
    line = None
    if path.suffix == ".yaml" and path.is_file():
        entry = _ENTRY.match(what)
        line, problem = _yaml_line(path, entry.group(1) if entry else None)
        if problem:
            what = problem
    file = shown(path, settings)
    where = f"{file}, line {line}" if line else file
    return ContentError(f"{where}: {what}", file, line, at)


def _wanted(change: Change, path: str) -> bool:
    return Path(path).suffix in WATCHED_SUFFIXES


class ContentWatcher:
    """Reloads intents/ and locales/ when they change; started and stopped by the lifespan."""

    def __init__(self, services: Services, debounce_ms: int = 1600, step_ms: int = 100) -> None:
        self.services = services
        self.debounce_ms = debounce_ms
        self.step_ms = step_ms
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        try:
            from watchfiles import awatch
        except ImportError:  # uvicorn[standard] brings it; a bare uvicorn does not
            logger.error("content reload is off: the watchfiles package is not installed")
            return
        settings = self.services.settings
        changes = awatch(
            settings.intents_dir,
            settings.locales_dir,
            watch_filter=_wanted,
            debounce=self.debounce_ms,
            step=self.step_ms,
            stop_event=self._stop,
        )
        self._task = asyncio.create_task(self._run(changes), name="content-watcher")
        # The task's first step (run by this yield: tasks start in order) starts watching;
        # whatever changed between reading the files and then is caught by comparing.
        await asyncio.sleep(0)
        if self._task.done():
            return
        self.services.content_status.reload = True
        if fingerprint(settings) != self.services.content.fingerprint:
            await self.reload(["(changed while starting)"])

    async def stop(self) -> None:
        self._stop.set()
        self.services.content_status.reload = False
        if self._task is None:
            return
        try:
            # The watch thread looks at the stop event every step; a reload under way ends.
            await asyncio.wait_for(self._task, timeout=10)
        except TimeoutError:
            logger.warning("content watcher did not stop in time")

    async def _run(self, changes: AsyncIterator[set[tuple[Change, str]]]) -> None:
        try:
            async for batch in changes:
                paths = sorted({shown(Path(path), self.services.settings) for _, path in batch})
                await self.reload(paths)
        except Exception:
            self.services.content_status.reload = False
            logger.exception("content reload stopped; edits are served after a restart")

    async def reload(self, changed: list[str]) -> bool:
        """Build the content anew and serve it; if it fails, keep serving what is served."""
        services, status = self.services, self.services.content_status
        previous, settings = services.content, services.settings
        started = time.monotonic()
        try:
            content = await asyncio.to_thread(build_content, settings, previous)
        except Exception as exc:
            error = describe_failure(exc, settings, now())
            status.last_error = error
            status.failures += 1
            logger.error(
                "content not reloaded; still serving the files as loaded at %s",
                previous.loaded_at.isoformat(),
                exc_info=not isinstance(exc, ConfigurationError),
                extra={
                    "fields": {
                        "changed": changed,
                        "problem": error.message,
                        "file": error.file,
                        "line": error.line,
                    }
                },
            )
            return False
        services.content = content  # the swap: requests that start from now on see it
        status.last_error = content.problem()
        status.reloads += 1
        states = content.locales.values()
        logger.info(
            "content reloaded",
            extra={
                "fields": {
                    "changed": changed,
                    "seconds": round(time.monotonic() - started, 3),
                    "interest_types": content.interest_types,
                    "locales": sorted(s.locale for s in states if s.state == "served"),
                    "kept": {s.locale: s.reason for s in states if s.state == "kept"},
                    "not_served": {s.locale: s.reason for s in states if s.state == "not_served"},
                    "extractors_rebuilt": sorted(
                        name
                        for name, extractor in content.extractors.items()
                        if previous.extractors.get(name) is not extractor
                    ),
                }
            },
        )
        return True
