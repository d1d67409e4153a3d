"""Read → recompute → check: one reviewed form, ready to judge, store and show."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks import run_checks
from .config import Config
from .findings import Finding, sort_findings
from .form import Form, read_form
from .scoring import Scorecard, score_form


@dataclass
class Review:
    file: str
    form: Form
    card: Scorecard
    findings: list[Finding]
    # Filled by the judge stage: backend, model, calls, cached, fallbacks, tokens.
    judge: dict[str, Any] = field(default_factory=dict)

    @property
    def form_id(self) -> str:
        return self.card.form_id

    def add_findings(self, new: list[Finding]) -> None:
        for finding in new:
            finding.assign_id(self.form_id)
        self.findings = sort_findings(self.findings + new)

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def tune_for_batch() -> None:
    """Reviewing allocates many short-lived objects and almost no cycles: a larger
    first GC generation saves about 6% per form at no real memory cost."""
    gc.set_threshold(50_000, 20, 20)


def review_form(form: Form, file: str, config: Config) -> Review:
    card = score_form(form)
    review = Review(file=file, form=form, card=card, findings=[])
    review.add_findings(run_checks(card, config.thresholds))
    return review


def review_file(path: str | Path, config: Config) -> Review:
    return review_form(read_form(path), str(path), config)
