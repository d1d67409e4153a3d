"""Importing Word documents (.docx, python-docx): the national template as a Word table with merged
一级/二级 cells, a table running over pages, several forms in one document, blank cells, damage."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from formkit import review_data
from reviewer.form import form_from_data
from reviewer.importing import NotAForm, import_document
from test_import_builders import SEED_TEXT, beijing_grid, cost_level1, sichuan, sichuan_grid, write_docx, zgc
from test_import_text import assert_same_form
from test_import_xlsx import assert_sichuan


def test_seed_form_as_a_word_table_imports_equal_to_the_example(tmp_path: Path) -> None:
    [imported] = import_document(write_docx(tmp_path / "zgc.docx", [beijing_grid(zgc())]))
    assert imported.mark["method"] == "docx"
    assert imported.mark["confidence"] == 1.0 and imported.mark["disagreements"] == []
    assert_same_form(imported, zgc())
    assert imported.form.form_id == form_from_data(zgc(), "zgc").form_id


def test_title_above_the_table_and_a_table_running_over_pages(tmp_path: Path) -> None:
    """The title as paragraphs; the indicator table cut after its 9th row onto a second page, where
    the header row is repeated and the 一级/二级 merges start afresh."""
    path = write_docx(tmp_path / "zgc.docx", [beijing_grid(zgc())], titles_outside=True, split_at=9)
    [imported] = import_document(path)
    assert_same_form(imported, zgc())
    assert imported.mark["disagreements"] == [] and imported.mark["doubts"] == []


def test_a_document_holding_several_forms(tmp_path: Path) -> None:
    forms = [beijing_grid(zgc()), sichuan_grid(sichuan()), beijing_grid(cost_level1(zgc()))]
    path = write_docx(tmp_path / "决算.docx", forms, titles_outside=True)
    first, second, third = import_document(path)
    assert first.source.endswith("（第 1 张表）") and third.source.endswith("（第 3 张表）")
    assert_same_form(first, zgc())
    assert_sichuan(second)
    assert_same_form(third, cost_level1(zgc()))


def test_blank_cells_in_a_word_form_stay_blank(tmp_path: Path) -> None:
    form = copy.deepcopy(zgc())
    form["total_score"] = ""
    form["indicators"][3]["score"] = ""
    form["indicators"][11]["target"] = ""
    [imported] = import_document(write_docx(tmp_path / "blank.docx", [beijing_grid(form)]))
    data = imported.data
    assert data["total_score"] is None and data["indicators"][3]["score"] is None
    assert imported.form.indicators[3].score is None and imported.form.indicators[11].target == ""
    assert any("没有读到总分" in doubt for doubt in imported.mark["doubts"])
    codes = {(f.code, f.indicators) for f in review_data(data).findings}
    assert {("TOTAL_MISSING", ()), ("SCORE_MISSING", (3,)), ("VALUE_BLANK", (11,))} <= codes


def test_a_form_typed_as_paragraphs_is_read_as_text(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    for line in SEED_TEXT.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(tmp_path / "typed.docx")
    [imported] = import_document(tmp_path / "typed.docx")
    assert imported.mark["method"] == "docx"
    assert_same_form(imported, zgc())


@pytest.mark.parametrize("damage", ["truncated", "garbage", "not-a-word-zip", "empty-document"])
def test_a_damaged_or_empty_docx_is_refused_in_chinese(tmp_path: Path, damage: str) -> None:
    import docx

    path = tmp_path / f"{damage}.docx"
    whole = write_docx(tmp_path / "whole.docx", [beijing_grid(zgc())]).read_bytes()
    if damage == "truncated":
        path.write_bytes(whole[: len(whole) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00\x01 not a document" * 50)
    elif damage == "not-a-word-zip":
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("hello.txt", "你好")
    else:
        docx.Document().save(path)
    with pytest.raises(NotAForm) as error:
        import_document(path)
    assert str(path) in str(error.value)
    assert "文件已损坏或不是有效的 .docx" in error.value.message or "文档为空" in error.value.message


def test_text_word_keeps_in_tracked_insertions_smart_tags_and_content_controls(tmp_path: Path) -> None:
    """Word wraps what a unit typed in w:ins (track changes), w:smartTag (older Word) and w:sdt (a
    template's fill-in fields); a tab stop in the paragraph's properties is no text."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn

    path = write_docx(tmp_path / "zgc.docx", [beijing_grid(zgc())])
    document = docx.Document(str(path))
    runs = {run.text: run for run in document.tables[0]._tbl.iter(qn("w:r")) if run.text}

    def wrap(text: str, xml: str) -> None:
        run = runs[text]
        holder = parse_xml(xml)
        run.addprevious(holder)
        holder.find(".//" + qn("w:r")).getparent().replace(holder.find(".//" + qn("w:r")), run)

    wrap("98.43", f'<w:ins {nsdecls("w")} w:id="1" w:author="单位" w:date="2022-03-01T00:00:00Z"><w:r/></w:ins>')
    wrap("4,978.562000", f'<w:smartTag {nsdecls("w")} w:uri="urn:schemas-microsoft-com:office:smarttags" '
                         'w:element="chmetcnv"><w:r/></w:smartTag>')
    wrap("郭睿", f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="负责人"/></w:sdtPr><w:sdtContent><w:r/>'
               "</w:sdtContent></w:sdt>")
    paragraph = runs["98.43"].getparent().getparent()
    paragraph.insert(0, parse_xml(f'<w:pPr {nsdecls("w")}><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'))
    document.save(str(path))
    cells = {cell.text for row in docx.Document(str(path)).tables[0].rows for cell in row.cells}
    assert "98.43" not in cells and "郭睿" not in cells  # python-docx's own cell text loses them
    [imported] = import_document(path)
    assert_same_form(imported, zgc())
