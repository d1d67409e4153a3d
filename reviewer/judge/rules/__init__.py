"""The offline judge: signals read from the text (signals.py, facts.py), the gap sized by
arithmetic (gap.py), and the verdict with its comment (verdict.py)."""

from .verdict import judge_rules

__all__ = ["judge_rules"]
