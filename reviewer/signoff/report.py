"""The reviewer's report: 审核意见 per form (Markdown), a workbook (xlsx) and a full JSON export.

Only accepted critiques (with the edited wording where edited) go into the
审核意见; pending ones are counted, rejected ones left out. The genre follows
docs/domain-rules.md §5: one-line overall judgement with the claimed and
recomputed score, numbered findings by indicator, a request to rectify, sign-off.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..checks.catalogue import SEVERITY_LABEL, VERDICT_LABEL, source_label, title_of
from ..store import ACCEPTED, EDITED, PENDING, REJECTED, STATUS_LABEL, Critique, FormRecord, Store, now

JUDGEMENT = {"error": "不够规范", "warning": "基本规范", "info": "总体规范", None: "总体规范"}
CLOSING = "请项目单位对上述问题逐项整改，补充偏差原因说明和佐证材料，下年度合理设置绩效指标值，并将整改情况和评价结果作为下年度预算安排的参考。"


@dataclass
class FormReport:
    form: FormRecord
    critiques: list[Critique]
    indicator_names: list[str] = field(default_factory=list)

    def with_status(self, *statuses: str) -> list[Critique]:
        return [c for c in self.critiques if c.status in statuses]

    @property
    def accepted(self) -> list[Critique]:
        """Accepted and edited critiques, by indicator (form-level ones first)."""
        rows = self.with_status(ACCEPTED, EDITED)
        return sorted(rows, key=lambda c: (sorted(c.indicators) or [-1], c.seq))

    @property
    def judgement(self) -> str:
        severities = {c.severity for c in self.accepted}
        worst = next((s for s in ("error", "warning", "info") if s in severities), None)
        return JUDGEMENT[worst]

    def counts(self) -> dict[str, int]:
        return {status: len(self.with_status(status)) for status in (PENDING, ACCEPTED, EDITED, REJECTED)}

    def signed(self) -> tuple[str, str]:
        """Who decided on this form's critiques, and the date of the last decision."""
        decided = sorted(self.with_status(ACCEPTED, EDITED, REJECTED), key=lambda c: c.decided_at or "")
        names = list(dict.fromkeys(c.decided_by for c in decided if c.decided_by))
        when = datetime.fromisoformat(decided[-1].decided_at).date() if decided else date.today()
        return "、".join(names), f"{when.year}年{when.month}月{when.day}日"

    def where(self, critique: Critique) -> str:
        indices = sorted(critique.indicators)
        if not indices:
            return "全表"
        if len(indices) == 1:
            return f"第{indices[0] + 1}项“{self.indicator_names[indices[0]]}”"
        return f"第{'、'.join(str(i + 1) for i in indices)}项"


def gather(store: Store, selectors: tuple[str, ...] = ()) -> list[FormReport]:
    return [FormReport(form, store.form_critiques(form.id), form.indicator_names())
            for form in store.current_forms(selectors)]


def _total(stored: str | None, blank: Any = None) -> Any:
    """A stored total as a number; a blank 总分 as `blank` (null in JSON, — in a sheet)."""
    return blank if stored is None else float(stored)


def score_line(form: FormRecord) -> str:
    if form.claimed_total is None:  # a blank 总分 (form-format 1.1)
        return f"自评总分未填写（—），复核 {form.recomputed_total} 分"
    line = f"自评 {form.claimed_total} 分，复核 {form.recomputed_total} 分"
    diff = float(form.claimed_total) - float(form.recomputed_total)
    return line + (f"（相差 {abs(diff):.2f} 分）" if abs(diff) >= 0.005 else "")


def grouped_by_indicators(report: FormReport, accepted: list[Critique]) -> list[tuple[str, list[str]]]:
    """One numbered item per set of indicators: a rule finding and the judge's verdict on the
    same pair read as one point to the unit, not two a page apart."""
    items: dict[str, list[str]] = {}
    for critique in accepted:
        comments = items.setdefault(report.where(critique), [])
        text = critique.effective_comment
        if text not in comments:
            comments.append(text)
    return list(items.items())


def form_markdown(report: FormReport, reviewer: str) -> str:
    form = report.form
    lines = [
        f"## {form.name}（{form.year}年度）", "",
        f"主管部门：{form.department}；实施单位：{form.unit}；表单文件：{form.file}", "",
        f"一、总体评价：该项目绩效自评{report.judgement}，{score_line(form)}。", "",
    ]
    accepted = report.accepted
    if accepted:
        lines += ["二、审核发现的问题及整改要求：", ""]
        for number, (where, comments) in enumerate(grouped_by_indicators(report, accepted), 1):
            lines.append(f"{number}. 【{where}】{''.join(comments)}")
        lines += ["", CLOSING, ""]
    else:
        lines += ["二、未发现需要整改的问题。", ""]
    pending = report.counts()[PENDING]
    if pending:
        lines += [f"（另有 {pending} 条意见尚待审核，未列入本意见。）", ""]
    names, when = report.signed()
    lines += [f"审核人：{names or reviewer}　　日期：{when}", ""]
    return "\n".join(lines)


