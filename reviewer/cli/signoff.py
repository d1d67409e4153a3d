"""Sign-off commands: session, accept, reject, reopen, undo, status, report."""

from __future__ import annotations

import json
import sys

import click
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..checks.catalogue import SEVERITY, SEVERITY_LABEL, title_of
from ..signoff.report import gather, to_json, to_markdown, to_xlsx
from ..store import STATUS_LABEL, Critique, Filters, Store, StoreError, local_time
from .errors import ReviewCommand
from .options import db_option, filter_options, reviewer_option
from .session import KeyReader, run_session

ACTION_LABEL = {"accept": "采纳", "reject": "驳回", "reopen": "重新设为待审"}
PREVIEW_ROWS = 15
MIN_ID_PREFIX = 4  # shorter prefixes name critiques by accident (one digit matched 5 across 2 forms)


def open_store(db_path: str) -> Store:
    return Store(db_path, create=False)


def require_forms(store: Store, selectors: tuple[str, ...]) -> None:
    """Refuse form selectors that name no current form, rather than silently doing nothing."""
    missing = store.unmatched_forms(selectors)
    if missing:
        raise StoreError(f"找不到表单：{'、'.join(missing)}（可用 review status 查看已有表单）")


def check_filters(store: Store, filters: Filters) -> None:
    """Refuse an unknown finding code or a form selector that matches nothing."""
    unknown = [code for code in filters.codes if code.upper() not in SEVERITY]
    if unknown:
        raise StoreError(f"未知的问题代码：{'、'.join(unknown)}。可用的代码：{'、'.join(SEVERITY)}")
    require_forms(store, filters.forms)


def check_ids(ids: tuple[str, ...]) -> None:
    short = [i for i in ids if len(i) < MIN_ID_PREFIX]
    if short:
        raise StoreError(f"意见编号至少要写前 {MIN_ID_PREFIX} 位：{'、'.join(short)}（未作任何修改）")


def refuse_ambiguous(ids: tuple[str, ...], rows: list[Critique]) -> None:
    """An id prefix must name one critique among those the command would change."""
    lines = []
    for prefix in ids:
        matches = [r for r in rows if r.id.startswith(prefix)]
        if len(matches) < 2:
            continue
        shown = next(n for n in range(10, 21) if len({r.id[:n] for r in matches}) == len(matches))
        lines.append(f"编号 {prefix} 对应 {len(matches)} 条意见：")
        lines += [f"  {r.id[:shown]}  {r.form_name}  {r.code} {title_of(r.code, r.indicators)}"
                  f"  {STATUS_LABEL[r.status]}" for r in matches]
    if lines:
        raise StoreError("\n".join(lines) + "\n请写出更长的编号（未作任何修改）")


@click.command(cls=ReviewCommand)
@filter_options
@reviewer_option
@db_option
def session(forms, codes, severities, source, reviewer, db_path) -> None:
    """Decide on pending critiques one screen at a time.

    Keys: a accept, r reject, e edit the comment ($EDITOR, else inline),
    s skip, u undo (repeatable), ? help, q quit. Each decision is saved at
    once; the next session resumes at the first pending critique.
    """
    with open_store(db_path) as store:
        filters = Filters(forms, codes, severities, source)
        check_filters(store, filters)
        console = Console(highlight=False)
        reader = KeyReader()
        clear = console.clear if console.is_terminal else (lambda: console.print("─" * 40))
        run_session(store, filters, reviewer, console, reader, clear=clear)


def _bulk(action: str, ids, forms, codes, severities, source, everything, yes, reviewer, db_path) -> None:
    filters = Filters(forms, codes, severities, source, ids)
    if not filters and not everything:
        raise click.UsageError("请指定意见编号或筛选条件（--form / --code / --severity / --source），或用 --all 处理全部")
    check_ids(ids)
    with open_store(db_path) as store:
        check_filters(store, filters)
        # Named ids may be changed whatever their status; a filter only picks pending ones.
        if action == "reopen":
            statuses = ("accepted", "rejected", "edited")
        else:
            statuses = ("pending", "accepted", "rejected", "edited") if ids else ("pending",)
        target = {"accept": "accepted", "reject": "rejected", "reopen": "pending"}[action]
        rows = [r for r in store.critiques(filters, statuses) if r.status != target]
        if ids:
            missing = [i for i in ids if not any(r.id.startswith(i) for r in store.critiques(Filters(ids=(i,)), None))]
            if missing:
                raise StoreError(f"找不到意见：{'、'.join(missing)}（未作任何修改）")
            refuse_ambiguous(ids, rows)
        console = Console(highlight=False)
        if not rows:
            console.print(f"没有需要{ACTION_LABEL[action]}的意见。")
            return
        table = Table(box=box.SIMPLE_HEAD, title=f"将{ACTION_LABEL[action]} {len(rows)} 条意见", title_justify="left")
        table.add_column("编号", no_wrap=True, min_width=10)
        table.add_column("项目", overflow="fold")
        table.add_column("问题", overflow="fold")
        table.add_column("级别", no_wrap=True, min_width=4)
        table.add_column("当前状态", no_wrap=True, min_width=8)
        for row in rows[:PREVIEW_ROWS]:
            table.add_row(row.id[:10], row.form_name, f"{row.code} {title_of(row.code, row.indicators)}",
                          SEVERITY_LABEL[row.severity], STATUS_LABEL[row.status])
        if len(rows) > PREVIEW_ROWS:
            table.add_row("…", f"另 {len(rows) - PREVIEW_ROWS} 条", "", "", "")
        console.print(table)
        if not yes and not click.confirm(f"确认{ACTION_LABEL[action]}这 {len(rows)} 条意见？", default=False):
            console.print("已取消，未作任何修改。")
            return
        # Each row as shown: one decided by someone else while we asked is left alone.
        done = store.bulk([r.id for r in rows], action, reviewer, expect={r.id: r.status for r in rows})
        hint = "可用 review undo 整批撤销。" if done.changed else ""
        console.print(f"已{ACTION_LABEL[action]} {done.changed} 条意见（审核人：{reviewer}）。{hint}")
        if done.conflicts:
            console.print(f"{done.conflicts} 条已被他人处理，未改动。")


