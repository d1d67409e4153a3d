"""Benchmark: hostile and oversized input, each through the `review` command in a child process.

    python bench/bench_hostile.py [--only forms,import] [--dir bench_out/hostile]

Prints, per case, the exit status, wall and CPU seconds and the child's peak memory (its own
rusage, from wait4), and the first line it wrote on stderr (the last of a traceback): a form of 100 / 1,000 / 2,000 /
10,000 indicators through `review FILE --json --no-store` (the limit is 2,000: the last is
refused), a 2 MB .xlsx that inflates to 700 MB, a 2,000-page PDF one at the 500-page limit, 10 and 100
forms as ruled tables (is memory flat over the pages?), and 1 MB / 10 MB of forms as text
through `review import`. Not a test: figures for the notes.
The judge group runs the rules judge on the seed form with one explanation of 10 KB, 100 KB and 1 MB
(it judges the first 4,000 characters and says so; bench_judge_rules.py times the judge alone).
The model group runs the seed form through the model judge against a loopback server
(tests/fake_openai.py, in its own process) that answers every call with 1 MB or 50 MB of
malformed JSON, or drips a valid answer one byte every half second (`--timeout 2`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXT = ROOT / "tests" / "fixtures" / "import" / "zgc-2021.txt"


def builders():  # noqa: ANN201 - tests/hostile/hostile_files.py, imported only where inputs are built
    """The hostile builders of the tests. Imported late: the process that measures must stay small."""
    sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "hostile")]
    import hostile_files

    return hostile_files


@dataclass
class Case:
    group: str
    name: str
    make: Callable[[Path], list[str]]  # writes its input below the folder, returns `review` arguments
    server: list[str] | None = None  # fake_openai.py arguments: a model endpoint, its URL put for {base_url}


def indicators_case(count: int) -> Case:
    def make(folder: Path) -> list[str]:
        path = folder / f"indicators-{count}.json"
        path.write_text(json.dumps(builders().many_indicators(count), ensure_ascii=False), encoding="utf-8")
        return [str(path), "--json", "--no-store"]
    return Case("forms", f"form of {count:,} indicators", make)


# Figures in the row's own unit (个) that never make its gap: the arithmetic that sets figures against
# the gap is what a long text made expensive (`gap_sizing.overstated`), so the text is full of them.
EXPLANATION = "".join(f"因主办方取消展期，{i % 3 + 1}个项目未能参展，另{i % 2 + 1}个项目因签证未获批退出，资金相应收回{i % 5 + 1}.5万元。"
                      for i in range(6))


def explanation_case(size: int, label: str) -> Case:
    """The seed form with one explanation of `size` bytes, judged by the rules judge (nothing stored)."""
    def make(folder: Path) -> list[str]:
        data = builders().seed_form()
        text = (EXPLANATION * (size // len(EXPLANATION.encode("utf-8")) + 1)).encode("utf-8")[:size]
        data["indicators"][5]["explanation"] = text.decode("utf-8", "ignore")
        path = folder / f"explanation-{label}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return [str(path), "--judge", "rules", "--json", "--no-store"]
    return Case("judge", f"judge: explanation of {label}", make)


def xlsx_bomb(folder: Path) -> list[str]:
    """A real workbook whose one sheet holds 700 MB of rows, deflated into 2 MB."""
    path = folder / "bomb.xlsx"
    if not path.exists():  # a few seconds to build
        hostile = builders()
        hostile.zip_bomb(path, hostile.SHEET, 700 * 2**20, others=hostile.xlsx_parts())
    return ["import", str(path), "-o", str(folder / "out")]


def pdf_pages(pages: int) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        path = builders().many_page_pdf(folder / f"pages-{pages}.pdf", pages)
        return ["import", str(path), "-o", str(folder / "out")]
    return make


def text_forms(megabytes: int) -> Callable[[Path], list[str]]:
    """The seed form as text copied from a PDF, repeated to `megabytes` MB (10**6 bytes)."""
    def make(folder: Path) -> list[str]:
        form = SEED_TEXT.read_text(encoding="utf-8") + "\n"
        copies = megabytes * 10**6 // len(form.encode("utf-8"))
        path = folder / f"forms-{megabytes}mb.txt"
        path.write_text(form * copies, encoding="utf-8")
        out = folder / f"out-{megabytes}mb"
        shutil.rmtree(out, ignore_errors=True)
        return ["import", str(path), "-o", str(out)]
    return make


def table_pdf(forms: int) -> Callable[[Path], list[str]]:
    """`forms` copies of the seed form as ruled tables (3 pages each), as a 决算 PDF holds them."""
    def make(folder: Path) -> list[str]:
        path = folder / f"tables-{forms}.pdf"
        if not path.exists():
            layouts = builders().import_builders()
            table = (*layouts.beijing_grid(layouts.zgc()), layouts.BEIJING_WIDTHS)
            layouts.write_pdf(path, *[table] * forms)
        out = folder / f"out-tables-{forms}"
        shutil.rmtree(out, ignore_errors=True)
        return ["import", str(path), "-o", str(out)]
    return make


def model_case(name: str, server: list[str], timeout: float = 60) -> Case:
    """The seed form (nine explanations to judge) through the model judge; nothing stored."""
    def make(folder: Path) -> list[str]:
        path = folder / "seed.json"
        path.write_text(json.dumps(builders().seed_form(), ensure_ascii=False), encoding="utf-8")
        return [str(path), "--judge", "llm", "--base-url", "{base_url}", "--model", "bench", "--timeout",
                f"{timeout:g}", "--json", "--no-store"]
    return Case("model", name, make, server)


CASES = [
    *(explanation_case(size, label) for size, label in ((10_000, "10 KB"), (100_000, "100 KB"),
                                                        (1_000_000, "1 MB"))),
    *(indicators_case(count) for count in (100, 1_000, 2_000, 10_000)),
    Case("import", "xlsx zip bomb (2 MB → 700 MB)", xlsx_bomb),
    Case("import", "PDF of 2,000 pages", pdf_pages(2_000)),
    Case("import", "PDF of 500 pages (the limit)", pdf_pages(500)),
    Case("import", "PDF of 10 forms (30 pages)", table_pdf(10)),
    Case("import", "PDF of 100 forms (300 pages)", table_pdf(100)),
    Case("import", "text: 1 MB of forms", text_forms(1)),
    Case("import", "text: 10 MB of forms", text_forms(10)),
    model_case("reply: 1 MB malformed ×9", ["--junk-mb", "1"]),
    model_case("reply: 50 MB malformed ×9", ["--junk-mb", "50"]),
    model_case("reply: 50 MB, no Content-Length", ["--junk-mb", "50", "--no-length"]),
    model_case("reply dripped 2 B/s, --timeout 2", ["--drip", "0.5"], timeout=2),
]


def start_server(arguments: list[str]) -> tuple[subprocess.Popen, str]:
    """tests/fake_openai.py in its own process (its CPU is not the child's); returns it and its base URL."""
    server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_openai.py"), *arguments],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return server, server.stdout.readline().strip()


def measure(arguments: list[str], limit_mb: int, timeout: float) -> dict:
    """The figures of one `review` run, taken by a small launcher process: a child's peak memory
    (ru_maxrss) starts from its parent's high-water mark, which building the inputs has raised."""
    command = [sys.executable, __file__, "--launch", json.dumps(arguments), "--limit-mb", str(limit_mb),
               "--timeout", str(timeout)]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def run(arguments: list[str], limit_mb: int, timeout: float) -> dict:
    """`review ARGUMENTS` in a child process: status, wall and CPU seconds, its peak memory. The
    child's address space is capped at `limit_mb` (an unbounded run fails instead of taking the
    machine) and it is killed after `timeout` seconds."""
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 2**20, limit_mb * 2**20))

    start = time.perf_counter()
    with tempfile.TemporaryFile() as stderr, tempfile.TemporaryFile() as stdout:
        child = subprocess.Popen([sys.executable, "-m", "reviewer", *arguments], stdout=stdout,
                                 stderr=stderr, env={**os.environ, "COLUMNS": "200"}, preexec_fn=cap)
        timer = threading.Timer(timeout, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        lines = [line for line in stderr.read().decode("utf-8", "replace").splitlines() if line.strip()]
        stdout.seek(0)
        first = stdout.readline(1 << 16).decode("utf-8", "replace")
        if not lines and first.startswith("{") and first.endswith("\n"):  # --json: a refused file is a JSON line
            lines = [json.loads(first).get("error", "")]
    killed = child.returncode == -9
    return {"status": "kill" if killed else child.returncode, "wall": time.perf_counter() - start,
            "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "said": f"(killed after {timeout:g} s)" if killed else (lines[-1] if "Traceback" in lines[0] else lines[0])
            if lines else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="Comma-separated groups (judge, forms, import, model); default all.")
    parser.add_argument("--dir", default=str(ROOT / "bench_out" / "hostile"))
    parser.add_argument("--limit-mb", type=int, default=4096, help="Address space of each child (MB).")
    parser.add_argument("--timeout", type=float, default=600, help="Seconds before a child is killed.")
    parser.add_argument("--launch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.launch:
        print(json.dumps(run(json.loads(args.launch), args.limit_mb, args.timeout)))
        return
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    groups = set(filter(None, args.only.split(",")))
    print(f"{'case':<32} {'exit':>4} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}  stderr (first line)")
    for case in CASES:
        if groups and case.group not in groups:
            continue
        arguments = case.make(folder)
        server = None
        if case.server is not None:
            server, url = start_server(case.server)
            arguments = [url if a == "{base_url}" else a for a in arguments]
        try:
            figures = measure(arguments, args.limit_mb, args.timeout)
        finally:
            if server is not None:
                server.stdin.close()
                server.wait(timeout=30)
        said = figures["said"].replace(f"{folder}{os.sep}", "")
        said = said if len(said) <= 70 else said[:69] + "…"
        print(f"{case.name:<32} {figures['status']:>4} {figures['wall']:>8.2f} {figures['cpu']:>8.2f} "
              f"{figures['peak_mb']:>8.1f}  {said}", flush=True)


if __name__ == "__main__":
    main()
