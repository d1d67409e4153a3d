"""The form as validated models: form.json keys in English or by their form labels (docs/form-format.md).

Every key may be given in English or by its Chinese form label; keys that
start with `x-` are kept and ignored; anything else unknown is refused, so a
typo never drops data silently. Errors name the file and the JSON path.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from pydantic_core import core_schema

from .limits import FIRST_YEAR, LAST_YEAR, MAX_CELL_CHARS, MAX_INDICATORS, MAX_MAGNITUDE, MIN_MAGNITUDE
from .values import (
    SHORTEST_BEYOND, OutOfRange, Rate, UnreadableValue, as_printed, nfkc, parse_amount, parse_rate, printed_problem,
    to_simplified,
)


class _NonFinite:
    """What the JSON literals NaN / Infinity read as: refused wherever they stand."""

    def __init__(self, literal: str):
        self.literal = literal

    def __str__(self) -> str:
        return self.literal

    def refusal(self, what: str = "数值") -> UnreadableValue:
        return UnreadableValue(f'无法识别的{what} "{self}"')


class _TooManyDigits(_NonFinite):
    """A JSON integer longer than Python reads (4,300 digits): kept as a mark so the refusal
    names its JSON path."""

    def refusal(self, what: str = "数值") -> UnreadableValue:
        return OutOfRange(f"数值位数过多（{len(self.literal.lstrip('-'))} 位），不是可读的金额或分值")


_MAX_INT = int(MAX_MAGNITUDE)


_BLANK_CELLS = ("", "-", "—", "－", "/", "／")


def is_blank_cell(raw: Any) -> bool:
    """null, or a cell printed empty or with a dash: nothing was filled in."""
    return raw is None or (isinstance(raw, str) and raw.strip() in _BLANK_CELLS)


def _amount(raw: Any) -> Decimal:
    # Fast path for what most files hold: plain non-negative JSON numbers.
    kind = type(raw)
    if kind is int and 0 <= raw < _MAX_INT:
        return Decimal(raw)
    if kind is Decimal and raw.is_finite() and (not raw or MIN_MAGNITUDE <= raw < MAX_MAGNITUDE):
        return raw
    if isinstance(raw, _NonFinite):
        raise raw.refusal()
    if is_blank_cell(raw):
        # A blank cell is not an unreadable number: say what is missing.
        raise UnreadableValue("未填写（空白），此处须填写数值")
    return parse_amount(raw)


def _optional_amount(raw: Any) -> Decimal | None:
    """A cell that may be blank (docs/form-format.md 1.1): null or a dash is None."""
    if type(raw) is Decimal and raw.is_finite() and (not raw or MIN_MAGNITUDE <= raw < MAX_MAGNITUDE):
        return raw  # _amount's own fast path, without its call: 30 a form
    if raw is None or (isinstance(raw, str) and raw.strip() in _BLANK_CELLS):  # is_blank_cell, inlined
        return None
    return _amount(raw)


def _text_or_blank(raw: Any) -> Any:
    """A header text that may be blank: null reads as "" (HEADER_BLANK reports it)."""
    return "" if raw is None else raw


def _rate(raw: Any) -> Rate | None:
    if is_blank_cell(raw):
        return None
    if isinstance(raw, _NonFinite):
        raise raw.refusal("执行率")
    try:
        return parse_rate(raw)
    except OutOfRange:
        raise
    except UnreadableValue:
        raise UnreadableValue(f'无法识别的执行率 "{as_printed(raw)}"') from None


def _printed(raw: Any) -> str | Decimal:
    """A target or actual: text as printed, or a JSON number."""
    if type(raw) is str:
        if len(raw) < SHORTEST_BEYOND:  # printed_problem's own first test, without its call: most cells
            return raw
        problem = printed_problem(raw)
        if problem is not None:
            raise OutOfRange(problem)
        return raw
    if raw is None:
        return ""
    if isinstance(raw, _NonFinite):
        raise raw.refusal()
    if isinstance(raw, bool):
        raise UnreadableValue(f'无法识别的数值 "{str(raw).lower()}"')
    if isinstance(raw, (int, float, Decimal)):
        return parse_amount(raw, allow_negative=True)
    if isinstance(raw, str):  # a str subclass
        return _printed(str(raw))
    raise UnreadableValue("应为文本或数值")


def _bounded_indicators(raw: Any) -> Any:
    # Refused before a single row is validated: the work stays bounded.
    if isinstance(raw, list) and len(raw) > MAX_INDICATORS:
        raise OutOfRange(f"共 {len(raw):,} 个指标，超过上限 {MAX_INDICATORS:,} 个"
                         "（一张自评表没有这么多指标；是否把多张表合成了一个文件？）")
    return raw


class _Reads:
    """A field read by one function alone: what it returns is the field's value, with no check of pydantic's
    after it (_amount returns only finite Decimals in range, which pydantic's decimal check would call back
    into Python to confirm, an is_finite() per amount). Written to JSON as the value's own type is (a Decimal
    as its digits, None as null), exactly as a decimal field is: form ids stay the same."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return core_schema.no_info_plain_validator_function(self.function)


# Every text cell: bounded (limits.MAX_CELL_CHARS), checked in pydantic's core.
Text = Annotated[str, StringConstraints(max_length=MAX_CELL_CHARS)]
Amount = Annotated[Decimal, _Reads(_amount)]
OptionalAmount = Annotated[Decimal | None, _Reads(_optional_amount)]
Printed = Annotated[str | Decimal, BeforeValidator(_printed)]
BlankableText = Annotated[Text, BeforeValidator(_text_or_blank)]


def _alias(name: str, *labels: str) -> Any:
    return Field(validation_alias=AliasChoices(name, *labels))


