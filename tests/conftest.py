"""Shared fixtures. Every test gets its own database: nothing is written to ./review.db."""

from __future__ import annotations

import copy
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from formkit import seed_form
from reviewer.cli.main import cli


@pytest.fixture(autouse=True)
def _private_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `review` stores by default; a test that forgets --db must not touch the repo's review.db.
    monkeypatch.setenv("REVIEW_DB", str(tmp_path / "review.db"))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The database path every test's `review` command writes to."""
    return tmp_path / "review.db"


def run_review(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """The real `review` command in-process; REVIEW_DB comes from the environment."""
    return CliRunner(env=env).invoke(cli, list(args), input=input, catch_exceptions=False)


def review_script() -> str:
    """The installed `review` entry point of the interpreter running the tests."""
    script = Path(sys.executable).with_name("review")
    return str(script) if script.exists() else f"{sys.executable} -m reviewer"


def seed_variant(index: int, **changes: object) -> dict:
    """The seed form as another project: its own name and slightly different numbers."""
    data = copy.deepcopy(seed_form())
    data["name"] = f"{data['name']}（第{index}号）"
    row = data["indicators"][3]  # 支持国际研发合作项目: 37 planned
    row["actual"] = f"{30 + index % 7}个"
    data.update(changes)
    return data


def write_form(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """The seed form in a file of its own, free to be edited by the test."""
    return write_form(tmp_path / "zgc-2021.json", seed_form())


@pytest.fixture
def session_env(db: Path) -> dict[str, str]:
    """Environment for a spawned `review session`: fixed size, no editor, UTF-8."""
    env = {k: v for k, v in os.environ.items() if k not in ("EDITOR", "VISUAL")}
    env.update(REVIEW_DB=str(db), LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm", COLUMNS="120", LINES="60")
    return env
