"""The workbench's test kit: a real review.db made by the real `review` command (the seed form, another
project and a form whose text tries to inject HTML), and a client that talks HTTP to the real app."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from starlette.testclient import TestClient

from conftest import run_review, seed_variant, write_form
from formkit import seed_form
from reviewer.signoff.service import Signoff
from reviewer.store import Store
from reviewer.web import create_app

BASE = "http://127.0.0.1:8765"
SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'


def xss_form() -> dict:
    """A form whose name, unit and explanation carry markup: the pages must show it as text."""
    data = seed_variant(90, name=f"{SCRIPT}测试项目", unit=f"{IMG}测试单位")
    data["indicators"][1]["explanation"] = f"{SCRIPT}{IMG}经查重项目数有所调整"
    return data


@pytest.fixture(scope="session")
def batch_forms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The forms reviewed into the batch (once per run): the seed form, a second project (another unit,
    2022), the XSS form and a file that is no form, and the review.db `review` made of them."""
    forms = tmp_path_factory.mktemp("batch") / "forms"
    forms.mkdir()
    write_form(forms / "zgc-2021.json", seed_form())
    write_form(forms / "other.json", seed_variant(2, unit="北京市海淀区科学技术协会", year=2022))
    write_form(forms / "xss.json", xss_form())
    (forms / "broken.json").write_text("{ not json", encoding="utf-8")
    db = forms.parent / "review.db"
    run_review(str(forms / "zgc-2021.json"), "--db", str(db))  # the database exists before the file is refused
    run_review(str(forms), "--db", str(db))
    return forms


@pytest.fixture
def batch_db(batch_forms: Path, db: Path) -> Path:
    """A copy of the batch's review.db for this test alone (at REVIEW_DB)."""
    shutil.copyfile(batch_forms.parent / "review.db", db)
    return db


def form_id(db: Path, text: str) -> str:
    with Store(db) as store:
        return next(f.id for f in store.current_forms() if text in f.name)


def point_ids(db: Path, form: str) -> list[str]:
    with Store(db) as store:
        return [p.id for p in Signoff(store).form_review(form).points]


def point(db: Path, pid: str):  # noqa: ANN201 - Point
    with Store(db) as store:
        return store.point(pid)


class Browser:
    """A TestClient with the workbench's manners: the CSRF token from the page, the reviewer's name."""

    def __init__(self, client: TestClient):
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kwargs: Any):
        response = self.client.get(url, **kwargs)
        found = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def name(self, name: str) -> None:
        self.get("/name")
        response = self.client.post("/name", data={"csrf": self.csrf, "name": name, "next": "/"},
                                    follow_redirects=False)
        assert response.status_code == 303

    def post(self, url: str, data: dict | None = None, json: bool = True, **kwargs: Any):
        if not self.csrf:
            self.get("/help")
        headers = {"X-CSRF-Token": self.csrf, **({"Accept": "application/json"} if json else {})}
        headers.update(kwargs.pop("headers", {}))
        return self.client.post(url, data=data or {}, headers=headers, follow_redirects=False, **kwargs)


@pytest.fixture
def make_browser(batch_db: Path) -> Iterator:
    clients: list[TestClient] = []

    def make(name: str | None = "张三", db: Path | None = None, **options: Any) -> Browser:
        app = create_app(db or batch_db, warm=False, **options)
        client = TestClient(app, base_url=BASE)
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        if name:
            browser.name(name)
        return browser

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def browser(make_browser) -> Browser:  # noqa: ANN001
    return make_browser()
