"""A corpus of malformed inputs: each a clear message with file and JSON path, exit 2, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from formkit import SEED, put, seed_form
from reviewer.cli.main import cli

SEED_TEXT = SEED.read_text(encoding="utf-8")


def edited(edit) -> bytes:
    data = seed_form()
    edit(data)
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def replaced(old: str, new: str) -> bytes:
    assert old in SEED_TEXT
    return SEED_TEXT.replace(old, new, 1).encode("utf-8")


def drop(*path):
    def edit(data):
        node = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]
    return edit


# (name, file bytes, what the message must say)
CORPUS = [
    ("empty", b"", "文件为空"),
    ("whitespace", b"  \n\t ", "文件为空"),
    ("truncated", SEED_TEXT[: len(SEED_TEXT) // 2].encode(), "不是有效的 JSON"),
    ("binary", bytes(range(256)) * 4, "不是文本文件"),
    ("not-an-object", b"[1, 2, 3]", "顶层应为 JSON 对象"),
    ("missing-name", edited(drop("name")), "name: 缺少必填项"),
    ("missing-funds-total", edited(drop("funds", "total")), "funds.total: 缺少必填项"),
    ("unknown-key", edited(put("x", "leader")), "leader: 未知字段"),
    ("unknown-indicator-key", edited(put(1, "indicators", 2, "wieght")), "indicators[2].wieght: 未知字段"),
    ("wrong-type-name", edited(put(123, "name")), "name: 应为文本"),
    ("wrong-type-indicators", edited(put({"a": 1}, "indicators")), "indicators: 应为数组"),
    ("year-not-integer", edited(put("二〇二一", "year")), "year: 年度应为整数"),
    ("negative-weight", edited(put(-2, "indicators", 0, "weight")), "indicators[0].weight: 不能为负数"),
    ("chinese-number-weight", edited(put("十", "indicators", 3, "weight")), 'indicators[3].weight: 无法识别的数值 "十"'),
    ("nan-score", replaced('"score": 9.96', '"score": NaN'), 'funds.score: 无法识别的数值 "NaN"'),
    ("infinity-total", replaced('"total_score": 98.43', '"total_score": Infinity'), "total_score: 无法识别的数值"),
    ("huge-number", replaced('"total_score": 98.43', '"total_score": 1e400'), "total_score: 无法识别的数值"),
    ("duplicate-key", replaced('"weight": 3, "score": 3', '"weight": 3, "score": 3, "score": 2'), 'indicators[6]: 键 "score" 重复出现'),
    ("bad-rate", edited(put("约99%", "funds", "execution_rate")), 'funds.execution_rate: 无法识别的执行率 "约99%"'),
    ("bad-money", edited(put("五千万", "funds", "total", "executed")), 'funds.total.executed: 无法识别的数值 "五千万"'),
    ("bad-funds-unit", edited(put("美元", "funds", "unit")), "funds.unit: 取值不在允许范围内"),
    ("bad-direction", edited(put("up", "indicators", 0, "direction")), "indicators[0].direction: 无法识别的指标方向"),
    ("boolean-score", edited(put(True, "indicators", 0, "score")), "indicators[0].score: 无法识别的数值"),
    ("null-weight", edited(put(None, "indicators", 1, "weight")), "indicators[1].weight: 未填写（空白），此处须填写数值"),
    ("blank-weight", edited(put("", "indicators", 1, "weight")), "indicators[1].weight: 未填写（空白），此处须填写数值"),
    ("null-name", edited(put(None, "name")), "name: 未填写（空白）"),
    ("null-year", edited(put(None, "year")), "year: 年度未填写"),
    ("year-as-printed", edited(put("2021年", "year")), 'year: 年度应为整数，例如 2021（而不是 "2021年"）'),
    ("null-funds-weight", edited(put(None, "funds", "weight")), "funds.weight: 未填写（空白）"),
    ("boolean-shown-as-json", edited(put(True, "funds", "weight")), 'funds.weight: 无法识别的数值 "true"'),
    ("same-field-twice", edited(put("另一个名称", "项目名称")), '"项目名称" 与 "name" 是同一字段，重复给出'),
    ("lone-surrogate", replaced('"target": "2个"', '"target": "\\ud800"'), "indicators[0].target: 含有无效的 Unicode 字符"),
    ("integer-too-long", replaced('"total_score": 98.43', '"total_score": ' + "9" * 5000), "数值位数过多"),
    ("integer-out-of-range", replaced('"total_score": 98.43', '"total_score": 1' + "0" * 400), "total_score: 无法识别的数值"),
    ("bad-encoding", b'{"name": "\xff\xfe\xfa"', "无法识别的文件编码"),
    # An English form giving our own field's name is refused, however plain its other keys are.
    ("our-own-field", edited(put({}, "extensions")), "extensions (unknown): 未知字段"),
    ("our-own-field-in-a-row", edited(put({}, "indicators", 0, "extensions")), "indicators[0].extensions (unknown): 未知字段"),
]


@pytest.mark.parametrize("name,content,expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_malformed_input_is_refused_clearly(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    path = tmp_path / f"{name}.json"
    path.write_bytes(content)
    result = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")}).invoke(cli, [str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: " in result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 15


def test_refusal_from_the_installed_command_has_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(edited(put("十", "indicators", 3, "weight")))
    proc = subprocess.run([sys.executable, "-m", "reviewer", str(path)], capture_output=True, text=True,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "REVIEW_DB": str(tmp_path / "r.db")})
    assert proc.returncode == 2
    assert proc.stderr.strip() == f'错误：{path}: indicators[3].weight: 无法识别的数值 "十"'
    assert proc.stdout == ""


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b""), ("utf-16", b"")])
def test_encodings_read_the_same_form(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "form.json"
    path.write_bytes(bom + SEED_TEXT.encode(encoding))
    result = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")}).invoke(cli, [str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["recomputed_total"] == 98.43


def test_chinese_keys_read_like_english(tmp_path: Path) -> None:
    labels = {"name": "项目名称", "year": "年度", "department": "主管部门", "unit": "实施单位", "total_score": "总分"}
    row_labels = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
                  "actual": "实际完成值", "weight": "分值", "score": "得分", "explanation": "偏差原因分析及改进措施"}
    data = seed_form()
    funds_labels = {"unit": "单位", "total": "年度资金总额", "fiscal": "当年财政拨款", "carryover": "上年结转资金",
                    "other": "其他资金", "weight": "分值", "execution_rate": "执行率", "score": "得分"}
    data["funds"]["explanation"] = "无"
    funds_labels["explanation"] = "原因"
    chinese = {labels.get(k, k): v for k, v in data.items()}
    chinese["funds"] = {funds_labels[k]: v for k, v in data["funds"].items()}
    chinese["indicators"] = [{row_labels[k]: v for k, v in row.items()} for row in data["indicators"]]
    chinese["x-source"] = "exported"
    path = tmp_path / "zh.json"
    path.write_text(json.dumps(chinese, ensure_ascii=False), encoding="utf-8")
    english = tmp_path / "en.json"
    english.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    runner = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")})
    zh = json.loads(runner.invoke(cli, [str(path), "--json"]).output)
    en = json.loads(runner.invoke(cli, [str(english), "--json"]).output)
    assert zh["form_id"] == en["form_id"]
    assert zh["findings"] == en["findings"]


def test_x_keys_of_an_english_form_are_set_aside(tmp_path: Path) -> None:
    data = seed_form()
    data["indicators"][0]["x-note"] = "内部备注"
    data["funds"]["total"]["x-source"] = {"sheet": 2}
    marked, plain = tmp_path / "marked.json", tmp_path / "plain.json"
    marked.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    plain.write_text(json.dumps(seed_form(), ensure_ascii=False), encoding="utf-8")
    runner = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")})
    first = json.loads(runner.invoke(cli, [str(marked), "--json"]).output)
    second = json.loads(runner.invoke(cli, [str(plain), "--json"]).output)
    assert first["form_id"] == second["form_id"]
    assert first["findings"] == second["findings"]


def test_a_file_that_once_crashed_the_reader_does_not_stop_the_batch(tmp_path: Path) -> None:
    odd = tmp_path / "odd.json"
    odd.write_bytes(replaced('"target": "2个"', '"target": "\\ud800"'))
    result = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")}).invoke(cli, [str(odd), str(SEED), "--json"])
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    assert "error" in lines[0] and lines[1]["recomputed_total"] == 98.43


def test_a_refused_file_writes_no_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"[]")
    db = tmp_path / "new.db"
    result = CliRunner().invoke(cli, [str(bad), "--db", str(db)])
    assert result.exit_code == 2
    assert not db.exists()


BLANKABLE = [("total_score",), ("funds", "score"), ("funds", "unit"), ("funds", "execution_rate"), ("funds", "total", "executed"),
             ("indicators", 0, "score"), ("indicators", 0, "target"), ("indicators", 0, "actual"),
             ("indicators", 0, "explanation"), ("department",), ("unit",), ("goal", "planned"), ("goal", "actual")]
REQUIRED_NUMBERS = [("funds", "weight"), ("indicators", 0, "weight")]


@pytest.mark.parametrize("blank", [None, "", " ", "—"], ids=["null", "empty", "space", "dash"])
def test_a_blank_cell_is_reviewed_or_refused_as_blank_never_as_an_unreadable_number(tmp_path: Path, blank) -> None:
    """form-format 1.1: the blankable cells are reviewed; a blank required number is named as blank."""
    runner = CliRunner(env={"REVIEW_DB": str(tmp_path / "r.db")})
    for path in BLANKABLE:
        if blank not in (None, "") and path[-1] in ("department", "unit", "planned", "actual", "target", "explanation"):
            continue  # a dash in a text cell is text, not a number
        form = tmp_path / "form.json"
        form.write_bytes(edited(put(blank, *path)))
        result = runner.invoke(cli, [str(form), "--json", "--no-store"])
        assert result.exit_code == 0, (path, result.output)
    for path in REQUIRED_NUMBERS:
        form = tmp_path / "form.json"
        form.write_bytes(edited(put(blank, *path)))
        result = runner.invoke(cli, [str(form), "--no-store"])
        assert result.exit_code == 2 and "未填写（空白）" in result.output, (path, result.output)
        assert "无法识别" not in result.output
