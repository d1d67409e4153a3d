"""What a 复核 hands back: report (Markdown, Word, Excel, JSON), summary (the batch ranked), rules (the
rulebook in force)."""

from __future__ import annotations

import getpass
import os
import shutil
import sys
from pathlib import Path
from typing import Iterable

import click
from rich import box
from rich.text import Text

from ..config import Config
from ..form.values import format_decimal
from ..signoff.forms import FormReview, file_name
from ..signoff.output import one_folder_sync, replacing
from ..signoff.report import VERDICT_CODES, json_parts, markdown_parts
from ..signoff.rulebook import REVERSE
from ..signoff.scores import percent
from ..store import StoreError
from .errors import ReviewCommand
from .options import config_option, db_option, document_reviewer_option, load_config
from .signoff import open_for_reading, require_forms
from .terminal import echo, is_terminal, json_safe, new_console, write
from .wrap import fitted_table, print_in_pieces, wrap_rich, wrap_text
from ..signoff.service import Signoff


def document_reviewer(given: str | None, config: Config) -> str | None:
    """The 复核人 a document names: the option, the config, $REVIEWER; never the login name."""
    return given or config.signoff.reviewer or os.environ.get("REVIEWER") or None


def login_names() -> tuple[str, ...]:
    try:
        return (getpass.getuser(),)
    except Exception:  # noqa: BLE001 - no login name to leave out
        return ()


def _write_docx(signoff: Signoff, reviews: Iterable[FormReview], folder: str, draft: bool,
                reviewer: str | None) -> int:
    if not draft and not signoff.settings.bureau:
        raise StoreError("未配置复核单位名称（--config 文件 [signoff] bureau），不能出具正式复核意见；"
                         "可加 --draft 出草稿")
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise click.UsageError(f"docx 格式的 -o 应为文件夹（每份表单一个 .docx）：{folder} 是文件")
    with one_folder_sync():
        skipped, written = _each_docx(signoff, reviews, target, draft, reviewer)
    echo(f"已写入 {written} 份复核意见到 {target}" + (f"，跳过 {skipped} 份" if skipped else ""), err=True)
    return skipped


def _each_docx(signoff: Signoff, reviews: Iterable[FormReview], target: Path, draft: bool,
               reviewer: str | None) -> tuple[int, int]:
    """Each form's document into `target`: (skipped, written)."""
    from ..signoff.docx import write_docx  # python-docx only when a document is written

    skipped = written = 0
    used: set[str] = set()
    for review in reviews:
        if review.pending and not draft:
            echo(f"跳过「{review.record.name}」（{review.record.year}年度）：尚有 {len(review.pending)} 个要点"
                 "待审核（可加 --draft 出草稿）", err=True)
            skipped += 1
            continue
        name = file_name(review, draft and (bool(review.pending) or not signoff.settings.bureau))
        if name in used:
            name = name.removesuffix(".docx") + f"_{review.record.id[:8]}.docx"
        used.add(name)
        write_docx(review, target / name, signoff.settings, signoff.rulebook, draft, reviewer)
        written += 1
    return skipped, written


def _to_stdout(parts: Iterable[str], wrap: bool) -> None:
    """Each piece as it comes; on a terminal, wrapped to its width (a piece ends at a line's end)."""
    columns = shutil.get_terminal_size().columns
    try:
        for part in parts:
            write("\n".join(wrap_text(part, columns - 1)) if wrap else part)
    except BrokenPipeError:
        # The reader stopped early (review report | head): stop quietly, and keep Python's own flush at
        # exit from failing again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


@click.command(cls=ReviewCommand)
@click.argument("forms", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "xlsx", "json"]), default="md", show_default=True,
              help="md: the 复核意见 on the terminal; docx: one Word 复核意见 per form; xlsx: 汇总, 问题清单 and "
                   "one 底稿 per form; json: everything, one object per form.")
@click.option("-o", "--output", type=click.Path(), help="md/json: a file instead of stdout; docx: a folder; xlsx: "
                                                        "the workbook. Written whole or not at all.")
