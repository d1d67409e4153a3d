"""Sign-off commands on points: session, accept, reject, reopen, undo, status, score."""

from __future__ import annotations

from typing import Any

import click
from rich import box
from rich.text import Text

from ..checks.catalogue import SEVERITY_LABEL
from ..config import Config
from ..form.values import format_decimal
from ..signoff.rulebook import DOCUMENTED_CODES
from ..signoff.service import Signoff
from ..store.health import writable
from ..store import ACTION_LABEL, FUNDS_ROW, STATUS_LABEL, Point, PointFilters, Store, StoreError, local_time
from .errors import ReviewCommand
from .options import config_option, db_option, filter_options, load_config, reviewer_option
from .session import KeyReader, run_session
from .terminal import echo, new_console
from .wrap import fitted_table, print_in_pieces

PREVIEW_ROWS = 15
MIN_ID_PREFIX = 4  # shorter prefixes name points by accident


def open_store(db_path: str, read_only: bool = False) -> Store:
    return Store(db_path, create=False, read_only=read_only)


def open_for_reading(db_path: str) -> Store:
    """For the commands that only look (status, report, summary): opened for writing when it can be (an
    older database's points are built once), else read-only, so a file or share one may not write
    is still read."""
    return open_store(db_path, read_only=not writable(db_path))


def open_signoff(store: Store, config_path: str | None = None) -> Signoff:
    return Signoff(store, load_config(config_path) if config_path else Config(), build_points=not store.read_only)


def require_forms(store: Store, selectors: tuple[str, ...]) -> None:
    """Refuse form selectors that name no current form, rather than silently doing nothing."""
    missing = store.unmatched_forms(selectors)
    if missing:
        raise StoreError(f"找不到表单：{'、'.join(missing)}（可用 review status 查看已有表单）")


def point_filters(store: Store, given: dict[str, Any], ids: tuple[str, ...] = ()) -> PointFilters:
    """The filters as options gave them; an unknown code or a form selector matching nothing is refused."""
    unknown = [code for code in given["codes"] if code.upper() not in DOCUMENTED_CODES]
    if unknown:
        raise StoreError(f"未知的问题代码：{'、'.join(unknown)}。可用的代码：{'、'.join(sorted(DOCUMENTED_CODES))}")
    require_forms(store, tuple(given["forms"]))
    return PointFilters(forms=tuple(given["forms"]), units=tuple(given["units"]),
                        departments=tuple(given["departments"]), years=tuple(given["years"]),
                        codes=tuple(given["codes"]), severities=tuple(given["severities"]),
                        verdicts=tuple(given["verdicts"]), source=given["source"], ids=ids,
                        review_first=True if given["first"] else None)


def check_ids(ids: tuple[str, ...]) -> None:
    short = [i for i in ids if len(i) < MIN_ID_PREFIX]
    if short:
        raise StoreError(f"要点编号至少要写前 {MIN_ID_PREFIX} 位：{'、'.join(short)}（未作任何修改）")


def refuse_ambiguous(ids: tuple[str, ...], rows: list[Point]) -> None:
    """An id prefix must name one point among those the command would change."""
    lines = []
    for prefix in ids:
        matches = [r for r in rows if r.id.startswith(prefix)]
        if len(matches) < 2:
            continue
        shown = next(n for n in range(10, 21) if len({r.id[:n] for r in matches}) == len(matches))
        lines.append(f"编号 {prefix} 对应 {len(matches)} 个要点：")
        lines += [f"  {r.id[:shown]}  {r.form_name}  {r.title}  {STATUS_LABEL[r.status]}" for r in matches]
    if lines:
        raise StoreError("\n".join(lines) + "\n请写出更长的编号（未作任何修改）")


@click.command(cls=ReviewCommand)
@filter_options
@click.option("--read-only", "read_only", is_flag=True,
              help="Look without deciding: opens the database read-only (a read-only file or share works).")
@reviewer_option
@config_option
@db_option
def session(filters, read_only, reviewer, config_path, db_path) -> None:
    """Decide on pending points one screen at a time: everything raised about one indicator (or one
    cost/count pair) with one suggested comment, the findings beneath it as evidence.

    Keys: a accept, r reject, e edit the comment ($EDITOR, else inline), g set the 复核得分 (with a
    rulebook clause and a reason), s skip, u undo the last action (repeatable), v the full text,
    ? help, q quit. Each decision is saved at once; points marked 待重点审核 come first; the next
    session resumes at the first pending point. With --read-only only s, v, ? and q work.
    """
    with open_store(db_path, read_only=read_only) as store:
        signoff = open_signoff(store, config_path)
        chosen = point_filters(store, filters)
        console = new_console()
        clear = console.clear if console.is_terminal else (lambda: console.print("─" * 40))
        with KeyReader() as reader:
            run_session(signoff, chosen, reviewer, console, reader, clear=clear, read_only=read_only)


