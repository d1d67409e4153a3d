"""The bureau's workbook: 汇总 (the batch ranked), 按单位, 问题清单 (every problem across the forms), one
底稿 per project (docs/domain-rules.md §6), and the files that could not be read.

Written in openpyxl's write-only mode, one form at a time (memory stays flat however many forms): each
底稿 is written and closed as its form is read; the rows of 汇总 and 问题清单, which need the whole batch
to be ranked, wait in a temporary SQLite file, and the sheets are put in order at the end. Every sheet
has a bold, frozen header row with an auto-filter, column widths that fit Chinese (CJK characters count
two), long text wrapped; numbers are numbers, times are the configured zone's local times, no cell is
ever a formula (text that starts with = + - @ is kept as text), and characters XML cannot hold are
dropped. The workbook is written to a temporary file and renamed into place (output.replacing).
"""

from __future__ import annotations

import errno
import io
import pickle
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..config import SignoffSettings
from ..form.values import display_columns, round_half_up
from ..store import ACCEPTED, EDITED, PENDING, STATUS_LABEL, Point, Refusal
from .rulebook import Rulebook
from .scores import percent
from .forms import FormReview
from .output import replacing, xml_text
from .summary import GRADE_RANK, FormLine, UnitLine, form_line, seriousness

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
    if isinstance(value, str):
        return _TEXT_WIDTH[value]
    if isinstance(value, datetime):
        return 16
    if isinstance(value, (Decimal, float)):  # shown with its cell's format, not its full precision
        return len(f"{float(value):,.2f}") + 1
    return _text_width("" if value is None else str(value))


def _text_width(text: str) -> int:
    return max(map(display_columns, text.splitlines() or [""]))


class _TextWidths(dict):
    """Short texts' widths, measured once: every form repeats its indicators' names, units and targets.
    Bounded, so a batch of any size keeps the same few thousand."""

    def __missing__(self, text: str) -> int:
        width = _text_width(text)
        if len(text) <= 64 and len(self) < 8192:
            self[text] = width
        return width


_TEXT_WIDTH = _TextWidths()


class Sheet:
    """One sheet's rows, held until written: widths need every value first (a 底稿, the refused files)."""

    def __init__(self, title: str, header: list[str], preamble: list[list[Any]] | None = None):
        self.title, self.header, self.preamble = title, header, preamble or []
        self.rows: list[list[Any]] = []
        self.formats: dict[int, str] = {}  # column index -> number format

    def add(self, row: list[Any]) -> None:
        self.rows.append(row)


@cache
def _styles() -> tuple[Any, Any]:
    """The bold header font and the wrapped-text alignment, made once: openpyxl hashes a style each time
    one is set, and building them per cell was a third of a workbook's time."""
    from openpyxl.styles import Alignment, Font

    return Font(bold=True), Alignment(wrap_text=True, vertical="top")


def _cell(sheet: Any, value: Any, number_format: str | None = None, bold: bool = False, wrap: bool = False) -> Any:
    value = _plain(value, number_format)
    if not _needs_cell(value, number_format, bold, wrap):
        return value
    return _styled(sheet, value, number_format, bold, wrap)


def _plain(value: Any, number_format: str | None) -> Any:
    """The value a cell holds: a Decimal as the float its format shows, text without what XML cannot hold."""
    if isinstance(value, Decimal):
        # Rounded half-up to what the format shows: Excel would round the binary float itself.
        places = SHOWN_PLACES.get(number_format or "")
        return float(round_half_up(value, places) if places is not None else value)
    if isinstance(value, str):
        return xml_text(value)  # a control character would raise IllegalCharacterError
    return value


def _needs_cell(value: Any, number_format: str | None, bold: bool, wrap: bool) -> bool:
    """Whether a value (from _plain) needs a cell object: a style, or text that must not become a formula.
    Anything else openpyxl writes as it is, which gives the same XML as an unstyled cell."""
    if value is None:
        return False
    if isinstance(value, str):
        return bold or wrap or value.startswith(FORMULA_STARTS)
    if isinstance(value, (int, float)):
        return bool(number_format or bold or wrap)
    return True


