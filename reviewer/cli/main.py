"""The `review` command line: a click group whose default command is `check`, so `review FORM...`
reviews forms. Each command lives in a module of its own and is added here (as Datasette adds
its `publish` subcommands); nothing imports the group back."""

from __future__ import annotations

import click

from ..engine import tune_for_batch
from .check import check
from .database import db_group
from .evaluation import eval_command
from .imports import import_command
from .documents import report, rules, summary
from .errors import ReviewGroup
from .serve import serve
from .signoff import accept, reject, reopen, score, session, status, undo


@click.group(cls=ReviewGroup, default="check", default_if_no_args=False)
@click.version_option(package_name="reviewer")
def cli() -> None:
    """Review 项目支出绩效自评表 (project expenditure performance self-evaluation forms).

    `review FORM.json...` recomputes every score, runs the checks and prints
    the findings with suggested comments. Other commands: see below.
    """


for command in (check, session, accept, reject, reopen, undo, status, score, report, summary, rules, serve,
                import_command, eval_command, db_group):
    cli.add_command(command)


def main() -> None:
    tune_for_batch()
    cli()
