"""Figures in an explanation, read without the model: counts, money, shares and durations with their
units (in digits or in words), dates and days (which place a gap in time and size nothing), and the
figures a text claims for the actual, the gap or the row's move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ...form.values import MONEY_SCALE, normalize_text
from .patterns import gated, has_digit, lazy

NUMBER = r"\d+(?:\.\d+)?"
_UNITS = (
    "个百分点", "百分点", "个工作日", "工作日", "万人次", "人次", "万元", "亿元", "千元", "元", "平方米", "立方米",
    "公里", "千米", "公斤", "千克", "公顷", "个月", "小时", "分钟", "批次", "%", "吨", "亩", "天", "周", "个", "家",
    "项", "人", "次", "场", "笔", "户", "所", "批", "件", "台", "套", "门", "期", "支", "处", "座", "名", "篇", "辆",
    "条", "栋", "间", "份", "部", "种", "宗", "例", "床", "段", "张", "位", "米", "倍", "万",
)
UNIT_RE = "|".join(re.escape(u) for u in _UNITS)
FIGURE = re.compile(rf"({NUMBER})\s*({UNIT_RE})?(?<!周(?=岁))")  # 70周岁 is an age, not 70 weeks
# Counts said in words: 两家, 三个社区, 十二户, 两辆车, 12位老人 (部门 is no count of 部).
_CN_COUNTER = r"(个|家|项|人|次|场|笔|户|所|批|件|台|套|门|期|支|处|座|名|位|张|条|辆|栋|间|部(?!门)|例|份|宗)"
_CN_FIGURE = gated(rf"(?<!第)(两|[一二两三四五六七八九十百千零]{{2,}}|[二三四五六七八九十]){_CN_COUNTER}(?!半?月)")
# Lengths, areas and weights said in words: 六百二十米, 约二十五米, 三百亩 (money in words is _CN_MONEY).
_CN_MEASURE = gated(r"(?<![第\d])([一二两三四五六七八九十百千零]+)(平方米|立方米|公里|千米|米|亩|公顷|吨|公斤|千克)")
# Durations said in words: 二十天, 两周, 三个月, 两个半月, 半个月 (三月 alone is March, not three months).
_CN_SPAN = gated(r"(?<![第\d])(?:([一二两三四五六七八九十百]+)(?:(天|周)|(个半|个)月)|(半个)月)")
# Money said in words: 一百五十六万, 三十二万四 (32.4万).
_CN_MONEY = gated(r"(?<![\u4e00-\u9fff]{2}[个家项])([一二两三四五六七八九十百千零]+)万([一二三四五六七八九])?(?![一二三四五六七八九十次人])元?")
# "8400余万次", "180多万人次": more than the figure, read as an approximation.
_MORE_THAN = re.compile(r"(\d+(?:\.\d+)?)(余|多)(?=[万千亿]|[个家项人次场户台套条吨亩元天辆座处所名位件])")
# One of an enumeration: "一户因…，另一户因…" counts each; a lone 一 ("一次性", "一个月") counts nothing.
_ONE_OF = gated(rf"(?<![一二三四五六七八九十百千万第统唯])一{_CN_COUNTER}(?![月性般些])")
# 1,842人: thousands separators are dropped before figures are read.
_THOUSANDS = gated(r"(?<![\d.])(\d{1,3})((?:,\d{3})+)(?![\d])")
# Dates and periods place the gap in time; they do not size it.
DATE = gated(
    r"\d{4}\s*年(\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?)?|(?<!\d)\d{1,2}\s*月(\s*\d{1,2}\s*日|份|底|末|初|中旬|上旬|下旬)?"
    r"|(?<![\d.])(19|20)\d{2}(-|/)\d{1,2}((-|/)\d{1,2})?|(?<![\d.])(19|20)\d{2}\.\d{1,2}\.\d{1,2}|第?\d\s*季度|\d{1,2}\s*日(?=[前后起至])"
)
# Every DATE match holds one of these marks (年, 月, 日, 季度, or the - / . between digits): a text without them
# holds no date, and is passed over without a scan of DATE.
_DATE_MARK = re.compile(r"[年月日季./-]")


def strike_dates(text: str) -> str:
    """The text without its dates (DATE)."""
    return DATE.sub("", text) if _DATE_MARK.search(text) else text


def has_date(text: str) -> bool:
    return _DATE_MARK.search(text) is not None and DATE.search(text) is not None


# A day in the calendar (2023年8月25日, 8月25日, 2023-08-25): when an event happened, for a late row.
DAY = gated(r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*日|(?<![\d.])(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?![\d.])")
# Units that count things: figures in any of them can be set against a count row's gap.
COUNTERS = frozenset("个家项人次场笔户所批件台套门期支处座名篇辆条栋间份部种宗例床段张位") | {"人次", "批次"}
_ALIASES = {"％": "%", "个百分点": "pp", "百分点": "pp", "个工作日": "工作日"}
# A figure the text says is the actual value, or the gap against the target.
ACTUAL_CLAIM = re.compile(
    rf"(?:实际|累计|全年共计|全年共)(完成|实现|开展|培训|开发|建成|配置|支出|发放|支持|举办|使用|达到|为|接待[\u4e00-\u9fff]{{0,4}}?)?(约)?({NUMBER})\s*({UNIT_RE})"
)
# (the target's own figure may stand between: 较年度目标860米少320米)
GAP_CLAIM = re.compile(
    rf"(较|比)(年度|原|年初)?(目标|计划|指标值|指标|预期|预算|控制数)(值|数)?(?:{NUMBER}\s*(?:{UNIT_RE})?)?"
    rf"(少|低|减少|下降|降低|多|高|增加|超出|提高|超)了?(约)?({NUMBER})\s*({UNIT_RE})"
)
# The same said the other way round: 高于控制指标32万元, 低于年度目标5个百分点.
GAP_CLAIM_AFTER = re.compile(
    rf"(高于|低于|超出|超过|多于|少于)(年度|原|年初)?(控制)?(目标|计划|指标值|指标|预期|预算|控制数)(值|数)?了?(约)?({NUMBER})\s*({UNIT_RE})"
)
DOWN_WORDS = ("少", "低", "减少", "下降", "降低")
# Money saved in one place and spent in another: the parts of a cost gap have opposite signs.
LESS_SPENT = ("少花", "少支", "节约", "结余", "未支出", "核减", "少拨", "未实施", "不建", "取消")
MORE_SPENT = ("多花", "多支", "多了", "追加", "超支", "比预算高", "高于预算", "上涨", "增加")
# Savings set against extra costs: the parts of the gap have opposite signs.
NETTING = re.compile(r"相抵|抵消|冲抵|抵减|轧差|增减|调剂|一增一减|此增彼减")
# The cause said to have moved the whole row to its actual: 拉高全区平均值至1.3次.
DRIVES_ACTUAL = gated(
    rf"(拉高|拉低|拉升|推高|拉动|拉至|拉到)[^，,。；;\d]{{0,10}}?(至|到|为)?(约)?({NUMBER})\s*({UNIT_RE})?"
    # the move itself, said as the cause's consequence: 可补贴户数由120户增至168户
    rf"|(由){NUMBER}\s*(?:{UNIT_RE})?[^，,。；;\d]{{0,6}}?(至|到|为)(约)?({NUMBER})\s*({UNIT_RE})?"
    # the base the row is now counted on: 受益人数按实际在册1,842人核定
    rf"|(按)[^，,。；;\d]{{0,12}}?()(约)?({NUMBER})\s*({UNIT_RE})(?=[^，,。；;\d]{{0,4}}?(核定|计算|确定|测算|核算))"
)

@dataclass(frozen=True)
class Figure:
    """A number with its unit (aliases folded: ％ → %, 个百分点 → pp)."""

    value: Decimal
    unit: str
    approx: bool = False
    level: bool = field(default=False, compare=False)  # said as what something is (为, 共, 达), not as a change

    @property
    def money(self) -> bool:
        return self.unit in MONEY_SCALE

    def text(self) -> str:
        unit = "个百分点" if self.unit == "pp" else self.unit
        return f"{self.value.normalize():f}{unit}"


def make_figure(number: str, unit: str | None, approx: bool = False) -> Figure | None:
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    unit = unit or ""
    return Figure(value, _ALIASES.get(unit, unit), approx)


_CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_PLACES = {"十": 10, "百": 100, "千": 1000}


def _cn_number(text: str) -> Decimal:
    """两 → 2, 十二 → 12, 三十 → 30, 二百七十 → 270, 一百零五 → 105."""
    total = digit = 0
    for ch in text:
        if ch in _CN_PLACES:
            total, digit = total + (digit or 1) * _CN_PLACES[ch], 0
        else:
            digit = _CN_DIGITS.get(ch, 0)
    return Decimal(total + digit)


# A bare number said as the gap ("较计划减少7", "节约420", "差额12"): read in the row's own unit.
_GAP_WORD = re.compile(r"(差额|相差|缺口|少了?|减少了?|节约了?(资金)?|结余(资金)?|超支了?|多了?|增加了?)(约)?$")
# A figure said per unit ("每部补助25万元", "平均服务16户", "单价3.2万元"): multiplied by a count it sizes a gap.
PER_UNIT = re.compile(rf"(每|平均|人均|户均|单价|单(?!位)[\u4e00-\u9fff]|标准)[^，,。；;\d]{{0,8}}?(约)?({NUMBER})\s*({UNIT_RE})")


# A stretch of time between two days: 7月10日至9月14日, 从4月10日拖到7月5日 (a span of days, as 停工66天 is).
_RANGE = re.compile(r"(\d{1,2})月(\d{1,2})日(?:起)?(?:至|到|拖到|一直到|直至|延至|—|-|~)(?:\d{4}年)?(\d{1,2})月(\d{1,2})日")
_SPAN_SAID = gated(rf"{NUMBER}\s*(天|周|个月)|[一二两三四五六七八九十百]+(天|周|个月)")


def _ranges(norm: str) -> tuple[Figure, ...]:
    """The days between the two ends of each stretch of time the text names, unless its clause gives the
    span itself (7月10日至9月14日停工六十六天 is one span, not two)."""
    found = []
    for m in _RANGE.finditer(norm):
        clause_end = re.search(r"[，,。；;]|$", norm[m.end():]).start() + m.end()
        if _SPAN_SAID.search(norm, m.end(), clause_end):
            continue
        try:
            start, end = date(2023, int(m.group(1)), int(m.group(2))), date(2023, int(m.group(3)), int(m.group(4)))
        except ValueError:
            continue
        days = (end - start).days % 365  # a stretch over the new year wraps
        if days:
            found.append(Figure(Decimal(days), "天"))
    return tuple(found)


def _cn_span(m: re.Match) -> Figure:
    """二十天 → 20天, 两个半月 → 2.5个月, 半个月 → 0.5个月."""
    if m.group(2):
        return Figure(_cn_number(m.group(1)), m.group(2))
    if m.group(4):  # 半个月
        return Figure(Decimal("0.5"), "个月")
    return Figure(_cn_number(m.group(1)) + (Decimal("0.5") if m.group(3) == "个半" else 0), "个月")


_KNOWN_UNITS = frozenset(_UNITS)
# Named places or bodies listed one after another with the same ending: 上街区、惠济区; 甲公司和乙公司.
_NAMED_LIST = lazy(
    r"(?<![全各本该其此我两三四五六七八九十几多])[\u4e00-\u9fff]{2,6}?(区|县|镇|乡|村|街道|社区|公司|医院|卫生院|学校|中学|小学)"
    r"(?:(?:、|和|及)[\u4e00-\u9fff]{2,6}?\1)+"
)


# Where a list of names can be: an ending of _NAMED_LIST's names right before a separator (most texts
# have none, so the pattern, which begins with any Chinese character, is not run over them).
_LISTED_NAME = re.compile(r"(区|县|镇|乡|村|街道|社区|公司|医院|卫生院|学校|中学|小学)(、|和|及)")


# A figure said as what something is or came to (上报人数为11200户, 共计, 达到): a level, not a change.
# (also the target said, 目标13处, and a level someone had, 共有450余名)
# (and what was done, 完成2个, 建成1条: the actual, unless said as what fell short, 少完成2个)
_SAID_AS_LEVEL = lazy(r"((为|是|共|计|达|达到|总数|总量|目标|计划|指标值?|原定|下达|共有|原有|现有|已有)(为|是)?"
                            r"|(?<![少未多超没])(完成|建成|实现|开通|完工|建设|实施)了?)[≥≤<>=]?(约|近)?$")


@lru_cache(maxsize=8192)
def quantities(norm: str, name: str = "", unit: str = "", derived: bool = True) -> tuple[Figure, ...]:
    """Figures that can size a gap: counts, money, percentages, durations; never dates.

    A bare number said as the gap gets the unit "" (the row's unit, resolved by the judge);
    a numeral inside a term of the row's name (二次供水 beside 二次供水设施改造小区数) is no figure.
    unit is the row's own: a compound one (微克/立方米, 毫克/升) is read wherever it is written."""
    undated = (DATE.sub(lambda m: "，" * len(m.group(0)), norm) if has_digit(norm) and _DATE_MARK.search(norm)
               else norm)  # a date has digits and a mark
    found = list(_ranges(norm)) if derived and "日" in norm and has_digit(norm) else []
    if unit and unit not in _KNOWN_UNITS:
        def own_unit(m: re.Match) -> str:
            approx = undated[max(0, m.start() - 1):m.start()] in ("约", "近")
            if (figure := make_figure(m.group(1), unit, approx)) is not None:
                found.append(figure)
            return "，" * len(m.group(0))
        undated = re.sub(rf"({NUMBER})\s*{re.escape(unit)}", own_unit, undated)
    for m in FIGURE.finditer(undated):
        if m.group(2):  # a bare number ("第3", "一次申报") sizes nothing
            figure = make_figure(m.group(1), m.group(2), undated[max(0, m.start() - 1):m.start()] in ("约", "近"))
            if figure is not None and _SAID_AS_LEVEL.search(undated, max(0, m.start() - 5), m.start()):
                figure = Figure(figure.value, figure.unit, figure.approx, True)  # (dataclasses.replace: ~10x the cost)
        else:
            said = _GAP_WORD.search(undated[max(0, m.start() - 6):m.start()])
            after = undated[m.end():m.end() + 1]
            figure = make_figure(m.group(1), "", bool(said.group(4))) if said and not _FIGURE_GOES_ON.match(after) else None
        if figure is not None:
            found.append(figure)
    if _CN_NUMERAL.search(undated):  # figures in words: most texts have none, and are ruled out in one scan
        found += _in_words(undated, name)
    if not derived:  # only the figures written, not counts read off lists of names
        return tuple(found)
    lists = bool(_LISTED_NAME.search(undated))  # a list of names needs a name's ending before a separator
    for m in (_NAMED_LIST.finditer(undated) if lists else ()):  # 上街区、惠济区: two named places are a count of two
        if undated[m.end():m.end() + 1] == "等":  # 樊哙镇、桃花镇等7个: examples, not a count
            continue
        found.append(Figure(Decimal(m.group(0).count("、") + m.group(0).count("和") + 1), "个"))
    for unit in dict.fromkeys(m.group(1) for m in _ANOTHER_ONE.finditer(undated)):  # in the order written
        found += [Figure(Decimal(1), unit) for m in _ONE_OF.finditer(undated) if m.group(1) == unit]
    return tuple(found)


_CN_NUMERAL = re.compile("[一二两三四五六七八九十百千零半]")
_FIGURE_GOES_ON = re.compile(r"[\d.%％]")  # compiled once, not looked up in re's cache for each bare number


def _in_words(undated: str, name: str) -> list[Figure]:
    """Figures said in words: money (三十二万四), lengths and areas (一百四十米), spans (两个半月), counts (两家)."""
    found = []
    for m in _CN_MONEY.finditer(undated):
        tenths = Decimal(_CN_DIGITS[m.group(2)]) / 10 if m.group(2) else Decimal(0)
        found.append(Figure(_cn_number(m.group(1)) + tenths, "万元", False))
    for m in _CN_MEASURE.finditer(undated):
        approx = undated[max(0, m.start() - 1):m.start()] in ("约", "近")
        found.append(Figure(_cn_number(m.group(1)), m.group(2), approx))
    for m in _CN_SPAN.finditer(undated):
        found.append(replace(_cn_span(m), approx=undated[max(0, m.start() - 1):m.start()] in ("约", "近")))
    for m in _CN_FIGURE.finditer(undated):
        if (name and undated[m.start():m.end() + 2] in name) or _NAME_AT.match(undated, m.start(1)):
            continue
        found.append(Figure(_cn_number(m.group(1)), m.group(2)))
    return found


_ANOTHER_ONE = re.compile(rf"另一{_CN_COUNTER}(?!原因|方面|问题|因素)")


def normalised(text: str) -> str:
    """NFKC and spacing folded (form.values.normalize_text), thousands separators dropped (1,842 → 1842),
    "8400余万" read as about 8400万."""
    norm = normalize_text(text)
    if "," in norm:  # each pattern needs its literal: a text without it is returned as it is
        norm = _THOUSANDS.sub(lambda m: m.group(1) + m.group(2).replace(",", ""), norm)
    if _CN_NUMERAL.search(norm):
        norm = _SAID_IN_WORDS.sub(_in_digits, norm)
    return _MORE_THAN.sub(r"约\1", norm) if "余" in norm or "多" in norm else norm


# A count, a share or a span said in words (低四个百分点, 二十六个工作日, 服务十六户, 少三台) is written in
# digits before any reading, so every reading of figures (the gap said, a figure per unit, a share) reads it
# as it reads 4个百分点: how a number is written says nothing of the cause. A lone 一 (一户居民, 一个月) stays
# a word ("one", read by _ONE_OF); so do ordinals (第三批), runs of digits (四五家: "four or five") and
# money in words (三十二万四, read by _CN_MONEY).
_SAID_IN_WORDS = gated(
    r"(?<![第一二两三四五六七八九十百千零番\d])([一二两三四五六七八九十百千零]+)"
    r"(?=个百分点|百分点|个工作日|工作日|个(?!半)|家|项|人次|人|次|场|笔|户|所|批|件|台|套|门|期|处|座|名|位|张|条|辆|栋|间"
    r"|部(?!门)|例|份|宗|平方米|立方米|公里|千米|米|亩|公顷|吨|公斤|千克|天|周|小时|倍)")
_PLACE_CHARS = frozenset("十百千")
# A count listed before 一 in the same clause (金州区两个、庄河市一个): the 一 is a count in the list.
_ENUMERATED = re.compile(r"(\d|[两三四五六七八九十])[^，,。；;\d]{0,10}(、|和|及)[^，,。；;]*$")


# A numeral that begins a place name or a set phrase is no count: 五台县, 七台河, 三门峡, 四处奔波 / 四处协调
# ("everywhere"), 千家万户, 千人计划 (and 三番五次, by the lookbehind above). Named one by one: 两家县级医院 and
# 三条村道 are counts.
_NAME_AT = re.compile(r"五台[县山]|七台河|三门峡|四处(?:奔|协调|寻|找|求|联系|打听|借|张罗|碰壁)|千家万户|千人计划|(?<=三番)五次")


def _in_digits(m: re.Match) -> str:
    said = m.group(1)
    if _NAME_AT.match(m.string, m.start(1)):
        return said
    if said == "一" and not _ENUMERATED.search(m.string, max(0, m.start() - 16), m.start()):
        return said  # "one", "a": 一户居民反对 (read by _ONE_OF)
    if said == "二" or said.startswith("零") or (not _PLACE_CHARS & set(said) and len(said) > 1):
        return said  # 二次供水, 二号 (a cardinal two is 两), or a run of digits (四五家, 三四个): no number
    if any(a not in _PLACE_CHARS and b not in _PLACE_CHARS and a != "零" and b != "零" for a, b in zip(said, said[1:])):
        return said  # 三四十个: a range, not a number
    return str(_cn_number(said))
