"""`review serve` on the command line: it refuses to open the workbench to the network without a login,
and serves the real app with uvicorn in its own process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import review_script, run_review
from formkit import SEED
from reviewer.cli.serve import is_loopback


@pytest.fixture
def reviewed(db: Path) -> Path:
    run_review(str(SEED))
    return db


def test_another_host_needs_a_password(reviewed: Path) -> None:
    result = run_review("serve", "--host", "0.0.0.0", "--no-browser")
    assert result.exit_code == 2 and "须设置登录密码" in result.output and "--password" in result.output
    short = run_review("serve", "--host", "0.0.0.0", "--password", "short", "--no-browser")
    assert short.exit_code == 2 and "密码至少 8 个字符" in short.output


def test_a_missing_database_is_said_plainly(tmp_path: Path) -> None:
    # --port 0: a free port (the default 8765 may be a running workbench's, which is said first)
    result = run_review("serve", "--db", str(tmp_path / "none.db"), "--no-browser", "--port", "0")
    assert result.exit_code == 1 and "数据库" in result.output and "不存在" in result.output
    assert "Traceback" not in result.output


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "::", "example.org"))


def test_serves_the_workbench_until_stopped(reviewed: Path, tmp_path: Path) -> None:
    """The real command: a token file is made, the server answers with its headers, the login holds."""
    token_file = tmp_path / "token.txt"
    command, *prefix = review_script().split()
    env = dict(os.environ, REVIEW_DB=str(reviewed), PYTHONUNBUFFERED="1")
    child = subprocess.Popen([command, *prefix, "serve", "--port", "0", "--no-browser", "--token-file", str(token_file)],
                             env=env, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = child.stderr.readline()
            lines.append(line)
            if "复核工作台" in line:
                break
        url = re.search(r"http://127\.0\.0\.1:\d+/", "".join(lines)).group(0)
        assert "已生成登录令牌" in "".join(lines)
        token = token_file.read_text(encoding="utf-8").strip()
        assert len(token) >= 24 and (os.name == "nt" or token_file.stat().st_mode & 0o077 == 0)
        assert token not in "".join(lines)
        with httpx.Client(base_url=url) as client:
            page = client.get("/help")
            assert page.status_code == 303 and page.headers["location"].startswith("/login")
            assert "server" not in page.headers and page.headers["x-frame-options"] == "DENY"
            login = client.get("/login")
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', login.text).group(1)
            assert client.post("/login", data={"csrf": csrf, "password": token}).status_code == 303
            assert client.get("/help").status_code == 200
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=15)