def _styled(sheet: Any, value: Any, number_format: str | None = None, bold: bool = False, wrap: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell.data_type = "s"  # text as typed, never a formula
    if number_format and isinstance(value, (int, float, datetime)):
        cell.number_format = number_format
    bold_font, wrapped = _styles()
    if bold:
        cell.font = bold_font
    if wrap:
        cell.alignment = wrapped
    return cell


class _Body:
    """A sheet's body rows as sheet.append takes them. A value that needs a cell (_needs_cell) gets one cell
    per column and kind of value, made once and given each row's value: a write-only sheet writes a row as
    it is appended, so the cell is free again for the next row. Setting a font, an alignment or a format
    on a new cell hashes the style each time, and that was a third of a workbook's time. The first cell of
    each kind is made as a new one always was, so the workbook's styles are registered in the same order."""

    def __init__(self, sheet: Any, formats: dict[int, str], wrapped: list[bool]):
        self.sheet = sheet
        self.columns = [(formats.get(i), wrap) for i, wrap in enumerate(wrapped)]
        self.cells: dict[tuple[int, type], Any] = {}

    def row(self, values: list[Any]) -> list[Any]:
        out = []
        for i, value in enumerate(values):
            number_format, wrap = self.columns[i]
            if value is None:
                out.append(None)
                continue
            if type(value) is str:  # most values: _plain and _needs_cell for text, inlined
                value = xml_text(value)
                needs = wrap or value.startswith(FORMULA_STARTS)
            else:
                value = _plain(value, number_format)
                needs = _needs_cell(value, number_format, False, wrap)
            out.append(self._cell(i, value, number_format, wrap) if needs else value)
        return out

    def _cell(self, i: int, value: Any, number_format: str | None, wrap: bool) -> Any:
        cell = self.cells.get((i, type(value)))
        if cell is None:
            cell = self.cells[i, type(value)] = _styled(self.sheet, value, number_format, wrap=wrap)
            return cell
        cell.value = value  # its type decides the data type again; the style stays
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
        return cell


def _widths(header: list[str]) -> list[int]:
    return [display_width(h) for h in header]


def _widen(widths: list[int], row: list[Any]) -> None:
    for i, value in enumerate(row):
        if value is not None:  # no wider than nothing
            width = display_width(value)
            if width > widths[i]:
                widths[i] = width


def _fill(sheet: Any, header: list[str], widths: list[int], formats: dict[int, str], rows: Iterable[list[Any]],
          count: int, preamble: list[list[Any]] = ()) -> None:
    """Write a write-only sheet whose column widths (from every value) and row count are known."""
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths):
        sheet.column_dimensions[get_column_letter(i + 1)].width = min(width, WRAP_FROM) + 2
    top = len(preamble) + 1
    sheet.freeze_panes = f"A{top + 1}"
    # Printed: landscape A4 with the header row on every page (the sheets are wide: no fit-to-width,
    # which would print the Chinese too small to read).
    sheet.page_setup.orientation, sheet.page_setup.paperSize = "landscape", 9
    sheet.print_title_rows = f"{top}:{top}"
    last = get_column_letter(len(header))
    sheet.auto_filter.ref = f"A{top}:{last}{top + max(count, 1)}"
    for line in preamble:
        sheet.append([_cell(sheet, value, bold=n == 0) for n, value in enumerate(line)])
    sheet.append([_cell(sheet, h, bold=True) for h in header])
    body = _Body(sheet, formats, [width > WRAP_FROM for width in widths])
    for row in rows:
        sheet.append(body.row(row))
    sheet.close()  # its XML is complete on disk: no open file per sheet, however many forms
    _release(sheet)


# What a closed write-only sheet no longer needs: its XML is written, and saving the workbook reads only
# its title, state, names, print titles, auto-filter and parts. Dropped, a 底稿 costs ~4 KB until the
# workbook is saved instead of ~20 KB (openpyxl keeps every sheet's settings objects).
_WRITTEN = ("HeaderFooter", "col_breaks", "row_breaks", "column_dimensions", "row_dimensions", "conditional_formatting",
            "data_validations", "merged_cells", "page_margins", "page_setup", "print_options", "protection",
            "scenarios", "sheet_format", "sheet_properties", "views", "_rows", "_cells", "_hyperlinks")


def _release(sheet: Any) -> None:
    for name in _WRITTEN:
        vars(sheet).pop(name, None)


def _write(book: Any, spec: Sheet) -> Any:
    widths = _widths(spec.header)
    for row in spec.rows:
        _widen(widths, row)
    sheet = book.create_sheet(spec.title)
    _fill(sheet, spec.header, widths, spec.formats, spec.rows, len(spec.rows), spec.preamble)
    return sheet


