"""Folders and file names as a reviewer's disk holds them (`review FOLDER`, `review import FOLDER`):
every entry that cannot be read is named on stderr in Chinese and makes the exit status 2; the
rest is still reviewed; a pipe or device is never opened (it would wait forever); a name that is
not UTF-8 is reviewed, stored and printed with replacement characters."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from formkit import SEED_TEXT, seed_form
from hostile_files import assert_refused, form_with, review, review_unprivileged, seed_file, write_json

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX links, pipes and byte file names")


def error_lines(stderr: str | bytes) -> list[str]:
    text = stderr.decode("utf-8") if isinstance(stderr, bytes) else stderr
    return [line for line in text.splitlines() if line.startswith("错误：")]


def reviewed_names(stdout: str) -> str:
    return stdout  # the summary table names every reviewed file


def undecodable(folder: Path, stem: bytes, suffix: str) -> Path:
    """A file whose name holds bytes that are not UTF-8 (as a GBK name copied from a Windows share
    onto a UTF-8 disk): Python gives it surrogate escapes."""
    name = os.fsdecode(stem) + suffix
    path = folder / name
    try:
        path.write_bytes(b"")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    return path


# --- names ---------------------------------------------------------------------------------

@posix_only
def test_an_undecodable_name_is_reviewed_stored_and_printed_with_replacement_characters(tmp_path):
    folder = tmp_path / "收件"
    folder.mkdir()
    path = undecodable(folder, "表".encode("utf-8") + b"\xb1\xed", ".json")  # 表 + the GBK bytes of 表
    write_json(path, form_with(lambda data: data.update(name=data["name"] + "（乙）")))
    seed_file(folder, "good.json")
    db = tmp_path / "r.db"
    result = review(str(folder), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert "表\ufffd\ufffd.json" in result.stdout
    with sqlite3.connect(db) as conn:
        files = sorted(row[0] for row in conn.execute("SELECT file FROM forms"))
    assert len(files) == 2 and any(name.endswith("表\ufffd\ufffd.json") for name in files)


@posix_only
def test_an_undecodable_name_given_directly_in_json_mode(tmp_path):
    path = undecodable(tmp_path, b"form\xff", ".json")
    write_json(path, seed_form())
    result = review(str(path), "--json", "--db", str(tmp_path / "r.db"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["file"].endswith("form\ufffd.json")


@posix_only
def test_an_undecodable_name_that_is_no_form_is_named_with_replacement_characters(tmp_path):
    path = undecodable(tmp_path, b"bad\xfe", ".json")
    path.write_text("{", encoding="utf-8")
    result = review(str(path), str(seed_file(tmp_path)), "--json", "--no-store")
    assert result.exit_code == 2
    first = json.loads(result.stdout.splitlines()[0])
    assert first["file"].endswith("bad\ufffd.json") and "不是有效的 JSON" in first["error"]


@posix_only
def test_import_writes_beside_an_undecodable_name_and_prints_it_readably(tmp_path):
    path = undecodable(tmp_path, b"zgc\xff", ".txt")
    path.write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    result = review("import", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "zgc\ufffd.txt" in result.stdout and "zgc\ufffd.json" in result.stdout
    written = path.with_suffix(".json")  # the same bytes as the document's name
    assert json.loads(written.read_text(encoding="utf-8"))["x-import"]["source"].endswith("zgc\ufffd.txt")


# --- links, pipes, devices ------------------------------------------------------------------

@posix_only
def test_a_symlink_loop_is_named_and_the_forms_are_reviewed_once(tmp_path):
    folder = tmp_path / "收件"
    seed_file(folder / "a", "one.json")
    (folder / "a" / "back").symlink_to("..")  # a/back/a/back/... for ever
    (folder / "self.json").symlink_to("self.json")
    result = review(str(folder), "--no-store")
    assert result.exit_code == 2
    errors = error_lines(result.stderr)
    assert any(f"{folder / 'a' / 'back'}: " in line and "循环" in line for line in errors), result.stderr
    assert any(f"{folder / 'self.json'}: " in line and "循环" in line for line in errors), result.stderr
    assert result.stdout.count("one.json") == 1


@posix_only
def test_a_dangling_link_in_a_folder_is_named(tmp_path):
    folder = tmp_path / "收件"
    seed_file(folder)
    (folder / "moved.json").symlink_to(tmp_path / "elsewhere.json")
    result = review(str(folder), "--no-store")
    assert_refused(result, f"{folder / 'moved.json'}: ", "符号链接指向的文件不存在")
    assert "good.json" in result.stdout


@posix_only
def test_a_link_to_another_folder_is_followed(tmp_path):
    seed_file(tmp_path / "elsewhere", "linked.json")
    folder = tmp_path / "收件"
    seed_file(folder)
    (folder / "more").symlink_to(tmp_path / "elsewhere")
    result = review(str(folder), "--no-store")
    assert result.exit_code == 0, result.output
    assert "linked.json" in result.stdout and "good.json" in result.stdout


@posix_only
def test_a_pipe_named_like_a_form_in_a_folder_is_named_and_not_read(tmp_path):
    folder = tmp_path / "收件"
    seed_file(folder)
    os.mkfifo(folder / "pipe.json")
    result = review(str(folder), "--no-store")
    assert_refused(result, f"{folder / 'pipe.json'}: ", "不是普通文件（管道）")
    assert "good.json" in result.stdout


@posix_only
@pytest.mark.parametrize("kind", ["pipe", "device"])
def test_a_pipe_or_device_given_directly_is_refused_without_waiting(tmp_path, kind):
    target = tmp_path / "pipe.json"
    if kind == "pipe":
        os.mkfifo(target)
    else:
        target = Path("/dev/zero")
    good = seed_file(tmp_path)
    # A child process: before the fix, reading the pipe waited for a writer that never came.
    proc = subprocess.run([sys.executable, "-m", "reviewer", str(target), str(good), "--no-store"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          # Wide enough that the summary table never wraps a long tmp path inside "good.json".
                          env={**os.environ, "LANG": "C.UTF-8", "COLUMNS": "400"})
    assert proc.returncode == 2, proc.stderr
    assert f"错误：{target}: 不是普通文件（{'管道' if kind == 'pipe' else '设备'}），未读取" in proc.stderr
    assert "Traceback" not in proc.stderr and "good.json" in proc.stdout


@posix_only
def test_skipped_entries_are_error_lines_in_json_mode(tmp_path):
    folder = tmp_path / "收件"
    seed_file(folder)
    (folder / "moved.json").symlink_to(tmp_path / "elsewhere.json")
    result = review(str(folder), "--json", "--no-store")
    assert result.exit_code == 2
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"file": str(folder / "moved.json"), "error": f"{folder / 'moved.json'}: 符号链接指向的文件不存在，未读取"} in lines
    assert any(line.get("recomputed_total") == 98.43 for line in lines)
    assert error_lines(result.stderr)


@posix_only
def test_import_names_links_and_pipes_it_skips(tmp_path):
    folder = tmp_path / "收件"
    folder.mkdir()
    (folder / "zgc.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "gone.pdf").symlink_to(tmp_path / "nowhere.pdf")
    os.mkfifo(folder / "pipe.xlsx")
    (folder / "sub").mkdir()
    (folder / "sub" / "up").symlink_to("..")
    (folder / "logo.png").write_bytes(b"\x89PNG")
    result = review("import", str(folder))
    assert result.exit_code == 2
    errors = error_lines(result.stderr)
    for name, reason in (("gone.pdf", "符号链接指向的文件不存在"), ("pipe.xlsx", "不是普通文件（管道）"),
                         ("sub/up", "循环")):
        assert any(f"{folder / name}: " in line and reason in line for line in errors), (name, result.stderr)
    assert (folder / "zgc.json").is_file()
    assert "logo.png" in result.stderr and not any("logo.png" in line for line in errors)  # passed over, no error


# --- permissions (a child process without root's right to read everything) -------------------

@pytest.fixture
def locked_tree(tmp_path: Path):
    """收件/ with a good form, a mode-000 subfolder holding a form, and a folder one may list but
    not enter; the permissions are put back afterwards so pytest can clean up."""
    folder = tmp_path / "收件"
    seed_file(folder, "good.json")
    seed_file(folder / "locked", "hidden-away.json")
    seed_file(tmp_path / "noexec", "inside.json")
    (folder / "locked").chmod(0)
    (tmp_path / "noexec").chmod(0o644)
    yield tmp_path
    (folder / "locked").chmod(0o755)
    (tmp_path / "noexec").chmod(0o755)


def refused_unprivileged(tree: Path, *args: str, named: str) -> str:
    """`review ARGS` as a child the folder permissions apply to: exit 2, an `错误：` line holding
    `named`, no traceback. Returns its stdout."""
    proc = review_unprivileged(*args, cwd=tree)
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode == 2, stderr
    assert any(named in line for line in error_lines(stderr)), stderr
    assert "Traceback" not in stderr
    return proc.stdout.decode("utf-8")


LOCKED = "收件/locked: 无法读取文件夹（没有读取权限）"


def test_a_mode_000_subfolder_is_named_and_the_rest_reviewed(locked_tree):
    assert "good.json" in refused_unprivileged(locked_tree, "收件", "--no-store", named=LOCKED)


def test_a_folder_without_read_permission_given_directly_does_not_stop_the_batch(locked_tree):
    stdout = refused_unprivileged(locked_tree, "收件/locked", "收件/good.json", "--no-store", named=LOCKED)
    assert "good.json" in stdout


def test_a_file_in_a_folder_one_may_not_enter_is_named(locked_tree):
    refused_unprivileged(locked_tree, "noexec/inside.json", "收件/good.json", "--no-store",
                         named="错误：noexec/inside.json: 无法读取：没有读取权限")


def test_import_names_a_mode_000_subfolder(locked_tree):
    shutil.copy(SEED_TEXT, locked_tree / "收件" / "zgc.txt")
    refused_unprivileged(locked_tree, "import", "收件", named=LOCKED)
    assert (locked_tree / "收件" / "zgc.json").is_file()
