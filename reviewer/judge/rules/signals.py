"""What the text of a deviation explanation says, read without the model.

Signals follow docs/domain-rules.md §3 and the labelling guide in
eval_sets/README.md: a cause, which is something that happened outside the
row (an event or a state by kind, an obstacle, a driver that moved, something
done to a party, a purpose, a rescheduling, a reference to another row's
explanation), firmest when a sentence gives its particulars (a figure of its
own, a date, a named party); figures that size the gap (figures.py; dates are
not figures); stock phrases, praise and the row said back, which are no
cause; claims about the direction or the figures; garbling and instructions
aimed at the reviewer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from ...checks.rows import MEASURE_WORDS
from ...form.values import normalize_text
from .figures import (
    ACTUAL_CLAIM, COUNTERS, DAY, DOWN_WORDS, DRIVES_ACTUAL, FIGURE, GAP_CLAIM, GAP_CLAIM_AFTER, LESS_SPENT,
    MORE_SPENT, NETTING, NUMBER, PER_UNIT, Figure, has_date, make_figure, normalised, quantities, strike_dates,
)
from .facts import CODE as _CODE, INVISIBLE, OBSTACLE, instructs, names_entity, own_figure, particular
from .limits import MAX_EXPLANATION, MAX_FIGURES
from .patterns import gated, has_digit, holds_any, lazy, words_pattern
from .stock import (
    ACHIEVEMENT, BARE_CAUSES, BARE_MAX, GENERIC_FACTORS, PRAISE, PRAISE_NEEDS, STOCK_PHRASES, STOCK_PURPOSE,
    YEAR_ON_YEAR, bare_condition, other_topic, strike_bare, strike_praise, strike_purpose, strike_vague,
    vague_authority,
)

# --- a cause, as a reviewer recognises one -------------------------------------------

# A connective counts only when something follows it ("由于客观原因" leaves "由于，" once the stock phrase is struck).
CAUSAL = gated(
    r"(由于|因为|(?<!原)因(?!此|而|素)|鉴于|原因(是|为|在于|[:：]|主要是|主要为)|导致|致使|以致)(?=[\u4e00-\u9fffA-Za-z\d]{2})"
    r"|受[\u4e00-\u9fffA-Za-z\d]{1,15}?(影响|冲击|制约|限制|所限)|所致|造成"
)
# What happens to a project, by kind: the events and states a reviewer accepts as a cause (domain-rules §3:
# an event or state outside the row). A topic (政策, 市场, 采购, 审批, 用地) or a procedure (查重, 审核, 比对)
# names no happening by itself: it counts only with something that happened to it (价格上涨, 审批滞后, 经比对剔除).
EVENT_KINDS = {
    "leaving": ("退出", "放弃", "撤", "迁", "取消", "终止", "破产", "注销", "违约", "停办", "关停", "流失", "离职",
                "辞职", "调离", "退休", "病故", "去世", "死亡", "转学", "返乡", "解除", "解约", "搬走", "搬离", "搬去",
                "生病", "患病", "住院", "病休", "转走", "调走", "搬走了", "离开"),
    "arriving": ("落户", "入驻", "开业", "开张", "新开", "引进"),
    "restructuring": ("变更", "更换", "撤换", "换人", "合并", "拆分", "并入", "划转", "移交", "改制", "重组", "换届", "机构改革", "改为", "改用",
                      "改由", "转为", "承接", "拆迁"),
    "claims struck": ("重复", "不予", "不符合", "未通过", "剔除", "核减", "清退", "追回", "违规", "虚报", "冒领", "退回",
                      "补正", "补记", "驳回"),
    "stoppages and faults": ("暂停", "暂缓", "停工", "停产", "中断", "故障", "损坏", "破损", "损毁", "坍塌", "塌方", "开裂",
                             "老化", "报废", "检修", "维修", "渗漏", "坏了", "坏掉",
                             "停电", "限电"),
    "weather and epidemic controls": ("汛", "干旱", "降雨", "高温", "降雪", "冰冻", "台风", "洪水", "暴雨", "地震", "寒潮",
                                      "低温", "封控", "静默", "停课", "隔离", "限流", "闭馆", "停诊"),
    "short, late or slow": ("耽误", "耽搁", "不足", "短缺", "紧张", "积压", "不够", "缺乏", "缺少", "缺货", "断货", "断供", "停供", "滞后", "较晚", "繁琐", "缓慢",
                            "未到位", "未出台", "未发布", "未落地", "未开发", "不具备", "困难"),
    "money and prices moved": ("上涨", "涨价", "下调", "节约", "结余", "调减", "调增", "压减", "追加"),
    "objections and instability": ("争议", "反对", "有意见", "投诉", "不满", "嫌", "不愿", "抵触", "不配合", "拒绝",
                                   "不同意", "不肯", "不让", "不给", "不稳定", "不稳"),
    # (整改 is what is done about a defect, a response like a measure: 已责令施工单位整改 names no defect)
    "defects found": ("超标", "不达标", "返工", "返修", "返厂", "欠费"),
    "scope": ("扩大", "扩面", "缩小", "收窄", "恢复"),
    "demand surged": ("走红", "火爆", "爆满", "激增", "骤增", "井喷"),
}
EVENTS = tuple(word for words in EVENT_KINDS.values() for word in words)
# Happenings said in ways beyond single words: with a colloquial negation (没法动工, 没通过验收, 没做闭水试验);
# people away (常年在外打工); a check that found something (排查出漏挂户); a rule changed (修订办法, 允许…入库);
# a figure moved from one value to another (由50座调整为70座); a price set against another (成交价…低于预算
# 单价); a stoppage (停机, 停运).
_HAPPENED_WORDS = (
    "没法", "没办法", "没能", "没通过", "没做", "常年在外", "长期在外",
    *(a + b for a in ("在外", "外出", "异地") for b in ("务工", "打工", "就业", "居住")),
    "查出", "检出", "排查出", "摸排出", "查实", "允许", "放宽", "收紧", "新增", "增设", "占用", "挤占", "挪用",
    *("停" + b for b in ("电", "机", "水", "气", "工", "产", "业", "运", "航", "课", "诊", "办", "用", "了", "掉", "下来")),
)
_HAPPENED = (
    r"没有(?!完成|达|实现)(?=[\u4e00-\u9fff]{2})"  # 没有完成 is the gap said back
    # something come upon in the work (施工中挖到一段老排水渠, 开挖发现天然气管道); a finding of a review
    # (通过自查，发现…尚有不足之处) is what it found, read on its own
    r"|(施工|开挖|挖掘|勘察|勘探|拆除|清淤)[^，,。；;]{0,4}?(发现|遇到)|挖到|挖出"
    # a rule changed (修订《…办法》, 废止原标准), not the unit revising its own plan (正在修改方案)
    r"|(修订|修改|废止)了?[^，,。；;]{0,10}?(办法|规定|标准|政策|条例|细则|制度|目录|规则|》)"
    r"|(办法|规定|标准|政策|条例|细则|制度|目录|规则|》)[^，,。；;]{0,6}?(修订|修改|废止)"
    # something added to the work (增加了围挡和夜间照明, 加装电梯): the scope grew; not money added (增加支出)
    r"|(增加|加装|增补)了?(?!(较|很|明显|幅|比|至|到|为|的|支出|资金|费用|经费|成本|预算|投入|金额|开支|人数|数量))(?=[\u4e00-\u9fff]{2})"
    r"|由[^，,。；;]{0,16}?(调整|变更|改|增|减|降|升|涨|跌|提高|降低|下调|上调|压缩|扩大)(为|至|到)"
    # a price moved, or set against another (成交价低于预算单价, 招标价比预算低了20万元)
    r"|(价|价格|单价|费率|标准)(?:[^，,。；;]{0,12}?(低于|高于|下降|上涨|下调|上调|降低|提高|涨|降|贵|便宜)"
    r"|[^。；;]{0,16}?比[^，,。；;\d]{0,8}?(低|高|少|多))"
    r"|每[\u4e00-\u9fff]{1,3}?(比[\u4e00-\u9fff]{1,4}?)?(涨|降|贵|便宜)了?(?=[\d约近一二两三四五六七八九十])"  # 每吨涨了80元
    r"|(低于|高于)[^，,。；;\d]{0,6}?(价|价格|单价|标准)"
    r"|已有(?![\d一二两三四五六七八九十百千])"  # 已有同类设备 is a state; 已有350户 a count of progress
    r"|被(?=[\u4e00-\u9fff]{2})"  # the items underwent something: 被违建占用, 被划入退养范围
)
# One pattern for all of them: a scan per text instead of a substring test per word (longest first).
EVENT_WORDS = gated(words_pattern(EVENTS + _HAPPENED_WORDS)
                         + "|" + _HAPPENED)
_MEASURE_WORD = re.compile(words_pattern(MEASURE_WORDS))
_STOCK = re.compile(words_pattern(STOCK_PHRASES))
# For a late row, the delay is the gap itself, not its cause.
DELAY_WORDS = ("延期", "推迟", "延迟", "延误", "顺延", "滞后", "延后", "拖后", "未按期", "未能按期", "未按时")
# Not yet in place (other than the row's own output); demand bunching up; a process or cycle that takes long.
# Only asked whether it matches (in _FINDING, _SAID_WHY, _CONNECTED), so the character before 待 is looked
# behind at rather than matched: the pattern then begins with one of a few characters, and is gated.
STATE = gated(
    r"(尚|仍)(未|在|待)(?!完成|完工|建成|竣工|达到|实现|验收)|(量|期|季度|月份|时段)[\u4e00-\u9fff]{0,4}?集中(?!供水|式)|集中(在|于)"
    r"|(周期|流程|程序|手续|审批|工期|时间)(较|过|偏|太)?长"
    # waiting on a step: 前期费、剩余工程款待申请; 尾款待质保期满
    r"|(?<=[\u4e00-\u9fff])待(申请|审批|批复|结算|验收|审核|办理|落实|决算|审计|质保)|质保(期|金)"
    r"|待[^，,。；;]{0,20}?后(支付|拨付|结算|付款|兑付)"
    # waiting on something else before the work can go on: 要等塘苗路工程完工后，曲荷巷的工程才能开工
    r"|(要等|需等|须等|得等|只能等|等到|等待|待)[^。；;]{0,24}?后[^。；;]{0,12}?(方可|才能|才可|方能|才)"
    r"|(让|叫|要)[\u4e00-\u9fff]{0,3}等[^。；;]{1,16}?(再|才)"  # 让我们等他们换完再修
    # a term of a contract or agreement: 按合同约定, 依协议约定
    r"|(按|按照|根据|依据|依)(合同|协议)(约定|规定|条款)"
    # demand or workload that was large: 用工需求大, 工作量较大, 承担大量…任务, 补助资金有缺口 (something
    # else there was much or little of, 申报企业较少, is a driver: _is_driver)
    r"|(需求|用工|[量数]|难度|客流|人流)(较|很|偏|特别|过)?(大|多|旺盛|集中|频繁)"
    # (not the unit's own effort: 投入大量资金和人力)
    r"|大量(?<!投入大量)(?<!投放大量)(?<!出动大量)(?<!动员大量)(?<!调配大量)(?<!组织大量)(?=[\u4e00-\u9fff]{2})"
    # a season or a time outside the row: 正值秋收, 恰逢汛期
    r"|(正值|恰逢|适逢|正逢|时值)(?=[\u4e00-\u9fff]{2})"
    r"|(资金|经费|补助)[\u4e00-\u9fff]{0,2}?(有|存在)?缺口"
)
# Beside a row that is not itself about finishing, an unfinished project is a cause: 项目暂未完工 beside 验收合格率.
NOT_FINISHED = gated(r"(尚|仍|暂|还)未(完工|完成|建成|竣工|交付)|(尚|仍|还)(在|处于)(建设|施工|工期|建设期)|在建")
_FINISHING = ("完工", "完成", "竣工", "建成", "交付", "进度", "时间", "日期")
# Beside a late date, "still within the construction period" or "not yet at the completion date" says the
# delay back: 因项目尚在建设工期内，未到完工日期.
STILL_BUILDING = gated(
    r"(因|由于)?(本|该)?(项目|工程)?(尚|仍|还)?(在|处于)(建设|施工)?(工期|建设期|施工期|合同工期)内?|未到(完工|竣工|验收)(日期|时间|环节)?"
)
# An earlier stage that came late is a cause of a later date: 开工推迟 beside a completion date.
EARLIER_STAGE_LATE = gated(
    r"(开工|招标|采购|审批|批复|立项|到货|供货|资金下达|资金到位|下达|到账|拨付|拨款)[^，,。；;]{0,4}?"
    r"(推迟|延迟|延期|较晚|滞后|延后|得?晚了?|得?迟了?)"
    r"|(钱|资金|款|经费)[^，,。；;]{0,4}?到得?(晚|迟)"  # said plainly: 上面的钱到得晚
    r"|(推迟|延迟|延期|延后)(开工|招标|采购|审批|批复|到货|下达)"
)
PURPOSE = re.compile(r"为(了)?(弥补|满足|配合|适应|应对|落实|衔接|保障)")
# Evidence that moved the plan: 根据…溯源监测结果, 经摸底调查发现.
BASIS = re.compile(r"(根据|依据|按照|经)[^，,。；;]{0,20}?(监测|调查|调研|评估|检测|普查|排查|核查|测算|摸底|勘察|勘测)(结果|发现|数据|显示|表明)")
RESCHEDULED = re.compile(r"(调整|推迟|延|顺延|结转)(至|到)[^，,。；;]{0,12}(实施|建设|开展|执行|完成|举办)|调整至(下|明|次)年")
CROSS_REF = re.compile(r"(详见|参见|见)[^，,。；;]{1,30}(说明|那条|那一条|该条|指标|一栏|栏)")
# "<driver> 增加/减少": something other than the row itself moved.
_CHANGES = ("增加", "减少", "增多", "调减", "调增", "下降", "上升", "减半", "翻番", "激增", "骤增", "猛增", "剧增", "大增",
            "锐减", "骤减", "大减")
CHANGE = lazy(r"([\u4e00-\u9fff]{2,14}?)(相应|随之|大幅|明显)?(" + "|".join(_CHANGES) + ")")
_CHANGE_WORD = re.compile(words_pattern(_CHANGES))
_MONEY_WORDS = ("资金", "金额", "支出", "费用", "成本", "预算", "经费", "投资")
_NOT_DRIVERS = set("金额资金成本支出费用经费预算实际完成情况目标指标年度全年有所略均已也都较为部分个别一些")
# Clauses about what will be done (改进措施) say nothing about what happened.
_WILL_DO = "进一步|加强|加快|继续|优化|完善|严格|提前|督促|建立|推进|改进|强化|做好|积极|认真|尽快|全力|切实"
MEASURE_CLAUSE = gated(
    rf"(需|须|要|应当?|必须)(进一步|切实|尽快|继续|持续)?({_WILL_DO})|下一步|下来将|今后|下阶段|(?<!原)(?<!计划)拟|力争|(?<!为)确保|争取|将({_WILL_DO}|在|于|按|根据|结合|及时|做到)"
    r"|^\s*([一二三四五六七八九十]是|\d[.、）)])?(并|同时|还|也|并将)?(加强|完善|建立健全|建立|强化|优化|加快|做好|严格|进一步|健全|规范)"
    # a forecast: what is expected, not what happened (如果一切顺利工期大概在四个月, 预计2024年3月完工)
    r"|如果|倘若|假如|一切顺利|有望|可望|(?<![原初])预计(将|于|在|可|能|\d)"
    # urging done now is a measure too: 已要求施工单位尽快拆除, 正加快推进移交工作
    r"|尽快|抓紧|加快推进|全力推进"
    # a promise, by the unit or another (施工单位表示将增加人员和机械): what will be done
    r"|(表示|承诺|保证)(将|会|要)|将(增加|增派|加派|投入|调配|调集|安排|协调|组织)"
)
# Everything after a heading for the measures ("改进措施：…", "整改措施:…") is what will be done.
MEASURE_HEADING = re.compile(r"(改进措施|整改措施|改进方向|下一步(工作)?(打算|计划|措施|举措)?)\s*[:：]")
# The converse of the row's own measure restates the gap: 故障 beside 完好率, 不合格 beside 合格率.
# The converse of the row's own measure restates the gap: 不合格 beside 合格率, 不满意 / 满意度不高 beside
# 满意度, 未到位 beside 到位率 (restatements); a few measures have a word of their own for the converse.
ANTONYMS = {"完好": ("故障", "损坏", "维修", "检修"), "使用": ("闲置",), "利用": ("闲置",), "出勤": ("缺勤",),
            "开放": ("暂缓对外开放", "暂缓开放", "闭馆")}
# Beside a cost row, money left over or overspent is the gap itself.
COST_RESTATES = ("结余", "节约", "结转", "未支付", "未拨付", "未使用", "超支",
                 "调减", "调增", "追加", "压减")  # the budget moved: the money row itself, said back
_STOCK_AND_COST = re.compile(words_pattern(STOCK_PHRASES + COST_RESTATES))
# A sentence cut off before it names anything: ends on a connective or a preposition.
TRUNCATED = re.compile(
    r"(的|因|由于|因为|受|及|和|与|对|在|将|为|导致|造成|致使|使|被|把|从|向|是|部分|一些|个别|其中|主要|、|，|,|…|\.\.\.)$"
)
# TRUNCATED's longest match (...) is 3 characters, and $ also matches before a final newline: a match found in
# the whole text lies within its last 4 characters (and the pattern has no lookbehind).
_TRUNCATED_REACH = 4

# --- the rest --------------------------------------------------------------------------

_FOLLOWING = ("相应", "随之", "同步", "同比例", "按比例", "等比例", "跟着")  # FOLLOWS_COUNT ends on one of them
FOLLOWS_COUNT = re.compile(
    r"(项目数|数量|个数|项目|长度|里程|面积|规模|人数|台数|户数|工程量|[\u4e00-\u9fff]{1,6}?[数量])"
    r".{0,12}(调整|减少|增加|变化|变动|调减|调增|下降|缩减)"
    r".{0,12}(金额|资金|成本|费用|预算|支出|经费|钱).{0,6}(相应|随之|同步|同比例|按比例|等比例|跟着)"
)
CLAIMS_DOWN = ("减少", "下降", "降低", "节约", "结余", "调减", "压减", "未拨付", "不予拨付", "少于", "未完成", "缩减")
CLAIMS_UP = ("增加", "上涨", "提高", "超支", "追加", "调增", "超出", "多于", "扩大", "增长")
# "已完成年度目标", "达到预期效果": a claim that the target was met.
CLAIMS_MET = gated(r"(已|均已|已经|全部|全面)(超额)?(完成|达到|实现|超过)了?(年度|预期|既定|计划)?(目标|任务|计划|预期)|达到(了)?预期(效果|目标)")
_INTENT = re.compile(r"将|确保|力争|争取|计划|拟")
_MOJIBAKE = ("锟斤拷", "烫烫烫", "屯屯屯", "�", "Ã", "â€", "Â")
# OCR and encoding junk inside otherwise readable text: a run of keyboard symbols or empty boxes
# ("…@#￥%……&*（）□□□"), or a raw byte written out ("0x3F"). A reviewer cannot read past it.
_JUNK = gated(r"(?:[@#￥$^&*□■◆◇~`|\\][^\u4e00-\u9fffA-Za-z0-9]{0,3}){3,}|□{2,}|(?<![A-Za-z0-9])0x[0-9A-Fa-f]{2,}")
# One party: a count of one (一家), or "that company" back-referring to a party the text names.
_ONE_PARTY = re.compile(r"一(家|个|项|所)")
_THAT_PARTY = re.compile(r"该(公司|企业|单位|项目|机构|园区|中心|会议|展览)")
_CLAUSES = re.compile(r"[，,。；;！!？?\n]")
_MEASURE_AHEAD = gated(r"(下一步|今后|\d{4}年|明年|下年)[^，,。；;]{0,6}将")


# Hashable and never changed (the read_text memo shares one between judgements: a change is a `replace`),
# but not frozen: a frozen dataclass of 27 fields takes ~10 µs to build, one object.__setattr__ per field.
@dataclass(unsafe_hash=True)
class TextSignals:
    stock: bool
    cause: bool
    figures: tuple[str, ...]
    singular: bool
    measure: bool
    garbled: bool
    injection: bool
    follows_count: bool
    claims_down: bool
    claims_up: bool
    truncated: bool = False
    other_topic: bool = False
    claims_met: bool = False
    quantities: tuple[Figure, ...] = ()
    actual_claims: tuple[Figure, ...] = ()
    per_unit: tuple[Figure, ...] = ()  # figures said per unit: 每部补助25万元
    gap_claims: tuple[tuple[str, Figure], ...] = ()  # ("down" | "up", figure)
    drives_actual: tuple[Figure, ...] = ()  # the value the cause is said to have pulled the row to
    nets: bool = False  # the text sets savings against extra costs (增减相抵): parts may be subtracted
    days: tuple[tuple[int | None, int, int], ...] = ()  # calendar days named: (year or None, month, day)
    moved_to: tuple[tuple[int | None, int, int], ...] = ()  # days a date is said moved to: 工期延长至2024年12月31日
    cause_strength: int = 0  # FACT, CONNECTIVE, WORD or NO_CAUSE: how the cause was read
    named_items: int = 0  # sentences that each name one item of the gap and what happened to it
    causal: bool = False  # a causal connective (因, 由于, 导致…) stands before the measures
    parts_told: bool = False  # says which part is done and which is not, with a cause (qualitative rows)


_SPACE = re.compile(r"\s")
_PLAIN = re.compile("[\u4e00-\u9fff\x00-\x7f％（）：；，。、“”‘’《》]+")


def garbled(text: str) -> bool:
    """Mojibake, replacement characters, or mostly symbols that are neither Chinese nor plain text."""
    for mark in _MOJIBAKE:
        if mark in text:
            return True
    if _JUNK.search(text):
        return True
    # Chinese, ASCII and the common full-width marks are never odd: only the rest is looked at one by one.
    rest = _PLAIN.sub("", text)
    if not rest and "?" not in text:  # nothing odd: no share of odd characters to work out
        return False
    total = len(text) - len(_SPACE.findall(text))
    if not total:
        return False
    odd = text.count("?") + sum(1 for c in rest if not c.isspace()
                                and not unicodedata.category(c).startswith("P") and unicodedata.category(c) != "Nd")
    return odd / total > 0.3


# The effect said back (导致工期延误, 致使完成数量减少): the gap itself, introduced by a connective; the
# cause, if any, is what stands before it.
_EFFECT_SAID = re.compile(
    r"(导致|致使|造成|以致|从而|进而|使得)(了)?[^，,。；;]{0,12}?(延误|滞后|延期|推迟|延迟|减少|下降|降低|未能完成|未完成"
    r"|未达到|未达标|不达标|偏低|偏高|增加|超支|结余)[^，,。；;]{0,6}?(?=[，,。；;]|$)"
)
# A connective left with nothing after it once bare categories are struck (主要原因是年初，…).
_LEFT_BARE = gated(r"(主要原因|原因)(是|为|在于|主要是)(年初|年中|年底|前期|当年|今年|本年度?)?(?=[，,。；;]|$)"
                        r"|(由于|因为|因)(年初|年中|年底|前期|当年|今年|本年度?)?(?=[，,。；;]|$)")


@lru_cache(maxsize=4096)
def _not_causes(text: str, name: str, late: bool, cost: bool) -> str:
    """The text without bare cause categories, measure clauses, stock phrases and restatements of the gap."""
    text = _before_heading(text)
    text = _without_gap_said(text, cost)  # the gap said back is no cause
    if late:
        text = STILL_BUILDING.sub("，", text)
    text = strike_praise(strike_vague(strike_purpose(strike_bare(text))))
    text = "。".join(_before_measures(sentence) for sentence in _SENTENCES.split(text))
    text = (_STOCK_AND_COST if cost else _STOCK).sub("，", text)
    text = _strike_left_bare(_strike_effect(text))
    if restatements(name):
        if "不满" in text or "意见" in text:  # in every COMPLAINT match
            text = COMPLAINT.sub(r"\1有意见", text)  # a complaint about something named is no restatement
        for phrase in restatements(name):
            text = text.replace(phrase, "，")
    return _empty_connectives(text, name, cost, late) if _CONNECTIVE_WORD.search(text) else text


# A connective announces a cause; what it introduces is the cause. "主要原因是规模化供水覆盖人口比例55%",
# "原因是年初预算安排500万元，年中调整为320万元", "因截至8月11日签约159户": what follows is the row's own
# measurement (its name, its figures, a date, the budget beside a cost row), which is no cause however it
# is announced (labelling guide: narrative, the row's own figures). Such a connective is struck, so it
# makes no cause of what it introduces; one that introduces anything else (因采用线上培训方式, 因换了施工
# 单位) stands, whatever its words.
def _strike_effect(text: str) -> str:
    """The text without the effect said back (_EFFECT_SAID): each match begins with one of _EFFECT_LINKS, so
    a text without them (most) is passed over without a scan."""
    return _EFFECT_SAID.sub("，", text) if holds_any(text, _EFFECT_LINKS) else text


_EFFECT_LINKS = ("导致", "致使", "造成", "以致", "从而", "进而", "使得")


def _strike_left_bare(text: str) -> str:
    """The text without connectives left bare (_LEFT_BARE): each match holds 因 (原因, 因为, 因) or 由于."""
    return _LEFT_BARE.sub("，", text) if "因" in text or "由于" in text else text


_CONNECTIVE_WORD = gated(r"由于|因为|(?<!原)因(?!此|而|素)|鉴于|(主要)?原因(主要)?(是|为|在于|[:：])"
                                    r"|(按|按照|根据|依据|依)(合同|协议)(约定|规定|条款)")  # a contract term, too
_CLAUSE_END = re.compile(r"[，,。；;！!？?\n]")
# Words of the row's own measurement: its period, its plan and actual, its rate.
_MEASUREMENT_CHARS = set("实际计划全年初中底完成执行率比例截至累计共达目前本当度月日"
                        "项目工程施建设")  # and the project's own running: 因施工暂时改道 names the project itself
_DELAY_SAID = lazy(words_pattern(DELAY_WORDS))
_BUDGET_CHARS = set("预算资金经费费用支出金额成本投资安排调整追加调减增减万元")  # beside a cost row, money is the row


def _empty_connectives(text: str, name: str, cost: bool, late: bool = False) -> str:
    """The text without connectives whose object (the rest of their clause) is the row's own measurement:
    once figures, dates, the row's name, filler and measurement words are set aside, fewer than two
    characters of its own are left."""
    said = _MEASUREMENT_CHARS | _BUDGET_CHARS if cost else _MEASUREMENT_CHARS

    def strike(m: re.Match) -> str:
        end = _CLAUSE_END.search(text, m.end())
        obj = text[m.end():end.start() if end else len(text)]
        if late:  # beside a late date the delay is the gap itself
            obj = _DELAY_SAID.sub("", obj)
        words = FIGURE.sub("", strike_dates(obj)) if has_digit(obj) else obj
        own = {c for c in words if "\u4e00" <= c <= "\u9fff" and c not in name and c not in said
               and c not in _FILLER_CHARS}
        return m.group(0) if len(own) >= 2 and "原因" not in m.group(0) else "，"
    return _CONNECTIVE_WORD.sub(strike, text)




_SENTENCES = re.compile(r"[。；;！!？?\n]")
_DIGIT = re.compile(r"\d|[一二两三四五六七八九十百千]")


_SHORT_WORDS = re.compile(r"不足|不够|不到位|不达标|不合规")


@lru_cache(maxsize=512)
def _without_measures(norm: str) -> str:
    """The text before its measures: the heading and each sentence's measure clauses struck."""
    return "。".join(_before_measures(sentence) for sentence in _SENTENCES.split(_before_heading(norm)))


