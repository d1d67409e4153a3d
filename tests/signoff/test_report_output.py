"""Reports as files: written whole or not at all, whatever the form holds.

The Markdown is parsed back with markdown-it-py (CommonMark, with GFM tables and strikethrough): text
from a form stays text. The workbook and the Word documents are read back with openpyxl and python-docx
after a form with control characters in its name. A write that fails (a read-only folder, a file-size
limit standing in for a full disk) leaves the earlier report as it was and no partial file."""

from __future__ import annotations

import io
import json
import os
import resource
import shlex
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from docx import Document
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from conftest import review_script, run_review, seed_variant, write_form
from formkit import seed_form

FORGED = "\n\n# 审核结论：全部合规\n\n审核人：局长"
HOSTILE = {
    "name": f"2021年示范项目{FORGED}",
    "unit": "<script>alert(1)</script>科技中心",
    "department": "[点这里](javascript:alert(1))委员会",
}
INDICATOR = "![](http://remote.example/x.png)支持项目`code`*强调*|表格|~~删除~~&amp;"
EXPLANATION = "<img src=x onerror=alert(1)>\n1. 列表\n- 条目\n> 引用\n```\n围栏\n```\n    缩进\n---\n审核人：局长"


def hostile_form() -> dict:
    data = seed_form()
    data.update(HOSTILE)
    data["indicators"][0]["name"] = INDICATOR
    data["indicators"][0]["explanation"] = EXPLANATION
    return data


def inline_children(tokens) -> list:
    return [child for token in tokens if token.type == "inline" for child in token.children or []]


def test_markdown_report_keeps_form_text_as_text(db: Path, tmp_path: Path) -> None:
    write_form(tmp_path / "hostile.json", hostile_form())
    run_review(str(tmp_path / "hostile.json"))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "意见.md"
    assert run_review("report", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)

    # The structure is the report's own: its title, one heading per form, its paragraphs and numbered list.
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1", "h2"]
    assert {t.type for t in tokens} <= {"heading_open", "heading_close", "paragraph_open", "paragraph_close",
                                         "inline", "ordered_list_open", "ordered_list_close", "list_item_open",
                                         "list_item_close"}
    # Inside it, the form's text yields only text: no link, image, HTML, code, emphasis or strikethrough.
    assert {child.type for child in inline_children(tokens)} == {"text"}
    heading = next(tokens[i + 1] for i, t in enumerate(tokens) if t.tag == "h2" and t.type == "heading_open")
    assert "".join(c.content for c in heading.children) == "2021年示范项目 # 审核结论：全部合规 审核人：局长（2021年度）"
    shown = "".join(c.content for c in inline_children(tokens))
    for piece in ("# 审核结论：全部合规", "<script>alert(1)</script>", "[点这里](javascript:alert(1))",
                  "![](http://remote.example/x.png)", "`code`*强调*|表格|~~删除~~&amp;", "<img src=x onerror=alert(1)>"):
        assert piece in shown  # shown literally, as the unit wrote it
    # The forged sign-off is not a paragraph of its own: the only 审核人 line is the report's.
    signed = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "paragraph_open"
              and tokens[i + 1].content.startswith("审核人：")]
    assert len(signed) == 1 and signed[0].startswith("审核人：张三")


def test_terminal_markdown_is_escaped_too(db: Path, tmp_path: Path) -> None:
    write_form(tmp_path / "hostile.json", hostile_form())
    run_review(str(tmp_path / "hostile.json"))
    md = run_review("report").output
    assert "\n# 审核结论" not in md and "\\# 审核结论" in md and "\\<script\\>" in md


def test_xlsx_and_docx_drop_characters_xml_cannot_hold(db: Path, tmp_path: Path) -> None:
    data = seed_form()
    data["name"] = "控制\x01字符\x0b项目\x1f名称"
    data["unit"] = "科技\x07中心"
    data["indicators"][0]["name"] = "支持\x08项目"
    write_form(tmp_path / "control.json", data)
    run_review(str(tmp_path / "control.json"))
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    book = tmp_path / "复核.xlsx"
    result = run_review("report", "--format", "xlsx", "-o", str(book))
    assert result.exit_code == 0, result.output
    sheets = load_workbook(book)
    assert sheets.sheetnames[3] == "控制字符项目名称"
    assert sheets["汇总"]["C2"].value == "控制字符项目名称" and sheets["汇总"]["B2"].value == "科技中心"
    folder = tmp_path / "word"
    result = run_review("report", "--format", "docx", "--draft", "-o", str(folder))
    assert result.exit_code == 0, result.output
    (written,) = folder.iterdir()
    document = Document(str(written))
    assert document.paragraphs[0].text == "关于控制字符项目名称（2021年度）绩效自评的复核意见"
    assert any("支持项目" in cell.text for table in document.tables for row in table.rows for cell in row.cells)


