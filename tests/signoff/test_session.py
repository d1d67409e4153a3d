"""The keyboard session driven as a reviewer would: a real terminal (pexpect), real keys, real SQLite.

The session walks points (one per indicator or cost/count pair), not critiques: the counts below are
points, and the screen's counter reads 要点 N/M."""

from __future__ import annotations

import io
import json
import re
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Callable

import pexpect
import pytest

from conftest import review_script, run_review, seed_variant, write_form
from formkit import SEED
from reviewer.store.packing import pack, unpack_json

# Four points on the seed: ROUNDING on 5 and 16 (one pair, 6/17), ACTUAL_COPIES_TARGET on 18, 19, 20.
SMALL_QUEUE = ["--code", "ROUNDING", "--code", "ACTUAL_COPIES_TARGET"]
SCREEN = r"要点 (\d+)/(\d+)"


def spawn(env: dict[str, str], *args: str) -> pexpect.spawn:
    command, *prefix = review_script().split()
    return pexpect.spawn(command, [*prefix, "session", *args], env=env, encoding="utf-8",
                         dimensions=(60, 120), timeout=20)


def press(child: pexpect.spawn, key: str) -> int:
    """Send one key and wait for the next screen; returns its position (the 7 of 7/42)."""
    child.send(key)
    child.expect(SCREEN)
    return int(child.match.group(1))