def _before_heading(text: str) -> str:
    """The text before a heading for the measures (MEASURE_HEADING): each match ends on a colon."""
    return MEASURE_HEADING.split(text, maxsplit=1)[0] if "：" in text or ":" in text else text


@lru_cache(maxsize=2048)
def _before_measures(sentence: str) -> str:
    """The clauses of a sentence that may carry a cause: those before its measures begin ("今后将加大路检力度，
    督促车主及时维修" is all measure, though its second clause has no measure word of its own), without
    clauses of praise that find nothing.

    Procedures (经…查重), reports of the year's work (立案查处12起) and descriptions of the project (总投资
    3.8亿元) need no rule of their own: they name no happening, so they are no cause (_states_a_fact)."""
    if _STRUCK_NEEDS.search(sentence) is None:  # no clause of it can be struck: each is kept
        return _CLAUSES.sub("，", sentence)
    kept = []
    for clause in _CLAUSES.split(sentence):
        if MEASURES_FROM_HERE.search(clause):
            break
        if MEASURE_CLAUSE.search(clause) or (PRAISE.search(clause) and not _finding(clause)):
            continue
        kept.append(clause)
    return "，".join(kept)


# Every match of MEASURES_FROM_HERE, MEASURE_CLAUSE and PRAISE holds one of these words (each alternative of
# theirs is one or holds one: 将 stands in 下来将 and 将(…); _WILL_DO's words in 需(…)加强, 加快推进, 全力推进),
# so a sentence without any of them has no clause _before_measures strikes.
_STRUCK_NEEDS = re.compile(words_pattern(
    (*_WILL_DO.split("|"), "下一步", "今后", "下阶段", "拟", "力争", "确保", "争取", "将", "健全", "规范", "如果", "倘若",
     "假如", "一切顺利", "有望", "可望", "预计", "抓紧", "表示", "承诺", "保证", *PRAISE_NEEDS)))


