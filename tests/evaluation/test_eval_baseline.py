"""The rules judge must not get worse on the test split than the recorded baseline.

When the judge improves, re-record: `review eval --judge rules --split test -o eval_sets/baseline.json`
and commit it with the change. The baseline only moves up.
"""

from __future__ import annotations

import json
import warnings

from formkit import EVAL_SETS
from reviewer.config import Config
from reviewer.evaluation.evaluate import load_cases, run_eval
from reviewer.judge import JudgeSettings

SET = EVAL_SETS
STALE_MARGIN = 0.02


class BaselineStale(UserWarning):
    """The judge beats the recorded baseline by a margin: re-record it so a later regression is caught."""


def test_rules_judge_holds_its_baseline_on_test():
    baseline = json.loads((SET / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["meta"]["backend"] == "rules" and baseline["meta"]["split"] == "test"
    cases = load_cases(SET, "test")
    result = run_eval(cases, JudgeSettings(backend="rules"), Config(), SET, "test")
    now, recorded = result.metrics["macro_f1"], baseline["metrics"]["macro_f1"]
    assert result.metrics["n"] == baseline["metrics"]["n"], "test split changed: re-record the baseline"
    assert now >= recorded - 1e-9, (
        f"rules judge macro-F1 on test fell to {now:.3f} (baseline {recorded:.3f}); "
        f"`review eval --compare eval_sets/baseline.json <new result>` lists the cases that broke"
    )
    if now > recorded + STALE_MARGIN:
        warnings.warn(BaselineStale(
            f"rules judge macro-F1 on test is {now:.3f}, above the baseline {recorded:.3f}: "
            "re-record eval_sets/baseline.json (review eval --judge rules --split test -o eval_sets/baseline.json)"
        ))
