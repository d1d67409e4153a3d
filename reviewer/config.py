"""Thresholds and settings a reviewer can change with a `--config` TOML file.

```toml
[thresholds]
cost_deviation = 0.10        # EXPLANATION_MISSING: cost B vs A, either way

[signoff]                    # the 复核 a bureau sends (signoff/)
bureau = "某市财政局"          # 落款 of the 复核意见
reviewer = "张三"             # 复核人 (--reviewer wins)
deadline_days = 15           # 整改期限: days after the document's date
timezone = "Asia/Shanghai"   # times in the workbooks
deviation_flag_points = 5    # flag a form when |自评 − 复核| reaches this many points
rulebook = "复核口径.toml"     # the bureau's rulebook, relative to this file (default: the one shipped)

[signoff.grades]             # lower bounds (inclusive) of the grades; below 中 is 差 (TOML: quote the keys)
"优" = 90
"良" = 80
"中" = 60
```

Unknown keys are refused, like unknown form keys: a typo must not silently
leave a default in force.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError


@dataclass(frozen=True)
class Thresholds:
    # EXPLANATION_MISSING: a cost indicator's B differs from A by more than this, either way.
    cost_deviation: Decimal = Decimal("0.10")
    # EXPLANATION_MISSING: B >= this × A on a more-is-better indicator.
    over_target_ratio: Decimal = Decimal("1.3")
    # OVERACHIEVED: B >= this × A at full marks.
    overachieved_ratio: Decimal = Decimal("1.2")
    # COST_COUNT_DIVERGENCE: count unchanged while cost moved by more than this.
    cost_move: Decimal = Decimal("0.05")
    # COST_COUNT_DIVERGENCE: cost per unit moved by more than this.
    unit_cost_move: Decimal = Decimal("0.10")
    # EXPLANATION_MISSING (form level): 执行率 below this percentage needs a reason.
    execution_rate_floor: Decimal = Decimal("90")
    # EXPLANATION_REUSED: the same explanation on this many indicators or more.
    reuse_count: int = 3
    # QUALITATIVE_SHARE: qualitative rows carry more than this share of 产出 + 效益 points.
    qualitative_share: Decimal = Decimal("0.5")
    # PAYMENT_RATE_CONFLICT: a payout row at 100% while 执行率 is below 100% by more than this many points.
    payment_rate_gap: Decimal = Decimal("5")
    # Scores and money compared within this (score ±0.01, 万元 ±0.01).
    score_tolerance: Decimal = Decimal("0.01")
    money_tolerance: Decimal = Decimal("0.01")
    # WEIGHT_SCHEME: the expected first-level split.
    scheme_output: Decimal = Decimal("50")
    scheme_benefit: Decimal = Decimal("30")
    scheme_satisfaction: Decimal = Decimal("10")
    scheme_execution: Decimal = Decimal("10")


GRADE_NAMES = ("优", "良", "中")  # and 差 below the last bound
# China keeps no daylight saving: without a time-zone database (Windows without tzdata) these are UTC+8.
_CHINA_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC", "Asia/Beijing"}
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$")


def time_zone(name: str) -> tzinfo:
    """An IANA zone name (Asia/Shanghai) or a fixed offset (+08:00); ValueError when neither."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    if name in _CHINA_ZONES:
        return timezone(timedelta(hours=8), name)
    match = _OFFSET.match(name.strip())
    if not match:
        raise ValueError(name)
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(-offset if sign == "-" else offset, name)


@dataclass(frozen=True)
class SignoffSettings:
    """How the 复核 documents are signed and scored (the [signoff] section)."""

    bureau: str = ""  # 落款: the finance bureau's name
    reviewer: str = ""  # 复核人, unless --reviewer is given
    contact: str = ""  # 联系电话 printed beside the reviewer, if any
    basis: str = "根据预算绩效管理工作安排"  # the opening's 依据
    deadline_days: int = 15
    timezone: str = "Asia/Shanghai"
    deviation_flag_points: Decimal = Decimal("5")
    grades: tuple[tuple[str, Decimal], ...] = (("优", Decimal(90)), ("良", Decimal(80)), ("中", Decimal(60)))
    rulebook: str | None = None  # path, already resolved against the config file's folder

    @property
    def tz(self) -> tzinfo:
        return time_zone(self.timezone)


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Judge settings, read by the judge module: model name -> price per 1M tokens.
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    judge: dict[str, Any] = field(default_factory=dict)
    signoff: SignoffSettings = field(default_factory=SignoffSettings)


