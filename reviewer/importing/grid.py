"""Recover a form from a grid of cells: a worksheet, or the tables pdfplumber finds in a PDF.

Columns are found from the header rows (年初预算 …, 三级指标 …), so the
national template, the Sichuan layout (指标性质 / 度量单位 / 权重) and other
local variants read alike. A merged cell is blank except at its origin; blank
一级/二级 cells take the label from the row above.
"""

from __future__ import annotations

import re
from typing import Any

from .cells import (
    NATURE, TITLE, YEAR, Extracted, NotAForm, as_number, blank, clean, fold, level_label, printed, score_cell,
)
from .text_layout import funds_column

Grid = list[list[str]]

_HEAD_KEYS = (("项目名称", "name"), ("主管部门", "department"), ("实施单位", "unit"),
              ("项目负责人", "lead"), ("联系电话", "phone"), ("联繫电话", "phone"))
_ROW_KEYS = (("年度资金总额", "total"), ("资金总额", "total"), ("当年财政拨款", "fiscal"), ("本年财政拨款", "fiscal"),
             ("财政资金", "fiscal"), ("上年结转", "carryover"), ("其他资金", "other"),
             ("财政专户管理资金", None), ("单位资金", None))
_INDICATOR_COLUMNS = (
    ("一级指标", "level1"), ("二级指标", "level2"), ("三级指标", "name"), ("指标名称", "name"),
    ("指标性质", "nature"), ("度量单位", "measure"), ("计量单位", "measure"), ("得分计算方法", None),
    ("年度指标值", "target"), ("指标值", "target"), ("目标值", "target"),
    ("实际完成值", "actual"), ("全年实际值", "actual"), ("完成值", "actual"), ("实际值", "actual"),
    ("分值", "weight"), ("权重", "weight"), ("得分", "score"), ("原因", "explanation"), ("改进措施", "explanation"),
)
_NOTES = ("评价结论", "存在问题", "改进措施", "整改措施")


def _keys(grid: Grid) -> list[list[str]]:
    return [[fold(cell or "") for cell in row] for row in grid]


def _row_with(keys: list[list[str]], *needles: str, start: int = 0) -> int | None:
    for index in range(start, len(keys)):
        if all(any(needle in cell for cell in keys[index]) for needle in needles):
            return index
    return None


def _value_right_of(row: list[str], keys: list[str], col: int) -> str:
    """The value of a label cell: the rest of the cell, or the next distinct cell to its right."""
    label_key = keys[col]
    for needle, _ in _HEAD_KEYS:
        if label_key.startswith(needle):
            rest = re.sub(r"^(及代码)?[:：]?", "", label_key[len(needle):])
            if rest:
                return clean(re.sub(r"^\s*\S*?(" + needle + r")(及代码)?\s*[:：]?", "", row[col]))
    for cell, key in zip(row[col + 1:], keys[col + 1:]):
        if key and key != label_key:
            return "" if any(key.startswith(n) for n, _ in _HEAD_KEYS) else clean(cell)
    return ""


