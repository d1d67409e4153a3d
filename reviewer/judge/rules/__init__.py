"""The offline judge: signals read from the text (signals.py, facts.py), the gap sized by
arithmetic (gap.py), and the verdict with its comment (verdict.py)."""

from . import facts, gap, review_index, signals
from .verdict import judge_rules

__all__ = ["clear_caches", "judge_rules"]


def clear_caches() -> None:
    """Forget every memoised reading (benchmarks time a cold judge)."""
    for module in (signals, gap, facts):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()
    review_index.clear()