def _coerce(name: str, default: Any, value: Any, source: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{source}: thresholds.{name} 应为数值，而不是 {value!r}")
    if isinstance(default, int):
        if int(value) != value or value < 1:
            raise ConfigError(f"{source}: thresholds.{name} 应为正整数")
        return int(value)
    if value < 0:
        raise ConfigError(f"{source}: thresholds.{name} 不能为负数")
    return Decimal(str(value))


def read_toml(path: str | Path, what: str = "配置文件") -> dict[str, Any]:
    """A TOML file's content; ConfigError naming the file when it is missing or not TOML."""
    import tomllib  # here: a run without --config never reads TOML (~3 ms of a start-up, compiling its patterns)

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what}不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: 不是有效的 TOML（{exc}）") from None


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    source = str(path)
    data = read_toml(path)
    unknown_sections = set(data) - {"thresholds", "prices", "judge", "signoff"}
    if unknown_sections:
        raise ConfigError(f"{source}: 未知配置节 {', '.join(sorted(unknown_sections))}")
    defaults = Thresholds()
    known = {f.name: getattr(defaults, f.name) for f in fields(Thresholds)}
    given = data.get("thresholds", {})
    unknown = set(given) - set(known)
    if unknown:
        raise ConfigError(f"{source}: 未知阈值 {', '.join(sorted(unknown))}（可用：{', '.join(known)}）")
    values = {k: _coerce(k, known[k], v, source) for k, v in given.items()}
    # Like a printed rate, a floor of 0.9 means 90%: read as percent it would switch the check off.
    if "execution_rate_floor" in values and values["execution_rate_floor"] <= 1:
        values["execution_rate_floor"] *= 100
    thresholds = replace(defaults, **values)
    signoff = _signoff(data.get("signoff", {}), source, Path(path).parent)
    return Config(thresholds=thresholds, prices=data.get("prices", {}), judge=data.get("judge", {}), signoff=signoff)


def _signoff(given: Any, source: str, folder: Path) -> SignoffSettings:
    if not isinstance(given, dict):
        raise ConfigError(f"{source}: signoff 应为一节（[signoff]）")
    known = {f.name for f in fields(SignoffSettings)}
    unknown = set(given) - known
    if unknown:
        raise ConfigError(f"{source}: 未知设置 signoff.{', signoff.'.join(sorted(unknown))}（可用：{', '.join(sorted(known))}）")
    values: dict[str, Any] = {}
    for name in ("bureau", "reviewer", "contact", "basis", "timezone", "rulebook"):
        if name in given:
            if not isinstance(given[name], str):
                raise ConfigError(f"{source}: signoff.{name} 应为文字")
            values[name] = given[name].strip()
    if "timezone" in values:
        try:
            time_zone(values["timezone"])
        except ValueError:
            raise ConfigError(f"{source}: signoff.timezone 无法识别“{values['timezone']}”（例如 Asia/Shanghai 或 +08:00）") from None
    if values.get("rulebook"):
        values["rulebook"] = str((folder / values["rulebook"]).resolve())
    if "deadline_days" in given:
        days = given["deadline_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
            raise ConfigError(f"{source}: signoff.deadline_days 应为 1 到 365 之间的整数")
        values["deadline_days"] = days
    if "deviation_flag_points" in given:
        values["deviation_flag_points"] = _number(given["deviation_flag_points"], "signoff.deviation_flag_points", source)
    if "grades" in given:
        values["grades"] = _grades(given["grades"], source)
    return SignoffSettings(**values)


def _number(value: Any, name: str, source: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{source}: {name} 应为数值，而不是 {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f"{source}: {name} 应为数值") from None
    if number < 0 or number > 100:
        raise ConfigError(f"{source}: {name} 应在 0 到 100 之间")
    return number


def _grades(given: Any, source: str) -> tuple[tuple[str, Decimal], ...]:
    if not isinstance(given, dict) or set(given) != set(GRADE_NAMES):
        raise ConfigError(f"{source}: signoff.grades 应给出 优、良、中 三档的分数下限（低于“中”为“差”）")
    bounds = tuple((name, _number(given[name], f"signoff.grades.{name}", source)) for name in GRADE_NAMES)
    if not bounds[0][1] > bounds[1][1] > bounds[2][1]:
        raise ConfigError(f"{source}: signoff.grades 的下限应依次降低（优 > 良 > 中）")
    return bounds
