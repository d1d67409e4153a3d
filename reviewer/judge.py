"""Judge every deviation explanation: does it account for the gap beside it?

Two judges behind one interface: `rules` (offline, the default) and `llm`
(any OpenAI-compatible endpoint). Each judged indicator gets one
`EXPLANATION_VERDICT` finding; deterministic findings are never changed.

Python API (also used by the eval command):

    settings = JudgeSettings(backend="llm", endpoint=Endpoint(...), db_path="review.db")
    cases = [case for review in reviews for case in judge_cases(review, config.thresholds)]
    run = judge(cases, settings)          # → JudgeRun(results, summary)
    judge_reviews(reviews, settings, config)  # adds the findings and review.judge
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from typing import Any

from .checks import explanation_required, is_empty_explanation, pair_cost_rows, quoted
from .config import Config, Thresholds
from .engine import Review
from .findings import WARNING, INFO, Finding
from .endpoints import PROFILES, Endpoint, Usage
from .scoring import IndicatorScore

VERDICTS = ("covers", "partial", "does_not_cover")
VERDICT_LABEL = {"covers": "说明充分", "partial": "部分说明", "does_not_cover": "未能说明偏差"}
TAGS = ("generic", "contradicts_data", "no_cause", "no_quantity", "no_measure", "irrelevant", "unreadable", "injection")
TAG_LABEL = {
    "generic": "套话", "contradicts_data": "与数据矛盾", "no_cause": "无具体原因", "no_quantity": "未量化",
    "no_measure": "无改进措施", "irrelevant": "与偏差无关", "unreadable": "文字无法辨认", "injection": "含指令性文字",
    "unverified_quote": "引文与表单不符", "llm_error": "模型评判失败",
}
# EXPLANATION_NO_MEASURE is left out: it fires on every explanation, gap or not.
_FLAGGING = ("COST_COUNT_DIVERGENCE", "EXPLANATION_MISSING", "EXPLANATION_REUSED")
BACKENDS = ("auto", "rules", "llm")


@dataclass(repr=False)
class JudgeCase:
    """One explanation to judge: an indicator of a review, with its paired row and findings."""

    review: Review
    index: int
    pair: int | None = None
    findings: list[Finding] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why an explanation is required here

    def __repr__(self) -> str:  # the review is large; asyncio task reprs must stay cheap
        return f"JudgeCase({self.review.file!r}, index={self.index}, pair={self.pair})"

    @property
    def row(self) -> IndicatorScore:
        return self.review.card.indicators[self.index]

    @property
    def pair_row(self) -> IndicatorScore | None:
        return None if self.pair is None else self.review.card.indicators[self.pair]

    @property
    def explanation(self) -> str:
        return (self.row.indicator.explanation or "").strip()

    @property
    def blank(self) -> bool:
        return is_empty_explanation(self.row.indicator.explanation)

    @property
    def key(self) -> tuple[str, int]:
        return (self.review.form_id, self.index)

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}


@dataclass
class Verdict:
    verdict: str
    tags: tuple[str, ...]
    comment: str
    reason: str
    source: str  # judge:rules or judge:llm
    evidence: tuple[str, ...] = ()
    model: str | None = None
    prompt_version: str | None = None
    error: str | None = None  # the LLM failure this rules verdict stands in for
    cached: bool = False
    usage: Usage = field(default_factory=Usage)
    rules: "Verdict | None" = None  # the rules verdict, beside an LLM one

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict, "tags": list(self.tags), "comment": self.comment, "reason": self.reason,
            "source": self.source, "evidence": list(self.evidence), "model": self.model,
            "prompt_version": self.prompt_version, "error": self.error, "cached": self.cached,
            "rules_verdict": self.rules.verdict if self.rules else None,
        }


@dataclass
class JudgeResult:
    case: JudgeCase
    verdict: Verdict


# --- which explanations to judge ---------------------------------------------

def _pairs(review: Review) -> dict[int, int]:
    partner: dict[int, int] = {}
    for quantity, cost in pair_cost_rows(review.card):
        partner.setdefault(quantity.index, cost.index)
        partner.setdefault(cost.index, quantity.index)
    return partner


def judge_cases(review: Review, thresholds: Thresholds | None = None) -> list[JudgeCase]:
    """The indicators whose explanation stands beside a gap, in form order.

    An explanation is judged where one is required (a gap) or where a check
    flagged the row (COST_COUNT_DIVERGENCE, EXPLANATION_*). For a diverging
    pair, the row that carries the explanation is judged (both if both do;
    the cost row if neither does).
    """
    thresholds = thresholds or Thresholds()
    partner = _pairs(review)
    flagged: dict[int, list[Finding]] = {}
    for finding in review.findings:
        for index in finding.indicators:
            flagged.setdefault(index, []).append(finding)
    chosen: set[int] = set()
    for row in review.card.indicators:
        has_text = not is_empty_explanation(row.indicator.explanation)
        codes = {f.code for f in flagged.get(row.index, [])}
        if has_text and (explanation_required(row, thresholds) or codes & set(_FLAGGING)):
            chosen.add(row.index)
        elif not has_text and "EXPLANATION_MISSING" in codes:
            chosen.add(row.index)
    for finding in review.findings:
        if finding.code != "COST_COUNT_DIVERGENCE":
            continue
        quantity, cost = finding.indicators
        texts = [i for i in (quantity, cost) if not is_empty_explanation(review.card.indicators[i].indicator.explanation)]
        chosen.update(texts or [cost])
    cases = []
    for index in sorted(chosen):
        pair = partner.get(index)
        related = [f for f in review.findings if index in f.indicators or (pair is not None and pair in f.indicators)]
        row = review.card.indicators[index]
        cases.append(JudgeCase(review, index, pair, related, explanation_required(row, thresholds)))
    return cases


# --- settings ------------------------------------------------------------------

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 60.0
OPENAI_URL = "https://api.openai.com/v1"


@dataclass
class JudgeSettings:
    backend: str = "rules"  # rules or llm (auto is resolved by `resolve_settings`)
    endpoint: Endpoint | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    db_path: str | None = None  # the cache; None = no cache
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    thresholds: Thresholds = field(default_factory=Thresholds)
    prompt_version: str = "v1"


class JudgeConfigError(ValueError):
    """Settings that cannot work; the message is for the reviewer."""


def resolve_settings(
    backend: str = "auto",
    base_url: str | None = None,
    model: str | None = None,
    profile: str | None = None,
    concurrency: int | None = None,
    timeout: float | None = None,
    db_path: str | None = None,
    config: Config | None = None,
    env: dict[str, str] | None = None,
) -> JudgeSettings:
    """Settings from options, then REVIEW_* variables, then the [judge] section of the config.

    The key comes from REVIEW_API_KEY; OPENAI_API_KEY only when no base URL is
    set (the request then goes to OpenAI itself), so a key never reaches a
    host it was not meant for. `auto` uses the model when a base URL or a
    model is configured, else the offline rules.
    """
    config = config or Config()
    env = dict(os.environ) if env is None else env
    section = config.judge
    base_url = base_url or env.get("REVIEW_BASE_URL") or section.get("base_url")
    model = model or env.get("REVIEW_MODEL") or section.get("model")
    profile = profile or env.get("REVIEW_PROFILE") or section.get("profile")
    backend = (backend or section.get("backend") or "auto").lower()
    concurrency = concurrency or int(section.get("concurrency", DEFAULT_CONCURRENCY))
    timeout = timeout or float(section.get("timeout", DEFAULT_TIMEOUT))
    if backend not in BACKENDS:
        raise JudgeConfigError(f"未知的评判方式 {backend!r}（可用：{', '.join(BACKENDS)}）")
    if concurrency < 1:
        raise JudgeConfigError("并发数应为正整数")
    settings = JudgeSettings(concurrency=concurrency, db_path=db_path, prices=config.prices,
                             thresholds=config.thresholds)
    if backend == "auto":
        backend = "llm" if (base_url or model) else "rules"
    settings.backend = backend
    if backend == "rules":
        return settings
    if not model:
        raise JudgeConfigError("使用模型评判需指定模型（--model 或 REVIEW_MODEL）")
    if base_url:
        key = env.get("REVIEW_API_KEY")
    else:
        key = env.get("REVIEW_API_KEY") or env.get("OPENAI_API_KEY")
        base_url = OPENAI_URL
        profile = profile or "openai"
    if profile and profile.lower() not in PROFILES and profile.lower() not in ("dashscope", "bailian"):
        raise JudgeConfigError(f"未知的端点类型 {profile!r}（可用：{', '.join(PROFILES)}）")
    settings.endpoint = Endpoint(
        base_url=base_url, model=model, api_key=key or None, profile=(profile or "generic").lower(),
        timeout=timeout, max_retries=int(section.get("max_retries", 2)),
    )
    return settings


# --- running -------------------------------------------------------------------

@dataclass
class JudgeRun:
    results: list[JudgeResult]
    summary: dict[str, Any]


def judge(cases: list[JudgeCase], settings: JudgeSettings) -> JudgeRun:
    """Judge the cases with the chosen backend; verdicts in case order plus the usage summary."""
    if settings.backend == "rules":
        return _judge_offline(cases, settings)  # no event loop: it costs more than the judging
    return asyncio.run(judge_async(cases, settings))


def _judge_offline(cases: list[JudgeCase], settings: JudgeSettings) -> JudgeRun:
    from .rules_judge import judge_rules

    results = [JudgeResult(case, judge_rules(case, settings.thresholds)) for case in cases]
    return JudgeRun(results, summarize(results, settings))


async def judge_async(cases: list[JudgeCase], settings: JudgeSettings) -> JudgeRun:
    if settings.backend == "rules":
        return _judge_offline(cases, settings)
    else:
        from .llm_judge import judge_llm_many

        verdicts = await judge_llm_many(cases, settings)
        results = [JudgeResult(case, verdict) for case, verdict in zip(cases, verdicts)]
    return JudgeRun(results, summarize(results, settings))


def summarize(results: list[JudgeResult], settings: JudgeSettings) -> dict[str, Any]:
    usage = Usage()
    cached = fallbacks = errors = 0
    for result in results:
        verdict = result.verdict
        usage.add(verdict.usage)
        cached += verdict.cached
        if settings.backend == "llm" and verdict.source == "judge:rules":
            fallbacks += 1
        errors += verdict.error is not None
    endpoint = settings.endpoint if settings.backend == "llm" else None
    model = endpoint.model if endpoint else None
    return {
        "backend": settings.backend,
        "model": model,
        "calls": usage.calls,
        "cached": cached,
        "fallbacks": fallbacks,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "errors": errors,
        "cached_tokens": usage.cached_tokens,
        "cost": cost_of(usage, model, settings.prices),
        "prompt_version": f"judge/{settings.prompt_version}" if endpoint else None,
        "judged": len(results),
    }


def cost_of(usage: Usage, model: str | None, prices: dict[str, dict[str, float]]) -> float | None:
    """Cost from the [prices] table (per 1M tokens: input, output, cached); None when the model is not priced."""
    price = prices.get(model or "")
    if not price:
        return None
    fresh = usage.prompt_tokens - usage.cached_tokens
    cached_price = price.get("cached", price.get("input", 0))
    total = fresh * price.get("input", 0) + usage.cached_tokens * cached_price + usage.completion_tokens * price.get("output", 0)
    return round(total / 1_000_000, 6)


# --- findings ------------------------------------------------------------------

def verdict_finding(case: JudgeCase, verdict: Verdict) -> Finding:
    row = case.row
    tags = "、".join(TAG_LABEL.get(t, t) for t in verdict.tags)
    message = f"{quoted(row)}的偏差说明评判为“{VERDICT_LABEL[verdict.verdict]}”"
    if tags:
        message += f"（{tags}）"
    if verdict.reason:
        message += f"：{verdict.reason}"
    if verdict.error:
        message = f"模型评判失败（{verdict.error}），以下为规则评判。" + message
    indicators = (case.index,) if case.pair is None else (case.index, case.pair)
    return Finding(
        "EXPLANATION_VERDICT", indicators, message, verdict.comment,
        severity=WARNING if verdict.verdict == "does_not_cover" else INFO,
        source=verdict.source, verdict=verdict.verdict, tags=verdict.tags,
        data={"indicator": case.index, "pair": case.pair, **verdict.as_dict()},
    )


def apply_results(reviews: list[Review], run: JudgeRun, settings: JudgeSettings) -> None:
    """Add one EXPLANATION_VERDICT per judged indicator and a per-form summary to each review."""
    by_form: dict[int, list[JudgeResult]] = {}
    for result in run.results:
        by_form.setdefault(id(result.case.review), []).append(result)
    for review in reviews:
        results = by_form.get(id(review), [])
        review.add_findings([verdict_finding(r.case, r.verdict) for r in results])
        review.judge = summarize(results, settings)


def judge_reviews(reviews: list[Review], settings: JudgeSettings) -> JudgeRun:
    """Judge every explanation of these reviews in one batch (shared concurrency and cache)."""
    cases = [case for review in reviews for case in judge_cases(review, settings.thresholds)]
    run = judge(cases, settings)
    apply_results(reviews, run, settings)
    return run


# --- the `check` command's judge stage -----------------------------------------------

def judge_options(func):
    """--judge, --base-url, --model, --profile, --concurrency, --timeout, gathered into `judge_opts`."""
    import functools

    import click

    names = ("judge_backend", "base_url", "model", "profile", "concurrency", "timeout")

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        kwargs["judge_opts"] = {name: kwargs.pop(name) for name in names}
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
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


class JudgeStage:
    """Judges each review of a `check` run in place and keeps the run's totals."""

    def __init__(self, opts: dict[str, Any], config: Config, db_path: str | None):
        import click

        try:
            self.settings = resolve_settings(
                backend=opts["judge_backend"], base_url=opts["base_url"], model=opts["model"],
                profile=opts["profile"], concurrency=opts["concurrency"], timeout=opts["timeout"],
                db_path=db_path, config=config,
            )
        except JudgeConfigError as error:
            raise click.UsageError(str(error)) from None
        self.summaries: list[dict[str, Any]] = []

    def __call__(self, review: Review) -> None:
        try:
            judge_reviews([review], self.settings)
        except Exception as error:  # noqa: BLE001 - one form's judge failure must not stop the run
            rules = JudgeSettings(thresholds=self.settings.thresholds)
            judge_reviews([review], rules)
            review.judge.update(backend=self.settings.backend, errors=review.judge.get("judged", 0),
                                fallbacks=review.judge.get("judged", 0), error=str(error))
        self.summaries.append(review.judge)

    def report_line(self) -> str | None:
        """One line for stderr after an llm run: calls, cache hits, errors, tokens, cost."""
        if self.settings.backend != "llm" or not self.summaries:
            return None
        total = {key: sum(s.get(key) or 0 for s in self.summaries)
                 for key in ("judged", "calls", "cached", "fallbacks", "errors", "prompt_tokens",
                             "completion_tokens", "cached_tokens")}
        costs = [s["cost"] for s in self.summaries if s.get("cost") is not None]
        cost = f"，费用 {sum(costs):.4f}" if costs else ""
        return (f"偏差说明评判（{self.settings.endpoint.model}）：{total['judged']} 项，调用 {total['calls']} 次，"
                f"缓存命中 {total['cached']}，规则兜底 {total['fallbacks']}，失败 {total['errors']}，"
                f"输入 {total['prompt_tokens']} / 输出 {total['completion_tokens']} / 缓存 {total['cached_tokens']} tokens{cost}")
