"""The rulebook (复核口径): named clauses that propose a reviewer's score, and the 反向 scoring variant.

A clause has a name, a description (quoted in the documents), a deduction and the finding codes that
propose it (docs/domain-rules.md §6: every deduction cites its clause, and the percentage stated
matches the deduction). The default rulebook ships as package data (rulebook.toml beside this file);
a bureau names its own in the [signoff] section of its --config file. Unknown keys, unknown codes,
a code named by two clauses and deductions out of range are refused with the file and key named.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from ..checks.catalogue import SEVERITY
from ..config import read_toml
from ..errors import ConfigError

# The codes docs/findings.md defines: the catalogue's.
DOCUMENTED_CODES = frozenset(SEVERITY)
KINDS = ("formula", "zero", "band", "full", "none")
REVERSE = {"ratio": "A/B×分值", "linear": "(1−(B−A)/A)×分值，B≥2A得0分"}
DEFAULT_NAME = "rulebook.toml"


@dataclass(frozen=True)
class Clause:
    id: str
    name: str
    description: str
    deduction: str | Decimal  # formula, zero, band, none, or a fraction of the weight
    codes: tuple[str, ...] = ()

    @property
    def deduction_text(self) -> str:
        """The deduction as a reviewer reads it."""
        if isinstance(self.deduction, Decimal):
            return f"扣减分值的{_percent(self.deduction)}"
        return {"formula": "按计分公式计分", "zero": "不得分", "band": "按完成档次边界计分", "full": "得满分",
                "none": "不扣分"}[self.deduction]

    @property
    def basis(self) -> str:
        """The clause and what it does, without saying the formula twice: 实际完成值照抄指标值（扣减分值的30%）."""
        return self.name if self.deduction == "formula" else f"{self.name}（{self.deduction_text}）"


@dataclass(frozen=True)
class Rulebook:
    name: str
    source: str  # the file, or "（默认）"
    reverse: str = "ratio"
    clauses: dict[str, Clause] = field(default_factory=dict)

    def clause(self, clause_id: str | None) -> Clause | None:
        return self.clauses.get(clause_id) if clause_id else None

    def for_code(self, code: str) -> Clause | None:
        return next((c for c in self.clauses.values() if code in c.codes), None)

    def with_deduction(self, kind: str) -> list[Clause]:
        return [c for c in self.clauses.values() if c.deduction == kind]

    def full_marks(self) -> Clause | None:
        """The clause a date met on time is scored by (full marks), if the rulebook has one."""
        return next(iter(self.with_deduction("full")), None)

    def require(self, clause_id: str) -> Clause:
        clause = self.clause(clause_id)
        if clause is None:
            raise ConfigError(f"复核口径中没有条款“{clause_id}”（可用：{'、'.join(self.clauses)}）")
        return clause


def _percent(fraction: Decimal) -> str:
    value = (fraction * 100).normalize()
    return f"{value:f}%"


def load_rulebook(path: str | Path | None = None) -> Rulebook:
    """The rulebook in a TOML file, or the default one shipped with the package."""
    if path is None:
        text = resources.files(__package__).joinpath(DEFAULT_NAME).read_text(encoding="utf-8")
        return parse_rulebook(tomllib.loads(text), "（默认）")
    return parse_rulebook(read_toml(path, "复核口径文件"), str(path))


def parse_rulebook(data: dict[str, Any], source: str) -> Rulebook:
    unknown = set(data) - {"name", "scoring", "clauses"}
    if unknown:
        raise ConfigError(f"{source}: 未知配置项 {', '.join(sorted(unknown))}（可用：name、scoring、clauses）")
    scoring = data.get("scoring", {})
    if not isinstance(scoring, dict) or set(scoring) - {"reverse"}:
        raise ConfigError(f"{source}: scoring 只能设置 reverse")
    reverse = scoring.get("reverse", "ratio")
    if reverse not in REVERSE:
        raise ConfigError(f"{source}: scoring.reverse 应为 ratio（A/B×分值）或 linear（(1−(B−A)/A)×分值）")
    clauses: dict[str, Clause] = {}
    owner: dict[str, str] = {}
    raw = data.get("clauses", {})
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(f"{source}: 没有条款（[clauses.条款编号]）")
    for clause_id, body in raw.items():
        clause = _clause(clause_id, body, source)
        for code in clause.codes:
            if code in owner:
                raise ConfigError(f"{source}: clauses.{clause_id}.codes: {code} 已由条款 {owner[code]} 提出")
            owner[code] = clause_id
        clauses[clause_id] = clause
    return Rulebook(str(data.get("name") or "复核口径"), source, reverse, clauses)


def _clause(clause_id: str, body: Any, source: str) -> Clause:
    where = f"{source}: clauses.{clause_id}"
    if not isinstance(body, dict):
        raise ConfigError(f"{where} 应为一节（[clauses.{clause_id}]）")
    unknown = set(body) - {"name", "description", "deduction", "codes"}
    if unknown:
        raise ConfigError(f"{where}: 未知配置项 {', '.join(sorted(unknown))}（可用：name、description、deduction、codes）")
    for key in ("name", "description", "deduction"):
        if key not in body:
            raise ConfigError(f"{where}.{key}: 缺少该项")
    if not isinstance(body["name"], str) or not isinstance(body["description"], str):
        raise ConfigError(f"{where}: name 和 description 应为文字")
    deduction = body["deduction"]
    if isinstance(deduction, bool) or not isinstance(deduction, (str, int, float)):
        raise ConfigError(f"{where}.deduction: 应为 formula、zero、band、full、none 或 0 到 1 之间的比例")
    if isinstance(deduction, str):
        if deduction not in KINDS:
            raise ConfigError(f"{where}.deduction: 未知的扣分方式“{deduction}”（可用：{'、'.join(KINDS)} 或比例）")
    else:
        deduction = Decimal(str(deduction))
        if not Decimal(0) < deduction <= Decimal(1):
            raise ConfigError(f"{where}.deduction: 扣减比例应大于 0、不超过 1（0.3 即扣减分值的30%）")
    codes = body.get("codes", [])
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise ConfigError(f"{where}.codes: 应为问题代码的列表")
    unknown_codes = [c for c in codes if c.upper() not in DOCUMENTED_CODES]
    if unknown_codes:
        raise ConfigError(f"{where}.codes: 未知的问题代码 {'、'.join(unknown_codes)}")
    return Clause(clause_id, body["name"].strip(), body["description"].strip(), deduction,
                  tuple(c.upper() for c in codes))


__all__ = ["Clause", "Rulebook", "load_rulebook", "parse_rulebook", "REVERSE",
           "DOCUMENTED_CODES"]
