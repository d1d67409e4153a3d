"""Self-check of an import: do the figures read add up the way a filled form's figures do?

A misread cell (a score taken from the wrong column, a row lost at a page
break) almost always breaks one of these sums, so they measure how far the
import can be trusted. A unit's own arithmetic slip breaks them too; the
review reports that properly, here it only lowers confidence.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..form.values import UnreadableValue, format_decimal, parse_amount, parse_rate
from .cells import Extracted, blank

# A converted file went through LibreOffice first: its cells are as sure as a .docx's, barring the conversion.
BASE_CONFIDENCE = {"xlsx": 1.0, "xls": 1.0, "docx": 1.0, "converted": 0.95, "pdf-table": 0.95, "pdf-text": 0.9,
                   "text": 0.9, "llm": 0.7}
CENT = Decimal("0.01")


def _num(value: Any) -> Decimal | None:
    try:
        return parse_amount(value)
    except (UnreadableValue, TypeError):
        return None


def _fmt(value: Decimal) -> str:
    return format_decimal(value.normalize()) if value == value.to_integral_value() else format_decimal(value)


def _funds_disagreements(funds: dict[str, Any], extra_rows: dict[str, Any]) -> list[str]:
    found: list[str] = []
    total = funds.get("total") or {}
    parts = [(f"funds.{key}", funds.get(key)) for key in ("fiscal", "carryover", "other")]
    parts += [(f"x-funds-rows.{label}", row) for label, row in extra_rows.items()]
    parts = [(path, row) for path, row in parts if isinstance(row, dict) and row]
    names = {"initial_budget": "年初预算数", "annual_budget": "全年预算数", "executed": "全年执行数"}
    for column, label in names.items():
        values: list[Decimal] = []
        unread = 0
        for path, row in parts:
            cell = row.get(column)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            value = _num(cell)
            if value is None:  # a cell the import could not read as a figure: left out of the sum
                found.append(f"{path}.{column}: {label}“{cell}”无法读作数值，未计入其中各行之和")
                unread += 1
            else:
                values.append(value)
        shown = total.get(column)
        printed = _num(shown)
        if printed is None and shown is not None and not (isinstance(shown, str) and not shown.strip()):
            found.append(f"funds.total.{column}: 年度资金总额{label}“{shown}”无法读作数值")
        if values and printed is not None and abs(sum(values, Decimal(0)) - printed) > CENT:
            which = "其中可读各行之和" if unread else "其中各行之和"
            found.append(f"funds.total.{column}: 年度资金总额{label} {shown} ≠ {which} {_fmt(sum(values, Decimal(0)))}")
    budget, executed = _num(total.get("annual_budget")), _num(total.get("executed"))
    try:
        rate = parse_rate(funds.get("execution_rate"))
    except UnreadableValue:
        rate = None
    if rate is not None and budget and executed is not None:
        computed = executed / budget * 100
        if abs(computed - rate.percent) > max(rate.unit, CENT):
            found.append(f"funds.execution_rate: 执行率 {funds.get('execution_rate')} ≠ 执行数/预算数 {computed:.2f}%")
    return found


def disagreements(extracted: Extracted) -> list[str]:
    """Cells whose figures do not agree with each other, as `path: message` lines."""
    data = extracted.data
    found: list[str] = []
    funds = data.get("funds") or {}
    found += _funds_disagreements(funds, data.get("x-funds-rows") or {})
    indicators = data.get("indicators") or []
    if extracted.rows_seen and len(indicators) != extracted.rows_seen:
        found.append(f"indicators: 读出 {len(indicators)} 个指标，表中有 {extracted.rows_seen} 行")
    if not indicators:
        found.append("indicators: 没有读出任何绩效指标")
    scores = [_num(item.get("score")) for item in indicators]
    weights = [_num(item.get("weight")) for item in indicators]
    funds_score, funds_weight = _num(funds.get("score")), _num(funds.get("weight"))
    if None not in scores and funds_score is not None:
        computed = sum(scores, Decimal(0)) + funds_score
        claimed = _num(data.get("total_score"))
        if claimed is not None and abs(computed - claimed) > CENT:
            found.append(f"total_score: 总分 {data.get('total_score')} ≠ 各项得分之和 {_fmt(computed)}")
    total = data.get("total_score")
    if total is None or (isinstance(total, str) and blank(total)):
        # A blank 总分 (or a page cut before it) stays blank: the review says TOTAL_MISSING (form-format 1.1).
        data["total_score"] = None
        extracted.doubts.append("表上没有读到总分（已留空，审核时按各项得分复核）")
    printed_weight = _num(extracted.total_weight)
    if None not in weights and funds_weight is not None and printed_weight is not None:
        computed = sum(weights, Decimal(0)) + funds_weight
        if computed != printed_weight:
            found.append(f"indicators[].weight: 分值合计 {_fmt(computed)} ≠ 总分行分值 {extracted.total_weight}")
    for index, item in enumerate(indicators):
        if not item.get("name"):
            found.append(f"indicators[{index}].name: 三级指标为空")
        if not item.get("level1"):
            found.append(f"indicators[{index}].level1: 一级指标为空")
    return found


def mark(extracted: Extracted) -> dict[str, Any]:
    """The `x-import` mark written into the form: how it was read and how sure we are."""
    found = disagreements(extracted)
    confidence = BASE_CONFIDENCE.get(extracted.method, 0.8) - 0.1 * len(found) - 0.05 * len(extracted.doubts)
    out = {
        "method": extracted.method,
        "source": extracted.source,
        "confidence": round(max(confidence, 0.05), 2),
        "disagreements": found,
        "doubts": list(extracted.doubts),
    }
    if extracted.converted_from:
        out["converted_from"] = extracted.converted_from  # LibreOffice turned it into .docx / .xlsx first
    return out