def queue(db: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("""SELECT key, status, final_comment FROM points
                               WHERE codes LIKE '% ROUNDING %' OR codes LIKE '% ACTUAL_COPIES_TARGET %'
                               ORDER BY seq""").fetchall()


def actions(db: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT action, reviewer FROM point_decisions ORDER BY rowid").fetchall()


@pytest.fixture
def reviewed(db: Path) -> Path:
    run_review(str(SEED))
    return db


def test_accept_reject_edit_undo_twice_quit_and_resume(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert child.match.group(0) == "要点 1/4"
    child.expect("审核人：张三")
    assert press(child, "a") == 2
    assert press(child, "r") == 3
    child.send("e")
    child.expect("修改后的意见")
    child.sendline("请按四舍五入规则更正该项得分。")
    child.expect(SCREEN)
    assert child.match.group(1) == "4"
    child.expect("已修改并采纳")
    assert queue(reviewed)[2] == ("I:19", "edited", "请按四舍五入规则更正该项得分。")

    assert press(child, "u") == 3  # back to the edited point, pending again, and told what was undone
    child.expect("已撤销：修改意见“第20项“引进国际高端创新资源””")
    assert press(child, "u") == 2  # and to the rejected one
    child.expect("已撤销：驳回")
    child.send("q")
    child.expect("所有决定均已保存")
    child.expect(pexpect.EOF)

    assert [status for _, status, _ in queue(reviewed)] == ["accepted", "pending", "pending", "pending"]
    assert actions(reviewed) == [("accept", "张三"), ("reject", "张三"), ("edit", "张三"), ("undo", "张三"),
                                 ("undo", "张三")]

    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert child.match.group(0) == "要点 2/4"  # resumes at the first pending point
    for expected in (3, 4):
        assert press(child, "a") == expected
    child.send("a")
    child.expect("没有待审要点了。本次处理 3 个")
    child.expect(pexpect.EOF)
    assert {status for _, status, _ in queue(reviewed)} == {"accepted"}


def test_edit_in_the_editor(reviewed: Path, session_env: dict[str, str]) -> None:
    env = dict(session_env, EDITOR="sed -i 's/^/【复核】/'")
    child = spawn(env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert press(child, "e") == 2
    child.send("q")
    child.expect(pexpect.EOF)
    key, status, final = queue(reviewed)[0]
    assert (key, status) == ("I:5,16", "edited")
    assert final.startswith("【复核】“支持独立参加境外知名展览项目”年度指标值199个")


def test_skip_help_and_unknown_keys_decide_nothing(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    child.send("?")
    child.expect("按键说明")
    assert press(child, " ") == 1  # any key leaves the help
    assert press(child, "x") == 1
    child.expect("无效按键")
    assert press(child, "z") == 1
    assert press(child, "s") == 2  # a skip moves the counter on, like a decision
    child.expect("上一条：已跳过")
    assert press(child, "a") == 3
    child.send("q")
    child.expect(pexpect.EOF)
    assert [status for _, status, _ in queue(reviewed)] == ["pending", "accepted", "pending", "pending"]


def test_ctrl_c_and_a_killed_terminal_lose_nothing(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    press(child, "a")
    child.sendintr()
    child.expect("所有决定均已保存")
    child.expect(pexpect.EOF)
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert child.match.group(0) == "要点 2/4"
    press(child, "r")
    child.kill(signal.SIGKILL)
    child.close(force=True)
    assert [status for _, status, _ in queue(reviewed)][:3] == ["accepted", "rejected", "pending"]
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert child.match.group(0) == "要点 3/4"
    child.send("q")
    child.expect(pexpect.EOF)


def test_two_sessions_at_once_lose_nothing(reviewed: Path, session_env: dict[str, str]) -> None:
    with sqlite3.connect(reviewed) as conn:
        (total,) = conn.execute("SELECT count(*) FROM points WHERE codes LIKE '% EXPLANATION_NO_MEASURE %'").fetchone()
    first = spawn(session_env, "--code", "EXPLANATION_NO_MEASURE", "--reviewer", "张三")
    second = spawn(session_env, "--code", "EXPLANATION_NO_MEASURE", "--reviewer", "李四")
    first.expect(SCREEN)
    second.expect(SCREEN)
    second.send("s")  # 李四 starts one point further on, so both write while the other looks
    second.expect(SCREEN)
    sessions = {"a": first, "r": second}
    finished: set[str] = set()
    conflicts = 0
    while len(finished) < 2:
        for key, child in sessions.items():
            if key in finished:
                continue
            child.send(key)
            if child.expect([SCREEN, "没有待审要点了"]) == 1:
                finished.add(key)
            elif child.expect(["审核人", r"已由 \S+ 处理"]) == 1:
                conflicts += 1  # a key pressed on a point the other had just decided
    for child in sessions.values():
        child.expect(pexpect.EOF)
    with sqlite3.connect(reviewed) as conn:
        decided = conn.execute("""SELECT p.status, d.action, d.reviewer, count(*) OVER (PARTITION BY p.id)
                                  FROM points p JOIN point_decisions d ON d.point_id = p.id
                                  WHERE p.codes LIKE '% EXPLANATION_NO_MEASURE %'""").fetchall()
    assert len(decided) == total  # every point decided once, no decision lost or doubled
    assert all(n == 1 for *_, n in decided)
    assert all((status, action) in {("accepted", "accept"), ("rejected", "reject")} for status, action, _, _ in decided)
    assert {reviewer for _, _, reviewer, _ in decided} == {"张三", "李四"}
    assert conflicts >= 1


def test_line_input_when_stdin_is_not_a_terminal(reviewed: Path, session_env: dict[str, str]) -> None:
    result = subprocess.run([*review_script().split(), "session", *SMALL_QUEUE, "--reviewer", "王五"],
                            input="a\nr\ne\n改为：请更正得分。\nq\n", capture_output=True, text=True,
                            env=session_env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "要点 1/4" in result.stdout and "所有决定均已保存" in result.stdout
    assert queue(reviewed) == [("I:5,16", "accepted", None), ("I:18", "rejected", None),
                               ("I:19", "edited", "改为：请更正得分。"), ("I:20", "pending", None)]


def test_session_on_an_empty_queue_and_a_missing_database(reviewed: Path, tmp_path: Path) -> None:
    done = run_review("session", "--code", "FUNDS_SUM")
    assert "没有待审要点了" in done.output
    missing = run_review("session", "--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 1 and "不存在" in missing.output


def test_a_session_while_review_stores_more_forms(reviewed: Path, session_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in range(60):
        write_form(folder / f"{index:02d}.json", seed_variant(index))
    running = subprocess.Popen([*review_script().split(), str(folder)], env=session_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    child = spawn(session_env, "--form", str(SEED), "--reviewer", "张三")
    child.expect(SCREEN)
    for expected in range(2, 11):
        assert press(child, "a") == expected
    child.send("q")
    child.expect(pexpect.EOF)
    assert running.wait(timeout=120) == 0, running.stderr.read()
    with sqlite3.connect(reviewed) as conn:
        assert conn.execute("SELECT count(*), count(DISTINCT lineage) FROM forms").fetchone() == (61, 61)
        assert conn.execute("SELECT count(*) FROM point_decisions").fetchone() == (9,)
        assert conn.execute("SELECT count(*) FROM points WHERE status = 'accepted'").fetchone() == (9,)


LONG_COMMENT = "请项目单位补充说明该指标得分的计算过程，" * 30 + "结尾 ENDMARK"  # an ASCII word is never split


def edit_critiques(db: Path, code: str, change: Callable[[dict], object]) -> None:
    """Change the stored texts of the critiques with `code`: the message, comment and data of a form's critiques
    are kept together, compressed, in critique_texts (store/schema.py compact_critiques)."""
    with sqlite3.connect(db) as conn:
        ids = {row[0] for row in conn.execute("SELECT id FROM critiques WHERE code = ?", [code])}
        for form_id, body in conn.execute("SELECT form_id, body FROM critique_texts").fetchall():
            texts = unpack_json(body)
            for cid in ids & set(texts):
                message, comment, data = texts[cid]
                text = {"message": message, "comment": comment, "data": data}
                change(text)
                texts[cid] = [text["message"], text["comment"], text["data"]]
            conn.execute("UPDATE critique_texts SET body = ? WHERE form_id = ?",
                         [pack(json.dumps(texts, ensure_ascii=False)), form_id])


def set_point_comments(db: Path, code: str, comment: str) -> None:
    """Give the points with a finding `code` another suggested comment: a form's point texts are kept together,
    compressed, in point_texts (store/schema.py points_form_key_texts_apart)."""
    with sqlite3.connect(db) as conn:
        for form, key in conn.execute("SELECT form, key FROM points WHERE codes LIKE ?", [f"% {code} %"]).fetchall():
            (body,) = conn.execute("SELECT body FROM point_texts WHERE form = ?", [form]).fetchone()
            texts = unpack_json(body)
            texts[key][0] = comment
            conn.execute("UPDATE point_texts SET body = ? WHERE form = ?",
                         [pack(json.dumps(texts, ensure_ascii=False)), form])


def screens(text: str) -> list[str]:
    """What each clear-screen drew: the terminal shows its last 24 lines."""
    chunks = (re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", chunk) for chunk in text.split("\x1b[2J")[1:])
    return [chunk for chunk in chunks if "要点" in chunk]


def test_the_screen_fits_an_80x24_terminal(reviewed: Path, session_env: dict[str, str]) -> None:
    set_point_comments(reviewed, "ROUNDING", LONG_COMMENT)
    edit_critiques(reviewed, "ROUNDING", lambda text: text.update(message=text["message"] + "另：" + "问题说明很长。" * 40))
    env = dict(session_env, COLUMNS="80", LINES="24")
    command, *prefix = review_script().split()
    child = pexpect.spawn(command, [*prefix, "session", "--code", "ROUNDING", "--reviewer", "张三"], env=env,
                          encoding="utf-8", dimensions=(24, 80), timeout=20)
    child.logfile_read = io.StringIO()
    child.expect(r"\[q\]退出")
    child.expect("审核人：张三")  # the bottom border: the whole screen is drawn
    (screen,) = screens(child.logfile_read.getvalue())
    lines = screen.split("\n")
    assert len(lines) <= 24  # the last line is where the cursor rests: nothing scrolled away
    assert "要点 1/1" in lines[0] and "表单：2021年中关村" in screen
    assert "[v]全文" in screen  # v is named in the footer
    assert "支持独立参加境外知名展览" in screen  # the indicator row
    assert "…（按 e 查看/修改全文）" in screen and "…（按 v 查看全文）" in screen
    assert "ENDMARK" not in screen
    child.send("e")  # e shows the whole comment
    child.expect("ENDMARK")
    child.sendline("")
    child.expect("意见未修改")
    child.send("q")
    child.expect(pexpect.EOF)


def test_v_shows_the_full_text(reviewed: Path, session_env: dict[str, str]) -> None:
    set_point_comments(reviewed, "ROUNDING", LONG_COMMENT)
    env = dict(session_env, COLUMNS="80", LINES="24", PAGER="cat")
    command, *prefix = review_script().split()
    child = pexpect.spawn(command, [*prefix, "session", "--code", "ROUNDING"], env=env, encoding="utf-8",
                          dimensions=(24, 80), timeout=20)
    child.expect("按 e 查看/修改全文")
    child.send("v")
    child.expect("ENDMARK")
    child.expect(SCREEN)
    assert child.match.group(0) == "要点 1/1"  # back on the same point, nothing decided
    child.send("q")
    child.expect(pexpect.EOF)
    assert {status for _, status, _ in queue(reviewed)} == {"pending"}


def test_judge_verdicts_are_labelled_in_chinese(reviewed: Path) -> None:
    out = run_review("session", "--code", "EXPLANATION_VERDICT", input="q\n").output
    assert "规则评判" in out and "模型评判" not in out
    assert "无具体原因" in out or "套话" in out
    assert not any(tag in out for tag in ("no_cause", "no_quantity", "no_measure", "generic", "contradicts_data"))
    with sqlite3.connect(reviewed) as conn:
        conn.execute("UPDATE critiques SET source = 'judge:llm' WHERE code = 'EXPLANATION_VERDICT'")
    edit_critiques(reviewed, "EXPLANATION_VERDICT", lambda text: text["data"].update(model="qwen-max"))
    out = run_review("session", "--code", "EXPLANATION_VERDICT", input="q\n").output
    assert "模型评判（qwen-max）" in out and "规则评判" not in out


def test_keys_typed_ahead_in_one_burst_are_all_decisions(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    child.send("aaaa")  # one write: four keys waiting before the first screen is redrawn
    child.expect("没有待审要点了。本次处理 4 个")
    child.expect(pexpect.EOF)
    assert actions(reviewed) == [("accept", "张三")] * 4
    assert {status for _, status, _ in queue(reviewed)} == {"accepted"}


def test_undo_takes_back_a_skip_and_says_so(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, *SMALL_QUEUE, "--reviewer", "张三")
    child.expect(SCREEN)
    assert press(child, "s") == 2
    assert press(child, "u") == 1  # back to the point skipped, the counter with it
    child.expect("已撤销：跳过“第6、17项")
    assert press(child, "a") == 2
    child.send("q")
    child.expect(pexpect.EOF)
    assert actions(reviewed) == [("accept", "张三")]
    assert queue(reviewed)[0][:2] == ("I:5,16", "accepted")


def test_g_sets_the_score_with_a_clause_and_u_undoes_it(reviewed: Path, session_env: dict[str, str]) -> None:
    clauses = run_review("rules").output
    number = 1 + [line.split()[0] for line in clauses.splitlines() if line and not line.startswith(" ")
                  and "  —  " in line].index("unverifiable_medium")
    result = subprocess.run([*review_script().split(), "session", "--code", "ACTUAL_COPIES_TARGET", "--reviewer",
                             "王五"], input=f"g\n4\n{number}\n抽查无佐证材料\nu\ng\n4\n{number}\n抽查无佐证材料\nq\n",
                            capture_output=True, text=True, env=session_env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "已改分：第19项复核得分改为4分" in result.stdout and "已撤销：第19项复核得分改为4分" in result.stdout
    with sqlite3.connect(reviewed) as conn:
        changes = conn.execute("SELECT row, after, clause, reviewer, reverts IS NOT NULL FROM score_changes "
                               "ORDER BY rowid").fetchall()
    assert changes == [(18, "4", "unverifiable_medium", "王五", 0), (18, None, "unverifiable_medium", "王五", 1),
                       (18, "4", "unverifiable_medium", "王五", 0)]
    assert {status for _, status, _ in queue(reviewed)} == {"pending"}  # a score change decides nothing


def test_g_g_u_u_undoes_both_score_changes(reviewed: Path, session_env: dict[str, str]) -> None:
    """可连续撤销: the second u undoes the first change although an undo now stands after it."""
    score = "g\n{}\n1\n抽查\n"
    result = subprocess.run([*review_script().split(), "session", "--code", "ACTUAL_COPIES_TARGET", "--reviewer",
                             "王五"], input=score.format(4) + score.format(3) + "u\nu\nq\n",
                            capture_output=True, text=True, env=session_env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "已撤销：第19项复核得分改为3分" in result.stdout and "已撤销：第19项复核得分改为4分" in result.stdout
    assert "无法撤销" not in result.stdout
    with sqlite3.connect(reviewed) as conn:
        changes = conn.execute("SELECT after, reverts IS NOT NULL FROM score_changes ORDER BY rowid").fetchall()
    assert changes == [("4", 0), ("3", 0), ("4", 1), (None, 1)]


def test_a_point_decision_undone_twice_in_a_row(reviewed: Path) -> None:
    from reviewer.signoff.service import Signoff
    from reviewer.store import Store

    with Store(reviewed) as store:
        signoff = Signoff(store)
        point = signoff.points()[0]
        signoff.decide(point.id, "accept", "张三")
        signoff.decide(point.id, "edit", "张三", comment="改写的意见。", expect="accepted")
        assert signoff.undo_last("张三").action == "edit"
        assert signoff.undo_last("张三").action == "accept"  # an undo between is no obstacle
        assert signoff.point(point.id).status == "pending"


def test_an_undo_refused_stays_in_the_walk(reviewed: Path) -> None:
    """Another reviewer decided on top: u says so and keeps the action, which undoes once they undo theirs."""
    from reviewer.signoff.service import Signoff
    from reviewer.signoff.session import Queue
    from reviewer.store import PointFilters, Store, StoreError

    with Store(reviewed) as store:
        signoff = Signoff(store)
        walk = Queue(signoff, PointFilters(codes=("ROUNDING",)), "张三")
        point = walk.current()
        walk.decide(point, "accept")
        signoff.decide(point.id, "reject", "李四", expect="accepted")
        with pytest.raises(StoreError, match="无法撤销"):
            walk.undo()
        assert len(walk.actions) == 1
        signoff.undo_last("李四")
        assert walk.undo().startswith("已撤销：采纳")
        assert signoff.point(point.id).status == "pending"


def test_g_never_overwrites_a_score_changed_meanwhile(reviewed: Path, session_env: dict[str, str]) -> None:
    child = spawn(session_env, "--code", "ACTUAL_COPIES_TARGET", "--reviewer", "王五")
    child.expect(SCREEN)
    child.send("g")
    child.expect("复核得分（0–10，当前 10")  # what 王五 sees; 李四 changes it before 王五 answers
    assert run_review("score", "zgc", "第19项", "--score", "5", "--clause", "unverifiable_severe", "--reason", "复查",
                      "--reviewer", "李四").exit_code == 0
    child.sendline("4")
    child.expect("依据条款")
    child.sendline("1")
    child.expect("理由")
    child.sendline("抽查")
    child.expect("已由 李四 改为5，未修改")
    child.expect("审核人：王五")  # the screen is drawn again, on the same point
    child.send("q")
    child.expect(pexpect.EOF)
    with sqlite3.connect(reviewed) as conn:
        assert conn.execute("SELECT reviewer, after FROM score_changes").fetchall() == [("李四", "5")]
