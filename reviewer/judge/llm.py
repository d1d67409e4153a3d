"""The model judge: prompt building, verdict validation, cache and concurrency.

The system prompt (rubric, schema, worked examples) is byte-stable so that
endpoints can cache the prefix; the per-deviation data come last. Form text
is untrusted: it sits in a block delimited by a per-case nonce, the rubric
says it is data, and the key instruction is repeated after it. Evidence
quotes that do not occur in the form are dropped and the verdict is tagged
for a human. A judgement that fails is recorded as an error with the rules
verdict beside it, never a guessed one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import sys
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import Any, Literal

from langchain_text_splitters import RecursiveCharacterTextSplitter
from pydantic import BaseModel

from ..checks.catalogue import TAGS, TITLE
from ..checks.wording import bigrams, num, pct
from ..form.values import Quantity, normalize_text
from ..llm.client import LLMCallError, LLMClient, strict_schema
from ..llm.endpoints import normalize_base_url, profile_name
from .case import JudgeCase, Verdict
from .cache import VerdictCache
from .checklist import QUOTES, Checklist, checklist_verdict
from .injection import injection_signs, tag_injection
from .examples import examples_section
from .rules import judge_rules
from .rules.gap import Gap, Side, gap_of
from .sampling import majority
from .settings import JudgeSettings



def _prompt_folder() -> Path:
    """prompts/ of the checkout; an installed (non-editable) copy has them under share/reviewer/."""
    for root in (Path(__file__).resolve().parents[2] / "prompts", Path(sys.prefix) / "share" / "reviewer" / "prompts"):
        if (root / "judge").is_dir():
            return root / "judge"
    raise FileNotFoundError("找不到评判提示词目录 prompts/judge")


PROMPTS = _prompt_folder()
GOAL_CHARS = 400
EXPLANATION_CHARS = 1200
QUOTE_CHARS = 80
REASON_CHARS = 1000  # of the model's reason and comment kept (a verdict's are a few sentences)
DOUBTFUL = 0.5  # the most a verdict can be trusted with an injected instruction or an invented quote


class LLMVerdict(BaseModel):
    """What the model must return (the strict JSON schema is generated from this)."""

    evidence_quotes: list[str]
    reason: str
    verdict: Literal["covers", "partial", "does_not_cover"]
    tags: list[Literal[TAGS]]  # type: ignore[valid-type]
    comment: str
    injection_suspected: bool


@dataclass(frozen=True)
class Prompt:
    version: str  # stored with every result: judge/v1
    system: str
    user: Template
    schema: type[BaseModel] = LLMVerdict  # what the model returns: a verdict (v1) or a checklist (v2)
    name: str = "explanation_verdict"


# v1 asks for the verdict; v2 asks a checklist and code computes the verdict (checklist.py).
SCHEMAS: dict[str, tuple[type[BaseModel], str]] = {
    "v1": (LLMVerdict, "explanation_verdict"), "v2": (Checklist, "explanation_checklist"),
}


@lru_cache(maxsize=None)
def load_prompt(version: str = "v1") -> Prompt:
    folder = PROMPTS / version
    model, name = SCHEMAS[version]
    schema = json.dumps(strict_schema(model), ensure_ascii=False, indent=1)
    system = Template((folder / "system.md").read_text(encoding="utf-8")).substitute(schema=schema)
    user = Template((folder / "user.md").read_text(encoding="utf-8"))
    return Prompt(f"judge/{version}", system, user, model, name)


# --- the user message ------------------------------------------------------------

_SEPARATORS = ["\n\n", "\n", "。", "；", ";", "，", ",", ""]


def _splitter(size: int) -> RecursiveCharacterTextSplitter:
    return RecursiveCharacterTextSplitter(chunk_size=size, chunk_overlap=0, separators=_SEPARATORS,
                                          keep_separator="end")


def cut(text: str, limit: int) -> str:
    """Whole sentences from the start up to `limit` characters, marked when something was left out."""
    text = text.strip()
    if len(text) <= limit:
        return text
    kept = ""
    for chunk in _splitter(max(limit // 4, 50)).split_text(text):
        if len(kept) + len(chunk) > limit:
            break
        kept += chunk
    return kept + "（后略）"


def goal_excerpt(goal: str, topic: str, limit: int = GOAL_CHARS) -> str:
    """The sentences of the goal text nearest the indicator, in their order."""
    goal = goal.strip()
    if len(goal) <= limit:
        return goal
    chunks = _splitter(120).split_text(goal)
    grams = bigrams(topic)
    ranked = sorted(range(len(chunks)), key=lambda i: (-len(bigrams(chunks[i]) & grams), i))
    chosen: list[int] = []
    used = 0
    for i in ranked:
        if used + len(chunks[i]) > limit:
            continue
        chosen.append(i)
        used += len(chunks[i])
    return "……".join(chunks[i].strip() for i in sorted(chosen))


# --- the trusted section: numbers, and units only from a fixed list ---------------------------
#
# The value reader takes up to 8 arbitrary characters after a number as its unit,
# so a unit is form text. Only ordinary units are printed beside the computed
# figures; anything else is replaced, and the form's own spelling stays inside
# the delimited block.

UNIT_ELSEWHERE = "（单位见原文）"
_BASE_UNITS = frozenset("""
    个 家 项 人 人次 户 户次 次 台 套 件 所 座 辆 亩 公顷 公里 千米 米 厘米 平方米 平方公里 立方米 吨 千克 公斤 克
    天 日 个月 月 年 小时 分钟 周 季度 学时 课时 人天 人日 人月 元 千元 万元 亿元 % ‰ 个百分点 百分点 分 名 位 只 头
    株 棵 块 门 类 种 册 本 张 份 篇 场 期 批 条 间 栋 处 部 首 支 组 队 个次 项次 批次 场次 期次 班 所次 家次
    千瓦 兆瓦 千瓦时 度 万千瓦时 台套 床 床位 间次 单 笔 例 宗 幅 集 套次 张次 篇次 页 字 kw kwh mw km m m2 m3 ㎡ ㎞
    kg t g h min gb tb mb mbps
