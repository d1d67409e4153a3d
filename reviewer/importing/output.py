"""Writing imported forms: never over a file a reviewer may have corrected by hand.

An output that exists and differs from what the import gives is left alone (`force`
overwrites it); one that holds the same form is left untouched. Files are written whole or
not at all (a temporary file renamed into place), so an interrupted import never leaves half
a form.json.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

WRITTEN, OVERWRITTEN, UNCHANGED, KEPT = "written", "overwritten", "unchanged", "kept"


def form_text(data: dict[str, Any]) -> str:
    """A form.json as `review import` writes it: UTF-8, Chinese unescaped, indented."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _without_source(data: Any) -> Any:
    """The form without where it was read from: importing the same document from another
    folder or by another path gives the same form."""
    if not isinstance(data, dict):
        return data
    mark = data.get("x-import")
    if not isinstance(mark, dict):
        return data
    return {**data, "x-import": {k: v for k, v in mark.items() if k != "source"}}


def _same_form(existing: bytes, data: dict[str, Any]) -> bool:
    try:
        old = json.loads(existing.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    return _without_source(old) == _without_source(json.loads(form_text(data)))


def save(target: Path, data: dict[str, Any], force: bool = False) -> str:
    """Write one imported form; says what happened: written, overwritten, unchanged or kept."""
    text = form_text(data)
    try:
        existing = target.read_bytes()
    except FileNotFoundError:
        existing = None
    if existing is not None:
        if existing == text.encode("utf-8") or _same_form(existing, data):
            return UNCHANGED
        if not force:
            return KEPT
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return WRITTEN if existing is None else OVERWRITTEN


def output_paths(source: Path, count: int, folder: Path, taken: set[Path]) -> list[Path]:
    """Where a document's forms go: NAME.json, or NAME-01.json … for several forms. A name another
    document of this run already took (表.pdf and 表.docx side by side) gets the suffix: 表-docx.json."""
    def names(stem: str) -> list[Path]:
        if count == 1:
            return [folder / f"{stem}.json"]
        return [folder / f"{stem}-{number:02d}.json" for number in range(1, count + 1)]

    paths = names(source.stem)
    if any(path in taken for path in paths):
        paths = names(f"{source.stem}-{source.suffix.lstrip('.').lower() or 'file'}")
    taken.update(paths)
    return paths
