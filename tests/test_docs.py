"""The command line documents itself (as sqlite-utils's test_docs.py): every command and option has
help text, and the README mentions every command."""

from __future__ import annotations

import re

import click
import pytest

from formkit import ROOT
from reviewer.cli.main import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTEXT = click.Context(cli)
COMMANDS = cli.list_commands(CONTEXT)
COMMAND = {name: cli.get_command(CONTEXT, name) for name in COMMANDS}  # loaded on demand (cli/main.py)
OPTIONS = [(name, param.name) for name in COMMANDS for param in COMMAND[name].params
           if isinstance(param, click.Option) and not param.hidden]


def test_there_are_commands_and_options_to_check():
    assert {"check", "session", "report", "import", "eval"} <= set(COMMANDS) and len(OPTIONS) > 30


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help(name: str):
    command = COMMAND[name]
    assert (command.help or "").strip(), f"review {name} has no help text (its docstring)"
    assert (command.short_help or command.get_short_help_str()).strip()


@pytest.mark.parametrize("name,option", OPTIONS)
def test_option_has_help(name: str, option: str):
    param = next(p for p in COMMAND[name].params if p.name == option)
    assert (param.help or "").strip(), f"review {name} {'/'.join(param.opts)} has no help text"


@pytest.mark.parametrize("name", COMMANDS)
def test_readme_mentions_command(name: str):
    assert re.search(rf"\breview {re.escape(name)}\b", README), f"README does not mention `review {name}`"
