"""What the reviewer sees: the terminal report, the summary table, JSON Lines."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from ..checks.catalogue import DIRECTION_LABEL, SEVERITY_LABEL
from ..checks.wording import clip
from ..form.values import format_decimal, plain_decimal, round_half_up
from ..judge.run import fallback_note
from ..judge.settings import JudgeSettings
from ..review import Review
from .terminal import json_text
from .wrap import fitted_table, wrap_rich

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _score(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value)


def _money(value: Decimal | None) -> str:
    return "—" if value is None else plain_decimal(value)


def _claimed(value: Decimal | None, blank: str = "未填") -> str:
    """A score the unit claims; a blank cell (form-format 1.1) shows as blank, never as 0."""
    return blank if value is None else format_decimal(value)


def json_line(obj: dict[str, Any]) -> str:
    return json_text(obj)


def _delta(claimed: Decimal | None, recomputed: Decimal | None) -> Text:
    if recomputed is None or claimed is None:
        return Text("")
    delta = claimed - recomputed
    if delta == 0:
        return Text("")
    sign = "+" if delta > 0 else ""
    return Text(f"{sign}{format_decimal(delta)}", style="red" if abs(delta) >= Decimal("0.01") else "")


def header(review: Review, width: int = 100) -> Group:
    form, card, funds = review.form, review.card, review.card.funds
    money = form.funds.unit
    title = Text.assemble((form.name, "bold"), f"（{form.year}年度）")
    who = Text(f"{form.department or '（主管部门未填写）'} · {form.unit or '（实施单位未填写）'}", style="dim")
    where = Text(review.file, style="dim")
    claimed = card.claimed_total
    diff = Decimal(0) if claimed is None else claimed - card.recomputed_total
    total = Text.assemble(
        "自评总分 ", (_claimed(claimed, "未填写"), "bold" if claimed is not None else "bold yellow"),
        "    复核总分 ", (format_decimal(card.recomputed_total), "bold green" if diff == 0 else "bold red"),
    )
    if diff:
        total.append(f"    差额 {'+' if diff > 0 else ''}{format_decimal(diff)}", style="red")
    printed_rate = form.funds.execution_rate
    rate = "—" if funds.rate_percent is None else f"{format_decimal(round_half_up(funds.rate_percent))}%"
    execution = Text(
        f"预算执行：全年预算 {_money(funds.budget)}{money}，执行 {_money(funds.executed)}{money}，"
        f"执行率 {'—' if printed_rate is None else format_decimal(printed_rate.percent) + '%'}（复核 {rate}），"
        f"得分 {_claimed(form.funds.score)}/{format_decimal(form.funds.weight)}（复核 {_score(funds.recomputed)}）"
    )
    parts = [wrap_rich(part, width) for part in (title, who)] + [where]
    parts += [wrap_rich(part, width) for part in (total, execution)]
    mark = form.extensions.get("x-import")
    if isinstance(mark, dict):
        converted = f"（由 {mark['converted_from']} 转换）" if mark.get("converted_from") else ""
        parts.append(Text(f"导入方式：{mark.get('method', '?')}{converted}，可信度 {mark.get('confidence', '?')}"
                          + ("，存在未核对一致的数据" if mark.get("disagreements") else ""), style="magenta"))
    judge = review.judge
    if judge.get("backend"):
        model = f"（{judge['model']}）" if judge.get("model") else ""
        line = Text(f"偏差说明评判：{judge['backend']}{model}", style="dim")
        note = fallback_note(judge)
        if note:  # the model did not judge these: say so where the model is named
            line.append(f"，{note}", style="yellow")
        parts.append(line)
    return Group(*parts)


def scorecard_table(review: Review, width: int = 100) -> Table:
    """The recomputed scorecard. Numbers never wrap; the three text columns share what is left of the line,
    broken between characters (never inside a figure) on a narrow terminal, clipped on a wide one."""
    flagged = {i for f in review.findings for i in f.indicators if f.severity != "info"}
    rows = []
    narrow = width < 110
    for row in review.card.indicators:
        style = "yellow" if row.index in flagged else ""
        name, target, actual = row.name, str(row.indicator.target), str(row.indicator.actual)
        if not narrow:
            name, target, actual = clip(name, 40), clip(target, 20), clip(actual, 20)
        rows.append([str(row.index + 1), Text(name, style=style), target, actual, format_decimal(row.weight),
                     _claimed(row.claimed), _score(row.recomputed), _delta(row.claimed, row.recomputed),
                     Text(DIRECTION_LABEL[row.direction], style="dim")])
    columns = [("#", "right"), ("指标", "text"), ("指标值", "text"), ("实际值", "text"), ("分值", "right"),
               ("自评", "right"), ("复核", "right"), ("Δ", "right"), ("方式", "left")]
    return fitted_table(width, columns, rows, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def findings_block(review: Review, comments: bool = True, width: int = 100) -> Group:
    parts: list[Any] = []
    for severity in ("error", "warning", "info"):
        group = [f for f in review.findings if f.severity == severity]
        if not group:
            continue
        parts.append(Text(f"{SEVERITY_LABEL[severity]}（{len(group)}）", style=SEVERITY_STYLE[severity] + " underline"))
        for finding in group:
            where = "、".join(str(i + 1) for i in sorted(finding.indicators)) or "全表"
            line = Text.assemble(
                (f"{finding.code}", SEVERITY_STYLE[severity]), f" {finding.title}",
                (f" [指标 {where}]", "dim"),
            )
            if finding.verdict:
                line.append(f" 评判：{finding.verdict}", style="bold")
            parts.append(Padding(Group(wrap_rich(line, width - 2), wrap_rich(finding.message, width - 2)),
                                 (0, 0, 0, 2)))
            if comments and finding.comment:
                parts.append(Padding(wrap_rich(Text(f"建议意见：{finding.comment}", style="dim"), width - 4),
                                     (0, 0, 0, 4)))
    if not parts:
        parts.append(Text("未发现问题。", style="green"))
    return Group(*parts)


def print_review(console: Console, review: Review, comments: bool = True) -> None:
    console.print(header(review, console.width - 1))
    console.print(scorecard_table(review, console.width))
    console.print(findings_block(review, comments=comments, width=console.width - 1))
    counts = review.counts()
    console.print(Text(f"错误 {counts['error']} · 警告 {counts['warning']} · 提示 {counts['info']}", style="bold"))
    console.print()


def short_names(files: list[str]) -> dict[str, str]:
    """Paths below their common folder: what tells the rows apart."""
    if len(files) < 2:
        return {f: Path(f).name for f in files}
    try:
        base = os.path.commonpath([os.path.abspath(f) for f in files])
    except ValueError:
        return {f: f for f in files}
    if os.path.isfile(base):
        base = os.path.dirname(base)
    return {f: os.path.relpath(os.path.abspath(f), base) for f in files}


class SummaryRow:
    """What the summary table shows of one review: a batch keeps this, not the whole Review, per form."""

    __slots__ = ("file", "name", "claimed", "recomputed", "counts")

    def __init__(self, review: Review):
        self.file, self.name = review.file, review.form.name
        self.claimed, self.recomputed = review.card.claimed_total, review.card.recomputed_total
        self.counts = review.counts()


def summary_table(rows: list[Review | SummaryRow | tuple[str, str]]) -> Table:
    names = short_names([row[0] if isinstance(row, tuple) else row.file for row in rows])
    table = Table(title="汇总", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("文件", overflow="fold")
    table.add_column("项目", ratio=1, overflow="fold")
    table.add_column("自评", justify="right")
    table.add_column("复核", justify="right")
    table.add_column("错误", justify="right", style="red")
    table.add_column("警告", justify="right", style="yellow")
    table.add_column("提示", justify="right", style="cyan")
    for row in rows:
        if isinstance(row, tuple):
            file, error = row
            table.add_row(names[file], Text(error, style="red"), "", "", "", "", "")
            continue
        if isinstance(row, Review):
            row = SummaryRow(row)
        counts = row.counts
        table.add_row(
            names[row.file], row.name, _claimed(row.claimed, "—"), format_decimal(row.recomputed),
            str(counts["error"]), str(counts["warning"]), str(counts["info"]),
        )
    return table


def judge_report_line(settings: JudgeSettings, summaries: list[dict[str, Any]]) -> str | None:
    """One line for stderr after a model run: calls, cache hits, errors, tokens, cost."""
    if settings.backend != "llm" or not summaries:
        return None
    total = {key: sum(s.get(key) or 0 for s in summaries)
             for key in ("judged", "calls", "cached", "fallbacks", "errors", "prompt_tokens",
                         "completion_tokens", "cached_tokens")}
    costs = [s["cost"] for s in summaries if s.get("cost") is not None]
    cost = f"，费用 {sum(costs):.4f}" if costs else ""
    return (f"偏差说明评判（{settings.endpoint.model}）：{total['judged']} 项，调用 {total['calls']} 次，"
            f"缓存命中 {total['cached']}，规则兜底 {total['fallbacks']}，失败 {total['errors']}，"
            f"输入 {total['prompt_tokens']} / 输出 {total['completion_tokens']} / 缓存 {total['cached_tokens']} tokens{cost}")
