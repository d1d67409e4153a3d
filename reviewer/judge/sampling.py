"""Several model samples of one judgement: the majority verdict, and the agreement as its confidence.

Sampling a judge a few times at a small temperature and taking the majority is the cheapest way
to make a small model's verdict steadier (self-consistency); how far the samples agree says how
firm the verdict is. The agreement is kept as (k + 1) / (N + 2), the chance that one more sample
would agree (Laplace's rule of succession): one sample gives 0.67, never certainty; three that
agree 0.8; a 2-to-1 split 0.6.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from .case import Verdict

# On a tie the less favourable verdict wins: a narrative must never be called 说明充分 on a coin toss.
CAUTION = ("does_not_cover", "partial", "covers")


def agreement(votes: int, samples: int) -> float:
    return round((votes + 1) / (samples + 2), 2)


def majority(verdicts: list[Verdict]) -> Verdict:
    """The verdict most samples gave (ties to the more cautious), as the first sample that gave it,
    with the votes and their agreement. Samples that failed (error set) do not vote."""
    voting = [v for v in verdicts if v.error is None]
    if not voting:
        return verdicts[0]
    counts = Counter(v.verdict for v in voting)
    best = max(counts.values())
    chosen = next(label for label in CAUTION if counts.get(label) == best)
    first = next(v for v in voting if v.verdict == chosen)
    usage = first.usage.__class__()
    for v in verdicts:
        usage.add(v.usage)
    return replace(first, votes=tuple(v.verdict for v in voting), confidence=agreement(best, len(voting)),
                   usage=usage, cached=all(v.cached for v in verdicts))
