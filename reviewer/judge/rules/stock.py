"""What is no cause, however it is dressed (labelling guide, step 4 "none"): stock phrases that could
stand beside any gap, an authority or plan nobody names, bare categories (the epidemic, factors nobody
names, a general condition, a plan that changed with nothing said of what), the target blamed, the
unit's own qualities found wanting, a purpose that is the project's own running, achievements and
comparisons with last year, and praise of the unit's own work. signals.py strikes them before it looks
for what happened.
"""

from __future__ import annotations

import re

from .patterns import gated, holds_any, words_pattern


# Stand beside any gap unchanged: always generic.
STOCK_PHRASES = (
    "有所调整", "相应调整", "根据实际情况", "按实际情况", "根据实际需要", "按实际需要", "实际需要", "工作需要",
    "据实调整", "有所变化", "有所变动", "有所减少", "有所增加", "略有", "正常波动", "统筹安排", "综合考虑",
    "客观原因", "多种原因", "各种原因", "多种因素", "各种因素", "诸多因素", "工作安排调整",
    "客观因素", "统筹部署", "工作实际", "动态调整", "调整优化", "文件精神",
    # self-criticism that fits any gap: 尚有不足之处, 管理机制不够完善, 有待进一步健全, 考虑不周
    "考虑不周", "考虑不充分", "未充分考虑", "预估不足", "估计不足", "预判不足",
    "不足之处", "不够完善", "不够健全", "有待进一步", "有待提高", "有待加强", "仍需加强", "存在不足",
    "工作疏忽", "疏忽大意", "工作失误",
    # the project's own size and time pressure: 工程量大且时间紧张 stands beside any delay
    "工程量大", "工程量较大", "时间紧张", "时间紧迫", "时间紧", "任务重", "任务繁重", "工期紧",
    # difficulties nobody names, overcome or met: 克服困难, 遇到的困难
    "克服困难", "克服了困难", "遇到的困难", "面临的困难", "重重困难",
)
# A rule, approval or request from an authority nobody names (上级审批, 有关部门要求, 相关政策) could stand
# beside any gap; a named one (省民政厅8月25日批复, 宁民规〔2023〕4号) is a particular of this project.
# So are the plan formulas "根据区委区政府统筹部署" and "结合我区养老服务工作实际": whoever is named in
# them, nothing particular follows.
VAGUE_AUTHORITY = gated(
    r"(上级|有关|相关)(有关|相关)?(部门|单位|领导)?的?(文件|政策|规定|要求|审批|批复|部署|安排|精神)+"
    r"|(根据|按照|依据|遵照)[^，,。；;《〔\d]{0,12}?统筹(部署|安排)|结合[^，,。；;\d]{0,14}?实际"
    # money moved by whoever holds it, for no stated reason: 因市级财政统筹调减3万元
    r"|(因|由于)[^，,。；;\d]{0,8}?(财政|资金)统筹(调减|调增|调整|安排|使用|调剂)?"
)
# A cause category with nothing behind it: no cause on its own, fine as a preamble to a mechanism.
# Factors nobody names: 受多方面因素影响, 受客观因素影响, 因客观原因.
# Factors nobody names (受多方面因素影响, 因客观原因, 其他因素制约); "因死亡等原因" names its cause and is none of them.
_QUANTIFIED = (r"(多方面|多种|各种|诸多|客观|主观|其他|其它|一些|某些|相关|有关|综合|种种|方面|等|一定)(的)?"
               r"(因素|原因|困难|问题)(的)?")
