"""Benchmark the LLM judge: 500 judgements against the loopback server.

Each reply is delayed (default 100 ms); at concurrency 16 the ideal wall time
is 500 × 0.1 / 16 = 3.125 s. The second run over the same forms must be
served from the cache with zero calls. Prints figures; asserts nothing.

    /tmp/venv/bin/python bench/bench_judge.py [--n 500] [--latency 0.1] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import fake_openai  # noqa: E402,F401  sets NO_PROXY for loopback

from reviewer.config import Config  # noqa: E402
from reviewer.engine import review_form  # noqa: E402
from reviewer.form import form_from_data  # noqa: E402
from reviewer.engine import Engine  # noqa: E402
from reviewer.judge import JudgeSettings, judge_cases  # noqa: E402
from reviewer.store import JudgeCache  # noqa: E402
from reviewer.llm.client import Endpoint  # noqa: E402
import reviewer.judge.llm  # noqa: E402,F401  one-off import cost (langchain) stays out of the timing

ANSWER = {"evidence_quotes": ["项目数有所调整"], "reason": "套话", "verdict": "does_not_cover",
          "tags": ["generic"], "comment": "请补充说明。", "injection_suspected": False}


def cases_for(n: int) -> list:
    """n distinct judgements: copies of the seed form that differ in name, model calls only."""
    seed = json.loads((ROOT / "examples" / "zgc-2021.json").read_text(encoding="utf-8"))
    cases: list = []
    copy_no = 0
    while len(cases) < n:
        copy_no += 1
        data = dict(seed, name=f"{seed['name']}（样本{copy_no}）")
        review = review_form(form_from_data(data, f"bench-{copy_no}.json"), f"bench-{copy_no}.json", Config())
        cases += [case for case in judge_cases(review) if not case.blank]
    return cases[:n]


@contextmanager
def fake_server(latency: float):
    """The loopback server in its own process, as a real endpoint would be (no shared GIL)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "fake_openai.py"), "--delay", str(latency),
         "--reply", json.dumps(ANSWER, ensure_ascii=False)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    cases = cases_for(args.n)
    ideal = max(args.n * args.latency / args.concurrency, 1e-9)
    with tempfile.TemporaryDirectory() as tmp, fake_server(args.latency) as base_url:
        settings = JudgeSettings(
            backend="llm", concurrency=args.concurrency,
            endpoint=Endpoint(base_url, "bench-model", timeout=10, max_retries=0),
        )
        cache = JudgeCache(Path(tmp) / "bench.db")
        with Engine(Config(), settings, cache) as engine:
            start, cpu = time.perf_counter(), time.process_time()
            first = engine.judge_cases(cases)
            cold, cold_cpu = time.perf_counter() - start, time.process_time() - cpu
        with Engine(Config(), settings, cache) as engine:
            start = time.perf_counter()
            second = engine.judge_cases(cases)
            warm = time.perf_counter() - start
        cache.close()
        with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats") as response:
            in_flight = json.load(response)["max_in_flight"]

    print(f"judgements            {args.n}")
    print(f"latency per reply     {args.latency * 1000:.0f} ms, concurrency {args.concurrency}")
    print(f"ideal wall time       {ideal:.3f} s")
    print(f"first run             {cold:.3f} s  ({cold / ideal:.2f}× ideal; target ≤ 1.30×)")
    print(f"  calls / cached      {first.summary['calls']} / {first.summary['cached']}, errors {first.summary['errors']}")
    print(f"  max in flight       {in_flight}")
    print(f"  client CPU          {cold_cpu:.3f} s ({cold_cpu / args.n * 1000:.2f} ms per judgement)")
    print(f"second run            {warm:.3f} s")
    print(f"  calls / cached      {second.summary['calls']} / {second.summary['cached']}")


if __name__ == "__main__":
    main()
