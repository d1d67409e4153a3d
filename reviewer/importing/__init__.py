"""Import forms as reviewers receive them (PDF, PDF text, Word, Excel old and new, WPS; documents
holding several forms) into form.json.

`import_document` reads one file into one or more `Imported` forms (or
`NotAForm` outcomes for the parts it cannot read). Every imported form
carries an `x-import` mark: the method that read it, a confidence, and the
figures that did not reconcile.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..form import Form, FormError, decode_bytes, form_from_data
from ..form.files import Walk, open_regular, os_reason, shown_path, walk
from . import limits
from .bounds import check_size
from .cells import Extracted, NotAForm
from .convert import Converter
from .reconcile import mark
from .split import split_text
from .text_layout import parse_text

__all__ = ["Converter", "Imported", "NotAForm", "SUPPORTED", "files_below", "import_document", "finish"]

_IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*", b"BM")
_FUNDS_ORDER = ("unit", "total", "fiscal", "carryover", "other", "weight", "execution_rate", "score", "explanation")
_KEY_ORDER = ("name", "year", "department", "unit", "lead", "phone", "funds", "goal", "indicators", "total_score")

# A fallback reader for layouts the parser does not know: (text, source) -> Extracted.
Fallback = Callable[[str, str], Extracted]


@dataclass
class Imported:
    """One form read from a document, validated, with its `x-import` mark."""

    data: dict[str, Any]
    form: Form
    source: str

    @property
    def mark(self) -> dict[str, Any]:
        return self.data["x-import"]


def finish(extracted: Extracted) -> Imported:
    """Reconcile, mark and validate one extracted form. Raises NotAForm if the result is no valid form."""
    data = extracted.data
    data["x-import"] = mark(extracted)
    funds = data.get("funds")
    if isinstance(funds, dict):
        data["funds"] = {key: funds[key] for key in _FUNDS_ORDER
                         if key in funds and (funds[key] is not None or key != "explanation")}
    ordered = {key: data[key] for key in _KEY_ORDER if key in data}
    ordered.update((key, value) for key, value in data.items() if key not in ordered)
    try:
        form = form_from_data(ordered, extracted.source)
    except FormError as error:
        where = f"{error.path}: " if error.path else ""
        raise NotAForm(extracted.source, f"读出的表无法通过校验（{where}{error.message}）") from None
    return Imported(data=ordered, form=form, source=extracted.source)


def _read_text(text: str, source: str, fallback: Fallback | None) -> list[Extracted | NotAForm]:
    chunks = split_text(text)
    outcomes: list[Extracted | NotAForm] = []
    for number, chunk in enumerate(chunks, 1):
        label = source if len(chunks) == 1 else f"{source}（第 {number} 张表）"
        try:
            outcomes.append(parse_text(chunk, label, "text"))
        except NotAForm as error:
            outcomes.append(_try_fallback(chunk, label, error, fallback))
    return outcomes


def _try_fallback(text: str, source: str, error: NotAForm, fallback: Fallback | None) -> Extracted | NotAForm:
    if fallback is None or not text.strip():
        return error
    try:
        return fallback(text, source)
    except NotAForm as fallback_error:
        return fallback_error


# What `review import FOLDER` picks up below a folder (form.json files are its output, not its input).
SUPPORTED = frozenset({".pdf", ".txt", ".xlsx", ".xlsm", ".xls", ".docx", ".docm", ".doc", ".wps", ".et", ".rtf"})
_OLE = b"\xd0\xcf\x11\xe0"  # the compound file of .doc, .xls, .wps, .et


def _zip_kind(path: Path) -> str:
    """A zip package by what it holds: a Word document, a workbook, or something else."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except Exception:  # noqa: BLE001 - zipfile fails on damaged directories in many ways (ValueError, struct...)
        return "damaged-zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return "zip"


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return "xlsx"
        if suffix in (".docx", ".docm"):
            return "docx"
        kind = _zip_kind(path)
        return "zip" if kind == "damaged-zip" else kind
    if head.startswith(_IMAGE_MAGIC) or suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"):
        return "image"
    if suffix in (".doc", ".wps", ".et", ".rtf"):
        return "convert"  # LibreOffice reads them, also when they are RTF or a web page saved under that name
    if suffix == ".xls":
        return "xls" if head.startswith(_OLE) else "convert"  # an "xls" exported as a web page
    if suffix in (".docx", ".docm"):
        return "damaged-docx"
    if head.startswith(_OLE):
        return "ole"
    return "text"


# What a document of each kind may weigh before it is read (limits.py).
_SIZE_LIMITS = {"xls": limits.MAX_XLS_BYTES, "text": limits.MAX_TEXT_BYTES}


def _unreadable(source: str, kind: str) -> NotAForm:
    if kind == "image":
        return NotAForm(source, "是图片文件，需要先进行 OCR 文字识别，再导入识别出的文字")
    if kind == "damaged-docx":
        return NotAForm(source, "文件已损坏或不是有效的 .docx")
    return NotAForm(source, "不支持的文件类型（可导入 PDF、Word（.docx/.doc/.wps）、Excel（.xlsx/.xls/.et）"
                            "或从 PDF 复制出的文字）")