_FACTORS = r"(受|因|由于)?(到)?" + _QUANTIFIED
# Met with, before factors nobody names: 因项目实施过程中遇到诸多困难 (read with the conditions below).
_MET_FACTORS = r"(受|因|由于)(到)?[^，,。；;]{0,10}?(遇到|存在|出现|面临|碰到)了?" + _QUANTIFIED
# A general condition named as the cause, with nothing particular behind it: 受宏观经济形势影响, 由于政策调整,
# 因客观条件限制, 由于市场环境变化 (not 因地质条件复杂: a state of this site follows).
_CONDITION = (r"(受|因|由于|因为)(到)?(?:(?!不|未|没|无)[\u4e00-\u9fff\d]){0,8}?(形势|环境|条件|行情|变化|调整)+(等)?(的)?"
              r"(影响|制约|限制|所致)?(?=[，,。；;]|$|导致|致使|造成|使|和|及|与|、)"  # 场地条件和其他因素: a list of them
              # a plan that changed, with nothing said of what or why: 因目前方案存在变化需要调整
              r"|(受|因|由于|因为)[^，,。；;\d]{0,6}?(方案|计划|设计|规划)(存在|发生|有)?(变化|调整|变动)"
              r"(需要|需)?(调整|修改|变更)?(?=[，,。；;]|$)"
              # an impact with nothing named: 项目推进受到一定影响
              r"|受到?了?(一定|较大|很大|严重|较为严重|不同程度|不小)?(程度)?(的)?(影响|冲击|制约)(?=[，,。；;]|$)")
# The target said to be set badly (目标设定偏高, 指标值不够科学): self-criticism that fits any gap.
_TARGET_SET = (r"(目标|指标)(值)?(设定|设置|制定|测算)?(得)?(偏高|过高|偏低|过低|不合理|不科学|不够科学|不准确|不够准确)"
               # the unit's own qualities found wanting: 责任心不强, 前瞻性不足, 处置能力不足, 重视程度不够
               r"|(责任心|责任意识|前瞻性|预见性|能力|意识|水平|经验|重视程度)(不强|不足|不够|欠缺|不高|较弱|薄弱)")
BARE_CAUSES = gated(
    r"(受|因|由于)(到)?(新冠)?(肺炎)?疫情(等因素|等)?(的)?(影响|原因)?(?=[，,。；;]|$)|受(新冠)?(肺炎)?疫情(等因素|等)?(的)?影响|"
    + _FACTORS + r"(影响|制约|所致)?"
    r"|在[^，,。；;]{0,8}?(疫情|防控)[^，,。；;]{0,6}?(形势|背景|情况|期间)?下"
)
GENERIC_FACTORS = gated(_FACTORS + r"(影响|制约)")
BARE_MAX = 40  # characters: no bare category is longer, so a longer text is never one alone
# Conditions and self-criticism are read only in texts holding one of their nouns (a scan of a word tree),
# so the many texts without them cost no pass of these patterns.
BARE_CONDITIONS = gated(_MET_FACTORS + "|" + _CONDITION + "|" + _TARGET_SET)
_CONDITION_NOUNS = re.compile(words_pattern((
    "形势", "环境", "条件", "行情", "变化", "调整", "变动", "影响", "冲击", "制约", "目标", "指标",
    "责任心", "责任意识", "前瞻性", "预见性", "能力", "意识", "水平", "经验", "重视程度",
    "遇到", "存在", "出现", "面临", "碰到")))


def strike_bare(text: str) -> str:
    """The text without bare cause categories: the epidemic, factors nobody names, general conditions,
    the target blamed, the unit's own qualities found wanting."""
    if _CONDITION_NOUNS.search(text):  # before the factors: 遇到诸多困难 is read whole
        text = BARE_CONDITIONS.sub("，", text)
    # every match holds one of these words (the epidemic, its controls, or a factor's noun): a text
    # without them is passed over without a scan
    return BARE_CAUSES.sub("，", text) if holds_any(text, _BARE_NEEDS) else text


_BARE_NEEDS = ("疫情", "防控", "因素", "原因", "困难", "问题")


def strike_vague(text: str) -> str:
    """The text without an authority or plan nobody names (VAGUE_AUTHORITY). Each of its matches holds
    上级, 有关, 相关, 统筹 or 结合: a text without them is passed over without a scan."""
    return VAGUE_AUTHORITY.sub("，", text) if holds_any(text, _VAGUE_NEEDS) else text


_VAGUE_NEEDS = ("上级", "有关", "相关", "统筹", "结合")


def vague_authority(text: str) -> bool:
    """Whether the text names an authority or plan nobody names (VAGUE_AUTHORITY)."""
    return holds_any(text, _VAGUE_NEEDS) and VAGUE_AUTHORITY.search(text) is not None


