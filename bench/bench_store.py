"""Benchmark of the sign-off store: prints figures, asserts nothing.

1. Storing 1,000 reviewed forms with their points (review time excluded), one transaction each.
2. Keystroke to next screen with 24,000 points in the database: record the
   decision on a point, find the next pending point, build and render the screen,
   as the session does (target: under 50 ms).
3. A reviewer's decision while `review DIR --json` stores a batch into the same database (a process of its
   own): how long each decision takes, its wait for the write lock included (target: under 100 ms).

    /tmp/venv/bin/python bench/bench_store.py [--forms 1000] [--points 24000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from reviewer.config import Config
from reviewer.engine import review_form
from reviewer.form import form_from_data
from reviewer.cli.screen import build_screen
from reviewer.signoff.intake import save
from reviewer.signoff.service import Signoff
from reviewer.signoff.session import Queue
from reviewer.store import PointFilters, Store

SEED = Path(__file__).resolve().parent.parent / "examples" / "zgc-2021.json"


def variant(seed: dict, index: int) -> dict:
    data = copy.deepcopy(seed)
    data["name"] = f"{data['name']}（第{index}号）"
    data["indicators"][3]["actual"] = f"{30 + index % 7}个"
    return data


def reviews(seed: dict, start: int, count: int, config: Config):
    for index in range(start, start + count):
        yield review_form(form_from_data(variant(seed, index), f"forms/{index}.json"), f"forms/{index}.json", config)


def count_points(store: Store) -> int:
    """The current points, decided or not (what the session's counts walk)."""
    return store.point_progress(PointFilters(), "").total


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--points", type=int, default=24_000)
    parser.add_argument("--keystrokes", type=int, default=300)
    parser.add_argument("--batch", type=int, default=1000, help="forms `review` stores while a reviewer decides")
    args = parser.parse_args()
    seed, config = json.loads(SEED.read_text(encoding="utf-8")), Config()

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        prepared = list(reviews(seed, 0, args.forms, config))
        started = time.perf_counter()
        for review in prepared:
            save(store, review)
        elapsed = time.perf_counter() - started
        stored = count_points(store)
        print(f"store {args.forms} reviewed forms ({stored} points): {elapsed:.2f} s, "
              f"{ms(elapsed / args.forms)} per form")

        started = time.perf_counter()
        for review in prepared[:200]:
            save(store, review)
        print(f"re-store 200 unchanged forms (idempotent path): {ms((time.perf_counter() - started) / 200)} per form")

        index = args.forms
        while stored < args.points:
            for review in reviews(seed, index, 200, config):
                save(store, review)
            index += 200
            stored = count_points(store)
        # Half the queue already decided, so the next pending one sits mid-table.
        signoff = Signoff(store)
        ids = [point.id for point in store.points()]
        store.bulk_points(ids[: len(ids) // 2], "accept", "bench")
        size = Path(store.path).stat().st_size / 1e6
        print(f"database: {index} forms, {len(ids)} points, {len(ids) // 2} decided, "
              f"{size:.0f} MB")

        console = Console(file=io.StringIO(), width=120, force_terminal=True, color_system="truecolor")
        for filters, label in ((PointFilters(), "all pending"), (PointFilters(codes=("ROUNDING",)), "--code ROUNDING")):
            queue = Queue(signoff, filters, "bench")
            total, commit, query, render = [], [], [], []
            for _ in range(args.keystrokes):
                t0 = time.perf_counter()
                point = queue.current()
                queue.decide(point, "accept")
                t1 = time.perf_counter()
                nxt = queue.current()
                screen = build_screen(signoff, nxt, queue.progress(nxt), "bench", "上一条：已采纳", console)
                t2 = time.perf_counter()
                console.print(screen)
                console.file.seek(0)
                console.file.truncate()
                t3 = time.perf_counter()
                total.append(t3 - t0)
                commit.append(t1 - t0)
                query.append(t2 - t1)
                render.append(t3 - t2)
            p95 = statistics.quantiles(total, n=20)[-1]
            print(f"keystroke → next screen ({label}, {args.keystrokes} keys): median {ms(statistics.median(total))}, "
                  f"p95 {ms(p95)}, max {ms(max(total))}  [commit decision {ms(statistics.median(commit))}, "
                  f"query + build {ms(statistics.median(query))}, render {ms(statistics.median(render))}]")
        store.close()
        if args.batch:
            decisions_during_a_batch(Path(tmp), args.batch)


def decisions_during_a_batch(tmp: Path, count: int) -> None:
    """Decide and reopen one point, again and again, while `review` stores `count` forms in another process."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_engine import write_variants

    folder, db = tmp / "batch", tmp / "batch.db"
    write_variants(folder, count)
    subprocess.run([sys.executable, "-m", "reviewer", str(SEED), "--json", "--db", str(db)], check=True,
                   capture_output=True)
    with Store(db) as store:
        point = store.points()[0].id
    command = [sys.executable, "-m", "reviewer", str(folder), "--json", "--jobs", "1", "--db", str(db)]
    review = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    waits = []
    with Store(db) as store:  # the reviewer's session
        while review.poll() is None:
            started = time.perf_counter()
            store.decide_point(point, "accept" if len(waits) % 2 == 0 else "reopen", "bench")
            waits.append(time.perf_counter() - started)
            time.sleep(0.01)
    p95 = statistics.quantiles(waits, n=20)[-1]
    print(f"a reviewer's decision while `review` stores {count} forms ({len(waits)} decisions): "
          f"median {ms(statistics.median(waits))}, p95 {ms(p95)}, max {ms(max(waits))}")


if __name__ == "__main__":
    main()
