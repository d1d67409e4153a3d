"""The `review` command line: a click group whose default command is `check`, so `review FORM...`
reviews forms. Each command lives in a module of its own and is added here (as Datasette adds
its `publish` subcommands); nothing imports the group back."""

from __future__ import annotations

import gc
import os
import sys
import types

# pydantic looks for plugins (entry points in the group `pydantic`) when our models' classes are built: that
# reads every installed package's metadata (~19 M instructions, ~5 ms, in this process and in each worker).
# `review` is a command, not a library: no plugin was ever part of what it does, and none changes what it
# prints. Someone who wants a pydantic plugin (a tracer, say) to see our models sets the variable themselves
# (PYDANTIC_DISABLE_PLUGINS= with an empty value loads them all); setdefault keeps their choice.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def _no_pydantic_plugins() -> None:
    """With every plugin disabled, pydantic's loader answers "none" (get_plugins() -> ()) without looking, yet
    importing it imports importlib.metadata (and email, zipfile, csv...: ~78 M instructions, ~15 ms of each run).
    In its place, a loader that gives that answer. Only then, and only before pydantic is imported: with any other
    value of the variable pydantic loads what it is told to."""
    if os.environ["PYDANTIC_DISABLE_PLUGINS"] != "__all__" or "pydantic" in sys.modules:
        return
    loader = types.ModuleType("pydantic.plugin._loader", "No pydantic plugins (reviewer/cli/main.py).")
    loader.get_plugins = tuple  # type: ignore[attr-defined]  # get_plugins() -> (): what pydantic's says then

    def real(name: str) -> object:
        # Anything else a later pydantic asks of its loader: the stand-in steps aside for pydantic's own. (Not
        # what the import system asks of any module, such as __path__: the stand-in has none, as the loader.)
        if name.startswith("__"):
            raise AttributeError(name)
        import importlib

        del sys.modules[loader.__name__]
        return getattr(importlib.import_module(loader.__name__), name)

    loader.__getattr__ = real  # type: ignore[attr-defined]
    sys.modules[loader.__name__] = loader


_no_pydantic_plugins()

# What start-up allocates (modules, classes, compiled patterns: ~50,000 objects) lives as long as the process:
# collecting while importing frees nothing (~15 ms of each run). main() keeps the batch's thresholds.
gc.set_threshold(50_000, 20, 20)

import importlib  # noqa: E402

import click  # noqa: E402

from ..engine import tune_for_batch  # noqa: E402
from .errors import ReviewGroup  # noqa: E402

# Each command's module by the command's name, imported when that command runs (or help lists it): `review
# DIR` does not load the session, documents, import, eval, serve and db code (~70 ms of its start-up).
COMMANDS = {
    "check": ("check", "check"),
    "session": ("signoff", "session"), "accept": ("signoff", "accept"), "reject": ("signoff", "reject"),
    "reopen": ("signoff", "reopen"), "undo": ("signoff", "undo"), "status": ("signoff", "status"),
    "score": ("signoff", "score"),
    "report": ("documents", "report"), "summary": ("documents", "summary"), "rules": ("documents", "rules"),
    "serve": ("serve", "serve"), "import": ("imports", "import_command"), "eval": ("evaluation", "eval_command"),
    "db": ("database", "db_group"),
}


class Commands(ReviewGroup):
    """The `review` group, its commands loaded by name (COMMANDS); any other first word is a form for `check`."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        name = cmd_name if cmd_name in COMMANDS else self.default_cmd_name
        if name is not None and name not in self.commands:
            module, attribute = COMMANDS[name]
            self.add_command(getattr(importlib.import_module(f".{module}", __package__), attribute), name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=Commands, default="check", default_if_no_args=False)
@click.version_option(package_name="reviewer")
def cli() -> None:
    """Review 项目支出绩效自评表 (project expenditure performance self-evaluation forms).

    `review FORM.json...` recomputes every score, runs the checks and prints
    the findings with suggested comments. Other commands: see below.
    """


def main() -> None:
    tune_for_batch()
    try:
        cli()
    finally:
        # As it exits, Python would look through every object left for cycles (~20-45 ms after a batch), to free
        # what the process's end frees anyway: the store and the files are closed, the output flushed by now.
        gc.freeze()
