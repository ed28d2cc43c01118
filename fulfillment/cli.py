"""The `fulfillment` command: serve the webhook, load a shop's orders."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from fulfillment.errors import ConfigurationError, ServiceError
from fulfillment.i18n.commands import catalogs
from fulfillment.settings import Settings

if TYPE_CHECKING:
    from fulfillment.extraction.extractor import Candidate
    from fulfillment.intents import IntentSpec
    from fulfillment.reply import Reply


@click.group()
def main() -> None:
    """Order-status fulfillment service for chatbots."""


main.add_command(catalogs)

# The event loop `serve`, the Procfile and the benchmark run on (see `server_options`).
EVENT_LOOP = "asyncio"


def server_options() -> dict[str, Any]:
    """How `serve` runs uvicorn, whatever the app: the benchmark's bare app runs the same way."""
    from fulfillment.observability import uvicorn_log_config

    return {
        "proxy_headers": True,
        # Measured (README, Performance): under saturation uvloop let some requests wait
        # 20x the median (p99 450-900 ms at 64 connections); asyncio's loop serves them in
        # order (p99 ~2x the median) at the same throughput.
        "loop": EVENT_LOOP,
        # One log stream: uvicorn's own lines are the service's JSON lines, and its access
        # line (plain text, with the client's address) is off; RequestLog writes one per request.
        "access_log": False,
        "log_config": uvicorn_log_config(),
        # No WebSocket routes: an upgrade is answered as a plain HTTP request, not handshaken,
        # so uvicorn's WebSocket lines, which name the client's address, never come. (uvicorn
        # warns "Unsupported upgrade request" and that it found no WebSocket library: none is
        # enabled, on purpose.)
        "ws": "none",
    }


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port to listen on  [default: $PORT, else 8000]",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    envvar="WEB_CONCURRENCY",
    default=1,
    help="Worker processes  [default: $WEB_CONCURRENCY, else 1]",
)
@click.option(
    "--reload-content/--no-reload-content",
    default=None,
    help="Serve edits to intents/ and locales/ without a restart; a broken file never "
    "replaces what is served  [default: $FULFILLMENT_RELOAD_CONTENT, else on only with the "
    "embedded demo store]",
)
def serve(host: str, port: int | None, workers: int, reload_content: bool | None) -> None:
    """Run the webhook server (also what the Procfile runs)."""
    import logging.config

    import uvicorn

    from fulfillment.content import check_configuration

    options = server_options()
    # JSON lines from the first: what the check below logs (a catalog not served) too.
    logging.config.dictConfig(options["log_config"])
    if port is None:
        port = int(os.environ.get("PORT") or 8000)
    if reload_content is not None:
        # The app (in each worker) reads its Settings from the environment.
        os.environ["FULFILLMENT_RELOAD_CONTENT"] = "true" if reload_content else "false"
    try:
        # A mistake in intents/ or locales/ is told plainly, not as a server traceback.
        check_configuration(Settings())
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    # The start-up banner's curl example reads the port from here, as under a Procfile.
    os.environ["PORT"] = str(port)
    uvicorn.run(
        "fulfillment.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        **options,
    )


@main.command("load-orders")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["json", "jsonl", "csv"]),
    default=None,
    help="File format  [default: from the file name's extension]",
)
def load_orders(path: Path, file_format: str | None) -> None:
    """Load a shop's orders from a JSON, JSON Lines or CSV file into the store.

    Every row is validated first; if any is wrong, each bad row is reported by line and
    nothing is loaded.
    """
    from fulfillment.store.importer import ImportFailed, read_orders
    from fulfillment.store.sqlite import SQLiteOrderStore

    settings = Settings()
    try:
        records = read_orders(path, file_format)
    except ImportFailed as failed:
        for problem in failed.problems:
            click.echo(f"{path}:{problem}", err=True)
        click.echo(f"{path}: nothing loaded ({len(failed.problems)} problem(s)).", err=True)
        sys.exit(1)
    if settings.database_url is not None:
        import asyncio

        from fulfillment.store.postgres import PostgresOrderStore

        async def save() -> int:
            store = PostgresOrderStore(settings.database_url.get_secret_value())  # type: ignore[union-attr]
            await store.open()
            try:
                return await store.save(records)
            finally:
                await store.close()

        count, target = asyncio.run(save()), "PostgreSQL"
    else:
        count, target = (
            SQLiteOrderStore(settings.sqlite_path).save_orders(records),
            str(settings.sqlite_path),
        )
    click.echo(f"Loaded {count} order(s) into {target}.")