def _finding(clause: str) -> bool:
    """Something happened or went wrong in this clause: a causal word, an event, a state, an obstacle, or a
    count that moved (较计划少3台: beside a count row it was struck before as the gap said back)."""
    return bool(causal_word(clause) or _any_found(_FINDING, clause) or _counts_moved(clause))


def _any_found(patterns: tuple[re.Pattern, ...], text: str) -> bool:
    """Whether any of these patterns is found in the text (a plain loop: no generator per call). One pattern
    joining them would scan the text once, but compiling it costs every process ~50 ms at import (their
    classes of Chinese characters built again), far more than the few texts that reach these tests save."""
    for pattern in patterns:
        if pattern.search(text):
            return True
    return False


_CAUSAL_NEEDS = ("因", "致", "受", "由于", "鉴于", "造成")  # 致 as in 导致, 致使, 以致, 所致


def causal_word(text: str) -> bool:
    """Whether CAUSAL is found in the text. Each of its matches holds one of _CAUSAL_NEEDS: a text without
    them (five in six clauses asked) is not scanned."""
    return holds_any(text, _CAUSAL_NEEDS) and CAUSAL.search(text) is not None


# (CAUSAL, asked first, through causal_word)
_FINDING = (STATE, _SHORT_WORDS, OBSTACLE, EVENT_WORDS)
_SAID_WHY = (STATE, _SHORT_WORDS)
_CONNECTED = (STATE, PURPOSE, CROSS_REF, BASIS)


