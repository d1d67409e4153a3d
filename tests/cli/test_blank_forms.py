"""A batch as units file it: complete forms, a blank total, a blank score, blank cells and one refused
file. Everything but the refused file is reviewed, stored and reported; exit 2 names only that file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import run_review, seed_variant, write_form


def batch(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    blank_total = seed_variant(2, total_score=None)
    blank_total["indicators"][3]["actual"] = "36个"  # the seed's own figures: recomputed total 98.43
    blank_score = seed_variant(3)
    blank_score["indicators"][3]["score"] = None
    blank_cells = seed_variant(4, department=None)
    blank_cells["indicators"][11]["target"] = None
    blank_cells["indicators"][14]["actual"] = ""
    blank_cells["goal"]["actual"] = ""
    refused = seed_variant(5)
    refused["indicators"][2]["weight"] = None
    forms = {"complete-1": seed_variant(1), "complete-6": seed_variant(6), "blank-total": blank_total,
             "blank-score": blank_score, "blank-cells": blank_cells, "refused": refused}
    return {name: write_form(folder / f"{name}.json", data) for name, data in forms.items()}


def test_a_folder_with_blank_cells_is_reviewed_and_only_the_refused_file_is_named(tmp_path: Path, db: Path) -> None:
    files = batch(tmp_path / "forms")
    result = run_review(str(tmp_path / "forms"))
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1 and "refused.json" in errors[0] and "indicators[2].weight: 未填写（空白）" in errors[0]
    assert "无法识别" not in result.output and "Traceback" not in result.output
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT file, claimed_total FROM forms").fetchall())
    assert {Path(f).stem for f in stored} == set(files) - {"refused"}
    assert stored[str(files["blank-total"].resolve())] is None


def test_json_lines_give_a_blank_total_and_score_as_null(tmp_path: Path) -> None:
    files = batch(tmp_path / "forms")
    result = run_review(str(tmp_path / "forms"), "--json", "--no-store")
    lines = {Path(obj["file"]).stem: obj for obj in map(json.loads, result.output.splitlines())}
    assert "error" in lines["refused"] and len(lines) == len(files)
    total = lines["blank-total"]
    assert total["claimed_total"] is None and total["recomputed_total"] == 98.43
    assert "TOTAL_MISSING" in {f["code"] for f in total["findings"]}
    score = lines["blank-score"]
    assert score["indicators"][3]["claimed"] is None and score["indicators"][3]["recomputed"] is not None
    cells = {(f["code"], tuple(f["indicators"])) for f in lines["blank-cells"]["findings"]}
    assert {("VALUE_BLANK", (11,)), ("VALUE_BLANK", (14,)), ("HEADER_BLANK", ())} <= cells


def test_the_terminal_report_shows_a_blank_total_as_blank_beside_the_recomputed_one(tmp_path: Path) -> None:
    files = batch(tmp_path / "forms")
    result = run_review(str(files["blank-total"]), "--no-store")
    assert result.exit_code == 0
    assert "自评总分 未填写    复核总分 98.43" in result.output
    assert "TOTAL_MISSING 总分未填写" in result.output
    result = run_review(str(files["blank-score"]), "--no-store")
    row = next(line for line in result.output.splitlines() if line.lstrip().startswith("4 "))
    assert "未填    1.78" in row  # 33/37×2: the formula score beside the blank claim
    summary = run_review(str(files["blank-total"]), str(files["complete-1"]), "--no-store").output
    assert "—" in next(line for line in summary.splitlines() if "blank-total" in line)


def test_status_and_report_show_a_blank_total_as_a_dash(tmp_path: Path, db: Path) -> None:
    files = batch(tmp_path / "forms")
    run_review(str(files["blank-total"]))
    status = run_review("status").output
    assert "—" in status and "98.43" in status
    report = run_review("report", "--format", "json").output
    assert json.loads(report)[0]["claimed_total"] is None  # an array of forms since the 复核 (issue 12)
    markdown = tmp_path / "r.md"
    run_review("report", "-o", str(markdown))
    assert "自评总分未填写（—），复核 98.43 分" in markdown.read_text(encoding="utf-8")
    sheet = tmp_path / "r.xlsx"
    assert run_review("report", "--format", "xlsx", "-o", str(sheet)).exit_code == 0


def test_a_database_made_before_blank_totals_takes_one_after_its_migration(tmp_path: Path) -> None:
    from sqlite_utils import Database, Migrations

    from reviewer.store import schema

    path = tmp_path / "old.db"
    before = Migrations("reviewer")  # the store as it was before form-format 1.1
    for step in (schema.create_forms, schema.create_runs, schema.create_critiques, schema.create_decisions,
                 schema.index_critique_scope, schema.create_undone_batches):
        before()(step)
    db = Database(path)
    before.apply(db)
    db.execute("INSERT INTO forms VALUES ('a','a',NULL,NULL,1,'f','n',2021,'d','u','98.43','98.43','{}','{}','t','t')")
    db.conn.commit()
    assert "claimed_total TEXT NOT NULL" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'forms'").fetchone()[0]
    db.close()
    run_review(str(write_form(tmp_path / "blank.json", seed_variant(7, total_score=None))), "--db", str(path))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT claimed_total FROM forms ORDER BY seq").fetchall() == [("98.43",), (None,)]
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'forms'")}
    assert {"forms_identity", "forms_file"} <= indexes
