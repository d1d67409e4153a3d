"""Writing the documents a 复核 hands back: whole or not at all, and only characters the format can hold.

Every file goes to a temporary file in the target's own folder, is flushed to disk (fsync), and is then
renamed over the target: a disk that fills up, a folder without write permission or an interrupted run
leaves the earlier file as it was and no half-written one beside it (OutputError says so). The rename
is atomic on one file system, which the same folder guarantees.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Iterator

from ..errors import OutputError

# XML 1.0 allows tab, line feed, carriage return and everything from U+0020 except the surrogates and
# U+FFFE/U+FFFF: the rest makes openpyxl raise IllegalCharacterError and lxml refuse the text.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text without the characters an .xlsx or .docx (XML) cannot hold: control characters, lone
    surrogates (a file name with undecodable bytes), U+FFFE/U+FFFF."""
    return _NOT_XML.sub("", text)


@cache
def _umask() -> int:
    """Read once (os.umask can only be read by setting it, which is not thread-safe)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDWR)  # Windows' fsync (_commit) needs a handle open for writing
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible (nor needed) where folders cannot be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _reason(error: OSError) -> str:
    import errno

    known = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有写入权限",
             errno.EPERM: "没有写入权限", errno.EROFS: "所在磁盘只读", errno.EFBIG: "文件超过允许的大小",
             errno.EISDIR: "同名文件夹已存在", errno.ENOTDIR: "路径中有一段不是文件夹"}
    text = known.get(error.errno or 0) or error.strerror or str(error)
    if isinstance(error, PermissionError) and os.name == "nt":
        text += "，或文件正在 Excel/Word 中打开"
    return text


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` to write the whole file to; on leaving the block it is fsynced and
    renamed over `path` (a device or a pipe is written into instead). Any OSError (disk full, permission, …)
    becomes OutputError naming the file, with the temporary file removed and the earlier file untouched; any
    other exception removes it too."""
    shown = Path(path)
    # Through a symbolic link, the file it points to is replaced (as writing to it would), not the link.
    target = Path(os.path.realpath(shown)) if shown.is_symlink() else shown
    existed = target.exists()
    untouched = "原有文件未改动" if existed else "未写入任何文件"
    if existed and _is_stream(target):
        yield from _into_stream(target, shown)
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".part", dir=target.parent)
        os.close(fd)
    except OSError as error:
        raise OutputError(f"无法写入 {shown}：{_reason(error)}（{untouched}）") from None
    temp = Path(name)
    try:
        yield temp
        _fsync(temp)
        # mkstemp makes the file private (0600); the report gets the mode the old one had, or the usual one.
        os.chmod(temp, (target.stat().st_mode & 0o7777) if existed else 0o666 & ~_umask())
        os.replace(temp, target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        raise OutputError(f"无法写入 {shown}：{_reason(error)}（{untouched}）") from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    folders = _UNSYNCED.get()
    if folders is None:
        _fsync_folder(target.parent)
    else:
        folders.add(target.parent)


def _is_stream(target: Path) -> bool:
    """A device or a pipe (-o /dev/null, /dev/stdout, a FIFO): written into, never replaced. Renamed over, a
    device would be gone (run as root, -o /dev/null would put a report in its place)."""
    mode = target.stat().st_mode
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISBLK(mode)


def _into_stream(target: Path, shown: Path) -> Iterator[Path]:
    try:
        yield target
    except OSError as error:
        raise OutputError(f"无法写入 {shown}：{_reason(error)}") from None


# The folders whose renames a batch makes durable at its end (one_folder_sync), None outside a batch.
_UNSYNCED: ContextVar[set[Path] | None] = ContextVar("unsynced_folders", default=None)


@contextmanager
def one_folder_sync() -> Iterator[None]:
    """Within the block, each file replacing() writes is still fsynced before its rename, but the folder
    holding the renames is fsynced once, on leaving the block (however it is left), not once per file: a
    batch of 1,000 Word documents waited ~3.5 ms a file for it. A crash before the end may lose a rename,
    never a file's content: the target then holds its earlier version, whole."""
    folders: set[Path] = set()
    token = _UNSYNCED.set(folders)
    try:
        yield
    finally:
        _UNSYNCED.reset(token)
        for folder in sorted(folders):
            _fsync_folder(folder)


__all__ = ["replacing", "one_folder_sync", "xml_text"]
