"""How sturdy the rules judge's verdicts are on text it was not tuned on (issue 16, judge-4). Prints figures;
asserts nothing. Reads the dev split only: the test split stays blind.

- rewrites: each dev explanation said another way that must not move its verdict — an opening clause
  (经核实，目前，), the cause announced (主要原因是, 偏差原因：), numbers in words, 因 for 由于, a measure or
  praise added or removed, sentences reversed, the row's own figures said first; counts the verdicts moved;
- narratives: texts that name no cause (the year's tasks, a budget narrative, the gap announced as a cause,
  a procedure, praise, parts of the actual, the rest not done…) beside every numeric dev row with a gap,
  filled with that row's figures: each should be `does_not_cover`, none may be `covers`;
- replies: official replies and formulas that name no cause (apologies, requests for understanding,
  promises, plans, procedures without their finding) beside every dev row;
- sound: a cause with its particulars and the gap's size, said in fourteen ways, beside every dev row that
  falls short of a count or share target: each should be `covers`.

Run it before and after a change to the rules (or against another checkout's code with PYTHONPATH) and
compare the figures; the README's "Measuring the judge" quotes them.

    .venv/bin/python bench/probe_judge_rules.py [--only rewrites|narratives|replies|sound] [--show 5]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterator

ROOT = Path(__file__).resolve().parent.parent

from reviewer.config import Config  # noqa: E402
from reviewer.evaluation.evaluate import load_cases, select  # noqa: E402
from reviewer.judge.case import JudgeCase  # noqa: E402
from reviewer.judge.rules import judge_rules  # noqa: E402
from reviewer.judge.rules.gap import gap_of  # noqa: E402


class Rewritten(JudgeCase):
    """A dev case with another explanation beside the same row (the form itself is not changed)."""

    text = ""

    @property
    def explanation(self) -> str:
        return self.text


def verdict(case: JudgeCase, text: str) -> str:
    other = Rewritten(case.review, case.index, case.pair, case.findings, case.reasons)
    other.text = text
    return judge_rules(other).verdict


_CN = "零一二三四五六七八九"


def _in_words(n: int) -> str | None:
    if n == 2:
        return "两"
    if n < 10:
        return _CN[n]
    if n < 100:
        return ("" if n < 20 else _CN[n // 10]) + "十" + (_CN[n % 10] if n % 10 else "")
    return None


def words(text: str) -> str:
    """Counts under 100 written in words (3个 → 三个)."""
    def say(m: re.Match) -> str:
        said = _in_words(int(m.group(1)))
        return said + m.group(2) if said else m.group(0)
    return re.sub(r"(?<![\d.])(\d{1,2})(个|家|项|所|座|处|户|人|名|台|套|条|天|次|场|辆|位|间|批|期|件|块|栋|公里|米)",
                  say, text)


_MEASURE = re.compile(r"下一步|今后|20\d\d年将")
REWRITES: dict[str, Callable[[str], str]] = {
    "measure added": lambda t: t.rstrip("。") + "。下一步将加强项目管理，确保按期完成。",
    "经核实，": lambda t: "经核实，" + t,
    "目前，": lambda t: "目前，" + t,
    "主要原因是": lambda t: t if t.startswith(("因", "由于", "主要")) else "主要原因是" + t,
    "偏差原因：": lambda t: "偏差原因：" + t,
    "numbers in words": words,
    "half-width commas": lambda t: t.replace("，", ",").replace("；", ";"),
    "因为 for 由于": lambda t: t.replace("由于", "因为", 1),
    "由于 for 因": lambda t: re.sub(r"(?<![原由])因(?![为此而素])", "由于", t, count=1),
    "praise before": lambda t: "在局党组的坚强领导下，" + t,
    "praise after": lambda t: t.rstrip("。") + "。我局高度重视，组织有力，措施得当。",
    "semicolons": lambda t: t.replace("。", "；").rstrip("；") + "。",
    "annex": lambda t: t.rstrip("。") + "（详见附件）。",
    "measure removed": lambda t: _MEASURE.split(t)[0] if _MEASURE.search(t) else t,
    "spaces": lambda t: t.replace("，", "， "),
    "sentences reversed": lambda t: "".join(reversed([s for s in re.findall(r"[^。；]+[。；]?", t) if s.strip()])),
}

NARRATIVES = {
    "the year's tasks": "全年共完成{b}{u}，较目标{a}{u}相差{g}{u}；同时完成了宣传培训、督导检查等工作，开展督导检查12次，印发文件3份。",
    "target adjusted": "年初计划{a}{u}，年中根据工作安排调整为{b}{u}，实际完成{b}{u}。",
    "carried over": "本年度项目按计划推进，截至12月31日，累计完成{b}{u}，剩余{g}{u}结转下年继续实施。",
    "the unit decided": "经局务会研究，将年度目标由{a}{u}调整为{b}{u}，减少{g}{u}。",
    "slower than planned": "原计划{a}{u}，实际{b}{u}，差额{g}{u}，主要是项目实施进度慢于预期。",
    "next year": "{g}{u}未完成，已纳入下年度计划，下一步将加快推进。",
    "the gap announced": "主要原因是：本年度实际完成{b}{u}，较年度目标{a}{u}少{g}{u}，完成率未达100%。",
    "budget": "年初预算安排{a}{u}，年中预算调整后为{b}{u}，全年实际执行{b}{u}，执行率100%。",
    "praise": "在局党组坚强领导下，我单位精心组织、周密部署，全年完成{b}{u}，超出目标{g}{u}，取得良好成效。",
    "procedure": "经市级资金查重和内部比对，{g}{u}有所调整，资金相应调整。",
    "verified": "经核实，年度实际完成{b}{u}，与目标{a}{u}存在{g}{u}差距，已按程序报备。",
    "parts of the actual": "其中线上完成{p1}{u}，线下完成{p2}{u}，合计{b}{u}。",
    "the row said back": "年度指标值{a}{u}，实际完成值{b}{u}，偏差{g}{u}。",
    "a share of the plan": "截至年底，项目已完成主体工程建设，完成{b}{u}，占计划的{pct}%。",
    "money returned": "根据市财政局《关于下达2023年专项资金的通知》（X财〔2023〕12号），本年度下达{a}{u}，实际完成{b}{u}，差额{g}{u}已按规定收回。",
    "credit": "超额完成年度目标，主要得益于各部门通力配合，全年完成{b}{u}，超出{g}{u}。",
    "year on year": "全年完成{b}{u}，比上年增长15%，较目标相差{g}{u}。",
    "a contract": "项目实施过程中，严格执行政府采购程序，经公开招标确定供应商并签订合同，按合同约定完成{b}{u}。",
    "still building": "已完成{b}{u}，剩余{g}{u}正在施工，预计明年3月完成。",
    "headings": "偏差原因：{g}{u}未完成。改进措施：加强调度。",
    "since the start": "自项目启动以来，我单位高度重视，成立专班，全年完成{b}{u}，较目标少{g}{u}，已纳入明年计划。",
    "the gap as the reason": "主要原因是{g}{u}没有完成，完成{b}{u}。",
    "by quarter": "一季度完成{p1}{u}，二至四季度完成{p2}{u}，全年{b}{u}，未达目标{g}{u}。",
    "the rest not done": "剩余{g}{u}未参与，已纳入明年计划。",
    "the rest pending": "还有{g}{u}暂未落实，正在抓紧推进。",
    "the rest not accepted": "其余{g}{u}尚未验收，预计明年一季度完成。",
}

REPLIES = [
    "对此给市民带来的不便深表歉意，感谢您的监督，我们将加快施工进度，争取早日完工。",
    "请广大市民理解和支持，我局将督促施工单位加快进度。",
    "根据施工合同，该工程合同工期至2024年6月30日，目前仍在合同工期内。",
    "经评审，项目数有所调整。",
    "经入户核查，补贴户数有所调整。",
    "经测量复核，工程量有所调整。",
    "按实际工程量结算，资金相应调整。",
    "我局高度重视，多次督促施工单位，超额完成年度任务。",
    "该项目计划于2024年3月开工，12月底完工。",
    "目前该项目正在有序推进中，预计年底前完成。",
    "我们已将您反映的问题转交相关部门处理，并将持续跟踪。",
    "工程进展顺利，质量安全可控，群众满意度较高。",
    "已组织专家论证，方案已报批。",
    "按照上级部署，结合实际，稳步推进。",
    "下一步，我们将进一步加强项目管理，提高资金使用效益。",
    "针对存在的问题，我单位已制定整改方案，明确责任人和时限。",
    "该项目由区住建局负责实施，具体情况请咨询该局。",
    "经与施工单位沟通，施工单位表示将增加人员和机械，确保按期完成。",
    "目前已完成总工程量的80%，剩余部分正在加紧施工。",
    "项目资金已按规定程序拨付到位，专款专用。",
]

SOUND = {
    "withdrew": "承建单位于9月因资金链断裂退出，{g}{u}未能完成。",
    "rain": "受7月持续强降雨影响停工45天，少完成{g}{u}。",
    "land": "{g}{u}所在地块于8月被纳入市级征收范围，暂缓实施。",
    "money late": "市财政局11月28日才下达第二批资金，{g}{u}未能在年内实施。",
    "duplicate": "经市级资金查重，{g}{u}与省级项目重复支持，予以剔除。",
    "retender": "原中标单位因资质不符被取消中标资格，重新招标耗时两个月，{g}{u}顺延至下年实施。",
    "plain speech": "两个村的村民不同意占地，{g}{u}没法动工。",
    "split": "其中{g1}{u}因设计变更暂缓，另{g2}{u}因管线迁改未完成，合计{g}{u}。",
    "cause after": "少完成{g}{u}，主要是因为承建单位9月退出。",
    "heading": "{g}{u}未完成。原因：承建单位9月退出，无人施工。",
    "spoken": "承建单位9月退出了，所以有{g}{u}没做成。",
    "announced": "主要原因是承建单位9月破产退场，{g}{u}未能完成。",
    "verified": "经核实，承建单位9月破产退场，{g}{u}未能完成。下一步将加快重新招标。",
    "passive": "{g}{u}因承建单位9月破产被迫停工。",
}


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


def dev_rows() -> Iterator[tuple[str, JudgeCase]]:
    """Each row of the dev split once (a row may carry several cases' forms' copies)."""
    cases = load_cases(ROOT / "eval_sets", "dev")
    seen = set()
    for case, judged in zip(cases, select(cases, Config())):
        if judged is None or judged.blank:
            continue
        key = (str(judged.review.file), judged.index)
        if key not in seen:
            seen.add(key)
            yield case.id, judged


def rewrites(show: int) -> None:
    cases = load_cases(ROOT / "eval_sets", "dev")
    moved, tried, examples = Counter(), 0, []
    for case, judged in zip(cases, select(cases, Config())):
        if judged is None or judged.blank:
            continue
        before = judge_rules(judged).verdict
        for name, rewrite in REWRITES.items():
            text = rewrite(judged.explanation)
            if text == judged.explanation:
                continue
            tried += 1
            after = verdict(judged, text)
            if after != before:
                moved[name] += 1
                examples.append(f"  {name}: {case.id} {before} -> {after} | {text[:80]}")
    print(f"rewrites: {sum(moved.values())} verdicts moved of {tried} rewritten texts {dict(moved)}")
    print("\n".join(examples[:show]))


def _fill(template: str, side) -> str:
    a, b = side.a, side.b
    unit = "%" if side.unit in ("%", "％") else side.unit
    part = (b * Decimal("0.6")).quantize(Decimal(1)) if b > 10 else b / 2
    share = _num((b / a * 100).quantize(Decimal("0.1"))) if a else "0"
    return template.format(a=_num(a), b=_num(b), g=_num(abs(a - b)), u=unit, p1=_num(part), p2=_num(b - part), pct=share)


def narratives(show: int) -> None:
    found, examples = defaultdict(Counter), []
    for case_id, judged in dev_rows():
        side = gap_of(judged).row
        if judged.row.late or side.a is None or side.b is None or side.a == side.b:
            continue
        for name, template in NARRATIVES.items():
            text = _fill(template, side)
            said = verdict(judged, text)
            found[name][said] += 1
            if said == "covers":
                examples.append(f"  {name}: {case_id} {judged.row.name} | {text[:80]}")
    total = sum((c for c in found.values()), Counter())
    print(f"narratives: {dict(total)} (none should be covers)")
    for name, counts in found.items():
        if counts["covers"] or counts["partial"]:
            print(f"  {name}: {dict(counts)}")
    print("\n".join(examples[:show]))


def replies(show: int) -> None:
    found = defaultdict(Counter)
    for _, judged in dev_rows():
        for text in REPLIES:
            found[text][verdict(judged, text)] += 1
    total = sum((c for c in found.values()), Counter())
    print(f"replies: {dict(total)} (does_not_cover expected)")
    for text, counts in list((t, c) for t, c in found.items() if c["covers"] or c["partial"])[:show]:
        print(f"  {dict(counts)} {text}")


def sound(show: int) -> None:
    found, examples = defaultdict(Counter), []
    for case_id, judged in dev_rows():
        side = gap_of(judged).row
        if (judged.row.late or judged.row.cost or side.a is None or side.b is None or side.b >= side.a
                or side.row.direction != "higher"):
            continue
        gap = side.a - side.b
        unit = "个百分点" if side.unit in ("%", "％") else side.unit
        half = (gap / 2).quantize(Decimal(1)) if gap >= 2 and gap == gap.to_integral_value() else None
        for name, template in SOUND.items():
            if name == "split" and half is None:
                continue
            text = template.format(g=_num(gap), u=unit, g1=_num(half) if half else "", g2=_num(gap - half) if half else "")
            said = verdict(judged, text)
            found[name][said] += 1
            if said != "covers":
                examples.append(f"  {name}: {case_id} {judged.row.name} {_num(side.a)} -> {_num(side.b)}{side.unit} {said}")
    total = sum((c for c in found.values()), Counter())
    print(f"sound: {dict(total)} (covers expected)")
    print("\n".join(examples[:show]))


PROBES = {"rewrites": rewrites, "narratives": narratives, "replies": replies, "sound": sound}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(PROBES))
    parser.add_argument("--show", type=int, default=5, help="examples printed per probe")
    args = parser.parse_args()
    for name, probe in PROBES.items():
        if args.only in (None, name):
            probe(args.show)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
