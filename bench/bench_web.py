"""Benchmark of the workbench (`review serve`): prints figures, asserts nothing.

With 50,000 points in the database (seed variants stored through the store, half of them decided):

1. the batch page and a form page: the server's time (its Server-Timing header) over HTTP to
   `review serve` in a process of its own, median and p95; the batch also right after a decision (its
   overview refreshes the one form that changed) and the first build of the overview at start;
2. keystroke → next point in Chromium (Playwright): press `a` on the queue and wait until the next
   point's card is shown, median and p95 — as Playwright sees it (its own round trips included), inside
   the page (keydown → the next card in the DOM), and the server's time for the decision.

Target: under 100 ms each.

    .venv/bin/python bench/bench_web.py [--points 50000] [--db /tmp/bench-web.db] [--keystrokes 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import SEED, reviews  # noqa: E402

from reviewer.config import Config  # noqa: E402
from reviewer.signoff.intake import save  # noqa: E402
from reviewer.store import Store  # noqa: E402

CHROMIUM = "/usr/bin/chromium"  # the system's (Playwright's own download is not used)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def build(path: Path, points: int) -> None:
    """Seed variants stored through the store until `points` points, half of them accepted."""
    seed, config = json.loads(SEED.read_text(encoding="utf-8")), Config()
    started = time.perf_counter()
    with Store(path) as store:
        index = count = 0
        while count < points:
            for review in reviews(seed, index, 200, config):
                save(store, review)
            index += 200
            count = len(store.points())
        ids = [point.id for point in store.points()]
        store.bulk_points(ids[: len(ids) // 2], "accept", "bench")
    print(f"built {path}: {index} forms, {count} points, {count // 2} decided in {time.perf_counter() - started:.0f} s")


def figures(label: str, times: list[float]) -> None:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    print(f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {max(times):.1f} ms "
          f"({len(times)} requests)")


def server_ms(response: httpx.Response) -> float:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    return float(response.headers["server-timing"].split("dur=")[1])


def serve(db: Path) -> tuple[subprocess.Popen, str, float]:
    """`review serve` in a process of its own (as a reviewer runs it), and how long until its batch
    overview is built."""
    review = Path(sys.executable).with_name("review")
    log = db.with_suffix(".serve.log")  # a file, not a pipe nobody reads once started
    started = time.perf_counter()
    with open(log, "w", encoding="utf-8") as out:
        child = subprocess.Popen([str(review), "serve", "--db", str(db), "--port", "0", "--no-browser"],
                                 stderr=out, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    found = None
    while found is None:
        if child.poll() is not None:
            raise SystemExit(f"review serve did not start: {log.read_text(encoding='utf-8')}")
        time.sleep(0.05)
        found = re.search(r"http://127\.0\.0\.1:\d+", log.read_text(encoding="utf-8"))
    url = found.group(0)
    with httpx.Client(base_url=url, cookies={name_cookie(url): "bench"}) as client:
        while "正在统计" in client.get("/").text:
            time.sleep(0.1)
    return child, url, time.perf_counter() - started


def name_cookie(url: str) -> str:
    return "review_name_" + url.rsplit(":", 1)[1]


def pages(url: str, db: Path, requests: int) -> None:
    with Store(db) as store:
        forms = [f.id for f in store.current_forms()]
        pending = [p.id for p in store.points(statuses=("pending",))]
    random.seed(13)
    with httpx.Client(base_url=url, cookies={name_cookie(url): "bench"}) as client:
        client.get("/help")
        csrf = client.get("/help").text.split('name="csrf-token" content="')[1].split('"')[0]
        for label, path in (("batch page (page 1)", "/"), ("batch page, filtered (unit, code)", "/?unit=本级&code=ROUNDING"),
                            ("batch page, sorted by 偏离度, page 40", "/?sort=deviation&page=40")):
            figures(label, [server_ms(client.get(path)) for _ in range(requests)])
        after = []
        for pid in pending[:requests]:
            client.post(f"/points/{pid}/decide", data={"action": "accept", "expect": "pending"},
                        headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
            after.append(server_ms(client.get("/")))
        figures("batch page right after a decision", after)
        figures("form page", [server_ms(client.get(f"/forms/{random.choice(forms)}")) for _ in range(requests)])
        figures("问题清单 (10 forms a page)", [server_ms(client.get("/issues")) for _ in range(max(requests // 5, 5))])


def keystrokes(url: str, count: int) -> None:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        print(f"keystroke → next point: skipped ({CHROMIUM} is missing)")
        return
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        server = []
        page.on("response", lambda r: server.append(float(r.headers["server-timing"].split("dur=")[1]))
                if r.url.endswith("/decide") else None)
        page.goto(url + "/name")
        page.fill("input[name=name]", "bench")
        page.click("text=开始审核")
        page.goto(url + "/queue")
        page.evaluate("""() => {  // keydown → the next card in the DOM, timed inside the page
            window.benchTimes = [];
            document.addEventListener("keydown", () => { window.benchKey = performance.now(); }, true);
            new MutationObserver(() => {
                if (document.querySelector("#card article.point") && window.benchKey) {
                    window.benchTimes.push(performance.now() - window.benchKey);
                    window.benchKey = 0;
                }
            }).observe(document.getElementById("card"), {childList: true});
        }""")
        times = []
        for _ in range(count + 5):
            shown = page.get_attribute("#card article.point", "data-point")
            started = time.perf_counter()
            page.keyboard.press("a")
            page.wait_for_selector(f'#card article.point:not([data-point="{shown}"])')
            times.append((time.perf_counter() - started) * 1000)
        inside = page.evaluate("window.benchTimes")
        browser.close()
    figures("keystroke → next point in Chromium, as Playwright sees it", times[5:])
    figures("keystroke → next point in Chromium, inside the page", inside[5:])
    figures("  of which the server's time for the decision and the next card", server[5:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=50_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench-web.db"),
                        help="Kept between runs: built when missing (delete it to rebuild).")
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--keystrokes", type=int, default=100)
    args = parser.parse_args()
    if not args.db.exists():
        build(args.db, args.points)
    with Store(args.db) as store:
        print(f"database: {len(store.current_forms())} forms, {len(store.points())} points, "
              f"{len(store.points(statuses=('pending',)))} pending, {args.db.stat().st_size / 1e6:.0f} MB")
    child, url, warm = serve(args.db)
    print(f"start, with the batch overview's first build: {warm:.1f} s (load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    try:
        pages(url, args.db, args.requests)
        keystrokes(url, args.keystrokes)
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)


if __name__ == "__main__":
    main()
