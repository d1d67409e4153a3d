"""The bounds on the rules judge's work (issue 14: work that never ends).

Every reading is a pass over the text, so the judge is linear in what it reads; what is not linear —
setting figures against a gap in sums, subsets and ratios — is capped here, and what concerns the whole
form (the counts on other rows, which rows share a name) is read once per review (review_index.py).
So no explanation, however long, and no form, however many rows, can make the judge hang.

- A longer explanation is judged on its first MAX_EXPLANATION characters; the verdict's reason and
  comment say so (说明过长，仅评判前4000字), and its confidence is capped (a person should look).
- The first MAX_FIGURES figures of a text are read (counts, money, shares, durations); a reviewer sizes
  a gap from a handful of them.
- At most MAX_PARTS of those, in the row's unit, are set against the gap as parts that add up.
- A character pair shared by more than MAX_POSTINGS row names is too common to point a cross-reference
  (见…指标说明) at one row; such pairs are not counted.
"""

from __future__ import annotations

MAX_EXPLANATION = 4000  # characters
MAX_FIGURES = 40
MAX_PARTS = 12
MAX_POSTINGS = 64


def limit_note(length: int) -> str | None:
    """The note a verdict carries when its explanation was cut (None when it was judged whole)."""
    if length <= MAX_EXPLANATION:
        return None
    return f"说明过长（{length}字），仅评判前{MAX_EXPLANATION}字"
