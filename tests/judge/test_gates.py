"""The first characters of each gated pattern, kept in judge/rules/gates.py so a run does not parse the pattern
to find them, are those first_chars finds; a pattern changed since has them found anew, so its matches never
depend on the table."""

from __future__ import annotations

import importlib
import pkgutil
import re

import reviewer.judge.rules as rules
from reviewer.judge.rules.gates import GATES
from reviewer.judge.rules.patterns import Deferred, first_chars, gate_key, gated


def gated_patterns() -> dict[str, tuple[str, int]]:
    """Every gated pattern the rules judge's modules hold, by key."""
    found = {}
    for info in pkgutil.iter_modules(rules.__path__):
        module = importlib.import_module(f"{rules.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Deferred) and value._gated:
                found[gate_key(value._source, value._flags)] = (value._source, value._flags)
    return found


def table_anew() -> str:
    lines = [f"    {key!r}: {first_chars(source, flags)!r}," for key, (source, flags) in sorted(gated_patterns().items())]
    return "GATES: dict[str, str | None] = {\n" + "\n".join(lines) + "\n}\n"


def test_the_table_holds_what_first_chars_finds_for_every_gated_pattern() -> None:
    patterns = gated_patterns()
    assert len(patterns) > 20
    expected = {key: first_chars(source, flags) for key, (source, flags) in patterns.items()}
    # (a pattern missing or gone only costs a parse; a wrong entry would gate a pattern wrongly)
    assert GATES == expected, "judge/rules/gates.py is behind the patterns; it becomes:\n" + table_anew()


def test_a_pattern_not_in_the_table_is_gated_as_before() -> None:
    source = "(?:甲乙|丙)丁|戊(?=己)"
    assert gate_key(source, 0) not in GATES
    pattern = gated(source)
    assert pattern.pattern == f"(?={first_chars(source)})(?:{source})" == "(?=[丙戊甲])(?:(?:甲乙|丙)丁|戊(?=己))"
    assert [m.group(0) for m in pattern.finditer("甲乙丁丙丁戊己戊")] == [m.group(0) for m in re.finditer(source, "甲乙丁丙丁戊己戊")]