def strike_purpose(text: str) -> str:
    """The text without a purpose that is the project's own running (STOCK_PURPOSE)."""
    return STOCK_PURPOSE.sub("，", text) if "为" in text else text


def bare_condition(text: str) -> bool:
    return bool(_CONDITION_NOUNS.search(text) and BARE_CONDITIONS.search(text))
# A purpose that is the project's own running (为保障项目顺利实施, 为确保工作按期完成) could stand beside any
# gap; a purpose with an object of its own (为弥补线下培训停办) is a cause.
# (every match begins with 为: strike_purpose and signals pass over texts without it)
STOCK_PURPOSE = re.compile(r"为(了)?(保障|保证|确保|推动|促进)[^，,。；;]{0,6}?(顺利|按期|如期|正常|有序|高效)"
                           r"(实施|开展|推进|进行|完成|运行|实现)")
# Comparisons with last year and other achievements say nothing about this year's gap.
# A sentence that reports results and praises them is about achievements, not the gap.
ACHIEVEMENT = re.compile(
    r"反响良好|广受好评|成效(明显|显著)|(明显|不断|持续)(改善|提升|好转)|有力(震慑|保障|推动|促进|支撑)|全力保障"
    r"|取得(了)?(良好|显著|明显|积极)(的)?(成效|效果)"
)
YEAR_ON_YEAR = re.compile(r"较上年|比上年|较去年|比去年|同比|上一年度")
OTHER_TOPIC = re.compile(YEAR_ON_YEAR.pattern + "|" + ACHIEVEMENT.pattern)
# Every OTHER_TOPIC match holds one of these words (上年 or 去年 of a comparison with last year, 同比, 上一年度; the
# noun or verb each achievement holds): a text without them is about no other topic, found in one scan of a word tree.
_OTHER_NEEDS = re.compile(words_pattern(("上年", "去年", "同比", "上一年度", "反响良好", "广受好评", "成效", "改善",
                                         "提升", "好转", "有力", "全力保障", "取得")))


def other_topic(text: str) -> bool:
    """Whether the text compares with last year or reports an achievement (OTHER_TOPIC)."""
    return _OTHER_NEEDS.search(text) is not None and OTHER_TOPIC.search(text) is not None

# Praise of the unit's own work says nothing of why the row moved (labelling guide: none). Three forms:
# the leadership formula (在…坚强领导下), an adverb of effort before the unit's own doing (高度重视, 精心组织,
# 积极配合, 不断扩大, 狠抓落实), and a verdict on its own work (措施得当, 宣传到位, 决策程序严密、规划合理).
PRAISE = gated(
    r"在[^，,。；;]{0,20}?(领导|指导|支持|关心|部署)下"
    r"|(高度|积极|认真|不断|持续|大力|扎实|精心|周密|广泛|密切|狠抓|全力|切实|通力|严格|多措)(地)?"
    r"(重视|组织|部署|安排|动员|配合|合作|推进|推动|落实|开展|参与|争取|扩大|提升|提高|增强|加大|完善|保障|执行|并举)"
    r"|(?<![未不没尚])(有力|得当|到位|合理|有效|规范|有序|严密|合规|合法)(?![\u4e00-\u9fff\d])"  # 到位1200万元 is a fact
)
# Every PRAISE match holds one of these words (the leader formula's last word and 下, an adverb of effort, a
# verdict word): a text without them holds no praise, and is passed over without a scan of PRAISE.
PRAISE_NEEDS = ("领导下", "指导下", "支持下", "关心下", "部署下",
                "高度", "积极", "认真", "不断", "持续", "大力", "扎实", "精心", "周密", "广泛", "密切", "狠抓", "全力",
                "切实", "通力", "严格", "多措",
                "有力", "得当", "到位", "合理", "有效", "规范", "有序", "严密", "合规", "合法")
_PRAISE_WORD = re.compile(words_pattern(PRAISE_NEEDS))


def strike_praise(text: str) -> str:
    """The text without praise of the unit's own work (PRAISE struck, each match for a separator)."""
    return PRAISE.sub("，", text) if _PRAISE_WORD.search(text) else text

