"""Storing reviews: idempotent re-reviews, new versions, bulk decisions, crash safety."""

from __future__ import annotations

import json
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


def test_review_stores_form_and_critiques(db: Path) -> None:
    result = run_review(str(SEED), "--json")
    finding_ids = {f["id"] for f in json.loads(result.output)["findings"]}
    assert rows(db, "SELECT name, year, department FROM forms") == [
        ("2021年中关村示范区国际创新资源支持资金", 2021, "中关村科技园区管理委员会")]
    assert {r[0] for r in rows(db, "SELECT id FROM critiques WHERE status = 'pending'")} == finding_ids
    assert rows(db, "SELECT backend, times FROM runs") == [("rules", 1)]


def test_storing_does_not_change_json_output(db: Path, tmp_path: Path) -> None:
    stored = run_review(str(SEED), "--json").output
    unstored = run_review(str(SEED), "--json", "--no-store", "--db", str(tmp_path / "other.db")).output
    assert stored == unstored
    assert not (tmp_path / "other.db").exists()


def test_re_review_adds_nothing_twice_and_keeps_decisions(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    before = {t: count(db, t) for t in ("forms", "critiques", "decisions", "runs")}
    run_review(str(SEED))
    run_review(str(SEED), "--json")
    assert {t: count(db, t) for t in before} == before
    assert rows(db, "SELECT times FROM runs") == [(3,)]
    assert rows(db, "SELECT count(*) FROM critiques WHERE status = 'accepted' AND decided_by = '张三'") == [(2,)]


def test_changed_form_is_a_new_version_with_decisions_carried_over(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))
    run_review("accept", "--code", "ROUNDING", "--code", "ACTUAL_COPIES_TARGET", "--yes", "--reviewer", "张三")
    run_review("reject", "--code", "COST_COUNT_DIVERGENCE", "--yes", "--reviewer", "李四")
    (old_id,) = rows(db, "SELECT id FROM forms")[0]
    decisions_before = rows(db, "SELECT * FROM decisions ORDER BY rowid")

    data = seed_form()
    data["indicators"][3]["actual"] = "30个"  # 支持国际研发合作项目 36 → 30: its COST_COUNT_DIVERGENCE changes
    write_form(seed_copy, data)
    result = run_review(str(seed_copy))
    assert "作为新版本保存，沿用上一版本" in result.output

    forms = rows(db, "SELECT id, previous_id, superseded_by FROM forms ORDER BY rowid")
    (old, old_prev, old_sup), (new, new_prev, new_sup) = forms
    assert (old, old_prev, new_prev, new_sup) == (old_id, None, old_id, None) and old_sup == new
    # The old version and every decision on it are still there, untouched.
    assert rows(db, "SELECT * FROM decisions ORDER BY rowid")[: len(decisions_before)] == decisions_before
    superseded = rows(db, "SELECT count(*) FROM critiques WHERE form_id = ? AND superseded_by = ?", old, new)
    assert superseded == rows(db, "SELECT count(*) FROM critiques WHERE form_id = ?", old)
    statuses = dict(rows(db, "SELECT key, status FROM critiques WHERE form_id = ?", new))
    assert statuses["ROUNDING:5"] == "accepted" and statuses["ACTUAL_COPIES_TARGET:18"] == "accepted"
    assert statuses["COST_COUNT_DIVERGENCE:0,11"] == "rejected"
    assert statuses["COST_COUNT_DIVERGENCE:3,14"] == "pending"  # its message changed: decide again
    carried = rows(db, """SELECT d.reviewer, d.note FROM decisions d JOIN critiques c ON c.id = d.critique_id
                          WHERE c.form_id = ? AND d.carried_from IS NOT NULL""", new)
    assert len(carried) == 5 + 5  # 2 ROUNDING + 3 copies accepted; 6 divergences rejected, one changed
    assert all("沿用上一版本" in note for _, note in carried)
    linked = rows(db, "SELECT count(*) FROM critiques WHERE form_id = ? AND previous_id IS NOT NULL", new)
    assert linked[0][0] >= 20
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
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM decisions")
    assert count(db, "decisions") == count(db, "critiques")


def test_bulk_accept_asks_then_undo_reverts_the_batch(db: Path) -> None:
    run_review(str(SEED))
    warnings = rows(db, "SELECT count(*) FROM critiques WHERE severity = 'warning'")[0][0]
    declined = run_review("accept", "--severity", "warning", "--reviewer", "张三", input="n\n")
    assert f"将采纳 {warnings} 条意见" in declined.output and "已取消" in declined.output
    assert count(db, "decisions") == 0
    accepted = run_review("accept", "--severity", "warning", "--reviewer", "张三", input="y\n")
    assert f"已采纳 {warnings} 条意见" in accepted.output
    first = rows(db, "SELECT id FROM critiques WHERE severity = 'info' ORDER BY seq LIMIT 1")[0][0]
    run_review("reject", first[:10], "--yes", "--reviewer", "张三")
    assert rows(db, "SELECT status FROM critiques WHERE id = ?", first) == [("rejected",)]

    undone = run_review("undo", "--reviewer", "张三")
    assert "恢复 1 条" in undone.output
    undone = run_review("undo", "--reviewer", "张三")
    assert f"恢复 {warnings} 条" in undone.output
    assert rows(db, "SELECT count(*) FROM critiques WHERE status != 'pending'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM decisions WHERE action = 'undo'") == [(warnings + 1,)]
    assert run_review("undo", "--reviewer", "张三").exit_code == 1