def read_document(path: Path, fallback: Fallback | None = None,
                  converter: Converter | None = None) -> list[Extracted | NotAForm]:
    """The forms extracted from one file, before reconciliation."""
    source = shown_path(path)
    with open_regular(path, lambda reason: NotAForm(source, reason)) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            head = handle.read(8)
        except OSError as exc:
            raise NotAForm(source, f"无法读取：{os_reason(exc)}") from None
    kind = _sniff(path, head)
    if kind in ("image", "zip", "ole", "damaged-docx"):
        raise _unreadable(source, kind)
    check_size(size, source, _SIZE_LIMITS.get(kind, limits.MAX_DOCUMENT_BYTES))
    if kind == "pdf":
        from .pdf import read_pdf, pdf_text

        outcomes = read_pdf(path, source)
        if fallback and all(isinstance(o, NotAForm) for o in outcomes):
            return [_try_fallback(pdf_text(path, source), source, outcomes[0], fallback)]
        return outcomes
    if kind == "convert":
        return _read_converted(path, source, converter)
    if kind in _READERS:
        return _READERS[kind](path, source)
    return _read_text_file(path, source, fallback)


def _read_xlsx(path: Path, source: str, method: str = "xlsx") -> list[Extracted | NotAForm]:
    from .xlsx import read_xlsx

    return read_xlsx(path, source, method)


def _read_docx(path: Path, source: str, method: str = "docx") -> list[Extracted | NotAForm]:
    from .word import read_docx

    return read_docx(path, source, method)


def _read_xls(path: Path, source: str, method: str = "xls") -> list[Extracted | NotAForm]:
    from .xls import read_xls

    return read_xls(path, source, method)


_READERS: dict[str, Callable[..., list[Extracted | NotAForm]]] = {
    "xlsx": _read_xlsx, "docx": _read_docx, "xls": _read_xls,
}


def _read_converted(path: Path, source: str, converter: Converter | None) -> list[Extracted | NotAForm]:
    """A .doc / .wps / .et (or a web-page .xls) through LibreOffice, then the .docx or .xlsx reader."""
    if converter is None:
        with Converter() as own:
            return _read_converted(path, source, own)
    converted = converter.convert(path, source)
    outcomes = _READERS[converted.suffix.lstrip(".")](converted, source, "converted")
    for outcome in outcomes:
        if isinstance(outcome, Extracted):
            outcome.converted_from = path.suffix.lower()
    return outcomes


def _read_text_file(path: Path, source: str, fallback: Fallback | None) -> list[Extracted | NotAForm]:
    try:
        with path.open("rb") as handle:
            # The size was checked; read no more than the limit should the file have grown since.
            data = handle.read(min(os.fstat(handle.fileno()).st_size, limits.MAX_TEXT_BYTES) + 1)
    except OSError as exc:
        raise NotAForm(source, f"无法读取：{os_reason(exc)}") from None
    check_size(len(data), source, limits.MAX_TEXT_BYTES)
    if not data.strip():
        raise NotAForm(source, "文件为空")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _unreadable(source, "binary")
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError:
        raise NotAForm(source, "无法识别的文件编码（支持 UTF-8、GBK/GB18030）") from None
    if path.suffix.lower() == ".json" and text.lstrip().startswith("{"):
        raise NotAForm(source, "已经是 form.json，可直接用 review 审核")
    return _read_text(text, source, fallback)


def import_document(path: str | Path, fallback: Fallback | None = None,
                    converter: Converter | None = None) -> list[Imported | NotAForm]:
    """Every form in one file, reconciled and validated; the parts that are no form as NotAForm.

    Raises NotAForm when the file as a whole cannot be read (missing, an
    image, an empty sheet, a .doc with no LibreOffice...). `fallback` reads what the parser
    cannot (the LLM extractor); it is only ever passed when the reviewer asked for it.
    `converter` converts .doc / .wps / .et for a whole run (one is made per file otherwise).
    """
    outcomes: list[Imported | NotAForm] = []
    for outcome in read_document(Path(path), fallback, converter):
        if isinstance(outcome, NotAForm):
            outcomes.append(outcome)
            continue
        try:
            outcomes.append(finish(outcome))
        except NotAForm as error:
            outcomes.append(error)
    return outcomes


def _document(name: str) -> str | None:
    """What a folder walk does with a file: take a supported document, pass over (and list) other
    files; Office's lock files (~$表.docx) and form.json files (what an import writes, maybe beside
    its input) go unmentioned."""
    if name.startswith("~$") or name.lower().endswith(".json"):
        return None
    return "take" if Path(name).suffix.lower() in SUPPORTED else "pass"


def files_below(folder: Path) -> Walk:
    """The files `review import` reads below a folder (`taken`), the files it passes over
    (`passed`), both sorted, and the entries it could not read (`skipped`: a folder without
    permission, a broken or circular link, a pipe). Hidden files and folders are left out."""
    return walk(folder, _document, hidden=False)
