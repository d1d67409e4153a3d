"""Storing reviews: idempotent re-reviews, new versions, bulk decisions on points, crash safety.

Decisions are taken on points (one per indicator or cost/count pair, signoff/points.py), no longer on
single critiques: the tests that decided on critiques now decide on the points those critiques make up."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

import pytest

from conftest import review_script, run_review, seed_variant, write_form
from formkit import SEED, seed_form
from reviewer.config import Config
from reviewer.engine import review_file


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def count(db: Path, table: str) -> int:
    return rows(db, f"SELECT count(*) FROM {table}")[0][0]


def children(pid: int) -> list[int] | None:
    """The processes `pid` started, where Linux's /proc lists them; None elsewhere."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return None


def gone(pids: list[int], within: float) -> bool:
    """Whether every process in `pids` has ended (or is only a zombie left for its new parent) within `within` s."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(_ended(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def _ended(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "\nState:\tZ" in status or "\nState:\tX" in status


def test_review_stores_form_and_critiques(db: Path) -> None:
    result = run_review(str(SEED), "--json")
    finding_ids = {f["id"] for f in json.loads(result.output)["findings"]}
    assert rows(db, "SELECT name, year, department FROM forms") == [
        ("2021年中关村示范区国际创新资源支持资金", 2021, "中关村科技园区管理委员会")]
    assert {r[0] for r in rows(db, "SELECT id FROM critiques")} == finding_ids
    assert rows(db, "SELECT backend, times FROM runs") == [("rules", 1)]
    # Every finding is evidence of a point, except a judge's verdict that the explanation covers its gap.
    evidence = {i for (ids,) in rows(db, "SELECT findings FROM points") for i in json.loads(ids)}
    covers = {r[0] for r in rows(db, "SELECT id FROM critiques WHERE verdict = 'covers' AND tags = '[]'")}
    assert evidence | covers == finding_ids
    assert rows(db, "SELECT count(*), count(DISTINCT status) FROM points") == [(11, 1)]


def test_storing_does_not_change_json_output(db: Path, tmp_path: Path) -> None:
    stored = run_review(str(SEED), "--json").output
    unstored = run_review(str(SEED), "--json", "--no-store", "--db", str(tmp_path / "other.db")).output
    assert stored == unstored
    assert not (tmp_path / "other.db").exists()


def test_re_review_adds_nothing_twice_and_keeps_decisions(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")  # both slips are on pair 6/17
    before = {t: count(db, t) for t in ("forms", "critiques", "points", "point_decisions", "runs")}
    run_review(str(SEED))
    run_review(str(SEED), "--json")
    assert {t: count(db, t) for t in before} == before
    assert rows(db, "SELECT times FROM runs") == [(3,)]
    assert rows(db, "SELECT key FROM points WHERE status = 'accepted' AND decided_by = '张三'") == [("I:5,16",)]


def test_changed_form_is_a_new_version_with_decisions_carried_over(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    run_review("reject", "--code", "COST_COUNT_DIVERGENCE", "--yes", "--reviewer", "李四")
    (old_id,) = rows(db, "SELECT id FROM forms")[0]
    decisions_before = rows(db, "SELECT * FROM point_decisions ORDER BY rowid")

    data = seed_form()
    data["indicators"][3]["actual"] = "30个"  # 支持国际研发合作项目 36 → 30: its COST_COUNT_DIVERGENCE changes
    write_form(seed_copy, data)
    result = run_review(str(seed_copy))
    assert "作为新版本保存，沿用上一版本" in result.output

    forms = rows(db, "SELECT id, previous_id, superseded_by FROM forms ORDER BY rowid")
    (old, old_prev, old_sup), (new, new_prev, new_sup) = forms
    assert (old, old_prev, new_prev, new_sup) == (old_id, None, old_id, None) and old_sup == new
    # The old version and every decision on it are still there, untouched.
    assert rows(db, "SELECT * FROM point_decisions ORDER BY rowid")[: len(decisions_before)] == decisions_before
    for table in ("critiques", "points"):
        superseded = rows(db, f"SELECT count(*) FROM {table} WHERE form = (SELECT n FROM forms WHERE id = ?) AND superseded_by = ?", old, new)
        assert superseded == rows(db, f"SELECT count(*) FROM {table} WHERE form = (SELECT n FROM forms WHERE id = ?)", old)
    statuses = dict(rows(db, "SELECT key, status FROM points WHERE form = (SELECT n FROM forms WHERE id = ?)", new))
    assert statuses["I:5,16"] == "accepted" and statuses["I:18"] == "accepted"  # ROUNDING; a copied actual
    assert statuses["I:0,11"] == "rejected"
    assert statuses["I:3,14"] == "pending"  # its figures changed: decide again
    carried = rows(db, """SELECT d.reviewer, d.note FROM point_decisions d JOIN points p ON p.id = d.point_id
                          WHERE p.form = (SELECT n FROM forms WHERE id = ?) AND d.carried_from IS NOT NULL""", new)
    assert len(carried) == 4 + 4  # pair 6/17 and 3 copies accepted; 5 pairs rejected, one changed
    assert all("沿用上一版本" in note for _, note in carried)
    linked = rows(db, "SELECT count(*) FROM points WHERE form = (SELECT n FROM forms WHERE id = ?) AND previous_id IS NOT NULL", new)
    assert linked[0][0] == 11
    status = run_review("status", env={"COLUMNS": "200"}).output
    assert "（新版本）" in status and status.count("2021年中关村") == 1


def test_same_name_year_department_in_another_file_is_the_same_form(db: Path, tmp_path: Path) -> None:
    run_review(str(SEED))
    data = seed_form()
    data["total_score"] = 97  # a corrected copy under another name
    run_review(str(write_form(tmp_path / "renamed.json", data)))
    assert rows(db, "SELECT count(*) FROM forms WHERE superseded_by IS NULL") == [(1,)]
    assert rows(db, "SELECT file FROM forms WHERE superseded_by IS NULL") == [(str(tmp_path / "renamed.json"),)]


def test_decisions_cannot_be_rewritten(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes")
    run_review("score", "zgc", "19", "--score", "5", "--clause", "unverifiable_medium", "--reason", "抽查无佐证")
    for table in ("point_decisions", "score_changes"):
        for statement in (f"DELETE FROM {table}", f"UPDATE {table} SET reviewer = '某人'"):
            with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
    assert count(db, "point_decisions") == count(db, "points") and count(db, "score_changes") == 1


def test_bulk_accept_asks_then_undo_reverts_the_batch(db: Path) -> None:
    run_review(str(SEED))
    warnings = rows(db, "SELECT count(*) FROM points WHERE severity = 'warning'")[0][0]
    declined = run_review("accept", "--severity", "warning", "--reviewer", "张三", input="n\n")
    assert f"将采纳 {warnings} 个要点" in declined.output and "已取消" in declined.output
    assert count(db, "point_decisions") == 0
    accepted = run_review("accept", "--severity", "warning", "--reviewer", "张三", input="y\n")
    assert f"已采纳 {warnings} 个要点" in accepted.output
    first = rows(db, "SELECT id FROM points WHERE severity = 'info' ORDER BY seq LIMIT 1")[0][0]
    run_review("reject", first[:10], "--yes", "--reviewer", "张三")
    assert rows(db, "SELECT status FROM points WHERE id = ?", first) == [("rejected",)]

    undone = run_review("undo", "--reviewer", "张三")
    assert "恢复 1 个" in undone.output
    undone = run_review("undo", "--reviewer", "张三")
    assert f"恢复 {warnings} 个" in undone.output
    assert rows(db, "SELECT count(*) FROM points WHERE status != 'pending'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM point_decisions WHERE action = 'undo'") == [(warnings + 1,)]
    assert run_review("undo", "--reviewer", "张三").exit_code == 1


def test_bulk_needs_a_filter_and_known_ids(db: Path) -> None:
    run_review(str(SEED))
    assert "请指定要点编号或筛选条件" in run_review("accept", "--yes").output
    unknown = run_review("accept", "ffffffffff", "--yes")
    assert unknown.exit_code == 1 and "找不到要点：ffffffffff" in unknown.output
    assert count(db, "point_decisions") == 0


def test_commands_on_a_missing_database_say_so(tmp_path: Path) -> None:
    result = run_review("status", "--db", str(tmp_path / "nowhere.db"))
    assert result.exit_code == 1 and "不存在" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "nowhere.db").exists()


def test_status_counts_per_form(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    write_form(folder / "a.json", seed_variant(1))
    write_form(folder / "b.json", seed_variant(2, total_score=90))
    run_review(str(folder))
    run_review("accept", "--form", str(folder / "a.json"), "--code", "ROUNDING", "--yes")
    run_review("reject", "--form", "第2号", "--code", "QUALITATIVE_SHARE", "--code", "TOTAL_SCORE", "--yes")
    (n1, r1), (n2, r2) = rows(db, """SELECT count(*), f.recomputed_total FROM points p
                                     JOIN forms f ON f.n = p.form GROUP BY f.id ORDER BY f.name""")
    out = run_review("status", env={"COLUMNS": "200"}).output
    first = next(line for line in out.splitlines() if "第1号" in line).split()
    second = next(line for line in out.splitlines() if "第2号" in line).split()
    # The columns: pending, accepted, edited, rejected points; 自评; 复核总分; 等级. Nothing accepted on form 2
    # cuts a score: its 复核 is the recomputed total.
    assert first[-7:-1] == [str(n1 - 1), "1", "0", "0", "98.43", r1]
    assert second[-7:] == [str(n2 - 2), "0", "0", "2", "90", r2, "优"]


@pytest.mark.slow
def test_kill_during_a_long_review_loses_nothing(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in range(200):
        write_form(folder / f"form-{index:03d}.json", seed_variant(index))
    # The rule findings each form must end up with (the judge adds its verdicts on top).
    expected_rules = {}
    for path in sorted(folder.iterdir()):
        review = review_file(path, Config())
        expected_rules[review.form_id] = len(review.findings)

    run_review(str(folder / "form-000.json"))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")  # a decision made before the crash
    process = subprocess.Popen([*review_script().split(), str(folder), "--db", str(db), "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if count(db, "forms") >= 20:
            break
        time.sleep(0.01)
    workers = children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = count(db, "forms")
    assert 20 <= stored < 200, "the kill should land mid-run"
    if workers is not None:  # Linux: the worker the review forked ends with it, not left waiting for ever
        assert workers, "--jobs 2 forks a worker"
        assert gone(workers, within=10), f"worker processes left running after the review was killed: {workers}"

    rerun = subprocess.run([*review_script().split(), str(folder), "--db", str(db)], capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert dict(rows(db, """SELECT f.id, count(*) FROM critiques c JOIN forms f ON f.n = c.form WHERE source = 'rules'
                         GROUP BY f.id""")) \
        == expected_rules
    # Every form holds exactly the findings its last review produced: nothing lost, nothing twice.
    assert rows(db, """SELECT count(*) FROM runs r WHERE r.findings !=
                       (SELECT count(*) FROM critiques c JOIN forms f ON f.n = c.form WHERE f.id = r.form_id)""") == [(0,)]
    assert rows(db, "SELECT count(*), count(DISTINCT form_id) FROM runs") == [(200, 200)]
    assert rows(db, "SELECT count(*), count(DISTINCT lineage) FROM forms") == [(200, 200)]
    first_form = rows(db, "SELECT id FROM forms WHERE file = ?", str(folder / "form-000.json"))[0][0]
    decided = rows(db, "SELECT count(*) FROM points WHERE form = (SELECT n FROM forms WHERE id = ?)", first_form)[0][0]
    assert rows(db, "SELECT count(*) FROM point_decisions") == [(decided,)]
    assert rows(db, "SELECT count(*) FROM points WHERE status = 'accepted'") == [(decided,)]
    # Every form stored has its points.
    assert rows(db, "SELECT count(*) FROM forms WHERE id NOT IN (SELECT form_id FROM point_builds)") == [(0,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_form_is_named_by_any_part_of_its_file_path(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))  # …/zgc-2021.json
    accepted = run_review("accept", "--form", "zgc", "--code", "ROUNDING", "--yes")
    assert accepted.exit_code == 0 and "已采纳 1 个要点" in accepted.output
    assert "2021年中关村" in run_review("status", "zgc", env={"COLUMNS": "200"}).output
    assert "## 2021年中关村" in run_review("report", "zgc-2021").output
    form_id = rows(db, "SELECT id FROM forms")[0][0]
    assert "2021年中关村" in run_review("status", form_id[:6], env={"COLUMNS": "200"}).output


@pytest.mark.parametrize("command", [
    ["session", "--form", "nope"], ["status", "nope"], ["accept", "--form", "nope", "--yes"],
    ["reject", "--form", "nope", "--yes"], ["report", "nope"], ["status", "zgc", "nope"], ["report", "zgc", "nope"],
])
def test_a_form_selector_matching_nothing_is_refused(db: Path, seed_copy: Path, command: list[str]) -> None:
    run_review(str(seed_copy))
    result = run_review(*command)
    assert result.exit_code == 1 and "找不到表单：nope" in result.output
    assert count(db, "point_decisions") == 0


def test_id_prefixes_must_be_long_enough_and_name_one_point(db: Path) -> None:
    run_review(str(SEED))
    short = run_review("reject", "1", "--yes")
    assert short.exit_code == 1 and "至少要写前 4 位：1" in short.output
    # Two points whose ids share their first four characters.
    with sqlite3.connect(db) as conn:
        (a, _), (b, _) = conn.execute("SELECT id, seq FROM points WHERE kind = 'qualitative' ORDER BY seq LIMIT 2")
        conn.execute("UPDATE points SET id = 'abcd' || substr(id, 5) WHERE id IN (?, ?)", [a, b])
    a, b = "abcd" + a[4:], "abcd" + b[4:]
    ambiguous = run_review("reject", "abcd", "--yes")
    assert ambiguous.exit_code == 1 and "编号 abcd 对应 2 个要点" in ambiguous.output
    assert a[:10] in ambiguous.output and b[:10] in ambiguous.output and "未作任何修改" in ambiguous.output
    assert count(db, "point_decisions") == 0
    assert run_review("reject", a[:12], "--yes").exit_code == 0
    # Only one of the two would change now: the prefix is no longer ambiguous for reject.
    assert run_review("reject", "abcd", "--yes").exit_code == 0
    assert rows(db, "SELECT status FROM points WHERE id IN (?, ?)", a, b) == [("rejected",), ("rejected",)]


def test_an_unknown_code_is_refused_with_the_known_ones(db: Path) -> None:
    run_review(str(SEED))
    for command in (["accept", "--code", "NOPE", "--yes"], ["session", "--code", "nope"]):
        result = run_review(*command)
        assert result.exit_code == 1 and "未知的问题代码：" in result.output
        assert "ROUNDING" in result.output and "EXPLANATION_VERDICT" in result.output
    assert count(db, "point_decisions") == 0
    assert run_review("accept", "--code", "rounding", "--yes").exit_code == 0  # case does not matter


def test_undo_names_the_batch_by_local_time(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    (at,) = rows(db, "SELECT at FROM point_decisions LIMIT 1")[0]
    undone = run_review("undo", "--reviewer", "张三").output
    local = datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"已撤销 {local} 的批量采纳" in undone and "T" not in undone.split("的批量")[0]


# --- form identity, concurrent bulk actions, undo ------------------------------------------------

def current_forms(db: Path) -> list[tuple]:
    return rows(db, "SELECT name, file FROM forms WHERE superseded_by IS NULL ORDER BY seq")


def test_another_project_under_the_same_relative_path_is_a_form_of_its_own(
        db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, index in (("a", 1), ("b", 2)):
        (tmp_path / folder).mkdir()
        write_form(tmp_path / folder / "form.json", seed_variant(index))
    monkeypatch.chdir(tmp_path / "a")
    run_review("form.json")
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    monkeypatch.chdir(tmp_path / "b")
    second = run_review("form.json")
    assert "新版本" not in second.output
    assert [name[-5:] for name, _ in current_forms(db)] == ["（第1号）", "（第2号）"]
    assert {file for _, file in current_forms(db)} == {str(tmp_path / "a" / "form.json"),
                                                       str(tmp_path / "b" / "form.json")}
    # Nobody has seen project 2: nothing is decided on it, and project 1 keeps its decisions.
    assert rows(db, "SELECT count(*) FROM point_decisions WHERE carried_from IS NOT NULL") == [(0,)]
    assert rows(db, """SELECT f.name, p.status, count(*) FROM points p JOIN forms f ON f.n = p.form
                       GROUP BY f.name, p.status ORDER BY f.name""")[0][1] == "accepted"
    assert len(rows(db, "SELECT DISTINCT lineage FROM forms")) == 2
    status = run_review("status", env={"COLUMNS": "200"}).output
    assert "第1号" in status and "第2号" in status
    assert "第1号" in run_review("report").output


def test_a_different_project_written_over_a_reviewed_file_warns_and_starts_afresh(db: Path, tmp_path: Path) -> None:
    path = write_form(tmp_path / "form.json", seed_variant(1))
    run_review(str(path))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    write_form(path, seed_variant(2))
    result = run_review(str(path))
    assert "此前保存的是另一项目" in result.stderr and "第1号" in result.stderr
    assert len(current_forms(db)) == 2
    assert rows(db, "SELECT count(*) FROM point_decisions WHERE carried_from IS NOT NULL") == [(0,)]
    assert rows(db, "SELECT count(*) FROM forms WHERE previous_id IS NOT NULL") == [(0,)]


def test_same_file_with_a_corrected_department_is_a_new_version(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    data = seed_form()
    data["department"] = "北京市科学技术委员会、中关村科技园区管理委员会"
    write_form(seed_copy, data)
    result = run_review(str(seed_copy))
    assert "作为新版本保存，沿用上一版本 1 条决定" in result.stderr and "另一项目" not in result.stderr
    assert rows(db, "SELECT count(*) FROM forms WHERE superseded_by IS NULL") == [(1,)]


def test_reverting_a_file_to_an_earlier_version_makes_that_version_current(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    (seed_id,) = rows(db, "SELECT id FROM forms")[0]
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    data = seed_form()
    data["indicators"][3]["actual"] = "30个"
    write_form(seed_copy, data)
    run_review(str(seed_copy))
    (edited_id,) = rows(db, "SELECT id FROM forms WHERE superseded_by IS NULL")[0]
    # On the edited version: a decision on points identical in both versions.
    run_review("reject", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "李四")
    decisions_before = rows(db, "SELECT * FROM point_decisions ORDER BY rowid")

    write_form(seed_copy, seed_form())
    result = run_review(str(seed_copy))
    assert result.exit_code == 0
    assert rows(db, "SELECT id FROM forms WHERE superseded_by IS NULL") == [(seed_id,)]
    assert rows(db, "SELECT superseded_by FROM forms WHERE id = ?", edited_id) == [(seed_id,)]
    for table in ("critiques", "points"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE form = (SELECT n FROM forms WHERE id = ?) AND superseded_by IS NOT NULL",
                    seed_id) == [(0,)]
        assert rows(db, f"SELECT count(*) FROM {table} WHERE form = (SELECT n FROM forms WHERE id = ?) AND superseded_by IS NULL",
                    edited_id) == [(0,)]
    # Append-only: nothing rewritten; the edited version's decisions carry back with the note.
    assert rows(db, "SELECT * FROM point_decisions ORDER BY rowid")[: len(decisions_before)] == decisions_before
    statuses = dict(rows(db, "SELECT key, status FROM points WHERE form = (SELECT n FROM forms WHERE id = ?)", seed_id))
    assert statuses["I:5,16"] == "accepted" and statuses["I:18"] == "rejected"
    carried = rows(db, """SELECT d.reviewer, d.note FROM point_decisions d JOIN points p ON p.id = d.point_id
                          WHERE p.form = (SELECT n FROM forms WHERE id = ?) AND d.carried_from IS NOT NULL""", seed_id)
    assert len(carried) == 3 and all(r == "李四" and "沿用较新版本" in n for r, n in carried)
    status = run_review("status", env={"COLUMNS": "200"}).output
    assert seed_id[:8] in status and edited_id[:8] not in status
    # Reviewing it once more changes nothing.
    before = {t: count(db, t) for t in ("forms", "critiques", "points", "point_decisions")}
    run_review(str(seed_copy))
    assert {t: count(db, t) for t in before} == before


def test_bulk_accept_leaves_alone_what_was_decided_while_it_asked(db: Path) -> None:
    run_review(str(SEED))
    ids = [r[0] for r in rows(db, "SELECT id FROM points WHERE kind = 'qualitative' ORDER BY seq LIMIT 2")]
    process = subprocess.Popen([*review_script().split(), "accept", "--code", "ACTUAL_COPIES_TARGET",
                                "--reviewer", "张三",
                                "--db", str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"})
    shown, deadline = b"", time.monotonic() + 30
    while "确认采纳".encode() not in shown and time.monotonic() < deadline:
        shown += os.read(process.stdout.fileno(), 4096)
    assert "将采纳 3 个要点".encode() in shown
    # Someone else rejects one of them while the question is open.
    assert run_review("reject", ids[0][:12], "--yes", "--reviewer", "李四").exit_code == 0
    out, _ = process.communicate(b"y\n", timeout=30)
    assert process.returncode == 0
    assert "已采纳 2 个要点" in out.decode() and "1 个已被他人处理，未改动" in out.decode()
    assert rows(db, "SELECT id, status, decided_by FROM points WHERE id IN (?, ?) ORDER BY seq", *ids) == [
        (ids[0], "rejected", "李四"), (ids[1], "accepted", "张三")]


def test_undo_moves_on_past_a_batch_it_could_not_fully_restore(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    run_review("accept", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    copies = [r[0] for r in rows(db, "SELECT id FROM points WHERE codes LIKE '% ACTUAL_COPIES_TARGET %' ORDER BY seq")]
    run_review("reject", copies[0][:12], "--yes", "--reviewer", "李四")

    first = run_review("undo", "--reviewer", "张三")
    assert first.exit_code == 0 and "恢复 2 个" in first.output and "1 个此后已被修改" in first.output
    second = run_review("undo", "--reviewer", "张三")  # on to the ROUNDING batch
    assert second.exit_code == 0 and "批量采纳：恢复 1 个要点。" in second.output
    assert rows(db, "SELECT count(*) FROM points WHERE status != 'pending'") == [(1,)]
    third = run_review("undo", "--reviewer", "张三")
    assert third.exit_code == 1 and "没有可撤销的批量操作" in third.output


def test_undo_of_a_batch_entirely_decided_over_says_so_and_fails(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    run_review("accept", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    run_review("reject", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "李四")  # by filter: pending only
    copies = [r[0][:12] for r in rows(db, "SELECT id FROM points WHERE codes LIKE '% ACTUAL_COPIES_TARGET %'")]
    run_review("reject", *copies, "--yes", "--reviewer", "李四")
    decisions = count(db, "point_decisions")

    nothing = run_review("undo", "--reviewer", "张三")
    assert nothing.exit_code == 1 and "已撤销" not in nothing.output
    assert "3 个要点此后均已被修改" in nothing.output and "未恢复任何要点" in nothing.output
    assert count(db, "point_decisions") == decisions
    again = run_review("undo", "--reviewer", "张三")
    assert again.exit_code == 0 and "恢复 1 个要点" in again.output
    assert rows(db, "SELECT count(*) FROM points WHERE codes LIKE '% ROUNDING %' AND status = 'pending'") == [(1,)]


def test_reviewing_a_form_taken_over_by_another_project_in_an_old_database_restores_both(
        db: Path, tmp_path: Path) -> None:
    a = write_form(tmp_path / "a.json", seed_variant(1))
    run_review(str(a))
    run_review(str(write_form(tmp_path / "b.json", seed_variant(2))))
    (a_id,), (b_id,) = rows(db, "SELECT id FROM forms ORDER BY rowid")
    with sqlite3.connect(db) as conn:  # what the path-only rule used to store: b as a's new version
        conn.execute("UPDATE forms SET lineage = ?, previous_id = ? WHERE id = ?", [a_id, a_id, b_id])
        conn.execute("UPDATE forms SET superseded_by = ? WHERE id = ?", [b_id, a_id])
        conn.execute("UPDATE critiques SET superseded_by = ? WHERE form = (SELECT n FROM forms WHERE id = ?)", [b_id, a_id])
        conn.execute("UPDATE points SET superseded_by = ? WHERE form = (SELECT n FROM forms WHERE id = ?)", [b_id, a_id])
    run_review(str(a))
    assert rows(db, "SELECT id FROM forms WHERE superseded_by IS NULL ORDER BY rowid") == [(a_id,), (b_id,)]
    for table in ("critiques", "points"):
        assert rows(db, f"SELECT count(*) FROM {table} WHERE superseded_by IS NOT NULL") == [(0,)]


def test_a_batch_s_writes_reach_the_database_file_while_it_runs(tmp_path: Path) -> None:
    """The writer leaves checkpoints to a thread of its own (store/db.py Checkpointer): what a long batch
    committed is copied from the WAL into the database file before the batch ends, and a reader sees it."""
    from reviewer.signoff.intake import save
    from reviewer.store import Store

    db = tmp_path / "review.db"
    config = Config()
    with Store(db) as store:
        with store.batch(seconds=0) as write:  # a COMMIT after every form
            for index in range(24):
                path = write_form(tmp_path / f"form-{index}.json", seed_variant(index))
                write(lambda: save(store, review_file(path, config)))
        deadline = time.monotonic() + 10
        while os.path.getsize(db) < 24 * 20_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.getsize(db) >= 24 * 20_000  # the forms are in the file itself, the store still open
        assert rows(db, "SELECT count(*) FROM forms") == [(24,)]
        with store.transaction():  # the writer writes on
            store.conn.execute("UPDATE forms SET last_reviewed_at = last_reviewed_at")


def test_a_long_batch_s_wal_stays_bounded(tmp_path: Path, monkeypatch) -> None:
    """The thread copies the WAL, but only a writer that finds it all copied starts it over: the writer keeps its
    own checkpoint at a ceiling (store.WAL_CEILING_PAGES), so a long batch's WAL stays near that size instead
    of growing with all it wrote (1,500 forms reached 131 MB without it). Here a ceiling of 50 pages (200 KB)."""
    from reviewer.signoff.intake import save
    from reviewer.store import Store
    from reviewer.store import store as store_module

    monkeypatch.setattr(store_module, "WAL_CEILING_PAGES", 50)
    db = tmp_path / "review.db"
    config = Config()
    paths = [write_form(tmp_path / f"form-{index}.json", seed_variant(index)) for index in range(60)]
    largest = 0
    with Store(db) as store:
        with store.batch(seconds=0) as write:  # a COMMIT after every form
            for path in paths:
                write(lambda: save(store, review_file(path, config)))
                largest = max(largest, os.path.getsize(f"{db}-wal"))
    written = os.path.getsize(db)
    assert written > 1_500_000  # the batch wrote far more than the ceiling
    # 11 MB with the writer's checkpoint off. Not much below 4 MB: a checkpoint that finds the thread still reading
    # cannot start the WAL over, and on a loaded machine that happens a few commits in a row (once 1.1 MB).
    assert largest < 4_000_000, f"WAL reached {largest} bytes for a {written}-byte database"


def test_a_code_filter_follows_a_pending_point_whose_codes_changed(tmp_path: Path) -> None:
    # A pending point takes the newest review's codes: the --code filter (point_codes) follows them.
    from dataclasses import replace

    from reviewer.signoff.intake import save
    from reviewer.signoff.points import BUILDER, build_points
    from reviewer.store import PointFilters, Store

    review = review_file(SEED, Config())
    with Store(tmp_path / "review.db") as store:
        saved = save(store, review)
        drafts = build_points(review)
        changed = next(d for d in drafts if "ROUNDING" in d.codes)
        others = [p.id for p in store.points(PointFilters(codes=("ROUNDING",))) if p.key != changed.key]
        drafts[drafts.index(changed)] = replace(changed, codes=tuple(c for c in changed.codes if c != "ROUNDING")
                                                + ("FUNDS_SUM",))
        store.save_points(saved.form_id, drafts, BUILDER, "2026-12-07T00:00:00")
        assert [p.id for p in store.points(PointFilters(codes=("ROUNDING",)))] == others
        assert changed.key in [p.key for p in store.points(PointFilters(codes=("funds_sum",)))]
