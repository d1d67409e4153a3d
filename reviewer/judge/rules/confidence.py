"""How firm the offline judge's reading is (the `confidence` of docs/findings.md), 0 to 1.

The rules judge reads text with patterns, so its firmness is the kind of evidence a verdict rests
on, not a probability it computed: a cause found and sized by arithmetic on its own figures is firm;
a verdict that rests on one matched word, on a direction word, on a reading that takes the whole gap
without figures, or on finding nothing in a long text is not.

The levels follow each kind of reading's accuracy on text the rules had not been tuned on: 76 dev cases
written blind from published texts (dev-real), 71 more (dev-real-2) and 80 more (dev-real-3), each
measured once before any tuning on them. A cause read as a fact and sized by arithmetic was right 15 times in 16 on the first
and 12 in 15 on the second, where all three misses were sized without the cause's own figures (nothing
done and a bare why; the actual said back as a share): those readings (WHOLE) are no longer firm. A
contradiction by arithmetic was right 1 in 2 on the second (a level read as a part, since fixed); a
stock phrase 13 in 13; a short text with nothing in it 6 in 7; a long one 8 in 14; a mechanism without
figures about 2 in 3; figures short of the gap 1 in 6 and 0 in 1; covers on a figure in the right unit
only 1 in 4. On the third, a cause sized by arithmetic on its own figures was right 11 in 12 (firm);
a cause read with its particulars but no size (partial at 0.7) only 8 in 16 — most were covers whose
size was written in a way the rules then could not read (lengths in words, a named road, a stretch
between two days) — so that reading is now below the floor (0.6); figures short of the gap 0 in 3
(now 0.45); a long text with nothing found 14 in 15. `review eval` prints accuracy per band; verdicts below `[judge] confidence_floor` are
marked for a person to look at first.
"""

from __future__ import annotations

from dataclasses import dataclass

from .gap import PARTS, WHOLE
from .signals import CONNECTIVE, FACT, TextSignals

BLANK = 0.95  # nothing written: nothing to misread
INJECTED = 0.5  # text was struck as an instruction: a person should see what remains
GARBLED, CUT_OFF = 0.85, 0.6
# A contradiction found by arithmetic (figures the row refutes, a cost/count divergence), a claim
# that the target was met, or only a direction word that the data contradict.
CONFLICT = {"arithmetic": 0.85, "met": 0.8, "word": 0.55}
# No cause: a stock phrase recognised; a short text with nothing in it; a long one where a cause
# may have been missed; text about something else.
STOCK_ONLY, SHORT_EMPTY, LONG_EMPTY, OTHER_TOPIC, UNRELATED = 0.8, 0.7, 0.55, 0.75, 0.6
SHORT_TEXT = 40  # characters
# partial: figures that fall short of the gap by arithmetic; else by how the cause was read.
SHORTFALL = 0.45
MECHANISM = {FACT: 0.6, CONNECTIVE: 0.65}
ONE_WORD = 0.45
STOCK_PENALTY = 0.1  # a stock phrase beside the cause: the reading leans on what is left
# covers: sized by arithmetic on the cause's own figures (PARTS), by a reading that takes the whole gap
# without them (WHOLE), or by a figure in the right unit only (LOOSE).
SIZED = {PARTS: {FACT: 0.9, CONNECTIVE: 0.75}, WHOLE: {FACT: 0.7, CONNECTIVE: 0.65}}
SIZED_ONE_WORD = 0.55
LOOSE = {FACT: 0.6, CONNECTIVE: 0.55}
LOOSE_ONE_WORD = 0.5


# Not frozen (nothing changes one once built): a frozen dataclass builds 4 times slower, one
# object.__setattr__ per field, and a reading is built for every judgement.
@dataclass(slots=True)
class Reading:
    """What a rules verdict rests on."""

    verdict: str
    tags: tuple[str, ...]
    signals: TextSignals | None  # None for a blank or wholly injected explanation
    conflict: str | None = None  # arithmetic, met or word
    sized: str = ""  # how a covers was sized: gap.PARTS, gap.WHOLE or "" (a figure in the right unit only)
    short: bool = False  # the figures fall short of the gap by arithmetic
    length: int = 0  # characters judged
    injected: bool = False
    limited: bool = False  # judged on the first limits.MAX_EXPLANATION characters only


def confidence(reading: Reading) -> float:
    value = _firmness(reading)
    if reading.injected or "injection" in reading.tags or reading.limited:
        value = min(value, INJECTED)  # a person should see what was struck, or what was not read
    return round(value, 2)


def _firmness(r: Reading) -> float:
    s = r.signals
    if s is None:
        return BLANK
    if "unreadable" in r.tags:
        return GARBLED if s.garbled else CUT_OFF
    if r.conflict:
        return CONFLICT[r.conflict]
    if r.verdict == "does_not_cover":
        if "irrelevant" in r.tags:
            return OTHER_TOPIC if s.other_topic else UNRELATED
        if s.stock:
            return STOCK_ONLY
        return SHORT_EMPTY if r.length <= SHORT_TEXT else LONG_EMPTY
    strength = s.cause_strength
    if r.verdict == "partial":
        if r.short:
            return SHORTFALL
        value = MECHANISM.get(strength, ONE_WORD)
        return value - STOCK_PENALTY if s.stock else value
    if r.sized:
        return SIZED[r.sized].get(strength, SIZED_ONE_WORD)
    return LOOSE.get(strength, LOOSE_ONE_WORD)
