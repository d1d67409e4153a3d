"""Thresholds and settings a reviewer can change with a `--config` TOML file.

```toml
[thresholds]
cost_deviation = 0.10        # EXPLANATION_MISSING: cost B vs A, either way
```

Unknown keys are refused, like unknown form keys: a typo must not silently
leave a default in force.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

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


@dataclass(frozen=True)
class Config:
    thresholds: Thresholds = field(default_factory=Thresholds)
    # Judge settings, read by the judge module: model name -> price per 1M tokens.
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    judge: dict[str, Any] = field(default_factory=dict)


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


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    source = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{source}: 配置文件不存在") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: 不是有效的 TOML（{exc}）") from None
    unknown_sections = set(data) - {"thresholds", "prices", "judge"}
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
    return Config(thresholds=thresholds, prices=data.get("prices", {}), judge=data.get("judge", {}))
