"""A database written by the code before the compact store (tests/fixtures/store/main-schema.db: the seed
form reviewed, one point accepted by 张三 and five rejected by 李四, made by main at d1010e8) opens,
is carried forward by the migrations, and shows the same status and 复核意见 as it did there
(main-status.txt, main-report.*, written by that code)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from pathlib import Path

from conftest import review_script
from formkit import ROOT, SEED
from reviewer.store import PointFilters, Store
from reviewer.store.health import DatabaseError

FIXTURES = ROOT / "tests" / "fixtures" / "store"


def review(*args: str) -> str:
    env = dict(os.environ, COLUMNS="200")
    done = subprocess.run([*review_script().split(), *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def undated(value: object) -> object:
    """The report less its date (the day it is written)."""
    if isinstance(value, dict):
        return {k: undated(v) for k, v in value.items() if k != "date"}
    if isinstance(value, list):
        return [undated(v) for v in value]
    return value


def test_an_old_database_opens_with_the_same_status_and_reports(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main-schema.db", db)
    assert review("status", "--db", str(db)) == (FIXTURES / "main-status.txt").read_text(encoding="utf-8")
    with sqlite3.connect(db) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"critique_texts", "reviewed_files"} <= tables  # carried forward
    assert review("report", "--format", "md", "--db", str(db)) == (FIXTURES / "main-report.md").read_text(encoding="utf-8")
    old = json.loads((FIXTURES / "main-report.json").read_text(encoding="utf-8"))
    new = json.loads(review("report", "--format", "json", "--db", str(db)))
    # judge_fallbacks came after the fixture (issue 14: the model failures a form's verdicts stand in for)
    assert [form.pop("judge_fallbacks") for form in new] == [0]
    assert undated(new) == undated(old)


def test_an_old_database_takes_new_reviews_beside_its_old_rows(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main-schema.db", db)
    form = tmp_path / "form.json"
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["name"] += "（另一项目）"
    form.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    review(str(form), "--json", "--db", str(db))
    status = review("status", "--db", str(db))
    assert "另一项目" in status and "a4072f10" in status
    with sqlite3.connect(db) as conn:
        (old_rows,) = conn.execute("SELECT count(*) FROM critiques WHERE data != ''").fetchone()
        (new_rows,) = conn.execute("SELECT count(*) FROM critiques WHERE data = ''").fetchone()
    assert old_rows and new_rows  # the old ones keep their texts, the new ones are compact
    report = review("report", "--format", "md", "--db", str(db))
    assert "另一项目" in report


def main15_dump(db: Path) -> dict:
    """Every point, decision, critique text and score change as main15-dump.json holds them (make_main15.py)."""
    spec = importlib.util.spec_from_file_location("make_main15", FIXTURES / "make_main15.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return json.loads(json.dumps(module.dump(db), ensure_ascii=False))


def undated_text(text: str) -> str:
    return re.sub(r"日期：\d+年\d+月\d+日", "日期：", text)


def test_a_database_from_before_integer_keys_keeps_everything(tmp_path: Path) -> None:
    """main15-schema.db: made by main at 2f8b315 (two projects, the seed form in two versions, decisions of every
    kind carried between them, score changes, a refused file). Migrated, it reads back record for record."""
    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    status = review("status", "--db", str(db))  # opens it for writing: migrates
    assert status == (FIXTURES / "main15-status.txt").read_text(encoding="utf-8")
    with sqlite3.connect(db) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(points)")}
        assert "form" in columns and not {"form_id", "comment", "parts"} & columns
        assert conn.execute("SELECT count(*) FROM point_texts").fetchone() == (3,)
    expected = json.loads((FIXTURES / "main15-dump.json").read_text(encoding="utf-8"))
    found = main15_dump(db)
    assert found == expected
    assert sum(len(form["scores"]) for form in found["forms"]) == 3
    assert sum(len(d) for form in found["forms"] for d in form["decisions"]) == 15
    report = review("report", "--format", "md", "--db", str(db))
    assert undated_text(report) == undated_text((FIXTURES / "main15-report.md").read_text(encoding="utf-8"))


def test_a_migrated_database_takes_decisions_and_new_versions(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    with Store(db) as store:
        (form_id,) = store.current_form_ids(("zgc-2021.json",))
        pending = [p for p in store.form_points(form_id) if p.status == "pending"]
        decision = store.decide_point(pending[0].id, "edit", "钱七", new_comment="迁移后的修改意见。")
        assert store.point(pending[0].id).effective_comment == "迁移后的修改意见。"
        assert store.point_decisions(pending[0].id)[-1].old_comment == pending[0].comment
        store.undo_point_decision(decision, "钱七")
        assert store.point(pending[0].id).status == "pending"
        filtered = store.points(PointFilters(codes=(pending[0].code_list[0],)))
        assert pending[0].id in {p.id for p in filtered}
    # The seed form once more, edited again: a third version, decisions carried from the migrated one.
    form = tmp_path / "zgc-2021.json"
    data = json.loads(SEED.read_text(encoding="utf-8"))
    data["indicators"][3]["actual"] = "31个"
    form.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with Store(db) as store:
        old_file = store.form(form_id).file
    Path(old_file).parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copy(form, old_file)
        review(old_file, "--json", "--db", str(db))
    finally:
        shutil.rmtree(Path(old_file).parent)
    with Store(db) as store:
        (newest,) = store.current_form_ids(("zgc-2021.json",))
        assert newest != form_id
        carried = [p for p in store.form_points(newest) if p.note and p.note.startswith("沿用上一版本")]
        assert carried and all(p.comment for p in store.form_points(newest))
        assert list(store.score_overrides(newest)) == [(-1, "score")]  # row 4 changed: its score change stays behind


def test_an_old_database_opened_read_only_is_refused_unchanged(tmp_path: Path) -> None:
    """Read-only (`status` on a file one may not write, `session --read-only`) on a database an older tool wrote:
    refused with what to do and not a byte changed — upgrading would write, and lock out colleagues still on
    the older version. A command that may write (`status` on a writable file) upgrades it."""
    sys.path.insert(0, str(ROOT / "tests" / "hostile"))
    from hostile_files import review_unprivileged

    share = tmp_path / "share"
    share.mkdir()
    db = share / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    db.chmod(0o444)
    share.chmod(0o555)
    try:
        before = db.read_bytes()
        refused = review_unprivileged("status", "--db", str(db), cwd=tmp_path)
        assert refused.returncode == 2
        message = refused.stderr.decode()
        assert "旧版本" in message and "版本 15" in message and "review status" in message
        assert db.read_bytes() == before
    finally:
        share.chmod(0o755)
        db.chmod(0o644)
    before = db.read_bytes()
    session = subprocess.run([sys.executable, "-m", "reviewer", "session", "--read-only", "--db", str(db)],
                             input="q\n", capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert session.returncode == 2, session.stdout
    assert "只读打开时不作升级" in session.stderr and "未作任何修改" in session.stderr
    assert "Traceback" not in session.stderr
    wal = Path(f"{db}-wal")
    assert db.read_bytes() == before and (not wal.exists() or wal.stat().st_size == 0)
    with pytest.raises(DatabaseError, match="review status"):
        Store(db, read_only=True)
    upgraded = subprocess.run([sys.executable, "-m", "reviewer", "status", "--db", str(db)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert upgraded.returncode == 0, upgraded.stderr
    with Store(db, read_only=True) as store:  # upgraded: readable read-only now
        assert len(store.current_form_ids()) == 2
    assert main15_dump(db) == json.loads((FIXTURES / "main15-dump.json").read_text(encoding="utf-8"))


def test_an_orphan_row_does_not_stop_the_upgrade(tmp_path: Path) -> None:
    """A point code whose point is gone (a file edited by hand) can be reached by no query: the upgrade leaves it
    out instead of refusing the whole database; every other row is kept."""
    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO point_codes SELECT 'ZZZ', 'nonexistent'")
    conn.close()
    status = subprocess.run([sys.executable, "-m", "reviewer", "status", "--db", str(db)],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert status.returncode == 0, status.stderr
    assert main15_dump(db) == json.loads((FIXTURES / "main15-dump.json").read_text(encoding="utf-8"))


def test_the_workbench_opens_an_old_database_and_migrates_it(tmp_path: Path) -> None:
    from reviewer.web.app import create_app

    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    create_app(db, warm=False)
    with Store(db, read_only=True) as store:  # migrated: readable read-only now
        assert len(store.current_form_ids()) == 2


def test_few_shot_examples_and_eval_from_db_read_an_old_database(tmp_path: Path) -> None:
    """`--few-shot` and `review eval --from-db` only read, yet on a database an older tool wrote they upgrade it
    as `review status` does (opened read-only it would be refused), and find its decisions."""
    from reviewer.evaluation.evaluate import from_db
    from reviewer.store.examples import load_examples

    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    load_examples(db)  # refused before: 只读打开时不作升级
    with Store(db, read_only=True) as store:
        assert len(store.current_form_ids()) == 2
    shutil.copy(FIXTURES / "main15-schema.db", db)
    assert from_db(db) is not None


def test_critiques_keyed_within_their_form_keep_every_row(tmp_path: Path) -> None:
    """A database at the schema before critiques_unique_within_form (critiques with a primary key on the id): the
    upgrade keeps every critique with its rowid and columns; an id is still unique within its form, and a stored
    form's pending critique takes a new wording in place (found by rowid, not by id)."""
    from sqlite_utils import Database

    from reviewer.store.schema import migrations

    db = tmp_path / "review.db"
    shutil.copy(FIXTURES / "main15-schema.db", db)
    with sqlite3.connect(db) as conn:
        migrations.apply(Database(conn), stop_before="critiques_unique_within_form")
        conn.commit()
        assert "id TEXT PRIMARY KEY" in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'critiques'").fetchone()[0]
        before = conn.execute("SELECT rowid, * FROM critiques ORDER BY rowid").fetchall()
    conn.close()
    with Store(db) as store:
        (form_id,) = store.current_form_ids(("zgc-2021.json",))
        critiques = store.form_critiques(form_id)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT rowid, * FROM critiques ORDER BY rowid").fetchall() == before
        indexes = {row[1]: row[2] for row in conn.execute("PRAGMA index_list(critiques)")}
        assert indexes == {"critiques_form": 1}  # unique (form, id), no index on the id alone
        form, critique = conn.execute("SELECT form, id FROM critiques LIMIT 1").fetchone()
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO critiques (id, form, key, code, indicators, form_seq, seq, source, severity, tags,"
                         " created_at, updated_at) VALUES (?, ?, 'k', 'C', '[]', 1, 1, 'rules', 'info', '[]', 'x', 'x')",
                         [critique, form])
    conn.close()
    # The same review stored again with another judge verdict: its pending critique is updated where it is.
    pending = next(c for c in critiques if c.status == "pending" and c.verdict)
    assert pending.verdict != "已说明"
    with Store(db) as store:
        record = store.form(form_id)
        rows = store.save_rows(_rows_with_verdict(record, critiques, pending.id, "已说明"))
        assert rows.added == 0
        again = {c.id: c for c in store.form_critiques(form_id)}
    assert again[pending.id].verdict == "已说明"
    assert len(again) == len(critiques)


def _rows_with_verdict(record, critiques, critique_id: str, verdict: str):
    """The stored form's rows as a new review would give them, one critique with another verdict."""
    from dataclasses import replace

    from reviewer.signoff.intake import review_of
    from reviewer.store.schema import form_rows

    review = review_of(record, critiques)
    review.findings = [replace(f, verdict=verdict) if f.id == critique_id else f for f in review.findings]
    return form_rows(review, record.file)
