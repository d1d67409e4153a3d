"""Judge explanations in batches: the rules offline, or a model with one event loop, one client
and one cache for the whole run. Each judged indicator gets one `EXPLANATION_VERDICT` finding;
deterministic findings are never changed.

    with Judge(settings, cache) as judge:
        run = judge.judge(cases)              # → JudgeRun: results, summary
        judge.judge_reviews(reviews)          # adds the findings and review.judge
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dataclasses import replace

from ..checks.catalogue import INFO, TAG_LABEL, VERDICT_LABEL, WARNING, Finding
from ..checks.wording import quoted
from ..llm.endpoints import Usage
from ..llm.secrets import redact
from ..review import Review
from .cache import VerdictCache
from .case import JudgeCase, JudgeResult, Verdict, judge_cases
from .injection import tag_injection
from .rules import judge_rules
from .settings import DEFAULT_CONFIDENCE_FLOOR, JudgeSettings

if TYPE_CHECKING:
    import asyncio


class JudgeRun:
    """A batch's results, and its usage summary: summarized on first use, as a batch of forms asks only for
    each form's (apply_results)."""

    def __init__(self, results: list[JudgeResult], settings: JudgeSettings):
        self.results = results
        self._settings = settings
        self._summary: dict[str, Any] | None = None

    @property
    def summary(self) -> dict[str, Any]:
        if self._summary is None:
            self._summary = summarize(self.results, self._settings)
        return self._summary


class Judge:
    """A judging session. The rules judge needs nothing; the model judge keeps one event loop
    (asyncio.Runner), one client and the cache for every batch it is given. Close it (or use
    `with`) to release the client and flush the cache."""

    def __init__(self, settings: JudgeSettings, cache: VerdictCache | None = None):
        self.settings = settings
        self.cache = cache
        self._runner: asyncio.Runner | None = None
        self._llm: Any = None

    def __enter__(self) -> "Judge":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def judge(self, cases: list[JudgeCase]) -> JudgeRun:
        """Verdicts in case order, plus the usage summary."""
        if self.settings.backend == "rules":
            # no event loop: it costs more
            verdicts = [tag_injection(judge_rules(case, self.settings.thresholds), case) for case in cases]
        else:
            verdicts = self._loop().run(self._judge_llm(cases))
        results = [JudgeResult(case, verdict) for case, verdict in zip(cases, verdicts)]
        return JudgeRun(results, self.settings)

    def judge_reviews(self, reviews: list[Review]) -> JudgeRun:
        """Judge every explanation of these reviews in one batch and add the findings to them."""
        cases = [case for review in reviews for case in judge_cases(review, self.settings.thresholds)]
        run = self.judge(cases)
        apply_results(reviews, run, self.settings)
        return run

    def _loop(self) -> asyncio.Runner:
        if self._runner is None:
            import asyncio  # here: the rules judge never needs an event loop (~15 ms of every start-up)

            self._runner = asyncio.Runner()
        return self._runner

    async def _judge_llm(self, cases: list[JudgeCase]) -> list[Verdict]:
        if self._llm is None:
            from .llm import LLMJudge  # the SDK and the prompt splitter load only when a model judges

            self._llm = LLMJudge(self.settings, self.cache)
        return await self._llm.judge_many(cases)

    def close(self) -> None:
        if self._runner is not None:
            if self._llm is not None:
                self._runner.run(self._llm.aclose())
            self._runner.close()
            self._runner = self._llm = None
        if self.cache is not None:
            self.cache.flush()


def judge(cases: list[JudgeCase], settings: JudgeSettings, cache: VerdictCache | None = None) -> JudgeRun:
    """Judge the cases in one batch (a session of its own)."""
    with Judge(settings, cache) as session:
        return session.judge(cases)


def judge_reviews(reviews: list[Review], settings: JudgeSettings, cache: VerdictCache | None = None) -> JudgeRun:
    """Judge every explanation of these reviews in one batch (shared concurrency and cache)."""
    with Judge(settings, cache) as session:
        return session.judge_reviews(reviews)


def judge_fallback(reviews: list[Review], settings: JudgeSettings, error: BaseException) -> JudgeRun:
    """The rules' verdicts for these reviews, each marked as standing in for a model judgement that
    failed (`error`: redacted, bounded); the judge summaries say how many."""
    secrets = settings.endpoint.secrets if settings.endpoint is not None else ()
    reason = f"internal: {type(error).__name__}: {redact(str(error), secrets)[:300]}"  # cut after redacting
    model = settings.endpoint.model if settings.endpoint is not None else None
    results = []
    for review in reviews:
        for case in judge_cases(review, settings.thresholds):
            verdict = tag_injection(judge_rules(case, settings.thresholds), case)
            if not case.blank:  # a blank explanation is never sent to a model
                verdict = replace(verdict, error=reason, model=model)
            results.append(JudgeResult(case, verdict))
    run = JudgeRun(results, settings)
    apply_results(reviews, run, settings)
    for review in reviews:
        review.judge["error"] = reason
    return run


def fallback_note(summary: dict[str, Any]) -> str | None:
    """"其中 N 条模型评判失败，改用规则评判" when a model run fell back on any verdict."""
    failed = summary.get("errors") or 0
    if summary.get("backend") != "llm" or not failed:
        return None
    return f"其中 {failed} 条模型评判失败，改用规则评判"


def summarize(results: list[JudgeResult], settings: JudgeSettings) -> dict[str, Any]:
    usage = Usage()
    cached = fallbacks = errors = doubtful = 0
    llm, floor, add = settings.backend == "llm", settings.confidence_floor, usage.add  # read once, not per verdict
    for result in results:
        verdict = result.verdict
        add(verdict.usage)
        cached += verdict.cached
        if llm and verdict.source == "judge:rules":
            fallbacks += 1
        errors += verdict.error is not None
        doubtful += verdict.review_first(floor)
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
        "samples": settings.samples if endpoint else None,
        "judged": len(results),
        "review_first": doubtful,
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


def verdict_finding(case: JudgeCase, verdict: Verdict, floor: float = DEFAULT_CONFIDENCE_FLOOR) -> Finding:
    """The EXPLANATION_VERDICT finding. data["confidence"] and data["review_first"] are the contract with
    sign-off, which marks review_first points 待重点审核 and puts them first."""
    row = case.row
    tags = "、".join(map(TAG_LABEL.get, verdict.tags, verdict.tags))  # TAG_LABEL.get(t, t), without a listcomp
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
        data=verdict.finding_data(case.index, case.pair, floor),
        confidence=verdict.confidence,
    )


def apply_results(reviews: list[Review], run: JudgeRun, settings: JudgeSettings) -> None:
    """Add one EXPLANATION_VERDICT per judged indicator and a per-form summary to each review."""
    by_form: dict[int, list[JudgeResult]] = {}
    for result in run.results:
        by_form.setdefault(id(result.case.review), []).append(result)
    for review in reviews:
        results = by_form.get(id(review), [])
        review.add_findings([verdict_finding(r.case, r.verdict, settings.confidence_floor) for r in results])
        review.judge = summarize(results, settings)
