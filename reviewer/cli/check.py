"""`review FORM...`: review forms and store their critiques (the default command)."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Iterator

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..engine import Engine
from ..form import FormError
from ..form.files import Skipped, is_folder, shown_path, walk
from ..review import Review
from ..signoff.intake import save, version_notes
from ..store import JudgeCache, Store
from ..store.health import DatabaseError, explain, fit_for_writing
from ..store.judge_cache import migrations as judge_migrations
from ..store.schema import migrations
from .errors import ReviewCommand, Refused
from .options import config_option, db_option, judge_options, judge_settings, load_config
from .render import json_line, judge_report_line, print_review, review_json, summary_table
from .terminal import echo, new_console

PROGRESS_FROM = 10


def _form_file(name: str) -> str | None:
    return "take" if name.endswith(".json") else None


def expand_paths(paths: tuple[str, ...]) -> tuple[list[Path], list[Skipped]]:
    """Files as given; folders become the *.json files below them, sorted. Also the entries below
    a folder that could not be read (a folder without permission, a broken or circular link, a
    pipe named *.json): each is named, never silently passed over."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if is_folder(path):
            found = walk(path, _form_file)
            files.extend(found.taken)
            skipped.extend(found.skipped)
        else:
            files.append(path)  # its reader says what is wrong with it, if anything
    return files, skipped


def with_progress(files: list[Path], show: bool) -> Iterator[Path]:
    """The files, advancing a progress bar on stderr as each is taken."""
    if not show:
        yield from files
        return
    progress = Progress(TextColumn("审核中"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                        console=new_console(stderr=True), transient=True)
    with progress:
        task = progress.add_task("review", total=len(files))
        for path in files:
            yield path
            progress.advance(task)


def stopped(db_path: str, error: Exception, stored: list[str], refused: set[str], files: list[Path]) -> str:
    """Why a batch stopped (a full disk, a database that went read-only or bad under it), and which of its
    files are stored and which are not: each form is stored whole or not at all, in its own transaction."""
    reason = error.message if isinstance(error, DatabaseError) else f"数据库 {db_path}：{explain(error)}"
    kept = set(stored)
    missing = [name for name in map(shown_path, files) if name not in kept and name not in refused]
    lines = [f"{reason.rstrip('。')}。审核已停止。",
             f"已保存 {len(stored)} 份：{'、'.join(stored)}" if stored else "本批没有保存任何表单。",
             f"未保存 {len(missing)} 份（处理后重新审核这些文件即可，已保存的不会重复）：{'、'.join(missing)}"]
    return "\n".join(lines)


@click.command(name="check", cls=ReviewCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
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
    Exit status 2 when a file cannot be read, or an entry below a folder (a
    folder without permission, a broken or circular link, a pipe): each is
    named, and the other files are still reviewed.
    Each form is stored with its critiques in the database (--db) for sign-off
    with `review session`; reviewing it again stores nothing twice.
    """
    config = load_config(config_path)
    if not no_store:  # before any form is reviewed: nothing it could not store is shown as done
        fit_for_writing(db_path, (migrations, judge_migrations))
    settings = judge_settings(judge_opts, config, db_path)
    files, skipped = expand_paths(paths)
    for entry in skipped:
        echo(f"错误：{entry}", err=True)
        if as_json:
            echo(json_line({"file": shown_path(entry.path), "error": str(entry)}))
    if not files:
        if skipped:
            sys.exit(2)
        raise click.UsageError("没有找到 .json 表单文件")
    console = new_console()
    single = len(files) == 1 and not skipped
    show_details = single if details is None else details
    show_progress = not as_json and len(files) >= PROGRESS_FROM and sys.stderr.isatty()
    rows: list[Review | tuple[str, str]] = [(shown_path(entry.path), entry.reason) for entry in skipped]
    failed = len(skipped)
    cache = (JudgeCache(db_path, optional=no_store, warn=lambda message: echo(message, err=True))
             if settings.backend == "llm" else None)
    store: Store | None = None  # opened on the first readable form: a refused file writes nothing
    stored: list[str] = []
    refused: set[str] = set()
    try:
        with Engine(config, settings, cache) as engine:
            for outcome in engine.run(with_progress(files, show_progress)):
                if isinstance(outcome, FormError):
                    failed += 1
                    refused.add(outcome.file)
                    if not no_store and (store is not None or Path(db_path).exists()):
                        # Kept so the batch summary lists it apart until it is read; into a database that
                        # exists already: a refused file alone creates none.
                        try:
                            store = store or Store(db_path, warn=lambda message: echo(message, err=True))
                            store.record_refusal(outcome.file, outcome.message if not outcome.path
                                                 else f"{outcome.path}: {outcome.message}")
                        except (sqlite3.DatabaseError, DatabaseError) as error:
                            raise Refused(stopped(db_path, error, stored, refused, files), 2) from None
                    if as_json:
                        echo(json_line({"file": outcome.file, "error": str(outcome)}))
                    elif single:
                        raise Refused(str(outcome), 2)
                    else:
                        echo(f"错误：{outcome}", err=True)
                    rows.append((outcome.file, outcome.message if not outcome.path else f"{outcome.path}: {outcome.message}"))
                    continue
                if not no_store:
                    try:
                        store = store or Store(db_path, warn=lambda message: echo(message, err=True))
                        notes, warnings = version_notes(outcome.file, save(store, outcome))
                    except (sqlite3.DatabaseError, DatabaseError) as error:  # a full disk: stop, say what was kept
                        raise Refused(stopped(db_path, error, stored, refused, files), 2) from None
                    stored.append(outcome.file)
                    for line in warnings + ([] if as_json else notes):
                        echo(line, err=True)
                rows.append(outcome)
                if as_json:
                    echo(json_line(review_json(outcome)))
                elif show_details:
                    print_review(console, outcome, comments=comments)
            summaries = engine.summaries
    finally:
        if store is not None:
            store.close()
        if cache is not None:
            try:
                cache.close()
            except (sqlite3.DatabaseError, DatabaseError) as error:  # the verdicts stored with the forms stand
                echo(f"注意：模型评判结果未能存入缓存（{getattr(error, 'message', None) or explain(error)}），"
                     "下次审核将重新调用模型", err=True)
    if not as_json and not single:
        console.print(summary_table(rows))
    line = judge_report_line(settings, summaries)
    if line and not as_json:
        echo(line, err=True)
    if failed:
        sys.exit(2)

