"""A reviewed form: read, scored and checked; the judge adds its verdicts to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .checks.catalogue import Finding, sort_findings
from .form import Form
from .scoring import Scorecard


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
