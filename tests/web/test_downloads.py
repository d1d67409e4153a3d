"""Downloads from the workbench, read back: the Word 复核意见 (a draft while points are pending, final once
all are decided and the bureau is configured), the Excel 底稿 / 问题清单 of a form or of the filtered batch,
and the JSON export."""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import unquote

from docx import Document
from openpyxl import load_workbook
from webkit import batch_db, batch_forms, browser, form_id, make_browser  # noqa: F401 - fixtures

from reviewer.config import load_config
from reviewer.signoff.service import Signoff
from reviewer.store import Store
from reviewer.web import documents

SEED = "2021年中关村示范区国际创新资源支持资金"


def file_name(response) -> str:  # noqa: ANN001
    return unquote(response.headers["content-disposition"].split("filename*=utf-8''")[1])


def paragraphs(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for s in document.sections for p in s.header.paragraphs]
    return "\n".join(texts)


def test_the_word_document_is_a_draft_while_points_are_pending(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    refused = browser.get(f"/forms/{seed}/report.docx")
    assert refused.status_code == 409 and "尚有 11 个要点待审核" in refused.text
    assert f'href="/forms/{seed}/report.docx?draft=1"' in refused.text and "--draft" not in refused.text
    draft = browser.get(f"/forms/{seed}/report.docx?draft=1")
    assert draft.status_code == 200 and file_name(draft) == f"复核意见_{SEED}（2021年度）_草稿.docx"
    text = paragraphs(draft.content)
    assert "草稿" in text and "中关村科技园区管理委员会本级" in text and str(batch_db.parent) not in text


def test_the_final_word_document_once_all_is_decided(make_browser, batch_db: Path, tmp_path: Path) -> None:  # noqa: ANN001
    config_file = tmp_path / "bureau.toml"
    config_file.write_text('[signoff]\nbureau = "北京市海淀区财政局"\n', encoding="utf-8")
    config = load_config(config_file)
    seed = form_id(batch_db, SEED)
    with Store(batch_db) as store:
        signoff = Signoff(store, config)
        signoff.bulk([p.id for p in signoff.form_review(seed).points], "accept", "张三")
    visitor = make_browser("李四", config=config)
    assert f'href="/forms/{seed}/report.docx"' in visitor.get(f"/forms/{seed}").text
    final = visitor.get(f"/forms/{seed}/report.docx")
    assert final.status_code == 200 and file_name(final) == f"复核意见_{SEED}（2021年度）.docx"
    text = paragraphs(final.content)
    assert "北京市海淀区财政局" in text and "草稿" not in text and "李四" in text  # 复核人: the name given


def test_excel_of_a_form_and_of_the_filtered_batch(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    one = browser.get(f"/forms/{seed}/workbook.xlsx")
    assert one.status_code == 200 and file_name(one) == f"复核底稿_{SEED}（2021年度）.xlsx"
    book = load_workbook(io.BytesIO(one.content))
    assert book.sheetnames[:3] == ["汇总", "按单位", "问题清单"] and len(book.sheetnames) == 4
    assert [c.value for c in book["问题清单"][1]][:5] == ["等级", "复核维度", "单位", "项目", "指标"]
    filtered = load_workbook(io.BytesIO(browser.get("/batch/workbook.xlsx?unit=科学技术协会").content))
    summary = list(filtered["汇总"].iter_rows(values_only=True))
    assert len(summary) == 2 and summary[1][1] == "北京市海淀区科学技术协会"
    everything = load_workbook(io.BytesIO(browser.get("/batch/workbook.xlsx").content))
    assert len(list(everything["汇总"].iter_rows())) == 4


def test_json_of_a_form_and_of_the_batch(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    data = json.loads(browser.get(f"/forms/{seed}/report.json").content)
    assert len(data) == 1 and data[0]["name"] == SEED and data[0]["review_total"] == 98.43 and len(data[0]["points"]) == 11
    assert len(json.loads(browser.get("/batch/report.json?year=2021").content)) == 2


def test_a_batch_too_large_for_the_browser_is_refused_with_the_way_out(browser, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(documents, "MAX_WORKBOOK_FORMS", 2)  # the bureau's limit, lowered to this batch's size
    refused = browser.get("/batch/workbook.xlsx")
    assert refused.status_code == 413 and "review report --format xlsx" in refused.text
    assert browser.get("/batch/workbook.xlsx?q=不存在").status_code == 404
