"""Every page of the workbench over HTTP (Starlette's TestClient against the real app and a real
review.db): what a reviewer sees on the batch, a form, the queue, the 问题清单, progress and help."""

from __future__ import annotations

import html
import re
from pathlib import Path

from markupsafe import escape
from webkit import batch_db, batch_forms, browser, form_id, make_browser, point_ids  # noqa: F401 - fixtures

from reviewer.checks.catalogue import VERDICT_LABEL
from reviewer.signoff.service import Signoff
from reviewer.store import Store


def rows(page: str) -> list[str]:
    """The batch table's project names, in order."""
    return [html.unescape(name) for name in re.findall(r'<td><a href="/forms/[0-9a-f]+">([^<]+)</a>', page)]


def test_first_visit_asks_the_reviewers_name_once(make_browser) -> None:  # noqa: ANN001
    visitor = make_browser(name=None)
    response = visitor.client.get("/", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/name?next=%2F"
    visitor.name("  张三\x07 ")
    page = visitor.get("/").text
    assert "审核人：" in page and ">张三</a>" in page
    assert visitor.client.get("/queue", follow_redirects=False).status_code == 200


def test_batch_lists_every_form_with_its_figures_and_the_refused_file_apart(browser, batch_forms: Path) -> None:  # noqa: ANN001
    page = browser.get("/").text
    assert "批次：3 份表单" in page
    names = rows(page)
    assert len(names) == 3 and "2021年中关村示范区国际创新资源支持资金" in names
    seed = page[page.index("2021年中关村示范区国际创新资源支持资金</a>"):]
    seed = seed[:seed.index("</tr>")]
    cells = re.findall(r'<td class="n[^"]*">(?:<strong>)?([^<]*)', seed)
    assert cells[:4] == ["2021", "98.43", "98.43", "98.43"]  # 年度, 自评, 复算, 复核
    assert ">优<" in seed and "0.00%" in seed and "<strong>11</strong> / 0" in seed
    assert "未能读取的文件（1 个" in page and "broken.json" in page
    assert str(batch_forms) not in page  # the file's folders are not shown


def test_batch_filters_narrow_the_forms(browser) -> None:  # noqa: ANN001
    assert rows(browser.get("/?unit=科学技术协会").text) == ["2021年中关村示范区国际创新资源支持资金（第2号）"]
    assert len(rows(browser.get("/?year=2022").text)) == 1
    assert len(rows(browser.get("/?department=中关村&code=ROUNDING&severity=warning&verdict=does_not_cover").text)) == 3
    assert rows(browser.get("/?q=不存在的项目").text) == []
    assert "没有符合筛选条件的表单" in browser.get("/?q=不存在的项目").text
    assert len(rows(browser.get("/?status=pending").text)) == 3 and rows(browser.get("/?status=done").text) == []
    noticed = browser.get("/?code=NO_SUCH_CODE&severity=fatal&year=abc").text
    assert "未知的问题代码“NO_SUCH_CODE”，已忽略" in noticed and "无效的筛选值“fatal”" in noticed
    assert "年度“abc”不是数字" in noticed and len(rows(noticed)) == 3
    by_name = rows(browser.get("/?sort=name").text)
    assert by_name == sorted(by_name)


def test_batch_follows_decisions_and_forms_stored_meanwhile(browser, batch_db: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from conftest import run_review, seed_variant, write_form

    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    assert "<strong>11</strong> / 0" in browser.get("/?q=2021年中关村示范区国际创新资源支持资金").text
    with Store(batch_db) as store:
        Signoff(store).decide(point_ids(batch_db, seed)[0], "accept", "李四")
    assert "<strong>10</strong> / 1" in browser.get(f"/?q=2021年中关村示范区国际创新资源支持资金&unit=本级").text
    run_review(str(write_form(tmp_path / "new.json", seed_variant(7, name="新送审的项目"))))
    assert "新送审的项目" in rows(browser.get("/").text) and "批次：4 份表单" in browser.get("/").text


def test_form_page_shows_header_funds_scorecard_and_every_point_with_its_evidence(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    page = browser.get(f"/forms/{seed}").text
    for text in ("主管部门", "中关村科技园区管理委员会本级", "项目负责人", "郭睿", "项目资金（万元）", "5000", "4978.562",
                 "99.57%", "评分表（自评 / 复算 / 复核）", "支持独立参加境外知名展览项目", "复核总分", "98.43"):
        assert text in page, text
    assert "5000.000000" not in page  # money as the form means it, without the export's padding
    cards = re.findall(r'<article class="point [^"]*" id="p-([0-9a-f]+)"', page)
    assert cards == point_ids(batch_db, seed) and len(cards) == 11
    first = page[page.index('<article class="point'):]
    first = first[:first.index("</article>")]
    assert "待重点审核" in first  # looked at first, shown first
    with Store(batch_db) as store:
        review = Signoff(store).form_review(seed)
    point = review.points[0]
    judged = [c for c in review.evidence(point) if c.verdict]
    assert judged  # the seed's first point carries the judge's verdicts, each shown with its reasoning
    for critique in judged:
        assert f"评判：{VERDICT_LABEL[critique.verdict]}" in first
        assert str(escape(critique.data["reason"])) in first  # as the template escapes it
        assert f"可信度 {critique.data['confidence']:.2f}" in first
    assert "偏差原因分析及改进措施" in first and "经市级资金查重和内部查重" in first
    assert "建议意见" in first and f"依据（{len(point.findings)} 项发现）" in first and "成本与数量变动不一致" in first
    assert f'href="/forms/{seed}/report.docx?draft=1"' in page and f'href="/forms/{seed}/workbook.xlsx"' in page


def test_queue_shows_the_first_pending_point_with_its_place(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    page = browser.get(f"/queue?form={seed}").text
    first = point_ids(batch_db, seed)[0]
    assert f'data-point="{first}"' in page and "要点 1/11 · 本表 1/11" in page
    assert f'data-queue="form={seed}"' in page
    later = browser.client.get(f"/queue/next?form={seed}&skip={first}", headers={"Accept": "application/json"}).json()
    assert later["point"] == point_ids(batch_db, seed)[1] and "要点 2/11" in later["html"]
    only_first = browser.get("/queue?status=first").text
    assert only_first.count('<article class="point') == 1 and "待重点审核" in only_first


def test_point_card_fragment_and_its_page(browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    pid = point_ids(batch_db, seed)[3]
    data = browser.client.get(f"/points/{pid}", headers={"Accept": "application/json"}).json()
    assert data["point"] == pid and data["html"].startswith("<article")
    redirect = browser.client.get(f"/points/{pid}", follow_redirects=False)
    assert redirect.headers["location"] == f"/forms/{seed}#p-{pid}"


def test_issues_list_across_forms(browser, batch_db: Path) -> None:  # noqa: ANN001
    page = browser.get("/issues").text
    assert page.count('class="form-row"') == 3
    assert "成本效益匹配" in page and "事实及判定" in page and "P1" in page
    only = browser.get("/issues?level=P2").text
    assert 'class="badge lv-P2"' in only and 'class="badge lv-P1"' not in only
    assert browser.get("/issues?unit=科学技术协会").text.count('class="form-row"') == 1


def test_progress_per_reviewer(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    ids = point_ids(batch_db, seed)
    zhang, li = make_browser("张三"), make_browser("李四")
    for pid in ids[:3]:
        assert zhang.post(f"/points/{pid}/decide", {"action": "accept", "expect": "pending"}).status_code == 200
    assert li.post(f"/points/{ids[3]}/decide", {"action": "reject", "expect": "pending"}).status_code == 200
    page = zhang.get("/progress").text
    table = page[page.index("各审核人"):page.index("各单位")]
    assert re.search(r"<td>张三</td><td class=\"n\"><strong>3</strong></td><td class=\"n\">3</td>", table)
    assert re.search(r"<td>李四</td><td class=\"n\"><strong>1</strong></td><td class=\"n\">0</td><td class=\"n\">0</td>"
                     r"<td class=\"n\">1</td>", table)
    assert re.search(r"已审 4 / \d+ 个要点", page)


def test_help_lists_the_keys_and_the_rulebook_in_force(browser) -> None:  # noqa: ANN001
    page = browser.get("/help").text
    for key in ("j / k", ">a<", ">r<", ">e<", ">s<", ">u<", ">/<", ">?<"):
        assert key in page
    assert "复核口径：默认复核口径" in page and "实际完成值照抄指标值" in page and "扣减分值的30%" in page
    assert "ACTUAL_COPIES_TARGET" in page and "优 ≥ 90" in page


def test_unknown_ids_and_paths_are_not_found(browser) -> None:  # noqa: ANN001
    assert browser.get("/forms/0123456789abcdef").status_code == 404
    assert "找不到该表单" in browser.get("/forms/0123456789abcdef").text
    assert browser.get("/forms/..%2F..%2Fetc%2Fpasswd").status_code == 404
    assert browser.get("/points/nope-nope").status_code == 404
    assert browser.get("/no/such/page").status_code == 404
    assert browser.get("/favicon.ico").status_code == 204  # asked for by every browser: no 404 in its log


def test_no_page_carries_a_file_path(browser, batch_db: Path, batch_forms: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, "2021年中关村示范区国际创新资源支持资金")
    folder = str(batch_forms)
    for url in ("/", "/queue", "/issues", "/progress", f"/forms/{seed}", f"/queue?form={seed}"):
        page = browser.get(url).text
        assert folder not in page, url
        assert all(not href.startswith(("file:", "/tmp")) for href in re.findall(r'href="([^"]+)"', page)), url
