"""At 80 columns the terminal report never splits a number or a code across lines."""

from __future__ import annotations

import re

import pexpect
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import review_script, run_review
from formkit import SEED
from reviewer.cli.main import cli
from reviewer.cli.wrap import width, wrap_text

# A figure or a code as a reader takes it in: 4978.562, -45.5%, 163/199×2, COST_COUNT_DIVERGENCE.
WHOLE = re.compile(r"[+\-]?[A-Za-z0-9_]+(?:[.,:/×\-][A-Za-z0-9_]+)*%?")
# The same with the punctuation that may not be parted from it (（+10.0%），): what a line cannot break.
CLUSTER = re.compile(r"[（「『“‘《〈【(\[{]*(?:" + WHOLE.pattern + r")[，。、；：！？）」』”’》〉】…%,.;:!?)\]}·]*")


def split_across(lines: list[str]) -> list[tuple[str, str]]:
    """Adjacent lines where a run of digits / letters continues from the end of one onto the next."""
    joined = [(a, b) for a, b in zip(lines, lines[1:]) if a and b]
    return [(a, b) for a, b in joined if re.search(r"[A-Za-z0-9_.,/×]$", a) and re.match(r"[A-Za-z0-9_.,/×%]", b)]


def whole(text: str, lines: list[str]) -> list[str]:
    """The figures and codes of `text` that appear on no single line."""
    return [token for token in set(WHOLE.findall(text)) if len(token) > 1 and not any(token in line for line in lines)]


def test_the_report_at_80_columns_keeps_every_figure_and_code_whole(db, session_env) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    command, *prefix = review_script().split()
    child = pexpect.spawn(command, [*prefix, "report"], env=dict(session_env, COLUMNS="80", LINES="24"),
                          encoding="utf-8", dimensions=(24, 80), timeout=30)
    child.expect(pexpect.EOF)
    lines = child.before.replace("\r", "").split("\n")
    assert max(width(line) for line in lines) <= 80
    assert len(lines) > 60  # wrapped: the 11 points' comments are long
    assert not split_across(lines)
    unwrapped = run_review("report").output  # not a terminal: as written
    assert not whole(unwrapped, lines)
    assert "COST_COUNT" not in unwrapped  # codes stay out of the unit's text; figures are what count here


def test_review_of_a_form_at_80_columns_keeps_every_figure_and_code_whole(tmp_path) -> None:
    result = CliRunner(env={"COLUMNS": "80"}).invoke(cli, [str(SEED), "--no-store"])
    lines = result.output.split("\n")
    assert max(width(line.rstrip()) for line in lines) <= 80
    assert not split_across([line.strip() for line in lines])
    for code in ("COST_COUNT_DIVERGENCE", "EXPLANATION_NO_MEASURE", "4978.562万元", "163/199×2", "-45.5%"):
        assert any(code in line for line in lines), code
    status = CliRunner(env={"COLUMNS": "80", "REVIEW_DB": str(tmp_path / "r.db")})
    status.invoke(cli, [str(SEED)])
    out = status.invoke(cli, ["summary"]).output.split("\n")
    assert not split_across([line.strip() for line in out]) and any("98.43" in line for line in out)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["支持", "国际", "研发", "4978.562万元", "（+10.0%）", "，", "。", "COST_TOTAL",
                                 "163/199×2", "“", "”", " ", "2021年", "-45.5%"]), min_size=1, max_size=40),
       st.integers(min_value=12, max_value=80))
def test_wrapping_never_splits_a_figure_and_loses_nothing(parts: list[str], columns: int) -> None:
    text = "".join(parts)
    lines = wrap_text(text, columns)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # A line is over the width only when it holds a run that cannot be broken and is nearly as wide itself.
    assert all(width(line) <= columns or max(width(t) for t in CLUSTER.findall(line)) > columns - 6 for line in lines)
    assert not whole(text, lines)
    # No closing punctuation opens a line, unless the line before holds a single run it could not take from.
    for before, line in zip(lines, lines[1:]):
        if line[:1] in "，。”）":
            assert len(WHOLE.findall(before)) + len(re.findall(r"[\u4e00-\u9fff]", before)) <= 1, (before, line)
