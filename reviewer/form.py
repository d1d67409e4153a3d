"""Read a form.json file into validated models (see shared/form-format.md).

Every key may be given in English or by its Chinese form label; keys that
start with `x-` are kept and ignored; anything else unknown is refused, so a
typo never drops data silently. Errors name the file and the JSON path.
"""

from __future__ import annotations

import codecs
import re
import hashlib
import json
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .values import Rate, UnreadableValue, as_printed, parse_amount, parse_rate, to_simplified


class FormError(Exception):
    """A file that cannot be read as a form. str() is the reviewer's message."""

    def __init__(self, file: str, path: str, message: str):
        self.file, self.path, self.message = file, path, message
        where = f"{path}: " if path else ""
        super().__init__(f"{file}: {where}{message}")


class _NonFinite:
    """What the JSON literals NaN / Infinity read as: refused wherever they stand."""

    def __init__(self, literal: str):
        self.literal = literal

    def __str__(self) -> str:
        return self.literal


def _amount(raw: Any) -> Decimal:
    # Fast path for what most files hold: plain non-negative JSON numbers.
    kind = type(raw)
    if kind is int and 0 <= raw < 10**308:
        return Decimal(raw)
    if kind is Decimal and raw.is_finite() and raw >= 0 and (not raw or raw.adjusted() < 308):
        return raw
    if isinstance(raw, _NonFinite):
        raise UnreadableValue(f'无法识别的数值 "{raw}"')
    return parse_amount(raw)


def _optional_amount(raw: Any) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and raw.strip() in ("", "-", "—", "－", "/")):
        return None
    return _amount(raw)


def _rate(raw: Any) -> Rate | None:
    if isinstance(raw, _NonFinite):
        raise UnreadableValue(f'无法识别的执行率 "{raw}"')
    try:
        return parse_rate(raw)
    except UnreadableValue:
        raise UnreadableValue(f'无法识别的执行率 "{raw}"') from None


def _printed(raw: Any) -> str | Decimal:
    """A target or actual: text as printed, or a JSON number."""
    if type(raw) is str:
        return raw
    if raw is None:
        return ""
    if isinstance(raw, _NonFinite):
        raise UnreadableValue(f'无法识别的数值 "{raw}"')
    if isinstance(raw, bool):
        raise UnreadableValue(f'无法识别的数值 "{str(raw).lower()}"')
    if isinstance(raw, (int, float, Decimal)):
        return parse_amount(raw, allow_negative=True)
    if isinstance(raw, str):
        return raw
    raise UnreadableValue("应为文本或数值")


Amount = Annotated[Decimal, BeforeValidator(_amount)]
OptionalAmount = Annotated[Decimal | None, BeforeValidator(_optional_amount)]
Printed = Annotated[str | Decimal, BeforeValidator(_printed)]


def _alias(name: str, *labels: str) -> Any:
    return Field(validation_alias=AliasChoices(name, *labels))


def _fold_key(key: str) -> str:
    if key.isascii():
        return key
    folded = to_simplified(unicodedata.normalize("NFKC", key))
    return "".join(folded.split())


