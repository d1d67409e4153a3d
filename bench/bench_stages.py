"""Benchmark: where one form's CPU goes while it is reviewed (no store, no output), step by step.

    python bench/bench_stages.py [--forms 1000] [--dir bench_out/stages]

The steps a batch's worker runs for each form (signoff/batch.py prepare and engine.py), timed with the
process's CPU clock over variants of the seed form (bench_engine.write_variants), the judge over batches of
32 forms as the engine runs it. Prints CPU ms per form and each step's share; the figures move with the
machine's load, the shares much less. bench_review.py is the end-to-end figure a user gets.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_engine import write_variants  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=1000)
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "stages"))
    args = parser.parse_args()
    started = time.process_time()
    from reviewer.checks import run_checks
    from reviewer.config import Config
    from reviewer.engine import Engine, tune_for_batch
    from reviewer.form import read_form
    from reviewer.judge import JudgeSettings
    from reviewer.review import Review, result_bytes
    from reviewer.scoring import score_form
    from reviewer.signoff.batch import stored_file
    from reviewer.signoff.points import build_points
    from reviewer.store.points import points_body
    from reviewer.store.schema import form_rows, pack
    print(f"import: {time.process_time() - started:.2f} s CPU")
    tune_for_batch()
    folder = Path(args.dir)
    write_variants(folder, args.forms)
    files = sorted(str(path) for path in folder.glob("*.json"))[:args.forms]
    spent: dict[str, float] = defaultdict(float)

    def timed(step: str, fn: Callable[..., Any], *fn_args: Any) -> Any:
        start = time.process_time()
        result = fn(*fn_args)
        spent[step] += time.process_time() - start
        return result

    config = Config()
    with Engine(config, JudgeSettings(backend="rules")) as engine:
        for first in range(0, len(files), 32):
            reviews = []
            for path in files[first:first + 32]:
                form = timed("read", read_form, path)
                card = timed("score", score_form, form)
                review = Review(file=path, form=form, card=card, findings=[])
                timed("checks", lambda: review.add_findings(run_checks(card, config.thresholds)))
                reviews.append(review)
            timed("judge", engine.judge_reviews, reviews)
            for review in reviews:
                timed("store rows", form_rows, review, stored_file(review.file))
                drafts = timed("points", build_points, review)
                timed("point rows", lambda: ([draft.row for draft in drafts], points_body(drafts)))
                line = timed("JSON line", result_bytes, review)  # escaped and encoded, as a worker writes it
                timed("pack line", pack, line)
    total = sum(spent.values())
    for step, seconds in spent.items():
        print(f"{step:20s} {seconds / len(files) * 1000:6.3f} ms/form  {seconds / total:5.1%}")
    print(f"{'total':20s} {total / len(files) * 1000:6.3f} ms/form")


if __name__ == "__main__":
    main()
