"""Agreement figures against values computed by hand."""

from fractions import Fraction

import pytest

from reviewer.evaluation.metrics import agreement, cohen_kappa

C, P, D = "covers", "partial", "does_not_cover"

# Ten cases, worked on paper:
#            predicted
#  gold      C  P  D
#  covers    2  1  0
#  partial   0  1  1
#  d_n_c     1  1  3
GOLD = [C, C, C, P, P, D, D, D, D, D]
PRED = [C, C, P, P, D, D, D, D, C, P]


def test_hand_computed_example():
    result = agreement(GOLD, PRED)
    assert result.n == 10
    assert result.accuracy == pytest.approx(0.6)
    assert result.confusion == {
        C: {C: 2, P: 1, D: 0},
        P: {C: 0, P: 1, D: 1},
        D: {C: 1, P: 1, D: 3},
    }
    covers, partial, dnc = (result.per_label[k] for k in (C, P, D))
    assert (covers.precision, covers.recall, covers.f1) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert (partial.precision, partial.recall, partial.f1) == pytest.approx((1 / 3, 1 / 2, 2 / 5))
    assert (dnc.precision, dnc.recall, dnc.f1) == pytest.approx((3 / 4, 3 / 5, 2 / 3))
    assert [covers.support, partial.support, dnc.support] == [3, 2, 5]
    assert result.macro_f1 == pytest.approx(float(Fraction(26, 45)))
    # p_o = 0.6, p_e = (3·3 + 2·3 + 5·4) / 100 = 0.35, κ = 0.25 / 0.65
    assert result.kappa == pytest.approx(5 / 13)


def test_perfect_agreement():
    result = agreement(GOLD, GOLD)
    assert result.accuracy == 1.0
    assert result.macro_f1 == 1.0
    assert result.kappa == 1.0


def test_constant_judge_has_zero_kappa():
    # Saying does_not_cover every time agrees on half of these cases by chance alone.
    gold = [D, D, C, P]
    result = agreement(gold, [D, D, D, D])
    assert result.accuracy == 0.5
    assert result.kappa == pytest.approx(0.0)
    assert result.per_label[C].f1 == 0.0
    # F1 for d_n_c: P = 2/4, R = 1 → 2/3; macro over all three labels.
    assert result.macro_f1 == pytest.approx((2 / 3) / 3)


def test_systematic_disagreement_is_negative_kappa():
    assert cohen_kappa([C, D, C, D], [D, C, D, C]) == pytest.approx(-1.0)


def test_missing_verdict_counts_as_wrong_and_gets_its_own_column():
    result = agreement([C, P, D], [C, "none", D])
    assert result.accuracy == pytest.approx(2 / 3)
    assert result.confusion[P] == {C: 0, P: 0, D: 0, "none": 1}
    assert result.per_label[P].recall == 0.0
    assert result.per_label[P].precision == 0.0


def test_lengths_must_match():
    with pytest.raises(ValueError):
        agreement([C, P], [C])


def test_unknown_gold_label_is_refused():
    with pytest.raises(ValueError):
        agreement(["maybe"], [C])


def test_weighted_kappa_counts_two_steps_off_double() -> None:
    from reviewer.evaluation.metrics import weighted_kappa

    # observed cost 1/3 (one covers judged does_not_cover); expected cost 4/9 -> 1 - 0.75
    gold = ["covers", "partial", "does_not_cover"]
    assert weighted_kappa(gold, ["does_not_cover", "partial", "does_not_cover"]) == pytest.approx(0.25)
    one_step = weighted_kappa(gold, ["partial", "partial", "does_not_cover"])
    assert one_step > 0.25
    assert weighted_kappa(gold, gold) == 1.0
