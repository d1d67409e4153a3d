"""Files and folders as a reviewer's disk holds them: names that are not UTF-8, folders one may
not read, links that lead nowhere or in a circle, pipes and devices that never end.

`walk` lists the files below a folder and names every entry it had to skip (and why), so a
skipped folder is never silent. `open_regular` opens only a regular file: reading a pipe or a
device would wait forever. `shown_path` is a path as it can be printed and stored.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Literal

_REASONS = {
    errno.EACCES: "没有读取权限", errno.EPERM: "没有读取权限", errno.ENOENT: "不存在",
    errno.ELOOP: "符号链接循环，无法解析", errno.ENAMETOOLONG: "路径过长", errno.EIO: "读取出错（磁盘或网络故障）",
    errno.ENOTDIR: "路径中有一段不是文件夹",
}


def shown_path(path: str | os.PathLike[str]) -> str:
    """A path as it can be printed and stored: a name that is not UTF-8 (Python holds its bytes
    as surrogate escapes, which no terminal, JSON file or database can take) shows its
    undecodable bytes as replacement characters (U+FFFD)."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "replace")
    return text


def os_reason(error: OSError) -> str:
    """Why the operating system refused, in the reviewer's words."""
    return _REASONS.get(error.errno or 0) or error.strerror or type(error).__name__


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "是目录，不是文件"
    kind = "管道" if stat.S_ISFIFO(mode) else "设备" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "套接字"
    return f"不是普通文件（{kind}），未读取"


def open_regular(path: Path, refuse: Callable[[str], Exception]) -> BinaryIO:
    """`path` opened for reading when it is a regular file; else `refuse(reason)` is raised."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise refuse("符号链接指向的文件不存在" if os.path.islink(path) else "文件不存在") from None
    except OSError as error:
        raise refuse(f"无法读取：{os_reason(error)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse(_not_regular(info.st_mode))
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except IsADirectoryError:
        raise refuse("是目录，不是文件") from None
    except OSError as error:
        raise refuse(f"无法读取：{os_reason(error)}") from None


def is_folder(path: Path) -> bool:
    """Whether `path` is a folder to walk; anything else (also what cannot be looked at) is a file
    whose reader says what is wrong with it."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class Skipped:
    """An entry below a folder that was not read, and why."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{shown_path(self.path)}: {self.reason}"


@dataclass
class Walk:
    """What a folder holds: the files taken, the files passed over, the entries skipped. With
    `walk(..., text=True)` the files taken are path strings (a batch of 100,000 forms holds them
    for its whole run: a string is a sixth of a Path's memory)."""

    taken: list[Path] = field(default_factory=list)
    passed: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# What a walk does with a file name: take it, list it as passed over, or leave it unmentioned.
Sort = Callable[[str], Literal["take", "pass"] | None]


def _path_order(path: str) -> str:
    """A key that sorts path strings as Path objects sort (part by part, case folded where paths are):
    the separator below every other character."""
    key = path.replace(os.sep, "\0")
    if os.altsep:
        key = key.replace(os.altsep, "\0")
    return key.lower() if os.path.normcase("A") == "a" else key


def walk(folder: Path, sort: Sort, *, hidden: bool = True, text: bool = False) -> Walk:
    """Every regular file below `folder` (links followed), sorted as `sort` says, each list in path
    order. A folder that cannot be read, a link that leads nowhere or back into its own parents,
    and a pipe or device named like a file to take are skipped and named. `hidden=False` leaves
    out names starting with a dot, and does not go into such folders. `text=True`: `taken` holds
    path strings (str(Path) of each), not Paths."""
    found = Walk()
    try:
        top = os.stat(folder)
    except OSError as error:
        found.skipped.append(Skipped(folder, f"无法读取文件夹（{os_reason(error)}）"))
        return found
    taken: list[str] = []
    # Path strings as scandir joins them below the folder's str(Path): str(Path(...)) of each, without
    # building a Path per entry (a folder of 100,000 forms).
    stack: list[tuple[str, frozenset[object]]] = [(str(folder), frozenset({_identity(folder, top)}))]
    while stack:
        directory, parents = stack.pop()
        try:
            names = os.listdir(directory)
        except OSError as error:
            found.skipped.append(Skipped(Path(directory), f"无法读取文件夹（{os_reason(error)}），其中的文件未审核"))
            continue
        for name in names:
            if not hidden and name.startswith("."):
                continue
            path = os.path.join(directory, name)
            kind = sort(name)
            try:
                info = os.stat(path)
            except OSError as error:
                # A name we would take, or a link that may have been a folder: say so.
                link = os.path.islink(path)
                if kind == "take" or (link and not Path(name).suffix):
                    found.skipped.append(Skipped(Path(path), _unresolved(error, link)))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = _identity(path, info)
                if key in parents:
                    found.skipped.append(Skipped(Path(path), "符号链接指回它所在的上级文件夹（循环），未进入"))
                else:
                    stack.append((path, parents | {key}))
            elif kind is None:
                continue
            elif not stat.S_ISREG(info.st_mode):
                if kind == "take":
                    found.skipped.append(Skipped(Path(path), _not_regular(info.st_mode)))
            elif kind == "take":
                taken.append(path)
            else:
                found.passed.append(Path(path))
        del names
    taken.sort(key=_path_order)
    found.taken = taken if text else [Path(path) for path in taken]  # type: ignore[assignment]
    found.passed.sort()
    found.skipped.sort(key=lambda skipped: skipped.path)
    return found


def _identity(path: str | Path, info: os.stat_result) -> object:
    """What makes a folder the same folder by another path: device and inode, or where a file
    system has no inode numbers (st_ino 0), the real path."""
    return (info.st_dev, info.st_ino) if info.st_ino else os.path.realpath(path)


def _unresolved(error: OSError, link: bool) -> str:
    if link and isinstance(error, FileNotFoundError):
        return "符号链接指向的文件不存在，未读取"
    return f"无法读取（{os_reason(error)}）"
