"""Benchmark: what a user gets end to end — `review DIR --json` with the store and the default judge.

    python bench/bench_review.py [--sizes 1000,10000,100000] [--jobs 1,2] [--dir bench_out/review]

Each run is a fresh `review` process on a fresh database over variants of the seed form (the same
variants as bench_engine.py). Prints forms/s, time per form, the process's peak RSS and database
bytes per form; then the re-review of the same, unchanged forms into the same database. Not a
test: figures for the notes. bench_engine.py stays the figure for the engine alone.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import write_variants  # noqa: E402


def review_command() -> list[str]:
    script = Path(sys.executable).with_name("review")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reviewer"]


def run_review(folder: Path, db: Path, jobs: int | None) -> dict:
    """One `review FOLDER --json` process; its wall time and peak RSS (from wait4)."""
    command = [*review_command(), str(folder), "--json", "--db", str(db)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"review exited {code}: {stderr[-2000:]}")
    return {"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024}


def db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def supports_jobs() -> bool:
    done = subprocess.run([*review_command(), "check", "--help"], capture_output=True, text=True)
    return "--jobs" in done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (ignored before --jobs existed)")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "review"))
    parser.add_argument("--no-rereview", action="store_true", help="skip the second run over unchanged forms")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs_list: list[int | None] = [int(j) for j in args.jobs.split(",")] if supports_jobs() else [None]
    base = Path(args.dir)
    write_variants(base / "all", max(sizes))
    files = sorted((base / "all").glob("*.json"))
    print(f"`review DIR --json`, rules judge, fresh database per run; {os.cpu_count()} cores")
    print(f"{'forms':>7} {'jobs':>4} {'forms/s':>8} {'ms/form':>8} {'peak MB':>8} {'DB KB/form':>11}"
          f" {'re-review s':>12} {'speed-up':>9}")
    for size in sizes:
        folder = base / f"n{size}"
        if not folder.is_dir() or len(list(folder.glob("*.json"))) != size:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.json"):
                old.unlink()
            for path in files[:size]:
                os.link(path, folder / path.name)
        for jobs in jobs_list:
            with tempfile.TemporaryDirectory(dir=base) as tmp:
                db = Path(tmp) / "review.db"
                first = run_review(folder, db, jobs)
                size_kb = db_bytes(db) / size / 1024
                again = None if args.no_rereview else run_review(folder, db, jobs)
            rate = size / first["seconds"]
            rereview = "" if again is None else f"{again['seconds']:>12.2f} {first['seconds'] / again['seconds']:>8.1f}×"
            print(f"{size:>7} {jobs if jobs else '-':>4} {rate:>8.0f} {first['seconds'] / size * 1000:>8.2f}"
                  f" {first['peak_mb']:>8.0f} {size_kb:>11.1f} {rereview}", flush=True)


if __name__ == "__main__":
    main()
