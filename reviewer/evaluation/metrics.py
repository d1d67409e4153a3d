"""Agreement between a judge and a human: pure functions over label lists.

Gold and predicted labels are plain strings. A prediction outside the label
set (a judge that gave no verdict) counts as wrong for accuracy and recall,
and appears as its own column of the confusion matrix; it never counts as a
correct positive for any label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

LABELS = ("covers", "partial", "does_not_cover")


@dataclass(frozen=True)
class LabelScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Agreement:
    n: int
    accuracy: float
    per_label: dict[str, LabelScores]
    macro_f1: float
    kappa: float
    weighted_kappa: float = 0.0
    # confusion[gold][predicted] = count; predicted keys include any stray label.
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "kappa": self.kappa,
            "weighted_kappa": self.weighted_kappa,
            "per_label": {k: vars(v) for k, v in self.per_label.items()},
            "confusion": self.confusion,
        }


def _ratio(num: float, den: float) -> float:
    return num / den if den else 0.0


def confusion_matrix(gold: list[str], predicted: list[str], labels: tuple[str, ...] = LABELS) -> dict[str, dict[str, int]]:
    columns = list(labels) + sorted({p for p in predicted if p not in labels})
    matrix = {g: {p: 0 for p in columns} for g in labels}
    for g, p in zip(gold, predicted, strict=True):
        if g not in matrix:
            raise ValueError(f"gold label {g!r} is not one of {labels}")
        matrix[g][p] += 1
    return matrix


def label_scores(gold: list[str], predicted: list[str], label: str) -> LabelScores:
    tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
    predicted_n = sum(1 for p in predicted if p == label)
    support = sum(1 for g in gold if g == label)
    precision = _ratio(tp, predicted_n)
    recall = _ratio(tp, support)
    return LabelScores(precision, recall, _ratio(2 * precision * recall, precision + recall), support)


def cohen_kappa(gold: list[str], predicted: list[str]) -> float:
    """(p_o − p_e) / (1 − p_e); 0 when chance agreement is total (one label only on both sides)."""
    n = len(gold)
    if n == 0:
        return 0.0
    observed = sum(1 for g, p in zip(gold, predicted, strict=True) if g == p) / n
    gold_counts, pred_counts = Counter(gold), Counter(predicted)
    expected = sum(gold_counts[k] * pred_counts[k] for k in gold_counts) / (n * n)
    if expected == 1:
        return 1.0 if observed == 1 else 0.0
    return (observed - expected) / (1 - expected)


def weighted_kappa(gold: list[str], predicted: list[str], labels: tuple[str, ...] = LABELS) -> float:
    """Linearly weighted κ for ordered labels (covers > partial > does_not_cover).

    A verdict two steps off costs twice one step off: judging a sound explanation
    does_not_cover (a warning the unit must answer) is worse than calling it partial.
    A prediction outside the labels counts as furthest off.
    """
    n = len(gold)
    if n == 0:
        return 0.0
    rank = {label: i for i, label in enumerate(labels)}
    span = max(len(labels) - 1, 1)

    def cost(g: str, p: str) -> float:
        return 1.0 if p not in rank else abs(rank[g] - rank[p]) / span

    observed = sum(cost(g, p) for g, p in zip(gold, predicted, strict=True)) / n
    gold_counts, pred_counts = Counter(gold), Counter(predicted)
    expected = sum(gold_counts[g] * pred_counts[p] * cost(g, p) for g in gold_counts for p in pred_counts) / (n * n)
    if expected == 0:
        return 1.0 if observed == 0 else 0.0
    return 1 - observed / expected


def agreement(gold: list[str], predicted: list[str], labels: tuple[str, ...] = LABELS) -> Agreement:
    """All the figures at once. Macro-F1 averages over `labels`, present or not."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    n = len(gold)
    confusion = confusion_matrix(gold, predicted, labels)  # first: it refuses an unknown gold label
    per_label = {label: label_scores(gold, predicted, label) for label in labels}
    return Agreement(
        n=n,
        accuracy=_ratio(sum(1 for g, p in zip(gold, predicted) if g == p), n),
        per_label=per_label,
        macro_f1=_ratio(sum(s.f1 for s in per_label.values()), len(labels)),
        kappa=cohen_kappa(gold, predicted),
        weighted_kappa=weighted_kappa(gold, predicted, labels),
        confusion=confusion,
    )


# Confidence bands: [low, high) except the last, which includes 1.
BANDS = ((0.0, 0.5), (0.5, 0.65), (0.65, 0.8), (0.8, 1.0))


def band_of(confidence: float, bands: tuple[tuple[float, float], ...] = BANDS) -> str:
    for low, high in bands:
        if low <= confidence < high or (high == bands[-1][1] and confidence == high):
            return f"{low:.2f}–{high:.2f}"
    raise ValueError(f"confidence {confidence!r} is outside [0, 1]")


def accuracy_by_band(gold: list[str], predicted: list[str], confidences: list[float | None],
                     bands: tuple[tuple[float, float], ...] = BANDS) -> list[dict]:
    """Per confidence band: how many verdicts, how many right, and how often each verdict was right
    (a firm `covers` should be worth trusting). Cases without a confidence (not judged) are left out."""
    rows = {band_of(low, bands): {
        "band": band_of(low, bands), "low": low, "high": high, "n": 0, "correct": 0,
        "verdicts": {label: {"n": 0, "correct": 0} for label in LABELS}} for low, high in bands}
    for g, p, c in zip(gold, predicted, confidences, strict=True):
        if c is None:
            continue
        row = rows[band_of(c, bands)]
        row["n"] += 1
        row["correct"] += g == p
        if p in row["verdicts"]:
            row["verdicts"][p]["n"] += 1
            row["verdicts"][p]["correct"] += g == p
    out = []
    for row in rows.values():
        row["accuracy"] = _ratio(row["correct"], row["n"]) if row["n"] else None
        out.append(row)
    return out
