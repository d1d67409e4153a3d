"""The catalogue: every finding code with its severity and title, the judge's verdicts and tags,
and the labels a reviewer reads for them; and the Finding itself.

Codes and severities are the stable contract of docs/findings.md: never renamed.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Sequence

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
SEVERITY_LABEL = {ERROR: "错误", WARNING: "警告", INFO: "提示"}

SEVERITY = {
    "FUNDS_SUM": ERROR,
    "FUNDS_OVER_BUDGET": WARNING,
    "EXECUTION_RATE": ERROR,
    "EXECUTION_SCORE": ERROR,
    "INDICATOR_SCORE": ERROR,
    "ROUNDING": INFO,
    "SCORE_BOUNDS": ERROR,
    "TOTAL_SCORE": ERROR,
    "WEIGHTS_TOTAL": ERROR,
    "WEIGHT_SCHEME": INFO,
    "COST_TOTAL": WARNING,
    "VALUE_TYPE": WARNING,
    "QUALITATIVE_BAND": WARNING,
    "EXPLANATION_MISSING": WARNING,
    "EXPLANATION_REUSED": WARNING,
    "EXPLANATION_NO_MEASURE": INFO,
    "COST_COUNT_DIVERGENCE": WARNING,
    "OVERACHIEVED": INFO,
    "ACTUAL_COPIES_TARGET": INFO,
    "QUALITATIVE_SHARE": INFO,
    "TOTAL_MISSING": WARNING,
    "SCORE_MISSING": WARNING,
    "VALUE_BLANK": WARNING,
    "HEADER_BLANK": INFO,
    "PAYMENT_RATE_CONFLICT": WARNING,
    "DATE_SCORE": WARNING,
    "EXPLANATION_VERDICT": INFO,  # warning for does_not_cover, set by the judge
}

# A short Chinese title per code, for tables and reports.
TITLE = {
    "FUNDS_SUM": "资金合计不符",
    "FUNDS_OVER_BUDGET": "执行数超预算",
    "EXECUTION_RATE": "执行率计算有误",
    "EXECUTION_SCORE": "执行率得分有误",
    "INDICATOR_SCORE": "指标得分有误",
    "ROUNDING": "得分舍入不当",
    "SCORE_BOUNDS": "得分超出分值范围",
    "TOTAL_SCORE": "总分合计有误",
    "WEIGHTS_TOTAL": "分值合计不为100",
    "WEIGHT_SCHEME": "一级指标权重与标准不同",
    "COST_TOTAL": "成本指标与资金不符",
    "VALUE_TYPE": "指标值与实际值不可比",
    "QUALITATIVE_BAND": "定性指标得分与完成档次不符",
    "EXPLANATION_MISSING": "缺少偏差原因说明",
    "EXPLANATION_REUSED": "偏差说明重复套用",
    "EXPLANATION_NO_MEASURE": "未提出改进措施",
    "COST_COUNT_DIVERGENCE": "成本与数量变动不一致",
    "OVERACHIEVED": "超额完成且得满分",
    "ACTUAL_COPIES_TARGET": "实际完成值照抄指标值",
    "QUALITATIVE_SHARE": "定性指标占比过高",
    "TOTAL_MISSING": "总分未填写",
    "SCORE_MISSING": "得分未填写",
    "VALUE_BLANK": "指标值或实际值未填写",
    "HEADER_BLANK": "表头信息未填写",
    "PAYMENT_RATE_CONFLICT": "资金支付指标与执行率矛盾",
    "DATE_SCORE": "时效指标得分与完成时间不符",
    "EXPLANATION_VERDICT": "偏差说明评判",
}
# A code raised on the 预算执行率 (no indicator) where the code's own title would mislead:
# the execution rate's ROUNDING is a rate slip, not a score rounded wrongly.
FORM_LEVEL_TITLE = {
    "ROUNDING": "执行率舍入不当",
    "SCORE_MISSING": "预算执行率得分未填写",
}


def title_of(code: str, indicators: Sequence[int] = ()) -> str:
    """The title a reviewer reads for a finding: by its code, and for a form-level finding
    (no indicators) the form-level title where the code has one. Works on stored critiques too."""
    if not indicators:
        return FORM_LEVEL_TITLE.get(code) or TITLE.get(code, "")
    return TITLE.get(code, "")


# The judge's vocabulary (docs/findings.md, "Judgement of explanations").
VERDICTS = ("covers", "partial", "does_not_cover")
VERDICT_LABEL = {"covers": "说明充分", "partial": "部分说明", "does_not_cover": "未能说明偏差"}
TAGS = ("generic", "contradicts_data", "no_cause", "no_quantity", "no_measure", "irrelevant", "unreadable", "injection")
TAG_LABEL = {
    "generic": "套话", "contradicts_data": "与数据矛盾", "no_cause": "无具体原因", "no_quantity": "未量化",
    "no_measure": "无改进措施", "irrelevant": "与偏差无关", "unreadable": "文字无法辨认", "injection": "含指令性文字",
    "unverified_quote": "引文与表单不符", "llm_error": "模型评判失败",
}
# How an indicator is scored (docs/form-format.md), as a column of the scorecard shows it.
DIRECTION_LABEL = {"higher": "正向", "lower": "反向", "equal": "等于", "date": "时间", "qualitative": "定性"}
# The same, as a message names the kind of indicator: 按正向指标公式…
INDICATOR_KIND = {"higher": "正向指标", "lower": "反向指标", "equal": "等于型指标", "date": "时间指标",
                  "qualitative": "定性指标"}
# Who raised a finding.
SOURCE_LABEL = {"rules": "规则检查", "judge:rules": "规则评判", "judge:llm": "模型评判"}


def source_label(source: str, model: str | None = None) -> str:
    """Who raised a critique, as the reviewer reads it: 规则检查, 规则评判 or 模型评判（model）."""
    label = SOURCE_LABEL.get(source, source)
    return f"{label}（{model}）" if model and source == "judge:llm" else label


@dataclass
class Finding:
    code: str
    indicators: tuple[int, ...]
    message: str
    comment: str
    severity: str = ""
    source: str = "rules"
    verdict: str | None = None
    tags: tuple[str, ...] = ()
    # Figures behind the message (A, B, printed vs recomputed, …) for judges and reports.
    data: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    # EXPLANATION_VERDICT only: how firm the judge's reading is, 0 to 1 (docs/findings.md).
    confidence: float | None = None

    def __post_init__(self) -> None:
        if not self.severity:
            self.severity = SEVERITY[self.code]

    @property
    def title(self) -> str:
        return title_of(self.code, self.indicators)

    @property
    def key(self) -> str:
        """What identifies this finding within any version of a form."""
        indicators = self.indicators
        if len(indicators) == 1:  # most findings: one row
            return f"{self.code}:{indicators[0]}"
        return f"{self.code}:{','.join(map(str, indicators))}"

    def assign_id(self, form_id: str) -> None:
        self.id = finding_id(form_id, self.key)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "code": self.code,
            "severity": self.severity,
            "indicators": list(self.indicators),
            "source": self.source,
            "message": self.message,
            "verdict": self.verdict,
            "comment": self.comment,
        }
        if self.source != "rules":
            out["tags"] = list(self.tags)
        if self.code == "EXPLANATION_VERDICT":
            out["confidence"] = self.confidence
        return out


def finding_id(form_id: str, key: str) -> str:
    """Stable across runs: the same form and the same problem give the same id."""
    digest = _form_digest(form_id).copy()
    digest.update(key.encode())
    return digest.hexdigest()[:20]


def assign_ids(findings: list[Finding], form_id: str) -> None:
    """finding.assign_id(form_id) for each, in one loop: a form's ~25 findings, each with its key and id
    written here, not through four calls."""
    digest = _form_digest(form_id)
    for finding in findings:
        indicators = finding.indicators
        key = (f"{finding.code}:{indicators[0]}" if len(indicators) == 1  # Finding.key
               else f"{finding.code}:{','.join(map(str, indicators))}")
        hashed = digest.copy()
        hashed.update(key.encode())
        finding.id = hashed.hexdigest()[:20]


@lru_cache(maxsize=256)
def _form_digest(form_id: str):  # noqa: ANN202 - hashlib's type is private
    return hashlib.sha256(f"{form_id}|".encode())


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.indicators or (-1,), f.code))
