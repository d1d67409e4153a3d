"""Points: one per indicator or cost/count pair, one comment each that neither repeats nor contradicts
itself and speaks of the row in its own terms; the judge's 待重点审核 mark puts a point first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_review
from formkit import SEED, clean_form, review_data
from reviewer.config import Config
from reviewer.judge import JudgeSettings, judge_reviews
from reviewer.signoff.intake import save
from reviewer.signoff.points import build_points
from reviewer.signoff.service import Signoff
from reviewer.store import PointFilters, Store

SEED_PAIRS = [(0, 11), (1, 12), (2, 13), (3, 14), (4, 15), (5, 16), (6, 17)]


def judged(data: dict):
    review = review_data(data)
    judge_reviews([review], JudgeSettings())
    return review


def seed_points(db: Path) -> list:
    with Store(db) as store:
        signoff = Signoff(store)
        signoff.bulk([p.id for p in signoff.points()], "accept", "张三")
        return signoff.points()


def test_the_seed_form_is_eleven_points_one_per_indicator_or_pair(db: Path) -> None:
    run_review(str(SEED))
    points = seed_points(db)
    assert len(points) == 11 and {p.status for p in points} == {"accepted"}
    assert sorted(p.indicators for p in points if p.indicators) == [*SEED_PAIRS, (18,), (19,), (20,)]
    # The rules judge reads row 4's cause on one word (confidence 0.6): its pair is looked at first.
    assert points[0].indicators == (3, 14) and points[0].review_first
    assert [p.key for p in points if p.review_first] == ["I:3,14"]
    assert [p.key for p in points if not p.indicators] == ["F:scheme"]
    # No indicator is in two points, and every finding about an indicator reaches its point.
    rows = [i for p in points for i in p.indicators]
    assert len(rows) == len(set(rows))
    with Store(db) as store:
        critiques = store.form_critiques(points[0].form_id)
    evidence = {i for p in points for i in p.findings}
    left_out = [c for c in critiques if c.id not in evidence]
    assert all(c.code == "EXPLANATION_VERDICT" and c.verdict == "covers" for c in left_out)
    for point in points:
        assert not ("与数据矛盾" in point.comment and "与数据相符" in point.comment), point.comment
        sentences = [s for s in re.split("[。；]", point.comment) if s]
        assert len(sentences) == len(set(sentences)), point.comment  # nothing said twice
        assert point.comment.count("请") <= 2  # one request sentence (and at most one 请 inside a quote)


def test_the_pair_with_a_contradicting_and_a_covering_explanation_says_only_the_problem(db: Path) -> None:
    run_review(str(SEED))
    (pair,) = [p for p in seed_points(db) if p.indicators == (3, 14)]
    assert "第15项偏差说明" in pair.comment and "与数据矛盾" in pair.comment
    assert "第4项偏差说明" in pair.comment and "未提出改进措施" in pair.comment  # what row 4's text lacks
    assert "与数据相符" not in pair.comment and "已说明偏差原因" not in pair.comment
    assert pair.comment.count("单位成本由计划44.54万元/个变为50.34万元/个") == 1  # the figures once
    assert pair.verdict == "does_not_cover" and pair.severity == "warning"


def test_an_unchanged_count_is_never_asked_about(db: Path) -> None:
    run_review(str(SEED))
    points = {p.indicators: p for p in seed_points(db)}
    for rows in ((0, 11), (2, 13), (6, 17)):  # counts 2→2, 1→1, 1→1
        comment = points[rows].comment
        assert "数量未变" in comment and not re.search("数量(减少|增加|变化)的具体原因", comment), comment
    assert "逐项说明数量减少的具体原因" in points[(1, 12)].comment  # 12 → 11, its explanation a stock phrase


def test_a_count_whose_explanation_gives_the_cause_is_not_asked_for_it(db: Path) -> None:
    """Row 4 (37 → 36) names the company that moved away: its pair asks about the unit cost, not the count."""
    run_review(str(SEED))
    comment = {p.indicators: p for p in seed_points(db)}[(3, 14)].comment
    assert "单位成本上升的具体原因" in comment and "数量减少的具体原因" not in comment, comment


def test_an_over_achievement_is_asked_about_once() -> None:
    data = clean_form()
    data["indicators"][0].update(actual="750人次")  # 培训人次 ≥500: 150%, no explanation
    (point,) = [p for p in build_points(judged(data)) if p.indicators == (0,)]
    assert "请说明超额完成的原因，下年度合理设置年度指标值" in point.comment
    assert "数量增加的具体原因" not in point.comment and point.comment.count("超额完成的原因") == 1
    assert "如实说明完成情况" not in point.comment  # nothing general beside the request made


@pytest.mark.parametrize("actual,score,says", [("2023年11月完成", 5, "未按期完成，却自评满分5分"),
                                                ("2023年9月完成", 3, "已按时完成，自评3分低于分值5分，且未说明扣分原因")])
def test_a_date_score_point_states_the_dates_once(actual: str, score: int, says: str) -> None:
    data = clean_form()
    data["indicators"][2].update(actual=actual, score=score)  # 培训完成时间 2023年10月底前, 5 points
    (point,) = [p for p in build_points(judged(data)) if p.indicators == (2,)]
    assert "DATE_SCORE" in point.codes and says in point.comment, point.comment
    assert point.comment.count("2023年10月底前") == 1 and point.comment.count(actual) == 1, point.comment


def test_a_row_that_met_its_target_is_not_asked_to_quantify_a_gap() -> None:
    data = clean_form()
    data["indicators"][1].update(actual="90%", score=14, explanation="因疫情影响部分项目验收推迟，下一步加强督导")
    (point,) = [p for p in build_points(judged(data)) if p.indicators == (1,)]
    assert "达到目标值" in point.comment and "未量化" not in point.comment, point.comment


def test_a_rate_row_met_but_scored_low_is_a_score_point_not_a_count_one() -> None:
    data = clean_form()
    rate = data["indicators"][1]  # 培训合格率 ≥90%, 95%, 15 points
    rate["score"] = 14
    rate["explanation"] = "个别学员补考"
    (point,) = [p for p in build_points(judged(data)) if p.indicators == (1,)]
    assert point.kind == "rate"
    assert "按正向指标计分应得15.00分" in point.comment and "评分偏低" in point.comment
    assert "请按计分规则更正得分" in point.comment and "（+5个百分点）" in point.comment
    assert "数量" not in point.comment and "金额" not in point.comment and "超额" not in point.comment


def test_money_and_date_rows_are_asked_in_their_own_terms() -> None:
    data = clean_form()
    data["indicators"][3].update(actual="120万元", score=8.33)  # 场地租赁费用 ≤100万元
    data["indicators"][2].update(actual="2023年11月完成", score=4)  # 培训完成时间 10月底前
    points = {p.indicators: p for p in build_points(judged(data))}
    money, date = points[(3,)], points[(2,)]
    assert money.kind == "money" and "成本超出指标值的具体原因" in money.comment and "数量" not in money.comment
    assert "（+20.0%）" in money.comment
    assert date.kind == "date" and "（晚于目标时间）" in date.comment and "未按期完成的具体原因" in date.comment
    assert "数量" not in date.comment


def test_a_verdict_marked_review_first_puts_its_point_first_everywhere(db: Path, tmp_path: Path) -> None:
    review = judged(__import__("json").loads(SEED.read_text(encoding="utf-8")))
    review.file = str(SEED)
    marked = next(f for f in review.findings if f.code == "EXPLANATION_VERDICT" and 14 in f.indicators)
    marked.data.update(confidence=0.42, review_first=True)  # as the judge of issue 16 marks a doubtful verdict
    with Store(db) as store:
        save(store, review)
        signoff = Signoff(store)
        points = signoff.points()
        assert points[0].indicators == (3, 14) and points[0].review_first
        assert [p.key for p in signoff.points(PointFilters(review_first=True))] == ["I:3,14"]
        assert store.next_point(PointFilters()).key == "I:3,14"
        signoff.bulk([p.id for p in points], "accept", "张三")
    # The 复核意见 is for the unit: in the order of the form, without the reviewer's triage mark.
    md = run_review("report").output
    numbered = re.findall(r"^(\d+)\. 【(第[^】]*)】", md, flags=re.M)
    assert numbered[0] == ("1", "第1、12项“支持海外建设特色科技园区项目”（数量与成本）")
    assert numbered[3] == ("4", "第4、15项“支持国际研发合作项目”（数量与成本）") and "待重点审核" not in md
    exported = __import__("json").loads(run_review("report", "--format", "json").output)[0]
    assert [c["where"] for c in exported["comments"]] == [where for _, where in numbered] + ["指标体系"]
    assert exported["points"][0]["review_first"] is True  # the queue's order and mark stay in the points
    screen = run_review("session", "--code", "EXPLANATION_VERDICT", "--verdict", "does_not_cover", input="q\n").output
    assert "没有待审要点了" in screen  # all decided: the mark does not bring a decided point back


@pytest.mark.parametrize("code", ["VALUE_BLANK", "SCORE_MISSING", "TOTAL_MISSING", "HEADER_BLANK", "DATE_SCORE",
                                  "PAYMENT_RATE_CONFLICT"])
def test_the_blank_cell_codes_have_a_home_and_a_clause(code: str) -> None:
    """Issue 11's codes (docs/findings.md) are known to the filters and the default rulebook already."""
    from reviewer.signoff.points import form_subject
    from reviewer.signoff.rulebook import load_rulebook

    clause = load_rulebook().for_code(code)
    assert clause is not None
    if code == "VALUE_BLANK":
        assert clause.deduction == "zero" and "无法核实" in clause.name
    if code in ("TOTAL_MISSING", "HEADER_BLANK"):
        assert form_subject(code).key in ("F:total", "F:header")
    assert Config().signoff.deviation_flag_points == 5