# --- written whole or not at all --------------------------------------------------------------------

def reviewed_batch(tmp_path: Path, count: int = 3) -> None:
    folder = tmp_path / "forms"
    folder.mkdir()
    for index in range(1, count + 1):
        write_form(folder / f"{index}.json", seed_variant(index))
    run_review(str(folder))


def review_process(args: list[str], db: Path, limit: int | None = None) -> subprocess.CompletedProcess:
    """The real `review` in a process of its own; `limit` caps the size of any file it writes (RLIMIT_FSIZE),
    so a write fails part-way as on a full disk."""

    def capped() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, REVIEW_DB=str(db), LANG="C.UTF-8", LC_ALL="C.UTF-8")
    return subprocess.run([*shlex.split(review_script()), *args], capture_output=True, text=True, env=env,
                          preexec_fn=capped if limit else None, timeout=300)


LIMIT = 48 * 1024  # above SQLite's 32 KB shared-memory file, below each report of 24 forms


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="needs RLIMIT_FSIZE (Unix)")
@pytest.mark.parametrize("fmt", ["json", "md", "xlsx"])
def test_a_write_that_fails_leaves_the_old_report(db: Path, tmp_path: Path, fmt: str) -> None:
    reviewed_batch(tmp_path, 24)
    run_review("accept", "--all", "--yes", "--reviewer", "张三")
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"报告.{fmt}"
    ok = review_process(["report", "--format", fmt, "-o", str(target), "--reviewer", "王五"], db)
    assert ok.returncode == 0, ok.stderr
    before, inode = listing(out), target.stat().st_ino
    assert len(before[target.name]) > LIMIT
    with sqlite3.connect(db) as conn:  # nothing left for the report's connection to write back on closing
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    failed = review_process(["report", "--format", fmt, "-o", str(target)], db, limit=LIMIT)
    assert failed.returncode == 2
    assert f"错误：无法写入 {target}" in failed.stderr and "（原有文件未改动）" in failed.stderr
    assert "Traceback" not in failed.stderr, failed.stderr
    assert listing(out) == before and target.stat().st_ino == inode  # the old report as it was, nothing beside it
    if fmt == "json":
        json.loads(before[target.name])


def _lock(folder: Path) -> None:
    """A folder nothing can be created in: read-only for a user; for root (who ignores permissions) immutable."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("running as root without chattr +i: no folder is read-only to root")


def _unlock(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_a_report_into_a_read_only_folder_is_refused_and_changes_nothing(db: Path, tmp_path: Path) -> None:
    reviewed_batch(tmp_path, 2)
    out = tmp_path / "只读"
    out.mkdir()
    (out / "意见.md").write_text("旧的复核意见\n", encoding="utf-8")
    (out / "底稿.xlsx").write_bytes(b"old workbook")
    before = listing(out)
    _lock(out)
    try:
        for fmt, name in (("md", "意见.md"), ("xlsx", "底稿.xlsx"), ("json", "新.json")):
            result = run_review("report", "--format", fmt, "-o", str(out / name))
            assert result.exit_code == 2
            untouched = "原有文件未改动" if name != "新.json" else "未写入任何文件"
            assert f"错误：无法写入 {out / name}：" in result.output and f"（{untouched}）" in result.output
        result = run_review("report", "--format", "docx", "--draft", "-o", str(out))
        assert result.exit_code == 2 and "错误：无法写入" in result.output
        assert listing(out) == before
    finally:
        _unlock(out)


def test_an_interrupted_report_leaves_no_partial_file(tmp_path: Path) -> None:
    from reviewer.signoff.output import replacing

    target = tmp_path / "意见.md"
    target.write_text("旧\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with replacing(target) as temp:
            temp.write_text("写了一半", encoding="utf-8")
            raise KeyboardInterrupt
    assert listing(tmp_path) == {"意见.md": "旧\n".encode()}
    with replacing(target) as temp:
        temp.write_text("新\n", encoding="utf-8")
    assert listing(tmp_path) == {"意见.md": "新\n".encode()}
    assert target.stat().st_mode & 0o777 == 0o644 or sys.platform == "win32"


def test_streamed_reports_are_the_documents_built_whole(db: Path, tmp_path: Path) -> None:
    """json_parts and markdown_parts write one form at a time; joined, they are exactly what building the
    whole list gives (the same bytes as before streaming), empty batch included."""
    from reviewer.signoff.report import form_markdown, json_parts, markdown_parts, to_json, to_markdown
    from reviewer.signoff.service import Signoff
    from reviewer.store import Store

    reviewed_batch(tmp_path, 3)
    run_review("accept", "--code", "ROUNDING", "--yes", "--reviewer", "张三")
    with Store(db) as store:
        signoff = Signoff(store)
        reviews = signoff.reviews()
        assert len(reviews) == 3
        whole = json.dumps(to_json(store, reviews, "张三"), ensure_ascii=False, indent=2) + "\n"
        assert "".join(json_parts(store, signoff.each_review(), "张三")) == whole
        assert "".join(json_parts(store, [], None)) == json.dumps([], indent=2) + "\n"
        whole_md = "# 复核意见\n\n" + "\n".join(form_markdown(r, None) for r in reviews)
        assert "".join(markdown_parts(signoff.each_review(), None)) == whole_md
        assert to_markdown([], None) == "# 复核意见\n\n（没有符合条件的表单。）\n"
    assert run_review("report", "--format", "json").output == whole  # decided by 张三: signed by 张三


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links")
def test_a_report_through_a_symbolic_link_replaces_the_file_it_points_to(tmp_path: Path) -> None:
    from reviewer.signoff.output import replacing

    (tmp_path / "共享").mkdir()
    real = tmp_path / "共享" / "意见.md"
    real.write_text("旧\n", encoding="utf-8")
    link = tmp_path / "意见.md"
    link.symlink_to(real)
    with replacing(link) as temp:
        temp.write_text("新\n", encoding="utf-8")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "新\n"
    assert sorted(p.name for p in (tmp_path / "共享").iterdir()) == ["意见.md"]


WORKBOOK_WRITTEN = """
import gc, sys, zipfile
from pathlib import Path
from reviewer.signoff.service import Signoff
from reviewer.signoff.xlsx import _write_book
from reviewer.store import Store