class _Drafts:
    """The 底稿, one sheet per form, kept off the workbook's list of sheets while they are written: openpyxl
    checks a new sheet's title against every sheet's, which with a sheet per form was quadratic. Their
    titles are unique already, case aside (SheetTitles), so each is checked against the first sheets only."""

    def __init__(self, book: Any):
        self.book, self.head = book, list(book._sheets)
        self.sheets: list[Any] = []

    def write(self, spec: Sheet) -> None:
        self.sheets.append(_write(self.book, spec))
        self.book._sheets = list(self.head)

    def restore(self) -> None:
        """The workbook's sheets as openpyxl would have them: every sheet made so far, in order."""
        self.book._sheets = [*self.head, *self.sheets]


def local(at: str | None, tz: tzinfo) -> datetime | None:
    """A stored ISO time as a naive local time in the configured zone (what a spreadsheet shows)."""
    if not at:
        return None
    return datetime.fromisoformat(at).astimezone(tz).replace(tzinfo=None, microsecond=0)


class SheetTitles:
    """One unique sheet title per form, in the order forms are given: the project's name, cut to Excel's
    31 characters. Unique regardless of letter case, as Excel compares them: otherwise openpyxl would
    rename the sheet and the 汇总's 底稿 column would name a sheet that is not there."""

    def __init__(self) -> None:
        self.used = {"汇总", "按单位", "问题清单", "未能读取"}

    def add(self, name: str) -> str:
        base = "".join("_" if ch in "[]:*?/\\" else ch for ch in xml_text(name)).strip("' ") or "表单"
        title, n = base[:31], 2
        while title.lower() in self.used:
            suffix = f"({n})"
            title, n = base[:31 - len(suffix)] + suffix, n + 1
        self.used.add(title.lower())
        return title


def sheet_titles(reviews: list[FormReview]) -> dict[str, str]:
    titles = SheetTitles()
    return {review.record.id: titles.add(review.record.name) for review in reviews}


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


def issue_entries(review: FormReview, rulebook: Rulebook, tz: tzinfo) -> Iterator[tuple[tuple, list[Any]]]:
    """A form's lines of the 问题清单 (ISSUE_COLUMNS), one per accepted or pending point, each with its
    place within the form's: (not 待重点审核, 等级, the point's seq)."""
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
        yield (not point.review_first, row[0], point.seq), row


def issue_rows(reviews: list[FormReview], rulebook: Rulebook, tz: tzinfo) -> list[list[Any]]:
    """The 问题清单: one row per accepted or pending point (ISSUE_COLUMNS), 待重点审核 first, then by 等级,
    then by the order of `reviews`."""
    found = []
    for order, review in enumerate(reviews):
        for (first, grade, seq), row in issue_entries(review, rulebook, tz):
            found.append(((first, grade, order, seq), row))
    return [row for _, row in sorted(found, key=lambda item: item[0])]


@dataclass
class _Unit:
    """A unit's line of 按单位, added up form by form."""

    forms: int = 0
    flagged: int = 0
    errors: int = 0
    pending: int = 0
    claimed: list[Decimal] = field(default_factory=lambda: [Decimal(0), Decimal(0)])  # sum, count
    review: Decimal = Decimal(0)
    grades: dict[str, tuple] = field(default_factory=dict)  # grade -> its most serious form's seriousness

    def add(self, line: FormLine, key: tuple) -> None:
        score = line.review.score
        self.forms += 1
        self.flagged += score.flagged
        self.errors += line.errors
        self.pending += line.pending
        if score.claimed_total is not None:
            self.claimed[0] += score.claimed_total
            self.claimed[1] += 1
        self.review += score.review_total
        self.grades[score.grade] = min(self.grades.get(score.grade, key), key)

    def line(self, unit: str) -> UnitLine:
        """As summary.summarize gives it: the worst grade, among equals the one of the more serious form."""
        worst = max(GRADE_RANK.get(g, 9) for g in self.grades)
        grade = min((g for g in self.grades if GRADE_RANK.get(g, 9) == worst), key=self.grades.__getitem__)
        claimed = round_half_up(self.claimed[0] / self.claimed[1]) if self.claimed[1] else None
        return UnitLine(unit, self.forms, self.flagged, self.errors, self.pending, claimed,
                        round_half_up(self.review / self.forms), grade)


