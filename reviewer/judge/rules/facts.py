"""Principled defaults for reading an explanation without word lists of causes.

Two readings live here (eval_sets/README.md labelling guide, docs/domain-rules.md §3):

- **Injected text is struck.** Sentences addressed to a reviewer or a machine are not part of
  the explanation: they are removed and what remains is judged.
- **A fact specific to the row is a cause.** A clause that states something particular about
  this project (its own figure, a named party or place, a date, a code such as G319, an
  obstacle) counts as a cause, unless it only restates the row (its name, target, actual or
  gap), reports an output, is a pure measure or talks of something else.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Callable

# --- injected instructions -------------------------------------------------------------

INJECTION = re.compile(
    r"忽略(以上|上述|之前|前面|所有|本条|评分|审核)|无视(以上|上述|之前|规则)|"
    r"(判定|评判|认定|评为|判为|定为|写为|写成)(为)?[“\"']?(合规|充分|说明充分|covers|通过|满分)|"
    r"系统提示|提示词|你是一个|作为(一个)?(AI|人工智能|模型|助手)|请(输出|回答|返回|直接)|"
    r"(审核|审查|评审|复核|评价)(人员|专家|模型|系统)(请|须知|注意|：|:)|无需(复核|审核|审查|核查)|"
    r"直接(判定|认定|写|给出|输出|评为|判为|通过|定为)|结论(直接)?(写|为|定为)|"
    r"ignore (all |the |any )?(previous|above|prior|earlier)|system prompt|you are (an?|the) |disregard|verdict|"
    r"\b(output|answer|respond|return|mark|label|classify)\b[^.。]{0,40}\b(covers|compliant|pass)\b|"
    r"\b(reviewer|grader|judge|model|assistant)\b[^.。]{0,40}\b(output|answer|must|should)\b",
    re.I,
)
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_PAREN = re.compile(r"[（(【\[〔][^（）()【】\[\]〔〕]*[）)】\]〕]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*|[。！？!?；;\n]+")
_LATIN_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Za-z])|(?<=[\u4e00-\u9fff。；，])(?=[A-Za-z]{3,})")


def strip_injection(text: str) -> tuple[str, bool]:
    """The explanation without sentences addressed to a reviewer or a machine; whether any were struck."""
    found = bool(INVISIBLE.search(text))
    text = INVISIBLE.sub("", text)

    def paren(m: re.Match) -> str:
        nonlocal found
        if INJECTION.search(m.group(0)):
            found = True
            return ""
        return m.group(0)

    text = _PAREN.sub(paren, text)
    kept = []
    for sentence in _SENTENCE.findall(text):
        struck = False
        for part in _LATIN_SENTENCE.split(sentence):
            if struck or INJECTION.search(part):  # the rest of the sentence belongs to the instruction
                found = struck = True
            else:
                kept.append(part)
    return "".join(kept).strip(), found


# --- facts specific to the row ------------------------------------------------------------

# A named party or place: 蔡甸区, 省农业农村厅, 石桥乡, 某某公司 (not 全市 / 各区 / 我区 / 部分县区).
_ENTITY = re.compile(
    r"(?<![全各本该其此外我])(?<!部分)(?<!相关)(?<!有关)(?<!个别)(?<!一些)[\u4e00-\u9fff]{2,8}?"
    r"(省|市|区|县|乡|镇|村|街道|社区|公司|集团|医院|卫生院|学校|中学|小学|大学|厅|局|委|办|署|海关|银行|协会|合作社)"
    r"(?![级内外域均属段块间划别])"  # 区段, 区块, 区间 are stretches, not a district
)
_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{1,3}\d{2,}")
# An obstacle or a consequence that forces rework: the mechanism said without a causal word.
OBSTACLE = re.compile(r"无法|难以|不能(?!按期|按时|完成)|未能(?!按期|按时|完成|达到|实现)|须|需(?!要|求)|才(?=[\u4e00-\u9fff]{0,6}(发布|下达|批复|到位|到货|出台|完成|确定))")
# Reports of what was done, and comparisons, are the row's own result, not why it moved.
_OUTPUT = re.compile(
    r"(全年|实际|累计|共计|合计)?(完成|实现|建成|开展|举办|达到|达)[^，,。；;]{0,12}\d"
    # a count of the year's work or events (全年发生…3起, 全年受理投诉860件): a result, not why the row moved
    r"|(全年|累计|共计|合计|年内|本年度?)[^，,。；;\d]{0,3}(发生|受理|查处|处置|办理|接待|检查|抽检|出动|清运|回收|培训|服务|支出|安排)[^，,。；;]{0,16}\d"
    # a rate or share reported (覆盖率100%, 资金执行率100%): this row's measurement or another's
    r"|(率|比例|占比)(为|达|达到|是|仅为?|只有|未达到?)?(约)?\d+(\.\d+)?\s*[%％]"
    # a comparison with a target (低于控制指标, 超额完成年度目标): a result, whatever its figure
    r"|(低于|高于|超过|超出|未达到?|达到|完成)了?(年度|控制|预期|计划)?(指标|目标|任务)"
    # budget figures narrated (年初预算安排…500万元, 预算调整为320万元): the money row's own movement
    r"|(预算|资金|经费)[^，,。；;\d]{0,10}?(安排|调整为|调整到|调整至|调减为|调增为|下达)[^，,。；;]{0,12}\d"
)
# Words that carry no content of their own (filler around a stock phrase or a restatement).
_FILLER = set("的了和与及等在对将把被由从向为是有所已经均各全部分个一些年度实际目标计划指标完成情况工作项目相应进行作出根据结合按照统筹安排调整优化变化")


def own_figure(values: list[Decimal], known: tuple[Decimal, ...]) -> bool:
    """Some figure in the clause is neither the row's target, its actual nor its gap."""
    return any(all(abs(v - k) > Decimal("0.001") for k in known) for v in values)


def fact_clause(clause: str, name: str, values: list[Decimal], known: tuple[Decimal, ...], dated: bool,
                words: str | None = None, eventful: Callable[[], bool] = lambda: True) -> bool:
    """This clause states something particular about what happened (see the module doc). `words` is the
    clause without its figures (numbers and units), when the caller has read them: figures alone, beside
    the row's own words (15分钟内响应1092次 beside 应急呼叫响应及时率), state nothing."""
    content = {c for c in (clause if words is None else words)
               if "\u4e00" <= c <= "\u9fff" and c not in name and c not in _FILLER}
    if len(content) < 2:
        return False
    if _OUTPUT.search(clause) and (not _ENTITY.search(clause) or not own_figure(values, known)):
        return False  # a result reported, even where it was achieved (在…5村共建成烤房70座)
    # A place or body named with nothing happening to it (在遮山镇夏庄村、白沟村) is where, not why.
    return (own_figure(values, known) or dated or bool(_CODE.search(clause)) or bool(OBSTACLE.search(clause))
            or (bool(_ENTITY.search(clause)) and eventful()))