# Verbs of something done or happening to the items or a party (迁往, 纳入, 撤并, 合并, 退出…), beyond the event words.
_VERB = lazy(r"迁|纳入|划入|撤|并入|合并|移交|转入|转出|改为|改由|调出|调入|列入|中标|获批|反映|反对"
                   r"|未(?!完成|达|实现|能|发生|出现|发现)[\u4e00-\u9fff]|没(?![有法能]|完成|达|实现)[\u4e00-\u9fff]|不再|暂缓|取消|紧邻|毗邻|靠近|地处|删减|删除|压缩|削减"
                   r"|暂停|终止|停止|关闭|拆除|征收")
# Acts of a party: a document issued, a request, a decision, a contract. Someone else's act is a happening
# outside the row (市财政局…下达, 36人书面申请不参加); the unit's own (召开会议部署、印发实施方案, 经局务会研究
# 同意追加, 与某公司签订合同) is its work narrated, which names no cause (labelling guide: narrative; a
# procedure without what it found). So an act counts only with an actor of its own before it in the clause.
_ACT = re.compile(words_pattern(("下达", "发布", "出台", "印发", "要求", "通知", "批复", "批准", "签订", "签约", "申请",
                                 "提出", "同意", "决定")))
# Who acts: a named party or body (ENTITY), a level of government, a count of people or parties, a party by kind.
_ACTOR = gated(
    r"(中央|国家|国务院|省级?|市级|县级|区级|上级)"
    r"|\d+\s*(人|名|户|家|个|所|位)|[一二两三四五六七八九十]+(人|名|户|家|所|位)"
    r"|(?<![我本])(企业|公司|厂家|厂商|供应商|承包商|施工方|施工单位|中标单位|业主|居民|群众|村民|农户|家长|学生|老人|患者|车主|商户)"
)
# The unit's own bodies deliberating (局务会, 局长办公会, 党组会议, 专题会议): the unit itself, not another party.
_OWN_MEETING = re.compile(r"会议|务会|办公会|党组会|专题会|常务会")


# The basis formula (按照《…方案》要求, 根据市里通知): the rule is named as the ground of what follows, and what
# it did is said after it (改为, 扩大至, 不再纳入) or not at all.
_ON_BASIS = lazy(r"(根据|按照|依据|遵照|依照|按)[^，,。；;]*$")


# The other side of the unit's own act (与某公司签订合同, 向省厅申请): a counterpart, not the actor.
_COUNTERPART = lazy(r"(与|同|跟|向)[^，,。；;]*$")


# The plan itself as the object of an act (下达创建任务15个, 下达年度目标): the target and who set it.
_SETS_THE_TARGET = lazy(r"[^，,。；;]{0,10}?(任务|目标|计划)(数|量)?[^，,。；;\d]{0,2}\d")


def _acted_by_another(clause: str, m: re.Match) -> bool:
    """The act matched at m has an actor of its own before it in the clause (not the unit's own meeting,
    not a rule named as the basis of what follows), and its object is not the row's own target (省级下达
    创建任务15个 says who set the target)."""
    before = _COUNTERPART.sub("", _OWN_MEETING.split(clause[:m.start()])[-1])  # after the meeting, if any
    if _ON_BASIS.search(before):
        return False
    if _SETS_THE_TARGET.match(clause, m.end()):
        return False
    return bool(names_entity(before) or _ACTOR.search(before))


# Where the rest of a sentence is what will be done (下一步 / 今后 / 将加强…); 拟 or 确保 alone mark one clause.
MEASURES_FROM_HERE = gated(rf"下一步|今后|下阶段|将({_WILL_DO}|持续)|(明年|下年|\d{{4}}年)[^，,。；;\d]{{0,6}}将")


def _without_other_topics(norm: str) -> str:
    """The text without what is about something else: a sentence that reports achievements and praises them,
    and a clause that compares with last year (诊疗人次同比增长4.2%) unless it gives a cause ("因3家企业退出，
    较上年减少2家")."""
    if not other_topic(norm):  # neither pattern's words hold a separator: no sentence holds them
        return _SENTENCES.sub("。", norm)  # every sentence kept, joined as below
    kept = []
    for sentence in _SENTENCES.split(norm):
        if ACHIEVEMENT.search(sentence):
            continue
        if YEAR_ON_YEAR.search(sentence) and not causal_word(_unannounced(sentence)):
            sentence = "，".join(c for c in _CLAUSES.split(sentence) if not YEAR_ON_YEAR.search(c))
        kept.append(sentence)
    return "。".join(kept)


# A price set against the budget (招标价比预算低了20万元, 中标价180万元，比预算少20万元) is the tender or the
# market moving the money: a cause, not the gap said back.
_PRICE_BEFORE = re.compile(r"(价|价格|单价)[^。；;!！?？\n]{0,12}$")


def _without_gap_said(text: str, cost: bool) -> str:
    """The text without the gap said back (较目标少5个, 高于控制指标32万元). Beside a cost row, a count's
    gap (较计划少3台) is the paired quantity moving, which is why the money moved: it stays."""
    def strike(m: re.Match) -> str:
        if cost and m.group(m.re.groups) in COUNTERS:
            return m.group(0)
        return m.group(0) if _PRICE_BEFORE.search(text, max(0, m.start() - 16), m.start()) else "，"
    # each GAP_CLAIM match holds 较 or 比, each GAP_CLAIM_AFTER match 于 or 超: texts without are not scanned
    # (strike reads the text as given, before either pattern struck anything, as it always has)
    once = GAP_CLAIM.sub(strike, text) if "较" in text or "比" in text else text
    return GAP_CLAIM_AFTER.sub(strike, once) if "于" in once or "超" in once else once


