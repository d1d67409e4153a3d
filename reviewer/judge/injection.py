"""Injection signs anywhere in the form text a verdict stands beside, not only in the explanation.

An instruction in an indicator name, a target or its unit, the goal or the project name steers a
model as well as one in the explanation (issue 14). Every judge tags such a verdict `injection`;
the model's `covers` becomes `partial` (llm.py), the rules' verdict is marked for a person to look
at first. One regex pass per text: linear in the form.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from ..form import Form, Indicator
from ..scoring import IndicatorScore
from .case import JudgeCase, Verdict
from .rules.review_index import index_of
from .rules.signals import injected

DOUBTFUL = 0.5  # the most a verdict can be trusted with an injected instruction


def form_texts(case: JudgeCase) -> list[str]:
    """The unit's own words beside this verdict: the row's and its pair's names, targets and actuals
    (units included), their explanations, the project name, the goal, the department and the unit."""
    texts = [case.explanation, *_project_texts(case.review.form)]
    for row in (case.row, case.pair_row):
        if row is not None:
            texts += _row_texts(row.indicator)
    return [text for text in texts if text]


def _project_texts(form: Form) -> list[str]:
    return [form.name, form.goal.planned, form.goal.actual, form.department or "", form.unit or ""]


def _row_texts(indicator: Indicator) -> list[str]:
    return [indicator.level1, indicator.level2, indicator.name, str(indicator.target), str(indicator.actual),
            indicator.explanation or ""]


@lru_cache(maxsize=4096)
def _signs(text: str) -> bool:
    # The project name, goal and unit are the same for every verdict of a form (a goal may hold a
    # million characters): each is read once. A string's hash is computed once and kept.
    return injected(text)


def injection_signs(case: JudgeCase, block: str = "") -> bool:
    """Whether any of the form's text beside this verdict (form_texts, and `block`, what a model was shown)
    carries instructions to a reviewer or a machine. The project's texts and each row's are read once per
    review (ReviewIndex.injected), not once per verdict beside them."""
    explanation = case.explanation
    if (block and _signs(block)) or (explanation and _signs(explanation)):
        return True
    found = index_of(case.review).injected
    signs = found.get(_PROJECT)
    if signs is None:
        signs = found[_PROJECT] = _any_signs(_project_texts(case.review.form))
    return signs or _row_signs(found, case.row) or (case.pair_row is not None and _row_signs(found, case.pair_row))


def _row_signs(found: dict[int, bool], row: IndicatorScore) -> bool:
    signs = found.get(row.index)
    if signs is None:
        signs = found[row.index] = _any_signs(_row_texts(row.indicator))
    return signs


_PROJECT = -1  # ReviewIndex.injected's key for the project's own texts (rows are keyed by their index)


def _any_signs(texts: list[str]) -> bool:
    for text in texts:
        if text and _signs(text):
            return True
    return False


def tag_injection(verdict: Verdict, case: JudgeCase) -> Verdict:
    """The rules' verdict tagged `injection` (and doubtful) when the text beside it holds instructions;
    its own reading of the explanation already strips and tags those."""
    if "injection" in verdict.tags or case.blank or not injection_signs(case):
        return verdict
    return replace(verdict, tags=(*verdict.tags, "injection"), confidence=min(verdict.confidence, DOUBTFUL))
