"""The one place where the library's exceptions become what a reviewer sees on the command line:
an `错误：…` line (or click's usage error for a bad setting) and an exit status. No traceback.

SQLite's own errors (a damaged page met in the middle of a command, a full disk, a database made
read-only under us) become `错误：数据库 X：…` in Chinese, exit status 2, wherever they are raised."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from click_default_group import DefaultGroup

from ..errors import ConfigError, OutputError, ReviewerError
from ..form import FormError
from ..store import DatabaseError
from ..store.health import database_error
from .terminal import clean, echo



class Refused(click.ClickException):
    """A ReviewerError as click shows it: `错误：…` on stderr."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        echo(f"错误：{self.message}", err=True)


def exit_status(error: ReviewerError) -> int:
    """A file or set that cannot be read (or a report that cannot be written) is status 2, like a usage
    error; a refused change is 1."""
    # Imported here: the import and eval code is loaded by their own commands, not by every `review` (and is
    # loaded already when one of its errors reaches this).
    from ..evaluation.evaluate import EvalSetError
    from ..importing import NotAForm

    return 2 if isinstance(error, (FormError, NotAForm, EvalSetError, DatabaseError, OutputError)) else 1


def as_click(error: ReviewerError, ctx: click.Context | None = None) -> click.ClickException:
    if isinstance(error, ConfigError):
        return click.UsageError(error.message, ctx=ctx)
    return Refused(str(error), exit_status(error))


class ReviewCommand(click.Command):
    """Every `review` command: library errors become messages, never tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReviewerError as error:
            raise as_click(error, ctx) from None
        except sqlite3.Error as error:
            raise as_click(database_error(ctx.params.get("db_path") or "review.db", error), ctx) from None


@contextmanager
def cleaned_usage() -> Iterator[None]:
    """click's own messages quote the command line (an extra argument, an unknown option, a path): a
    name holding an escape sequence would act on the terminal when click prints it. Cleaned on the way out."""
    try:
        yield
    except click.ClickException as error:
        error.message = clean(error.message)
        raise


class ReviewGroup(DefaultGroup):
    """The `review` group: usage errors of any command below it come out cleaned (see cleaned_usage)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        with cleaned_usage():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with cleaned_usage():
            return super().invoke(ctx)
