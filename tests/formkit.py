"""Small valid forms for tests: a clean base that raises no finding, and edits."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from reviewer.config import Config
from reviewer.engine import Review, review_form
from reviewer.form import form_from_data

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "zgc-2021.json"  # the seed form (docs/findings.md)
SEED_TEXT = ROOT / "tests" / "fixtures" / "import" / "zgc-2021.txt"  # the seed form as PDF text
EVAL_SETS = ROOT / "eval_sets"


def indicator(level1: str, level2: str, name: str, target: Any, actual: Any, weight: Any, score: Any, **extra: Any) -> dict:
    row = {"level1": level1, "level2": level2, "name": name, "target": target, "actual": actual,
           "weight": weight, "score": score}
    row.update(extra)
    return row


_CLEAN = {
    "name": "2023年职业技能培训项目",
    "year": 2023,
    "department": "某市人力资源和社会保障局",
    "unit": "某市职业技能培训中心",
    "funds": {
        "unit": "万元",
        "total": {"initial_budget": "1,000.00", "annual_budget": "1,000.00", "executed": "950.00"},
        "fiscal": {"initial_budget": "1,000.00", "annual_budget": "1,000.00", "executed": "950.00"},
        "carryover": None,
        "other": None,
        "weight": 10,
        "execution_rate": "95.00%",
        "score": 9.5,
    },
    "goal": {"planned": "全年培训500人次，合格率不低于90%。", "actual": "全年培训520人次，合格率95%。"},
    "indicators": [
        indicator("产出指标", "数量指标", "培训人次", "≥500人次", "520人次", 20, 20),
        indicator("产出指标", "质量指标", "培训合格率", "≥90%", "95%", 15, 15),
        indicator("产出指标", "时效指标", "培训完成时间", "2023年10月底前", "2023年9月完成", 5, 5),
        indicator("产出指标", "成本指标", "场地租赁费用", "≤100万元", "95万元", 10, 10),
        indicator("效益指标", "社会效益指标", "受益群众人数", "≥2000人", "2100人", 15, 15),
        indicator("效益指标", "经济效益指标", "带动就业人数", "≥100人", "110人", 15, 15),
        indicator("满意度指标", "服务对象满意度指标", "参训人员满意度", "≥90%", "96%", 10, 10),
    ],
    "total_score": 99.5,
}


def put(value: Any, *path: Any):  # noqa: ANN201 - an edit for edited forms
    """An edit setting the value at a path of keys and indices: put("十", "indicators", 3, "weight")."""
    def edit(data: dict) -> None:
        node = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def clean_form() -> dict:
    return copy.deepcopy(_CLEAN)


def seed_form() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))


def review_data(data: dict, config: Config | None = None) -> Review:
    return review_form(form_from_data(data, "test.json"), "test.json", config or Config())


def codes(data: dict, config: Config | None = None) -> set[tuple[str, tuple[int, ...]]]:
    return {(f.code, f.indicators) for f in review_data(data, config).findings}


def code_names(data: dict, config: Config | None = None) -> set[str]:
    return {code for code, _ in codes(data, config)}
