"""The `fulfillment` command: serve the webhook, load a shop's orders."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from fulfillment.settings import Settings


@click.group()
def main() -> None:
    """Order-status fulfillment service for chatbots."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port to listen on  [default: $PORT, else 8000]",
)
def serve(host: str, port: int | None) -> None:
    """Run the webhook server."""
    import uvicorn

    if port is None:
        port = int(os.environ.get("PORT") or 8000)
    # The start-up banner's curl example reads the port from here, as under a Procfile.
    os.environ["PORT"] = str(port)
    uvicorn.run(
        "fulfillment.app:create_app", factory=True, host=host, port=port, proxy_headers=True
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
    store = SQLiteOrderStore(settings.sqlite_path)
    count = store.save_orders(records)
    click.echo(f"Loaded {count} order(s) into {settings.sqlite_path}.")
