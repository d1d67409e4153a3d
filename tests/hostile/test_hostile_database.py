"""A review.db that is damaged, written by a newer tool, read-only, or on a full disk: each command says
so in Chinese (`错误：数据库 X …`), exits 2, writes nothing and shows no traceback; what can be read
(status, report, session --read-only) is still read from a read-only file or folder; a batch that fills
the disk stops, naming the forms it stored and those it did not.

Also the session's honest failure: a decision that cannot be applied because a colleague took the
point is always shown, even when the colleague's bulk accept left nothing more to show.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from conftest import review_script
from formkit import SEED, seed_form
from hostile_files import _drop_file_capabilities, assert_refused, child_env, review, review_unprivileged
from reviewer.store.health import schema_version
from reviewer.store.schema import migrations

TOOL_VERSION = schema_version(migrations)


def forms_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        data = copy.deepcopy(seed_form())
        data["name"] = f"{data['name']}（第{index}号）"
        (folder / f"{index:02d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return folder


def digest(db: Path) -> dict[str, str]:
    """The database and its -wal file as bytes: what 'nothing written' compares (the -shm index and an
    empty -wal a reader may leave hold nothing of the data)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(db.parent.glob(db.name + "*")) if not p.name.endswith("-shm") and p.stat().st_size}


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """A database holding 20 forms and one bulk accept (so undo has something to undo)."""
    db = tmp_path / "review.db"
    assert review(str(forms_folder(tmp_path / "forms", 20)), "--db", str(db)).exit_code == 0
    assert review("accept", "--code", "ROUNDING", "-y", "--db", str(db)).exit_code == 0
    return db


