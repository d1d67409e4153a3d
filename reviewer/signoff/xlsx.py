"""The bureau's workbook: 汇总 (the batch ranked), 按单位, 问题清单 (every problem across the forms), one
底稿 per project (docs/domain-rules.md §6), and the files that could not be read.

Written in openpyxl's write-only mode (memory stays flat however many forms): every sheet has a bold,
frozen header row with an auto-filter, column widths that fit Chinese (CJK characters count two), long
text wrapped; numbers are numbers, times are the configured zone's local times, and no cell is ever
a formula (text that starts with = + - @ is kept as text).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, tzinfo
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from ..config import SignoffSettings
from ..form.values import round_half_up
from ..store import ACCEPTED, EDITED, PENDING, STATUS_LABEL, Point, Refusal
from .files import replaced
from .rulebook import Rulebook
from .scores import percent
from .forms import FormReview
from .summary import summarize
from .xmltext import xml_text

FORMULA_STARTS = ("=", "+", "-", "@")
WRAP_FROM = 40  # display columns; longer text wraps instead of widening the column
SCORE_FORMAT, PERCENT_FORMAT, TIME_FORMAT = "0.00", "0.00%", "yyyy-mm-dd hh:mm"
SHOWN_PLACES = {SCORE_FORMAT: Decimal("0.01"), PERCENT_FORMAT: Decimal("0.0001")}
DIMENSION = {
    "数据准确性": ("FUNDS_SUM", "FUNDS_OVER_BUDGET", "EXECUTION_RATE", "EXECUTION_SCORE", "INDICATOR_SCORE",
                 "ROUNDING", "SCORE_BOUNDS", "TOTAL_SCORE", "TOTAL_MISSING", "SCORE_MISSING", "COST_TOTAL",
                 "PAYMENT_RATE_CONFLICT", "DATE_SCORE", "QUALITATIVE_BAND"),
    "完成值真实性": ("VALUE_TYPE", "VALUE_BLANK", "ACTUAL_COPIES_TARGET"),
    "成本效益匹配": ("COST_COUNT_DIVERGENCE",),
    "偏差说明": ("EXPLANATION_MISSING", "EXPLANATION_REUSED", "EXPLANATION_NO_MEASURE", "EXPLANATION_VERDICT"),
    "指标设置": ("WEIGHTS_TOTAL", "WEIGHT_SCHEME", "QUALITATIVE_SHARE", "OVERACHIEVED"),
    "表单完整性": ("HEADER_BLANK",),
}
DRAFT_COLUMNS = ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重", "自评完成值", "自评得分",
                 "复核完成值", "复核得分", "偏离度", "备注", "修改人", "修改时间"]
ISSUE_COLUMNS = ["等级", "复核维度", "单位", "项目", "指标", "复核发现", "事实及判定", "处理建议", "依据",
                 "状态", "重点审核", "审核人", "决定时间", "要点编号"]
SUMMARY_COLUMNS = ["排名", "单位", "项目名称", "年度", "主管部门", "自评总分", "复核总分", "等级", "偏离度",
                   "相差分数", "偏离提示", "错误", "警告", "待审要点", "已采纳", "已驳回", "底稿"]
UNIT_COLUMNS = ["单位", "表单数", "偏离提示", "错误", "待审要点", "平均自评总分", "平均复核总分", "最低等级"]
REFUSED_COLUMNS = ["文件", "原因", "时间"]


def display_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet font: CJK and full-width characters count 2."""
    if isinstance(value, datetime):
        return 16
    if isinstance(value, (Decimal, float)):  # shown with its cell's format, not its full precision
        return len(f"{float(value):,.2f}") + 1
    text = "" if value is None else str(value)
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines() or [""]), default=0)


class Sheet:
    """One sheet's rows, held until written: widths need every value first."""

    def __init__(self, title: str, header: list[str], preamble: list[list[Any]] | None = None):
        self.title, self.header, self.preamble = title, header, preamble or []
        self.rows: list[list[Any]] = []
        self.formats: dict[int, str] = {}  # column index -> number format

    def add(self, row: list[Any]) -> None:
        self.rows.append(row)