""".split())
_SCALES = ("万", "千", "百", "十", "亿")


def _plain_unit(part: str) -> bool:
    part = part.lower()
    if part in _BASE_UNITS:
        return True
    return len(part) > 1 and part[0] in _SCALES and part[1:] in _BASE_UNITS  # 万人次, 千户


def safe_unit(unit: str) -> str | None:
    """The unit when it is an ordinary one (元/人, 万人次 built from listed parts), else None."""
    unit = unit.strip()
    if not unit:
        return ""
    parts = unit.split("/")
    if len(parts) <= 2 and all(_plain_unit(part) for part in parts):
        return unit
    return None


def _amount(value: Decimal, unit: str) -> str:
    shown = safe_unit(unit)
    return f"{num(value)}{UNIT_ELSEWHERE if shown is None else shown}"


def _side_figures(label: str, side: Side) -> str:
    if side.a is None or side.b is None:
        return f"{label}：非数值指标，见原文"
    change = "未变" if side.moved == "same" else pct(side.change) if side.change is not None else "—"
    return f"{label}：年度指标值{_amount(side.a, side.unit)}，实际完成值{_amount(side.b, side.unit)}（{change}）"


def _unit_cost_unit(gap: Gap) -> str:
    money, count = safe_unit(gap.cost.unit), safe_unit(gap.count.unit)
    if money is None or count is None:
        return UNIT_ELSEWHERE
    return f"（{money}/{count or '个'}）"


def figures(case: JudgeCase, gap: Gap) -> str:
    """Computed figures only; no form text (names live in the untrusted block, odd units are not printed)."""
    kind = "成本" if case.row.cost else "数量" if gap.pair else "绩效"
    lines = [_side_figures(f"本指标（{kind}指标，第{case.index + 1}项）", gap.row)]
    if gap.pair is not None:
        pair_kind = "数量" if case.row.cost else "成本"
        lines.append(_side_figures(f"配对{pair_kind}指标（第{case.pair + 1}项）", gap.pair))
    if gap.unit_planned is not None:
        actual = "无法计算（实际数量为0）" if gap.unit_actual is None else f"{num(gap.unit_actual, 2)}"
        change = f"（{pct(gap.unit_change)}）" if gap.unit_change is not None else ""
        lines.append(f"单位成本：计划{num(gap.unit_planned, 2)}，实际{actual}{change}{_unit_cost_unit(gap)}")
    row = case.row
    claimed = "未填写" if row.claimed is None else num(row.claimed)  # a blank 得分 (form-format 1.1)
    lines.append(f"本指标分值{num(row.weight)}，自评得分{claimed}"
                 + (f"，按公式应得{num(row.recomputed)}" if row.recomputed is not None else ""))
    lines += [f"需要说明的理由：{reason}" for reason in _trusted_reasons(case)]
    return "\n".join(f"- {line}" for line in lines)


# Reasons that are all figures and fixed words (checks.explanation_required); passed through whole.
_FIGURE = r"[+-]?\d+(?:\.\d+)?%"
_NUMERIC_REASON = re.compile(rf"成本偏离指标值{_FIGURE}（超过±{_FIGURE}）|实际完成值达年度指标值的{_FIGURE}（≥{_FIGURE}）")
_MISSED = {"higher": "未达", "lower": "超过", "equal": "不等于"}


def _date(q: Quantity) -> str:
    if q.kind != "date" or q.month is None:
        return "（见原文）"
    return (f"{q.year}年" if q.year else "") + f"{q.month}月" + (f"{q.day}日" if q.day else "")


def _trusted_reasons(case: JudgeCase) -> list[str]:
    """Why an explanation is needed, rebuilt from the parsed numbers: no form text is copied."""
    row = case.row
    out: list[str] = []
    for reason in case.reasons:
        if _NUMERIC_REASON.fullmatch(reason):
            out.append(reason)
        elif reason.startswith("得分") and row.claimed is not None and row.claimed < row.weight:
            out.append(f"得分{num(row.claimed)}低于分值{num(row.weight)}")
        elif reason.startswith("实际完成时间") and row.late:
            out.append(f"实际完成时间{_date(row.actual)}晚于目标{_date(row.target)}")
        elif (reason.startswith("实际完成值") and row.direction in _MISSED and row.actual.value is not None
              and row.target.value is not None):
            out.append(f"实际完成值{_amount(row.actual.value, row.actual.unit)}{_MISSED[row.direction]}"
                       f"年度指标值{_amount(row.target.value, row.target.unit)}")
    return list(dict.fromkeys(out))


def findings_text(case: JudgeCase) -> str:
    lines = []
    for finding in case.findings:
        if finding.code == "EXPLANATION_VERDICT":
            continue
        rows = "、".join(f"第{i + 1}项" for i in finding.indicators) or "全表"
        lines.append(f"- {finding.code}（{TITLE.get(finding.code, '')}）：{rows}")
    return "\n".join(lines) or "- 无"


def form_block(case: JudgeCase) -> str:
    """Everything the unit wrote that the judgement needs, as plain labelled lines."""
    row = case.row.indicator
    lines = [f"项目名称：{case.review.form.name}",
             f"本指标：{row.level1} / {row.level2} / {row.name}",
             f"  年度指标值：{row.target}", f"  实际完成值：{row.actual}",
             f"  偏差原因分析及改进措施：{cut(case.explanation, EXPLANATION_CHARS) or '（未填写）'}"]
    if case.pair_row is not None:
        pair = case.pair_row.indicator
        lines += [f"配对指标：{pair.level1} / {pair.level2} / {pair.name}",
                  f"  年度指标值：{pair.target}", f"  实际完成值：{pair.actual}",
                  f"  偏差原因分析及改进措施：{cut(pair.explanation or '', EXPLANATION_CHARS) or '（未填写）'}"]
    goal = goal_excerpt(case.review.form.goal.planned, row.name)
    if goal:
        lines.append(f"年度目标（节选）：{goal}")
    return "\n".join(lines)


def nonce_for(prompt: Prompt, block: str) -> str:
    """Unguessable by the form's author (it hashes their own text) yet stable, so the cache still hits."""
    salt = 0
    while True:
        nonce = hashlib.sha256(f"{prompt.version}|{salt}|{block}".encode()).hexdigest()[:16]
        if nonce not in block:
            return nonce
        salt += 1


