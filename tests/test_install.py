"""Installable anywhere: the sdist and the wheel carry what they must, and the wheel, installed
into a fresh virtual environment, serves the seed's example from an empty directory.

The wheel goes in with `pip install --no-deps`; its dependencies come from this test run's own
environment through a .pth file that appends that environment's site-packages to the new one's
sys.path. A full `pip install` of the wheel was measured at 40 s on an idle 2-core machine and
53-70 s under the load of a test run, every time, because pip's cache never took effect there
(each install downloaded spaCy and the rest, ~60 MB, from the registry): over this module's
~60 s budget for it, and dependent on the registry being reachable. The shortcut costs one check: a
dependency the code imports but pyproject.toml does not declare would still be found here.

What is tested is still the wheel's code and data: a path added by a .pth file is not itself
a site directory, so the .pth files in it (the editable install's finder among them) are not
processed, and the new environment's own site-packages comes first; the test asserts that
`fulfillment`, its intents and its catalogs are all imported from there.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import httpx2
import pytest
from support import CATALOGS, INTENT_FILES
from test_server import free_port, wait_until_up

from fulfillment.app import EXAMPLE_REQUEST, SEED_PATH
from fulfillment.settings import PROJECT_ROOT

pytestmark = pytest.mark.server

PACKAGE = PROJECT_ROOT / "fulfillment"
KEY = "install-test-key-0123456789"

# Not copied into the tree the dists are built from: the checkout's tooling, environments and
# outputs at the top, caches and generated files anywhere.
TOP_LEVEL_SKIPPED = {"venv", "build", "dist", "data", "screenshots"}
SKIPPED = ["__pycache__", "*.py[cod]", "*.egg-info", ".*cache", "*.mo", "*.sqlite3*"]


def _skipped(directory: str, names: list[str]) -> set[str]:
    top = Path(directory) == PROJECT_ROOT
    return {
        name
        for name in names
        if (top and (name.startswith(".") or name in TOP_LEVEL_SKIPPED))
        or any(fnmatch.fnmatch(name, pattern) for pattern in SKIPPED)
    }


def _run(
    command: list[str | Path],
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env, check=False
    )
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(sdist, wheel) as `python -m build` makes them: the wheel is built from the sdist.

    Built from a copy of the working tree, so the checkout's own build metadata (egg-info) is
    neither read nor written while others work in it.
    """
    work = tmp_path_factory.mktemp("dists")
    source = work / "source"
    shutil.copytree(PROJECT_ROOT, source, ignore=_skipped)
    _run([sys.executable, "-m", "build", "--outdir", work / "dist", source], timeout=600)
    [sdist] = (work / "dist").glob("*.tar.gz")
    [wheel] = (work / "dist").glob("*.whl")
    return sdist, wheel


def _relative(paths: list[Path]) -> set[str]:
    return {path.relative_to(PROJECT_ROOT).as_posix() for path in paths}


def _package_files() -> list[Path]:
    """Every module and data file of the package (what pyproject.toml must list)."""
    return [
        path
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


def test_the_sdist_carries_tests_content_and_docs(dists: tuple[Path, Path]) -> None:
    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    wanted = _relative(
        [
            *INTENT_FILES,
            PROJECT_ROOT / "locales" / "messages.pot",
            *CATALOGS.values(),
            *PROJECT_ROOT.glob("tests/**/*.py"),
            *PROJECT_ROOT.glob("tests/data/**/*.json"),
            *PROJECT_ROOT.glob("bench/*.py"),
            *_package_files(),
        ]
    ) | {"README.md", "TRANSLATING.md", "Procfile", "pyproject.toml", "MANIFEST.in"}
    assert wanted - names == set()
    assert not [name for name in names if "__pycache__" in name or name.endswith(".mo")]


def test_the_wheel_carries_every_module_intent_and_catalog(dists: tuple[Path, Path]) -> None:
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    content = "fulfillment/_content/"
    wanted = (
        # A subpackage missing from pyproject.toml's `packages`, or a data file from its
        # package-data, fails here.
        _relative(_package_files())
        | {content + "intents/" + path.name for path in INTENT_FILES}
        | {content + "locales/messages.pot"}
        | {f"{content}locales/{locale}/LC_MESSAGES/messages.po" for locale in CATALOGS}
    )
    assert wanted - names == set()
    assert not [name for name in names if name.endswith(".mo")]
    # Nothing lands in site-packages beside the package and its metadata.
    assert {name.split("/")[0] for name in names} - {"fulfillment"} == {
        f"order_status_fulfillment-{wheel.name.split('-')[1]}.dist-info"
    }


def test_the_installed_wheel_serves_the_seed_example_from_an_empty_directory(
    dists: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = dists
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=120)
    _run(
        [sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel], 300
    )
    site_packages = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], 60
        ).strip()
    ).resolve()
    ours = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    (site_packages / "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")

    anywhere = tmp_path / "anywhere"
    anywhere.mkdir()
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("FULFILLMENT_", "PYTHON")) and name not in {"PORT", "VIRTUAL_ENV"}
    }
    env = {
        **kept,
        "FULFILLMENT_DATA_DIR": str(anywhere / "data"),
        "FULFILLMENT_API_KEYS": KEY,
    }
    # The code, the intents and the catalogs the server will use are the wheel's, not the
    # checkout's: the editable install's finder is not loaded in this environment.
    where = _run(
        [
            python,
            "-c",
            "import sys, fulfillment; from fulfillment.settings import Settings; s = Settings(); "
            "assert not [f for f in sys.meta_path if '__editable__' in repr(f)], sys.meta_path; "
            "print(fulfillment.__file__, s.intents_dir, s.locales_dir, sep='\\n')",
        ],
        timeout=60,
        cwd=anywhere,
        env=env,
    ).splitlines()
    assert [Path(path).resolve().relative_to(site_packages).as_posix() for path in where] == [
        "fulfillment/__init__.py",
        "fulfillment/_content/intents",
        "fulfillment/_content/locales",
    ]
    content = site_packages / "fulfillment" / "_content"
    shipped = sorted(content.rglob("*"))

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "server.log").open("w") as log:
        process = subprocess.Popen(
            [venv / "bin" / "fulfillment", "serve", "--port", str(port)],
            cwd=anywhere,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_up(process, base)
        response = httpx2.post(
            base + SEED_PATH, json=EXAMPLE_REQUEST, headers={"Authorization": f"Bearer {KEY}"}
        )
    finally:
        process.terminate()
        returncode = process.wait(timeout=15)
    output = (tmp_path / "server.log").read_text()
    assert response.status_code == 200, output
    [message] = response.json()["response"]["responseMessages"]
    assert "748596" in message["simpleResponse"]["responseText"]
    # Shut down as it should on SIGTERM (uvicorn then re-raises the signal it caught).
    assert returncode in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output
    # Everything written went to the data directory; the installed package stays as shipped.
    assert (anywhere / "data" / "orders.sqlite3").exists()
    assert sorted(content.rglob("*")) == shipped