def test_bulk_needs_a_filter_and_known_ids(db: Path) -> None:
    run_review(str(SEED))
    assert "请指定意见编号或筛选条件" in run_review("accept", "--yes").output
    unknown = run_review("accept", "ffffffffff", "--yes")
    assert unknown.exit_code == 1 and "找不到意见：ffffffffff" in unknown.output
    assert count(db, "decisions") == 0


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
    (n1, r1), (n2, r2) = rows(db, """SELECT count(*), f.recomputed_total FROM critiques c
                                     JOIN forms f ON f.id = c.form_id GROUP BY f.id ORDER BY f.name""")
    out = run_review("status", env={"COLUMNS": "200"}).output
    first = next(line for line in out.splitlines() if "第1号" in line).split()
    second = next(line for line in out.splitlines() if "第2号" in line).split()
    assert first[-6:] == [str(n1 - 2), "2", "0", "0", "98.43", r1]
    assert second[-6:] == [str(n2 - 2), "0", "0", "2", "90", r2]


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
    process = subprocess.Popen([*review_script().split(), str(folder), "--db", str(db)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if count(db, "forms") >= 20:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = count(db, "forms")
    assert 20 <= stored < 200, "the kill should land mid-run"

    rerun = subprocess.run([*review_script().split(), str(folder), "--db", str(db)], capture_output=True)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert dict(rows(db, "SELECT form_id, count(*) FROM critiques WHERE source = 'rules' GROUP BY form_id")) \
        == expected_rules
    # Every form holds exactly the findings its last review produced: nothing lost, nothing twice.
    assert rows(db, """SELECT count(*) FROM runs r WHERE r.findings !=
                       (SELECT count(*) FROM critiques c WHERE c.form_id = r.form_id)""") == [(0,)]
    assert rows(db, "SELECT count(*), count(DISTINCT form_id) FROM runs") == [(200, 200)]
    assert rows(db, "SELECT count(*), count(DISTINCT lineage) FROM forms") == [(200, 200)]
    first_form = rows(db, "SELECT id FROM forms WHERE file = ?", str(folder / "form-000.json"))[0][0]
    decided = rows(db, "SELECT count(*) FROM critiques WHERE form_id = ?", first_form)[0][0]
    assert rows(db, "SELECT count(*) FROM decisions") == [(decided,)]
    assert rows(db, "SELECT count(*) FROM critiques WHERE status = 'accepted'") == [(decided,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_a_form_is_named_by_any_part_of_its_file_path(db: Path, seed_copy: Path) -> None:
    run_review(str(seed_copy))  # …/zgc-2021.json
    accepted = run_review("accept", "--form", "zgc", "--code", "ROUNDING", "--yes")
    assert accepted.exit_code == 0 and "已采纳 2 条意见" in accepted.output
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
    assert count(db, "decisions") == 0


def test_id_prefixes_must_be_long_enough_and_name_one_critique(db: Path) -> None:
    run_review(str(SEED))
    short = run_review("reject", "1", "--yes")
    assert short.exit_code == 1 and "至少要写前 4 位：1" in short.output
    # Two critiques whose ids share their first four characters.
    with sqlite3.connect(db) as conn:
        (a, _), (b, _) = conn.execute("SELECT id, seq FROM critiques WHERE code = 'ROUNDING' ORDER BY seq").fetchall()
        conn.execute("UPDATE critiques SET id = 'abcd' || substr(id, 5) WHERE id IN (?, ?)", [a, b])
    a, b = "abcd" + a[4:], "abcd" + b[4:]
    ambiguous = run_review("reject", "abcd", "--yes")
    assert ambiguous.exit_code == 1 and "编号 abcd 对应 2 条意见" in ambiguous.output
    assert a[:10] in ambiguous.output and b[:10] in ambiguous.output and "未作任何修改" in ambiguous.output
    assert count(db, "decisions") == 0
    assert run_review("reject", a[:12], "--yes").exit_code == 0
    # Only one of the two would change now: the prefix is no longer ambiguous for reject.
    assert run_review("reject", "abcd", "--yes").exit_code == 0
    assert rows(db, "SELECT status FROM critiques WHERE id IN (?, ?)", a, b) == [("rejected",), ("rejected",)]


def test_an_unknown_code_is_refused_with_the_known_ones(db: Path) -> None:
    run_review(str(SEED))
    for command in (["accept", "--code", "NOPE", "--yes"], ["session", "--code", "nope"]):
        result = run_review(*command)
        assert result.exit_code == 1 and "未知的问题代码：" in result.output
        assert "ROUNDING" in result.output and "EXPLANATION_VERDICT" in result.output
    assert count(db, "decisions") == 0
    assert run_review("accept", "--code", "rounding", "--yes").exit_code == 0  # case does not matter


def test_undo_names_the_batch_by_local_time(db: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    (at,) = rows(db, "SELECT at FROM decisions LIMIT 1")[0]
    undone = run_review("undo", "--reviewer", "张三").output
    local = datetime.fromisoformat(at).astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"已撤销 {local} 的批量采纳" in undone and "T" not in undone.split("的批量")[0]
