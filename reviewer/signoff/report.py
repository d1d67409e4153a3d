"""The reviewer's report on the terminal (Markdown) and the full JSON export, both by point.

Both are produced one form at a time (markdown_parts, json_parts): a batch of any size is written with
one form in memory. Form text in the Markdown is escaped (md_text): a project name, a unit or a comment
can hold no heading, list, link, image, HTML, code or table of its own.

Only decided points reach the 复核意见: accepted ones (with the edited wording where edited) are its
numbered problems, rejected ones are left out, pending ones are counted. No file path is printed: the
report is about the project, for the unit. The genre follows docs/domain-rules.md §5.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Iterator

from ..form.values import format_decimal, round_half_up
from ..store import EDITED, Point, Store
from .scores import FormScore, RowScore, percent
from .forms import FormReview

CLOSING = ("请项目单位对上述问题逐项整改，补充偏差原因说明和佐证材料，下年度合理设置绩效指标值，"
           "并将整改情况和评价结果作为下年度预算安排的参考。")


def score_text(value: Decimal | None) -> str:
    """A score (or a rate) as the documents print it: two decimals, rounded half-up."""
    return "—" if value is None else f"{round_half_up(value)}"


def overall(review: FormReview) -> str:
    """该项目绩效自评基本规范，自评 98.43 分，复核 89.43 分，等级“良”，偏离度 9.14%（…）."""
    score = review.score
    claimed = "自评总分未填写（—）" if score.claimed_total is None else f"自评 {score_text(score.claimed_total)} 分"
    line = (f"该项目绩效自评{review.judgement}，{claimed}，复核 {score_text(score.review_total)} 分，"
            f"等级“{score.grade}”")
    if score.deviation is not None:
        line += f"，偏离度 {percent(score.deviation)}"
    if score.difference and score.flagged:
        line += f"（自评与复核相差 {score_text(abs(score.difference))} 分，达到 {format_decimal(score.flag_points)} 分的提示线）"
    return line


def signer(review: FormReview, reviewer: str | None, exclude: tuple[str, ...] = ()) -> str:
    """Who signs: the reviewer named (option or config), else those who decided, never a name in `exclude`
    (the login name a decision may have been recorded under)."""
    if reviewer:
        return reviewer
    decided = sorted((p for p in review.points if p.decided_by), key=lambda p: p.decided_at or "")
    names = [n for n in dict.fromkeys(p.decided_by for p in decided) if n not in exclude]
    return "、".join(names)


def decided_on(review: FormReview) -> date:
    decided = [p.decided_at for p in review.points if p.decided_at]
    return datetime.fromisoformat(max(decided)).date() if decided else date.today()


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def point_text(review: FormReview, point: Point) -> str:
    """A point as the 复核意见 prints it: its comment, then where the score changed and on what clause."""
    text = point.effective_comment.rstrip()
    changes = review.score_changes(point)
    if changes:
        text += "（复核调整：" + "；".join(changes) + "）"
    return text


# Characters that make Markdown structure inline (code, emphasis, links and images, HTML and autolinks,
# entities, a heading's closing #, table cells, strikethrough) or a hard break (a trailing backslash).
# Block structure (a heading, a list, a quote, a fence) needs the start of a line, and form text never
# starts one: line breaks in it become spaces.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&#|~!])")
_MD_BREAKS = re.compile(r"[\r\n\t\v\f\x1c-\x1e\x85\u2028\u2029]+")
# Control characters and the bidirectional overrides that make a line read differently from its text.
_MD_HIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def md_text(value: object) -> str:
    """Text from a form (or a reviewer) as Markdown shows it literally, on one line."""
    text = _MD_HIDDEN.sub("", _MD_BREAKS.sub(" ", str(value)))
    return _MD_SPECIAL.sub(r"\\\1", text)


VERDICT_CODES = ("EXPLANATION_VERDICT",)  # the judge's verdicts: the findings the Markdown report reads


def judge_fallbacks(review: FormReview) -> int:
    """How many of the form's current verdicts are the rules' stand-ins for a model judgement that failed."""
    return sum(1 for critique in review.critiques.values()
               if critique.code in VERDICT_CODES and critique.data.get("error"))


def fallback_line(review: FormReview) -> str | None:
    """The form's note, as the terminal says it: "其中 N 条模型评判失败，改用规则评判". Per form, at the head
    of its section: the report is written form by form, so no count over the batch precedes it."""
    failed = judge_fallbacks(review)
    return f"（评判说明：其中 {failed} 条模型评判失败，改用规则评判，请重点复核。）" if failed else None


def form_markdown(review: FormReview, reviewer: str | None, exclude: tuple[str, ...] = ()) -> str:
    form = review.record
    lines = [f"## {md_text(form.name)}（{form.year}年度）", "",
             f"主管部门：{md_text(form.department)}；实施单位：{md_text(form.unit or '—')}", "",
             *([note, ""] if (note := fallback_line(review)) else []),
             f"一、总体评价：{md_text(overall(review))}。", ""]
    accepted = review.issued  # the unit's order, without the reviewer's 待重点审核 mark
    if accepted:
        lines += ["二、主要问题及整改要求：", ""]
        for number, point in enumerate(accepted, 1):
            lines.append(f"{number}. 【{md_text(point.title)}】{md_text(point_text(review, point))}")
        lines += ["", CLOSING, ""]
    elif review.pending:
        lines += ["二、尚无已采纳的问题。", ""]
    else:
        lines += ["二、未发现需要整改的问题。", ""]
    pending = len(review.pending)
    if pending:
        lines += [f"（另有 {pending} 个要点尚待审核，未列入本意见。）", ""]
    name = signer(review, reviewer, exclude)
    lines += [f"审核人：{md_text(name) if name else '（未署名）'}　　日期：{chinese_date(decided_on(review))}", ""]
    return "\n".join(lines)


MARKDOWN_TITLE = "# 复核意见\n\n"


def markdown_parts(reviews: Iterable[FormReview], reviewer: str | None,
                   exclude: tuple[str, ...] = ()) -> Iterator[str]:
    """The Markdown report in pieces, one form each (the first with the title): their concatenation is
    to_markdown."""
    empty = True
    for review in reviews:
        yield (MARKDOWN_TITLE if empty else "\n") + form_markdown(review, reviewer, exclude)
        empty = False
    if empty:
        yield MARKDOWN_TITLE + "（没有符合条件的表单。）\n"


def to_markdown(reviews: Iterable[FormReview], reviewer: str | None, exclude: tuple[str, ...] = ()) -> str:
    return "".join(markdown_parts(reviews, reviewer, exclude))


# --- json ----------------------------------------------------------------------------------------

def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _row_json(row: RowScore) -> dict[str, Any]:
    return {"row": row.row, "name": row.name, "weight": _number(row.weight), "claimed_value": row.claimed_value,
            "claimed": _number(row.claimed), "proposed": _number(row.proposed),
            "proposed_clause": row.proposed_clause.id if row.proposed_clause else None, "value": row.value,
            "score": _number(row.score), "clause": row.clause.id if row.clause else None, "reason": row.reason,
            "deviation": None if row.deviation is None else float(row.deviation)}


def _score_json(score: FormScore) -> dict[str, Any]:
    return {"review_total": _number(score.review_total), "grade": score.grade,
            "deviation": None if score.deviation is None else float(round(score.deviation, 6)),
            "difference": _number(score.difference), "flagged": score.flagged}


def _point_json(store: Store, point: Point, history: bool) -> dict[str, Any]:
    item = {"id": point.id, "indicators": list(point.indicators), "status": point.status,
            "comment": point.effective_comment, "findings": list(point.findings), "title": point.title,
            "kind": point.kind, "severity": point.severity, "codes": point.code_list, "verdict": point.verdict,
            "review_first": bool(point.review_first), "suggested": point.comment,
            "decided_by": point.decided_by, "decided_at": point.decided_at, "note": point.note,
            "retired_at": point.retired_at}
    if history:
        item["decisions"] = [d.columns() for d in store.point_decisions(point.id)]
    return item


def form_export(store: Store, review: FormReview, reviewer: str | None,
                exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """One form's object in the JSON export: its 复核 (total, grade, deviation, points, rows) and every
    version's history."""
    form = review.record
    versions = []
    for number, version in enumerate(store.versions(form.lineage), 1):
        item = version.columns()
        item["seq"] = number  # forms.seq is the queue's order, which a new version inherits
        item["claimed_total"] = None if version.claimed_total is None else float(version.claimed_total)
        item["recomputed_total"] = float(version.recomputed_total)
        item["form"] = item.pop("form_json")
        item["scorecard"] = item.pop("scorecard_json")
        item["runs"] = [run.columns() for run in store.runs(version.id)]
        item["critiques"] = [dict(c.columns(), decisions=[d.columns() for d in store.decisions(c.id)])
                             for c in store.form_critiques(version.id)]
        item["points"] = [_point_json(store, p, True) for p in store.form_points(version.id, retired=True)]
        item["score_changes"] = [c.columns() for c in store.score_history(version.id)]
        versions.append(item)
    return {
        "form_id": form.id, "file": form.file, "name": form.name, "year": form.year,
        "department": form.department, "unit": form.unit,
        "claimed_total": None if form.claimed_total is None else float(form.claimed_total),
        "recomputed_total": float(form.recomputed_total), **_score_json(review.score),
        "judgement": review.judgement, "counts": review.counts(), "judge_fallbacks": judge_fallbacks(review),
        "reviewers": signer(review, reviewer, exclude),
        "date": chinese_date(decided_on(review)),
        "comments": [{"id": p.id, "where": p.title, "text": point_text(review, p), "edited": p.status == EDITED}
                     for p in review.issued],
        "points": [_point_json(store, p, False) for p in review.points],
        "scores": [_row_json(row) for row in review.score.rows],
        "versions": versions,
    }


def to_json(store: Store, reviews: Iterable[FormReview], reviewer: str | None,
            exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """One object per form (form_export)."""
    return [form_export(store, review, reviewer, exclude) for review in reviews]


def json_parts(store: Store, reviews: Iterable[FormReview], reviewer: str | None,
               exclude: tuple[str, ...] = ()) -> Iterator[str]:
    """The JSON export in pieces, one form each: together exactly json.dumps(to_json(…), ensure_ascii=False,
    indent=2) + "\n", with one form's object in memory at a time."""
    empty = True
    for review in reviews:
        text = json.dumps(form_export(store, review, reviewer, exclude), ensure_ascii=False, indent=2)
        # An array's items sit two spaces in; a JSON string never holds a raw line break, so every line moves.
        yield ("[\n" if empty else ",\n") + "  " + text.replace("\n", "\n  ")
        empty = False
    yield "[]\n" if empty else "\n]\n"


__all__ = ["to_markdown", "form_markdown", "markdown_parts", "md_text", "to_json", "json_parts", "form_export",
           "judge_fallbacks", "fallback_line", "overall", "signer", "point_text", "score_text", "chinese_date",
           "decided_on", "CLOSING"]