def _cell(sheet: Any, value: Any, number_format: str | None = None, bold: bool = False, wrap: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    if isinstance(value, Decimal):
        # Rounded half-up to what the format shows: Excel would round the binary float itself.
        places = SHOWN_PLACES.get(number_format or "")
        value = float(round_half_up(value, places) if places is not None else value)
    if isinstance(value, str):
        value = xml_text(value)  # openpyxl refuses a control character: the workbook was never written
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # text as typed, never a formula
    if number_format and isinstance(value, (int, float, datetime)):
        cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _write(book: Any, spec: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(spec.title)
    widths = [display_width(h) for h in spec.header]
    for row in spec.rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(width, WRAP_FROM) + 2
    top = len(spec.preamble) + 1
    sheet.freeze_panes = f"A{top + 1}"
    # Printed: landscape A4 with the header row on every page (the sheets are wide: no fit-to-width,
    # which would print the Chinese too small to read).
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", 9
    sheet.print_title_rows = f"{top}:{top}"
    last = get_column_letter(len(spec.header))
    sheet.auto_filter.ref = f"A{top}:{last}{top + max(len(spec.rows), 1)}"
    for line in spec.preamble:
        sheet.append([_cell(sheet, value, bold=n == 0) for n, value in enumerate(line)])
    sheet.append([_cell(sheet, h, bold=True) for h in spec.header])
    for row in spec.rows:
        sheet.append([_cell(sheet, value, spec.formats.get(i), wrap=widths[i] > WRAP_FROM)
                      for i, value in enumerate(row)])


def local(at: str | None, tz: tzinfo) -> datetime | None:
    """A stored ISO time as a naive local time in the configured zone (what a spreadsheet shows)."""
    if not at:
        return None
    return datetime.fromisoformat(at).astimezone(tz).replace(tzinfo=None, microsecond=0)


def sheet_titles(reviews: list[FormReview]) -> dict[str, str]:
    """One unique sheet title per form: the project's name, cut to Excel's 31 characters."""
    titles: dict[str, str] = {}
    used = {"汇总", "按单位", "问题清单", "未能读取"}
    for review in reviews:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in xml_text(review.record.name)).strip("' ") or "表单"
        title, n = base[:31], 2
        while title in used:
            suffix = f"({n})"
            title, n = base[:31 - len(suffix)] + suffix, n + 1
        used.add(title)
        titles[review.record.id] = title
    return titles


def _draft_sheet(review: FormReview, title: str, tz: tzinfo) -> Sheet:
    form, score = review.record, review.score
    preamble = [["项目支出绩效自评复核底稿"],
                ["项目名称", form.name, "年度", form.year, "主管部门", form.department, "实施单位", form.unit or ""],
                ["自评总分", score.claimed_total, "复核总分", score.review_total, "等级", score.grade, "偏离度",
                 percent(score.deviation)]]
    sheet = Sheet(title, DRAFT_COLUMNS, preamble)
    sheet.formats = {6: SCORE_FORMAT, 8: SCORE_FORMAT, 10: SCORE_FORMAT, 11: PERCENT_FORMAT, 14: TIME_FORMAT}
    for row in score.rows:
        change = row.set_by or row.value_set_by
        sheet.add([row.level1, row.level2, row.name, row.nature, row.target, row.unit, row.weight, row.claimed_value,
                   row.claimed, row.value, row.score, row.deviation, row.remark,
                   change.reviewer if change else "", local(change.at, tz) if change else None])
    sheet.add(["合计", "", "", "", "", "", sum(r.weight for r in score.rows), "", score.claimed_total, "",
               score.review_total, score.deviation, f"等级“{score.grade}”", "", None])
    return sheet


def level(review: FormReview, point: Point) -> str:
    """P0: an error, or a score the rulebook or the reviewer cut; P1: a warning or a formula correction;
    P2: the rest."""
    rows = [review.score.row(i) for i in point.indicators]
    cut = any(r.changed and r.clause is not None and r.clause.deduction != "formula" for r in rows)
    if point.severity == "error" or cut:
        return "P0"
    if point.severity == "warning" or any(r.changed for r in rows):
        return "P1"
    return "P2"


def issue_rows(reviews: list[FormReview], rulebook: Rulebook, tz: tzinfo) -> list[list[Any]]:
    """The 问题清单: one row per accepted or pending point (ISSUE_COLUMNS), 待重点审核 first, then by 等级."""
    found = []
    for order, review in enumerate(reviews):
        for point in review.points:
            if point.status not in (ACCEPTED, EDITED, PENDING):
                continue
            codes = point.code_list
            dimensions = [d for d, members in DIMENSION.items() if any(c in members for c in codes)] or ["其他"]
            clauses = list(dict.fromkeys(c.name for c in (rulebook.for_code(code) for code in codes) if c))
            clauses += [r.clause.basis for r in (review.score.row(i) for i in point.indicators)
                        if r.changed and r.clause is not None and r.clause.name not in clauses]
            parts = point.parts or {}
            if point.status == EDITED:
                facts, advice = point.effective_comment, ""
            else:
                facts = "".join(p.rstrip("。") + "。" for p in [parts.get("facts", "")] + list(parts.get("problems", []))
                                if p)
                advice = "；".join(parts.get("requests", [])) + ("。" if parts.get("requests") else "")
            changes = review.score_changes(point)
            if changes:
                facts += "复核调整：" + "；".join(changes) + "。"
            row = [level(review, point), "、".join(dimensions), review.record.unit or review.record.department,
                   review.record.name, point.title, "；".join(parts.get("titles", [])), facts or point.comment, advice,
                   "；".join(f"{rulebook.name}“{c}”" for c in clauses), STATUS_LABEL[point.status],
                   "待重点审核" if point.review_first else "", point.decided_by or "", local(point.decided_at, tz),
                   point.id]
            found.append(((not point.review_first, row[0], order, point.seq), row))
    return [row for _, row in sorted(found, key=lambda item: item[0])]


def write_xlsx(reviews: list[FormReview], refused: list[Refusal], path: Path, settings: SignoffSettings,
               rulebook: Rulebook) -> Path:
    from openpyxl import Workbook

    tz = settings.tz
    batch = summarize(reviews, refused)
    titles = sheet_titles(reviews)
    book = Workbook(write_only=True)
    summary = Sheet("汇总", SUMMARY_COLUMNS)
    summary.formats = {5: SCORE_FORMAT, 6: SCORE_FORMAT, 8: PERCENT_FORMAT, 9: SCORE_FORMAT}
    for line in batch.forms:
        form, score = line.record, line.review.score
        summary.add([line.rank, line.unit, form.name, form.year, form.department, score.claimed_total,
                     score.review_total, score.grade, score.deviation, score.difference,
                     "是" if score.flagged else "", line.errors, line.warnings, line.pending, line.accepted,
                     line.rejected, titles[form.id]])
    _write(book, summary)
    units = Sheet("按单位", UNIT_COLUMNS)
    units.formats = {5: SCORE_FORMAT, 6: SCORE_FORMAT}
    for unit in batch.units:
        units.add([unit.unit, unit.forms, unit.flagged, unit.errors, unit.pending, unit.claimed, unit.review,
                   unit.worst_grade])
    _write(book, units)
    issues = Sheet("问题清单", ISSUE_COLUMNS)
    issues.formats = {12: TIME_FORMAT}
    for row in issue_rows([line.review for line in batch.forms], rulebook, tz):
        issues.add(row)
    _write(book, issues)
    for line in batch.forms:
        _write(book, _draft_sheet(line.review, titles[line.record.id], tz))
    if refused:
        sheet = Sheet("未能读取", REFUSED_COLUMNS)
        sheet.formats = {2: TIME_FORMAT}
        for refusal in refused:
            sheet.add([refusal.file, refusal.message, local(refusal.at, tz)])
        _write(book, sheet)
    packed = BytesIO()  # the compressed workbook, a few MB: saved whole first, so a disk that fails
    book.save(packed)  # leaves none of openpyxl's streams half-open (they complain when collected)
    with replaced(path) as temporary:  # whole or not at all
        temporary.write_bytes(packed.getbuffer())
    return path


__all__ = ["write_xlsx", "issue_rows", "display_width", "sheet_titles", "level", "local", "FORMULA_STARTS", "ISSUE_COLUMNS",
           "DRAFT_COLUMNS", "SUMMARY_COLUMNS"]