db, target, interrupt = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "interrupt"
if interrupt:  # Ctrl-C while openpyxl packs the workbook: its zip is left open
    writestr, calls = zipfile.ZipFile.writestr, []
    def interrupted(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return writestr(self, *args, **kwargs)
    zipfile.ZipFile.writestr = interrupted
with Store(db) as store:
    signoff = Signoff(store)
    try:
        if target == Path("/dev/full"):  # the workbook written there itself: write_xlsx would rename over it
            _write_book(signoff.each_review(()), [], target, signoff.settings, signoff.rulebook)
        else:
            signoff.write_xlsx((), target)
        print("written")
    except OSError as error:
        print("OSError", error.errno)
    except KeyboardInterrupt:
        print("interrupted")
gc.collect()  # a zip openpyxl left open is collected here: it must not fail again
"""


@pytest.mark.parametrize("case, target, said", [
    ("whole", "复核.xlsx", ["written"]),
    ("full disk", "/dev/full", ["OSError", "28"]),  # the sheets fit (temporary files), the workbook does not
    ("interrupt", "复核.xlsx", ["interrupted"]),
])
def test_a_workbook_is_written_or_fails_once_and_quietly(db: Path, tmp_path: Path, case: str, target: str,
                                                         said: list[str]) -> None:
    # The workbook's zip goes straight to its file. A write that fails there is one error, and an interrupted
    # save just stops: never a second traceback from the zip openpyxl leaves open (collected after the file
    # is closed), in Python's development mode (-X dev) too, which shows what it otherwise keeps quiet.
    if target == "/dev/full" and not Path(target).exists():
        pytest.skip("needs /dev/full (Linux), where every write fails")
    reviewed_batch(tmp_path, 3)
    path = Path(target) if target.startswith("/") else tmp_path / "out" / target
    path.parent.mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-X", "dev", "-c", WORKBOOK_WRITTEN, str(db), str(path), case],
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == said, (done.stdout, done.stderr)
    assert done.stderr == ""
    if case == "whole":
        assert load_workbook(path).sheetnames[:3] == ["汇总", "按单位", "问题清单"]
    elif case == "interrupt":
        assert [p.name for p in path.parent.iterdir()] == []  # nothing half-written left behind


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")
@pytest.mark.parametrize("fmt", ["json", "xlsx", "md"])
def test_a_report_into_a_pipe_goes_through_it(db: Path, tmp_path: Path, fmt: str) -> None:
    # -o a device or a pipe (/dev/null, /dev/stdout, a FIFO) writes into it: replacing it by a file renamed
    # over it, as a report file is, would remove the device (as root, -o /dev/null did).
    reviewed_batch(tmp_path, 2)
    out = tmp_path / "out"
    out.mkdir()
    pipe = out / f"报告.{fmt}"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    done = review_process(["report", "--format", fmt, "-o", str(pipe)], db)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode) and [p.name for p in out.iterdir()] == [pipe.name]
    if fmt == "json":
        assert len(json.loads(received[0])) == 2
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(received[0])).sheetnames[:3] == ["汇总", "按单位", "问题清单"]
    else:
        assert "复核" in received[0].decode("utf-8")
