"""The `review` command line. `review FORM...` runs the default `check` command."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from click_default_group import DefaultGroup
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .config import Config, load_config
from .engine import Review, review_form, tune_for_batch
from .form import FormError, read_form
from .render import json_line, print_review, review_json, summary_table
from .store import Store
from .judge import JudgeStage, judge_options


class FormRefused(click.ClickException):
    """A file that is not a readable form: exit status 2, no traceback."""

    exit_code = 2

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"错误：{self.message}", err=True)


def config_option(func):
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False),
        help="TOML file overriding check thresholds (see README).",
    )(func)


def db_option(func):
    return click.option(
        "--db", "db_path", default="review.db", envvar="REVIEW_DB", show_default=True,
        type=click.Path(dir_okay=False), help="SQLite database for critiques and decisions (env REVIEW_DB).",
    )(func)


@click.group(cls=DefaultGroup, default="check", default_if_no_args=False)
@click.version_option(package_name="reviewer")
def cli() -> None:
    """Review 项目支出绩效自评表 (project expenditure performance self-evaluation forms).

    `review FORM.json...` recomputes every score, runs the checks and prints
    the findings with suggested comments. Other commands: see below.
    """


def expand_paths(paths: tuple[str, ...]) -> list[Path]:
    """Files as given; folders become the *.json files below them, sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        else:
            files.append(path)
    return files


PROGRESS_FROM = 10


def iter_reviews(files: list[Path], config: Config, show_progress: bool):
    """Yield a Review or a FormError per file, in order; one bad file never stops the rest."""
    progress = None
    if show_progress:
        progress = Progress(
            TextColumn("审核中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        progress.start()
        task = progress.add_task("review", total=len(files))
    try:
        for path in files:
            try:
                yield review_form(read_form(path), str(path), config)
            except FormError as error:
                yield error
            if progress:
                progress.advance(task)
    finally:
        if progress:
            progress.stop()


@cli.command(name="check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout, one object per form.")
@click.option("--details/--no-details", default=None, help="Full report per form (default: only for a single form).")
@click.option("--comments/--no-comments", default=True, help="Show the suggested comment under each finding.")
@click.option("--no-store", is_flag=True, help="Do not store the critiques in the database.")
@config_option
@db_option
@judge_options
def check(paths: tuple[str, ...], as_json: bool, details: bool | None, comments: bool, config_path: str | None,
          no_store: bool, db_path: str, judge_opts: dict) -> None:
    """Review one or more forms (files or folders of *.json).

    Prints the recomputed scorecard, the findings grouped by severity and a
    suggested comment for each. With several forms, a summary table follows.
    Exit status 2 when a file cannot be read; the other files are still reviewed.
    Each form is stored with its critiques in the database (--db) for sign-off
    with `review session`; reviewing it again stores nothing twice.
    """
    config = load_config(config_path)
    judge_stage = JudgeStage(judge_opts, config, db_path)
    files = expand_paths(paths)
    if not files:
        raise click.UsageError("没有找到 .json 表单文件")
    console = Console(highlight=False)
    single = len(files) == 1
    show_details = single if details is None else details
    show_progress = not as_json and len(files) >= PROGRESS_FROM and sys.stderr.isatty()
    rows: list[Review | tuple[str, str]] = []
    failed = 0
    store: Store | None = None  # opened on the first readable form: a refused file writes nothing
    for outcome in iter_reviews(files, config, show_progress):
        if isinstance(outcome, FormError):
            failed += 1
            if as_json:
                click.echo(json_line({"file": outcome.file, "error": str(outcome)}))
            elif single:
                raise FormRefused(str(outcome))
            else:
                click.echo(f"错误：{outcome}", err=True)
            rows.append((outcome.file, outcome.message if not outcome.path else f"{outcome.path}: {outcome.message}"))
            continue
        judge_stage(outcome)
        if not no_store:
            store = store or Store(db_path)
            saved = store.save_review(outcome)
            if saved.carried and not as_json:
                click.echo(f"{outcome.file}：表单已修改，作为新版本保存，沿用上一版本 {saved.carried} 条决定", err=True)
        rows.append(outcome)
        if as_json:
            click.echo(json_line(review_json(outcome)))
        elif show_details:
            print_review(console, outcome, comments=comments)
    if not as_json and not single:
        console.print(summary_table(rows))
    if judge_stage.report_line() and not as_json:
        click.echo(judge_stage.report_line(), err=True)
    if failed:
        sys.exit(2)


def main() -> None:
    tune_for_batch()
    cli()
from . import signoff  # noqa: E402,F401  registers the sign-off commands
from . import import_cli  # noqa: E402,F401  registers commands
from . import eval_cli  # noqa: E402,F401  registers commands
