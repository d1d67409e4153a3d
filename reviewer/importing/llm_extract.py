"""LLM-assisted extraction for layouts the parser does not know (only with `review import --llm`).

The model reads the document text into a flat schema of strings "as
printed"; the result goes through the same reconciliation as a parsed form
and is marked `method: llm`. Endpoint settings are the judge's
(REVIEW_BASE_URL / REVIEW_API_KEY / REVIEW_MODEL / profile, from llm.endpoints);
the call is `llm.client.structured_call` (schema ladder, repair re-ask, retries).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Callable

from pydantic import BaseModel, Field

from ..errors import ConfigError
from ..llm.client import LLMCallError, structured_call_sync
from ..llm.endpoints import Endpoint, resolve_endpoint
from .cells import Extracted, NotAForm, as_number, printed, score_cell

MAX_TEXT = 24000  # characters of document text sent; a form is a few thousand
MAX_TOKENS = 8192  # a 20-indicator form is about 3k tokens of JSON
# The whole call's deadline (llm/client.py) when [judge] timeout does not set one: 3k tokens of
# output at a slow local model's 20 tokens a second, twice (the repair re-ask), fit in it.
IMPORT_TIMEOUT = 300.0


class FundsRowOut(BaseModel):
    initial_budget: str = Field(description="年初预算数，按原样；空白为空字符串")
    annual_budget: str = Field(description="全年预算数/调整后预算数，按原样")
    executed: str = Field(description="全年执行数/预算执行数，按原样")


class IndicatorOut(BaseModel):
    level1: str = Field(description="一级指标")
    level2: str = Field(description="二级指标")
    name: str = Field(description="三级指标")
    target: str = Field(description="年度指标值，按原样，含比较符和单位")
    actual: str = Field(description="实际完成值，按原样")
    weight: str = Field(description="分值/权重")
    score: str = Field(description="得分")
    explanation: str = Field(description="偏差原因分析及改进措施；空白为空字符串")


class FormOut(BaseModel):
    is_form: bool = Field(description="文本是否是一张项目支出绩效自评表")
    name: str
    year: int
    department: str
    unit: str
    lead: str
    phone: str
    funds_unit: str = Field(description="万元 或 元")
    total: FundsRowOut
    fiscal: FundsRowOut
    carryover: FundsRowOut
    other: FundsRowOut
    funds_weight: str
    execution_rate: str
    funds_score: str
    goal_planned: str
    goal_actual: str
    indicators: list[IndicatorOut]
    total_score: str


PROMPT = (
    "下面是从一张项目支出绩效自评表（PDF或表格）中提取的文字，版式可能与常见模板不同。"
    "请把表中内容按原样（不改写、不计算、不换算）填入JSON对象，字段如下（JSON Schema）：\n{schema}\n"
    "表上空白的单元格填空字符串；没有的资金行三个金额都填空字符串。"
    "如果文字不是绩效自评表，is_form 填 false，其余字段填空值。只输出JSON。\n\n文字：\n{text}"
)


def _row(row: FundsRowOut) -> dict[str, Any] | None:
    values = {key: printed(getattr(row, key)) for key in ("initial_budget", "annual_budget", "executed")}
    return values if any(v is not None for v in values.values()) else None


def to_form_data(out: FormOut) -> dict[str, Any]:
    """The model's answer as a form.json dict, values as printed."""
    data: dict[str, Any] = {
        "name": out.name, "year": out.year, "department": out.department, "unit": out.unit,
        "funds": {
            "unit": "元" if out.funds_unit.strip() == "元" else "万元",
            "total": _row(out.total) or {"initial_budget": None, "annual_budget": None, "executed": None},
            "fiscal": _row(out.fiscal), "carryover": _row(out.carryover), "other": _row(out.other),
            "weight": as_number(out.funds_weight), "execution_rate": printed(out.execution_rate),
            "score": score_cell(out.funds_score),
        },
        "goal": {"planned": out.goal_planned, "actual": out.goal_actual},
        "indicators": [
            {"level1": i.level1, "level2": i.level2, "name": i.name, "target": i.target, "actual": i.actual,
             "weight": as_number(i.weight), "score": score_cell(i.score),
             **({"explanation": i.explanation} if i.explanation.strip() else {})}
            for i in out.indicators
        ],
    }
    if printed(out.total_score):
        data["total_score"] = as_number(out.total_score)
    for key in ("lead", "phone"):
        if getattr(out, key).strip():
            data[key] = getattr(out, key).strip()
    return data


def extract_with_llm(text: str, source: str, endpoint: Endpoint) -> Extracted:
    """One form read by the model. Raises NotAForm when the model says it is none, or the call fails."""
    schema = json.dumps(FormOut.model_json_schema(), ensure_ascii=False)
    messages = [{"role": "user", "content": PROMPT.format(schema=schema, text=text[:MAX_TEXT])}]
    try:
        result = structured_call_sync(endpoint, messages, FormOut, name="form")
    except LLMCallError as error:
        raise NotAForm(source, f"模型读取失败：{error}") from None
    except Exception as error:  # noqa: BLE001 - a reply that is no chat completion (an HTML page, no choices)
        # Only the kind of failure is said: the text of such an error may quote the reply or the request.
        raise NotAForm(source, f"模型读取失败：端点的回复不是 OpenAI 兼容的格式（{type(error).__name__}），"
                               "请检查 REVIEW_BASE_URL 是否指向 …/v1 接口") from None
    out = result.value
    if not out.is_form:
        raise NotAForm(source, "版式无法识别，模型也判断这不是项目支出绩效自评表")
    extracted = Extracted(data=to_form_data(out), method="llm", source=source)
    extracted.doubts.append(f"由模型 {result.model or endpoint.model} 读取，请对照原件核对")
    return extracted


def make_fallback(profile: str | None, section: dict[str, Any] | None = None) -> Callable[[str, str], Extracted]:
    """The --llm reader, with the judge's endpoint settings. Raises ConfigError when unset."""
    try:
        endpoint = resolve_endpoint(profile=profile, section=section)
    except ConfigError as error:
        raise ConfigError(f"--llm：{error.message}") from None
    timeout = endpoint.timeout if (section or {}).get("timeout") else max(endpoint.timeout, IMPORT_TIMEOUT)
    endpoint = dataclasses.replace(endpoint, max_tokens=max(endpoint.max_tokens, MAX_TOKENS), timeout=timeout)
    return lambda text, source: extract_with_llm(text, source, endpoint)
