"""Pairing each cost row with its count (checks.rows.pair_cost_rows) is linear in the number of
indicators (it was quadratic: 8,000 indicators took 12 s) and pairs exactly as before: the
quadratic rule is kept here as the oracle, on the seed, every eval form and generated names.
`bench/bench_hostile.py` measures the time."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings, strategies as st

from formkit import EVAL_SETS, SEED, indicator, seed_form
from hostile_files import many_indicators
from reviewer.checks.rows import _count_stem, cost_stem, is_money, is_total_cost, pair_cost_rows
from reviewer.form import form_from_data, read_form
from reviewer.scoring import score_form

FORMS = [SEED, *sorted((EVAL_SETS / "forms").glob("*.json"))]


def quadratic_pairs(card):
    """The rule as it was written first: for each cost row, the first count with the same stem,
    else the first whose stem starts the other's (both at least 4 characters)."""
    quantities = [row for row in card.indicators
                  if not row.cost and row.target.is_number and row.target.unit != "%" and not is_money(row.target)]
    pairs = []
    for cost in card.indicators:
        if not cost.cost or is_total_cost(cost):
            continue
        stem = cost_stem(cost.name)
        best = None
        for quantity in quantities:
            qname = _count_stem(quantity.name)
            if qname == stem:
                best = quantity
                break
            if best is None and len(qname) >= 4 and len(stem) >= 4 and (stem.startswith(qname) or qname.startswith(stem)):
                best = quantity
        if best is not None:
            pairs.append((best, cost))
    return pairs


def indices(pairs):
    return [(quantity.index, cost.index) for quantity, cost in pairs]


@pytest.mark.parametrize("path", FORMS, ids=[path.stem for path in FORMS])
def test_pairs_on_the_seed_and_eval_forms_are_unchanged(path):
    card = score_form(read_form(path))
    assert indices(pair_cost_rows(card)) == indices(quadratic_pairs(card))


def test_the_seed_pairs_its_counts_with_their_budgets():
    assert indices(pair_cost_rows(score_form(read_form(SEED))))  # the oracle is not comparing empty lists


def test_a_large_form_pairs_every_cost_with_its_count():
    card = score_form(form_from_data(many_indicators(2_000), "many.json"))
    pairs = indices(pair_cost_rows(card))
    assert pairs == [(index, index + 1) for index in range(0, 2_000, 2)]


_stems = st.text(alphabet="支持项目研发合作国际数量个预算控制数资金成本费用总", min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(st.tuples(_stems, st.booleans()), min_size=1, max_size=25))
def test_generated_names_pair_as_the_quadratic_rule_does(names):
    data = seed_form()
    rows = []
    for name, is_cost_row in names:
        if is_cost_row:
            rows.append(indicator("产出指标", "成本指标", name or "费用", "≤100万元", "90万元", 1, 1))
        else:
            rows.append(indicator("产出指标", "数量指标", name or "数量", "10个", "9个", 1, 0.9))
    data["indicators"] = rows
    card = score_form(form_from_data(json.loads(json.dumps(data)), "g.json"))
    assert indices(pair_cost_rows(card)) == indices(quadratic_pairs(card))