def _bulk(action: str, ids, filters, everything, yes, reviewer, db_path) -> None:
    given = any(filters[name] for name in ("forms", "units", "departments", "years", "codes", "severities",
                                            "verdicts", "source", "first"))
    if not ids and not given and not everything:
        raise click.UsageError("请指定要点编号或筛选条件（--form / --code / --severity / --source …），或用 --all 处理全部")
    check_ids(ids)
    with open_store(db_path) as store:
        signoff = open_signoff(store)
        chosen = point_filters(store, filters, ids)
        # Named ids may be changed whatever their status; a filter only picks pending ones.
        if action == "reopen":
            statuses = ("accepted", "rejected", "edited")
        else:
            statuses = ("pending", "accepted", "rejected", "edited") if ids else ("pending",)
        target = {"accept": "accepted", "reject": "rejected", "reopen": "pending"}[action]
        rows = [r for r in signoff.points(chosen, statuses) if r.status != target]
        if ids:
            missing = [i for i in ids if not signoff.points(PointFilters(ids=(i,)))]
            if missing:
                raise StoreError(f"找不到要点：{'、'.join(missing)}（未作任何修改）")
            refuse_ambiguous(ids, rows)
        console = new_console()
        if not rows:
            console.print(f"没有需要{ACTION_LABEL[action]}的要点。")
            return
        shown = [[row.id[:10], row.form_name, row.title, SEVERITY_LABEL[row.severity], STATUS_LABEL[row.status]]
                 for row in rows[:PREVIEW_ROWS]]
        if len(rows) > PREVIEW_ROWS:
            shown.append(["…", f"另 {len(rows) - PREVIEW_ROWS} 个", "", "", ""])
        columns = [("编号", "left"), ("项目", "text"), ("要点", "text"), ("级别", "left"), ("当前状态", "left")]
        console.print(fitted_table(console.width, columns, shown, box=box.SIMPLE_HEAD,
                                   title=f"将{ACTION_LABEL[action]} {len(rows)} 个要点", title_justify="left"))
        if not yes and not click.confirm(f"确认{ACTION_LABEL[action]}这 {len(rows)} 个要点？", default=False):
            console.print("已取消，未作任何修改。")
            return
        # Each row as shown: one decided by someone else while we asked is left alone.
        done = signoff.bulk([r.id for r in rows], action, reviewer, expect={r.id: r.status for r in rows})
        hint = "可用 review undo 整批撤销。" if done.changed else ""
        console.print(f"已{ACTION_LABEL[action]} {done.changed} 个要点（审核人：{reviewer}）。{hint}")
        if done.conflicts:
            console.print(f"{done.conflicts} 个已被他人处理，未改动。")


def _bulk_command(action: str, doc: str):
    @click.argument("ids", nargs=-1)
    @filter_options
    @click.option("--all", "everything", is_flag=True, help="Every pending point (when no filter is given).")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
    @reviewer_option
    @db_option
    def command(ids, filters, everything, yes, reviewer, db_path) -> None:
        _bulk(action, ids, filters, everything, yes, reviewer, db_path)

    command.__doc__ = doc
    return click.command(name=action, cls=ReviewCommand)(command)


accept = _bulk_command("accept", """Accept points in bulk: by id (a prefix of 4+ characters) or by filter
(pending ones only).

Shows how many will change and asks first (--yes skips the question).
`review undo` reverts the whole batch.""")
reject = _bulk_command("reject", """Reject points in bulk: by id (a prefix of 4+ characters) or by filter
(pending ones only).

Shows how many will change and asks first (--yes skips the question).
`review undo` reverts the whole batch.""")
reopen = _bulk_command("reopen", """Set decided points back to pending, by id (prefix of 4+ characters) or by filter.""")


@click.command(cls=ReviewCommand)
@reviewer_option
@db_option
def undo(reviewer, db_path) -> None:
    """Revert your last bulk accept / reject / reopen as one step.

    Points decided by someone since keep that decision. A batch once undone
    is done with: the next undo goes to the batch before it. Exit status 1
    when nothing could be restored."""
    with open_store(db_path) as store:
        undone = open_signoff(store).undo_bulk(reviewer)
    if undone is None:
        raise StoreError(f"{reviewer} 没有可撤销的批量操作")
    action, when = ACTION_LABEL.get(undone.action, undone.action), local_time(undone.at)
    if not undone.restored:
        raise StoreError(f"{when} 的批量{action}共 {undone.kept} 个要点此后均已被修改，未恢复任何要点。"
                         "该批次不再撤销：再次 review undo 将撤销更早的批量操作。")
    note = f"；{undone.kept} 个此后已被修改，保持不变" if undone.kept else ""
    echo(f"已撤销 {when} 的批量{action}：恢复 {undone.restored} 个要点{note}。")


