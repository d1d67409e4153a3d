"""Form text that tries to steer the reviewer's terminal: a project name, unit and indicator holding
ESC[2J (clear the screen), OSC 52 (write the clipboard), OSC 8 (plant a hyperlink), a C1 CSI, a
right-to-left override, and rich markup (`项目[/]`, `[link=…]点这里[/link]`). Printed by `review`,
`review --json`, `status`, `summary`, `report`, `session` and in error messages, none of those
characters reaches the terminal, the markup prints as written, and nothing ends in a MarkupError.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pexpect
import pytest
from click.testing import CliRunner, Result

from conftest import review_script
from formkit import SEED, seed_form
from hostile_files import child_env, write_json
from reviewer.cli.main import cli
from reviewer.cli.terminal import clean, json_safe, json_text

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"
CLEAR = f"{ESC}[2J{ESC}[H"
CLIPBOARD = f"{ESC}]52;c;ZXZpbA=={BEL}"  # OSC 52: "evil" into the clipboard
LINK = f"{ESC}]8;;https://evil.example/{ST}点这里{ESC}]8;;{ST}"  # OSC 8 hyperlink
NAME = f"恶意{CLEAR}项目[/]{CLIPBOARD}{LINK}\u202e序倒\u202c\x9b31m[link=https://evil.example/]链接[/link]\r审核结论：合规"
UNIT = f"单位{ESC}[8m隐藏{ESC}[0m\x00\x7f\u2066甲\u2069"
INDICATOR = f"指标[bold]粗[/bold]{ESC}]0;窗口标题{BEL}"
# What a terminal may receive: no C0 but \n and \t, no DEL, no C1, no bidi control.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    result = CliRunner(env={"COLUMNS": "220", "LINES": "80", **(env or {})}).invoke(cli, list(args), input=input,
                                                                     catch_exceptions=False)
    assert "Traceback" not in result.output and "MarkupError" not in result.output
    return result


def assert_safe(text: str) -> None:
    found = sorted({f"U+{ord(ch):04X}" for ch in UNSAFE.findall(text)})
    assert found == [], found


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    data = seed_form()
    data["name"], data["unit"], data["department"] = NAME, UNIT, f"部门{CLIPBOARD}"
    data["indicators"][5]["name"] = INDICATOR  # row 6: a ROUNDING point, so it comes up in the session
    return write_json(tmp_path / "hostile.json", data)


def test_the_names_are_read_whole(hostile: Path, db: Path) -> None:
    result = run(str(hostile), "--json", "--db", str(db))
    assert result.exit_code == 0
    assert_safe(result.stdout)
    line = json.loads(result.stdout)
    assert line["name"] == NAME and line["indicators"][5]["name"] == INDICATOR  # the data kept, escaped


def test_review_prints_the_names_without_their_controls(hostile: Path, db: Path) -> None:
    result = run(str(hostile), "--db", str(db))
    assert result.exit_code == 0
    assert_safe(result.output)
    assert clean(NAME).split("\n")[0][:40] in result.output  # the header: the visible characters, in order
    assert "项目[/]" in result.output and "[link=https://evil.example/]链接[/link]" in result.output
    assert "指标[bold]粗[/bold]" in result.output


def test_the_summary_table_reads_no_markup(hostile: Path, db: Path, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", seed_form())
    result = run(str(hostile), str(good), "--db", str(db))
    assert result.exit_code == 0
    assert_safe(result.output)
    assert "项目[/]" in result.output and "链接[/link]" in result.output


@pytest.mark.parametrize("command", [["status"], ["summary"], ["report"], ["report", "--format", "json"]])
def test_stored_names_print_safely(hostile: Path, db: Path, command: list[str]) -> None:
    assert run(str(hostile), "--db", str(db)).exit_code == 0
    result = run(*command, "--db", str(db))
    assert result.exit_code == 0
    assert_safe(result.output)
    if command == ["report", "--format", "json"]:
        assert json.loads(result.stdout)[0]["name"] == NAME  # kept whole under its escapes
    elif command != ["report"]:  # the Markdown report escapes markup of its own (signoff/report.py)
        assert "项目[/]" in result.output


def test_the_session_screen_and_a_reviewer_named_in_markup(hostile: Path, db: Path) -> None:
    assert run(str(hostile), "--db", str(db)).exit_code == 0
    result = run("session", "--code", "ROUNDING", "--reviewer", "张[/]三[link=x]", "--db", str(db), input="s\nq\n")
    assert result.exit_code == 0
    assert_safe(result.output)
    assert "要点 1/" in result.output and "项目[/]" in result.output and "审核人：张[/]三[link=x]" in result.output
    assert "指标[bold]粗[/bold]" in result.output


def test_an_error_naming_a_hostile_file(tmp_path: Path, db: Path) -> None:
    bad = tmp_path / f"坏{CLIPBOARD}表{ESC}[2J.json"
    bad.write_text("{ not json", encoding="utf-8")
    good = write_json(tmp_path / "good.json", seed_form())
    result = run(str(bad), str(good), "--db", str(db))
    assert result.exit_code == 2
    assert_safe(result.output)
    assert "错误：" in result.stderr and "坏]52;c;ZXZpbA==表[2J.json" in result.stderr


def test_on_a_real_terminal_no_sequence_of_the_form_gets_through(hostile: Path, db: Path) -> None:
    assert run(str(hostile), "--db", str(db)).exit_code == 0
    command, *prefix = review_script().split()
    env = {**child_env(), "REVIEW_DB": str(db), "TERM": "xterm"}
    child = pexpect.spawn(command, [*prefix, "session", "--code", "ROUNDING"], env=env, encoding="utf-8",
                          dimensions=(60, 200), timeout=20)
    child.expect(r"要点 1/")
    child.send("q")
    child.expect(pexpect.EOF)
    screen = child.before
    # rich's own styling and its screen clearing are there; the form's sequences are not.
    for sequence in (f"{ESC}]52", f"{ESC}]8;;", f"{ESC}]0;", "\x9b", "\u202e", "\u2066", f"恶意{ESC}", "\x07", "\r审核"):
        assert sequence not in screen, repr(sequence)
    assert "项目[/]" in screen and "恶意[2J" in screen  # what is visible of the name still prints


def test_json_text_escapes_what_it_cannot_drop() -> None:
    text = json_text({"name": NAME})
    assert_safe(text)
    assert json.loads(text) == {"name": NAME}


@pytest.mark.parametrize("character", [chr(c) for c in range(0x110000) if UNSAFE.match(chr(c))],
                         ids=lambda character: f"U+{ord(character):04X}")
def test_each_escaped_character_is_escaped_alone_in_a_line(character: str) -> None:
    # json_safe passes a printable line through untouched: each character it escapes must make a line unprintable.
    line = json_safe(f'{{"name": "项目{character}名称"}}')
    assert_safe(line)
    assert json.loads(line) == {"name": f"项目{character}名称"}


@pytest.mark.parametrize("args", [
    ("serve", NAME),  # click: "Got unexpected extra argument (…)"
    ("db", "check", NAME, NAME),
    ("report", "--format", "docx", "--draft", "-o", "{file}"),  # our usage error naming a path
    ("status", f"--no-such-option{CLIPBOARD}"),
], ids=["extra-argument", "extra-arguments-in-a-subgroup", "usage-error-naming-a-path", "unknown-option"])
def test_usage_errors_quoting_the_command_line_print_no_sequence(hostile: Path, db: Path, tmp_path: Path,
                                                                 args: tuple[str, ...]) -> None:
    run(str(hostile), "--db", str(db))
    named = tmp_path / f"x{CLIPBOARD}{CLEAR}y"
    named.write_text("")
    result = run(*(str(named) if a == "{file}" else a for a in args), env={"REVIEW_DB": str(db)})
    assert result.exit_code == 2 and "Error:" in result.output and "52;c;ZXZpbA" in result.output  # what was typed is still named
    assert_safe(result.output)