def to_markdown(reports: list[FormReport], reviewer: str) -> str:
    if not reports:
        return "# 审核意见\n\n（没有符合条件的表单。）\n"
    return "# 审核意见\n\n" + "\n".join(form_markdown(r, reviewer) for r in reports)


# --- xlsx ------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@")
WRAP_FROM = 40  # display columns; longer text wraps instead of widening the column


def display_width(value: Any) -> int:
    """Columns a value takes in a spreadsheet font: CJK and full-width characters count 2."""
    text = "" if value is None else str(value)
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in text.splitlines() or [""]), default=0)


def _write_sheet(sheet: Any, header: list[str], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"  # text as typed, never a formula
    for index, column in enumerate(sheet.columns):
        width = max(display_width(cell.value) for cell in column)
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(width, WRAP_FROM) + 2
        if width > WRAP_FROM:
            for cell in column[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def to_xlsx(reports: list[FormReport], path: str | Path, reviewer: str) -> None:
    from openpyxl import Workbook  # only the xlsx report needs it; every start would pay for it

    book = Workbook()
    summary = book.active
    summary.title = "汇总"
    rows = []
    for report in reports:
        form, counts = report.form, report.counts()
        names, when = report.signed()
        rows.append([
            form.id[:12], form.file, form.name, form.year, form.department, form.unit,
            _total(form.claimed_total, "—"), float(form.recomputed_total), report.judgement,
            counts[PENDING], counts[ACCEPTED], counts[EDITED], counts[REJECTED], names or reviewer, when,
        ])
    _write_sheet(summary, ["表单编号", "文件", "项目名称", "年度", "主管部门", "实施单位", "自评总分", "复核总分",
                           "总体评价", "待审", "已采纳", "已修改", "已驳回", "审核人", "日期"], rows)
    sheet = book.create_sheet("意见")
    rows = []
    for report in reports:
        for critique in report.critiques:
            rows.append([
                critique.id, report.form.name, report.form.file, report.where(critique), critique.code,
                title_of(critique.code, critique.indicators), SEVERITY_LABEL[critique.severity],
                source_label(critique.source), STATUS_LABEL[critique.status],
                critique.message, critique.comment,
                critique.effective_comment if critique.status in (ACCEPTED, EDITED) else "",
                VERDICT_LABEL.get(critique.verdict, critique.verdict or ""), critique.decided_by or "",
                critique.decided_at or "", critique.note or "",
            ])
    _write_sheet(sheet, ["意见编号", "项目名称", "文件", "指标", "代码", "问题", "级别", "来源", "状态", "问题说明",
                         "建议意见", "采用意见", "评判", "处理人", "处理时间", "备注"], rows)
    book.save(path)


# --- json ------------------------------------------------------------------

def to_json(store: Store, reports: list[FormReport], reviewer: str) -> dict[str, Any]:
    """Every version of the selected forms, with runs, critiques and their full decision history."""
    forms = []
    for report in reports:
        names, when = report.signed()
        history = []
        for number, version in enumerate(store.versions(report.form.lineage), 1):
            critiques = []
            for critique in store.form_critiques(version.id):
                item = critique.columns()
                item["decisions"] = [d.columns() for d in store.decisions(critique.id)]
                critiques.append(item)
            item = version.columns()
            # forms.seq is the review queue's order, which a new version inherits: here, count versions.
            item["seq"] = number
            item["claimed_total"] = _total(version.claimed_total)
            item["recomputed_total"] = float(version.recomputed_total)
            item["form"] = item.pop("form_json")
            item["scorecard"] = item.pop("scorecard_json")
            item["runs"] = [run.columns() for run in store.runs(version.id)]
            item["critiques"] = critiques
            history.append(item)
        form = report.form
        forms.append({
            "form_id": form.id, "file": form.file, "name": form.name,
            "year": form.year, "department": form.department,
            "claimed_total": _total(form.claimed_total),
            "recomputed_total": float(form.recomputed_total),
            "judgement": report.judgement, "counts": report.counts(), "reviewers": names or reviewer, "date": when,
            "comments": [{"id": c.id, "where": report.where(c), "code": c.code, "severity": c.severity,
                          "text": c.effective_comment, "edited": c.status == EDITED} for c in report.accepted],
            "versions": history,
        })
    return {"generated_at": now(), "database": store.path, "forms": forms}
