"""One point on one screen: the form, the rows, their explanations, the evidence (rule findings and the
judge's verdicts), the suggested comment, the reviewer's score, and the keys.

A screen taller than the terminal would scroll its top (the 要点 N/M header, the form) out of sight:
the long texts are cut to fit, each with a marker saying how to read the rest (e, v).
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..checks.catalogue import DIRECTION_LABEL, SEVERITY_LABEL, TAG_LABEL, TITLE, VERDICT_LABEL, source_label
from ..form.values import format_decimal
from ..signoff.scores import FormScore
from ..signoff.service import FormReview, Signoff
from ..signoff.session import Position
from ..store import STATUS_LABEL, Point
from .render import SEVERITY_STYLE
from .wrap import fitted_table, wrap_rich
from .terminal import new_console

KEYS_LINE = "[a]采纳 [r]驳回 [e]修改 [g]改分 [s]跳过 [u]撤销 [v]全文 [?]帮助 [q]退出"
HELP = """\
按键说明
  a  采纳：按建议意见（或已修改的文字）列入复核意见
  r  驳回：不列入复核意见
  e  修改意见：在编辑器（$EDITOR）中修改建议意见；未设置 EDITOR 时在此直接输入
  g  改分：修改本要点所涉指标的复核得分，注明依据的复核口径条款和理由
  s  跳过：暂不处理，本次会话不再显示；下次启动仍从第一条待审要点开始
  u  撤销：撤销上一步操作（决定、跳过或改分）并回到该要点，可连续撤销
  v  全文：终端太小、文字被截断（…）时查看本要点的全部内容
  q  退出：所有决定均已即时保存
