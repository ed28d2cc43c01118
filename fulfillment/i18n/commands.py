"""`fulfillment catalogs ...`: the translators' workflow with no arguments to remember."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface

from fulfillment import __version__
from fulfillment.i18n.catalogs import (
    TEMPLATE,
    Problem,
    catalog_paths,
    catalog_stats,
    check_all,
    read_catalog,
    read_template,
)
from fulfillment.settings import PROJECT_ROOT, Settings

WIDTH = "100"


def _pybabel(*args: str) -> None:
    """Babel's own command line, with this project's arguments filled in."""
    CommandLineInterface().run(["pybabel", *args])  # type: ignore[no-untyped-call]


def _locales() -> Path:
    return Settings().locales_dir


def _editable_locales() -> Path:
    """The catalogs to change: never the copy inside an installed package (maybe read-only)."""
    locales = _locales()
    if locales.resolve().is_relative_to(Path(__file__).resolve().parent.parent):
        raise click.ClickException(
            f"{locales} is the installed package's copy of the catalogs; work in a checkout of "
            "the project, or set FULFILLMENT_LOCALES_DIR to your own copy of locales/"
        )
    return locales


@click.group()
def catalogs() -> None:
    """Extract, update, start, check and count the translators' catalogs."""


@catalogs.command()
def extract() -> None:
    """Collect every reply text of intents/*.yaml (and code) into locales/messages.pot."""
    if not (PROJECT_ROOT / "pyproject.toml").is_file():
        raise click.ClickException(
            "catalogs extract reads intents/ and the code of a checkout of the project, "
            "through its pyproject.toml; run it from there"
        )
    template = _editable_locales() / TEMPLATE
    cwd = Path.cwd()
    os.chdir(PROJECT_ROOT)  # the mapping in pyproject.toml is relative to the project
    try:
        _pybabel(
            "extract",
            "-F",
            "pyproject.toml",
            "-o",
            str(template),
            "--sort-by-file",
            "--width",
            WIDTH,
            "--add-comments",
            "Translators:",
            "--project",
            "order-status-fulfillment",
            "--version",
            __version__,
            "--copyright-holder",
            "order-status-fulfillment contributors",
            ".",
        )
    finally:
        os.chdir(cwd)


@catalogs.command()
def update() -> None:
    """Merge the template into every catalog: new texts appear, removed ones go."""
    locales = _editable_locales()
    _pybabel(
        "update",
        "-i",
        str(locales / TEMPLATE),
        "-d",
        str(locales),
        "-w",
        WIDTH,
        "--ignore-obsolete",
    )


@catalogs.command()
@click.argument("locale")
def init(locale: str) -> None:
    """Start a catalog for a new LOCALE (e.g. it, nl, pt_PT) from the template."""
    locales = _editable_locales()
    if (locales / locale / "LC_MESSAGES" / "messages.po").exists():
        raise click.ClickException(f"{locale} already has a catalog; use 'catalogs update'")
    _pybabel("init", "-i", str(locales / TEMPLATE), "-d", str(locales), "-l", locale, "-w", WIDTH)


@catalogs.command()
def check() -> None:
    """Fail (exit 1) on any catalog problem, printed as file:line: what is wrong."""
    problems = check_all(_locales())
    for problem in problems:
        click.echo(str(problem), err=True)
    count = len(catalog_paths(_locales()))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} catalog(s).", err=True)
        sys.exit(1)
    click.echo(f"{count} catalog(s) complete and sound.")


@catalogs.command()
def stats() -> None:
    """Translated, fuzzy and untranslated entries per locale (fuzzy is not translated)."""
    locales = _locales()
    template = read_template(locales)
    if isinstance(template, Problem):
        raise click.ClickException(str(template))
    click.echo(f"{'locale':<8} {'translated':>10} {'fuzzy':>6} {'untranslated':>12} {'done':>6}")
    for locale, path in catalog_paths(locales).items():
        catalog = read_catalog(path, locale)
        if isinstance(catalog, Problem):
            click.echo(f"{locale:<8} {catalog!s}")
            continue
        s = catalog_stats(locale, catalog, template)
        done = 100 * s.translated / s.total if s.total else 100.0
        click.echo(
            f"{locale:<8} {s.translated:>10} {s.fuzzy:>6} {s.untranslated:>12} {done:>5.0f}%"
        )