def build_messages(case: JudgeCase, prompt: Prompt, block: str | None = None,
                   examples: str = "") -> list[dict[str, str]]:
    """System prompt (rubric, schema, worked examples), then the user message: the reviewers' own past
    decisions when asked for (the same for every case, so still a cacheable prefix), then this case."""
    block = form_block(case) if block is None else block
    user = prompt.user.substitute(figures=figures(case, gap_of(case)), findings=findings_text(case),
                                  nonce=nonce_for(prompt, block), block=block)
    return [{"role": "system", "content": prompt.system}, {"role": "user", "content": examples + user}]


# --- from the model's answer to a verdict ------------------------------------------------

def _squash_space(text: str) -> str:
    return "".join(normalize_text(text).split())


def verify_quotes(quotes: list[str], source: str) -> tuple[tuple[str, ...], bool]:
    """Quotes that occur in the form text (whitespace-insensitive), and whether any were dropped."""
    haystack = _squash_space(source)
    given = [q for q in quotes[:QUOTES] if q.strip()]
    kept = tuple(q.strip()[:QUOTE_CHARS] for q in given if _squash_space(q) in haystack)
    return kept, len(kept) < len(given)


def bounded(text: str, limit: int = REASON_CHARS) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "（后略）"


def trimmed(value: Any) -> Any:
    """An answer as the cache keeps it: no more of any text or list than a verdict reads of it (`bounded`
    still marks a cut text), so a cached answer gives the verdict the fresh one gave."""
    if isinstance(value, str):
        return value[:REASON_CHARS + 1]
    if isinstance(value, list):
        return [trimmed(v) for v in value[:QUOTES]]
    if isinstance(value, dict):
        return {k: trimmed(v) for k, v in value.items()}
    return value


