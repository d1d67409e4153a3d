"""The seed form comes out exactly as docs/findings.md says."""

from __future__ import annotations

from decimal import Decimal

from formkit import SEED, review_data, seed_form
from reviewer.checks.rows import pair_cost_rows

EXPECTED = {
    ("ROUNDING", (5,)), ("ROUNDING", (16,)),
    ("EXPLANATION_MISSING", (11,)),
    ("EXPLANATION_REUSED", (1, 4, 5)), ("EXPLANATION_REUSED", (13, 14, 15, 16, 17)),
    ("COST_COUNT_DIVERGENCE", (0, 11)), ("COST_COUNT_DIVERGENCE", (2, 13)), ("COST_COUNT_DIVERGENCE", (3, 14)),
    ("COST_COUNT_DIVERGENCE", (4, 15)), ("COST_COUNT_DIVERGENCE", (5, 16)), ("COST_COUNT_DIVERGENCE", (6, 17)),
    ("ACTUAL_COPIES_TARGET", (18,)), ("ACTUAL_COPIES_TARGET", (19,)), ("ACTUAL_COPIES_TARGET", (20,)),
    ("QUALITATIVE_SHARE", ()),
} | {("EXPLANATION_NO_MEASURE", (i,)) for i in (1, 3, 4, 5, 13, 14, 15, 16, 17)}


def test_seed_findings_are_exactly_the_catalogue() -> None:
    review = review_data(seed_form())
    assert {(f.code, f.indicators) for f in review.findings} == EXPECTED
    assert not [f for f in review.findings if f.severity == "error"]


def test_seed_totals() -> None:
    review = review_data(seed_form())
    assert review.card.claimed_total == Decimal("98.43")
    assert review.card.recomputed_total == Decimal("98.43")
    assert review.card.funds.recomputed == Decimal("9.96")


def test_seed_rounding_slips_carry_formula_and_numbers() -> None:
    review = review_data(seed_form())
    rounding = {f.indicators: f.message for f in review.findings if f.code == "ROUNDING"}
    assert "163/199×2" in rounding[(5,)] and "1.64" in rounding[(5,)] and "1.63" in rounding[(5,)]
    assert "607/670.9416×1" in rounding[(16,)] and "0.90" in rounding[(16,)] and "0.91" in rounding[(16,)]


def test_seed_divergence_message_gives_cost_per_project() -> None:
    review = review_data(seed_form())
    (finding,) = [f for f in review.findings if f.code == "COST_COUNT_DIVERGENCE" and f.indicators == (3, 14)]
    assert "37个减为36个" in finding.message
    assert "1648万元增至1812.3543万元" in finding.message
    assert "44.54万元/个" in finding.message and "50.34万元/个" in finding.message


def test_seed_cost_rows_pair_with_their_items() -> None:
    card = review_data(seed_form()).card
    assert [(q.index, c.index) for q, c in pair_cost_rows(card)] == [(0, 11), (1, 12), (2, 13), (3, 14), (4, 15), (5, 16), (6, 17)]


def test_seed_directions() -> None:
    card = review_data(seed_form()).card
    directions = [row.direction for row in card.indicators]
    assert directions[:7] == ["higher"] * 7
    assert directions[8:10] == ["date", "date"]
    assert directions[10:18] == ["lower"] * 8
    assert directions[18:21] == ["qualitative"] * 3
    assert directions[21] == "higher"


def test_seed_file_exists_in_the_repo() -> None:
    assert SEED.is_file()
