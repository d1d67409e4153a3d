"""Benchmark: encoding and compressing the bodies a form stores (store/packing.py), one way against another.

    python bench/bench_bodies.py [--forms 300] [--dir bench_out/stages]

The five bodies of each form (form JSON, scorecard JSON, critique texts, point texts, the JSON result) as a batch's
worker builds them (signoff/batch.py prepare), over variants of the seed form: the CPU per form of encoding the
scorecard and critique texts (the standard library against body_json), and of compressing all five (zlib and zstd
at a few levels, against pack), with the stored KB per form. The best of 5 rounds; the process's CPU clock.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from bench_engine import write_variants  # noqa: E402


def best(items: list[Any], fn: Callable[[Any], Any], rounds: int = 5) -> float:
    """The fewest CPU seconds of `rounds` passes of fn over items."""
    least = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for item in items:
            fn(item)
        least = min(least, time.process_time() - start)
    return least


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forms", type=int, default=300)
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "stages"))
    args = parser.parse_args()
    import zstandard

    from reviewer.config import Config
    from reviewer.judge import JudgeSettings
    from reviewer.signoff.batch import review_batch
    from reviewer.store import packing
    from reviewer.store.schema import scorecard, to_json

    folder = Path(args.dir)
    write_variants(folder, args.forms)
    files = sorted(str(path) for path in folder.glob("*.json"))[:args.forms]
    values, bodies = [], []
    for chunk in review_batch(files, Config(), JudgeSettings(backend="rules"), known=lambda found: {}, keep_review=True):
        for item in chunk:
            review, rows = item.review, item.rows
            values += [scorecard(review), {f.id: [f.message, f.comment, f.data] for f in review.findings}]
            bodies += [packing.inflate(body) for body in
                       (rows.form_json, rows.scorecard_json, rows.texts, item.points_body, item.packed)]
    forms = len(files)
    print(f"{forms} forms; the five bodies {sum(map(len, bodies)) / forms / 1024:.1f} KB a form before compression")
    for name, encode in (("json (standard library)", to_json), ("body_json (orjson)", packing.body_json)):
        print(f"  encode scorecard + critique texts  {name:24s} {best(values, encode) / forms * 1000:6.3f} ms/form")
    compressors: list[tuple[str, Callable[[bytes], bytes]]] = [
        (f"zlib {level}", lambda body, level=level: zlib.compress(body, level)) for level in (1, 3, 6)]
    compressors += [(f"zstd {level}", zstandard.ZstdCompressor(level=level).compress) for level in (1, 3, 5)]
    compressors.append(("pack", packing.pack))
    for name, compress in compressors:
        stored = sum(len(compress(body)) for body in bodies) / forms / 1024
        print(f"  compress the five bodies  {name:8s} {best(bodies, compress) / forms * 1000:6.3f} ms/form"
              f"  {stored:5.1f} KB/form")
    packed = [packing.pack(body) for body in bodies]
    old = [zlib.compress(body, 3) for body in bodies]
    print(f"  read back the five bodies  zlib 3 {best(old, packing.inflate) / forms * 1000:6.3f} ms/form"
          f"  pack {best(packed, packing.inflate) / forms * 1000:6.3f} ms/form")


if __name__ == "__main__":
    main()
