"""A batch on several cores (`--jobs`) and the re-review of unchanged files (skipped, their stored result shown).

The worker runs are real `review` processes with a real pool of worker processes; a batch smaller than
WORKERS_FROM runs in one process whatever --jobs says, so these batches are larger."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from conftest import review_script, run_review, seed_variant, write_form
from reviewer.config import load_config
from reviewer.judge import JudgeSettings
from reviewer.signoff import batch as batch_module
from reviewer.signoff.batch import WORKERS_FROM, review_batch


def rows(db: Path, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def tables(db: Path) -> dict[str, int]:
    names = ("forms", "critiques", "points", "point_codes", "runs", "reviewed_files", "point_decisions")
    return {name: rows(db, f"SELECT count(*) FROM {name}")[0][0] for name in names}


def batch(folder: Path, count: int, bad: tuple[int, ...] = ()) -> list[Path]:
    folder.mkdir()
    files = []
    for i in range(count):
        path = folder / f"form-{i:03d}.json"
        if i in bad:
            path.write_text('{"name": "坏表", "year": "二〇二一"', encoding="utf-8")
        else:
            write_form(path, seed_variant(i))
        files.append(path)
    return files


def review(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*review_script().split(), *args], capture_output=True, text=True, timeout=600)


def test_jobs_give_the_same_lines_in_input_order_and_a_bad_file_its_error(tmp_path: Path) -> None:
    count = WORKERS_FROM + 6
    batch(tmp_path / "forms", count, bad=(3, WORKERS_FROM + 1))
    one = review(str(tmp_path / "forms"), "--json", "--jobs", "1", "--db", str(tmp_path / "one.db"))
    two = review(str(tmp_path / "forms"), "--json", "--jobs", "2", "--db", str(tmp_path / "two.db"))
    assert one.returncode == two.returncode == 2
    assert two.stdout == one.stdout
    lines = [json.loads(line) for line in two.stdout.splitlines()]
    assert [Path(line["file"]).name for line in lines] == [f"form-{i:03d}.json" for i in range(count)]
    assert "error" in lines[3] and "error" in lines[WORKERS_FROM + 1] and "findings" in lines[4]
    assert "form-003.json" in lines[3]["error"]
    # The store holds the same in both.
    query = "SELECT id, seq, name FROM forms ORDER BY seq"
    assert rows(tmp_path / "two.db", query) == rows(tmp_path / "one.db", query)
    assert len(rows(tmp_path / "two.db", query)) == count - 2
    # In the terminal, each bad file its 错误 line, the others their row of the summary.
    table = review(str(tmp_path / "forms"), "--jobs", "2", "--db", str(tmp_path / "three.db"))
    assert table.returncode == 2
    assert table.stderr.count("错误：") == 2 and "form-003.json" in table.stderr
    assert "汇总" in table.stdout


def test_workers_started_as_on_windows_give_the_same_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no fork: its workers are spawned (each imports the package). Their lines are one process's."""
    files = batch(tmp_path / "forms", WORKERS_FROM, bad=(5,))
    config, settings = load_config(None), JudgeSettings()
    one = [item.line or str(item.form_error) for chunk in review_batch(files, config, settings, jobs=1) for item in chunk]
    monkeypatch.setattr(batch_module, "START_METHOD", "spawn")
    two = [item.line or str(item.form_error) for chunk in review_batch(files, config, settings, jobs=2) for item in chunk]
    assert two == one and "findings" in one[0] and "form-005.json" in one[5]


def test_forked_workers_warmed_on_a_refused_first_file_give_the_same_lines(tmp_path: Path) -> None:
    """The first file is reviewed before the workers fork (their warm-up): refused, it warms nothing and the batch
    still gives each file its line, in order."""
    files = batch(tmp_path / "forms", WORKERS_FROM, bad=(0,))
    config, settings = load_config(None), JudgeSettings()
    one = [item.line or str(item.form_error) for chunk in review_batch(files, config, settings, jobs=1) for item in chunk]
    two = [item.line or str(item.form_error) for chunk in review_batch(files, config, settings, jobs=2) for item in chunk]
    assert two == one and "form-000.json" in one[0] and "findings" in one[1]


def test_jobs_help_says_where_the_model_judge_runs() -> None:
    out = run_review("check", "--help").output
    assert "--jobs" in out and "model judge runs in this process" in " ".join(out.split())


def test_re_review_of_unchanged_files_computes_and_stores_nothing_new(tmp_path: Path) -> None:
    files = batch(tmp_path / "forms", WORKERS_FROM + 2)
    db = tmp_path / "review.db"
    first = review(str(tmp_path / "forms"), "--json", "--db", str(db))
    before = tables(db)
    changes = rows(db, "SELECT total_changes()")
    again = review(str(tmp_path / "forms"), "--json", "--db", str(db))
    assert again.stdout == first.stdout  # the stored results, byte for byte
    assert tables(db) == before
    assert rows(db, "SELECT DISTINCT times FROM runs") == [(2,)]  # counted as reviewed again
    assert changes  # (the database was read)
    # One file changed: it alone is reviewed, as a new version; the others stay skipped.
    write_form(files[5], seed_variant(5, year=2022))
    third = review(str(tmp_path / "forms"), "--json", "--db", str(db))
    assert third.stdout.splitlines()[:5] == first.stdout.splitlines()[:5]
    assert json.loads(third.stdout.splitlines()[5])["form_id"] != json.loads(first.stdout.splitlines()[5])["form_id"]
    assert tables(db)["forms"] == before["forms"] + 1


