"""Benchmark: what a user gets end to end — `review DIR --json` with the store and the default judge.

    python bench/bench_review.py [--sizes 1000,10000,100000] [--jobs 1,2] [--dir bench_out/review]

Each run is a fresh `review` process on a fresh database over variants of the seed form (the same
variants as bench_engine.py). Prints forms/s, time per form, the process's peak RSS and database
bytes per form; then the re-review of the same, unchanged forms into the same database. Not a
test: figures for the notes. bench_engine.py stays the figure for the engine alone.

`--real` reviews instead the forms of eval_sets that carry dev cases only (128 published or written
forms, each with its own explanations) beside as many seed variants, and prints the time a form takes
past start-up in each (a run over all of them less a run over one). The variants repeat a few texts, which
the judge reads once per process; forms whose units wrote their own explanations cost more, and this
says how much. Forms with any test-split case are never read (the test split stays blind).
"""

from __future__ import annotations

import argparse
import json
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


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the worker processes), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {pid}, True
    while grew:
        more = {child for child, parent in parents.items() if parent in tree} - tree
        grew, tree = bool(more), tree | more
    return sum(rss.get(p, 0) for p in tree) / 2**20


def run_review(folder: Path, db: Path, jobs: int | None) -> dict:
    """One `review FOLDER --json` process: its wall time, its own peak RSS (wait4) and the peak of its
    process tree's (itself and the workers, sampled every 0.2 s from /proc where there is one)."""
    command = [*review_command(), str(folder), "--json", "--db", str(db)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
        tree_peak = 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if Path("/proc").is_dir():
                tree_peak = max(tree_peak, tree_rss_mb(process.pid))
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    if process.returncode != 0:
        raise SystemExit(f"review exited {process.returncode}: {stderr[-2000:]}")
    return {"seconds": elapsed, "peak_mb": usage.ru_maxrss / 1024, "tree_mb": tree_peak,
            "cpu": usage.ru_utime + usage.ru_stime}


def db_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def supports_jobs() -> bool:
    done = subprocess.run([*review_command(), "check", "--help"], capture_output=True, text=True)
    return "--jobs" in done.stdout


def dev_forms(folder: Path) -> list[Path]:
    """The eval_sets forms none of whose cases is in the test split, linked into `folder`."""
    splits: dict[str, set[str]] = {}
    for line in (ROOT / "eval_sets" / "cases.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            splits.setdefault(case["form"], set()).add(case["split"])
    chosen = [ROOT / "eval_sets" / form for form, split in sorted(splits.items()) if split == {"dev"}]
    return sorted(linked(chosen, folder).glob("*.json"))


def linked(files: list[Path], folder: Path) -> Path:
    """`files` linked into a folder of their own (a fresh one each time: the folder is the batch)."""
    if folder.is_dir():
        for old in folder.glob("*.json"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        os.link(path, folder / path.name)
    return folder


def real_texts(base: Path, jobs_list: list[int | None]) -> None:
    """Forms with their own explanations against seed variants, per form past start-up."""
    real = dev_forms(base / "dev-forms")
    write_variants(base / "all", len(real))
    variants = sorted((base / "all").glob("*.json"))[:len(real)]
    print(f"`review DIR --json`, rules judge, fresh database per run; {len(real)} eval_sets dev forms against "
          f"{len(variants)} seed variants; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    print(f"{'forms':>16} {'jobs':>4} {'all s':>6} {'one s':>6} {'ms/form past start-up':>22} {'rows/form':>10}"
          f" {'ms/row':>7}")
    for name, files in (("eval_sets dev", real), ("seed variants", variants)):
        every, one = linked(files, base / "batch-all"), linked(files[:1], base / "batch-one")
        rows = sum(indicator_rows(path) for path in files[1:]) / (len(files) - 1)
        for jobs in jobs_list:
            with tempfile.TemporaryDirectory(dir=base) as tmp:
                whole = run_review(every, Path(tmp) / "all.db", jobs)["seconds"]
                alone = run_review(one, Path(tmp) / "one.db", jobs)["seconds"]
            past = (whole - alone) / (len(files) - 1) * 1000
            print(f"{name:>16} {jobs if jobs else '-':>4} {whole:>6.2f} {alone:>6.2f} {past:>22.2f} {rows:>10.1f}"
                  f" {past / rows:>7.2f}", flush=True)


def indicator_rows(path: Path) -> int:
    """A form's indicator rows, under either key form-format.md allows."""
    form = json.loads(path.read_text(encoding="utf-8"))
    return len(form.get("indicators") or form.get("绩效指标") or [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values (ignored before --jobs existed)")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "review"))
    parser.add_argument("--no-rereview", action="store_true", help="skip the second run over unchanged forms")
    parser.add_argument("--real", action="store_true",
                        help="eval_sets' dev forms (their own explanations) against as many seed variants")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    jobs_list: list[int | None] = [int(j) for j in args.jobs.split(",")] if supports_jobs() else [None]
    base = Path(args.dir)
    if args.real:
        real_texts(base, jobs_list)
        return
    write_variants(base / "all", max(sizes))
    files = sorted((base / "all").glob("*.json"))
    print(f"`review DIR --json`, rules judge, fresh database per run; {os.cpu_count()} cores")
    print(f"{'forms':>7} {'jobs':>4} {'forms/s':>8} {'ms/form':>8} {'CPU ms':>7} {'peak MB':>8} {'all MB':>7} {'DB KB/form':>11}"
          f" {'re-review s':>12} {'speed-up':>9}")
    print("(CPU ms: per form, of the review process and the children it waited for; peak MB: the review process; all MB: with its worker processes, sampled; load average "
          f"{os.getloadavg()[0]:.1f} at the start: on a shared machine the figures move with it)")
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
                  f" {first['cpu'] / size * 1000:>7.2f} {first['peak_mb']:>8.0f} {first['tree_mb']:>7.0f} {size_kb:>11.1f} {rereview}"
                  f"   (load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
