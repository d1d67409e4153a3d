"""Read a form.json file: bytes in any encoding units use, JSON with duplicate keys and lone
surrogates refused, then the models of model.py. Every refusal is a FormError naming the file
and the JSON path (docs/form-format.md, "What is an error")."""

from __future__ import annotations

import codecs
import json
import os
import re
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import SchemaValidator

from ..errors import ReviewerError
from .files import open_regular, os_reason, shown_path
from .limits import MAX_CELL_CHARS, MAX_FORM_BYTES
from .model import Form, _FormPart, _NonFinite, _TooManyDigits
from .values import too_long


class FormError(ReviewerError):
    """A file that cannot be read as a form. str() is the reviewer's message."""

    def __init__(self, file: str, path: str, message: str):
        where = f"{path}: " if path else ""
        super().__init__(f"{file}: {where}{message}")
        # .message is the reason alone; str() names the file and the path too.
        self.file, self.path, self.message = file, path, message


_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知字段（拼写错误？自定义字段请以 x- 开头）",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "list_type": "应为数组",
    "literal_error": "取值不在允许范围内",
}


_BLANK_TYPES = ("string_type", "int_type", "dict_type", "model_type", "model_attributes_type", "list_type")


def _json_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part in ("function-before[_amount(), decimal]",) or "function-" in str(part):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


def _first_error(error: ValidationError) -> tuple[str, str]:
    details = error.errors(include_url=False)
    # Prefer the most specific error: a value problem over a union's type noise.
    details.sort(key=lambda d: (d["type"] != "value_error", -len(d["loc"])))
    detail = details[0]
    loc = tuple(p for p in detail["loc"] if not (isinstance(p, str) and ("[" in p or p in ("str", "decimal", "none"))))
    if detail["type"] == "value_error":
        message = str(detail["ctx"]["error"])
    elif detail["type"] == "literal_error":
        allowed = " / ".join(re.findall(r"'([^']*)'", detail["ctx"]["expected"]))
        message = f'{_MESSAGES["literal_error"]}："{detail["input"]}"（可用 {allowed}）'
    elif detail.get("input", 0) is None and detail["type"] in _BLANK_TYPES:
        message = "未填写（空白）"  # a blank cell, not a value of the wrong kind
    elif detail["type"] == "string_too_long":
        message = too_long(len(detail["input"]))
    else:
        message = _MESSAGES.get(detail["type"], detail["msg"])
    return _json_path(loc), message


def decode_bytes(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Chinese Windows)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


class _Pairs(dict):
    """A JSON object; `duplicate` names a key that was given twice."""

    duplicate: str | None = None


def _marked(pairs: list[tuple[str, Any]]) -> _Pairs:
    """A JSON object with a key given twice, marked with the first such key."""
    marked = _Pairs(pairs)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            marked.duplicate = key
            break
        seen.add(key)
    return marked