def to_verdict(value: LLMVerdict, case: JudgeCase, prompt: Prompt, model: str, rules: Verdict,
               block: str | None = None) -> Verdict:
    block = form_block(case) if block is None else block
    evidence, dropped = verify_quotes(value.evidence_quotes, block)
    tags = list(dict.fromkeys(value.tags))
    if value.injection_suspected or injection_signs(case, block):
        tags.append("injection")
    if dropped:
        tags.append("unverified_quote")
    verdict = value.verdict
    if verdict == "covers" and ({"injection", "unverified_quote"} & set(tags)):
        verdict = "partial"  # a human has to look before this counts as sufficient
    return Verdict(
        verdict=verdict, tags=tuple(dict.fromkeys(tags)), comment=bounded(value.comment) or rules.comment,
        reason=bounded(value.reason), source="judge:llm", evidence=evidence, model=model,
        prompt_version=prompt.version, rules=rules,
    )


# --- the cache key ---------------------------------------------------------------------------

KEY_VERSION = 2  # 1: model, prompt version, messages; 2: adds the endpoint (old rows simply miss)


def cache_key(model: str, prompt_version: str, messages: list[dict[str, Any]], *, base_url: str,
              profile: str | None, sample: tuple[int, float] | None = None) -> str:
    """The endpoint (base URL and profile; never the API key), model, prompt version and messages:
    two servers that both call their model "llama3" do not share verdicts. With several samples each
    is its own entry (index and temperature); a single sample keeps the key it always had."""
    key: dict[str, Any] = {"v": KEY_VERSION, "base_url": normalize_base_url(base_url),
                           "profile": profile_name(profile), "model": model,
                           "prompt_version": prompt_version, "messages": messages}
    if sample is not None:
        key["sample"], key["temperature"] = sample
    canonical = json.dumps(key, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- running many ---------------------------------------------------------------------------

class LLMJudge:
    """Judges cases at one endpoint: one client, one cache and one concurrency limit for its life.

    Create it inside the event loop that will run it (the client binds to that loop); failures
    fall back to the rules verdict, recorded as an error."""

    def __init__(self, settings: JudgeSettings, cache: VerdictCache | None = None):
        if settings.endpoint is None:
            raise ValueError("llm judge needs an endpoint")
        self.settings = settings
        self.prompt = load_prompt(settings.prompt_version)
        self.cache = cache
        self.model = settings.endpoint.model
        self.client = LLMClient(settings.endpoint, cache.modes() if cache is not None else None)
        self.examples = examples_section(tuple(settings.examples))
        self.semaphore = asyncio.Semaphore(settings.concurrency)
        # The first call goes alone so the shared system prompt is in the endpoint's prefix cache.
        self.warm = asyncio.Event()
        self.warming = False

    async def judge_many(self, cases: list[JudgeCase]) -> list[Verdict]:
        """Verdicts in case order, judged concurrently (bounded)."""
        verdicts = list(await asyncio.gather(*(self.one(case) for case in cases)))
        if self.cache is not None:
            self.cache.flush()
        return verdicts

    async def aclose(self) -> None:
        await self.client.aclose()

    async def one(self, case: JudgeCase) -> Verdict:
        """The verdict of `samples` model answers (the majority; agreement as confidence), or the rules
        verdict with the error when every call failed."""
        # Preparation happens inside a slot, so it overlaps with the calls already in flight; one sample
        # keeps that slot for its call.
        async with self.semaphore:
            rules = tag_injection(judge_rules(case, self.settings.thresholds), case)
            if case.blank:
                return rules  # nothing for a model to read
            block = form_block(case)
            messages = build_messages(case, self.prompt, block, self.examples)
            if self.settings.samples == 1:
                return self.settled([await self.sample(case, rules, block, messages, 0, held=True)])
        count = self.settings.samples
        return self.settled(list(await asyncio.gather(*(self.sample(case, rules, block, messages, i)
                                                           for i in range(count)))))

    @staticmethod
    def settled(verdicts: list[Verdict]) -> Verdict:
        """The majority of the samples; never firm with an injected instruction or an invented quote."""
        verdict = majority(verdicts)
        if verdict.source == "judge:llm" and {"injection", "unverified_quote"} & set(verdict.tags):
            verdict = replace(verdict, confidence=min(verdict.confidence, DOUBTFUL))
        return verdict

    async def sample(self, case: JudgeCase, rules: Verdict, block: str, messages: list[dict[str, str]],
                     index: int, held: bool = False) -> Verdict:
        """One model answer (from the cache when the same request was answered before). `held`: the caller
        already holds a concurrency slot."""
        several = self.settings.samples > 1
        temperature = self.settings.temperature if several else 0.0
        endpoint = self.settings.endpoint
        key = cache_key(self.model, self.prompt.version, messages, base_url=endpoint.base_url,
                        profile=endpoint.profile, sample=(index, temperature) if several else None)
        hit = self.cached(key)
        if hit is not None:
            return replace(self.to_verdict(hit, case, rules, block), cached=True)
        # The call goes inside a slot; the first call goes alone so the shared system prompt is in
        # the endpoint's prefix cache before the rest arrive.
        async with (contextlib.nullcontext() if held else self.semaphore):
            first = not self.warming
            self.warming = True
            if not first:
                await self.warm.wait()
            try:
                result = await self.client.structured_call(messages, self.prompt.schema, name=self.prompt.name,
                                                           temperature=temperature)
            except LLMCallError as error:
                return replace(rules, error=f"{error.kind}: {error}", usage=error.usage, model=self.model,
                               prompt_version=self.prompt.version)
            except Exception as error:  # noqa: BLE001 - one odd reply must not take the batch's other verdicts
                # Only the kind of failure is said: an unexpected error's text may quote the reply.
                return replace(rules, error=f"internal: {type(error).__name__}", model=self.model,
                               prompt_version=self.prompt.version)
            finally:
                if first:
                    self.warm.set()
        if self.cache is not None:
            self.cache.put(key, self.model, self.prompt.version, trimmed(result.value.model_dump()), result.content,
                           result.mode, result.model, result.usage.as_dict())
        return replace(self.to_verdict(result.value, case, rules, block), usage=result.usage)

    def cached(self, key: str) -> BaseModel | None:
        """The stored answer for this request; a row that no longer reads (damaged, or written by another
        version) is a miss: the model is asked again and the row replaced."""
        if self.cache is None:
            return None
        try:
            hit = self.cache.get(key)
            return None if hit is None else self.prompt.schema.model_validate(hit["verdict"])
        except (ValueError, TypeError, KeyError):  # json.JSONDecodeError and ValidationError are ValueErrors
            return None

    def to_verdict(self, value: BaseModel, case: JudgeCase, rules: Verdict, block: str) -> Verdict:
        if isinstance(value, Checklist):
            return checklist_verdict(value, case, rules, block, self.model, self.prompt.version)
        return to_verdict(value, case, self.prompt, self.model, rules, block)