def _counts_moved(text: str) -> bool:
    """A count's gap said (较计划少3台): a GAP_CLAIM whose unit counts items. Each match holds 较 or 比."""
    return ("较" in text or "比" in text) and any(m.group(8) in COUNTERS for m in GAP_CLAIM.finditer(text))


def _states_a_fact(text: str, name: str, late: bool, cost: bool, known: tuple[Decimal, ...]) -> bool:
    """Some sentence says what happened (an event or state outside the row: _happens) and gives its
    particulars (a figure of its own, a date, a code, a named party: explanation_facts.particular).

    Figures, dates and names alone are no cause (labelling guide: narrative, the row's own figures);
    a happening without particulars is a mechanism, read by cause_found's later steps. Sentences about
    something else (last year, other results) are skipped, and so are the row's own figures said back
    ("实际完成…", "较目标少…"). text is what cause_found read: without other topics and _not_causes."""
    schedule = _DONE + ((DELAY_WORDS + _SCHEDULE) if late else ())
    for sentence in _SENTENCES.split(ACTUAL_CLAIM.sub("，", text) if _says_actual(text) else text):
        if not (_DIGIT.search(sentence) or names_entity(sentence) or _CODE.search(sentence)):
            continue  # no clause of it can give a particular (facts.particular): no need to seek a happening
        clauses = [clause for clause in _CLAUSES.split(sentence) if clause]
        if not any(_happens(clause, name, cost, late, known) for clause in clauses):
            continue
        for clause in clauses:
            dated = has_digit(clause) and has_date(clause) and not holds_any(clause, schedule)
            if particular(clause, name, lambda c=clause: _values(c), known, dated,
                          lambda c=clause: FIGURE.sub("", strike_dates(c))):
                return True
    return False


def _says_actual(text: str) -> bool:
    """Whether the text holds a word every ACTUAL_CLAIM match begins with (实际, 累计, 全年共)."""
    return "实际" in text or "累计" in text or "全年共" in text


def _values(clause: str) -> list[Decimal]:
    """The figures a clause writes (not counts read off lists of names)."""
    return [f.value for f in quantities(clause, derived=False)] if _DIGIT.search(clause) else []


# A complaint with its object (对菜品口味和品种单一不满意): it names what, so it is no restatement of a
# lower satisfaction, as a bare 不满意 is.
COMPLAINT = re.compile(r"(对[^，,。；;]{2,24}?)(不满意|不满|意见较大|有意见)")


def _happens(clause: str, name: str, cost: bool = False, late: bool = False, known: tuple[Decimal, ...] = ()) -> bool:
    """Something happened or went wrong in this clause: a causal word, an event, a state, an obstacle,
    a driver that moved, or something done to a party."""
    if causal_word(clause) or _any_found(_SAID_WHY, clause):
        return True
    if _events(clause, name, late, known):
        return True
    if any(not _own_action(clause, m, name) for pattern in (OBSTACLE, _VERB) for m in pattern.finditer(clause)):
        return True
    if _act_of_another(clause, name):
        return True
    return (cost and _counts_moved(clause)) or _is_driver(clause, name, cost)


def _act_of_another(text: str, name: str) -> bool:
    """Some clause has an act done by a party other than the unit (_acted_by_another)."""
    if not _ACT.search(text):  # most texts hold no act: one scan rules them out
        return False
    return any(_acted_by_another(clause, m) and not _own_action(clause, m, name)
               for clause in _CLAUSES.split(text) if _ACT.search(clause) for m in _ACT.finditer(clause))


# Hardship used of the people a project serves (困难家庭, 困难群众): a category of beneficiary, no event.
_ATTRIBUTIVE = re.compile(r"(家庭|群众|户|学生|老人|人员|职工|儿童|对象|人群|党员|妇女)")
# Nothing found or nothing happened (未发现违规问题, 没有出现故障): the event word under it did not happen.
_NONE_FOUND = lazy(r"(未|没有|没|无)(发现|出现|发生)[^，,。；;]{0,6}$")
# Work done (已完成加固和维修工程, 开展隐患排查): an event word as the object of doing the work is no happening.
# So is its object of work pushed on (加快推进公园终验移交工作).
_WORK_DONE = lazy(r"(完成|开展|实施|进行|组织|推进|推动|加快|做好|抓好)了?[^，,。；;]{0,8}$")


def _events(text: str, name: str, late: bool = False, known: tuple[Decimal, ...] = ()) -> set[str]:
    """The distinct event words that say something happened: not a word of the row's name (超标 beside
    超标率), not a delay beside a late date (the gap itself), not the object of work done, not the row's
    own move said back (由200人调整为150人 beside 200 → 150人)."""
    none_found = "发现" in text or "出现" in text or "发生" in text  # _NONE_FOUND needs one of them
    return {m.group(0) for m in EVENT_WORDS.finditer(text)
            if not (m.group(0) == "困难" and _ATTRIBUTIVE.match(text, m.end()))
            and m.group(0) not in name and not (late and m.group(0) in DELAY_WORDS)
            and not _WORK_DONE.search(text, max(0, m.start() - 12), m.start())
            and not (none_found and _NONE_FOUND.search(text, max(0, m.start() - 8), m.start()))
            and not (known and m.group(0)[0] == "由" and _own_move(text[m.start():m.end() + 16], known))}


def _own_move(move: str, known: tuple[Decimal, ...]) -> bool:
    """A move from one value to another (由…调整为…) whose figures are the row's own target and actual."""
    values = [f.value for f in quantities(move, derived=False)[:2]]
    return bool(values) and not own_figure(values, known)


_ADVERBS = re.compile(r"^(全部|全面|按期|按时|及时|如期|正常|顺利|完全|全|再|开始|进行|予以)")
# 未将工程公示牌延伸悬挂: the verb stands after its object; the row's own verb anywhere in the clause is its action.
_OBJECT_FIRST = re.compile(r"^(将|把)")


def _own_action(text: str, m: re.Match, name: str) -> bool:
    """The row's own action said back, not something that happened to it: 签约 beside 签约率, 征收 beside
    征收房屋入户调查完成率, 未签协议 beside 拆迁户签约率, 未能全部完工 beside 项目完工时间."""
    word = m.group(0)
    if word[0] not in "未不无难没须需才":
        return word in name
    after = text[m.start() + (2 if word[:2] in ("未能", "不能", "无法", "难以") else 1):]
    if _OBJECT_FIRST.match(after):
        clause = _CLAUSES.split(after, 1)[0][:16]
        own = name[-4:].rstrip("率度数量")
        return any(own[i:i + 2] in clause for i in range(len(own) - 1))
    verb = _ADVERBS.sub("", after[:6])
    return len(verb) >= 2 and (verb[:2] in name or verb[0] in name[-4:])


_DONE = ("完成", "完工", "上线", "竣工", "建成", "交付")
# Beside a late date, the project's own start and end said back (于1月1日开工，于12月31日全面结束) are its schedule.
_SCHEDULE = ("开工", "开始", "启动", "结束", "到货")


# How firmly a cause was read (TextSignals.cause_strength): a stated fact particular to the row,
# a causal connective or a state, or no more than one matched word.
FACT, CONNECTIVE, WORD, NO_CAUSE = 3, 2, 1, 0


def cause_found(norm: str, name: str = "", late: bool = False, cost: bool = False,
                known: tuple[Decimal, ...] = ()) -> int:
    """Does the text name what happened, beyond stock phrases, measures and the gap itself?

    Returns how firmly (FACT, CONNECTIVE, WORD; NO_CAUSE = 0 when it does not).
    known holds the row's own figures (target, actual, gap): said back, they are no cause."""
    # Sentences of results and praise say nothing of the gap; nor do comparisons with last year,
    # unless they give a cause ("因3家企业退出，较上年减少2家").
    text = _not_causes(_without_other_topics(norm), name, late, cost)
    if _states_a_fact(text, name, late, cost, known):
        return FACT
    if causal_word(text) or _any_found(_CONNECTED, text) or any(not _own_action(text, m, name) for m in OBSTACLE.finditer(text)):
        return CONNECTIVE
    if NOT_FINISHED.search(text) and not holds_any(name, _FINISHING):
        return CONNECTIVE
    if late and EARLIER_STAGE_LATE.search(text) and not any(m.group(0)[:2] in name for m in EARLIER_STAGE_LATE.finditer(text)):
        return CONNECTIVE

    if RESCHEDULED.search(text) and not late:
        return CONNECTIVE
    events = _events(text, name, late, known)
    if len(events) > 1:
        return CONNECTIVE
    if (events or (not late and holds_any(text, DELAY_WORDS)) or _driver_moved(text, name, cost)
            or _act_of_another(text, name) or _other_not_done(text, name)):
        return WORD
    return NO_CAUSE