def _walk(node: Any, path: str = ""):  # noqa: ANN202 - a generator of (path, node)
    """Every node of parsed JSON with its path: indicators[3].weight."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def _find_duplicate(data: Any) -> tuple[str, str] | None:
    return next(((path, node.duplicate) for path, node in _walk(data)
                 if isinstance(node, _Pairs) and node.duplicate is not None), None)


def parse_json_text(text: str, file: str) -> Any:
    return _parse(text, file)[0]


def _parse(text: str, file: str) -> tuple[Any, bool]:
    """The parsed JSON, and whether every key of every object is plain: ASCII, no `x-` key and no key
    "extensions", so no key of it is a form label to fold or an extension to set aside (_plain_validator)."""
    has_duplicate = False
    objects: list[dict] = []
    keep = objects.append

    def hook(pairs: list[tuple[str, Any]]) -> dict:
        nonlocal has_duplicate
        # A plain dict, unless a key was given twice: pydantic validates a plain dict ~20% faster than a
        # subclass, and a form with a duplicate key is refused before it is validated.
        obj = dict(pairs)
        if len(obj) == len(pairs):
            keep(obj)  # its keys are read once all are parsed (_plain_keys): 0.1M instructions a form less
            return obj
        has_duplicate = True
        return _marked(pairs)

    try:
        data = json.loads(text, object_pairs_hook=hook, parse_float=Decimal, parse_constant=_NonFinite)
    except json.JSONDecodeError as exc:
        raise FormError(file, "", f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{_json_reason(exc.msg)}）") from None
    except RecursionError:
        raise FormError(file, "", "JSON 嵌套过深") from None
    except ValueError:
        # Python refuses integer literals of more than 4,300 digits. Read them again as marks, which
        # the form's validation refuses with their JSON path (rare: the common path pays nothing).
        has_duplicate = False
        objects.clear()
        data = json.loads(text, object_pairs_hook=hook, parse_float=Decimal, parse_constant=_NonFinite,
                          parse_int=_integer)
    if has_duplicate:
        path, key = _find_duplicate(data) or ("", "?")
        raise FormError(file, path, f'键 "{key}" 重复出现')
    # Only a \\uD800-\\uDFFF escape can make one; most files have none, so skip the walk.
    escaped = "\\u" in text and _SURROGATE_ESCAPE.search(text)
    broken = _find_lone_surrogate(data) if escaped else None
    if broken is not None:
        raise FormError(file, broken, "含有无效的 Unicode 字符（孤立的代理项 \\ud800–\\udfff）")
    return data, _plain_keys(objects)


def _plain_keys(objects: list[dict]) -> bool:
    """Whether every key of these objects is plain (_parse). All keys are joined into one text: an "x-" or an
    "extensions" made by two keys side by side only sends the form the general way."""
    keys = "".join(chain.from_iterable(objects))
    return keys.isascii() and "x-" not in keys and "extensions" not in keys


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_INT_DIGITS = 4300  # sys.get_int_max_str_digits() by default


def _integer(literal: str) -> int | _TooManyDigits:
    return int(literal) if len(literal.lstrip("-")) <= _INT_DIGITS else _TooManyDigits(literal)


def _find_lone_surrogate(data: Any) -> str | None:
    """A \\ud800 escape with no partner decodes to a str no file or database can hold."""
    for path, node in _walk(data):
        texts = [node] if isinstance(node, str) else list(node) if isinstance(node, dict) else []
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                return path or "$"
    return None


def _json_reason(msg: str) -> str:
    reasons = {
        "Expecting value": "缺少值或文件不完整",
        "Expecting ',' delimiter": "缺少逗号",
        "Expecting property name enclosed in double quotes": "键名须用双引号",
        "Extra data": "结尾有多余内容",
        "Unterminated string starting at": "字符串未结束",
        "Expecting ':' delimiter": "缺少冒号",
        "Invalid control character at": "含有非法控制字符",
    }
    return reasons.get(msg, msg)


def form_from_data(data: Any, file: str, plain: bool = False) -> Form:
    """The form the parsed JSON holds. `plain`: its keys are all plain (_parse) and its text no longer than a
    cell may be, so the validator without the steps that cannot change such a form is used (_plain_validator)."""
    if not isinstance(data, dict):
        raise FormError(file, "", "顶层应为 JSON 对象")
    try:
        validator = _plain_validator() if plain else None
        return validator.validate_python(data) if validator is not None else Form.model_validate(data)
    except ValidationError as exc:
        path, message = _first_error(exc)
        raise FormError(file, path, message) from None


_PLAIN: list[SchemaValidator | None] = []  # the plain validator, built on first use (a few ms, once per process)


def _plain_validator() -> SchemaValidator | None:
    """Form's validator without the two steps that cannot change a form whose keys are all plain and whose
    text holds at most MAX_CELL_CHARS characters: setting aside `x-` keys and folding form labels
    (_FormPart._set_aside_extensions returns such an object as it is), and the length bound of each text cell
    (no string in a text is longer than the text); and a field is looked up by its English name alone (no key of
    such a form is a form label). Everything else is Form's own schema, so the same input
    gives the same Form, or the same error at the same path. Saves ~0.18M instructions a form."""
    if not _PLAIN:
        schema = Form.__pydantic_core_schema__
        try:
            # _use_prebuilt=False: a nested model's own validator would otherwise be reused, steps and all.
            validator = SchemaValidator(_without_plain_steps(schema), schema["schema"]["config"], _use_prebuilt=False)
        except (TypeError, KeyError):  # an older pydantic-core (pyproject allows pydantic 2.6): Form's own, slower
            validator = None
        _PLAIN.append(validator)
    return _PLAIN[0]


_SET_ASIDE = _FormPart._set_aside_extensions.__func__  # type: ignore[attr-defined]


def _without_plain_steps(node: Any) -> Any:
    """A copy of a core schema without the extensions step, the texts' max_length and the form labels' aliases."""
    if isinstance(node, list):
        return [_without_plain_steps(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-before" and getattr(node["function"]["function"], "__func__", None) is _SET_ASIDE:
        return _without_plain_steps(node["schema"])
    copy = {key: _without_plain_steps(value) for key, value in node.items()}
    if copy.get("type") == "str":
        copy.pop("max_length", None)
    if copy.get("type") == "model-field" and "validation_alias" in copy:
        # A plain form's keys are ASCII: its fields are looked up by their English names alone, not also by
        # each form label in turn (an absent field tried them all, and every key was matched against them).
        copy["validation_alias"] = [path for path in copy["validation_alias"]
                                    if all(not isinstance(part, str) or part.isascii() for part in path)]
    return copy


def read_form_bytes(data: bytes, file: str) -> Form:
    if len(data) > MAX_FORM_BYTES:
        raise FormError(file, "", too_large(len(data)))
    if not data.strip():
        raise FormError(file, "", "文件为空")
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormError(file, "", "不是文本文件（含二进制内容）")
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError:
        raise FormError(file, "", "无法识别的文件编码（支持 UTF-8、GBK/GB18030）") from None
    data, plain = _parse(text, file)
    return form_from_data(data, file, plain and len(text) <= MAX_CELL_CHARS)


def too_large(size: int) -> str:
    return (f"文件过大（{size / 2**20:,.1f} MB，上限 {MAX_FORM_BYTES // 2**20} MB），"
            "不是一张自评表；请检查是否选错了文件")


def read_form(path: str | Path) -> Form:
    """The form in one file. The file is named as it can be printed (shown_path); a pipe or a
    device is never opened for reading, and a file over the size limit is never read whole."""
    path = Path(path)
    file = shown_path(path)
    with open_regular(path, lambda reason: FormError(file, "", reason)) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FORM_BYTES:
            raise FormError(file, "", too_large(size))
        try:
            # As much as the file holds (a buffer of the limit would be allocated for every form),
            # and never more than the limit, should the file grow while it is read.
            data = handle.read(size + 1)
            if len(data) > size:
                data += handle.read(MAX_FORM_BYTES + 1 - len(data))
        except OSError as exc:
            raise FormError(file, "", f"无法读取：{os_reason(exc)}") from None
    return read_form_bytes(data, file)
