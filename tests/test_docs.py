"""The README keeps up with the code: every command, option and assessment key is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from evaluator.cli import _register, app
from evaluator.settings import CrawlLimits

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, Any]]:
    _register()
    root = typer.main.get_command(app)
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        if getattr(command, "commands", None) is not None:  # a group
            if prefix:  # a group with its own callback (evaluator demo) is a command too
                found.append((prefix, command))
            for name, sub in command.commands.items():
                walk(f"{prefix} {name}".strip(), sub)
        else:
            found.append((prefix, command))

    walk("", root)
    return found


COMMANDS = _commands()


def test_the_expected_commands_exist() -> None:
    names = {name for name, _ in COMMANDS}
    assert {"init", "catalogue show", "catalogue validate", "catalogue import", "crawl", "extract", "classify",
            "explain", "score", "review export", "review import", "report", "run", "demo", "demo serve"} <= names


@pytest.mark.parametrize("name, command", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_and_option_is_in_the_readme(name: str, command: Any) -> None:
    rows = [line for line in README.splitlines() if re.match(rf"\| `evaluator {name}( |`)", line)]
    assert rows, f"the README's command reference has no row for `evaluator {name}`"
    row = rows[0]
    for param in command.params:
        if type(param).__name__ == "TyperOption" and "--help" not in param.opts:
            documented = any(opt in row for opt in param.opts + param.secondary_opts)
            assert documented, f"option {param.opts[0]} of `evaluator {name}` is not in its README row"


def _assessment_keys() -> set[str]:
    template = (Path(__file__).resolve().parent.parent / "rubrics" / "data" / "assessment-template.yaml").read_text(encoding="utf-8")
    return set(re.findall(r"^\s*-?\s*#?\s*([a-z_]+):(?:\s|$)", template, flags=re.MULTILINE))


@pytest.mark.parametrize("key", sorted(_assessment_keys() | {f.name for f in dataclasses.fields(CrawlLimits)}))
def test_every_assessment_key_is_in_the_readme(key: str) -> None:
    assert f"`{key}`" in README, f"assessment key {key!r} is not documented in README.md"


@pytest.mark.parametrize("name", ["extract_article", "extract_list", "classify", "load", "run", "score_assessment",
                                  "WorkdayCalendar", "build_reports", "load_catalogue", "import_catalogue", "read_record"])
def test_public_api_is_in_the_readme(name: str) -> None:
    assert name in README
