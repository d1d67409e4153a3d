"""The workbench in a real browser: Playwright driving the system's Chromium against the app served by
uvicorn on a loopback port. One browser for the module; each test its own forms and browser contexts."""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("/usr/bin/chromium is missing: install it (apt-get install chromium; .ci/run does) to run the browser "
                "tests", allow_module_level=True)

import uvicorn  # noqa: E402
from docx import Document  # noqa: E402
from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402
from webkit import IMG, SCRIPT, xss_form  # noqa: E402

from conftest import run_review, seed_variant, write_form  # noqa: E402
from formkit import seed_form  # noqa: E402
from reviewer.signoff.service import Signoff  # noqa: E402
from reviewer.store import Store  # noqa: E402
from reviewer.web import create_app  # noqa: E402

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
FORMS = {"seed": seed_form(), "score": seed_variant(3), "team": seed_variant(4), "xss": xss_form()}


class Site:
    def __init__(self, url: str, db: Path, forms: dict[str, str]):
        self.url, self.db, self.forms = url, db, forms

    def points(self, key: str) -> list[str]:
        with Store(self.db) as store:
            return [p.id for p in Signoff(store).form_review(self.forms[key]).points]

    def status(self, pid: str) -> tuple[str, str | None]:
        with Store(self.db) as store:
            found = store.point(pid)
            return found.status, found.decided_by


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("workbench")
    db = folder / "review.db"
    for key, data in FORMS.items():
        write_form(folder / f"{key}.json", data)
    run_review(*(str(folder / f"{key}.json") for key in FORMS), "--db", str(db))
    with Store(db) as store:
        ids = {f.name: f.id for f in store.current_forms()}
    forms = {key: ids[data["name"]] for key, data in FORMS.items()}
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # TCP_NODELAY, as review serve
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db, port=port), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield Site(f"http://127.0.0.1:{port}", db, forms)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_as(site: Site, chromium: Browser) -> Iterator:
    contexts, errors = [], []

    def make(name: str) -> Page:
        context = chromium.new_context(accept_downloads=True, viewport={"width": 1300, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(site.url + "/name")
        page.fill("input[name=name]", name)
        page.click("text=开始审核")
        page.wait_for_url(site.url + "/")
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []  # no script error on any page


def shown(page: Page, pid: str) -> None:
    page.wait_for_selector(f'#card article.point[data-point="{pid}"]')


def test_keyboard_loop_on_the_seed_form(site: Site, open_as) -> None:  # noqa: ANN001
    ids = site.points("seed")
    page = open_as("张三")
    page.goto(f"{site.url}/queue?form={site.forms['seed']}")
    shown(page, ids[0])
    assert "要点 1/11 · 本表 1/11" in page.inner_text(".position")
    page.keyboard.press("a")
    shown(page, ids[1])
    page.keyboard.press("r")
    shown(page, ids[2])
    page.keyboard.press("e")
    editor = page.locator("#card textarea[name=comment]")
    editor.wait_for(state="visible")
    assert editor.evaluate("node => node === document.activeElement")  # the key did not type an "e" into it
    editor.fill("请说明成本增加的具体原因。")
    page.keyboard.press("Control+Enter")
    shown(page, ids[3])
    page.keyboard.press("s")
    shown(page, ids[4])
    assert "要点 5/11" in page.inner_text(".position")  # a skip moves the counter on
    page.keyboard.press("u")  # the skip
    shown(page, ids[3])
    page.keyboard.press("u")  # the edit
    shown(page, ids[2])
    page.wait_for_selector("#card .flash:has-text('已撤销：修改意见')")
    assert [site.status(pid) for pid in ids[:4]] == [("accepted", "张三"), ("rejected", "张三"), ("pending", None),
                                                     ("pending", None)]
    page.keyboard.press("a")
    page.keyboard.press("a")  # typed ahead: each key acts on the point then shown
    shown(page, ids[4])
    assert [site.status(pid)[0] for pid in ids[2:5]] == ["accepted", "accepted", "pending"]


def test_score_change_with_its_clause(site: Site, open_as) -> None:  # noqa: ANN001
    page = open_as("王五")
    page.goto(f"{site.url}/forms/{site.forms['score']}")
    page.click("#row-5 button[data-do=score-row]")
    form = page.locator("#scorecard form.score-form")
    form.wait_for(state="visible")
    assert form.locator("select[name=row]").input_value() == "5"
    form.locator("input[name=score]").fill("1.5")
    form.locator("select[name=clause]").select_option("unverifiable_minor")
    form.locator("input[name=reason]").fill("抽查：6个项目无合同")
    form.locator("button:has-text('保存改分')").click()
    page.wait_for_selector("#toast:has-text('已改：第6项复核得分改为1.5')")
    assert page.inner_text("#row-5 td:nth-child(11)") == "1.50"
    assert "无法核实（轻微）" in page.inner_text("#row-5") and "王五" in page.inner_text("#row-5")
    with Store(site.db) as store:
        change = store.score_history(site.forms["score"])[-1]
        total = Signoff(store).form_score(site.forms["score"]).review_total
    assert page.inner_text("#totals .main dd") == f"{total:.2f}" and change.shown_before == "1.64"
    assert (change.after, change.clause, change.reviewer) == ("1.5", "unverifiable_minor", "王五")


def test_two_reviewers_on_one_point(site: Site, open_as) -> None:  # noqa: ANN001
    first = site.points("team")[0]
    zhang, li = open_as("张三"), open_as("李四")
    for page in (zhang, li):
        page.goto(f"{site.url}/forms/{site.forms['team']}")
        page.wait_for_selector(f'article.point.current[data-point="{first}"][data-status=pending]')
    zhang.keyboard.press("a")
    zhang.wait_for_selector(f'article.point[data-point="{first}"][data-status=accepted]')
    li.keyboard.press("r")  # 李四 still sees it pending
    card = li.locator(f'article.point[data-point="{first}"]')
    li.wait_for_selector(f'article.point[data-point="{first}"] .flash.conflict')
    assert "该要点已由 张三 处理（已采纳）" in card.inner_text() and card.get_attribute("data-status") == "accepted"
    assert site.status(first) == ("accepted", "张三")


def test_a_form_with_markup_shows_it_as_text(site: Site, open_as) -> None:  # noqa: ANN001
    page = open_as("张三")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{site.url}/forms/{site.forms['xss']}")
    assert page.inner_text("h1").startswith(f"{SCRIPT}测试项目")
    assert f"{IMG}测试单位" in page.inner_text("dl.meta")
    assert f"{SCRIPT}{IMG}经查重项目数有所调整" in page.inner_text("section.points")
    page.goto(f"{site.url}/queue?form={site.forms['xss']}")
    page.keyboard.press("a")
    page.wait_for_selector("#toast:has-text('已采纳')")
    assert page.locator("img").count() == 0 and page.locator("main script").count() == 0 and dialogs == []


def test_downloads_of_the_word_and_excel_documents(site: Site, open_as, tmp_path: Path) -> None:  # noqa: ANN001
    page = open_as("张三")
    page.goto(f"{site.url}/forms/{site.forms['seed']}")
    with page.expect_download() as word:
        page.click("text=下载复核意见草稿（Word）")
    assert re.match(r"复核意见_2021年中关村示范区国际创新资源支持资金（2021年度）_草稿\.docx", word.value.suggested_filename)
    word.value.save_as(tmp_path / "opinion.docx")
    text = "\n".join(p.text for p in Document(str(tmp_path / "opinion.docx")).paragraphs)
    assert "复核意见" in text and "中关村科技园区管理委员会本级" in text and "复核" in text
    with page.expect_download() as excel:
        page.click("text=下载底稿（Excel）")
    excel.value.save_as(tmp_path / "book.xlsx")
    book = load_workbook(tmp_path / "book.xlsx")
    assert {"汇总", "问题清单"} <= set(book.sheetnames) and len(book.sheetnames) >= 4
    issues = [row for row in book["问题清单"].iter_rows(values_only=True)]
    assert issues[0][:3] == ("等级", "复核维度", "单位") and len(issues) > 5
