"""Benchmark: `review report` in every format, `review status` and `review summary`, on ≥ 50,000 critiques.

    python bench/bench_report.py [--forms 1450] [--formats json,md,xlsx,docx,status,summary] [--dir bench_out/report]
                                 [--code DIR]

Builds the database once (`review DIR` over variants of the seed form, as bench_review.py makes
them; kept between runs), then runs each command as a fresh process and prints its wall time, its
CPU time and peak RSS (wait4: on a shared machine the CPU time is the steadier figure) and what it wrote. `--code DIR` runs another checkout of the package (e.g. an
export of main) against the same database: the before and after figures. Not a test: figures for
the notes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import write_variants  # noqa: E402


def run(command: list[str], env: dict[str, str] | None = None, stdout=subprocess.DEVNULL) -> dict:
    """One process: wall time and peak RSS (from wait4); exit status 0 or 1 (docx: forms skipped) expected."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace")
    process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1) or (code == 1 and "错误" in stderr):
        raise SystemExit(f"{' '.join(command[:6])} … exited {code}: {stderr[-2000:]}")
    return {"seconds": elapsed, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def build(folder: Path, db: Path, forms: int) -> None:
    if db.exists():
        return
    write_variants(folder, forms)
    files = sorted(folder.glob("*.json"))[:forms]
    batch = folder.parent / f"n{forms}"
    if not batch.is_dir() or len(list(batch.glob("*.json"))) != forms:
        shutil.rmtree(batch, ignore_errors=True)
        batch.mkdir(parents=True)
        for path in files:
            os.link(path, batch / path.name)
    print(f"building {db} from {forms} forms …", flush=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = db.with_suffix(".building")
    result = run([sys.executable, "-m", "reviewer", str(batch), "--json", "--db", str(partial)])
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(db)
    print(f"  built in {result['seconds']:.1f} s", flush=True)


def reviewer_command(code: str | None) -> list[str]:
    """`python -m reviewer`, from `code` when given: the editable install's finder is taken off the import
    path first (it would win over PYTHONPATH)."""
    if not code:
        return [sys.executable, "-m", "reviewer"]
    start = ("import sys, runpy; sys.meta_path[:] = [f for f in sys.meta_path if '__editable__' not in "
             f"getattr(f, '__module__', '')]; sys.path.insert(0, {str(Path(code).resolve())!r}); "
             "sys.argv[0] = 'review'; runpy.run_module('reviewer', run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", start]


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return path.stat().st_size if path.exists() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1450)
    parser.add_argument("--formats", default="json,md,xlsx,docx,status,summary")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "report"))
    parser.add_argument("--code", help="a checkout of the package to run instead of this one (the before figures)")
    parser.add_argument("--keep", action="store_true", help="keep the reports written (in DIR/out)")
    args = parser.parse_args()
    base = Path(args.dir)
    db = base / f"review-{args.forms}.db"
    build(ROOT / "bench_out" / "review" / "all", db, args.forms)
    with sqlite3.connect(db) as conn:
        forms = conn.execute("SELECT count(*) FROM forms WHERE superseded_by IS NULL").fetchone()[0]
        critiques = conn.execute("SELECT count(*) FROM critiques").fetchone()[0]
        points = conn.execute("SELECT count(*) FROM points").fetchone()[0]
    code = args.code or str(ROOT)
    print(f"`review report` / `review status` on {forms} forms, {critiques} critiques, {points} points; "
          f"code: {code}")
    print(f"{'format':>7} {'seconds':>8} {'CPU s':>7} {'peak MB':>8} {'output MB':>10}")
    out = base / "out"
    for fmt in args.formats.split(","):
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        command = reviewer_command(args.code)
        if fmt in ("status", "summary"):
            target = out / f"{fmt}.txt"
            command += [fmt, "--db", str(db)]
            with open(target, "wb") as handle:
                result = run(command, stdout=handle)
        else:
            target = out / ("docx" if fmt == "docx" else f"report.{fmt}")
            command += ["report", "--format", fmt, "-o", str(target), "--db", str(db)]
            command += ["--draft"] if fmt == "docx" else []
            result = run(command)
        print(f"{fmt:>7} {result['seconds']:>8.1f} {result['cpu']:>7.1f} {result['peak_mb']:>8.0f}"
              f" {size_of(target) / 2**20:>10.1f}",
              flush=True)
        if args.keep:
            shutil.move(str(target), str(base / f"kept-{fmt}{'' if fmt == 'docx' else target.suffix}"))
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
