"""Deciding and scoring through the workbench over HTTP: each change recorded with the reviewer's name,
a change someone made meanwhile shown and never overwritten, undo, and the queue moving on."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from webkit import batch_db, batch_forms, browser, form_id, make_browser, point, point_ids  # noqa: F401 - fixtures

from reviewer.signoff.service import Signoff
from reviewer.store import Store

SEED = "2021年中关村示范区国际创新资源支持资金"


def decisions(db: Path, pid: str) -> list[tuple[str, str, str]]:
    with Store(db) as store:
        return [(d.action, d.reviewer, d.status_after) for d in store.point_decisions(pid)]


def test_accept_records_the_reviewer_and_returns_the_card(browser, batch_db: Path) -> None:  # noqa: ANN001
    pid = point_ids(batch_db, form_id(batch_db, SEED))[0]
    reply = browser.post(f"/points/{pid}/decide", {"action": "accept", "expect": "pending"})
    data = reply.json()
    assert reply.status_code == 200 and data["ok"] and data["status"] == "accepted"
    assert data["message"].startswith("已采纳“第4、15项") and 'data-status="accepted"' in data["html"]
    assert data["undo"]["kind"] == "decision" and data["undo"]["point"] == pid
    assert "待审 <strong>10</strong>" in data["totals"]
    assert decisions(batch_db, pid) == [("accept", "张三", "accepted")]


def test_a_decision_taken_meanwhile_is_shown_never_overwritten(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    pid = point_ids(batch_db, form_id(batch_db, SEED))[1]
    zhang, li = make_browser("张三"), make_browser("李四")
    zhang.get(f"/forms/{form_id(batch_db, SEED)}")
    li.get(f"/forms/{form_id(batch_db, SEED)}")  # both see the point pending
    assert zhang.post(f"/points/{pid}/decide", {"action": "accept", "expect": "pending"}).status_code == 200
    reply = li.post(f"/points/{pid}/decide", {"action": "reject", "expect": "pending"})
    data = reply.json()
    assert reply.status_code == 409 and data["conflict"] and not data["ok"]
    assert "该要点已由 张三 处理（已采纳）" in data["message"]
    assert "已采纳：张三" in data["html"] and 'class="flash conflict"' in data["html"]
    assert decisions(batch_db, pid) == [("accept", "张三", "accepted")]


def test_edit_then_undo_step_by_step(browser, batch_db: Path) -> None:  # noqa: ANN001
    pid = point_ids(batch_db, form_id(batch_db, SEED))[2]
    edited = browser.post(f"/points/{pid}/decide", {"action": "edit", "expect": "pending",
                                                    "comment": "请补充说明成本增加的原因。"}).json()
    assert point(batch_db, pid).final_comment == "请补充说明成本增加的原因。"
    assert "修改后的意见" in edited["html"]
    undone = browser.post(f"/decisions/{edited['undo']['ref']}/undo").json()
    assert undone["ok"] and undone["message"].startswith("已撤销：修改意见") and point(batch_db, pid).status == "pending"
    assert decisions(batch_db, pid)[-1] == ("undo", "张三", "pending")  # append-only: the edit stays in the trail
    assert not browser.post(f"/decisions/{edited['undo']['ref']}/undo").json()["ok"]  # undone once is enough


def test_undo_last_goes_back_through_the_reviewers_decisions(browser, batch_db: Path) -> None:  # noqa: ANN001
    ids = point_ids(batch_db, form_id(batch_db, SEED))
    for pid in ids[:2]:
        browser.post(f"/points/{pid}/decide", {"action": "reject", "expect": "pending"})
    assert browser.post("/undo").json()["point"] == ids[1]
    assert browser.post("/undo").json()["point"] == ids[0]
    assert [point(batch_db, pid).status for pid in ids[:2]] == ["pending", "pending"]
    nothing = browser.post("/undo")
    assert nothing.status_code == 400 and nothing.json()["message"] == "没有可撤销的决定"


def test_in_the_queue_a_decision_brings_the_next_point(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    ids = point_ids(batch_db, seed)
    queue = f"form={seed}"
    data = browser.post(f"/points/{ids[0]}/decide", {"action": "accept", "expect": "pending", "queue": queue,
                                                      "skip": ids[1]}).json()
    assert data["next_point"] == ids[2] and "要点 3/11" in data["next"]  # the skipped one counts as passed
    back = browser.post(f"/decisions/{data['undo']['ref']}/undo", {"queue": queue, "skip": ids[1]}).json()
    assert back["next_point"] == ids[0] and "已撤销：采纳" in back["next"]


def test_plain_form_posts_work_without_the_script(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    pid = point_ids(batch_db, seed)[4]
    reply = browser.post(f"/points/{pid}/decide", {"action": "accept", "expect": "pending", "csrf": browser.csrf,
                                                   "back": f"/forms/{seed}#p-{pid}"}, json=False,
                         headers={"X-CSRF-Token": ""})
    assert reply.status_code == 303 and reply.headers["location"] == f"/forms/{seed}#p-{pid}"
    assert point(batch_db, pid).status == "accepted"


def test_deciding_needs_a_name_and_a_known_action(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    pid = point_ids(batch_db, form_id(batch_db, SEED))[0]
    nameless = make_browser(name=None)
    reply = nameless.post(f"/points/{pid}/decide", {"action": "accept"})
    assert reply.status_code == 400 and reply.json()["need_name"]
    named = make_browser("张三")
    assert named.post(f"/points/{pid}/decide", {"action": "delete"}).status_code == 400
    assert named.post(f"/points/{pid}/decide", {"action": "accept", "expect": "gone"}).status_code == 400
    assert named.post(f"/points/{pid}/decide", {"action": "edit", "comment": " "}).json()["message"] == "修改后的意见不能为空"
    assert point(batch_db, pid).status == "pending"


def test_score_change_with_its_clause_then_undo(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    reply = browser.post(f"/forms/{seed}/score", {"row": "5", "score": "1.5", "clause": "unverifiable_minor",
                                                  "reason": "抽查：6个项目无合同", "seen-5": ""})
    data = reply.json()
    assert reply.status_code == 200 and data["message"] == "已改：第6项复核得分改为1.5"
    assert "98.29" in data["totals"] and "98.29" in data["scorecard"] and "无法核实（轻微）" in data["scorecard"]
    with Store(batch_db) as store:
        score = Signoff(store).form_score(seed)
        change = store.score_history(seed)[-1]
    assert score.row(5).score == Decimal("1.5") and score.review_total == Decimal("98.29")
    assert (change.reviewer, change.clause, change.reason) == ("张三", "unverifiable_minor", "抽查：6个项目无合同")
    undone = browser.post(f"/scores/{data['undo']['ref'][0]}/undo").json()
    assert undone["ok"] and "恢复为建议值" in undone["message"] and "98.43" in undone["totals"]


def test_a_score_changed_meanwhile_is_not_overwritten(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    zhang, li = make_browser("张三"), make_browser("李四")
    first = {"row": "5", "score": "1.5", "clause": "unverifiable_minor", "reason": "抽查", "seen-5": ""}
    assert zhang.post(f"/forms/{seed}/score", first).status_code == 200
    reply = li.post(f"/forms/{seed}/score", dict(first, score="1.2"))  # saw the proposal, not 张三's 1.5
    assert reply.status_code == 409 and "已由 张三 改为1.5" in reply.json()["message"]
    with Store(batch_db) as store:
        assert Signoff(store).form_score(seed).row(5).score == Decimal("1.5")


def test_score_change_refusals_say_why(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    cases = [({"row": "5", "score": "1.5", "reason": "抽查"}, "请注明修改得分所依据的复核口径条款"),
             ({"row": "5", "score": "3", "clause": "unverifiable_minor", "reason": "抽查"}, "得分应在 0 到 2 分之间"),
             ({"row": "5", "score": "1.5", "clause": "unverifiable_minor", "reason": " "}, "请说明修改的理由"),
             ({"row": "99", "score": "1", "clause": "unverifiable_minor", "reason": "x"}, "第100项指标不存在"),
             ({"row": "x"}, "请选择要改分的指标")]
    for fields, message in cases:
        reply = browser.post(f"/forms/{seed}/score", fields)
        assert reply.status_code == 400 and message in reply.json()["message"], fields
    with Store(batch_db) as store:
        assert store.score_history(seed) == []


def test_the_form_page_lists_score_changes_with_undo(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    browser.post(f"/forms/{seed}/score", {"row": "-1", "score": "9", "clause": "unverifiable_minor", "reason": "执行率存疑"})
    page = browser.get(f"/forms/{seed}").text
    history = page[page.index("改分记录（1）"):]
    assert "预算执行率" in history and "9.96 → 9" in history and "执行率存疑" in history
    assert len(re.findall(r'action="/scores/[0-9A-Z]+/undo"', history)) == 1
