"""`review db check`: is review.db sound (SQLite's integrity_check, read-only), and which schema it holds."""

from __future__ import annotations

import sys

import click

from ..store.health import RESTORE_HINT, check_file
from ..store.judge_cache import migrations as judge_migrations
from ..store.schema import migrations
from .errors import ReviewCommand
from .options import db_option
from .terminal import echo

SHOWN_PROBLEMS = 20


@click.group(name="db")
def db_group() -> None:
    """The review database itself: `review db check`."""


@db_group.command(name="check", cls=ReviewCommand)
@db_option
def db_check(db_path: str) -> None:
    """Check the database with SQLite's integrity_check (read-only: nothing is written).

    Exit status 0 when it is sound, 2 when it is damaged or was written by a newer version of review."""
    checked = check_file(db_path, (migrations, judge_migrations))
    if checked.problems:
        echo(f"错误：数据库 {db_path} 已损坏，SQLite 完整性检查发现 {len(checked.problems)} 处问题"
             + ("（仅列出前若干处）" if len(checked.problems) > SHOWN_PROBLEMS else "") + "：", err=True)
        for line in checked.problems[:SHOWN_PROBLEMS]:
            echo(f"  {line}", err=True)
        echo(f"处理办法：{RESTORE_HINT.removesuffix('，可用 review db check 检查数据库是否完好')}。"
             f"没有备份时，可用 SQLite 命令行工具导出尚能读取的内容：sqlite3 {db_path} .recover | sqlite3 恢复.db，"
             "再以 --db 恢复.db 使用并核对。损坏的文件请保留，不要继续写入。", err=True)
        sys.exit(2)
    version = "未知" if checked.version is None else str(checked.version)
    forms = "" if checked.forms is None else f"，当前表单 {checked.forms} 份"
    if checked.newer:
        echo(f"错误：数据库未损坏（SQLite integrity_check：ok），但{checked.newer.removesuffix('；未作任何修改')}",
             err=True)
        sys.exit(2)
    echo(f"数据库 {db_path} 完好（SQLite integrity_check：ok），数据库结构版本 {version}"
         f"（本工具 {checked.tool_version}）{forms}。")


__all__ = ["db_group"]
