"""The README's examples, run as a newcomer runs them: what it shows is what the program answers.

Each test reads its example out of README.md, so an example that drifts from the program fails
here instead of misleading the next reader.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from fulfillment.app import SEED_PATH
from fulfillment.cli import main
from fulfillment.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The README's section under `## title` (or `### title`), up to the next one."""
    match = re.search(rf"^##+ {re.escape(title)}\n(.*?)(?=^##+ |\Z)", README, re.S | re.M)
    assert match, f"the README has no section {title!r}"
    return match.group(1)


def blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of one language ("" for a bare fence), in order."""
    found: list[str] = []
    current: list[str] | None = None
    fence = ""
    for line in text.splitlines(keepends=True):
        if current is None and line.startswith("```"):
            fence, current = line[3:].strip(), []
        elif current is not None and line.rstrip("\n") == "```":
            if fence == language:
                found.append("".join(current))
            current = None
        elif current is not None:
            current.append(line)
    assert current is None, "a code block is not closed"
    return found


def commands(block: str) -> tuple[dict[str, str], list[tuple[list[str], str]]]:
    """A shell block's exports, and each `fulfillment` command with its trailing comment."""
    env: dict[str, str] = {}
    found = []
    for line in block.splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            env[name] = value
            continue
        command, _, comment = line.partition("  #")
        args = shlex.split(command)
        assert args[0] == "fulfillment", line
        found.append((args[1:], comment.strip().lstrip("# ")))
    return env, found


def fulfillment(args: list[str], env: dict[str, str]) -> str:
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def without_what_changes(output: str) -> str:
    """A reply's id is new each time, and the demo's dates are relative to its creation."""
    output = re.sub(r'"responseId": "[^"]+"', '"responseId": "…"', output)
    return re.sub(r"bis [^\"]*? bei Ihnen", "bis … bei Ihnen", output)


def test_the_example_request_answers_as_shown(client: TestClient, auth: dict[str, str]) -> None:
    text = section("Try the seed's example request")
    # The body of the heredoc, byte for byte as curl --data-binary @- sends it.
    match = re.search(r"<<'JSON'\n(.*?\n)JSON\n", text, re.S)
    assert match, "the example request is no longer a heredoc"
    body = match.group(1)
    headers = {**auth, "Content-Type": "application/json"}
    response = client.post(SEED_PATH, content=body.encode(), headers=headers)
    assert response.status_code == 200
    assert f"`Content-Language: {response.headers['Content-Language']}`" in text
    said = response.json()["response"]["responseMessages"][0]["simpleResponse"]["responseText"]
    shown = re.search(r'"responseText":\s*"(Order 748596 [^"]*?) by ', text)
    assert shown, "the README no longer shows the example's answer"
    assert said.startswith(shown.group(1) + " by "), said

    # "With the trailing comma left in": the error the README quotes, line and column included.
    with_comma = body.replace('"languageCode": "en"\n', '"languageCode": "en",\n')
    assert with_comma != body
    error = client.post(SEED_PATH, content=with_comma.encode(), headers=headers)
    assert error.status_code == 400
    envelope = error.json()["error"]
    assert envelope["code"] == "malformed_json"
    assert f'"message": "{envelope["message"]}"' in text
    details = envelope["details"]
    assert f'"line": {details["line"]}, "column": {details["column"]}' in text
    assert f'"position": {details["position"]}' in text


def test_try_prints_what_the_designers_section_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = section("For conversation designers: `intents/`")
    _, listed = commands(blocks(text, "sh")[0])
    [args] = [args for args, _ in listed if args[0] == "try"]
    shown = blocks(text, "")[0]
    assert shown.startswith("text:     ")
    monkeypatch.chdir(tmp_path)  # `data/` with the demo store, as on a first run
    printed = fulfillment(args, {"FULFILLMENT_DATA_DIR": "data"})
    assert without_what_changes(printed) == without_what_changes(shown)


def test_loading_your_own_orders_works_as_walked_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = section("Load your own orders")
    [csv_text] = blocks(text, "csv")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "orders.csv").write_text(csv_text, encoding="utf-8")
    env, listed = commands(blocks(text, "sh")[1])
    assert env["FULFILLMENT_DATA_DIR"]
    assert not Path(env["FULFILLMENT_DATA_DIR"]).exists()  # a new data directory
    [(load, loaded), (ask, _)] = listed
    assert load[0] == "load-orders"
    assert fulfillment(load, env).strip() == loaded
    assert ask[0] == "try"
    printed = fulfillment(ask, env)
    # The order number is found in what Ana typed (not merely her only open order)...
    shown = blocks(text, "")[0]
    assert printed.startswith(shown)
    assert "TAKEN" in shown
    # ...and her order is the answer, as the sentence after the output says.
    answer = re.search(r'followed by "([^"]*?)…"', text)
    assert answer, "the README no longer says what the reply is"
    assert f'"responseText": "{answer.group(1)}' in printed