def _changes(rows: list) -> set[str]:
    """What the rows' figures show, in the words a request would use (computed here, not by compose)."""
    shown = set()
    counts = [r for r in rows if not r.cost]
    for row in rows:
        a, b = row.target_value, row.actual_value
        if row.late:
            shown.add("late")
        if row.direction == "qualitative" or not row.target.is_number:
            shown.add("qualitative")
        if a is None or b is None:
            continue
        if b != a:
            shown.add("moved")
        missed = {"higher": b < a, "lower": b > a, "equal": b != a}.get(row.direction, False)
        if missed:
            shown.add("missed")
        if b > a and row.direction == "higher":
            shown.add("over")
        if row.cost:
            shown.add("cost up" if b > a else "cost down" if b < a else "cost same")
            for count in counts:
                qa, qb = count.target_value, count.actual_value
                if qa and qb and a and (b / qb) > (a / qa):
                    shown.add("unit cost up")
        else:
            shown.add("count up" if b > a else "count down" if b < a else "count same")
    return shown


REQUEST_NEEDS = {  # a request in a comment, and what the rows must show for it to be asked
    "数量减少的具体原因": "count down", "数量增加的具体原因": "count up", "成本减少的具体原因": "cost down",
    "单位成本上升的具体原因": "unit cost up", "成本超出指标值的具体原因": "cost up", "超额完成的原因": "over",
    "未按期完成的具体原因": "late", "未达到年度指标值的具体原因": "missed", "未完全达成年度指标": "qualitative",
}