@click.option("--draft", is_flag=True, help="docx: also forms with undecided points, marked 草稿 on every page.")
@document_reviewer_option
@config_option
@db_option
def report(forms, fmt, output, draft, reviewer, config_path, db_path) -> None:
    """The 复核 of FORMS (default: every current form), by point: only decided points, accepted ones as
    the numbered problems, with 复核总分, 等级 and 偏离度.

    docx needs -o DIR and writes one 复核意见 per form; a form with undecided points is skipped
    (exit status 1) unless --draft. xlsx needs -o FILE. The bureau's name, the reviewer, the
    deadline, the grade bands and the rulebook come from the [signoff] section of --config.
    Each file is written to a temporary file beside it and renamed into place: a failed write
    (disk full, no permission) leaves the earlier file as it was.
    """
    config = load_config(config_path) if config_path else Config()
    signer = document_reviewer(reviewer, config)
    if fmt in ("xlsx", "docx") and not output:
        raise click.UsageError(f"{fmt} 格式需要用 -o 指定输出{'文件' if fmt == 'xlsx' else '文件夹'}")
    with open_for_reading(db_path) as store:
        require_forms(store, tuple(forms))
        signoff = Signoff(store, config, build_points=not store.read_only)
        ids = signoff.form_ids(tuple(forms))  # the forms themselves are read one at a time
        # The Markdown report reads of each form's findings only those its scores rest on and the judge's
        # verdicts (their fallbacks are counted); the others print every finding.
        lean = {"evidence": False, "codes": VERDICT_CODES} if fmt == "md" else {}
        reviews = signoff.each_review(ids=ids, **lean)
        if fmt == "xlsx":
            signoff.write_xlsx(tuple(forms), output)
            echo(f"已写入 {output}（{len(ids)} 份表单）", err=True)
            return
        if fmt == "docx":
            if _write_docx(signoff, reviews, output, draft, signer):
                sys.exit(1)
            return
        if fmt == "json":
            # Characters a terminal acts on are escaped in JSON (\u202e), on stdout and in a file alike.
            parts = map(json_safe, json_parts(store, reviews, signer, login_names()))
        else:
            parts = markdown_parts(reviews, signer, login_names())
        if output:
            with replacing(output) as temp, open(temp, "w", encoding="utf-8", newline="\n") as handle:
                handle.writelines(parts)
            echo(f"已写入 {output}（{len(ids)} 份表单）", err=True)
        else:
            _to_stdout(parts, is_terminal())


@click.command(cls=ReviewCommand)
@config_option
def rules(config_path) -> None:
    """The rulebook (复核口径) in force: its clauses, what each deducts and which findings propose it,
    and how 反向 indicators are scored. A bureau names its own in the [signoff] section of --config."""
    config = load_config(config_path) if config_path else Config()
    from ..signoff.rulebook import load_rulebook

    book = load_rulebook(config.signoff.rulebook)
    console = new_console()
    console.print(wrap_rich(Text.assemble(("复核口径：", "bold"), book.name), console.width - 1))
    console.print(Text("（随软件提供的默认口径）" if book.source == "（默认）" else f"口径文件：{book.source}",
                       style="dim"), soft_wrap=True)
    console.print(f"反向指标计分：{book.reverse}（{REVERSE[book.reverse]}）")
    bands = "，".join(f"{name} ≥ {format_decimal(bound)}" for name, bound in config.signoff.grades)
    console.print(f"等级：{bands}，其余为差；自评与复核相差 {format_decimal(config.signoff.deviation_flag_points)} "
                  "分以上提示")
    columns = console.width - 1
    for clause in book.clauses.values():
        console.print()
        console.print(wrap_rich(Text.assemble((clause.id, "bold"), "  ", (clause.name, "bold"), "  —  ",
                                              clause.deduction_text), columns))
        codes = "、".join(clause.codes) if clause.codes else "（无：供复核人改分时引用）"
        console.print(wrap_rich(Text.assemble(("  提出：", "dim"), codes), columns))
        console.print(wrap_rich(Text.assemble(("  说明：", "dim"), clause.description), columns))


@click.command(cls=ReviewCommand)
@click.argument("forms", nargs=-1)
@config_option
@db_option
def summary(forms, config_path, db_path) -> None:
    """The batch: forms ranked by seriousness (errors, 偏离度, pending points), the same per unit, and the
    files that could not be read, listed apart. `review report --format xlsx` holds the same sheets."""
    config = load_config(config_path) if config_path else Config()
    with open_for_reading(db_path) as store:
        require_forms(store, tuple(forms))
        batch = Signoff(store, config, build_points=not store.read_only).summary(tuple(forms))
    console = new_console()
    rows = []
    for line in batch.forms:
        score = line.review.score
        style = "red" if score.flagged else ""
        rows.append([str(line.rank), line.unit, line.record.name, str(line.record.year),
                     "—" if score.claimed_total is None else format_decimal(score.claimed_total),
                     format_decimal(score.review_total), score.grade, Text(percent(score.deviation), style=style),
                     str(line.errors), str(line.pending)])
    columns = [("#", "right"), ("单位", "text"), ("项目", "text"), ("年度", "left"), ("自评", "right"),
               ("复核", "right"), ("等级", "left"), ("偏离度", "right"), ("错误", "right"), ("待审", "right")]
    table = fitted_table(console.width, columns, rows, title="复核汇总（按严重程度排序；红色：偏离提示）",
                         box=box.SIMPLE_HEAD, title_justify="left")
    if batch.forms:
        print_in_pieces(console, table)
    else:
        console.print("没有表单。")
    if len(batch.units) > 1:
        rows = [[unit.unit, str(unit.forms), str(unit.flagged), str(unit.errors), str(unit.pending),
                 format_decimal(unit.review), unit.worst_grade] for unit in batch.units]
        columns = [("单位", "text"), ("表单", "right"), ("偏离提示", "right"), ("错误", "right"), ("待审", "right"),
                   ("平均复核", "right"), ("最低等级", "left")]
        console.print(fitted_table(console.width, columns, rows, title="按单位", box=box.SIMPLE_HEAD,
                                   title_justify="left"))
    if batch.refused:
        console.print(Text(f"未能读取的文件（{len(batch.refused)} 个，未列入上表）：", style="bold red"))
        for refusal in batch.refused:
            console.print(wrap_rich(f"  {refusal.file}：{refusal.message}", console.width - 1))


__all__ = ["report", "rules", "summary"]