def _other_not_done(text: str, name: str) -> bool:
    """Something named, other than the row's own items, was not done (经三路未贯通 beside 接入管线企业数): a
    happening, read as one word when no particular of its own stands beside it. Only a named subject (a road,
    a works, a place, a body) makes it one: 剩余80人次未参训 is the gap said back."""
    return ("未" in text or "没" in text) and any(
        m.group(0)[0] in "未没" and not _own_action(text, m, name) and not _PROJECT_RUNNING.match(text, m.start() + 1)
        and _named_subject(text, m.start()) for m in _VERB.finditer(text))


def _named_subject(text: str, at: int) -> bool:
    """The clause before `at` names an item or a party: 经三路, 二期工程, 市财政局, G319."""
    start = max((text.rfind(sep, 0, at) for sep in "，,。；;！!？?\n"), default=-1) + 1
    before = text[start:at].strip()
    return bool(before) and bool(_ITEM.search(before) or names_entity(before) or _CODE.search(before))


# The project's own running and its money not done (项目未实施，资金未使用; 未执行部分结转): the gap itself.
_PROJECT_RUNNING = lazy(r"(实施|开展|启动|使用|支付|拨付|执行|完成|开工|完工|验收|结算|建设|施工|到位"
                              r"|支出|开支|动用|花|兑付|发放|报账|核销|用完|用于)")  # 未支出的12万元: the money row itself


_RATE_NAME = lazy(r"([\u4e00-\u9fff]{2})?([\u4e00-\u9fff]{2})(率|度)$")


@lru_cache(maxsize=1024)
def restatements(name: str) -> tuple[str, ...]:
    """The measure's converse said back: for 文物开放利用率, 未开放, 不利用, 利用率不高, 暂缓开放, 闲置…"""
    # $ matches at the end or before a final newline: a name ending otherwise is not searched
    m = _RATE_NAME.search(name) if name.endswith(_TAILS[:4]) else None
    if not m:
        return ()
    said: list[str] = [f"{m.group(2)}{m.group(3)}不高", f"{m.group(2)}{m.group(3)}偏低"]
    for stem in filter(None, (m.group(1), m.group(2))):
        said += [f"{no}{stem}" for no in ("不", "未", "非")] + list(ANTONYMS.get(stem, ()))
    return tuple(said)


_LINKS = re.compile(r"导致|致使|造成|使得|从而|进而|因此")


def _pieces(text: str) -> list[str]:
    """Clauses, also split where one part is said to cause the next."""
    return [p for clause in _CLAUSES.split(text) for p in _LINKS.split(clause) if p]


_COUNTED = re.compile(r"(数|量|人次|场次|批次|面积|长度|里程|规模)$")


# Something there was much or little of (申报企业较少, 学生较多, 建筑面积较大): a driver when it is not the row
# or money; the gap itself (偏差较大, 差距较大) is none.
_LEVEL = lazy(r"((?:(?!偏差|差距|差异)[\u4e00-\u9fff]){2,14}?)(较|很|偏|特别|过)(多|少|大|小)")
_LEVEL_WORD = re.compile(r"(较|很|偏|特别|过)(多|少|大|小)")
# Said plainly at the end of a clause, without the adverb: 招工多, 雨水多 (not 减少, 不少, 至少, 更多…).
_BARE_LEVEL = lazy(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{2,4}?)(?<![减增至不很太最更过较偏稍略多缩])(多|少)(?=[，,。；;！!？?]|$)")
# Said plainly, without the adverb, at the end of a clause: 报名的人少, 愿意参加的企业少了.
_GAP_ITSELF = re.compile(r"偏差|差距|差异")
_PLAIN_LEVEL = lazy(r"的([\u4e00-\u9fff]{1,4}?)(多|少)了?(?=[，,。；;！!？?]|$)")


def _is_driver(piece: str, name: str, cost: bool = False) -> bool:
    """Something other than this row (or money in general) went up or down in this piece of text.
    Beside a cost row, any count that moved is a driver (参训人数减少, 采集件数减少): the row is money."""
    if other_topic(piece):
        return False
    if cost and _counts_moved(piece):
        return True  # 较计划少3台 beside a cost row: the quantity bought moved
    # each pattern runs only on a piece holding its words (most hold none): it begins with any Chinese
    # character, so the engine would try it, up to 14 characters deep, at every position
    subjects = ([m.group(1) for m in CHANGE.finditer(piece)] if _CHANGE_WORD.search(piece) else [])
    if _LEVEL_WORD.search(piece):
        subjects += [m.group(1) for m in _LEVEL.finditer(piece)]
    if "多" in piece or "少" in piece:
        subjects += [m.group(1) for m in _BARE_LEVEL.finditer(piece)]
    if "的" in piece:  # 报名的人少: the words before 的, and the noun
        subjects += [subject for m in _PLAIN_LEVEL.finditer(piece) if not _GAP_ITSELF.search(
            subject := re.split(r"[，,。；;]", piece[max(0, m.start() - 8):m.start()])[-1] + m.group(1))]
    for subject in subjects:
        new = {c for c in subject if "\u4e00" <= c <= "\u9fff" and c not in name and c not in _NOT_DRIVERS}
        if len(new) >= 2:
            return True
        if cost and _COUNTED.search(subject) and not any(w in subject for w in _MONEY_WORDS):
            return True
    return False


def _driver_moved(text: str, name: str, cost: bool = False) -> bool:
    return any(_is_driver(piece, name, cost) for piece in _pieces(text))


_FILLER_CHARS = set("的了和与及等在对将把被由从向为是有所已经均各全使得致导因此而")


_DIRECTION = re.compile(words_pattern(CLAIMS_DOWN + CLAIMS_UP))


def _claims(norm: str, name: str, known: tuple[Decimal, ...] = (), cost: bool = False) -> tuple[bool, bool]:
    """Whether the text says the row itself moved down, and up (a driver moving, or a piece about figures
    other than the row's own, is no claim about the row). One pass over the pieces for both directions."""
    norm = _without_measures(norm)  # 下一步将提高抽检比例, 提高预算准确度: a plan, not a claim
    if not _DIRECTION.search(norm):  # no direction word anywhere (four texts in five): no piece needs reading
        return False, False
    downs = tuple(w for w in CLAIMS_DOWN if w not in name)  # 增长 beside 诊疗人次增长率 is the measure, not a direction
    ups = tuple(w for w in CLAIMS_UP if w not in name)
    found = [False, False]
    for piece in _pieces(norm):
        present = [[w for w in words if w in piece] if not found[i] else [] for i, words in enumerate((downs, ups))]
        if not (present[0] or present[1]) or _is_driver(piece, name, cost):  # the cheap test first
            continue
        if known and own_figure([f.value for f in quantities(piece)], known):
            continue
        for i in (0, 1):
            if present[i] and any(_about_the_row(piece[:piece.index(w)], name, cost)
                                  and not _own_object(piece[piece.index(w) + len(w):], name) for w in present[i]):
                found[i] = True
        if all(found):
            break
    return found[0], found[1]


# What follows a direction word as its object (增加生产成本, 减少收入): that moved, not the row.
_OBJECT = lazy(r"^(?![了至到为较约近达明显幅度显著很更])[\u4e00-\u9fff]{2,}")


def _own_object(after: str, name: str) -> bool:
    m = _OBJECT.match(after)
    return bool(m) and len({c for c in m.group(0) if c not in name and c not in _NOT_DRIVERS
                            and c not in _FILLER_CHARS}) >= 2


_MONEY_SUBJECT = re.compile(words_pattern(_MONEY_WORDS))


def _about_the_row(before: str, name: str, cost: bool) -> bool:
    """What comes before a direction word is the row itself: nothing of substance ("有所减少"), the row's
    measure (覆盖人数 beside 配送服务覆盖老人数), or money beside a cost row — not 清淤量 beside 单方成本,
    not 淘汰结余 of another budget."""
    subject = "".join(c for c in before if "\u4e00" <= c <= "\u9fff" and c not in _NOT_DRIVERS and c not in _FILLER_CHARS)
    if len(set(subject)) <= 1 or name[-2:] in before:
        return True
    if not cost and _MONEY_SUBJECT.search(before[-6:]):  # 建设成本增加 beside 建设数量: money moved, not the count
        return False
    if cost:  # beside money, only money is the row: 清淤量 is the volume, not the cost per cubic metre
        return any(w in before for w in _MONEY_WORDS)
    return any(subject[i:i + 2] in name for i in range(len(subject) - 1))  # 参训人员 beside 培训人次


# Cut off exactly where the cause was to follow: "…延后20天，主要原因是".
_CUT_AT_CAUSE = re.compile(r"(原因(主要)?(是|为|在于|有|如下)?|主要(是|有)|由于|因为|因|受|系)[:：]?\s*$")
# Its matches end in whitespace (\s is what str.rstrip strips) at the end: each begins within the last
# _CUT_REACH characters (原因主要如下：) before the trailing whitespace, and it has no lookbehind.
_CUT_REACH = 7


