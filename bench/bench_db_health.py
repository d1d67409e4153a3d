"""Benchmark of the database health checks (reviewer/store/health.py): prints figures, asserts nothing.

For databases of 100 and 1,000 stored forms: the size, PRAGMA quick_check (run when a command opens
review.db for writing, once per process while the file is unchanged), opening the store for writing
the first time in a process and again, opening it read-only, and `review db check`'s integrity_check.

    .venv/bin/python bench/bench_db_health.py [--forms 100 1000]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

from reviewer.config import Config
from reviewer.signoff.intake import save
from reviewer.store import Store
from reviewer.store import health
from reviewer.store.judge_cache import migrations as judge_migrations
from reviewer.store.schema import migrations

from bench_store import SEED, reviews


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, nargs="+", default=[100, 1000])
    args = parser.parse_args()
    seed, config = json.loads(SEED.read_text(encoding="utf-8")), Config()
    for count in args.forms:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.db"
            with Store(path) as store:
                for review in reviews(seed, 0, count, config):
                    save(store, review)
            size = path.stat().st_size / 2**20
            conn = sqlite3.connect(path)
            quick = timed(lambda: conn.execute("PRAGMA quick_check").fetchall())
            conn.close()
            health._checked.clear()
            first = timed(lambda: Store(path, create=False).close())
            again = timed(lambda: Store(path, create=False).close())
            read_only = timed(lambda: Store(path, create=False, read_only=True).close())
            check = timed(lambda: health.check_file(path, (migrations, judge_migrations)))
            print(f"{count} forms, {size:.1f} MB: quick_check {quick:.3f} s; open for writing "
                  f"{first:.3f} s first in a process, {again * 1000:.1f} ms again; read-only "
                  f"{read_only * 1000:.1f} ms; review db check (integrity_check) {check:.3f} s")


if __name__ == "__main__":
    main()