标“待重点审核”的要点（评判存疑或规则与模型意见不一）排在最前。
按任意键返回。"""
SPACER, FIXED = "spacer", "fixed"
MORE_COMMENT = "…（按 e 查看/修改全文）"
MORE_TEXT = "…（按 v 查看全文）"


def _text(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def _rows_table(review: FormReview, indices: tuple[int, ...], width: int) -> Table:
    rows = []
    for index in indices:
        row = review.card.indicators[index]
        scored = review.score.row(index)
        rows.append([str(index + 1), row.name, _text(row.target.raw), _text(row.actual.raw),
                     format_decimal(row.weight), "—" if row.claimed is None else format_decimal(row.claimed),
                     "—" if row.recomputed is None else format_decimal(row.recomputed),
                     Text(format_decimal(scored.score), style="bold red" if scored.changed else "bold"),
                     Text(DIRECTION_LABEL.get(row.direction, row.direction), style="dim")])
    columns = [("#", "right"), ("指标", "text"), ("指标值", "text"), ("实际值", "text"), ("分值", "right"),
               ("自评", "right"), ("公式", "right"), ("复核", "right"), ("方式", "left")]
    return fitted_table(width, columns, rows, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def _funds_table(review: FormReview) -> Table:
    card, record, score = review.card, review.record, review.score
    funds, unit = card.funds, card.form.funds.unit
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for label in (f"全年预算（{unit}）", f"全年执行（{unit}）", "执行率", "分值", "自评", "复核", "总分 自评/复核"):
        table.add_column(label, justify="right", no_wrap=True)
    printed = card.form.funds.execution_rate
    rate = f"{_text(printed and format_decimal(printed.percent))}%（复核 {score.row(-1).value or '—'}）"
    table.add_row(_text(funds.budget and format_decimal(funds.budget)),
                  _text(funds.executed and format_decimal(funds.executed)), rate,
                  format_decimal(card.form.funds.weight), _text(card.form.funds.score), format_decimal(score.row(-1).score),
                  f"{_text(record.claimed_total)} / {format_decimal(score.review_total)}")
    return table


def _explanations(review: FormReview, indices: tuple[int, ...]) -> list[Text]:
    texts: dict[str, list[int]] = {}
    for index in indices:
        texts.setdefault((review.card.indicators[index].indicator.explanation or "").strip(), []).append(index)
    if not indices:
        explanation = (review.card.form.funds.explanation or "").strip()
        texts = {explanation: []} if explanation else {}
    lines = []
    for text, where in texts.items():
        label = "偏差说明" + (f"（第{'、'.join(str(i + 1) for i in where)}项）" if len(texts) > 1 else "")
        lines.append(Text.assemble((f"{label}：", "bold"), text or ("（未填写）", "red")))
    return lines


def _evidence(review: FormReview, point: Point) -> list[tuple[Any, str]]:
    """The findings under the point, as one block: on a small screen it is cut as a whole (v shows it all)."""
    lines = []
    for critique in review.evidence(point):
        model = critique.data.get("model") if critique.source == "judge:llm" else None
        head = Text.assemble("· ", (f"[{SEVERITY_LABEL[critique.severity]}] ", SEVERITY_STYLE[critique.severity]),
                             (TITLE.get(critique.code, critique.code), "bold"),
                             (f"  {critique.code} · {source_label(critique.source, model)}", "dim"))
        if critique.verdict:
            tags = "、".join(TAG_LABEL.get(tag, tag) for tag in critique.tags)
            head.append(f"  评判：{VERDICT_LABEL.get(critique.verdict, critique.verdict)}"
                        + (f"（{tags}）" if tags else ""))
            confidence = critique.data.get("confidence")
            if isinstance(confidence, (int, float)):
                head.append(f"  可信度 {confidence:.2f}", style="dim")
        lines.append(Text.assemble(head, "\n  ", critique.message))
    title = Text(f"依据（{len(lines)} 项发现）：", style="bold")
    return [(title, FIXED), (Text("\n").join(lines), MORE_TEXT)] if lines else [(title, FIXED)]


def _score_line(score: FormScore, point: Point) -> Text:
    rows = list(point.indicators) or ([-1] if point.kind == "funds" else [])
    line = Text.assemble(("复核得分：", "bold"))
    for n, index in enumerate(rows):
        row = score.row(index)
        where = "预算执行率" if index < 0 else f"第{index + 1}项"
        claimed = "—" if row.claimed is None else format_decimal(row.claimed)
        line.append(("；" if n else "") + f"{where} {format_decimal(row.score)}（自评 {claimed}")
        if row.clause is not None and row.changed:
            line.append(f"，{row.clause.name}")
        line.append("）")
    if not rows:
        line.append("（本要点不涉及单项得分）")
    line.append(f"    总分 自评 {score.claimed_total if score.claimed_total is not None else '—'} / "
                f"复核 {format_decimal(score.review_total)}（{score.grade}）", style="dim")
    return line


def _height(console: Console, renderable: Any, width: int) -> int:
    return len(console.render_lines(renderable, console.options.update(width=width, height=None), pad=False))


def _clip(console: Console, text: Text, width: int, limit: int, marker: str) -> Text:
    """The first `limit` lines of `text` at `width`, the last one ending in `marker`."""
    lines = list(text.wrap(console, width))
    if len(lines) <= limit:
        return text
    kept = lines[:max(limit, 1)]
    more = Text(marker, style="dim")
    last = kept[-1].copy()
    last.rstrip()
    last.truncate(max(width - more.cell_len, 0))
    kept[-1] = Text.assemble(last, more)
    return Text("\n").join(kept)


def fit(console: Console, parts: list[tuple[Any, str]], height: int | None) -> list[Any]:
    """The screen's parts cut to fit a panel of `height` lines (None: as they are).

    Spacers go first; then the long texts share the lines the fixed parts (header,
    rows, key line) leave, each keeping all of itself if it fits in its share."""
    width = console.width - 4  # the panel's borders and padding
    parts = [(wrap_rich(part, width) if isinstance(part, Text) else part, kind) for part, kind in parts]
    if height is None:
        return [part for part, _ in parts]
    budget = height - 3  # its top and bottom border, and the line the cursor rests on
    sizes = [_height(console, part, width) for part, _ in parts]
    if sum(sizes) <= budget:
        return [part for part, _ in parts]
    kept = [i for i, (_, kind) in enumerate(parts) if kind != SPACER]
    clippable = sorted((i for i in kept if parts[i][1] != FIXED), key=lambda i: sizes[i])
    room = budget - sum(sizes[i] for i in kept if parts[i][1] == FIXED)
    allowed = {}
    for left, i in enumerate(clippable):
        allowed[i] = min(sizes[i], max(room // (len(clippable) - left), 1))
        room -= allowed[i]
    return [_clip(console, parts[i][0], width, allowed[i], parts[i][1]) if i in allowed else parts[i][0]
            for i in kept]


def build_screen(signoff: Signoff, point: Point, position: Position, reviewer: str, message: str = "",
                 console: Console | None = None, height: int | None = None,
                 review: FormReview | None = None) -> Panel:
    """Everything the reviewer needs to decide on one point, fitted to `height` lines when given."""
    review = review or signoff.form_review(point.form_id)
    form = review.record
    parts: list[tuple[Any, str]] = [
        (Text.assemble(("表单：", "bold"), f"{form.name}（{form.year}年度）",
                       (f"  {form.unit or form.department}", "dim")), FIXED),
    ]
    first = Text("【待重点审核】", style="bold red") if point.review_first else Text("")
    parts.append((Text.assemble(first, ("要点：", "bold"), point.title,
                                (f"  [{SEVERITY_LABEL[point.severity]}]", SEVERITY_STYLE[point.severity])), FIXED))
    if point.indicators:
        parts.append((_rows_table(review, point.indicators, (console or new_console()).width - 4), FIXED))
    elif point.kind == "funds":
        parts.append((_funds_table(review), FIXED))
    parts += [(text, MORE_TEXT) for text in _explanations(review, point.indicators)]
    parts.append((Text(""), SPACER))
    parts += _evidence(review, point)
    parts.append((Text(""), SPACER))
    parts.append((Text.assemble(("建议意见：", "bold green"), point.comment), MORE_COMMENT))
    if point.previous_id:
        previous = signoff.store.point(point.previous_id)
        if previous:
            parts.append((Text(f"上一版本中此要点：{STATUS_LABEL[previous.status]}"
                               + (f"（修改为：{previous.final_comment}）" if previous.final_comment else ""),
                               style="magenta"), MORE_TEXT))
    parts.append((_score_line(review.score, point), MORE_TEXT))
    parts.append((Text(""), SPACER))
    parts.append((Text(KEYS_LINE, style="bold"), FIXED))
    if message:
        parts.append((Text(message, style="magenta"), FIXED))
    title = (f"要点 {position.number}/{position.total}  ·  本表 {position.form_number}/{position.form_total}")
    shown = fit(console or new_console(), parts, height)
    # Text, not str: rich reads a str title as markup, and the reviewer's name is typed by anyone.
    return Panel(Group(*shown), title=Text(title), title_align="left", subtitle=Text(f"审核人：{reviewer}"),
                 subtitle_align="right", box=box.ROUNDED)


__all__ = ["build_screen", "fit", "HELP", "KEYS_LINE", "MORE_COMMENT", "MORE_TEXT"]
