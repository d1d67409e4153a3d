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
from functools import lru_cache
from decimal import Decimal
from typing import Callable

from .patterns import gated, has_latin, lazy, words_pattern

# --- injected instructions -------------------------------------------------------------

INJECTION = gated(
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
# Every INJECTION match holds one of these words, or a Latin letter (each English alternative holds a letter with
# no case form outside ASCII: re.I matches K for k and ſ for s, but each word has others, as in "ignore", "verdict").
_INSTRUCTION_WORDS = re.compile(words_pattern((
    "忽略", "无视", "判定", "评判", "认定", "评为", "判为", "定为", "写为", "写成", "系统提示", "提示词", "你是一个",
    "作为", "请", "审核", "审查", "评审", "复核", "评价", "无需", "直接", "结论")))


def may_instruct(text: str) -> bool:
    """Whether INJECTION can match in this text (or any part of it): a Latin letter or one of its words."""
    return has_latin(text) or _INSTRUCTION_WORDS.search(text) is not None


def instructs(text: str) -> bool:
    """Whether the text holds an instruction to a reviewer or a machine (INJECTION)."""
    return may_instruct(text) and INJECTION.search(text) is not None


INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_PAREN = re.compile(r"[（(【\[〔][^（）()【】\[\]〔〕]*[）)】\]〕]")
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;\n]*|[。！？!?；;\n]+")
_LATIN_SENTENCE = lazy(r"(?<=[.!?])\s+(?=[A-Za-z])|(?<=[\u4e00-\u9fff。；，])(?=[A-Za-z]{3,})")


@lru_cache(maxsize=4096)
def strip_injection(text: str) -> tuple[str, bool]:
    """The explanation without sentences addressed to a reviewer or a machine; whether any were struck."""
    found = bool(INVISIBLE.search(text))
    text = INVISIBLE.sub("", text)
    possible = may_instruct(text)  # parentheses and sentences are parts of it: none can match if it cannot

    def paren(m: re.Match) -> str:
        nonlocal found
        if possible and INJECTION.search(m.group(0)):
            found = True
            return ""
        return m.group(0)

    text = _PAREN.sub(paren, text)
    kept = []
    for sentence in _SENTENCE.findall(text):
        struck = False
        for part in _LATIN_SENTENCE.split(sentence) if has_latin(sentence) else (sentence,):  # splits before letters
            if struck or (possible and INJECTION.search(part)):  # the rest of the sentence belongs to the instruction
                found = struck = True
            else:
                kept.append(part)
    return "".join(kept).strip(), found


# --- facts specific to the row ------------------------------------------------------------

# A named party or place: 蔡甸区, 省农业农村厅, 石桥乡, 某某公司 (not 全市 / 各区 / 我区 / 部分县区).
ENTITY = re.compile(
    r"(?<![全各本该其此外我])(?<!部分)(?<!相关)(?<!有关)(?<!个别)(?<!一些)[\u4e00-\u9fff]{2,8}?"
    r"(省|市|区|县|乡|镇|村|街道|社区|公司|集团|医院|卫生院|学校|中学|小学|大学|厅|局|委|办|署|海关|银行|协会|合作社)"
    r"(?![级内外域均属段块间划别])"  # 区段, 区块, 区间 are stretches, not a district
)
# Every ENTITY match ends on one of its endings: a text without any names no party, found in one scan of a word
# tree (ENTITY itself tries up to eight characters and every ending at each position: ~4 µs on a clause).
_ENTITY_ENDS = re.compile(words_pattern((
    "省", "市", "区", "县", "乡", "镇", "村", "街道", "社区", "公司", "集团", "医院", "卫生院", "学校", "中学", "小学",
    "大学", "厅", "局", "委", "办", "署", "海关", "银行", "协会", "合作社")))


def names_entity(text: str) -> bool:
    """Whether the text names a party or place (ENTITY)."""
    return _ENTITY_ENDS.search(text) is not None and ENTITY.search(text) is not None

CODE = gated(r"(?<![A-Za-z])[A-Z]{1,3}\d{2,}")  # G319, X205
# An obstacle or a consequence that forces rework: the mechanism said without a causal word.
# An obstacle: something could not be done, had to be redone or waited for, or came only late (才批复).
# Not being able to measure (无法评估) is no obstacle to the project; 共需 is the plan's size.
OBSTACLE = gated(
    r"无法(?!评估|评价|统计|计算|核实|确定|判断)|难以|不能(?!按期|按时|完成)|未能(?!按期|按时|完成|达到|实现)"
    r"|(须|需)(要)?(重新|另行|改|调整|补|再|先|等待|经|报|待|办理|取得|协调)|要(?<![需须将还]要)(重新|另行|等待|先)|得(先|重新|另行)"
    r"|才(?=[\u4e00-\u9fff]{0,6}(发布|下达|批复|到位|到货|出台|完成|确定))|才(?<=[月日底初旬度后]才)(?=[\u4e00-\u9fff])"
    # could not: 签不了字, 联系不上, 修不了 (not 完成不了 / 达不到, the gap said back)
    r"|不(?<=[\u4e00-\u9fff]不)(?<![完达][\u4e00-\u9fff]不)(了|上)(?=[\u4e00-\u9fff]?([，,。；;、!！?？]|$))"
)
# Words that carry no content of their own (filler around a stock phrase or a restatement).
_FILLER = set("的了和与及等在对将把被由从向为是有所已经均各全部分个一些年度实际目标计划指标完成情况工作项目相应进行作出根据结合按照统筹安排调整优化变化")


def own_figure(values: list[Decimal], known: tuple[Decimal, ...]) -> bool:
    """Some figure in the clause is neither the row's target, its actual nor its gap."""
    return any(all(abs(v - k) > _NEAR for k in known) for v in values)


_NEAR = Decimal("0.001")  # built once: a Decimal read from its text in every comparison costs as much again


def particular(clause: str, name: str, values: Callable[[], list[Decimal]], known: tuple[Decimal, ...], dated: bool,
               words: Callable[[], str]) -> bool:
    """This clause gives a particular of what happened: a figure of its own (not the row's target,
    actual or gap), a date, a code such as G319, or a named party or place, and words of its own besides:
    figures alone, beside the row's own words (15分钟内响应1092次 beside 应急呼叫响应及时率), state nothing.
    `values` gives the clause's figures and `words` the clause without them (numbers and units); both are
    read only when needed, the cheap tests first."""
    if not (dated or CODE.search(clause) or names_entity(clause) or own_figure(values(), known)):
        return False
    content = {c for c in words() if "\u4e00" <= c <= "\u9fff" and c not in name and c not in _FILLER}
    return len(content) >= 2
