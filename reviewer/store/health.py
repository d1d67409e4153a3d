"""Is review.db fit to use: not damaged, not written by a newer version of the tool, writable when it
must be; and SQLite's own errors as a reviewer reads them.

A damaged file used as if sound only gets worse (every write spreads the damage, and the reviewer
learns of it from a traceback weeks later), so a command that opens the database for writing runs
`PRAGMA quick_check` first (once per process while the file is unchanged: the workbench opens the
store per request). A database written by a newer tool may hold tables this one does not know how to
keep consistent: it is refused, naming both versions. Everything here raises DatabaseError, a
StoreError the command line shows as `错误：数据库 X …` with exit status 2.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .base import StoreError
from .db import WAL_IN_READ_ONLY_FOLDER, connect
from .migrate import Migrations

RESTORE_HINT = ("请从备份恢复该文件（或改用新的 --db 文件重新审核），"
                "可用 review db check 检查数据库是否完好")

# SQLite's error texts (sqlite3_errstr) as a reviewer reads them; what is not here is shown as SQLite says it.
SQLITE_MESSAGES = (
    (WAL_IN_READ_ONLY_FOLDER, "所在文件夹只读，且旁边有 -wal 文件（有人正在使用该数据库，或上次未正常关闭），无法安全读取："
                              "请在其关闭后再试，或请对该文件夹有写权限的人运行一次 review status"),
    ("database disk image is malformed", "数据库文件已损坏。" + RESTORE_HINT),
    ("file is not a database", "不是 review 数据库文件，或文件已损坏。" + RESTORE_HINT),
    ("database or disk is full", "磁盘已满（或超出配额），无法写入：请清理磁盘空间后重试"),
    ("attempt to write a readonly database", "数据库为只读（文件或所在文件夹不可写），不能写入"),
    ("unable to open database file", "无法打开数据库文件（文件夹不存在、不可访问或为只读）"),
    ("database is locked", "数据库正被其他程序占用（长时间未释放），请稍后重试"),
    ("disk I/O error", "读写数据库时发生磁盘错误：请检查磁盘或网络共享是否可用"),
)


class DatabaseError(StoreError):
    """review.db cannot be used as it is (damaged, newer, read-only, disk full): exit status 2."""


def explain(error: BaseException) -> str:
    """A SQLite error in Chinese (its own words kept in brackets when it is one we do not know)."""
    text = str(error)
    for needle, said in SQLITE_MESSAGES:
        if needle.lower() in text.lower():
            return said
    return f"SQLite 错误（{text}）"


def database_error(path: str | Path, error: BaseException) -> DatabaseError:
    return DatabaseError(f"数据库 {path}：{explain(error)}")


def is_damage(error: BaseException) -> bool:
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


# --- damage -------------------------------------------------------------------------------

_checked: set[tuple[str, int, int, int]] = set()


def _signature(path: str) -> tuple[str, int, int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (str(Path(path).resolve()), stat.st_ino, stat.st_size, stat.st_mtime_ns)


def problems(conn: sqlite3.Connection, pragma: str = "quick_check", limit: int = 20) -> list[str]:
    """What `PRAGMA quick_check` / `integrity_check` finds (empty: sound). A page too damaged to read at
    all is a problem too, not an exception."""
    try:
        rows = [row[0] for row in conn.execute(f"PRAGMA {pragma}({int(limit)})").fetchall()]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def verify(conn: sqlite3.Connection, path: str | Path) -> None:
    """Refuse a damaged database before anything is written into it (DatabaseError)."""
    signature = _signature(str(path))
    if signature is not None and signature in _checked:
        return
    found = problems(conn)
    if found:
        raise DatabaseError(f"数据库 {path} 已损坏（{found[0]}），未写入任何内容。{RESTORE_HINT}")
    if signature is not None:
        _checked.add(signature)


# --- versions -----------------------------------------------------------------------------

def schema_version(migrations: Migrations) -> int:
    """The schema this tool writes: the number of its migrations (kept in PRAGMA user_version)."""
    return len(migrations.names)


def check_version(conn: sqlite3.Connection, path: str | Path, sets: Iterable[Migrations]) -> None:
    """Refuse a database a newer tool wrote: a migration this tool does not have, or a higher user_version
    than the main set's count. Both versions are named."""
    sets = list(sets)
    ours = schema_version(sets[0])
    stored = conn.execute("PRAGMA user_version").fetchone()[0]
    unknown: list[str] = []
    applied = 0
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    [Migrations.migrations_table]).fetchone():
        for migrations in sets:
            known = set(migrations.names)
            names = [row[0] for row in conn.execute(
                f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ?", [migrations.name])]
            unknown += [name for name in names if name not in known]
            if migrations is sets[0]:
                applied = len(names)
    if stored <= ours and not unknown:
        return
    theirs = max(stored, applied, ours + 1)
    extra = f"，含本工具没有的结构变更：{'、'.join(unknown[:5])}" if unknown else ""
    raise DatabaseError(f"数据库 {path} 由更新版本的 review 写入（数据库结构版本 {theirs}{extra}），"
                        f"本工具只支持到版本 {ours}：请升级 review 后再使用；未作任何修改")


def stamp_version(conn: sqlite3.Connection, migrations: Migrations) -> None:
    """Record the schema version once the migrations are applied (inside the caller's transaction)."""
    ours = schema_version(migrations)
    if conn.execute("PRAGMA user_version").fetchone()[0] < ours:
        conn.execute(f"PRAGMA user_version = {ours}")


# --- read-only ----------------------------------------------------------------------------

def writable(path: str | Path) -> bool:
    """Can SQLite write this database: the file, and its folder (for the -wal and -shm files) unless
    both exist already and can be written."""
    file = Path(path)
    folder = file.parent if str(file.parent) else Path(".")
    if file.exists() and not os.access(file, os.W_OK):
        return False
    if os.access(folder, os.W_OK):
        return True
    sidecars = [Path(f"{file}-wal"), Path(f"{file}-shm")]
    return all(p.exists() and os.access(p, os.W_OK) for p in sidecars)


def refuse_read_only(path: str | Path) -> None:
    folder = Path(path).parent
    if str(folder) and not folder.is_dir():
        raise DatabaseError(f"数据库 {path} 所在的文件夹 {folder} 不存在，未作任何修改")
    if not writable(path):
        raise DatabaseError(f"数据库 {path} 为只读（文件或所在文件夹不可写），本命令需要写入，未作任何修改。"
                            "只查看可用 review status、review report、review session --read-only 或 review serve --read-only")



def fit_for_writing(path: str | Path, sets: Iterable[Migrations]) -> None:
    """Before a batch: refuse a database that is read-only, damaged or newer now, not after its forms
    were reviewed (and a model paid for them). Nothing is written; a missing file is left to be created."""
    refuse_read_only(path)
    if not Path(path).is_file():
        return
    try:
        conn = connect(path)
    except sqlite3.DatabaseError as exc:
        raise database_error(path, exc) from None
    try:
        verify(conn, path)
        check_version(conn, path, sets)
    except sqlite3.DatabaseError as exc:
        raise database_error(path, exc) from None
    finally:
        conn.close()


# --- review db check ----------------------------------------------------------------------

@dataclass
class Checked:
    """What `review db check` found: SQLite's integrity_check lines (empty: sound), the schema versions."""

    path: str
    problems: list[str]
    version: int | None
    tool_version: int
    forms: int | None
    newer: str | None = None  # why a newer tool's database is refused, if it is one


def check_file(path: str | Path, sets: Iterable[Migrations], limit: int = 100) -> Checked:
    """PRAGMA integrity_check on the database opened read-only (nothing is written, not even a -shm file
    where none can be made), and whether a newer tool wrote it (`sets`: the main migration set first)."""
    sets = list(sets)
    ours = schema_version(sets[0])
    if not Path(path).is_file():
        raise DatabaseError(f"数据库 {path} 不存在")
    try:
        conn = connect(path, read_only=True)
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise database_error(path, exc) from None
        return Checked(str(path), [str(exc)], None, ours, None)
    try:
        found = problems(conn, "integrity_check", limit)
        try:
            version: int | None = conn.execute("PRAGMA user_version").fetchone()[0]
            forms = conn.execute("SELECT count(*) FROM forms WHERE superseded_by IS NULL").fetchone()[0]
        except sqlite3.DatabaseError:
            version, forms = None, None
        newer = None
        if not found:
            try:
                check_version(conn, path, sets)
            except DatabaseError as refused:
                newer = refused.message
        return Checked(str(path), found, version, ours, forms, newer)
    except sqlite3.DatabaseError as exc:
        raise database_error(path, exc) from None
    finally:
        conn.close()


__all__ = ["Checked", "check_file", "DatabaseError", "RESTORE_HINT", "explain", "database_error", "problems", "verify",
           "check_version", "stamp_version", "schema_version", "writable", "refuse_read_only", "is_damage",
           "fit_for_writing"]
