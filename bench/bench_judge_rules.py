"""Benchmark the offline rules judge on hostile sizes (issue 14, bounded work) and on the dev set
(issue 15, cost per judgement). Prints figures; asserts nothing.

- one explanation of 10 KB, 100 KB and 1 MB beside the seed's 展览项目 row (199 → 163个): the
  judge reads the first `MAX_EXPLANATION` characters and says so;
- a form of 100, 1,000 and 2,000 indicators (the reader's limit), every one a gap with its own
  explanation: the judge's work per review is done once, so the time per indicator stays flat;
- µs per judgement on seed variants (bench_engine.write_variants, the forms bench_review.py reviews):
  what `review DIR` spends in the judge per judgement, a fresh process judging a batch;
- µs per judgement on the dev split of eval_sets (best of several runs): every text new (caches
  cleared), and the same cases again (a batch in which the same forms come back).

The per-judgement figures are CPU time (time.process_time), best of several runs: other work on the
machine then does not count, as it would in wall time.

Each sized run is a child process with a deadline, so a run that does not finish is reported as
such instead of hanging the benchmark.

A change meant to make the judge cheaper must leave every verdict as it was: dump them before and
after with bench/dump_judge_rules.py and compare (`cmp`), beside `review eval --split dev`.

    .venv/bin/python bench/bench_judge_rules.py [--deadline 120] [--runs 7] [--variants 2000]
        [--only explanation|form|variants|dev]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "zgc-2021.json"
# Figures in the row's own unit (个) that never make its gap of 36: the arithmetic that sets figures
# against the gap is what a long text makes expensive.
SENTENCES = [f"因主办方取消展期，{i % 3 + 1}个项目未能参展，另{i % 2 + 1}个项目因签证未获批退出，资金相应收回{i % 5 + 1}.5万元。"
             for i in range(6)]
SENTENCE = "".join(SENTENCES)


def child(kind: str, size: int) -> dict:
    """Run one sized case in this process and return its figures."""
    from reviewer.config import Config
    from reviewer.engine import review_form
    from reviewer.form import form_from_data
    from reviewer.judge import JudgeSettings, judge_cases, judge_reviews

    data = json.loads(SEED.read_text(encoding="utf-8"))
    if kind == "explanation":
        text = (SENTENCE * (size // len(SENTENCE.encode("utf-8")) + 1)).encode("utf-8")[:size].decode("utf-8", "ignore")
        data["indicators"][5]["explanation"] = text
    else:
        data["indicators"] = [_row(i) for i in range(size)]
    started = time.perf_counter()
    review = review_form(form_from_data(data, "bench.json"), "bench.json", Config())
    checked = time.perf_counter()
    cases = judge_cases(review)
    selected = time.perf_counter()
    judge_reviews([review], JudgeSettings(backend="rules"))
    judged = time.perf_counter()
    verdicts = [f for f in review.findings if f.code == "EXPLANATION_VERDICT"]
    limited = sum("仅评判前" in f.message or "仅评判前" in str(f.data) for f in verdicts)
    return {"review_s": checked - started, "select_s": selected - checked, "judge_s": judged - selected,
            "cases": len(cases), "verdicts": len(verdicts), "limit_notes": limited}


def _row(i: int) -> dict:
    """A count row with a gap and an explanation of its own (names differ, so nothing is reused)."""
    target = 100 + i % 50
    actual = target - 1 - i % 7
    return {"level1": "产出指标", "level2": "数量指标", "name": f"支持第{i}批境外展览项目", "target": f"{target}个",
            "actual": f"{actual}个", "weight": 2, "score": round(2 * actual / target, 2),
            "explanation": f"第{i}批中有{target - actual}家企业因签证未获批于{1 + i % 12}月撤回申请，资金相应收回。"}


def run_child(kind: str, size: int, deadline: float) -> dict | None:
    try:
        done = subprocess.run([sys.executable, __file__, "--child", kind, str(size)], capture_output=True,
                              text=True, timeout=deadline, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def dev_us_per_judgement(runs: int) -> tuple[float, float, int]:
    """Best of `runs`: µs per rules judgement on the dev split with caches cleared (every text new), and
    again over the same cases with the caches kept (a batch in which the same forms come back)."""
    from reviewer.config import Config
    from reviewer.evaluation.evaluate import load_cases, select
    from reviewer.judge.rules import clear_caches, judge_rules

    eval_cases = load_cases(ROOT / "eval_sets", "dev")
    cases = [c for c in select(eval_cases, Config()) if c is not None]
    cold = warm = float("inf")
    for _ in range(runs):
        clear_caches()
        started = time.process_time()
        for case in cases:
            judge_rules(case)
        middle = time.process_time()
        for case in cases:
            judge_rules(case)
        cold, warm = min(cold, middle - started), min(warm, time.process_time() - middle)
    return cold / len(cases) * 1e6, warm / len(cases) * 1e6, len(cases)


def variants_us_per_judgement(runs: int, count: int) -> tuple[float, int, int]:
    """Best of `runs`: µs per rules judgement over `count` seed variants, caches cleared before each run
    (a fresh `review DIR` process), the forms reviewed beforehand (the judge alone is timed)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_engine import write_variants
    from reviewer.config import Config
    from reviewer.engine import review_form
    from reviewer.form import form_from_data
    from reviewer.judge import judge_cases
    from reviewer.judge.rules import clear_caches, judge_rules

    folder = ROOT / "bench_out" / "forms"
    write_variants(folder, count)
    cases = []
    for path in sorted(folder.glob("*.json"))[:count]:
        review = review_form(form_from_data(json.loads(path.read_text(encoding="utf-8")), path.name), path.name, Config())
        cases += judge_cases(review)
    best = float("inf")
    for _ in range(runs):
        clear_caches()
        started = time.process_time()
        for case in cases:
            judge_rules(case)
        best = min(best, time.process_time() - started)
    return best / len(cases) * 1e6, len(cases), count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds allowed per sized run")
    parser.add_argument("--runs", type=int, default=7, help="runs over the dev set (best is printed)")
    parser.add_argument("--only", choices=("explanation", "form", "variants", "dev"), help="one part only")
    parser.add_argument("--variants", type=int, default=2000, help="seed variants judged")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    if args.only in (None, "explanation"):
        print("explanation      review s   judge s   limit noted")
        for size in (10_000, 100_000, 1_000_000):
            got = run_child("explanation", size, args.deadline)
            label = f"{size // 1000:>5} KB"
            if got is None:
                print(f"{label:<16} did not finish in {args.deadline:.0f} s")
            else:
                print(f"{label:<16} {got['review_s']:>8.3f} {got['judge_s']:>9.3f}   {got['limit_notes']}")
    if args.only in (None, "form"):
        print("indicators       review s   select s   judge s   judge µs/indicator")
        for size in (100, 1_000, 2_000):
            got = run_child("form", size, args.deadline)
            if got is None:
                print(f"{size:<16} did not finish in {args.deadline:.0f} s")
            else:
                per = got["judge_s"] / max(got["verdicts"], 1) * 1e6
                print(f"{size:<16} {got['review_s']:>8.3f} {got['select_s']:>10.3f} {got['judge_s']:>9.3f}   {per:>8.0f}")
    if args.only in (None, "variants"):
        per, judged, forms = variants_us_per_judgement(args.runs, args.variants)
        print(f"seed variants: {forms} forms, {judged} judgements, {per:.0f} µs per judgement, "
              f"{per * judged / forms / 1000:.2f} ms per form (best of {args.runs})")
    if args.only in (None, "dev"):
        cold, warm, n = dev_us_per_judgement(args.runs)
        print(f"dev split: {n} judgements, {cold:.0f} µs per judgement with every text new, "
              f"{warm:.0f} µs when the same forms come back (best of {args.runs})")


if __name__ == "__main__":
    main()
