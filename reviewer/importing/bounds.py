"""Checks that run before a reader parses a document, so its memory and time stay bounded
(limits.py): the size of the file, and what a zip package (.xlsx, .docx) inflates to.

A zip's central directory states each part's size; Python's zipfile never yields more than
that size (it stops and then fails the CRC), so summing the stated sizes bounds what
openpyxl and python-docx can be made to parse.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from . import limits
from .cells import NotAForm

_XML = (".xml", ".rels", ".vml")  # parts the readers parse; pictures are only held


def megabytes(size: int) -> str:
    return f"{size / 2**20:,.1f} MB"


def check_size(size: int, source: str, limit: int, what: str = "文件") -> None:
    """Refuse a document larger than `limit` bytes, before a byte of it is parsed."""
    if size > limit:
        raise NotAForm(source, f"{what}过大（{megabytes(size)}，上限 {limit // 2**20} MB），未读取；"
                               "若确是自评表，请只保留自评表部分再导入")


def check_package(path: Path, source: str, kind: str) -> None:
    """Refuse a .xlsx / .docx that would inflate beyond the limits (a zip bomb), or whose zip
    cannot be read at all."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise NotAForm(source, f"文件已损坏或不是有效的 {kind}") from None
    if len(parts) > limits.MAX_PACKAGE_MEMBERS:
        raise NotAForm(source, f"压缩包内部件过多（{len(parts):,} 个，上限 {limits.MAX_PACKAGE_MEMBERS:,} 个），"
                               f"不是正常的 {kind} 文件，未读取")
    xml = sum(part.file_size for part in parts if part.filename.lower().endswith(_XML))
    total = sum(part.file_size for part in parts)
    if xml > limits.MAX_UNZIPPED_BYTES or total > limits.MAX_PACKAGE_BYTES:
        size, limit = (xml, limits.MAX_UNZIPPED_BYTES) if xml > limits.MAX_UNZIPPED_BYTES else (
            total, limits.MAX_PACKAGE_BYTES)
        raise NotAForm(source, f"解压后的内容过大（{megabytes(size)}，上限 {limit // 2**20} MB），"
                               "疑似压缩炸弹或不是自评表，未读取")
    for part in parts:
        if part.file_size >= 2**20 and part.file_size > limits.MAX_RATIO * max(part.compress_size, 1):
            ratio = part.file_size / max(part.compress_size, 1)
            raise NotAForm(source, f"压缩比异常（部件 {part.filename} 解压后是压缩时的 {ratio:,.0f} 倍，"
                                   f"上限 {limits.MAX_RATIO} 倍），疑似压缩炸弹，未读取")
