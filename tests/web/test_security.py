"""The workbench is safe by default: the Host check, CSRF on every POST, the login with a password or
token, read-only mode, the security headers, and form text that tries to inject HTML shown as text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from webkit import BASE, SCRIPT, batch_db, batch_forms, browser, form_id, make_browser, point, point_ids  # noqa: F401

from reviewer.web import create_app
from reviewer.web.responses import clean_name, safe_back
from reviewer.web.security import Signer, allowed_hosts, host_name

SEED = "2021年中关村示范区国际创新资源支持资金"
PASSWORD = "correct horse 42"


def test_requests_for_another_host_are_refused(browser) -> None:  # noqa: ANN001
    for host in ("evil.example", "evil.example:8765", "127.0.0.1.evil.example", ""):
        response = browser.client.get("/", headers={"Host": host})
        assert response.status_code == 400 and "Host" in response.text, host
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765"):
        assert browser.client.get("/help", headers={"Host": host}).status_code == 200, host


def test_allowed_hosts_follow_the_bind_address_and_the_options() -> None:
    assert allowed_hosts("127.0.0.1") == {"127.0.0.1", "localhost", "::1"}
    assert "review-pc.local" in allowed_hosts("192.168.1.20", ["Review-PC.local:8765"])
    assert "192.168.1.20" in allowed_hosts("192.168.1.20")
    import socket

    assert socket.gethostname().lower() in allowed_hosts("0.0.0.0")
    assert host_name("[::1]:8765") == "::1" and host_name("http://localhost:8765/x") == "localhost"


def test_every_post_needs_the_sessions_csrf_token(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    pid = point_ids(batch_db, form_id(batch_db, SEED))[0]
    visitor = make_browser("张三")
    url, fields = f"/points/{pid}/decide", {"action": "accept", "expect": "pending"}
    missing = visitor.client.post(url, data=fields, headers={"Accept": "application/json"})
    assert missing.status_code == 403 and "CSRF" in missing.json()["message"]
    assert visitor.post(url, fields, headers={"X-CSRF-Token": "forged"}).status_code == 403
    other = make_browser("李四")
    assert visitor.post(url, fields, headers={"X-CSRF-Token": other.csrf}).status_code == 403  # another session's
    assert visitor.post(url, fields, headers={"Origin": "http://evil.example"}).status_code == 403
    assert visitor.post(url, fields, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert visitor.post(url, fields, headers={"Content-Type": "application/json"}).status_code in (403, 415)
    stranger = TestClient(visitor.client.app, base_url=BASE)  # no session cookie at all
    assert stranger.post(url, data={**fields, "csrf": visitor.csrf}).status_code == 403
    assert point(batch_db, pid).status == "pending"
    assert visitor.post(url, fields, headers={"Origin": BASE}).status_code == 200
    assert point(batch_db, pid).status == "accepted"


def test_the_name_and_logout_forms_need_the_token_too(make_browser) -> None:  # noqa: ANN001
    visitor = make_browser(name=None)
    visitor.get("/name")
    response = visitor.client.post("/name", data={"name": "攻击者", "next": "/"}, follow_redirects=False)
    assert response.status_code == 403


def test_security_headers_on_every_response(browser) -> None:  # noqa: ANN001
    for url in ("/", "/help", "/static/app.js", "/no/such/page"):
        headers = browser.client.get(url).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, url
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer", url
        assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store", url
    cookie = browser.client.get("/help").headers.get("set-cookie") or ""
    fresh = TestClient(browser.client.app, base_url=BASE).get("/help").headers["set-cookie"]
    assert "HttpOnly" in fresh and "SameSite=Strict" in fresh and "review_session_8765=" in fresh
    assert cookie == ""  # a valid session is not re-sent


def test_pages_use_no_inline_script_or_style(browser, batch_db: Path) -> None:  # noqa: ANN001
    for url in ("/", f"/forms/{form_id(batch_db, SEED)}", "/queue", "/help", "/issues"):
        page = browser.get(url).text
        assert re.findall(r"<script(?![^>]*\bsrc=)", page) == [], url
        assert " style=" not in page and "<style" not in page and " onclick=" not in page, url


def test_form_text_is_shown_as_text(browser, batch_db: Path) -> None:  # noqa: ANN001
    xss = form_id(batch_db, "测试项目")
    for url in (f"/forms/{xss}", "/", "/issues", f"/queue?form={xss}", "/progress"):
        page = browser.get(url).text
        assert SCRIPT not in page and re.search(r"<img[^>]*onerror", page) is None, url
    page = browser.get(f"/forms/{xss}").text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;测试项目" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;测试单位" in page
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;经查重" in page
    card = browser.client.get(f"/points/{point_ids(batch_db, xss)[0]}", headers={"Accept": "application/json"}).json()
    assert SCRIPT not in card["html"]


def test_login_with_a_password(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    visitor = make_browser(name=None, secrets=[PASSWORD])
    response = visitor.client.get("/forms/abc?x=1", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fforms%2Fabc%3Fx%3D1"
    assert visitor.client.get("/queue/next", headers={"Accept": "application/json"}).status_code == 401
    assert visitor.client.get("/static/app.css").status_code == 200
    login = visitor.get("/login")
    assert login.status_code == 200 and 'type="password"' in login.text
    wrong = visitor.client.post("/login", data={"csrf": visitor.csrf, "password": "guess", "next": "/"})
    assert wrong.status_code == 401 and "密码或令牌不正确" in wrong.text
    right = visitor.client.post("/login", data={"csrf": visitor.csrf, "password": PASSWORD, "next": "/help"},
                                follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/help"
    assert PASSWORD not in right.headers.get("set-cookie", "") and PASSWORD not in right.text
    assert visitor.get("/help").status_code == 200  # logged in: the pages open
    visitor.client.post("/logout", data={"csrf": visitor.csrf}, follow_redirects=False)
    assert visitor.client.get("/help", follow_redirects=False).status_code == 303


def test_login_attempts_are_limited(make_browser) -> None:  # noqa: ANN001
    visitor = make_browser(name=None, secrets=[PASSWORD])
    visitor.get("/login")
    for _ in range(5):
        assert visitor.client.post("/login", data={"csrf": visitor.csrf, "password": "guess"}).status_code == 401
    refused = visitor.client.post("/login", data={"csrf": visitor.csrf, "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 429 and "登录失败次数过多" in refused.text and int(refused.headers["retry-after"]) > 0


def test_a_tampered_session_cookie_is_not_logged_in(make_browser) -> None:  # noqa: ANN001
    visitor = make_browser(name=None, secrets=[PASSWORD])
    visitor.get("/login")
    visitor.client.post("/login", data={"csrf": visitor.csrf, "password": PASSWORD})
    cookie = visitor.client.cookies["review_session_8765"]
    body, signature = cookie.split(".")
    forged = Signer().dumps({"csrf": "x", "auth": True, "iat": 2_000_000_000})
    for value in (forged, body + "." + signature[::-1], "garbage"):
        visitor.client.cookies.set("review_session_8765", value)
        assert visitor.client.get("/help", follow_redirects=False).status_code == 303


def test_read_only_takes_no_change_and_shows_no_button(make_browser, batch_db: Path) -> None:  # noqa: ANN001
    seed = form_id(batch_db, SEED)
    pid = point_ids(batch_db, seed)[0]
    supervisor = make_browser(name=None, read_only=True)
    page = supervisor.get(f"/forms/{seed}").text
    assert "只读" in page and "/decide" not in page and "/score" not in page and "改分</button>" not in page
    assert supervisor.get("/").status_code == 200 and supervisor.get(f"/queue?form={seed}").status_code == 200
    for url, fields in ((f"/points/{pid}/decide", {"action": "accept"}), (f"/forms/{seed}/score", {"row": "5"}),
                        ("/undo", {}), ("/name", {"name": "某人"})):
        response = supervisor.post(url, fields)
        assert response.status_code == 403 and "只读模式" in response.json()["message"], url
    assert supervisor.client.get(f"/forms/{seed}/workbook.xlsx").status_code == 200
    assert point(batch_db, pid).status == "pending"


def test_a_missing_database_is_refused_at_start(tmp_path: Path) -> None:
    from reviewer.store import StoreError

    with pytest.raises(StoreError, match="不存在"):
        create_app(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_names_and_return_paths_are_cleaned() -> None:
    assert clean_name(" 张\x00三\u202e ") == "张三" and clean_name("\t") is None and len(clean_name("名" * 99)) == 40
    for target in ("//evil.example/x", "http://evil.example", "/\\evil", "javascript:alert(1)", "", None):
        assert safe_back(target) == "/", target
    assert safe_back("/forms/abc#p-1") == "/forms/abc#p-1"