def _fold_key(key: str) -> str:
    if key.isascii():
        return key
    folded = to_simplified(nfkc(key))
    return "".join(folded.split())


_ENGLISH_KEYS: dict[type, frozenset[str]] = {}  # each part's English field names (_FormPart._english_keys)


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
        keys = _ENGLISH_KEYS.get(cls)  # (a dict of the five classes: cheaper than reading a class's __dict__)
        if keys is None:
            keys = _ENGLISH_KEYS[cls] = cls._english_keys()
        if keys.issuperset(data):
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
    # A blank unit cell is the default, 万元 (form-format: "default 万元").
    unit: Annotated[Literal["万元", "元"], BeforeValidator(lambda raw: "万元" if is_blank_cell(raw) else raw)] = Field(
        default="万元", validation_alias=AliasChoices("unit", "单位", "金额单位"))
    total: FundsRow = _alias("total", "年度资金总额", "资金总额", "总额")
    fiscal: FundsRow | None = Field(default=None, validation_alias=AliasChoices(
        "fiscal", "当年财政拨款", "其中:当年财政拨款", "本年财政拨款", "财政资金"))
    carryover: FundsRow | None = Field(default=None, validation_alias=AliasChoices("carryover", "上年结转资金"))
    other: FundsRow | None = Field(default=None, validation_alias=AliasChoices("other", "其他资金"))
    weight: Amount = _alias("weight", "分值", "权重")
    execution_rate: Annotated[Rate | None, BeforeValidator(_rate)] = Field(
        default=None, validation_alias=AliasChoices("execution_rate", "执行率", "预算执行率"))
    score: OptionalAmount = _alias("score", "得分")
    explanation: Text | None = Field(default=None, validation_alias=AliasChoices(
        "explanation", "原因", "偏差原因", "执行率偏差原因"))

    def rows(self) -> dict[str, FundsRow | None]:
        return {"total": self.total, "fiscal": self.fiscal, "carryover": self.carryover, "other": self.other}


class Goal(_FormPart):
    planned: BlankableText = Field(default="", validation_alias=AliasChoices("planned", "预期目标"))
    actual: BlankableText = Field(default="", validation_alias=AliasChoices("actual", "实际完成情况"))


_DIRECTIONS = {
    "higher": "higher", "正向": "higher", "lower": "lower", "反向": "lower",
    "qualitative": "qualitative", "定性": "qualitative", "equal": "equal", "等于": "equal",
    "date": "date", "时间": "date",
}


class Indicator(_FormPart):
    level1: Text = _alias("level1", "一级指标")
    level2: Text = _alias("level2", "二级指标")
    name: Text = _alias("name", "三级指标", "指标名称")
    target: Printed = _alias("target", "年度指标值", "指标值", "年度目标值")
    actual: Printed = _alias("actual", "实际完成值", "完成值", "全年实际值")
    weight: Amount = _alias("weight", "分值", "权重")
    score: OptionalAmount = _alias("score", "得分")
    explanation: Text | None = Field(
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
    name: Text = _alias("name", "项目名称")
    year: int = _alias("year", "年度", "预算年度")
    department: BlankableText = _alias("department", "主管部门")
    unit: BlankableText = _alias("unit", "实施单位")
    lead: Text | None = Field(default=None, validation_alias=AliasChoices("lead", "项目负责人"))
    phone: Text | None = Field(default=None, validation_alias=AliasChoices("phone", "联系电话"))
    funds: Funds = _alias("funds", "项目资金", "项目资金(万元)", "项目资金(元)")
    goal: Goal = _alias("goal", "年度总体目标")
    indicators: Annotated[list[Indicator], BeforeValidator(_bounded_indicators)] = _alias("indicators", "绩效指标")
    total_score: OptionalAmount = _alias("total_score", "总分")

    @field_validator("year", mode="before")
    @classmethod
    def _integer_year(cls, value: Any) -> int:
        # The contract wants a JSON integer; "2021年" is how the form prints it, not a year we read.
        if isinstance(value, int) and not isinstance(value, bool) or (
                isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value()):
            if not FIRST_YEAR <= value <= LAST_YEAR:  # also keeps 2**63 out of SQLite's INTEGER
                raise OutOfRange(f"年度 {as_printed(value)} 超出可用范围（{FIRST_YEAR}–{LAST_YEAR}）")
            return int(value)
        if isinstance(value, _NonFinite):
            raise value.refusal("年度")
        if value is None:
            raise UnreadableValue("年度未填写（应为整数，例如 2021）")
        raise UnreadableValue(f'年度应为整数，例如 2021（而不是 {json.dumps(as_printed(value) if not isinstance(value, (bool, type(None))) else value, ensure_ascii=False)}）')

    @field_validator("phone", mode="before")
    @classmethod
    def _phone_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else value

    def canonical_json(self) -> str:
        """English keys in model order, values as printed, `x-` keys left out:
        the same form gives the same text whatever encoding or key language it came in."""
        return self.canonical_bytes().decode()

    def canonical_bytes(self) -> bytes:
        """canonical_json as UTF-8, as the serializer writes it (model_dump_json decodes these bytes): the
        form's id hashes them, and the store compresses them, with no str in between."""
        return self.__pydantic_serializer__.to_json(self)

    @property
    def form_id(self) -> str:
        return form_id_of(self.canonical_bytes())


def form_id_of(canonical_json: str | bytes) -> str:
    """A form's id: the hash of its canonical JSON (Form.canonical_json, or its UTF-8 bytes)."""
    data = canonical_json.encode() if isinstance(canonical_json, str) else canonical_json
    return hashlib.sha256(data).hexdigest()