def _bulk_command(action: str, doc: str):
    @click.argument("ids", nargs=-1)
    @filter_options
    @click.option("--all", "everything", is_flag=True, help="Every pending critique (when no filter is given).")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
    @reviewer_option
    @db_option
    def command(ids, forms, codes, severities, source, everything, yes, reviewer, db_path) -> None:
        _bulk(action, ids, forms, codes, severities, source, everything, yes, reviewer, db_path)

    command.__doc__ = doc
    return click.command(name=action, cls=ReviewCommand)(command)


accept = _bulk_command("accept", """Accept critiques in bulk: by id (a prefix of 4+ characters) or by filter
(pending ones only).

Shows how many will change and asks first (--yes skips the question).
`review undo` reverts the whole batch.""")
reject = _bulk_command("reject", """Reject critiques in bulk: by id (a prefix of 4+ characters) or by filter
(pending ones only).

Shows how many will change and asks first (--yes skips the question).
`review undo` reverts the whole batch.""")
reopen = _bulk_command("reopen", """Set decided critiques back to pending, by id (prefix of 4+ characters) or by filter.""")


@click.command(cls=ReviewCommand)
@reviewer_option
@db_option
def undo(reviewer, db_path) -> None:
    """Revert your last bulk accept / reject / reopen as one step.

    Critiques decided by someone since keep that decision. A batch once undone
    is done with: the next undo goes to the batch before it. Exit status 1
    when nothing could be restored."""
    with open_store(db_path) as store:
        undone = store.undo_last_batch(reviewer)
    if undone is None:
        raise StoreError(f"{reviewer} 没有可撤销的批量操作")
    action, when = ACTION_LABEL.get(undone.action, undone.action), local_time(undone.at)
    if not undone.restored:
        raise StoreError(f"{when} 的批量{action}共 {undone.kept} 条此后均已被修改，未恢复任何意见。"
                         "该批次不再撤销：再次 review undo 将撤销更早的批量操作。")
    note = f"；{undone.kept} 条此后已被修改，保持不变" if undone.kept else ""
    click.echo(f"已撤销 {when} 的批量{action}：恢复 {undone.restored} 条意见{note}。")


@click.command(cls=ReviewCommand)
@click.argument("forms", nargs=-1)
@db_option
def status(forms, db_path) -> None:
    """Per form: pending / accepted / edited / rejected critiques, claimed vs recomputed total."""
    with open_store(db_path) as store:
        require_forms(store, tuple(forms))
        rows = store.current_forms(tuple(forms))
    table = Table(title="审核进度", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("编号", style="dim", no_wrap=True, min_width=8)
    table.add_column("项目 / 文件", overflow="fold")
    for label in ("待审", "已采纳", "已修改", "已驳回", "自评", "复核"):
        table.add_column(label, justify="right", no_wrap=True, min_width=len(label) * 2)
    totals = [0, 0, 0, 0]
    for row in rows:
        counts = [row.pending, row.accepted, row.edited, row.rejected]
        totals = [a + b for a, b in zip(totals, counts)]
        versions = "" if row.previous_id is None else "（新版本）"
        table.add_row(row.id[:8], Text.assemble(row.name + versions, "\n", (row.file, "dim")), *map(str, counts),
                      row.claimed_total or "—", row.recomputed_total,
                      style="red" if row.claimed_total != row.recomputed_total else None)
    if len(rows) > 1:
        table.add_row("", f"合计 {len(rows)} 份", *map(str, totals), "", "", style="bold")
    Console(highlight=False).print(table if rows else "数据库中没有表单。")


@click.command(cls=ReviewCommand)
@click.argument("forms", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["md", "xlsx", "json"]), default="md", show_default=True,
              help="md: 审核意见 in Markdown; xlsx: a workbook; json: everything.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@reviewer_option
@db_option
def report(forms, fmt, output, reviewer, db_path) -> None:
    """The reviewer's report for FORMS (default: every current form).

    md: a 审核意见 per form with the accepted comments only; xlsx: a summary
    sheet and a sheet of all critiques (needs -o); json: everything, with the
    decision history of every version.
    """
    with open_store(db_path) as store:
        require_forms(store, tuple(forms))
        reports = gather(store, tuple(forms))
        if fmt == "xlsx":
            if not output:
                raise click.UsageError("xlsx 格式需要用 -o 指定输出文件")
            to_xlsx(reports, output, reviewer)
            click.echo(f"已写入 {output}（{len(reports)} 份表单）", err=True)
            return
        if fmt == "json":
            text = json.dumps(to_json(store, reports, reviewer), ensure_ascii=False, indent=2) + "\n"
        else:
            text = to_markdown(reports, reviewer)
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"已写入 {output}（{len(reports)} 份表单）", err=True)
    else:
        sys.stdout.write(text)