class _Waiting:
    """Rows that wait for the whole batch to be ranked: in a temporary SQLite file (deleted when closed),
    so that a province's batch is sorted on disk, not in memory. Its failures (a full disk) are OSErrors,
    reported as a workbook that could not be written."""

    def __init__(self) -> None:
        with self._io():
            self.db = sqlite3.connect("")  # "": a private temporary file, removed on close
            self.db.execute("CREATE TABLE forms (n INTEGER PRIMARY KEY, rank INTEGER, row BLOB)")
            self.db.execute("CREATE TABLE issues (n INTEGER PRIMARY KEY, form INTEGER, first INTEGER, grade TEXT, "
                            "seq INTEGER, row BLOB)")

    @staticmethod
    @contextmanager
    def _io() -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise OSError(errno.ENOSPC if "full" in str(error) else errno.EIO, f"临时文件：{error}") from None

    def form(self, n: int, row: list[Any]) -> None:
        with self._io():
            self.db.execute("INSERT INTO forms (n, row) VALUES (?, ?)", [n, pickle.dumps(row)])

    def issue(self, form: int, key: tuple, row: list[Any]) -> None:
        first, grade, seq = key
        with self._io():
            self.db.execute("INSERT INTO issues (form, first, grade, seq, row) VALUES (?, ?, ?, ?, ?)",
                            [form, int(first), grade, seq, pickle.dumps(row)])

    def rank(self, ranks: Iterable[tuple[int, int]]) -> None:
        with self._io():
            self.db.executemany("UPDATE forms SET rank = ? WHERE n = ?", ranks)
            self.db.execute("CREATE INDEX forms_rank ON forms (rank)")

    def issue_count(self) -> int:
        with self._io():
            return self.db.execute("SELECT count(*) FROM issues").fetchone()[0]

    def forms(self) -> Iterator[list[Any]]:
        with self._io():
            for rank, row in self.db.execute("SELECT rank, row FROM forms ORDER BY rank"):
                yield [rank, *pickle.loads(row)]

    def issues(self) -> Iterator[list[Any]]:
        # The 问题清单's order: 待重点审核 first, then by 等级, then the forms' rank, then the form's order.
        with self._io():
            for (row,) in self.db.execute("SELECT i.row FROM issues i JOIN forms f ON f.n = i.form "
                                          "ORDER BY i.first, i.grade, f.rank, i.seq, i.n"):
                yield pickle.loads(row)

    def close(self) -> None:
        self.db.close()


def write_xlsx(reviews: Iterable[FormReview], refused: list[Refusal], path: Path, settings: SignoffSettings,
               rulebook: Rulebook) -> Path:
    """The workbook of the forms `reviews` gives (read one at a time), written whole or not at all."""
    from lxml.etree import SerialisationError

    with replacing(path) as temp:
        try:
            _write_book(reviews, refused, temp, settings, rulebook)
        except SerialisationError as error:
            # openpyxl writes each sheet with lxml, which reports a failed write (IO_ENOSPC, IO_EFBIG) its own way.
            raise OSError(getattr(errno, str(error).removeprefix("IO_"), errno.EIO), str(error)) from None
    return path


def _abandon(book: Any) -> None:
    """Close the sheet streams of a workbook that failed to be written, quietly: left to the collector, a
    stream whose file could not be written fails again and prints a traceback."""
    for sheet in book._sheets:
        for stream in (getattr(sheet, "_rows", None), getattr(getattr(sheet, "_writer", None), "xf", None)):
            try:
                if stream is not None:
                    stream.close()
            except Exception:  # noqa: BLE001 - the write failed already; OutputError says so
                pass


def _write_book(reviews: Iterable[FormReview], refused: list[Refusal], path: Path, settings: SignoffSettings,
                rulebook: Rulebook) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        return _fill_book(book, reviews, refused, path, settings, rulebook)
    except BaseException:
        _abandon(book)
        raise