def _header_fields(grid: Grid, keys: list[list[str]], stop: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    for r in range(stop):
        for c, key in enumerate(keys[r]):
            for needle, field in _HEAD_KEYS:
                if key.startswith(needle) and field not in fields:
                    fields[field] = _value_right_of(grid[r], keys[r], c)
    return fields


def _funds(grid: Grid, keys: list[list[str]], header: int, end: int, extracted: Extracted) -> dict[str, Any]:
    columns: dict[str, int] = {}
    for c, cell in enumerate(grid[header]):
        column = funds_column(cell or "")
        if column and column not in columns:
            columns[column] = c
    first_value = min(columns.values())
    funds: dict[str, Any] = {"unit": "元" if any("(元)" in k or "（元）" in k for k in keys[header]) else "万元"}
    rows: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for r in range(header + 1, end):
        label = next((k for k in keys[r][:first_value] for needle, _ in _ROW_KEYS if needle in k and k), None)
        key = next((field for needle, field in _ROW_KEYS if label and needle in label), "?")
        if label is None and "总额" in "".join(keys[r][:first_value]):
            key, label = "total", "总额"
        if label is None:
            continue
        cell = lambda name: grid[r][columns[name]] if name in columns and columns[name] < len(grid[r]) else None  # noqa: E731
        row = {name: printed(cell(name)) for name in ("initial_budget", "annual_budget", "executed")}
        row = row if any(v is not None for v in row.values()) else None
        if key is None:
            if row:
                extra[label.removeprefix("其中:").removeprefix("其中：")] = row
            continue
        rows.setdefault(key, row)
        if key == "total":
            funds["weight"] = as_number(cell("weight") or "")
            funds["execution_rate"] = printed(cell("rate"))
            funds["score"] = score_cell(cell("score"))
            if printed(cell("explanation")):
                funds["explanation"] = printed(cell("explanation"))
    if "total" not in rows:
        raise NotAForm(extracted.source, "没有找到“年度资金总额”行")
    if "weight" in funds and funds["weight"] == "":
        weight = re.search(r"(\d+)分", "".join(keys[header]))
        funds["weight"] = int(weight.group(1)) if weight else ""
    for key in ("total", "fiscal", "carryover", "other"):
        funds[key] = rows.get(key)
    if extra:
        extracted.data["x-funds-rows"] = extra
    return funds


def _goal(grid: Grid, keys: list[list[str]], start: int, end: int) -> dict[str, str]:
    header = _row_with(keys[:end], "预期目标", start=start)
    if header is None:
        return {"planned": "", "actual": ""}
    planned_col = next(c for c, k in enumerate(keys[header]) if "预期目标" in k)
    actual_col = next((c for c, k in enumerate(keys[header]) if "实际完成" in k), planned_col + 1)
    for r in range(header + 1, end):
        row = grid[r]
        planned = clean(row[planned_col]) if planned_col < len(row) else ""
        actual = clean(row[actual_col]) if actual_col < len(row) else ""
        if planned or actual:
            return {"planned": planned, "actual": actual}
    return {"planned": "", "actual": ""}


def _indicator_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for c, key in enumerate(fold(cell or "") for cell in header):
        for needle, field in _INDICATOR_COLUMNS:
            if needle in key:
                if field and field not in columns:
                    columns[field] = c
                break
    return columns


def _compose_target(value: str, measure: str) -> str:
    if measure and value and not value.endswith(measure) and measure not in ("无", "/"):
        return value + measure
    return value


def _indicators(grid: Grid, keys: list[list[str]], header: int, extracted: Extracted) -> tuple[list[dict], int]:
    columns = _indicator_columns(grid[header])
    if "name" not in columns or "score" not in columns:
        raise NotAForm(extracted.source, "绩效指标表头不完整（缺少三级指标或得分列）")
    indicators: list[dict[str, Any]] = []
    levels = ["", ""]
    r = header + 1
    while r < len(grid):
        row, key = grid[r], keys[r]
        first = next((k for k in key if k), "")
        if first.startswith(("总分", "合计", "总计")):
            _total_row(row, columns, extracted)
            return indicators, r + 1
        if any(k.startswith(_NOTES) for k in key if k) and not any("指标" in k for k in key if k):
            return indicators, r
        if "三级指标" in "".join(key) or "指标名称" in "".join(key):
            columns = _indicator_columns(row)  # the header repeated on the next page
            r += 1
            continue
        cell = lambda name: clean(row[columns[name]]) if name in columns and columns[name] < len(row) else ""  # noqa: E731
        for level, name in ((0, "level1"), (1, "level2")):
            label = cell(name)
            if label:
                levels[level] = level_label(label) or label
                if level == 0:
                    levels[1] = levels[1] if cell("level2") else ""
        name = cell("name")
        if not name and blank(cell("weight")) and blank(cell("score")):
            r += 1
            continue
        extracted.rows_seen += 1
        item: dict[str, Any] = {
            "level1": levels[0], "level2": levels[1], "name": name,
            "target": _compose_target(cell("target"), cell("measure")), "actual": cell("actual"),
            "weight": as_number(cell("weight")), "score": score_cell(cell("score")),
        }
        nature = cell("nature")
        if nature in NATURE:
            item["direction"] = NATURE[nature]
        if cell("explanation") and cell("explanation") not in ("/", "无"):
            item["explanation"] = cell("explanation")
        indicators.append(item)
        r += 1
    return indicators, r


_FIGURE = re.compile(r"\d+(\.\d+)?")


def _total_row(row: list[str], columns: dict[str, int], extracted: Extracted) -> None:
    """The 总分 row: 分值 and the claimed total in their columns; a blank total stays blank."""
    def at(name: str) -> str:
        return clean(row[columns[name]]) if name in columns and columns[name] < len(row) else ""

    weight, score = at("weight"), at("score")
    if _FIGURE.fullmatch(score) or (blank(score) and _FIGURE.fullmatch(weight)):
        extracted.data["total_score"] = as_number(score) if _FIGURE.fullmatch(score) else None
        extracted.total_weight = as_number(weight) if _FIGURE.fullmatch(weight) else None
        return
    # The row's cells do not line up with the header (merged differently): its last figure is the total.
    numbers = [as_number(cell) for cell in row if _FIGURE.fullmatch(clean(cell or ""))]
    if numbers:
        extracted.data["total_score"] = numbers[-1]
        extracted.total_weight = numbers[0] if len(numbers) > 1 else None


def _notes(grid: Grid, keys: list[list[str]], start: int) -> dict[str, str]:
    notes: dict[str, str] = {}
    for r in range(start, len(grid)):
        for c, key in enumerate(keys[r]):
            label = next((n for n in _NOTES if key.startswith(n)), None)
            if label and label not in notes:
                rest = [clean(v) for v, k in zip(grid[r][c + 1:], keys[r][c + 1:]) if k and k != key]
                notes[label] = rest[0] if rest else clean(grid[r][c])[len(label):].lstrip("：: ")
    return notes


def parse_grid(grid: Grid, source: str, method: str) -> Extracted:
    """One form from its grid of cells. Raises NotAForm when the grid holds no form."""
    grid = [[cell if cell is not None else "" for cell in row] for row in grid]
    keys = _keys(grid)
    extracted = Extracted(data={}, method=method, source=source)
    funds_at = _row_with(keys, "年初预算")
    head_at = _row_with(keys, "三级指标") or _row_with(keys, "指标名称", "得分")
    if funds_at is None or head_at is None:
        raise NotAForm(source, "没有找到项目支出绩效自评表（缺少资金表或绩效指标表头）")
    data = extracted.data
    text = "\n".join(cell for row in grid[:funds_at + 1] for cell in row if cell)
    year = YEAR.search(text)
    fields = _header_fields(grid, keys, funds_at)
    data.update(name=fields.get("name", ""), year=int(year.group(1)) if year else None,
                department=fields.get("department", ""), unit=fields.get("unit", ""))
    for key in ("lead", "phone"):
        if fields.get(key):
            data[key] = fields[key]
    goal_at = _row_with(keys, "预期目标", start=funds_at)
    data["funds"] = _funds(grid, keys, funds_at, goal_at if goal_at is not None else head_at, extracted)
    data["goal"] = _goal(grid, keys, funds_at, head_at)
    data["indicators"], after = _indicators(grid, keys, head_at, extracted)
    notes = _notes(grid, keys, after)
    if notes:
        data["x-notes"] = notes
    if TITLE not in "".join(fold(c) for row in grid[:funds_at] for c in row):
        extracted.doubts.append("没有找到表名“项目支出绩效自评表”")
    return extracted
