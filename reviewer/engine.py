"""The pipeline for many forms: read → score → check → judge (batched) → reviews, in order.

Every caller goes through here: `review FORMS`, `review eval` and the benchmarks.

    with Engine(config, settings, cache) as engine:
        for outcome in engine.run(paths):     # a Review, or the FormError of a refused file
            ...

The judge sees forms in batches, so a model judge keeps many calls in flight across forms
with one event loop, one client and one cache (judge.Judge); one refused file never stops
the others.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any, Iterable, Iterator

from .checks import run_checks
from .config import Config
from .form import Form, FormError, read_form
from .form.files import shown_path
from .judge import Judge, JudgeCase, JudgeRun, JudgeSettings
from .judge.run import judge_fallback
from .judge.cache import VerdictCache
from .review import Review
from .scoring import score_form

BATCH = 32  # forms judged together: enough to keep a model endpoint busy, little to hold in memory


def tune_for_batch() -> None:
    """Reviewing allocates many short-lived objects and almost no cycles: a larger
    first GC generation saves about 6% per form at no real memory cost."""
    gc.set_threshold(50_000, 20, 20)


def review_form(form: Form, file: str, config: Config) -> Review:
    """Score and check one form read already (no judge)."""
    card = score_form(form)
    review = Review(file=file, form=form, card=card, findings=[])
    review.add_findings(run_checks(card, config.thresholds))
    return review


def review_file(path: str | Path, config: Config) -> Review:
    """Read, score and check one file (no judge); FormError when it cannot be read."""
    return review_form(read_form(path), shown_path(path), config)


class Engine:
    """Reviews forms with one judge session. `settings=None` leaves the judge out (the engine alone)."""

    def __init__(self, config: Config, settings: JudgeSettings | None = None, cache: VerdictCache | None = None,
                 batch: int = BATCH):
        self.config = config
        self.settings = settings
        self.judge = Judge(settings, cache) if settings is not None else None
        self.batch = max(batch, 1)
        self.summaries: list[dict[str, Any]] = []

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self.judge is not None:
            self.judge.close()

    def check(self, path: str | Path) -> Review:
        """Read, score and check one file; FormError when it cannot be read."""
        return review_file(path, self.config)

    def run(self, paths: Iterable[str | Path]) -> Iterator[Review | FormError]:
        """Each file's Review (judged) or FormError, in the order given."""
        for chunk in self.chunks(paths):
            yield from chunk

    def chunks(self, paths: Iterable[str | Path]) -> Iterator[list[Review | FormError]]:
        """run() a judged batch at a time: the caller stores each batch in one go."""
        pending: list[Review | FormError] = []
        reviews = 0
        for path in paths:
            try:
                pending.append(self.check(path))
                reviews += 1
            except FormError as error:
                pending.append(error)
            if reviews >= self.batch:
                yield self._flush(pending)
                pending, reviews = [], 0
        if pending:
            yield self._flush(pending)

    def _flush(self, outcomes: list[Review | FormError]) -> list[Review | FormError]:
        reviews = [item for item in outcomes if isinstance(item, Review)]
        if reviews and self.judge is not None:
            self.judge_reviews(reviews)
        return outcomes

    def judge_cases(self, cases: list[JudgeCase]) -> JudgeRun:
        """Judge chosen cases in one batch (review eval: the cases an eval set labels)."""
        return self.judge.judge(cases)

    def judge_reviews(self, reviews: list[Review]) -> None:
        """Judge the reviews in one batch. Should the model judge fail outright, the batch falls back to
        the rules: every verdict it touched carries the failure (模型评判失败) and each review's judge
        summary counts them; one failure never stops the run."""
        try:
            self.judge.judge_reviews(reviews)
        except Exception as error:  # noqa: BLE001 - a batch's judge failure must not stop the run
            for review in reviews:
                review.findings = [f for f in review.findings if f.code != "EXPLANATION_VERDICT"]
            judge_fallback(reviews, self.settings, error)
        self.summaries += [review.judge for review in reviews]