def every_form() -> list[Path]:
    return [SEED, *sorted((Path(__file__).resolve().parents[2] / "eval_sets" / "forms").glob("*.json"))]


@pytest.mark.parametrize("path", every_form(), ids=lambda p: p.stem)
def test_no_comment_repeats_contradicts_or_asks_about_a_change_not_shown(path: Path) -> None:
    review = judged(__import__("json").loads(path.read_text(encoding="utf-8")))
    for point in build_points(review):
        comment = point.comment
        sentences = [s for s in re.split("[。；]", comment) if s]
        assert len(sentences) == len(set(sentences)), comment
        assert not ("与数据矛盾" in comment and "与数据相符" in comment), comment
        assert "数量变化" not in comment, comment
        shown = _changes([review.card.indicators[i] for i in point.indicators])
        for request, needs in REQUEST_NEEDS.items():
            if point.indicators and request in comment:
                assert needs in shown, (request, shown, comment)


def test_points_the_review_no_longer_raises_leave_the_queue_and_the_report(db: Path, tmp_path: Path) -> None:
    """Reviewed again with a setting that no longer raises QUALITATIVE_SHARE: its point is retired, pending or
    decided, out of the queue, the counts and the 复核意见; a decided one stays in the history."""
    config = tmp_path / "review.toml"
    config.write_text("[thresholds]\nqualitative_share = 0.9\n", encoding="utf-8")
    run_review(str(SEED))
    with Store(db) as store:
        scheme = next(p for p in Signoff(store).points() if p.key == "F:scheme")
        rounding = next(p for p in Signoff(store).points() if p.key == "I:5,16")
        Signoff(store).decide(rounding.id, "accept", "张三")
    run_review(str(SEED), "--config", str(config))
    with Store(db) as store:
        signoff = Signoff(store)
        keys = [p.key for p in signoff.points()]
        assert "F:scheme" not in keys and len(keys) == 10
        (form,) = signoff.forms()
        assert form.pending == 9 and form.total == 10
        assert store.next_point(PointFilters(codes=("QUALITATIVE_SHARE",))) is None
        assert [p.key for p in signoff.form_review(form.id).points].count("F:scheme") == 0
    assert "指标体系" not in run_review("accept", "--all", "--yes").output
    with Store(db) as store:  # rebuilt by a newer builder, from the critiques stored: still retired
        store.conn.execute("UPDATE point_builds SET builder = 0")
        assert "F:scheme" not in [p.key for p in Signoff(store).points()]
    # Raised again (the default settings): back, with its decision kept.
    run_review(str(SEED))
    with Store(db) as store:
        assert store.point(scheme.id).retired_at is None
        Signoff(store).decide(scheme.id, "accept", "张三", expect=None)
    run_review(str(SEED), "--config", str(config))
    report = run_review("report").output
    assert "指标体系" not in report and "定性指标分值占" not in report
    exported = __import__("json").loads(run_review("report", "--format", "json").output)[0]
    assert "指标体系" not in [p["title"] for p in exported["points"]] and len(exported["points"]) == 10
    history = {p["title"]: p for p in exported["versions"][-1]["points"]}
    assert history["指标体系"]["status"] == "accepted" and history["指标体系"]["retired_at"]
