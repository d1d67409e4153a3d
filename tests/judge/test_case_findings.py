"""Each judge case carries the findings on its row and on its paired row, each once, in the review's order
(what a model is shown beside the explanation)."""

import json
from pathlib import Path

from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import form_from_data
from reviewer.judge.case import judge_cases

SEED = Path(__file__).resolve().parents[2] / "examples" / "zgc-2021.json"


def _expected(review, index: int, pair: int | None) -> list:
    rows = {index} if pair is None else {index, pair}
    return [f for f in review.findings if rows & set(f.indicators)]


def test_case_findings_are_the_rows_own_and_their_pairs_in_review_order() -> None:
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["indicators"][14]["actual"] = "1900万元"  # a cost row far off, beside its count row
    data["indicators"][5]["explanation"] = ""
    review = review_form(form_from_data(data, "seed"), "seed", Config())
    cases = judge_cases(review)
    assert any(case.pair is not None and len(case.findings) > 1 for case in cases)
    for case in cases:
        assert [id(f) for f in case.findings] == [id(f) for f in _expected(review, case.index, case.pair)]
