"""Import forms as reviewers receive them (PDF text, PDF, Excel, multi-form documents) into form.json.

`import_document` reads one file into one or more `Imported` forms (or
`NotAForm` outcomes for the parts it cannot read). Every imported form
carries an `x-import` mark: the method that read it, a confidence, and the
figures that did not reconcile.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..form import Form, FormError, decode_bytes, form_from_data
from .cells import Extracted, NotAForm
from .reconcile import mark
from .split import split_text
from .text_layout import parse_text

__all__ = ["Imported", "NotAForm", "import_document", "finish"]

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


def _sniff(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if head.startswith(_IMAGE_MAGIC) or suffix in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"):
        return "image"
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return "text"


def read_document(path: Path, fallback: Fallback | None = None) -> list[Extracted | NotAForm]:
    """The forms extracted from one file, before reconciliation."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except FileNotFoundError:
        raise NotAForm(source, "文件不存在") from None
    except IsADirectoryError:
        raise NotAForm(source, "是目录，不是文件") from None
    except OSError as exc:
        raise NotAForm(source, f"无法读取：{exc.strerror}") from None
    kind = _sniff(path, head)
    if kind == "image":
        raise NotAForm(source, "是图片文件，需要先进行 OCR 文字识别，再导入识别出的文字")
    if kind == "xls":
        raise NotAForm(source, "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 后导入")
    if kind == "zip":
        raise NotAForm(source, "不支持的文件类型（可导入 PDF、.xlsx 或从 PDF 复制出的文字）")
    if kind == "pdf":
        from .pdf import read_pdf, pdf_text

        outcomes = read_pdf(path, source)
        if fallback and all(isinstance(o, NotAForm) for o in outcomes):
            return [_try_fallback(pdf_text(path), source, outcomes[0], fallback)]
        return outcomes
    if kind == "xlsx":
        from .xlsx import read_xlsx

        return read_xlsx(path, source)
    data = path.read_bytes()
    if not data.strip():
        raise NotAForm(source, "文件为空")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise NotAForm(source, "无法识别的文件类型（可导入 PDF、.xlsx 或从 PDF 复制出的文字）")
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError:
        raise NotAForm(source, "无法识别的文件编码（支持 UTF-8、GBK/GB18030）") from None
    if path.suffix.lower() == ".json" and text.lstrip().startswith("{"):
        raise NotAForm(source, "已经是 form.json，可直接用 review 审核")
    return _read_text(text, source, fallback)


def import_document(path: str | Path, fallback: Fallback | None = None) -> list[Imported | NotAForm]:
    """Every form in one file, reconciled and validated; the parts that are no form as NotAForm.

    Raises NotAForm when the file as a whole cannot be read (missing, an
    image, an empty sheet...). `fallback` reads what the parser cannot (the
    LLM extractor); it is only ever passed when the reviewer asked for it.
    """
    outcomes: list[Imported | NotAForm] = []
    for outcome in read_document(Path(path), fallback):
        if isinstance(outcome, NotAForm):
            outcomes.append(outcome)
            continue
        try:
            outcomes.append(finish(outcome))
        except NotAForm as error:
            outcomes.append(error)
    return outcomes