def _fill_book(book: Any, reviews: Iterable[FormReview], refused: list[Refusal], path: Path,
               settings: SignoffSettings, rulebook: Rulebook) -> int:
    tz = settings.tz
    summary, units_sheet, issues = (book.create_sheet(title) for title in ("汇总", "按单位", "问题清单"))
    summary_widths, issue_widths = _widths(SUMMARY_COLUMNS), _widths(ISSUE_COLUMNS)
    titles = SheetTitles()
    units: dict[str, _Unit] = {}
    keys: list[tuple[tuple, int]] = []  # each form's seriousness, to rank them at the end
    drafts = _Drafts(book)
    waiting = _Waiting()
    try:
        for n, review in enumerate(reviews):
            line, title = form_line(review), titles.add(review.record.name)
            key = seriousness(line)
            keys.append((key, n))
            drafts.write(_draft_sheet(review, title, tz))
            form, score = line.record, review.score
            row = [line.unit, form.name, form.year, form.department, score.claimed_total, score.review_total,
                   score.grade, score.deviation, score.difference, "是" if score.flagged else "", line.errors,
                   line.warnings, line.pending, line.accepted, line.rejected, title]
            _widen(summary_widths, [0, *row])
            waiting.form(n, row)
            for place, issue in issue_entries(review, rulebook, tz):
                _widen(issue_widths, issue)
                waiting.issue(n, place, issue)
            units.setdefault(line.unit, _Unit()).add(line, key)
        order = [n for _, n in sorted(keys)]
        summary_widths[0] = max(summary_widths[0], len(str(len(order))))  # the rank column
        waiting.rank((rank, n) for rank, n in enumerate(order, 1))
        _fill(summary, SUMMARY_COLUMNS, summary_widths,
              {5: SCORE_FORMAT, 6: SCORE_FORMAT, 8: PERCENT_FORMAT, 9: SCORE_FORMAT}, waiting.forms(), len(order))
        unit_lines = sorted((total.line(unit) for unit, total in units.items()),
                            key=lambda u: (-u.errors, -u.flagged, -u.pending, u.unit))
        unit_rows = [[u.unit, u.forms, u.flagged, u.errors, u.pending, u.claimed, u.review, u.worst_grade]
                     for u in unit_lines]
        unit_widths = _widths(UNIT_COLUMNS)
        for row in unit_rows:
            _widen(unit_widths, row)
        _fill(units_sheet, UNIT_COLUMNS, unit_widths, {5: SCORE_FORMAT, 6: SCORE_FORMAT}, unit_rows, len(unit_rows))
        _fill(issues, ISSUE_COLUMNS, issue_widths, {12: TIME_FORMAT}, waiting.issues(), waiting.issue_count())
    finally:
        waiting.close()
    drafts.restore()
    tail = []
    if refused:
        sheet = Sheet("未能读取", REFUSED_COLUMNS)
        sheet.formats = {2: TIME_FORMAT}
        for refusal in refused:
            sheet.add([refusal.file, refusal.message, local(refusal.at, tz)])
        tail.append(_write(book, sheet))
    # The 底稿 were written in the order the forms came; the workbook lists them by the 汇总's rank.
    book._sheets = [summary, units_sheet, issues, *(drafts.sheets[n] for n in order), *tail]
    with open(path, "wb") as file:
        sink = _Sink(file)
        try:
            book.save(sink)
            sink.check()
        finally:
            sink.file = None  # the file closes here; the zip openpyxl may leave open must not reach it after
    return len(order)


class _Sink(io.RawIOBase):
    """The workbook's file as openpyxl's zip writes it, packed straight to disk (held in memory first, a
    workbook of 10,000 forms took ~60 MB more). A write that fails (a full disk) raises once. After it, or
    once the file is closed, writes are dropped and positions only counted: a zip openpyxl leaves open (a
    failed write, an interrupted save) is closed when it is collected, and it must then close quietly
    instead of failing again with an "Exception ignored" traceback. The temporary file is removed anyway
    (output.replacing)."""

    def __init__(self, file: Any):
        self.file, self.failed, self.at = file, None, 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.file is None or self.file.seekable()  # a pipe (-o a FIFO): the zip then writes without seeking

    def _live(self) -> bool:
        return self.failed is None and self.file is not None

    def write(self, data: Any) -> int:
        if self._live():
            self._guard(self.file.write, data)
        self.at += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self.seekable():
            raise io.UnsupportedOperation("seek")  # how a zip learns it is writing into a pipe
        if self._live():
            self.at = self._guard(self.file.seek, offset, whence)
        else:
            self.at = offset + (self.at if whence else 0)  # whence 2 (the end) is not used by a zip writer
        return self.at

    def tell(self) -> int:
        return self.at

    def flush(self) -> None:
        if self._live():
            self._guard(self.file.flush)

    def check(self) -> None:
        """Raise the write error even if the zip swallowed it."""
        self.flush()
        if self.failed is not None:
            raise self.failed

    def _guard(self, call: Any, *args: Any) -> Any:
        try:
            return call(*args)
        except OSError as error:
            self.failed = error
            raise


__all__ = ["write_xlsx", "issue_rows", "issue_entries", "SheetTitles", "display_width", "sheet_titles", "level", "local", "FORMULA_STARTS", "ISSUE_COLUMNS",
           "DRAFT_COLUMNS", "SUMMARY_COLUMNS"]