class _FormPart(BaseModel):
    """Unknown keys refused; `x-` keys set aside in `extensions`."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    extensions: dict[str, Any] = Field(default_factory=dict, exclude=True)

    @classmethod
    def _english_keys(cls) -> frozenset[str]:
        keys = cls.__dict__.get("_english_key_set")
        if keys is None:
            keys = frozenset(name for name in cls.model_fields if name != "extensions")
            setattr(cls, "_english_key_set", keys)
        return keys

    @classmethod
    def _field_of_label(cls, key: str) -> str | None:
        """The field a key names, whether given in English or by its form label."""
        labels = cls.__dict__.get("_label_fields")
        if labels is None:
            labels = {}
            for name, info in cls.model_fields.items():
                choices = getattr(info.validation_alias, "choices", None) or [name]
                for choice in choices:
                    labels[choice] = name
            setattr(cls, "_label_fields", labels)
        return labels.get(key)

    @model_validator(mode="before")
    @classmethod
    def _set_aside_extensions(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if data.keys() <= (cls.__dict__.get("_english_key_set") or cls._english_keys()):
            return data  # the common case: nothing to fold or set aside
        kept: dict[str, Any] = {}
        extensions: dict[str, Any] = {}
        given_fields: dict[str, str] = {}
        for key, value in data.items():
            if isinstance(key, str) and key.startswith("x-"):
                extensions[key] = value
            elif key == "extensions":
                kept["extensions (unknown)"] = value  # never let input fill our own field
            else:
                folded = _fold_key(key)
                field = cls._field_of_label(folded)
                if field is not None and field in given_fields:
                    raise UnreadableValue(f'"{key}" 与 "{given_fields[field]}" 是同一字段，重复给出')
                if field is not None:
                    given_fields[field] = key
                kept[folded] = value
        if extensions:
            kept["extensions"] = extensions
        return kept


class FundsRow(_FormPart):
    initial_budget: OptionalAmount = _alias("initial_budget", "年初预算数", "年初预算")
    annual_budget: OptionalAmount = _alias("annual_budget", "全年预算数", "调整后预算数", "全年预算")
    executed: OptionalAmount = _alias("executed", "全年执行数", "预算执行数", "全年执行")


class Funds(_FormPart):
    unit: Literal["万元", "元"] = Field(default="万元", validation_alias=AliasChoices("unit", "单位", "金额单位"))
    total: FundsRow = _alias("total", "年度资金总额", "资金总额", "总额")
    fiscal: FundsRow | None = Field(default=None, validation_alias=AliasChoices(
        "fiscal", "当年财政拨款", "其中:当年财政拨款", "本年财政拨款", "财政资金"))
    carryover: FundsRow | None = Field(default=None, validation_alias=AliasChoices("carryover", "上年结转资金"))
    other: FundsRow | None = Field(default=None, validation_alias=AliasChoices("other", "其他资金"))
    weight: Amount = _alias("weight", "分值", "权重")
    execution_rate: Annotated[Rate | None, BeforeValidator(_rate)] = Field(
        default=None, validation_alias=AliasChoices("execution_rate", "执行率", "预算执行率"))
    score: Amount = _alias("score", "得分")
    explanation: str | None = Field(default=None, validation_alias=AliasChoices(
        "explanation", "原因", "偏差原因", "执行率偏差原因"))

    def rows(self) -> dict[str, FundsRow | None]:
        return {"total": self.total, "fiscal": self.fiscal, "carryover": self.carryover, "other": self.other}


class Goal(_FormPart):
    planned: str = Field(default="", validation_alias=AliasChoices("planned", "预期目标"))
    actual: str = Field(default="", validation_alias=AliasChoices("actual", "实际完成情况"))


_DIRECTIONS = {
    "higher": "higher", "正向": "higher", "lower": "lower", "反向": "lower",
    "qualitative": "qualitative", "定性": "qualitative", "equal": "equal", "等于": "equal",
    "date": "date", "时间": "date",
}


class Indicator(_FormPart):
    level1: str = _alias("level1", "一级指标")
    level2: str = _alias("level2", "二级指标")
    name: str = _alias("name", "三级指标", "指标名称")
    target: Printed = _alias("target", "年度指标值", "指标值", "年度目标值")
    actual: Printed = _alias("actual", "实际完成值", "完成值", "全年实际值")
    weight: Amount = _alias("weight", "分值", "权重")
    score: Amount = _alias("score", "得分")
    explanation: str | None = Field(
        default=None,
        validation_alias=AliasChoices("explanation", "偏差原因分析及改进措施", "未完成原因分析", "偏差原因分析"),
    )
    direction: str | None = Field(default=None, validation_alias=AliasChoices("direction", "指标方向", "指标性质"))

    @field_validator("direction", mode="before")
    @classmethod
    def _known_direction(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip() not in _DIRECTIONS and value.strip() not in ("≥", "≤", "="):
            raise UnreadableValue(f'无法识别的指标方向 "{value}"（可用 higher / lower / qualitative）')
        value = value.strip()
        return {"≥": "higher", "≤": "lower", "=": "equal"}.get(value) or _DIRECTIONS[value]


class Form(_FormPart):
    name: str = _alias("name", "项目名称")
    year: int = _alias("year", "年度", "预算年度")
    department: str = _alias("department", "主管部门")
    unit: str = _alias("unit", "实施单位")
    lead: str | None = Field(default=None, validation_alias=AliasChoices("lead", "项目负责人"))
    phone: str | None = Field(default=None, validation_alias=AliasChoices("phone", "联系电话"))
    funds: Funds = _alias("funds", "项目资金", "项目资金(万元)", "项目资金(元)")
    goal: Goal = _alias("goal", "年度总体目标")
    indicators: list[Indicator] = _alias("indicators", "绩效指标")
    total_score: Amount = _alias("total_score", "总分")

    @field_validator("year", mode="before")
    @classmethod
    def _integer_year(cls, value: Any) -> int:
        # The contract wants a JSON integer; "2021年" is how the form prints it, not a year we read.
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        raise UnreadableValue(f'年度应为整数，例如 2021（而不是 {json.dumps(as_printed(value) if not isinstance(value, (bool, type(None))) else value, ensure_ascii=False)}）')

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value

    def canonical_json(self) -> str:
        """English keys in model order, values as printed, `x-` keys left out:
        the same form gives the same text whatever encoding or key language it came in."""
        return self.model_dump_json()

    @property
    def form_id(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


# --- reading files ---------------------------------------------------------

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


class _DuplicateKey(Exception):
    pass


class _Pairs(dict):
    """A JSON object; `duplicate` names a key that was given twice."""

    duplicate: str | None = None


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict:
    obj = _Pairs(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                obj.duplicate = key
                break
            seen.add(key)
    return obj


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
    has_duplicate = False

    def hook(pairs: list[tuple[str, Any]]) -> dict:
        nonlocal has_duplicate
        obj = _pairs_hook(pairs)
        has_duplicate = has_duplicate or obj.duplicate is not None
        return obj

    try:
        data = json.loads(text, object_pairs_hook=hook, parse_float=Decimal, parse_constant=_NonFinite)
    except json.JSONDecodeError as exc:
        raise FormError(file, "", f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列：{_json_reason(exc.msg)}）") from None
    except RecursionError:
        raise FormError(file, "", "JSON 嵌套过深") from None
    except ValueError:
        # Python refuses integer literals of more than 4,300 digits.
        raise FormError(file, "", "数值位数过多，不是可读的金额或分值") from None
    if has_duplicate:
        path, key = _find_duplicate(data) or ("", "?")
        raise FormError(file, path, f'键 "{key}" 重复出现')
    # Only a \\uD800-\\uDFFF escape can make one; most files have none, so skip the walk.
    escaped = "\\u" in text and _SURROGATE_ESCAPE.search(text)
    broken = _find_lone_surrogate(data) if escaped else None
    if broken is not None:
        raise FormError(file, broken, "含有无效的 Unicode 字符（孤立的代理项 \\ud800–\\udfff）")
    return data


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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


def form_from_data(data: Any, file: str) -> Form:
    if not isinstance(data, dict):
        raise FormError(file, "", "顶层应为 JSON 对象")
    try:
        return Form.model_validate(data)
    except ValidationError as exc:
        path, message = _first_error(exc)
        raise FormError(file, path, message) from None


def read_form_bytes(data: bytes, file: str) -> Form:
    if not data.strip():
        raise FormError(file, "", "文件为空")
    if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FormError(file, "", "不是文本文件（含二进制内容）")
    try:
        text = decode_bytes(data)
    except UnicodeDecodeError:
        raise FormError(file, "", "无法识别的文件编码（支持 UTF-8、GBK/GB18030）") from None
    return form_from_data(parse_json_text(text, file), file)


def read_form(path: str | Path) -> Form:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FormError(str(path), "", "文件不存在") from None
    except IsADirectoryError:
        raise FormError(str(path), "", "是目录，不是文件") from None
    except OSError as exc:
        raise FormError(str(path), "", f"无法读取：{exc.strerror}") from None
    return read_form_bytes(data, str(path))
