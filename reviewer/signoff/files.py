"""Documents written whole or not at all: into a temporary file beside the target, renamed over it.

A full disk or a killed process in the middle of `report -o` left a truncated report under the name
the reviewer asked for, one that may look complete. Now the target is either the old file or the new
one; a failure removes the temporary file and says what happened (OutputError).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError

REASONS = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有写入权限",
           errno.EPERM: "没有写入权限", errno.EROFS: "所在磁盘只读", errno.EISDIR: "这是一个文件夹",
           errno.ENOTDIR: "路径中有同名文件", errno.ENAMETOOLONG: "文件名过长"}


@contextmanager
def replaced(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed over `path` when the block ends without error."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}", dir=path.parent)
        os.close(handle)
        temporary = Path(name)
        yield temporary
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        reason = REASONS.get(error.errno or 0, error.strerror or str(error))
        raise OutputError(f"无法写入 {path}：{reason}，未写入任何文件（原有文件保持不变）") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
