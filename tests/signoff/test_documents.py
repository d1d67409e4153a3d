"""The documents a bureau sends: the Word 复核意见 (read back with python-docx, rendered with LibreOffice)
and the Excel workbook (read back with openpyxl)."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from conftest import run_review, seed_variant, write_form
from formkit import SEED, clean_form, seed_form

BUREAU = "北京市海淀区财政局"


def config(tmp_path: Path, **extra: str) -> Path:
    lines = ["[signoff]", f'bureau = "{BUREAU}"', 'reviewer = "张三"', 'contact = "010-88886666"', "deadline_days = 20"]
    lines += [f'{key} = "{value}"' for key, value in extra.items()]
    path = tmp_path / "review.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def texts(document: Document) -> list[str]:
    """Every paragraph of the body, the tables, the headers and the footers."""
    out = [p.text for p in document.paragraphs]
    out += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        out += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return out


def east_asian_font(run) -> str | None:
    fonts = run._element.rPr.rFonts
    return fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def paragraph(document: Document, start: str):
    return next(p for p in document.paragraphs if p.text.startswith(start))


def test_the_word_document_is_a_gongwen_with_the_review(db: Path, tmp_path: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "docs"
    result = run_review("report", "--format", "docx", "-o", str(out), "--config", str(config(tmp_path)))
    assert result.exit_code == 0, result.output
    (path,) = out.iterdir()
    assert path.name == "复核意见_2021年中关村示范区国际创新资源支持资金（2021年度）.docx"
    document = Document(str(path))
    body = texts(document)
    # Title, 收文单位, the three headings, the numbered problems, 落款 and date.
    title = document.paragraphs[0]
    assert title.text == "关于2021年中关村示范区国际创新资源支持资金（2021年度）绩效自评的复核意见"
    assert east_asian_font(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    assert "中关村科技园区管理委员会本级：" in body
    for heading in ("一、总体结论", "二、主要问题", "三、整改要求"):
        assert east_asian_font(paragraph(document, heading).runs[0]) == "黑体"
    conclusion = paragraph(document, "经复核")
    assert "复核得分89.43分" in conclusion.text and "复核等级为“良”" in conclusion.text
    assert "偏离度9.14%" in conclusion.text and "自评得分98.43分" in conclusion.text
    assert east_asian_font(conclusion.runs[0]) == "仿宋_GB2312" and conclusion.runs[0].font.size.pt == 16
    problems = [p for p in document.paragraphs if p.text.startswith("（")]
    assert [p.text.split("）")[0] + "）" for p in problems[:11]] == [
        f"（{n}）" for n in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一"]]
    assert east_asian_font(problems[0].runs[0]) == "楷体_GB2312"
    assert "依据“实际完成值照抄指标值（扣减分值的30%）”" in problems[7].text
    assert "（−45.5%）" in problems[0].text  # a figure's minus is the minus sign: no line break after it
    assert any("并将整改情况书面报送" + BUREAU in t and "前对上述问题逐项整改" in t for t in body)
    assert BUREAU in body and any(t.endswith("日") and t.startswith("20") for t in body)
    assert "（复核人：张三；联系电话：010-88886666）" in body
    # The attachment: the scores of every row beside the unit's.
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标", "分值", "自评得分", "复核得分", "调整依据"]
    assert [c.text for c in table.rows[-1].cells][1:5] == ["总分", "100", "98.43", "89.43"]
    # A4 and the GB/T 9704 margins; the page number in the footer; no 草稿 on a final document.
    section = document.sections[0]
    measured = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
                section.left_margin, section.right_margin)
    assert all(abs(got - Mm(mm)) < Mm(0.1) for got, mm in zip(measured, (210, 297, 37, 35, 28, 26)))
    assert 'w:instr="PAGE"' in section.footer._element.xml
    assert not any("草稿" in t for t in body)
    # No path, no login name, no file name, anywhere (the document properties included).
    with zipfile.ZipFile(path) as archive:
        xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))
        fonts = archive.read("word/fontTable.xml").decode("utf-8")
    assert str(SEED.parent) not in xml and "zgc-2021" not in xml and ".json" not in xml
    assert "python-docx" not in xml
    # The fallbacks are named in the file: each GB2312 font with the font to use in its place.
    for font, alternative in (("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体"), ("方正小标宋简体", "华文中宋"),
                              ("黑体", "SimHei")):
        assert f'w:name="{font}"><w:altName w:val="{alternative}"/>' in fonts


def test_a_form_with_pending_points_is_only_issued_as_a_draft(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in (1, 2):
        write_form(folder / f"{index}.json", seed_variant(index))
    run_review(str(folder))
    run_review("accept", "--form", "第1号", "--all", "--yes", "--reviewer", "张三")
    run_review("accept", "--form", "第2号", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    settings = config(tmp_path)
    out = tmp_path / "docs"
    final = run_review("report", "--format", "docx", "-o", str(out), "--config", str(settings))
    assert final.exit_code == 1
    assert "跳过「2021年中关村示范区国际创新资源支持资金（第2号）」" in final.stderr and "待审核" in final.stderr
    assert [p.name for p in out.iterdir()] == ["复核意见_2021年中关村示范区国际创新资源支持资金（第1号）（2021年度）.docx"]

    drafts = tmp_path / "drafts"
    assert run_review("report", "第2号", "--format", "docx", "-o", str(drafts), "--draft",
                      "--config", str(settings)).exit_code == 0
    (path,) = drafts.iterdir()
    assert path.name.endswith("_草稿.docx")
    document = Document(str(path))
    for section in document.sections:  # every page carries its section's header
        assert "草稿" in section.header.paragraphs[0].text
    assert any("尚有10个要点待审核" in t for t in texts(document))
    problems = [p.text for p in document.paragraphs if p.text.startswith("（一）")]
    assert len(problems) == 1 and problems[0].startswith("（一）第6、17项")  # only the decided point


def test_each_document_of_a_batch_holds_only_its_own_form(db: Path, tmp_path: Path) -> None:
    """A batch's documents are written one after another in one process: none carries anything of a form
    written before it (its problems, its table's rows, a draft's 草稿 header)."""
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in (1, 2, 3):
        write_form(folder / f"{index}.json", seed_variant(index))
    run_review(str(folder))
    run_review("accept", "--form", "第1号", "--all", "--yes", "--reviewer", "张三")
    run_review("reject", "--form", "第3号", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "docs"
    for _ in range(2):  # and again, after documents of every kind were written
        assert run_review("report", "--format", "docx", "-o", str(out), "--draft", "--config",
                          str(config(tmp_path))).exit_code == 0
        name = "复核意见_2021年中关村示范区国际创新资源支持资金（第{}号）（2021年度）{}.docx"
        accepted, pending, rejected = (Document(str(out / name.format(n, suffix)))
                                       for n, suffix in ((1, ""), (2, "_草稿"), (3, "")))
        for number, document in zip((1, 2, 3), (accepted, pending, rejected)):
            body = "".join(texts(document))
            assert body.count("（第") == body.count(f"（第{number}号）") == 3  # title, opening, attachment
            (table,) = document.tables
            # the header, the 22 indicators, 预算执行率 and 总分: no row of another form
            assert len(table.rows) == 1 + 22 + 1 + 1 and table.rows[-1].cells[1].text == "总分"
        problems = [p.text.split("）")[0] for p in accepted.paragraphs if p.text.startswith("（") and "复核人" not in p.text]
        assert problems == [f"（{n}" for n in "一二三四五六七八九十"] + ["（十一"]
        assert "草稿" not in "".join(texts(accepted))
        for document in (pending, rejected):
            assert "经复核，未发现需要整改的问题。" in texts(document)
            assert not [p.text for p in document.paragraphs if p.text.startswith("（一）")]
        assert "草稿" in pending.sections[0].header.paragraphs[0].text
        assert "草稿" not in "".join(texts(rejected))
        for n, suffix, header in ((1, "", False), (2, "_草稿", True), (3, "", False)):
            with zipfile.ZipFile(out / name.format(n, suffix)) as package:  # a final document has no header
                assert ("word/header1.xml" in package.namelist()) is header


def test_a_final_document_needs_the_bureau_named(db: Path, tmp_path: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes")
    result = run_review("report", "--format", "docx", "-o", str(tmp_path / "docs"))
    assert result.exit_code == 1 and "未配置复核单位名称" in result.output
    assert not (tmp_path / "docs").exists()


def test_the_workbook_has_the_drafts_the_issue_list_and_the_summary(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    write_form(folder / "a.json", seed_form())
    write_form(folder / "b.json", dict(seed_variant(2), name="=1+1 项目", total_score=97))  # TOTAL_SCORE
    (folder / "c.json").write_text("{", encoding="utf-8")  # refused
    run_review(str(folder))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    settings = config(tmp_path, timezone="Asia/Tokyo")
    path = tmp_path / "复核.xlsx"
    assert run_review("report", "--format", "xlsx", "-o", str(path), "--config", str(settings)).exit_code == 0

    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "按单位", "问题清单", "=1+1 项目", "2021年中关村示范区国际创新资源支持资金", "未能读取"]
    for sheet in book.worksheets:  # frozen header, auto-filter, no cell a formula
        assert sheet.freeze_panes and sheet.auto_filter.ref
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows()]
    assert summary[1][2] == "=1+1 项目"  # the form with an error first; its name kept as text
    assert book["汇总"]["C2"].data_type == "s"

    draft = book["2021年中关村示范区国际创新资源支持资金"]
    rows = [[c.value for c in row] for row in draft.iter_rows()]
    header_at = next(i for i, row in enumerate(rows) if row[0] == "一级指标")
    assert rows[header_at][:13] == ["一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "权重",
                                    "自评完成值", "自评得分", "复核完成值", "复核得分", "偏离度", "备注"]
    assert draft.freeze_panes == f"A{header_at + 2}"
    by_name = {row[2]: row for row in rows[header_at + 1:]}
    copied = by_name["推动示范区企业“走出去”"]
    assert (copied[8], copied[10], copied[11]) == (10, 7, 0.3)
    assert "实际完成值照抄指标值" in copied[12]
    assert by_name["预算执行率"][10] == 9.96
    assert rows[-1][0] == "合计" and rows[-1][10] == 89.43
    # CJK counts double: the 三级指标 column is wide enough for a Chinese name (up to the wrap width).
    assert draft.column_dimensions["C"].width >= 30

    issues = book["问题清单"]
    header = [c.value for c in issues[1]]
    assert header[:9] == ["等级", "复核维度", "单位", "项目", "指标", "复核发现", "事实及判定", "处理建议", "依据"]
    lines = [dict(zip(header, [c.value for c in row])) for row in issues.iter_rows(min_row=2)]
    assert len(lines) == 11 + 12 and {line["等级"] for line in lines} <= {"P0", "P1", "P2"}  # + 总分 on b
    copied_issue = next(line for line in lines if line["指标"] == "第19项“推动示范区企业“走出去””")
    assert copied_issue["等级"] == "P0" and copied_issue["复核维度"] == "完成值真实性"
    assert "复核调整：第19项自评10分，复核7.00分" in copied_issue["事实及判定"]
    assert copied_issue["处理建议"].startswith("请填写可核实的实际完成数据")
    # Times are the configured zone's local times (Tokyo, an hour ahead of Beijing), as naive cells.
    import sqlite3

    with sqlite3.connect(db) as conn:
        (at,) = conn.execute("SELECT decided_at FROM points WHERE id = ?", [copied_issue["要点编号"]]).fetchone()
    expected = datetime.fromisoformat(at).astimezone(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None)
    assert copied_issue["决定时间"] == expected
    refused = [[c.value for c in row] for row in book["未能读取"].iter_rows()]
    assert refused[1][0].endswith("c.json") and "JSON" in refused[1][1]


def test_the_batch_summary_ranks_forms_and_lists_refused_files_apart(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    write_form(folder / "a.json", seed_variant(1))
    write_form(folder / "b.json", seed_variant(2, total_score=90))  # TOTAL_SCORE: an error
    (folder / "c.json").write_text("[]", encoding="utf-8")
    run_review(str(folder))
    out = run_review("summary", env={"COLUMNS": "120"}).output
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if "第2号" in line)
    second = next(i for i, line in enumerate(lines) if "第1号" in line)
    assert first < second
    assert "未能读取的文件（1 个，未列入上表）" in out and "c.json" in out
    # Read again once fixed, the file is no longer listed.
    write_form(folder / "c.json", seed_variant(3))
    run_review(str(folder / "c.json"))
    assert "未能读取" not in run_review("summary").output


def test_the_word_document_renders_in_libreoffice(db: Path, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the .docx is not rendered")
    run_review(str(SEED))
    run_review("accept", "--all", "--yes")
    out = tmp_path / "docs"
    run_review("report", "--format", "docx", "-o", str(out), "--config", str(config(tmp_path)))
    (path,) = out.iterdir()
    profile = tmp_path / "lo-profile"
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                           "--outdir", str(tmp_path), str(path)], capture_output=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / (path.stem + ".pdf")
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        pages = document.pages
        text = "".join(page.extract_text() or "" for page in pages)
        assert 4 <= len(pages) <= 14
        assert abs(pages[0].width - 595) < 2 and abs(pages[0].height - 842) < 2  # A4 in points
    assert "复核意见" in text and "89.43" in text and BUREAU in text


def half_cent_form(index: int) -> dict:
    """A clean form whose execution rate is exactly 86.125% (689 of 800), a half to round up."""
    data = clean_form()
    data["name"] = f"{data['name']}（第{index}号）"
    data["funds"]["total"] = data["funds"]["fiscal"] = {"initial_budget": "800.00", "annual_budget": "800.00",
                                                        "executed": "689.00"}
    data["funds"]["execution_rate"], data["funds"]["score"] = "86.13%", 8.61
    data["total_score"] = 98.61
    return data


def test_shown_figures_round_half_up(db: Path, tmp_path: Path) -> None:
    """86.125 shows as 86.13 wherever it is shown: the form's header, the Word 结论 and the batch average."""
    header = run_review(str(write_form(tmp_path / "a.json", half_cent_form(1))))
    assert "执行率 86.13%（复核 86.13%）" in header.output
    run_review(str(write_form(tmp_path / "b.json", half_cent_form(2))))
    run_review(str(write_form(tmp_path / "c.json", dict(half_cent_form(3), unit="另一单位"))))
    for form, score in (("第1号", "19.51"), ("第2号", "19.52")):  # 复核总分 98.12 and 98.13: 98.125 on average
        assert run_review("score", form, "第1项", "--score", score, "--clause", "unverifiable_minor", "--reason",
                          "抽查").exit_code == 0
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "docs"
    assert run_review("report", "--format", "docx", "-o", str(out), "--config", str(config(tmp_path))).exit_code == 0
    for path in out.iterdir():
        assert "预算执行率86.13%" in paragraph(Document(str(path)), "经复核").text
    summary = run_review("summary", env={"COLUMNS": "200"}).output
    assert "98.12" in summary and "98.13" in summary
    unit_line = next(line for line in summary.splitlines() if line.strip().startswith("某市职业技能培训中心"))
    assert "98.13" in unit_line.split()  # the average 98.125
    book = tmp_path / "复核.xlsx"
    assert run_review("report", "--format", "xlsx", "-o", str(book)).exit_code == 0
    units = {row[0].value: row[6].value for row in load_workbook(book)["按单位"].iter_rows(min_row=2)}
    assert units["某市职业技能培训中心"] == 98.13