def _cut_off(norm: str, name: str, late: bool, cost: bool, known: tuple[Decimal, ...]) -> bool:
    """Ends on a connective and names no cause before the break (a sentence cut off after its
    cause is read through; one cut off where its cause was announced is not)."""
    if _CUT_AT_CAUSE.search(norm[-(len(norm) - len(norm.rstrip()) + _CUT_REACH):]):  # only the tail can match
        return True
    if not TRUNCATED.search(norm[-_TRUNCATED_REACH:]):  # it matches only at the end: the tail is searched
        return False
    head = norm.rstrip("，,、…. ")
    if head == norm.rstrip() or norm.rstrip().endswith(("…", "...")):  # ends inside a clause: it is lost
        head = re.split(r"[，,。；;！!？?\n]", head)[:-1]
        head = "，".join(head)
    return not (head and cause_found(head, name, late, cost, known))


def _parts_of(found: tuple[Figure, ...], wholes: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Figures of one unit that add up to one of the row's own figures (农产品1800 + 加工食品2400 = the
    actual 4200): parts of the row's measurement, not facts about why it moved. The row's own figures are
    no such part: the target as the actual plus others (600 = 462 + 102 + 36) breaks down the gap."""
    if not wholes:  # nothing to add up to
        return ()
    groups: dict[str, list[Decimal]] = {}
    for f in found:
        if f.value > 0 and f.unit not in ("%", "pp", "倍") and not _near_any(f.value, wholes):
            groups.setdefault(f.unit, []).append(f.value)
    out: list[Decimal] = []
    for values in groups.values():
        for size in range(2, min(len(values), 4) + 1):
            for chosen in combinations(values[:10], size):
                if _near_any(sum(chosen), wholes):
                    out += chosen
    return tuple(out)


def _near_any(value: Decimal, wholes: tuple[Decimal, ...]) -> bool:
    """Within _NEAR of one of these figures (a plain loop over a Decimal built once)."""
    for k in wholes:
        if abs(value - k) <= _NEAR:
            return True
    return False


def _share_pairs(found: tuple[Figure, ...], known: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
    """Counts whose ratio is the row's own share (1,092 of 1,200 calls beside a 91% rate): said back as
    numerator and denominator, they are the row's measurement, not a fact about why it moved."""
    counts = [f.value for f in found if f.unit in COUNTERS and f.value > 0]
    shares = [k for k in known if 0 < k <= 100]
    out: list[Decimal] = []
    for x in counts:
        for y in counts:
            if x < y and any(abs(x / y * 100 - k) <= Decimal("0.5") for k in shares):
                out += [x, y]
    return tuple(out)


# An item named by its place or name: 城西农贸市场, 龙湾区永中街道快检室, 石门中学, 东门大桥 (not 部分市场, 各校).
_ITEM = lazy(
    r"^[^，,。；;]{0,6}?(?<![全各本该其此我部两三四五六七八九十几多个些])(?!因|由于|该|此|其|部分|全部|个别|一些|有的|若干|多个)"
    r"[\u4e00-\u9fff]{2,10}?"
    r"(市场|中心|学校|中学|小学|幼儿园|医院|卫生院|卫生室|快检室|服务站|泵站|水厂|水库|大桥|桥|场馆|馆|公园|园区|厂|站|社区|街道|村|镇|乡|公司|合作社|小区"
    r"|路|街|巷|大道|隧道|工程)(?!民)"  # a road, a street, a works: 天山路（陇海路—中原路）, 曲荷巷改造工程 (村民: people)
)
# A clause that opens a sentence and says only how the facts were learnt or when (经核实，经现场排查，据了解，
# 截至年底，目前): the item it goes on to name still begins the sentence.
_OPENER = lazy(r"^(经过?[^，,。；;]{0,8}?(核实|核查|调查|了解|查明|排查|摸排|复核|统计|梳理)|经查|据[^，,。；;]{0,6}?"
                     r"(了解|统计|核实|反映)|截至[^，,。；;]{1,12}|目前|当前|现|其中)[，,:：]")
# A sentence that goes on about the item just named: 因该路需穿过二砂文创园.
_BACK_REFERENCE = lazy(r"^[^，,。；;]{0,4}?(该|此|其)")
# A sentence that opens with a connective and 该 / 此 (由于该路…, 因此处…) goes on about the item before: no new item.
_GOES_ON = re.compile(r"^(由于|因为|因|鉴于)?(该|此)(?!外)")


def _named_items(norm: str, name: str, late: bool, cost: bool, known: tuple[Decimal, ...]) -> int:
    """How many sentences each begin by naming one item (a place, a facility, a body) and say what
    happened to it; distinct names only."""
    names, last = set(), None
    for sentence in _SENTENCES.split(norm):
        sentence = _OPENER.sub("", sentence.strip())
        m = None if last and _GOES_ON.search(sentence) else _ITEM.search(sentence)
        if m:
            last = m.group(0).strip()
            rest = sentence[m.end():]
        elif last and _BACK_REFERENCE.search(sentence):
            rest = sentence  # the item named in the sentence before, and what happened to it
        else:
            last = None
            continue
        if cause_found(rest, name, late, cost, known):
            names.add(last)
    return len(names)


# 已于5月印发并在5地推行 … 文成、泰顺两县…推行顺延: a part done and a part not done.
_DONE_PART = lazy(r"(已|均已|已经|业已)[^，,。；;]{0,12}?(出台|印发|发布|建成|完成|推行|实施|上线|建立|运行|投用|签订|开展"
                        r"|完工|竣工|通车|建好|装好)")
_UNDONE_PART = re.compile(r"(未|尚未|仍未|没有|还没|暂未|暂缓|顺延|推迟|延至|正在|待)")


def _few(wholes: tuple[Decimal, ...], cost: bool) -> bool:
    """A gap of one to a few whole items (gap.MAX_NAMED) on a count row: the only gap naming items can size
    (gap.names_the_items), so the only one for which they are sought."""
    if cost or len(wholes) != 2:
        return False
    size = abs(wholes[0] - wholes[1])
    return size == size.to_integral_value() and 1 <= size <= 5


def _parts_told(norm: str, strength: int) -> bool:
    """A part done, a part not done, and why (a causal word or an event, not only 尚未上线 said back)."""
    if strength < CONNECTIVE or not _DONE_PART.search(norm) or not _UNDONE_PART.search(norm):
        return False  # the rare conditions first: most texts are ruled out before the cause is sought again
    return bool(causal_word(_unannounced(norm)) or EVENT_WORDS.search(norm))


# The announcement of a cause (主要原因是, 偏差原因：): it names none, so it counts only with what it announces.
_ANNOUNCEMENT = gated(r"(主要|偏差)?原因(主要)?(是|为|在于|分析|[:：])")


def _unannounced(text: str) -> str:
    return _ANNOUNCEMENT.sub("，", text) if "原因" in text else text


# The whole work said to be done (全线已完工, 已全线贯通): a claim that the target was met, beside a row short of it.
_WHOLE_DONE = gated(r"全线(已|均已|已经)?(全部)?(完工|竣工|建成|贯通|通车)|(已|均已|已经)全线(完工|竣工|建成|贯通|通车)")


def claims_whole_done(norm: str) -> bool:
    return "全线" in norm and any(_WHOLE_DONE.search(c) and not _INTENT.search(c) and not MEASURE_CLAUSE.search(c)
                                for c in _CLAUSES.split(norm))


_MET_NEEDS = ("完成", "达到", "实现", "超过")  # every CLAIMS_MET match holds one


def _claims_met(norm: str) -> bool:
    if not holds_any(norm, _MET_NEEDS):  # not split and scanned
        return False
    return any(CLAIMS_MET.search(c) and not _INTENT.search(c) for c in _CLAUSES.split(norm))


_MEASURE_TAIL = re.compile(r"[\u4e00-\u9fff]{2}(率|度)$|占比$|比例$")  # asked of every text read: compiled once
_TAILS = tuple(end + nl for end in ("率", "度", "占比", "比例") for nl in ("", "\n"))


def _measure_claims(norm: str, name: str) -> tuple[Figure, ...]:
    """A share the text gives for the row's own measure: "合格率达到100%" beside 验收合格率."""
    # $ matches at the end or before a final newline: a name ending otherwise is not searched
    tail = _MEASURE_TAIL.search(name) if name.endswith(_TAILS) else None
    if not tail:
        return ()
    if tail.group(0) not in norm:
        return ()
    return tuple(f for m in _share_said(tail.group(0)).finditer(norm)
                 if (f := make_figure(m.group(3), m.group(4), bool(m.group(2)))))


@lru_cache(maxsize=256)
def _share_said(measure: str) -> re.Pattern:
    # 不合格率2.8% beside 合格率 is the complement, not a claim about the row's share
    return re.compile(rf"(?<![不未非]){re.escape(measure)}(达到|达|为|是|升至|提高到|降至)?了?(约)?({NUMBER})\s*(%)")


def injected(text: str) -> bool:
    """Whether the text carries instructions to a reviewer or a machine (one pass; any length)."""
    return bool(INVISIBLE.search(text) or instructs(normalised(text)))


class _Read(NamedTuple):
    """What a text says whatever row it stands beside: read once per text (_read_alone)."""

    norm: str
    stock: bool
    singular: bool
    measure: bool
    garbled: bool
    injection: bool
    follows_count: bool
    other_topic: bool
    claims_met: bool
    per_unit: tuple[Figure, ...]
    actual: tuple[Figure, ...]
    gaps: tuple[tuple[str, Figure], ...]
    nets: bool
    days: tuple[tuple[int | None, int, int], ...]
    moved_to: tuple[tuple[int | None, int, int], ...]
    # the figures DRIVES_ACTUAL reads, as (number, unit or None): a figure without a unit is in the row's
    drives: tuple[tuple[str, str | None], ...]
    any_figure: bool  # a digit or a numeral in words (_bearing)


