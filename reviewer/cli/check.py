"""`review FORM...`: review forms and store their critiques (the default command)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from contextlib import ExitStack
from typing import TYPE_CHECKING, Callable, TypeVar

import click

from ..form.files import Skipped, is_folder, shown_path, walk
from ..review import Review
from ..signoff.batch import Prepared, WorkerLost, default_jobs, review_batch, start_workers, stop_workers
from ..signoff.intake import review_of, save, version_notes
from ..store import JudgeCache, Store
from ..store.health import DatabaseError, explain, fit_for_writing
from ..store.judge_cache import migrations as judge_migrations
from ..store.schema import migrations
from .errors import ReviewCommand, Refused
from .options import config_option, db_option, judge_options, judge_settings, load_config
from .terminal import echo, flush, json_text, new_console, write_safe_bytes

if TYPE_CHECKING:
    from .render import SummaryRow

PROGRESS_FROM = 10
T = TypeVar("T")


def _form_file(name: str) -> str | None:
    return "take" if name.endswith(".json") else None


def expand_paths(paths: tuple[str, ...]) -> tuple[list[str], list[Skipped]]:
    """Files as given; folders become the *.json files below them, sorted. Also the entries below
    a folder that could not be read (a folder without permission, a broken or circular link, a
    pipe named *.json): each is named, never silently passed over. The files are path strings
    (as str(Path) writes them): a batch holds them for its whole run."""
    files: list[str] = []
    skipped: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if is_folder(path):
            found = walk(path, _form_file, text=True)
            files.extend(found.taken)  # type: ignore[arg-type] - strings (text=True)
            skipped.extend(found.skipped)
        else:
            files.append(str(path))  # its reader says what is wrong with it, if anything
    return files, skipped


def _progress(stack: ExitStack, total: int) -> Callable[[], None]:
    """A progress bar on stderr; the function returned advances it by one file."""
    # Imported here: only a batch in a terminal shows one (`--json` and a single form do not).
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    progress = stack.enter_context(Progress(TextColumn("审核中"), BarColumn(), MofNCompleteColumn(),
                                            TimeRemainingColumn(), console=new_console(stderr=True), transient=True))
    task = progress.add_task("review", total=total)
    return lambda: progress.advance(task)


def _stored_review(store: Store | None, item: Prepared) -> Review:
    """A file reviewed already (skipped): its stored review, for the terminal report."""
    assert store is not None and item.form_id is not None
    review = review_of(store.form(item.form_id), store.form_critiques(item.form_id))
    review.file = item.file
    runs = sorted(store.runs(item.form_id), key=lambda run: run.last_at)
    if runs:
        review.judge = {"backend": runs[-1].backend, "model": runs[-1].model}
    return review


# What became of each file of a batch, by its place in the batch (one byte a file: nothing else is kept
# per file while the batch runs).
SAVED, REFUSED = 1, 2


class Ledger:
    """Which files of a batch are stored (their transaction committed) and which were refused, by place:
    a file's rows are written in batch order, so the stored files are those SAVED before the place of the
    last COMMIT."""

    def __init__(self, files: list[str]):
        self.files = files
        self.state = bytearray(len(files))
        self.at = -1  # the file being stored now
        self.committed = 0  # files before this place whose rows were written are committed

    def saved(self) -> None:
        self.state[self.at] = SAVED

    def refused(self) -> None:
        self.state[self.at] = REFUSED

    def kept(self) -> None:
        self.committed = self.at + 1

    def stored(self) -> list[str]:
        return [shown_path(self.files[i]) for i in range(self.committed) if self.state[i] == SAVED]

    def refused_names(self) -> set[str]:
        return {shown_path(file) for file, state in zip(self.files, self.state) if state == REFUSED}


def stopped(db_path: str, error: Exception, ledger: Ledger) -> str:
    """Why a batch stopped (a full disk, a database that went read-only or bad under it), and which of its
    files are stored and which are not: a form is stored whole or not at all, and named stored only once
    its transaction committed."""
    reason = error.message if isinstance(error, DatabaseError) else f"数据库 {db_path}：{explain(error)}"
    return stopped_because(reason, ledger)


def stopped_because(reason: str, ledger: Ledger) -> str:
    stored, refused, files = ledger.stored(), ledger.refused_names(), ledger.files
    kept = set(stored)
    missing = [name for name in map(shown_path, files) if name not in kept and name not in refused]
    lines = [f"{reason.rstrip('。')}。审核已停止。",
             f"已保存 {len(stored)} 份：{'、'.join(stored)}" if stored else "本批没有保存任何表单。",
             f"未保存 {len(missing)} 份（处理后重新审核这些文件即可，已保存的不会重复）：{'、'.join(missing)}"]
    return "\n".join(lines)


def interrupted(ledger: Ledger, no_store: bool) -> str:
    """Ctrl+C in a batch: how far it got. Running the same command again goes on from there (what is stored and
    unchanged is not reviewed again)."""
    if no_store:
        return "审核已中断（未保存到数据库）。"
    return (f"审核已中断：已保存 {len(ledger.stored())} 份表单。重新运行同一命令即可继续，"
            "已保存且未改动的表单不会重复审核。")


@click.command(name="check", cls=ReviewCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("--json", "as_json", is_flag=True, help="JSON Lines on stdout, one object per form.")
@click.option("--details/--no-details", default=None, help="Full report per form (default: only for a single form).")
@click.option("--comments/--no-comments", default=True, help="Show the suggested comment under each finding.")
@click.option("--no-store", is_flag=True, help="Do not store the critiques in the database.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes reading, scoring, checking and judging forms with the rules judge: this one and "
                   "N-1 workers (default: the number of cores; 1: all in this process). The model judge runs in "
                   "this process: its concurrency is asynchronous requests (--concurrency).")
@config_option
@db_option
@judge_options
def check(paths: tuple[str, ...], as_json: bool, details: bool | None, comments: bool, config_path: str | None,
          no_store: bool, db_path: str, judge_opts: dict, jobs: int | None) -> None:
    """Review one or more forms (files or folders of *.json).

    Prints the recomputed scorecard, the findings grouped by severity and a
    suggested comment for each. With several forms, a summary table follows.
    Exit status 2 when a file cannot be read, or an entry below a folder (a
    folder without permission, a broken or circular link, a pipe): each is
    named, and the other files are still reviewed.
    Each form is stored with its critiques in the database (--db) for sign-off
    with `review session`; reviewing it again stores nothing twice, and a file
    unchanged since it was stored (same bytes, path, settings and tool version)
    is not reviewed again by the rules judge: its stored result is shown.
    """
    jobs = jobs or default_jobs()
    config = load_config(config_path)
    if not no_store:  # before any form is reviewed: nothing it could not store is shown as done
        fit_for_writing(db_path, (migrations, judge_migrations))
    settings = judge_settings(judge_opts, config, db_path)
    files, skipped = expand_paths(paths)
    for entry in skipped:
        echo(f"错误：{entry}", err=True)
        if as_json:
            echo(json_text({"file": shown_path(entry.path), "error": str(entry)}))
    if not files:
        if skipped:
            sys.exit(2)
        raise click.UsageError("没有找到 .json 表单文件")
    if not as_json:  # rich draws them: `--json` never loads it (~25 ms of a run's start-up)
        from .render import SummaryRow, print_review, summary_table

        console = new_console()
    single = len(files) == 1 and not skipped
    show_details = single if details is None else details
    show_progress = not as_json and len(files) >= PROGRESS_FROM and sys.stderr.isatty()
    rows: list[SummaryRow | tuple[str, str]] = [(shown_path(entry.path), entry.reason) for entry in skipped]
    failed = len(skipped)
    cache = (JudgeCache(db_path, optional=no_store, warn=lambda message: echo(message, err=True))
             if settings.backend == "llm" else None)
    store: Store | None = None  # opened on the first readable form: a refused file writes nothing
    ledger = Ledger(files)  # what is stored, named if the batch stops

    def save_one(item: Prepared):  # noqa: ANN202 - what save returns
        saved = save(store, item)
        ledger.saved()  # only once its rows are written; named stored at the next COMMIT
        return saved

    def known(files: list[tuple[str, str]]) -> dict[str, tuple[str, str]]:
        return store.known_results(files) if store is not None else {}

    summaries: list[dict] = []
    unchanged = 0
    # Before the database is opened or a thread started (the progress bar's, the store's checkpoints): on Linux
    # the workers are forked from this process (start_workers). Warmed on the first file when none can be known
    # already: a re-review into an existing database may review nothing at all.
    fresh = no_store or not Path(db_path).exists()
    workers = start_workers(config, settings, jobs, len(files), files[0] if fresh else None)
    lost: tuple[WorkerLost, str] | None = None
    try:
        if not no_store and Path(db_path).exists():
            store = Store(db_path, warn=lambda message: echo(message, err=True))
        with ExitStack() as progress_stack:
            advance = _progress(progress_stack, len(files)) if show_progress else (lambda: None)
            # The re-review skip is for the rules judge: a model judge's review goes through its verdict cache
            # instead (no calls, no cost), and the usage it prints stays this run's.
            skip = None if no_store or settings.backend == "llm" else known
            for chunk in review_batch(files, config, settings, jobs=jobs, known=skip, keep_review=not as_json,
                                      cache=cache, summaries=summaries if settings.backend == "llm" else None,
                                      workers=workers):
                # Each chunk is stored in a few short transactions (Store.batch), not one per form.
                try:
                    with ExitStack() as stack:
                        batch: list[Callable] = []

                        def store_write(fn: Callable[[], T]) -> T:
                            nonlocal store
                            try:
                                store = store or Store(db_path, warn=lambda message: echo(message, err=True))
                                if not batch:
                                    batch.append(stack.enter_context(store.batch(committed=ledger.kept)))
                                result = batch[0](fn)
                            except (sqlite3.DatabaseError, DatabaseError) as error:  # full disk: say what is kept
                                raise Refused(stopped(db_path, error, ledger), 2) from None
                            return result

                        for item in chunk:
                            advance()
                            ledger.at += 1
                            outcome = item.form_error
                            if outcome is not None:
                                failed += 1
                                ledger.refused()
                                reason = outcome.message if not outcome.path else f"{outcome.path}: {outcome.message}"
                                if not no_store and (store is not None or Path(db_path).exists()):
                                    # Kept so the batch summary lists it apart until it is read; into a database
                                    # that exists already: a refused file alone creates none.
                                    store_write(lambda: store.record_refusal(outcome.file, reason))
                                if as_json:
                                    echo(json_text({"file": outcome.file, "error": str(outcome)}))
                                elif single:
                                    raise Refused(str(outcome), 2)
                                else:
                                    echo(f"错误：{outcome}", err=True)
                                if not as_json:  # for the summary table
                                    rows.append((outcome.file, reason))
                                continue
                            if not no_store and not item.skipped:
                                notes, warnings = version_notes(item.file, store_write(lambda: save_one(item)))
                                for line in warnings + ([] if as_json else notes):
                                    echo(line, err=True)
                            if as_json:
                                # Built and escaped in a worker (json_safe, as json_line escapes; flushed per chunk).
                                write_safe_bytes(item.line_bytes)
                                continue
                            unchanged += item.skipped
                            review = item.review or _stored_review(store, item)
                            rows.append(SummaryRow(review))  # the Review goes once it is printed
                            if show_details:
                                print_review(console, review, comments=comments)
                except (sqlite3.DatabaseError, DatabaseError) as error:  # the chunk's last commit failed
                    raise Refused(stopped(db_path, error, ledger), 2) from None
                finally:
                    if as_json:  # the chunk's lines, before any message on why the batch stopped
                        flush()
    except KeyboardInterrupt:  # Ctrl+C: what the batch wrote before it is committed (Store.batch)
        raise Refused(interrupted(ledger, no_store), 130) from None
    except WorkerLost as error:  # what the batch wrote before it is committed, as for Ctrl+C
        lost = (error, stopped_because(str(error), ledger))
        raise Refused(lost[1], 2) from None
    finally:
        if workers is not None:  # the batch ends them; here too when it stopped before it started
            stop_workers(workers)
        if store is not None:
            store.close()
        if cache is not None:
            try:
                cache.close()
            except (sqlite3.DatabaseError, DatabaseError) as error:  # the verdicts stored with the forms stand
                echo(f"注意：模型评判结果未能存入缓存（{getattr(error, 'message', None) or explain(error)}），"
                     "下次审核将重新调用模型", err=True)
        if lost is not None and lost[0].stuck:
            # The executor would wait for ever for the dead worker's half-sent result as Python exits (it joins
            # its thread then): say why, as Refused would, and end here, the store closed above.
            echo(f"错误：{lost[1]}", err=True)
            flush()
            os._exit(2)
    if not as_json and not single:
        console.print(summary_table(rows))
    if unchanged and not as_json:
        echo(f"{unchanged} 份表单自上次审核后未改动（内容、设置与工具版本相同），显示已保存的审核结果", err=True)
    if summaries and not as_json:  # a model judge's run
        from .render import judge_report_line

        line = judge_report_line(settings, summaries)
        if line:
            echo(line, err=True)
    if failed:
        sys.exit(2)