def test_a_draft_of_a_fully_decided_form_is_not_marked_draft(db: Path, tmp_path: Path) -> None:
    run_review(str(SEED))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "docs"
    assert run_review("report", "--format", "docx", "-o", str(out), "--draft", "--config",
                      str(config(tmp_path))).exit_code == 0
    (path,) = out.iterdir()
    document = Document(str(path))
    assert not path.name.endswith("_草稿.docx")
    assert not any("草稿" in t for t in texts(document))
    assert "草稿" not in (document.core_properties.keywords, document.core_properties.category)
    problems = [p.text for p in document.paragraphs if p.text.startswith("（")]
    assert problems[0].startswith("（一）第1、12项") and "待重点审核" not in "".join(texts(document))


def test_forms_named_alike_but_for_letter_case_each_get_a_draft_sheet(db: Path, tmp_path: Path) -> None:
    # Excel tells sheet titles apart without regard to case: the second ABC project's sheet is numbered.
    folder = tmp_path / "forms"
    folder.mkdir()
    for n, name in enumerate(["ABC 平台项目", "abc 平台项目", "Abc 平台项目", "其他项目"]):
        write_form(folder / f"{n}.json", dict(seed_variant(n), name=name))
    run_review(str(folder))
    path = tmp_path / "复核.xlsx"
    assert run_review("report", "--format", "xlsx", "-o", str(path)).exit_code == 0

    book = load_workbook(path)
    drafts = book.sheetnames[3:]
    assert len(drafts) == 4 and len({title.lower() for title in drafts}) == 4
    assert sorted(title.lower()[:8] for title in drafts) == ["abc 平台项目"] * 3 + ["其他项目"]
    for title in drafts:
        assert book[title]["A1"].value == "项目支出绩效自评复核底稿"
    # The 汇总's 底稿 column names each form's sheet as it is in the workbook.
    summary = book["汇总"]
    named = [row[-1] for row in summary.iter_rows(min_row=2, values_only=True)]
    assert sorted(named) == sorted(drafts)
