"""Benchmark: the main process's share of `review DIR --json` per form: unpickling what a worker hands back (a chunk
of Prepared), storing it (Store.batch, intake.save: a transaction a chunk, as cli/check.py does) and writing its
JSON line. Prints CPU ms per form; asserts nothing.

    python bench/bench_intake.py [--forms 300] [--dir bench_out/intake] > /dev/null

The forms are reviewed first (not timed) and each chunk pickled as a worker's result is. For instruction counts
(what A/B comparisons on a busy machine need), run it under valgrind --tool=callgrind twice, with --store 112 and
--store 304 (whole chunks of 16), and divide the difference by the 192 forms between (the first forms of a fresh
database cost more).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_engine import write_variants  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=300, help="forms reviewed and pickled")
    parser.add_argument("--store", type=int, default=None, help="forms stored of them (whole chunks; default all)")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "intake"))
    args = parser.parse_args()
    from multiprocessing.reduction import ForkingPickler

    from reviewer.cli.terminal import write_safe_bytes
    from reviewer.config import Config
    from reviewer.judge import JudgeSettings
    from reviewer.signoff.batch import review_batch
    from reviewer.signoff.intake import save
    from reviewer.store import Store

    folder = Path(args.dir)
    write_variants(folder, args.forms)
    files = sorted(str(path) for path in folder.glob("*.json"))[:args.forms]
    # known: as a storing run reviews them (each file's digest kept, its result packed for a re-review).
    chunks = [bytes(ForkingPickler.dumps(chunk)) for chunk in
              review_batch(files, Config(), JudgeSettings(backend="rules"), jobs=1, known=lambda found: {})]
    count = args.store if args.store is not None else len(files)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "intake.db") as store:
        done, started = 0, time.process_time()
        for data in chunks:
            if done >= count:
                break
            chunk = pickle.loads(data)
            with store.batch() as write:
                for item in chunk:
                    write(lambda: save(store, item))
                    write_safe_bytes(item.line_bytes)
            sys.stdout.flush()
            done += len(chunk)
        spent = time.process_time() - started
    print(f"main process: {done} forms unpickled, stored and written: {spent * 1000 / max(done, 1):.3f} ms CPU a form "
          f"({sum(map(len, chunks)) / len(files) / 1000:.1f} KB pickled a form)", file=sys.stderr)


if __name__ == "__main__":
    main()