def _load_intents(settings: Settings) -> dict[str, IntentSpec]:
    from fulfillment.intents import load_intents

    try:
        return load_intents(settings.intents_dir)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--lang", default=None, help="Only phrases and conversations in this language.")
@click.option(
    "--conversations/--no-conversations",
    default=True,
    show_default=True,
    help="Also run the conversations, through the service on a throw-away demo store.",
)
def phrases(lang: str | None, conversations: bool) -> None:
    """Run the test phrases and conversations of intents/*.yaml; exit 1 if any fails."""
    from fulfillment.extraction.extractor import Extractor
    from fulfillment.phrasetests import language_of, run_phrase, tally_by_language

    settings = Settings()
    results = []
    intents = _load_intents(settings)
    for interest_type, spec in intents.items():
        if spec.extraction is None:
            continue
        extractor = Extractor(
            spec.extraction, settings.max_orders_per_message, settings.max_text_chars
        )
        for test in spec.tests:
            if lang is None or language_of(test) == lang.split("-")[0].lower():
                results.append(run_phrase(interest_type, extractor, test))
    if not results:
        raise click.ClickException("no test phrases" + (f" in {lang}" if lang else ""))
    tallies = tally_by_language(results)
    for language, tally in tallies.items():
        click.echo(
            f"{language}: {tally.passed + tally.failed} phrases, {tally.passed} passed, "
            f"{tally.failed} failed, precision {tally.precision:.2f}, recall {tally.recall:.2f}"
        )
        for result in results:
            if language_of(result.test) != language:
                continue
            mark = "PASS" if result.passed else "FAIL"
            found = ", ".join(result.found) or "-"
            expected = ", ".join(result.expected) or "-"
            detail = f"found {found}" if result.passed else f"expected {expected}, found {found}"
            click.echo(f"  {mark}  {result.test.text[:60]:<60}  {detail}")
    failed = sum(t.failed for t in tallies.values())
    click.echo(f"{len(results)} phrases, {len(results) - failed} passed, {failed} failed")
    if conversations:
        failed += _conversations(settings, intents, lang)
    sys.exit(1 if failed else 0)


def _conversations(settings: Settings, intents: dict[str, IntentSpec], lang: str | None) -> int:
    """Run the conversations, print each run and why a turn failed; the number that failed."""
    import asyncio

    from fulfillment.phrasetests import conversations_of, run_in_process, shown_text

    if not conversations_of(intents, lang):
        return 0
    try:
        runs = asyncio.run(run_in_process(settings, lang))
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    failed = sum(1 for run in runs if not run.passed)
    click.echo(f"conversations: {len(runs)} runs, {len(runs) - failed} passed, {failed} failed")
    for run in runs:
        mark = "PASS" if run.passed else "FAIL"
        click.echo(f"  {mark}  {run.conversation.name} ({run.platform}, {run.surface})")
        for index, turn in enumerate(run.turns, 1):
            if turn.passed:
                continue
            click.echo(f"        turn {index}, {turn.turn.action} {turn.turn.words!r}:")
            if turn.problem:
                click.echo(f"          {turn.problem}")
            for missing in turn.missing:
                click.echo(f"          expected {missing!r}, not in the reply")
            for unexpected in turn.unexpected:
                click.echo(f"          {unexpected!r} is in the reply, and must not be")
            if turn.missing or turn.unexpected:
                shown = shown_text(turn.preview).replace("\n", " | ") or "nothing"
                click.echo(f"          the reply: {shown[:300]}")
    return failed


def _marked(text: str, candidates: list[Candidate]) -> str:
    """The text with taken numbers in [brackets] and dropped candidates in {braces}."""
    out, position = [], 0
    for candidate in sorted(candidates, key=lambda c: c.start):
        left, right = ("[", "]") if candidate.taken else ("{", "}")
        out += [text[position : candidate.start], left, candidate.text, right]
        position = candidate.end
    return "".join([*out, text[position:]])