@click.command(cls=ReviewCommand)
@click.argument("forms", nargs=-1)
@config_option
@db_option
def status(forms, config_path, db_path) -> None:
    """Per form: pending / accepted / edited / rejected points, 自评 vs 复核 total (a read-only database too)."""
    console = new_console()
    rows, totals = [], [0, 0, 0, 0]
    with open_for_reading(db_path) as store:
        require_forms(store, tuple(forms))
        # One form in memory at a time: only its line of the table is kept.
        for review in open_signoff(store, config_path).each_review(tuple(forms), evidence=False):
            row, counts = review.record, review.counts()
            numbers = [counts["pending"], counts["accepted"], counts["edited"], counts["rejected"]]
            totals = [a + b for a, b in zip(totals, numbers)]
            versions = "" if row.previous_id is None else "（新版本）"
            style = "red" if review.score.flagged else ""
            rows.append([row.id[:8], Text.assemble(row.name + versions, "\n", (row.file, "dim")), *map(str, numbers),
                         row.claimed_total or "—", Text(format_decimal(review.score.review_total), style=style),
                         review.score.grade])
    if len(rows) > 1:
        rows.append(["", Text(f"合计 {len(rows)} 份", style="bold"), *map(str, totals), "", "", ""])
    columns = [("编号", "left"), ("项目 / 文件", "text"), ("待审", "right"), ("采纳", "right"), ("修改", "right"),
               ("驳回", "right"), ("自评", "right"), ("复核", "right"), ("等级", "left")]
    table = fitted_table(console.width, columns, rows, title="审核进度（要点）", box=box.SIMPLE_HEAD,
                         title_justify="left")
    if rows:
        print_in_pieces(console, table)
    else:
        console.print("数据库中没有表单。")


def parse_row(text: str) -> int:
    """第N项 as the form numbers it (1-based), or 预算执行率 / 0 for the execution row."""
    text = text.strip().removeprefix("第").removesuffix("项")
    if text in ("预算执行率", "执行率", "0"):
        return FUNDS_ROW
    if not text.isdigit() or int(text) < 1:
        raise click.BadParameter(f"“{text}”不是指标序号（第几项，或“预算执行率”）")
    return int(text) - 1


@click.command(cls=ReviewCommand)
@click.argument("form", required=False)
@click.argument("row", required=False)
@click.option("--score", "score", help="The 复核得分 (0 to the row's weight, two decimals at most).")
@click.option("--value", help="The 复核完成值 as the reviewer found it.")
@click.option("--clause", help="The rulebook clause it rests on (its id; see `review rules`).")
@click.option("--reason", default="", help="Why (required).")
@click.option("--undo", "undo_last", is_flag=True, help="Undo your last score change instead.")
@reviewer_option
@config_option
@db_option
def score(form, row, score, value, clause, reason, undo_last, reviewer, config_path, db_path) -> None:
    """Set the reviewer's 复核得分 / 复核完成值 of one row of FORM: ROW is the indicator's number on
    the form (第N项) or 预算执行率.

    Every change is recorded (who, when, before, after, reason, clause) and can be undone with
    --undo; the session's g key does the same on the point shown."""
    with open_store(db_path) as store:
        signoff = open_signoff(store, config_path)
        if undo_last:
            change = store.last_score_change(reviewer)
            if change is None:
                raise StoreError(f"{reviewer} 没有可撤销的改分")
            undone = signoff.undo_score(change.id, reviewer)
            where = "预算执行率" if change.row == FUNDS_ROW else f"第{change.row + 1}项"
            echo(f"已撤销：{where}复核{'得分' if change.field == 'score' else '完成值'}恢复为"
                 f"{undone.after if undone.after is not None else '建议值'}。")
            return
        if not form or not row:
            raise click.UsageError("请给出表单和指标序号，例如 review score zgc 6 --score 1.5 --clause … --reason …")
        require_forms(store, (form,))
        records = store.current_forms((form,))
        if len(records) > 1:
            raise StoreError(f"“{form}”对应 {len(records)} 份表单，请写得更具体（表单编号或文件名）")
        index = parse_row(row)
        # What this command reports as "before": a change someone makes meanwhile is a Conflict, not overwritten.
        rows = {item.row: item for item in signoff.form_score(records[0].id).rows}
        expect, expect_value = signoff.shown(rows[index]) if index in rows else (..., ...)
        changes = signoff.set_score(records[0].id, index, reviewer, score=score, value=value, reason=reason,
                                    clause=clause, expect=expect, expect_value=expect_value)
        after = signoff.form_score(records[0].id)
    where = "预算执行率" if index == FUNDS_ROW else f"第{index + 1}项"
    for change in changes:
        field = "得分" if change.field == "score" else "完成值"
        echo(f"{where}复核{field}：{change.shown_before} → {change.after}（{change.reason}）")
    echo(f"复核总分 {format_decimal(after.review_total)}，等级“{after.grade}”。")


__all__ = ["session", "accept", "reject", "reopen", "undo", "status", "score", "open_store", "open_for_reading",
           "open_signoff",
           "require_forms", "point_filters"]
