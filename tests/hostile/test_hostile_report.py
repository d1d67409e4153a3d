"""The Markdown and JSON reports on hostile form text and on a model that failed (issue 14, must have 5
and 6): no heading, list, link, image or HTML comes from a form, and the header says how many verdicts
the rules judge gave in place of the model.

The Markdown is read back with markdown-it-py (CommonMark, with GFM's tables and strikethrough): what
a reader's renderer would make of it.
"""

from __future__ import annotations

import json
from pathlib import Path

from markdown_it import MarkdownIt

from fake_openai import FakeOpenAI, reply_raw
from formkit import seed_form
from hostile_files import review, write_json
from reviewer.signoff.report import md_text

FORGED = "\n\n# 审核结论：全部合规\n\n审核人：局长\n\n"
NAME = (f"中关村项目{FORGED}<script>alert(1)</script> [点这里](javascript:alert(1)) ![x](http://evil.example/t.png)"
        " <img src=x onerror=alert(1)> **粗** `代码` ~~删~~ | a | b | www.evil.example a@evil.example &lt;b&gt;")
EXPLANATION = f"因疫情影响{FORGED}[补充材料](https://evil.example/) <iframe src=//evil.example></iframe>"


def parsed(markdown: str) -> list:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(markdown)


def kinds(tokens: list) -> set[str]:
    found = set()
    for token in tokens:
        found.add(token.type)
        found |= kinds(token.children or [])
    return found


def text_of(tokens: list) -> str:
    return "".join(t.content if t.type in ("text", "code_inline") else text_of(t.children or []) for t in tokens)


def hostile_db(tmp_path: Path) -> Path:
    data = seed_form()
    data["name"], data["unit"], data["department"] = NAME, "单位" + FORGED, "部门<b>粗</b>"
    data["indicators"][5]["name"] = "展览项目" + FORGED + "[链](http://evil.example/)"
    for row in data["indicators"]:
        if row.get("explanation"):
            row["explanation"] = EXPLANATION
    form = write_json(tmp_path / "evil.json", data)
    db = tmp_path / "review.db"
    assert review(str(form), "--db", str(db)).exit_code in (0, 1)
    assert review("accept", "--form", "evil", "--yes", "--db", str(db)).exit_code == 0
    return db


def test_form_text_makes_no_markdown_construct(tmp_path):
    db = hostile_db(tmp_path)
    result = review("report", "--format", "md", "--reviewer", "张三](javascript:x)", "--db", str(db))
    assert result.exit_code == 0, result.output
    tokens = parsed(result.stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "复核意见" and len(headings) == 2  # the report's title and the form's name, no other
    assert headings[1].startswith("中关村项目")
    assert not kinds(tokens) & {"link_open", "image", "html_inline", "html_block", "strong_open", "em_open",
                                "s_open", "table_open", "code_inline", "bullet_list_open"}
    text = text_of(tokens)
    # what the form said is all there, as text
    assert "<script>alert(1)</script>" in text and "[点这里](javascript:alert(1))" in text and "&lt;b&gt;" in text
    assert "# 审核结论：全部合规" in text and "展览项目 # 审核结论：全部合规 审核人：局长 [链](http://evil.example/)" in text
    signatures = [line for line in result.stdout.splitlines() if line.startswith("审核人：")]
    assert len(signatures) == 1 and "局长" not in signatures[0]  # each forged sign-off is inside its name's line


def test_md_text_renders_as_itself():
    for text in (NAME, EXPLANATION, "98.43 分（2021-2023 年）", "a\\*b\\", "http://x https://y ftp://z"):
        rendered = text_of(parsed("前缀" + md_text(text)))
        assert rendered.replace(" ", "") == ("前缀" + text).replace("\n", "").replace(" ", "")  # newlines flattened


def test_the_report_header_counts_the_verdicts_the_model_failed_to_give(tmp_path):
    form = write_json(tmp_path / "form.json", seed_form())
    db = tmp_path / "review.db"
    with FakeOpenAI(default=reply_raw(b"<html>502 Bad Gateway</html>")) as server:
        result = review(str(form), "--judge", "llm", "--base-url", server.base_url, "--model", "m", "--timeout", "5",
                        "--db", str(db))
    assert "其中 9 条模型评判失败，改用规则评判" in result.stdout
    markdown = review("report", "--format", "md", "--db", str(db)).stdout
    lines = markdown.splitlines()
    # at the head of the form's section (the report is written form by form), before its 总体评价
    note = lines.index("（评判说明：其中 9 条模型评判失败，改用规则评判，请重点复核。）")
    assert lines[note - 2].startswith("主管部门：") and lines[note + 2].startswith("一、总体评价：")
    exported = json.loads(review("report", "--format", "json", "--db", str(db)).stdout)
    assert exported[0]["judge_fallbacks"] == 9
    clean = tmp_path / "clean.db"
    review(str(form), "--db", str(clean))
    assert "模型评判失败" not in review("report", "--format", "md", "--db", str(clean)).stdout
    assert json.loads(review("report", "--format", "json", "--db", str(clean)).stdout)[0]["judge_fallbacks"] == 0


def test_control_characters_in_a_form_leave_the_workbook_and_the_word_file_readable(tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    data = seed_form()
    data["name"], data["unit"] = "项目\x01名\x0b称\x1f", "单位\x02"
    data["indicators"][5]["name"] = "展览\x04项目"
    form = write_json(tmp_path / "ctl.json", data)
    db = tmp_path / "review.db"
    review(str(form), "--db", str(db))
    review("accept", "--form", "ctl", "--yes", "--db", str(db))
    workbook, folder = tmp_path / "r.xlsx", tmp_path / "docx"
    for args in (("xlsx", "-o", str(workbook)), ("docx", "--draft", "-o", str(folder))):
        result = review("report", "--format", *args, "--db", str(db))
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    cells = [str(c) for sheet in load_workbook(workbook).worksheets for row in sheet.values for c in row if c]
    assert any("项目名称" in c for c in cells)
    assert any("单位" == c for c in cells) and any("“展览项目”" in c for c in cells)
    (word,) = folder.glob("*.docx")
    text = "\n".join(p.text for p in Document(word).paragraphs)
    assert "项目名称" in text and "展览项目" in text