def damage(db: Path) -> None:
    """Random bytes written over 8 KB in the middle of the file (two pages), as a bad sector or a
    half-copied file would leave them."""
    size = db.stat().st_size
    noise = random.Random(14).randbytes(8192)
    with open(db, "r+b") as handle:
        handle.seek(size // 2)
        handle.write(noise)


# --- damage ------------------------------------------------------------------------------------

COMMANDS = {
    "review": lambda tmp: [str(SEED)],
    "accept": lambda tmp: ["accept", "--all", "-y"],
    "undo": lambda tmp: ["undo"],
    "session": lambda tmp: ["session"],
    "status": lambda tmp: ["status"],
    "report": lambda tmp: ["report"],
    "summary": lambda tmp: ["summary"],
    "eval-from-db": lambda tmp: ["eval", "--from-db"],  # it read on, or blamed missing records
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_damaged_database_is_refused_and_left_as_it_is(stored: Path, tmp_path: Path, command: str) -> None:
    damage(stored)
    before = digest(stored)
    result = review(*COMMANDS[command](tmp_path), "--db", str(stored))
    assert_refused(result, f"数据库 {stored}", "已损坏")
    assert "review db check" in result.stderr and "备份" in result.stderr
    assert digest(stored) == before  # nothing written into it
    if command == "review":
        assert result.stdout == ""  # refused before the form is reviewed, not after (a model paid for it)


def test_the_workbench_refuses_a_damaged_database(stored: Path) -> None:
    damage(stored)
    before = digest(stored)
    result = review("serve", "--no-browser", "--port", "0", "--db", str(stored))  # 0: free, whatever else runs
    assert_refused(result, f"数据库 {stored}", "已损坏")
    assert digest(stored) == before


def test_db_check_says_whether_the_database_is_sound(stored: Path) -> None:
    sound = review("db", "check", "--db", str(stored))
    assert sound.exit_code == 0 and "完好" in sound.output and f"数据库结构版本 {TOOL_VERSION}" in sound.output
    damage(stored)
    before = digest(stored)
    damaged = review("db", "check", "--db", str(stored))
    assert_refused(damaged, "已损坏")
    assert "从备份恢复" in damaged.stderr and ".recover" in damaged.stderr
    assert digest(stored) == before
    missing = review("db", "check", "--db", str(stored.with_name("none.db")))
    assert_refused(missing, "不存在")


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    db.write_bytes(b"PK\x03\x04 this is a zip, not SQLite" * 200)
    before = db.read_bytes()
    for args in ([str(SEED)], ["status"], ["accept", "--all", "-y"], ["db", "check"]):
        assert_refused(review(*args, "--db", str(db)), f"数据库 {db}")
    assert db.read_bytes() == before


# --- versions ----------------------------------------------------------------------------------

def test_the_schema_version_is_recorded(stored: Path) -> None:
    with sqlite3.connect(stored) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == TOOL_VERSION
        conn.execute("PRAGMA user_version = 0")  # a database from before versions were recorded
    assert review("status", "--db", str(stored)).exit_code == 0
    with sqlite3.connect(stored) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == TOOL_VERSION


@pytest.mark.parametrize("newer", ["migration", "user_version"])
@pytest.mark.parametrize("command", ["review", "accept", "status", "report", "session"])
def test_a_database_from_a_newer_tool_is_refused(stored: Path, tmp_path: Path, newer: str, command: str) -> None:
    with sqlite3.connect(stored) as conn:
        if newer == "migration":
            conn.execute("""INSERT INTO _sqlite_migrations (migration_set, name, applied_at)
                            VALUES ('reviewer', 'split_points_by_reviewer', '2027-03-01 00:00:00')""")
        else:
            conn.execute(f"PRAGMA user_version = {TOOL_VERSION + 3}")
    before = digest(stored)
    theirs = TOOL_VERSION + (1 if newer == "migration" else 3)
    result = review(*COMMANDS[command](tmp_path), "--db", str(stored))
    assert_refused(result, "更新版本", f"数据库结构版本 {theirs}", f"本工具只支持到版本 {TOOL_VERSION}")
    assert digest(stored) == before
    assert command != "review" or result.stdout == ""
    if newer == "migration":
        assert "split_points_by_reviewer" in result.stderr
    checked = review("db", "check", "--db", str(stored))
    assert_refused(checked, "更新版本", str(TOOL_VERSION))


# --- read-only ---------------------------------------------------------------------------------

@pytest.fixture(params=["file", "folder"])
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The database as a reviewer may only read it: a read-only file, or a folder (a share) it cannot
    write, so not even a -shm file can be made beside it."""
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "review.db"
    assert review(str(SEED), "--db", str(db)).exit_code == 0
    assert not Path(f"{db}-wal").exists()
    db.chmod(0o444)
    if request.param == "folder":
        folder.chmod(0o555)
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


def test_a_read_only_database_is_read(read_only: Path, tmp_path: Path) -> None:
    before = digest(read_only)
    status = review_unprivileged("status", "--db", str(read_only), cwd=tmp_path, env={"COLUMNS": "160"})
    assert status.returncode == 0, status.stderr.decode()
    assert "2021年中关村" in status.stdout.decode()
    report = review_unprivileged("report", "--db", str(read_only), cwd=tmp_path)
    assert report.returncode == 0, report.stderr.decode()
    assert "尚待审核" in report.stdout.decode()
    summary = review_unprivileged("summary", "--db", str(read_only), cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr.decode()
    session = subprocess.run([sys.executable, "-m", "reviewer", "session", "--read-only", "--db", str(read_only)],
                             input=b"a\ns\nq\n", capture_output=True, cwd=tmp_path, timeout=120,
                             preexec_fn=_drop_file_capabilities)
    out = session.stdout.decode()
    assert session.returncode == 0, session.stderr.decode()
    assert "要点 1/" in out and "只读模式" in out and "未作任何修改" in out
    assert digest(read_only) == before


def test_a_read_only_folder_with_a_wal_file_is_not_read_as_immutable(tmp_path: Path) -> None:
    """A -wal file beside the database may hold commits the file lacks, or mean someone has it open:
    reading the file as immutable could show a half-written state, so it is refused with a reason."""
    folder = tmp_path / "share"
    folder.mkdir()
    db = folder / "review.db"
    assert review(str(SEED), "--db", str(db)).exit_code == 0
    Path(f"{db}-wal").write_bytes(b"")
    folder.chmod(0o555)
    try:
        result = review_unprivileged("status", "--db", str(db), cwd=tmp_path)
    finally:
        folder.chmod(0o755)
    err = result.stderr.decode()
    assert result.returncode == 2 and err.startswith(f"错误：数据库 {db}：所在文件夹只读，且旁边有 -wal 文件"), err
    assert "Traceback" not in err


@pytest.mark.parametrize("args", [[str(SEED)], ["accept", "--all", "-y"], ["session"], ["undo"],
                                  ["score", "zgc", "6", "--score", "1", "--reason", "x"]])
def test_a_write_into_a_read_only_database_is_refused(read_only: Path, tmp_path: Path, args: list[str]) -> None:
    before = digest(read_only)
    result = review_unprivileged(*args, "--db", str(read_only), cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.startswith(f"错误：数据库 {read_only} 为只读") and "--read-only" in err
    assert "Traceback" not in err and result.stdout.decode() == ""  # refused before any form is reviewed
    assert digest(read_only) == before


# --- disk full ---------------------------------------------------------------------------------

def in_small_disk(script: str, tmp_path: Path, size: str = "1m") -> subprocess.CompletedProcess:
    """`script` (sh) run with $DISK a small tmpfs (1 MB unless `size` says) of its own (a user and mount namespace: no root needed)."""
    if shutil.which("unshare") is None or sys.platform != "linux":
        pytest.skip("needs unshare(1) to mount a small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {disk}"],
                           capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs in a namespace: {probe.stderr.decode()}")
    body = f"mount -t tmpfs -o size={size} tmpfs {disk} && DISK={disk}; export DISK; {script}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", body], capture_output=True, cwd=tmp_path, timeout=300,
                          env={**child_env(), "HOME": str(tmp_path)})


FULL_DISK_FORMS = 90


def test_a_full_disk_stops_the_batch_naming_what_was_stored(tmp_path: Path) -> None:
    # Forms are written in transactions of about 30 ms: the disk must hold a few of them before it fills,
    # or the first COMMIT fails and (truthfully) nothing is stored.
    forms = forms_folder(tmp_path / "forms", FULL_DISK_FORMS)
    kept = tmp_path / "kept"
    kept.mkdir()
    run = in_small_disk(f'{sys.executable} -m reviewer {forms} --db "$DISK/review.db" > out.txt 2> err.txt; '
                        f'echo $? > rc.txt; cp "$DISK"/review.db* {kept}/', tmp_path, size="4m")
    assert run.returncode == 0, run.stderr.decode()
    err = (tmp_path / "err.txt").read_text(encoding="utf-8")
    assert (tmp_path / "rc.txt").read_text().strip() == "2", err
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith("错误：数据库 ") and "磁盘已满" in first and "审核已停止" in first
    said_stored = [line for line in err.splitlines() if line.startswith("已保存 ")]
    said_missing = [line for line in err.splitlines() if line.startswith("未保存 ")]
    assert said_stored and said_missing
    with sqlite3.connect(kept / "review.db") as conn:
        files = sorted(Path(f).name for (f,) in conn.execute("SELECT file FROM forms"))
        (checked,) = conn.execute("PRAGMA integrity_check").fetchone()
    assert checked == "ok" and 0 < len(files) < FULL_DISK_FORMS
    assert said_stored[0].startswith(f"已保存 {len(files)} 份：")
    assert said_missing[0].startswith(f"未保存 {FULL_DISK_FORMS - len(files)} 份")
    named_stored = {Path(name).name for name in said_stored[0].split("：", 1)[1].split("、")}
    named_missing = {Path(name).name for name in said_missing[0].split("：", 1)[1].split("、")}
    assert named_stored == set(files)  # each form stored whole, and named
    assert named_missing == {f"{i:02d}.json" for i in range(FULL_DISK_FORMS)} - set(files)


# --- honest failure in the session -------------------------------------------------------------

def test_a_key_on_a_point_a_colleague_took_is_shown_when_the_queue_empties(tmp_path: Path) -> None:
    db = tmp_path / "review.db"
    assert review(str(SEED), "--db", str(db)).exit_code == 0
    command, *prefix = review_script().split()
    env = {**child_env(), "REVIEW_DB": str(db), "TERM": "xterm"}
    child = pexpect.spawn(command, [*prefix, "session", "--code", "ROUNDING", "--reviewer", "张三"], env=env,
                          encoding="utf-8", dimensions=(60, 120), timeout=20)
    child.expect(r"要点 1/1")
    bulk = review("accept", "--code", "ROUNDING", "-y", "--reviewer", "李四", "--db", str(db))
    assert bulk.exit_code == 0 and "已采纳 1 个要点" in bulk.output
    child.send("r")
    child.expect(pexpect.EOF)
    shown = child.before
    assert "已由 李四 处理" in shown and "“驳回”未保存" in shown
    assert shown.index("已由 李四 处理") < shown.index("没有待审要点了")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT action, reviewer FROM point_decisions").fetchall() == [("accept", "李四")]


def test_each_sqlite_error_we_know_reads_in_chinese() -> None:
    from reviewer.store.health import SQLITE_MESSAGES, explain

    for needle, said in SQLITE_MESSAGES:
        assert explain(sqlite3.OperationalError(needle)) == said
    assert explain(sqlite3.OperationalError("no such column: x")) == "SQLite 错误（no such column: x）"


# --- a run that stores nothing ----------------------------------------------------------------

def test_no_store_with_the_model_judge_on_a_read_only_database_judges_with_the_model(read_only: Path,
                                                                                      tmp_path: Path) -> None:
    """`review --no-store --judge llm`: the judge cache could not be opened for writing, and every model
    judgement fell back to the rules (模型评判失败). The cache is kept in memory for the run instead."""
    from fake_openai import FakeOpenAI, reply_json

    answer = {"evidence_quotes": [], "reason": "理由", "verdict": "covers", "tags": [], "comment": "无。",
              "injection_suspected": False}
    before = digest(read_only)
    with FakeOpenAI(default=reply_json(answer)) as server:
        result = review_unprivileged(str(SEED), "--judge", "llm", "--base-url", server.base_url, "--model", "m",
                                     "--no-store", "--json", "--db", str(read_only), cwd=tmp_path)
    err, out = result.stderr.decode(), result.stdout.decode()
    assert result.returncode == 0, err
    assert err.startswith("提示：评判缓存不可用（数据库") and "只在内存中缓存" in err and "Traceback" not in err
    summary = json.loads(out.splitlines()[0])["judge"]
    assert summary["errors"] == 0 and summary["calls"] == 9 and "模型评判失败" not in out
    assert digest(read_only) == before


def test_no_store_with_the_model_judge_on_a_damaged_database_says_so_and_judges(stored: Path) -> None:
    from fake_openai import FakeOpenAI, reply_json

    damage(stored)
    answer = {"evidence_quotes": [], "reason": "理由", "verdict": "partial", "tags": [], "comment": "无。",
              "injection_suspected": False}
    with FakeOpenAI(default=reply_json(answer)) as server:
        result = review(str(SEED), "--judge", "llm", "--base-url", server.base_url, "--model", "m", "--no-store",
                        "--json", "--db", str(stored))
    assert result.exit_code == 0 and "已损坏" in result.stderr and "只在内存中缓存" in result.stderr
    assert json.loads(result.stdout.splitlines()[0])["judge"]["errors"] == 0


# --- the workbench, once started ----------------------------------------------------------------

@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_a_sqlite_error_inside_a_workbench_request_is_a_message(stored: Path, accept: str) -> None:
    """The server refuses a damaged database at start; one that goes bad while it runs (a table another
    tool changed, a page damaged, the disk full) answered 500 "Internal Server Error" and a traceback."""
    from starlette.testclient import TestClient

    from reviewer.web import create_app

    app = create_app(stored, warm=False)
    with TestClient(app, base_url="http://127.0.0.1:8765", raise_server_exceptions=False) as client:
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/name").text).group(1)
        client.post("/name", data={"csrf": csrf, "name": "张三", "next": "/"})
        assert client.get("/queue", follow_redirects=False).status_code in (200, 303)
        with sqlite3.connect(stored) as conn:
            conn.execute("ALTER TABLE forms RENAME TO forms_old")
        response = client.get("/queue", headers={"accept": accept}, follow_redirects=False)
    assert response.status_code == 503
    text = response.json()["message"] if accept == "application/json" else response.text
    assert f"数据库 {stored}" in text and "forms" in text and "Traceback" not in text


@pytest.mark.parametrize("fmt", ["md", "json", "xlsx", "docx"])
def test_a_report_on_a_full_disk_leaves_the_old_file_and_no_half_written_one(stored: Path, tmp_path: Path,
                                                                             fmt: str) -> None:
    """`report -o` wrote straight into the target: a full disk left a truncated report under the name
    asked for (and an OSError traceback). Now a temporary file beside it is renamed over it when whole."""
    target = "$DISK/out" if fmt == "docx" else f"$DISK/report.{fmt}"
    old = "" if fmt == "docx" else f'printf old > "{target}"; '
    script = (f'{old}head -c 1040000 /dev/zero > "$DISK/fill" 2>/dev/null; '
              f'{sys.executable} -m reviewer report --format {fmt} --draft -o "{target}" --db {stored} '
              f'> out.txt 2> err.txt; echo $? > rc.txt; (cd "$DISK" && find .) > listing.txt 2>&1; '
              f'cat "{target}" > kept.txt 2>/dev/null; true')
    run = in_small_disk(script, tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    err = (tmp_path / "err.txt").read_text(encoding="utf-8")
    assert (tmp_path / "rc.txt").read_text().strip() == "2", err
    assert err.startswith("错误：无法写入 ") and "磁盘已满" in err and "Traceback" not in err
    assert ".tmp" not in (tmp_path / "listing.txt").read_text()  # no temporary file left behind
    if fmt != "docx":
        assert (tmp_path / "kept.txt").read_text() == "old"  # the old report, whole
