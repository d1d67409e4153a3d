"""Hostile values in a form.json: each refused with `错误：FILE: JSON path: …`, exit 2, no
traceback, and the good form beside it still reviewed; or, where a form may hold it, reviewed.

Limits (reviewer/form/limits.py, README "Limits"): amounts and figures below 10^15 and, when
not zero, at least 10^-8; no run of more than 30 digits in a target or actual; years 1990–2100;
2,000 indicators; 1,000,000 characters in a cell; 20 MiB in a file.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from formkit import put, review_data, seed_form
from hostile_files import assert_refused, form_with, many_indicators, review, seed_file
from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import FormError, read_form_bytes
from reviewer.judge.rules.limits import MAX_EXPLANATION
from reviewer.form.limits import (
    MAX_CELL_CHARS, MAX_DIGITS, MAX_FORM_BYTES, MAX_INDICATORS,
)
from reviewer.judge import Judge, JudgeSettings


def raw_json(data: dict, raw: str) -> str:
    """The form as JSON text with the marker string "@@" replaced by a raw JSON literal."""
    return json.dumps(data, ensure_ascii=False).replace('"@@"', raw)


def batch(tmp_path: Path, hostile: Path) -> tuple:
    good = seed_file(tmp_path, "good.json")
    return review(str(hostile), str(good), "--db", str(tmp_path / "r.db")), good


def assert_good_still_reviewed(result, good: Path) -> None:
    assert "good.json" in result.stdout and "98.43" in result.stdout  # the summary row of the good form


# (name, form.json text, JSON path, what the message says)
DIGITS = "9" * 4301
CASES = [
    ("json-integer-4301-digits-target", raw_json(form_with(put("@@", "indicators", 3, "target")), DIGITS),
     "indicators[3].target", "数值位数过多"),
    ("json-integer-4301-digits-weight", raw_json(form_with(put("@@", "indicators", 0, "weight")), DIGITS),
     "indicators[0].weight", "数值位数过多"),
    ("text-4301-digits-target", json.dumps(form_with(put(f"≥{DIGITS}个", "indicators", 3, "target")), ensure_ascii=False),
     "indicators[3].target", f"超过 {MAX_DIGITS} 位"),
    ("text-4301-digits-qualitative", json.dumps(form_with(lambda d: (
        put(f"{DIGITS}个县建立统一管护主体", "indicators", 3, "target")(d),
        put(f"{DIGITS[:-1]}个已建立", "indicators", 3, "actual")(d),
        put("qualitative", "indicators", 3, "direction")(d))), ensure_ascii=False),
     "indicators[3].target", f"超过 {MAX_DIGITS} 位"),
    ("amount-10e26-executed", raw_json(form_with(put("@@", "funds", "total", "executed")), str(10**26)),
     "funds.total.executed", "数值过大"),
    ("amount-10e26-as-text", json.dumps(form_with(put(f"{10**26:,}", "funds", "total", "annual_budget")), ensure_ascii=False),
     "funds.total.annual_budget", "数值过大"),
    ("weight-10e26", raw_json(form_with(put("@@", "indicators", 11, "weight")), str(10**26)),
     "indicators[11].weight", "数值过大"),
    ("target-10e26-as-text", json.dumps(form_with(put(f"{10**26}万元", "indicators", 11, "target")), ensure_ascii=False),
     "indicators[11].target", "数值过大"),
    ("rate-1e300-percent", json.dumps(form_with(put("1" + "0" * 300 + "%", "funds", "execution_rate")), ensure_ascii=False),
     "funds.execution_rate", "数值过大"),
    ("budget-1e-999999", raw_json(form_with(put("@@", "funds", "total", "annual_budget")), "1e-999999"),
     "funds.total.annual_budget", "数值过小"),
    ("target-1e-60-as-text", json.dumps(form_with(put("0." + "0" * 59 + "1", "indicators", 3, "target")), ensure_ascii=False),
     "indicators[3].target", "超过 30 位"),
    ("year-2-63", raw_json(form_with(put("@@", "year")), str(2**63)), "year", "超出可用范围"),
    ("year-0", raw_json(form_with(put("@@", "year")), "0"), "year", "超出可用范围"),
    ("year-20211", raw_json(form_with(put("@@", "year")), "20211"), "year", "超出可用范围"),
    ("ten-mb-cell", json.dumps(form_with(put("x" * 10_000_000, "indicators", 3, "explanation")), ensure_ascii=False),
     "indicators[3].explanation", "文字过长（10,000,000 个字符"),
    ("long-chinese-explanation", json.dumps(form_with(put("说明" * 600_000, "indicators", 3, "explanation")),
                                            ensure_ascii=False), "indicators[3].explanation", "上限 1,000,000 个"),
    ("long-name", json.dumps(form_with(put("项" * (MAX_CELL_CHARS + 1), "name")), ensure_ascii=False),
     "name", "文字过长"),
    ("long-target", json.dumps(form_with(put("目标" * MAX_CELL_CHARS, "indicators", 0, "target")), ensure_ascii=False),
     "indicators[0].target", "文字过长"),
    ("too-many-indicators", json.dumps(many_indicators(MAX_INDICATORS + 1), ensure_ascii=False),
     "indicators", f"超过上限 {MAX_INDICATORS:,}"),
]


@pytest.mark.parametrize("name,text,path,message", CASES, ids=[case[0] for case in CASES])
def test_hostile_value_is_refused_with_its_path_and_the_batch_goes_on(tmp_path, name, text, path, message):
    hostile = tmp_path / f"{name}.json"
    hostile.write_text(text, encoding="utf-8")
    result, good = batch(tmp_path, hostile)
    assert_refused(result, f"{hostile}: {path}: ", message)
    assert_good_still_reviewed(result, good)


@pytest.mark.parametrize("name,text,path,message", CASES[:6], ids=[case[0] for case in CASES[:6]])
def test_hostile_value_in_json_mode_is_an_error_line(tmp_path, name, text, path, message):
    hostile = tmp_path / f"{name}.json"
    hostile.write_text(text, encoding="utf-8")
    good = seed_file(tmp_path)
    result = review(str(hostile), str(good), "--json", "--no-store")
    assert result.exit_code == 2
    first, second = [json.loads(line) for line in result.stdout.splitlines()]
    assert first["file"] == str(hostile) and f"{path}: " in first["error"] and message in first["error"]
    assert second["recomputed_total"] == 98.43


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    hostile = tmp_path / "padded.json"
    text = json.dumps(seed_form(), ensure_ascii=False)
    hostile.write_text(text[:-1] + " " * MAX_FORM_BYTES + "}", encoding="utf-8")
    result, good = batch(tmp_path, hostile)
    assert_refused(result, f"{hostile}: ", "文件过大", "20 MB")
    assert_good_still_reviewed(result, good)


def test_the_limits_themselves_are_accepted():
    """The edge of every limit is still a form: reviewed, not refused."""
    data = many_indicators(MAX_INDICATORS)
    data["indicators"][0]["explanation"] = "说" * MAX_CELL_CHARS
    data["indicators"][2]["target"] = "≥999999999999999个"  # 10^15 - 1
    data["indicators"][4]["target"] = "0.00000001吨"  # 10^-8
    data["year"] = 2100
    review = review_data(data)
    assert len(review.card.indicators) == MAX_INDICATORS
    assert MAX_EXPLANATION < MAX_CELL_CHARS  # the rules judge reads the first N; the form keeps all the same


@pytest.mark.parametrize("text", ["NaN", "nan", "-Infinity", "inf", "sNaN", "1e999999", "1E+400", "Infinity个",
                                  "NaN%", "≥NaN", "非数字（NaN）"])
def test_nan_like_text_in_a_target_or_actual_is_text_not_a_crash(text):
    data = form_with(lambda d: (put(text, "indicators", 3, "actual")(d), put(text, "indicators", 11, "target")(d)))
    review = review_data(data)
    with Judge(JudgeSettings()) as judge:
        judge.judge_reviews([review])
    assert review.card.indicators[3].actual.kind == "text"
    assert {"VALUE_TYPE"} <= {finding.code for finding in review.findings}


@pytest.mark.parametrize("raw", ['"NaN"', "NaN", '"Infinity"', "-Infinity", '"sNaN"', '"1e999999"', "1e999999",
                                 "1E+400", "1e-999999", '"0.000000000001"'])
def test_nan_like_amounts_are_refused_with_their_path(raw):
    text = raw_json(form_with(put("@@", "indicators", 5, "weight")), raw)
    with pytest.raises(FormError) as caught:
        read_form_bytes(text.encode("utf-8"), "f.json")
    assert caught.value.path == "indicators[5].weight"


# Numbers as units print them, and as an attacker would: every magnitude, sign, spelling.
_numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-10**40, max_value=10**40).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-999, 999), st.integers(-1_000_000, 1_000_000)),
    st.builds(lambda digits, unit: f"{'9' * digits}{unit}", st.integers(1, 80), st.sampled_from(["", "个", "万元", "%", "元"])),
    st.builds(lambda zeros, unit: f"0.{'0' * zeros}1{unit}", st.integers(0, 80), st.sampled_from(["", "万元", "%"])),
)
_places = [("indicators", 3, "target"), ("indicators", 3, "actual"), ("indicators", 11, "target"),
           ("indicators", 11, "actual"), ("indicators", 0, "weight"), ("indicators", 0, "score"),
           ("funds", "total", "annual_budget"), ("funds", "total", "executed"), ("funds", "execution_rate"),
           ("funds", "weight"), ("total_score",)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(number=_numbers, place=st.sampled_from(_places), as_json_number=st.booleans())
def test_any_number_anywhere_is_reviewed_or_refused_never_a_crash(number, place, as_json_number):
    data = seed_form()
    put("@@", *place)(data)
    raw = number if as_json_number and _is_json_number(number) else json.dumps(number)
    try:
        form = read_form_bytes(raw_json(data, raw).encode("utf-8"), "f.json")
    except FormError as error:
        assert error.path  # every refusal names where
        return
    review = review_form(form, "f.json", Config())
    with Judge(JudgeSettings()) as judge:
        judge.judge_reviews([review])
    for finding in review.findings:
        assert finding.message


def _is_json_number(text: str) -> bool:
    try:
        json.loads(text, parse_float=Decimal, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except ValueError:
        return False
    return text.strip() == text and not text.startswith("+")
