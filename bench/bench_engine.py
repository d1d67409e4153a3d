"""Benchmark: read + score + check forms from disk (variants of the seed).

    python bench/bench_engine.py [--sizes 1000,10000] [--dir bench_out/forms]

Prints forms per CPU-second (best and median of --repeat runs, each a fresh
process pinned to one core) and peak memory, so the growth from 1,000 to
10,000 forms shows. Not a test: figures for the notes.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "zgc-2021.json"


def write_variants(folder: Path, count: int) -> None:
    """Seed variants: other actuals, scored the way a unit would (mostly right, now and then
    truncated or wrong), some rows re-explained."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / ".variants-v2"  # regenerate when the recipe changes
    existing = len(list(folder.glob("*.json"))) if marker.exists() else 0
    if existing >= count:
        return
    if not marker.exists():
        for old in folder.glob("*.json"):
            old.unlink()
        marker.touch()
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    rng = random.Random(7)
    for n in range(existing, count):
        form = json.loads(json.dumps(seed))
        form["name"] = f"{seed['name']}（变体{n}）"
        for row in form["indicators"][:7]:
            target = int(row["target"].rstrip("个"))
            actual = max(1, target - rng.randint(0, 3))
            row["actual"] = f"{actual}个"
            row["score"] = claimed_score(Decimal(actual) / target, row["weight"], rng)
        for row in form["indicators"][11:18]:
            planned = Decimal(row["target"].removesuffix("万元"))
            spent = (planned * Decimal(rng.uniform(0.8, 1.2))).quantize(Decimal("0.0001"))
            row["actual"] = f"{spent}万元"
            row["score"] = claimed_score(planned / spent, row["weight"], rng)
        scores = [Decimal(str(row["score"])) for row in form["indicators"]]
        form["total_score"] = float(Decimal(str(form["funds"]["score"])) + sum(scores))
        if n % 3 == 0:
            form["indicators"][1]["explanation"] = f"因{rng.randint(1, 3)}家企业撤回申请，实际支持数量减少，下一步将加强项目储备"
        (folder / f"form-{n:05d}.json").write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")


def claimed_score(ratio: Decimal, weight: int, rng: random.Random) -> float:
    exact = min(ratio, Decimal(1)) * weight
    roll = rng.random()
    if roll < 0.8:
        return float(exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP"))
    if roll < 0.9:
        return float(exact.quantize(Decimal("0.01"), rounding="ROUND_DOWN"))
    return float(weight)  # full marks despite the gap


def measure(folder: Path, count: int) -> dict:
    """Runs in a child process so peak RSS belongs to this size alone."""
    from reviewer.config import Config
    from reviewer.engine import Engine, tune_for_batch

    tune_for_batch()  # as the `review` command does
    files = sorted(folder.glob("*.json"))[:count]
    findings = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    with Engine(Config()) as engine:  # the engine alone: no judge, no store, no output
        for review in engine.run(files):
            findings += len(review.findings)
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"forms": len(files), "seconds": elapsed, "cpu_seconds": cpu, "forms_per_s": len(files) / elapsed,
            "forms_per_cpu_s": len(files) / cpu,
            "findings": findings, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "forms"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = Path(args.dir)
    if args.child:
        print(json.dumps(measure(folder, args.child)))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    write_variants(folder, max(sizes))
    print(f"each size run {args.repeat}× in a fresh process pinned to one core; best and median of CPU time")
    print(f"{'forms':>7} {'best forms/s':>13} {'median forms/s':>15} {'µs/form (best)':>15} {'peak MB':>8} {'findings':>9}")
    for size in sizes:
        runs = []
        for _ in range(args.repeat):
            # taskset keeps the run on one core, as the target says.
            cmd = [sys.executable, __file__, "--dir", str(folder), "--child", str(size)]
            out = subprocess.run(["taskset", "-c", "0", *cmd], capture_output=True, text=True, check=True).stdout
            runs.append(json.loads(out))
        rates = sorted(r["forms_per_cpu_s"] for r in runs)
        best, median = rates[-1], rates[len(rates) // 2]
        print(f"{size:>7} {best:>13.0f} {median:>15.0f} {1e6 / best:>15.0f} "
              f"{max(r['peak_mb'] for r in runs):>8.1f} {runs[0]['findings']:>9}")


if __name__ == "__main__":
    main()