def test_other_settings_review_again(tmp_path: Path) -> None:
    form = write_form(tmp_path / "form.json", seed_variant(1))
    db = tmp_path / "review.db"
    run_review(str(form), "--json", "--db", str(db))
    config = tmp_path / "review.toml"
    config.write_text("[thresholds]\nreuse_count = 2\n", encoding="utf-8")
    other = run_review(str(form), "--json", "--db", str(db), "--config", str(config))
    assert rows(db, "SELECT count(*) FROM reviewed_files") == [(1,)]  # the form's result under the new settings
    again = run_review(str(form), "--db", str(db), "--config", str(config))
    assert "未改动" in again.stderr
    assert other.exit_code == 0


def test_a_file_put_back_to_an_earlier_version_is_reviewed_and_made_current(tmp_path: Path) -> None:
    form = tmp_path / "form.json"
    db = tmp_path / "review.db"
    write_form(form, seed_variant(1))
    first = run_review(str(form), "--json", "--db", str(db)).output
    write_form(form, seed_variant(1, total_score=90))
    run_review(str(form), "--json", "--db", str(db))
    write_form(form, seed_variant(1))
    back = run_review(str(form), "--json", "--db", str(db))
    assert back.output.splitlines()[-1] == first.strip()
    assert "重新成为当前版本" in back.stderr
    (current,) = rows(db, "SELECT id FROM forms WHERE superseded_by IS NULL")
    assert current[0] == json.loads(first)["form_id"]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


BATCH = 600  # forms in a batch stopped part way


def _running_batch(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    """`review FORMS --json --jobs 2` started in a session of its own, once its first chunk is stored."""
    batch(tmp_path / "forms", BATCH)
    db = tmp_path / "review.db"
    command = [*review_script().split(), str(tmp_path / "forms"), "--json", "--jobs", "2", "--db", str(db)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert run.stdout is not None
    assert "findings" in run.stdout.readline()  # the workers are up and a chunk is stored
    return run, db


def _stopped_part_way(tmp_path: Path, run: subprocess.Popen, db: Path, status: int, said: str) -> None:
    """The batch ended with `status`, saying `said` and how many forms it stored; a second run stores the rest."""
    out, err = run.communicate(timeout=60)
    assert run.returncode == status, err
    assert "Traceback" not in err and said in err
    stored = rows(db, "SELECT count(*) FROM forms")[0][0]
    assert 0 < stored < BATCH and f"已保存 {stored} 份" in err
    again = review(str(tmp_path / "forms"), "--json", "--jobs", "2", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert rows(db, "SELECT count(*) FROM forms")[0][0] == BATCH


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc (Linux)")
def test_a_worker_killed_mid_batch_stops_the_batch_with_what_was_stored_kept(tmp_path: Path) -> None:
    """A worker killed (out of memory, a container's limit) used to leave the batch waiting for ever, and
    Ctrl+C could not end it: now the batch stops at once, says why and what is stored, and a second run
    stores the rest."""
    import os
    import signal

    run, db = _running_batch(tmp_path)
    workers = _children(run.pid)
    assert workers, workers  # --jobs 2: one worker, and this process reviews too
    os.kill(workers[0], signal.SIGKILL)
    _stopped_part_way(tmp_path, run, db, 2, "审核工作进程意外退出")


def test_ctrl_c_in_a_batch_on_two_cores_stops_cleanly_and_keeps_what_was_stored(tmp_path: Path) -> None:
    """Ctrl+C reaches the whole process group, workers included: the batch ends at once (it used to hang,
    or print a traceback per worker), says how far it got, and a second run stores the rest."""
    import os
    import signal
    import time

    run, db = _running_batch(tmp_path)
    time.sleep(0.3)
    os.killpg(run.pid, signal.SIGINT)
    _stopped_part_way(tmp_path, run, db, 130, "审核已中断：已保存")


def test_a_refused_file_read_in_a_later_batch_leaves_the_summary_and_queue_places_follow_the_files(
        tmp_path: Path) -> None:
    # A batch's transaction counts the queue places and point keys on in memory and asks once whether any refusal
    # is open: across its transactions (chunks) the places stay in file order, and a file read again is resolved.
    files = batch(tmp_path / "forms", 40, bad=(3,))
    db = tmp_path / "review.db"
    first = run_review(str(tmp_path / "forms"), "--json", "--jobs", "1", "--db", str(db))
    assert first.exit_code == 2
    assert "form-003.json" in run_review("summary", "--db", str(db)).output
    write_form(files[3], seed_variant(3))
    second = run_review(str(tmp_path / "forms"), "--json", "--jobs", "1", "--db", str(db))
    assert second.exit_code == 0
    assert "未能读取" not in run_review("summary", "--db", str(db)).output
    assert [row[0] for row in rows(db, "SELECT file FROM forms ORDER BY seq")] == [str(f.resolve()) for f in
                                                                                   files[:3] + files[4:] + files[3:4]]
    assert rows(db, "SELECT count(DISTINCT seq), count(*) FROM forms") == [(40, 40)]
    assert rows(db, "SELECT min(n), max(n), count(*) FROM points")[0] == (1, rows(db, "SELECT count(*) FROM points")[0][0],
                                                                        rows(db, "SELECT count(*) FROM points")[0][0])