@main.command("try")
@click.argument("text")
@click.option("--lang", default="en-US", show_default=True, help="languageCode of the turn.")
@click.option(
    "--type",
    "response_type",
    type=click.Choice(["text", "card", "media"]),
    default="text",
    show_default=True,
)
@click.option("--user", default="51342", show_default=True, help="The asker's uid.")
@click.option("--channel", default="TELEGRAM", show_default=True)
@click.option("--username", default=None, help="The asker's user name on the channel.")
@click.option("--intent", "interest_type", default="order-status", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead.")
def try_phrase(
    text: str,
    lang: str,
    response_type: str,
    user: str,
    channel: str,
    username: str | None,
    interest_type: str,
    as_json: bool,
) -> None:
    """Show which order numbers TEXT yields, why, and the reply the service would send."""
    import asyncio
    import json

    from fulfillment.adapters import seed
    from fulfillment.dispatch import dispatch
    from fulfillment.services import build_services

    try:
        services = build_services(Settings())
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    request = seed.OrderStatusRequest.model_validate(
        {
            "conversationRequest": {
                "channel": channel,
                "userInfo": {"uid": user, "username": username},
            },
            "queryInfo": {"interestType": interest_type, "queryText": text},
            "languageCode": lang,
            "responseType": response_type,
        }
    )
    turn = seed.to_turn(request, services.resolver.language(lang))
    extractor = services.extractors.get(interest_type)
    extraction = extractor.extract(text, turn.language) if extractor else None

    async def answer() -> Reply:
        # One event loop for the whole conversation with the store (pools belong to a loop).
        await services.store.open()
        try:
            return await dispatch(services, turn, "--intent")
        finally:
            await services.store.close()

    try:
        reply = asyncio.run(answer())
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None
    response = json.loads(seed.from_reply(reply, turn.response_type))
    candidates = extraction.candidates if extraction else []
    if as_json:
        document = {
            "text": text,
            "language": extraction.language if extraction else None,
            "marked": _marked(text, candidates),
            "candidates": [
                {
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                    "value": c.value,
                    "format": c.format,
                    "taken": c.taken,
                    "score": c.score,
                    "reasons": c.reasons,
                }
                for c in candidates
            ],
            "locale": reply.locale,
            "response": response,
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    click.echo(f"text:     {_marked(text, candidates)}")
    click.echo(
        f"          [taken] {{dropped}}; tokenizer: {extraction.language if extraction else '-'}"
    )
    for c in candidates:
        verdict = "TAKEN  " if c.taken else "DROPPED"
        click.echo(f"  {verdict} {c.text!r} ({c.format}): {'; '.join(c.reasons)}")
    if not candidates:
        click.echo("  no candidate order numbers")
    click.echo(f"reply ({reply.locale}):")
    click.echo(json.dumps(response, ensure_ascii=False, indent=2))


@main.group()
def db() -> None:
    """The order store's schema: PostgreSQL (FULFILLMENT_DATABASE_URL), else the embedded
    SQLite file."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the tables, or bring them and their data up to date; safe to run again (and,
    on PostgreSQL, from several hosts)."""
    import asyncio

    settings = Settings()
    if settings.database_url is None:
        import sqlite3

        from fulfillment.store.sqlite import SQLiteOrderStore

        try:
            # Opening the store applies what it lacks; report what that was.
            before = _sqlite_version(settings.sqlite_path)
            store = SQLiteOrderStore(settings.sqlite_path)
            after = _sqlite_version(settings.sqlite_path)
            asyncio.run(store.close())
        except sqlite3.Error as exc:
            raise click.ClickException(f"cannot upgrade {settings.sqlite_path}: {exc}") from None
        applied = list(range(before + 1, after + 1))
        target = str(settings.sqlite_path)
    else:
        from fulfillment.store.postgres import upgrade

        try:
            applied = asyncio.run(upgrade(settings.database_url.get_secret_value()))
        except Exception as exc:  # the driver's own words, minus nothing: it names no password
            raise click.ClickException(f"cannot upgrade the database: {exc}") from None
        target = "PostgreSQL"
    click.echo(
        f"{target}: applied migration(s) {applied}." if applied else f"{target} is up to date."
    )


def _sqlite_version(path: Path) -> int:
    import sqlite3

    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)
