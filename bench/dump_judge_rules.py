"""Dump every rules verdict on a fixed workload, one JSON line per judgement, so that a change meant to
make the judge cheaper can be shown to change no verdict (`diff` two dumps).

The workload:
- seed variants: the first N variants of the seed form (bench_engine.write_variants, the forms
  bench_review.py reviews), every judgement the engine would ask for;
- the dev split of eval_sets, each case as `review eval` judges it;
- dev texts on other rows: each explanation of the dev split of eval_sets placed beside four rows of the
  seed form (a count row short of its target, a cost row over budget, a share row short of its target, a
  late date), so one text is judged beside rows of every kind.

Each line holds the case (file or text number, row), verdict, confidence, tags, reason and comment.

    .venv/bin/python bench/dump_judge_rules.py OUT.jsonl [--variants 3000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_engine import write_variants  # noqa: E402

SEED = ROOT / "examples" / "zgc-2021.json"
# Rows of the seed set up as gaps of each kind: (row, target, actual); None keeps the printed cell.
ROWS = ((5, None, None), (14, None, None), (21, "≥90%", "85%"), (8, "6月30日前", "2021年9月15日"))


def dev_cases() -> list:
    """The judge cases of the dev split, in the set's order."""
    from reviewer.config import Config
    from reviewer.evaluation.evaluate import load_cases, select

    return [c for c in select(load_cases(ROOT / "eval_sets", "dev"), Config()) if c is not None]


def judged(review, label: str, cases: list | None = None) -> list[dict]:
    from reviewer.judge import judge_cases
    from reviewer.judge.rules import judge_rules

    out = []
    for case in judge_cases(review) if cases is None else cases:
        started = time.perf_counter()
        verdict = judge_rules(case)
        judged.seconds += time.perf_counter() - started
        judged.count += 1
        out.append({"case": label, "row": case.index, "pair": case.pair, "verdict": verdict.verdict,
                    "confidence": verdict.confidence, "tags": list(verdict.tags), "reason": verdict.reason,
                    "comment": verdict.comment})
    return out


judged.seconds = 0.0
judged.count = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--variants", type=int, default=3000)
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "forms"))
    args = parser.parse_args()
    from reviewer.config import Config
    from reviewer.engine import review_form
    from reviewer.form import form_from_data

    folder = Path(args.dir)
    write_variants(folder, args.variants)
    lines = []
    for path in sorted(folder.glob("*.json"))[:args.variants]:
        data = json.loads(path.read_text(encoding="utf-8"))
        lines += judged(review_form(form_from_data(data, path.name), path.name, Config()), path.name)
    variant_count, variant_seconds = judged.count, judged.seconds
    dev = dev_cases()
    for n, case in enumerate(dev):
        lines += judged(None, f"dev-case-{n}", [case])
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    for n, text in enumerate(dict.fromkeys(case.explanation for case in dev)):
        for row, target, actual in ROWS:
            data = json.loads(json.dumps(seed))
            indicator = data["indicators"][row]
            indicator["explanation"] = text
            if target is not None:
                indicator["target"], indicator["actual"] = target, actual
            lines += judged(review_form(form_from_data(data, f"dev-{n}"), f"dev-{n}", Config()), f"dev-{n}@{row}")
    Path(args.out).write_text("".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines),
                              encoding="utf-8")
    print(f"{len(lines)} judgements; seed variants: {variant_count} judgements, "
          f"{variant_seconds / max(variant_count, 1) * 1e6:.0f} µs each; "
          f"all: {judged.seconds / max(judged.count, 1) * 1e6:.0f} µs each", file=sys.stderr)


if __name__ == "__main__":
    main()
