"""`fulfillment catalogs ...`: the translators' workflow with no arguments to remember.

Every command reads intents/ and locales/ where the settings say (FULFILLMENT_INTENTS_DIR,
FULFILLMENT_LOCALES_DIR), says what went wrong in plain words and exits 1, never with a
traceback (`catalogs --debug ...` shows one).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import click

from fulfillment.i18n.catalogs import (
    TEMPLATE,
    Problem,
    catalog_paths,
    check_all,
    inheritance,
    read_catalog,
    resolve_all,
    stats_of,
)
from fulfillment.i18n.checks import SERVED_RULES
from fulfillment.i18n.maintain import CatalogError
from fulfillment.i18n.maintain import extract as extract_template
from fulfillment.i18n.maintain import init as init_catalog
from fulfillment.i18n.maintain import update as update_catalogs
from fulfillment.i18n.pofiles import Parsed
from fulfillment.i18n.sources import intents_sources, template_sources
from fulfillment.settings import Settings


class _Catalogs(click.Group):
    """The group, catching every error at the command line's edge."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, CatalogError | OSError):
                raise click.ClickException(str(exc)) from None
            raise click.ClickException(
                f"{type(exc).__name__}: {exc} (run `fulfillment catalogs --debug ...` for the "
                "traceback, and report it)"
            ) from None


def _shown(problem: Problem) -> str:
    """A finding with its path as the user would type it: relative when under the cwd."""
    try:
        path = problem.path.resolve().relative_to(Path.cwd())
    except (ValueError, OSError):
        return str(problem)
    return str(Problem(path, problem.line, problem.message, problem.rule))


def _settings() -> Settings:
    return Settings()


def _locales() -> Path:
    return _settings().locales_dir


def _editable_locales() -> Path:
    """The catalogs to change: never the copy inside an installed package (maybe read-only)."""
    locales = _locales()
    if locales.resolve().is_relative_to(Path(__file__).resolve().parent.parent):
        raise click.ClickException(
            f"{locales} is the installed package's copy of the catalogs; work in a checkout of "
            "the project, or set FULFILLMENT_LOCALES_DIR to your own copy of locales/"
        )
    return locales


@click.group(cls=_Catalogs)
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
def catalogs(debug: bool) -> None:
    """Extract, update, start, check and count the translators' catalogs."""


@catalogs.command()
def extract() -> None:
    """Collect every text of intents/*.yaml into locales/messages.pot."""
    settings = _settings()
    template = _editable_locales() / TEMPLATE
    if extract_template(settings.intents_dir, template):
        click.echo(f"{template}: written from {settings.intents_dir}.")
    else:
        click.echo(f"{template}: already up to date with {settings.intents_dir}.")


@catalogs.command()
def update() -> None:
    """Merge the template into every catalog: new texts appear, removed ones go, changed
    ones keep their translation, marked fuzzy, with the old English (#| msgid)."""
    failed = False
    for locale, outcome in update_catalogs(_editable_locales()):
        click.echo(f"{locale}: {outcome}")
        failed = failed or outcome.startswith("not updated")
    if failed:
        sys.exit(1)


@catalogs.command()
@click.argument("locale")
@click.option(
    "--inherits-from",
    "parent",
    metavar="LOCALE",
    help="Start it empty, taking every entry it does not translate from this catalog of the "
    "same language (e.g. pt_BR for pt_PT).",
)
def init(locale: str, parent: str | None) -> None:
    """Start a catalog for a new LOCALE (e.g. it, nl, pt_PT) from the template."""
    path = init_catalog(_editable_locales(), locale, parent)
    if parent:
        click.echo(
            f"{path}: started, inheriting from {parent}; add only the entries {locale} says "
            "differently, then run catalogs check."
        )
    else:
        click.echo(f"{path}: started; translate it, then run catalogs check.")


@catalogs.command()
@click.option("--locale", "only", metavar="LOCALE", help="Check this catalog only (e.g. de).")
def check(only: str | None) -> None:
    """Compare intents/, messages.pot and the catalogs; print each finding as
    file:line: rule: what is wrong; exit 1 if there is any."""
    settings = _settings()
    locales = settings.locales_dir
    paths = catalog_paths(locales)
    if only is not None and only not in paths:
        raise click.ClickException(
            f"no catalog for {only!r} in {locales} (there are: {', '.join(paths) or 'none'})"
        )
    problems = check_all(locales, settings.intents_dir, only)
    for problem in problems:
        click.echo(_shown(problem), err=True)
    count = 1 if only else len(paths)
    if problems:
        rules = Counter(p.rule for p in problems)
        served = sum(n for rule, n in rules.items() if rule in SERVED_RULES)
        summary = ", ".join(f"{n} {rule}" for rule, n in sorted(rules.items()))
        click.echo(
            f"{len(problems)} finding(s) in intents/ and {count} catalog(s) ({summary}); "
            f"{len(problems) - served} keep an entry from being served (its replies are "
            "answered in the fallback language).",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{count} catalog(s) complete and sound, in line with intents/.")


@catalogs.command()
def stats() -> None:
    """Per locale: translated by the catalog itself, inherited (from the catalog its
    X-Inherits-From names), stale (served with the previous translation of a changed text),
    untranslated (answered in the fallback language) and broken entries."""
    settings = _settings()
    sources, problems = intents_sources(settings.intents_dir)
    if problems and not sources:
        template = read_catalog(settings.locales_dir / TEMPLATE)
        if isinstance(template, Problem):
            raise click.ClickException(str(template))
        sources = template_sources(template)
    paths = catalog_paths(settings.locales_dir)
    catalogs: dict[str, Parsed] = {}
    unreadable: dict[str, Problem] = {}
    for locale, path in paths.items():
        catalog = read_catalog(path, locale)
        if isinstance(catalog, Problem):
            unreadable[locale] = catalog
        else:
            catalogs[locale] = catalog
    parents, _problems = inheritance(catalogs)
    resolutions = resolve_all(sources, catalogs, frozenset(paths))
    header = (
        f"{'locale':<8} {'translated':>10} {'inherited':>9} {'stale':>6} {'untranslated':>12} "
        f"{'broken':>6}"
    )
    click.echo(f"{header} {'done':>6}")
    for locale in paths:
        if locale in unreadable:
            click.echo(f"{locale:<8} {unreadable[locale]!s}")
            continue
        s = stats_of(resolutions[locale])
        done = 100 * (s.translated + s.inherited) / s.total if s.total else 100.0
        parent = f"  (inherits from {parents[locale]})" if locale in parents else ""
        click.echo(
            f"{locale:<8} {s.translated:>10} {s.inherited:>9} {s.stale:>6} {s.untranslated:>12} "
            f"{s.broken:>6} {done:>5.0f}%{parent}"
        )
