"""The CLI's own descriptions: whole in every command list, and the README's command list
matching the commands and options the CLI has."""

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer

from humanadd.cli.main import app
from tests.conftest import Cli

README = Path(__file__).parents[2] / "README.md"


def _commands(command: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every command and group under `command` (typer's own click objects), by path."""
    found: dict[tuple[str, ...], Any] = {path: command}
    for name, child in getattr(command, "commands", {}).items():
        found |= _commands(child, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))
GROUPS = {path: command for path, command in COMMANDS.items() if hasattr(command, "commands")}
LEAVES = {path: command for path, command in COMMANDS.items() if path not in GROUPS}


@pytest.mark.parametrize("path", list(GROUPS), ids=lambda path: " ".join(path) or "humanadd")
def test_a_group_lists_each_command_with_a_whole_sentence_on_one_line(
    cli: Cli, path: tuple[str, ...]
):
    result = cli.run(*path, "--help")
    listing = result.stdout.split("\nCommands:\n", 1)[1].splitlines()
    names = list(GROUPS[path].commands)

    assert [line.split()[0] for line in listing] == names, "one line per command"
    for line, name in zip(listing, names, strict=True):
        description = line.split(maxsplit=1)[1]
        full_help = " ".join((COMMANDS[(*path, name)].help or "").split())
        assert description.endswith("."), line
        assert "..." not in description
        assert full_help.startswith(description), line


def _readme_lines() -> list[str]:
    operations = README.read_text().split("\n## Operations\n", 1)[1]
    block = operations.split("```sh\n", 1)[1].split("\n```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


def _documented() -> dict[tuple[str, ...], list[str]]:
    """Each command the README lists (`a|b` counts for both), with the words after its name."""
    found: dict[tuple[str, ...], list[str]] = {}
    for line in _readme_lines():
        words = shlex.split(line)
        assert words[0] == "humanadd", line
        paths: list[tuple[str, ...]] = [()]
        rest = words[1:]
        while rest and all((*paths[0], name) in COMMANDS for name in rest[0].split("|")):
            paths = [(*path, name) for path in paths for name in rest[0].split("|")]
            rest = rest[1:]
        for path in paths:
            assert path in LEAVES, f"{line}: {' '.join(path)} is not a command"
            found[path] = rest
    return found


def test_the_readme_lists_every_command_and_no_other():
    assert sorted(_documented()) == sorted(LEAVES)


@pytest.mark.parametrize("path", sorted(LEAVES), ids=" ".join)
def test_the_readme_shows_a_commands_required_options_and_only_real_ones(path: tuple[str, ...]):
    words = _documented()[path]
    options = {
        name: parameter
        for parameter in LEAVES[path].params
        for name in parameter.opts
        if name.startswith("--")
    }
    shown = [re.sub(r"^\[|\]$", "", word) for word in words if word.lstrip("[").startswith("--")]
    required = {word for word in words if word.startswith("--")}

    assert [option for option in shown if option not in options] == []
    for name, parameter in options.items():
        if parameter.param_type_name == "option" and parameter.required:
            assert name in required, f"{' '.join(path)}: {name} is required"
