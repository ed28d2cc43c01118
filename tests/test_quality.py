"""The code standards CI holds the project to: ruff clean and mypy strict on the package."""

from __future__ import annotations

import subprocess
import sys

from fulfillment.settings import PROJECT_ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


# Run from this interpreter's environment, like mypy: ruff comes with the test extra, so a
# missing ruff is a broken install and fails here instead of skipping the check.
def test_ruff_check() -> None:
    result = run(sys.executable, "-m", "ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_the_package() -> None:
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