# Every DAY match holds 月, or the - / . between the parts of a date.
_DAY_MARK = re.compile(r"[月./-]")
# A date said moved to another day by what happened (工期也延长至2024年12月31日, 顺延至9月15日).
_MOVED_TO = re.compile(r"(延长|推迟|顺延|延期|延|推)(至|到)\s*(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日")


@lru_cache(maxsize=4096)
def _read_alone(text: str) -> _Read:
    norm = normalised(text)
    digits = has_digit(norm)  # patterns that need a digit are not run on texts without one
    return _Read(
        norm=norm,
        stock=(bool(_STOCK.search(norm)) or (len(norm) <= BARE_MAX and bool(BARE_CAUSES.fullmatch(norm.strip("。，. "))))
               or (("影响" in norm or "制约" in norm) and bool(GENERIC_FACTORS.search(norm)))
               or bare_condition(norm) or vague_authority(norm)
               or ("为" in norm and STOCK_PURPOSE.search(norm) is not None)),
        singular=bool(_ONE_PARTY.search(norm) or (_THAT_PARTY.search(norm) and names_entity(norm))),
        measure=bool(_MEASURE_WORD.search(normalize_text(norm)) or ("将" in norm and _MEASURE_AHEAD.search(norm))),
        # (checks.rows.has_measure; every _MEASURE_AHEAD match ends on 将)
        garbled=garbled(text),
        injection=bool(instructs(norm) or INVISIBLE.search(text)),
        follows_count=holds_any(norm, _FOLLOWING) and bool(FOLLOWS_COUNT.search(norm)),
        other_topic=other_topic(norm),
        claims_met=_claims_met(norm),
        per_unit=tuple(f for m in PER_UNIT.finditer(norm) if (f := make_figure(m.group(3), m.group(4), bool(m.group(2))))),
        actual=tuple(f for m in (ACTUAL_CLAIM.finditer(norm) if digits and _says_actual(norm) else ())
                     if (f := make_figure(m.group(3), m.group(4), bool(m.group(2))))),
        gaps=tuple(
            ("down" if m.group(5) in DOWN_WORDS else "up", f)
            for m in GAP_CLAIM.finditer(norm) if (f := make_figure(m.group(7), m.group(8), bool(m.group(6))))
        ) + tuple(
            ("down" if m.group(1) in ("低于", "少于") else "up", f)
            for m in GAP_CLAIM_AFTER.finditer(norm) if (f := make_figure(m.group(7), m.group(8), bool(m.group(6))))
        ),
        nets=bool(NETTING.search(norm)) or (holds_any(norm, LESS_SPENT) and holds_any(norm, MORE_SPENT)),
        days=tuple((int(y) if y else None, int(m), int(d)) for y, m, d in
                   ((x[0] or x[3], x[1] or x[4], x[2] or x[5]) for x in (DAY.findall(norm) if digits and _DAY_MARK.search(norm)
                                                                         else ()))),
        moved_to=tuple((int(m.group(3)) if m.group(3) else None, int(m.group(4)), int(m.group(5)))
                       for m in (_MOVED_TO.finditer(norm) if digits and "月" in norm else ())),
        drives=tuple((m.group(i), m.group(i + 1)) for m in (DRIVES_ACTUAL.finditer(norm) if digits else ())
                     for i in (4, 9, 14) if m.group(i)),
        any_figure=_ANY_FIGURE.search(norm) is not None,
    )


# Where a text can hold a figure: a digit or a numeral in words. A text without either can yield figures only
# by counting a list of names (上街区、惠济区: figures.quantities), one more than the separators it holds.
_ANY_FIGURE = re.compile(r"\d|[一二两三四五六七八九十百千零半]")
_NEAR = Decimal("0.001")  # facts.own_figure: a figure this close to one of the row's is that figure
_LOW = 1 - _NEAR
_NONE_NEAR = (Decimal(-1),)  # no figure read from a text is negative


def _bearing(known: tuple[Decimal, ...], norm: str, any_figure: bool) -> tuple[Decimal, ...]:
    """The row's own figures that can bear on how this text reads (facts.own_figure sets the text's figures
    against them). For a text whose only possible figures are counts of listed names, the row's figures
    near none of those counts are dropped, so the copies of one form, whose rows differ only in their
    figures, share one reading of each text. Kept non-empty when `known` is: whether the row has figures
    at all is part of the reading (_claims, _events). any_figure: whether the text holds _ANY_FIGURE."""
    if any_figure:
        return known
    listed = norm.count("、") + norm.count("和")
    most = listed + 1 if listed or "及" in norm else 0  # the counts possible: 1 to most
    if not most:  # no count is possible: no figure is near one (the loop below would keep none)
        return _NONE_NEAR if known else ()
    # a figure within _NEAR of a whole number in 1..most (no other whole number is that near); a figure
    # outside [1 - _NEAR, most + _NEAR] cannot be, and is passed over before rounding (most rows' money is)
    high = most + _NEAR
    kept = set()
    for k in known:
        if _LOW <= k <= high and 1 <= (whole := k.to_integral_value()) <= most and abs(k - whole) <= _NEAR:
            kept.add(k)
    near = tuple(sorted(kept))
    return near or (_NONE_NEAR if known else ())


@lru_cache(maxsize=4096)
def _reading(norm: str, name: str, late: bool, cost: bool, known: tuple[Decimal, ...],
             few: bool) -> tuple[int, int, bool, bool, bool, bool, bool]:
    """What a text says beside a row of this name and kind, given the row's figures that bear on it:
    cause strength, items named, parts told, a causal connective, cut off, claims down and up."""
    strength = cause_found(norm, name, late, cost, known)
    down, up = _claims(norm, name, known, cost)
    named_items = _named_items(_without_measures(norm), name, late, cost, known) if strength and few else 0
    parts_told = _parts_told(_without_measures(norm), strength)
    causal = causal_word(_not_causes(norm, name, late, cost))  # a connective before a cause, not a bare one
    return strength, named_items, parts_told, causal, _cut_off(norm, name, late, cost, known), down, up


# 512: its hits are rows of the same form and nearby forms (43.3% at 512 entries, 43.9% at 4,096 over
# 3,000 bench forms), and an entry (the signals of one explanation) weighs about 1.2 KB.
@lru_cache(maxsize=512)
def read_text(text: str, name: str = "", late: bool = False, cost: bool = False,
              known: tuple[Decimal, ...] = (), unit: str = "", wholes: tuple[Decimal, ...] = ()) -> TextSignals:
    """The signals of one explanation.

    name is the indicator's, late whether its row is a missed date, cost whether it is a cost row:
    they tell a restatement of the gap (延期 beside a late date, 结余 beside a cost under-run) from a cause.
    wholes are the row's target and actual: figures that add up to one of them are its parts, not facts.
    known holds the row's own figures (target, actual, gap), which restate the gap when said back.
    injection says whether the text carries instructions; the judge strips them first
    (explanation_facts.strip_injection) and reads the rest.

    Work is shared: what a text says whatever its row is read once per text (_read_alone), and the
    whole reading is memoised on all these inputs, so rows that carry the same text beside the same
    name, kind and figures (a batch of copies of one form) share it. A text longer than
    limits.MAX_EXPLANATION is read on its first MAX_EXPLANATION characters."""
    alone = _read_alone(text[:MAX_EXPLANATION])
    norm = alone.norm
    found = quantities(_without_measures(norm), name, unit)[:MAX_FIGURES]
    if alone.actual:  # a figure said as the actual (实际完成2个) is a level, never the gap
        said = {(f.value, f.unit) for f in alone.actual}
        found = tuple(Figure(f.value, f.unit, f.approx, True) if (f.value, f.unit) in said else f for f in found)
    known = known + _parts_of(found, wholes)
    if unit in ("%", "％"):
        known = known + _share_pairs(found, known)
    strength, named_items, parts_told, causal, truncated, down, up = _reading(
        norm, name, late, cost, _bearing(known, norm, alone.any_figure), _few(wholes, cost))
    return TextSignals(
        stock=alone.stock,
        cause=strength > NO_CAUSE,
        cause_strength=strength,
        named_items=named_items,
        parts_told=parts_told,
        causal=causal,
        figures=tuple(f.text() for f in found),
        singular=alone.singular,
        measure=alone.measure,
        garbled=alone.garbled,
        truncated=truncated,
        injection=alone.injection,
        follows_count=alone.follows_count,
        claims_down=down,
        claims_up=up,
        other_topic=alone.other_topic,
        claims_met=alone.claims_met,
        quantities=found,
        actual_claims=alone.actual + _measure_claims(norm, name),
        per_unit=alone.per_unit,
        gap_claims=alone.gaps,
        nets=alone.nets,
        drives_actual=tuple(f for number, said in alone.drives if (f := make_figure(number, said or unit))),
        days=alone.days,
        moved_to=alone.moved_to,
    )
