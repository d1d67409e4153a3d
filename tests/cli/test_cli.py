"""The `review` command as a reviewer runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from formkit import SEED, clean_form
from reviewer.cli.main import cli


def run(*args: str, db: Path | None = None):
    env = {"COLUMNS": "200", **({"REVIEW_DB": str(db)} if db else {})}
    return CliRunner(env=env).invoke(cli, list(args), catch_exceptions=False)


def test_default_command_prints_scorecard_and_findings(tmp_path: Path) -> None:
    result = run(str(SEED), db=tmp_path / "r.db")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "自评总分 98.43" in out and "复核总分 98.43" in out
    assert "支持独立参加境外知名展览项目" in out
    assert "警告（" in out and "提示（" in out and "错误（" not in out
    assert "COST_COUNT_DIVERGENCE" in out and "建议意见" in out


def test_json_lines_follow_the_contract(tmp_path: Path) -> None:
    result = run(str(SEED), "--json", db=tmp_path / "r.db")
    assert result.exit_code == 0
    (line,) = result.output.strip().splitlines()
    assert "中关村" in line  # Chinese unescaped
    obj = json.loads(line)
    assert set(obj) == {"file", "form_id", "name", "year", "claimed_total", "recomputed_total", "indicators", "findings", "judge"}
    assert len(obj["form_id"]) == 64
    assert obj["claimed_total"] == 98.43 and obj["recomputed_total"] == 98.43
    assert obj["indicators"][0] == {"index": 0, "name": "支持海外建设特色科技园区项目", "direction": "higher", "claimed": 2, "recomputed": 2.0}
    assert obj["indicators"][18]["recomputed"] is None
    rules = [f for f in obj["findings"] if f["source"] == "rules"]
    assert {tuple(sorted(f)) for f in rules} == {("code", "comment", "id", "indicators", "message", "severity", "source", "verdict")}
    shares = [f for f in rules if f["code"] == "QUALITATIVE_SHARE"]
    assert shares[0]["indicators"] == [] and shares[0]["verdict"] is None
    assert {"backend", "model", "calls", "cached", "fallbacks", "prompt_tokens", "completion_tokens"} <= set(obj["judge"])


def test_folder_gives_summary_and_bad_file_does_not_stop_others(tmp_path: Path) -> None:
    forms = tmp_path / "forms"
    forms.mkdir()
    shutil.copy(SEED, forms / "a-seed.json")
    (forms / "b-clean.json").write_text(json.dumps(clean_form(), ensure_ascii=False), encoding="utf-8")
    (forms / "c-broken.json").write_text('{"name": "x",', encoding="utf-8")
    result = run(str(forms), db=tmp_path / "r.db")
    assert result.exit_code == 2
    assert "汇总" in result.output
    assert "2021年中关村示范区国际创新资源支持资金" in result.output
    assert "2023年职业技能培训项目" in result.output
    assert "c-broken.json" in result.output


def test_json_mode_reports_unreadable_files_inline(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    result = run(str(SEED), str(bad), "--json", db=tmp_path / "r.db")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert lines[0]["name"].startswith("2021年")
    assert lines[1] == {"file": str(bad), "error": f"{bad}: 顶层应为 JSON 对象"}


def test_config_file_overrides_thresholds(tmp_path: Path) -> None:
    config = tmp_path / "review.toml"
    config.write_text("[thresholds]\nreuse_count = 6\n", encoding="utf-8")
    result = run(str(SEED), "--json", "--config", str(config), db=tmp_path / "r.db")
    codes = [f["code"] for f in json.loads(result.output)["findings"]]
    assert "EXPLANATION_REUSED" not in codes


def test_bad_config_is_a_clear_usage_error(tmp_path: Path) -> None:
    config = tmp_path / "review.toml"
    config.write_text("[thresholds]\nreuse_cont = 6\n", encoding="utf-8")
    result = CliRunner().invoke(cli, [str(SEED), "--config", str(config)])
    assert result.exit_code == 2
    assert "未知阈值 reuse_cont" in result.output


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_json_lines_keep_their_order_on_a_real_stdout(tmp_path: Path, encoding: str) -> None:
    # A batch's lines reach a UTF-8 stdout as the bytes a worker encoded, an error line between them as text;
    # any other stdout encoding gets them as text. Either way: every line, in the order of the files.
    bad = tmp_path / "b-bad.json"
    bad.write_text("[]", encoding="utf-8")
    clean = tmp_path / "c-clean.json"
    clean.write_text(json.dumps(clean_form(), ensure_ascii=False), encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": encoding, "REVIEW_DB": str(tmp_path / "r.db")}
    done = subprocess.run([sys.executable, "-m", "reviewer", str(SEED), str(bad), str(clean), "--json"],
                          capture_output=True, env=env, check=False)
    assert done.returncode == 2, done.stderr.decode(errors="replace")
    lines = [json.loads(line) for line in done.stdout.decode(encoding).splitlines()]
    assert [line.get("name", line.get("error")) for line in lines] == [
        "2021年中关村示范区国际创新资源支持资金", f"{bad}: 顶层应为 JSON 对象", "2023年职业技能培训项目"]
