"""Options shared by several commands, as small decorators (the simonw/llm style)."""

from __future__ import annotations

import functools
from dataclasses import replace
import os
from typing import Any, Callable

import click

from ..config import Config, load_config
from ..judge.examples import DEFAULT_EXAMPLES, choose
from ..judge.settings import (
    BACKENDS, DEFAULT_CONCURRENCY, MAX_EXAMPLES, MAX_SAMPLES, PROMPT_VERSIONS, JudgeSettings, resolve_settings,
)
from ..llm.endpoints import DEFAULT_TIMEOUT, PROFILES
from ..store.examples import load_examples


def config_option(func: Callable) -> Callable:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False),
        help="TOML file overriding check thresholds (see README).",
    )(func)


def db_option(func: Callable) -> Callable:
    return click.option(
        "--db", "db_path", default="review.db", envvar="REVIEW_DB", show_default=True,
        type=click.Path(dir_okay=False), help="SQLite database for critiques and decisions (env REVIEW_DB).",
    )(func)


def default_reviewer() -> str:
    import getpass  # here: only the sign-off commands ask who the reviewer is

    return os.environ.get("REVIEWER") or getpass.getuser()


def reviewer_option(func: Callable) -> Callable:
    return click.option("--reviewer", default=default_reviewer, show_default="$REVIEWER 或登录名",
                        help="Name recorded with each decision.")(func)


def document_reviewer_option(func: Callable) -> Callable:
    return click.option("--reviewer", default=None,
                        help="复核人 printed in the documents (default: [signoff] reviewer of --config, else "
                             "$REVIEWER; never the login name).")(func)


FILTER_NAMES = ("forms", "units", "departments", "years", "codes", "severities", "verdicts", "source", "first")


def filter_options(func: Callable) -> Callable:
    """The point filters, gathered into `filters` (a dict of FILTER_NAMES)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["filters"] = {name: kwargs.pop(name) for name in FILTER_NAMES}
        return func(*args, **kwargs)

    for option in reversed([
        click.option("--form", "forms", multiple=True,
                     help="Form id prefix, part of its file path, or part of the project name."),
        click.option("--unit", "units", multiple=True, help="Part of the 实施单位 (repeatable)."),
        click.option("--department", "departments", multiple=True, help="Part of the 主管部门 (repeatable)."),
        click.option("--year", "years", multiple=True, type=int, help="Budget year of the form (repeatable)."),
        click.option("--code", "codes", multiple=True,
                     help="Points with a finding of this code, e.g. ROUNDING (repeatable)."),
        click.option("--severity", "severities", multiple=True, type=click.Choice(["error", "warning", "info"]),
                     help="Points of this severity (their most serious finding's; repeatable)."),
        click.option("--verdict", "verdicts", multiple=True, type=click.Choice(["covers", "partial", "does_not_cover"]),
                     help="Points the judge gave this verdict (repeatable)."),
        click.option("--source", type=click.Choice(["rules", "judge"]),
                     help="Points with a rule finding, or with a judge's verdict."),
        click.option("--first", is_flag=True, default=None, help="Only points marked 待重点审核 (look at first)."),
    ]):
        wrapper = option(wrapper)
    return wrapper


JUDGE_OPTION_NAMES = ("judge_backend", "base_url", "model", "profile", "concurrency", "timeout", "prompt", "samples",
                      "few_shot")


def judge_options(func: Callable) -> Callable:
    """--judge, --base-url, --model, --profile, --concurrency, --timeout, --prompt, --samples, --few-shot,
    gathered into `judge_opts`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        kwargs["judge_opts"] = {name: kwargs.pop(name) for name in JUDGE_OPTION_NAMES}
        return func(*args, **kwargs)

    options = [
        click.option("--judge", "judge_backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
                     help="Who judges the deviation explanations: offline rules, or a model (auto: the model "
                          "when an endpoint or model is configured)."),
        click.option("--base-url", envvar="REVIEW_BASE_URL",
                     help="OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1 (env REVIEW_BASE_URL). "
                          "The key comes from REVIEW_API_KEY."),
        click.option("--model", envvar="REVIEW_MODEL", help="Model name (env REVIEW_MODEL)."),
        click.option("--profile", envvar="REVIEW_PROFILE", type=click.Choice(sorted(PROFILES), case_sensitive=False),
                     help="Endpoint profile: structured-output mode and thinking switch (env REVIEW_PROFILE)."),
        click.option("--concurrency", type=click.IntRange(min=1), default=None,
                     help=f"Model calls in flight at once [default: {DEFAULT_CONCURRENCY}]."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=None,
                     help=f"Seconds per model call before it is retried [default: {DEFAULT_TIMEOUT:g}]."),
        click.option("--prompt", type=click.Choice(PROMPT_VERSIONS), default=None,
                     help="Model prompt: v1 asks for the verdict; v2 asks a checklist answered with quotes and "
                          "computes the verdict in code [default: [judge] prompt, else v1]."),
        click.option("--samples", type=click.IntRange(1, MAX_SAMPLES), default=None,
                     help="Model answers per explanation, at a small temperature; the majority verdict counts and "
                          "the agreement is its confidence [default: [judge] samples, else 1]."),
        click.option("--few-shot", "few_shot", type=click.IntRange(0, MAX_EXAMPLES), default=None,
                     help=f"Show the model this many of the reviewers' own past decisions from --db (0: none) "
                          f"[default: [judge] few_shot, else 0; {DEFAULT_EXAMPLES} is a good start]."),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def judge_settings(opts: dict[str, Any], config: Config, db_path: str | None = None,
                   exclude_files: tuple[str, ...] = ()) -> JudgeSettings:
    """The judge the options ask for (ConfigError when they cannot work). With --few-shot (or [judge]
    few_shot) and a model judge, the reviewers' decisions in `db_path` become examples, never from a
    form of the eval test split nor from `exclude_files`."""
    settings = resolve_settings(
        backend=opts["judge_backend"], base_url=opts["base_url"], model=opts["model"], profile=opts["profile"],
        concurrency=opts["concurrency"], timeout=opts["timeout"], config=config,
        prompt=opts.get("prompt"), samples=opts.get("samples"), few_shot=opts.get("few_shot"),
    )
    if settings.few_shot and settings.backend == "llm" and db_path:
        # Imported here: only a few-shot model judge needs the eval split (the eval code is not every command's).
        from ..evaluation.evaluate import test_split_files, test_split_form_ids

        found = load_examples(db_path, exclude_files=test_split_files() + exclude_files,
                              exclude_forms=test_split_form_ids())
        settings = replace(settings, examples=choose(found, settings.few_shot))
    return settings


__all__ = ["config_option", "db_option", "reviewer_option", "document_reviewer_option", "filter_options",
           "judge_options", "judge_settings", "default_reviewer", "load_config", "FILTER_NAMES"]
