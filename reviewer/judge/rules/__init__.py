"""The offline judge: signals read from the text (signals.py, figures.py, facts.py; what is no cause in
stock.py), the gap sized by arithmetic (gap.py), the form read once per review (review_index.py), the
verdict with its comment (verdict.py) and how firm it is (confidence.py); limits.py bounds the work."""

from . import facts, figures, gap, review_index, signals
from .verdict import judge_rules

__all__ = ["clear_caches", "judge_rules"]


def clear_caches() -> None:
    """Forget every memoised reading (benchmarks time a cold judge)."""
    for module in (signals, figures, gap, facts):
        for value in vars(module).values():
            # asked of the type: a deferred pattern answers any other attribute by compiling itself first
            if callable(getattr(type(value), "cache_clear", None)):
                value.cache_clear()
    review_index.clear()
