"""Stage 4, judge: does each deviation explanation account for its gap?

Two judges behind one interface: `rules` (offline, the default; rules/) and `llm` (any
OpenAI-compatible endpoint; llm.py). case.py holds what is judged and the verdict,
settings.py which judge runs, run.py the batch session."""

from .case import JudgeCase, JudgeResult, Verdict, judge_cases
from .run import Judge, JudgeRun, apply_results, judge, judge_reviews, summarize
from .settings import BACKENDS, JudgeConfigError, JudgeSettings, resolve_settings

__all__ = ["JudgeCase", "JudgeResult", "Verdict", "judge_cases", "Judge", "JudgeRun", "apply_results", "judge",
           "judge_reviews", "summarize", "BACKENDS", "JudgeConfigError", "JudgeSettings", "resolve_settings"]
