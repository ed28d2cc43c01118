"""spaCy imported without its command line: 0.3-0.4 s less for the first language built.

`import spacy` runs spacy/__init__.py, which imports `info` from spacy.cli.info for the
`spacy.info()` shortcut; that imports the package spacy.cli, and with it every command of
spaCy's command line and what they need (typer, weasel, httpx, rich, requests): more than a
third of spaCy's import time, for nothing the service uses.

Here spacy.cli and spacy.cli.info are stand-ins while spacy/__init__.py runs; the stand-in
`info` imports the real one when called. Afterwards they are gone from sys.modules, so that
`import spacy.cli` (`python -m spacy`, spacy.info() itself) imports the real package.
When spaCy's __init__ wants more of them than that (another version), the normal import runs.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

CLI = "spacy.cli"
INFO = "spacy.cli.info"


def import_spacy() -> bool:
    """Import spaCy without spacy.cli; False when it was imported already, or normally."""
    if "spacy" in sys.modules:
        return False
    cli = ModuleType(CLI, "Stand-in while spaCy is imported (fulfillment.extraction.imports).")
    cli.__path__ = []  # a package, with nothing to find in it
    info = ModuleType(INFO, cli.__doc__)
    info.info = _info  # type: ignore[attr-defined]
    sys.modules[CLI] = cli
    sys.modules[INFO] = info
    try:
        import spacy
    except Exception:  # a spaCy whose __init__ wants more of spacy.cli: the normal import
        _remove(cli, info)
        import spacy  # noqa: F401

        return False
    _remove(cli, info)
    return True


def _remove(cli: ModuleType, info: ModuleType) -> None:
    for name, stand_in in ((INFO, info), (CLI, cli)):
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
    package = sys.modules.get("spacy")
    if package is not None and getattr(package, "cli", None) is cli:
        delattr(package, "cli")


def _info(*args: Any, **kwargs: Any) -> Any:
    """spacy.info(), imported when called."""
    from spacy.cli.info import info

    return info(*args, **kwargs)
