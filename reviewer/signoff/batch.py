"""Reviewing a batch of files for the store, on several cores, skipping the files reviewed already.

    for chunk in review_batch(paths, config, settings, jobs=2, known=store_lookup):
        for item in chunk:              # a Prepared per file, in the order given
            ...                         # item.error, or item.rows / item.points to store, item.line to print

The CPU work (reading, scoring, checking, the rules judge, building the points and the JSON line) runs
in `jobs - 1` worker processes, CHUNK files per task, and in this process while it waits for their results;
a worker hands back plain picklable records (Prepared), and this process, which owns the database, stores them
(intake.save). With `jobs=1`, or with the model judge (whose concurrency is asynchronous I/O in one event
loop, engine.py), everything runs in this process.

A file whose bytes, resolved path and review settings (this tool's code, the rulebook, the thresholds,
the judge's settings: `settings_key`) were stored already, as the current version of its form, is not
reviewed again: `known` returns its stored JSON result and nothing is computed or written.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..config import Config
from ..engine import Engine, tune_for_batch
from ..form import FormError
from ..form.files import shown_path
from ..judge import JudgeSettings
from ..review import Review, json_safe, json_text, result_bytes
from ..store.base import resolved
from ..store.points import PointRow, points_body
from ..store.packing import pack
from ..store.schema import FormRows, form_rows
from .points import build_points

if TYPE_CHECKING:  # imported where workers start: a batch in this process never needs them (~6 ms of a start-up)
    from concurrent.futures import Future, ProcessPoolExecutor

CHUNK = 16  # files per worker task: enough to amortise the hand-over, few enough to keep both cores busy
# Fewer files than this are reviewed in this process whatever `jobs` says: starting spawned workers (Windows,
# macOS: each imports the package) costs about what reviewing this many forms does.
WORKERS_FROM = 64
TAIL = 4  # the last this many chunks of a batch in workers are handed out in quarters (_chunks)
AHEAD = 3  # tasks in flight per worker: it never waits while this process stores or reviews a chunk; each held ~1 MB
# Chunks this process reviews at most while the next result in order is a worker's, not yet back (each held ~1 MB
# until then): ~0.5 s of work, most of what a spawned worker takes to start (it imports the package first).
LOCAL = 8
RESULT_PIPE = 1 << 20  # bytes: a chunk's result, whole (Linux's largest pipe an unprivileged process may ask for)


@dataclass
class Prepared:
    """One file of the batch, ready to store and print. Either `error` (file, JSON path, message: a
    FormError's parts) or `rows`, `points` and `points_body`; `result` is the JSON line without its "file"
    key, escaped for a terminal (json_safe; what is stored for a re-review; `encoded` instead, UTF-8, for a file a
    worker reviewed), `skipped` that the file was reviewed already (only `form_id`, `result` and,
    for the terminal, `review` are set). `review` is kept only when the caller asked for it."""

    file: str
    digest: str | None = None
    form_id: str | None = None
    rows: FormRows | None = None
    points: list[PointRow] = field(default_factory=list)
    points_body: bytes | None = None  # the points' texts, packed for the store (points_body)
    result: str | None = None
    review: Review | None = None
    error: tuple[str, str, str] | None = None
    skipped: bool = False
    packed: bytes | None = None  # `result` compressed for the store (in the worker: the main process only writes)
    # A reviewed file's `result` as a worker sends it: UTF-8, as stdout writes it and the store compresses it (one
    # encoding, in the worker; `result` is then None). The main process decoded and encoded again each ~32 KB line.
    encoded: bytes | None = None

    @property
    def form_error(self) -> FormError | None:
        return None if self.error is None else FormError(*self.error)

    @property
    def line(self) -> str:
        """The form's JSON line (render.review_json), with this file's path as shown; escaped for a
        terminal (json_safe), as `result` is."""
        result = self.result if self.encoded is None else self.encoded.decode()
        return f'{{"file": {json_safe(json_text(self.file))}, {result}' if result else ""

    @property
    def line_bytes(self) -> tuple[bytes, ...]:
        """`line` UTF-8 encoded, in parts (cli/terminal.py write_safe_bytes joins them): the ~30 KB result is copied
        once, where concatenating copied it for each part after it."""
        result = self.encoded if self.encoded is not None else (self.result or "").encode()
        return (b'{"file": ', json_safe(json_text(self.file)).encode(), b", ", result) if result else ()


# What a caller's store knows: for each (resolved file, digest) it has, the form id and the JSON result.
Known = Callable[[list[tuple[str, str]]], dict[str, tuple[str, str]]]


def settings_key(config: Config, settings: JudgeSettings) -> str:
    """What a stored result depends on besides the file: this tool's code and rulebook (every file of the
    package, and the prompts), the thresholds and the judge's settings. Any change to one of them makes
    every file be reviewed again. No secret goes in (the endpoint's key is left out)."""
    judge = asdict(settings)
    endpoint = judge.pop("endpoint", None) or {}
    judge["endpoint"] = {k: v for k, v in endpoint.items() if "key" not in k.lower()}
    judge["examples"] = [repr(example) for example in settings.examples]
    parts = [_code_digest(), *(json.dumps(part, ensure_ascii=False, sort_keys=True, default=str)
                               for part in (asdict(config.thresholds), config.judge, config.prices, judge))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@lru_cache(maxsize=1)
def _code_digest() -> str:
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    roots = [package, package.parent / "prompts", Path(sys.prefix) / "share" / "reviewer" / "prompts"]
    for root in roots:
        if not root.is_dir():
            continue
        for parts in _code_files(str(root)):  # in the order of their parts (as sorted Paths are)
            digest.update("/".join(parts).encode() + b"\0" + Path(root, *parts).read_bytes() + b"\0")
    return digest.hexdigest()


def _code_files(root: str) -> list[tuple[str, ...]]:
    """The files below `root` a review depends on, as path parts: os.walk, past the bytecode caches (a third of
    what rglob went through, at a third of its cost: this runs before a batch's first form)."""
    found = []
    for folder, folders, files in os.walk(root):
        folders[:] = [name for name in folders if name != "__pycache__"]
        prefix = tuple(Path(os.path.relpath(folder, root)).parts) if folder != root else ()
        found += [(*prefix, name) for name in files if name.endswith((".py", ".toml", ".txt", ".md", ".json"))]
    return sorted(found)


def stored_file(path: str | Path) -> str:
    """The file as the store names it (Store.save_review: the shown path, resolved). A batch's files share
    a few folders: each folder is resolved once, and a file that is not itself a link is its name in its
    resolved folder (what resolving it whole gives, at a sixth of the system calls)."""
    shown = shown_path(path)
    folder, name = os.path.split(shown)
    if name in ("", ".", "..") or os.path.islink(shown):
        return resolved(shown)
    # Keyed absolute: a relative folder means another one once the working folder changes.
    return os.path.join(_resolved_folder(os.path.join(os.getcwd(), folder)), name)


@lru_cache(maxsize=64)
def _resolved_folder(folder: str) -> str:
    return resolved(folder)


def file_digest(path: str | Path, key: str, stored: str | None = None) -> str | None:
    """The file's bytes, its path as stored (`stored`: stored_file(path), when the caller has it) and the
    settings key, hashed; None when it cannot be read."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return hashlib.sha256(f"{key}\0{stored or stored_file(path)}\0".encode() + data).hexdigest()


def prepare(review: Review, digest: str | None, keep_review: bool) -> Prepared:
    """A judged review as the store takes it: rows and points built, the JSON line encoded once."""
    rows = form_rows(review, stored_file(review.file))  # assigns the finding ids build_points refers to
    drafts = build_points(review)
    # Encoded and packed here, in the worker; what goes back is plain tuples and bytes, each text once.
    points, body = [draft.row for draft in drafts], points_body(drafts)
    # Escaped and encoded here, in the worker: the main process only writes it.
    encoded = result_bytes(review)
    return Prepared(review.file, digest, review.form_id, rows, points, body, None, review if keep_review else None,
                    packed=pack(encoded) if digest else None, encoded=encoded)


def refused(error: FormError, digest: str | None = None) -> Prepared:
    return Prepared(error.file, digest, error=(error.file, error.path, error.message))


def review_batch(paths: Iterable[str | Path], config: Config, settings: JudgeSettings, jobs: int = 1,
                 known: Known | None = None, keep_review: bool = False, cache: Any = None,
                 summaries: list[dict[str, Any]] | None = None,
                 workers: ProcessPoolExecutor | None = None) -> Iterator[list[Prepared]]:
    """Each chunk of files as Prepared records, in the order given (see the module's docstring).
    `summaries` collects the judge's summary of each form reviewed (not of those skipped). `workers`:
    start_workers' pool, started by a caller that opens a database or starts a thread before the batch;
    without it the batch starts its own when it uses workers (ended, either way, when the batch ends)."""
    key = settings_key(config, settings) if known is not None else ""
    if not isinstance(paths, (list, tuple)):
        paths = list(paths)
    pool = workers or start_workers(config, settings, jobs, len(paths), paths[0] if paths else None)
    if pool is None:
        yield from _in_process(_chunks(paths, CHUNK), config, settings, key, known, keep_review, cache, summaries)
    else:
        with Engine(config, settings, cache) as engine:  # this process reviews too, while it waits
            yield from _in_workers(_chunks(paths, CHUNK, TAIL), pool, jobs, key, known, keep_review, summaries, engine)


def _chunks(paths: list[str | Path], size: int, tail: int = 0) -> Iterator[list[str]]:
    """The paths in chunks of `size`; the last `tail` chunks' worth in quarter chunks, so that the processes
    reviewing them end together: the last chunks handed out are short."""
    small = max(size // 4, 1) if tail else size
    end = max(len(paths) - size * tail, 0) if tail else len(paths)
    first = 0
    while first < len(paths):
        step = size if first < end else small
        stop = min(first + step, end) if first < end else first + step
        yield [str(path) for path in paths[first:stop]]
        first = stop


def _split(chunk: list[str], key: str, known: Known | None) -> tuple[list[Prepared | None], list[tuple[str, str | None]]]:
    """The chunk's files already stored (as Prepared, skipped) and those to review (path, digest)."""
    if known is None:
        return [None] * len(chunk), [(path, None) for path in chunk]
    names = [stored_file(path) for path in chunk]
    digests = [file_digest(path, key, name) for path, name in zip(chunk, names)]
    found = known([(name, digest) for name, digest in zip(names, digests) if digest])
    done: list[Prepared | None] = []
    todo: list[tuple[str, str | None]] = []
    for path, digest in zip(chunk, digests):
        hit = found.get(digest) if digest else None
        if hit is None:
            done.append(None)
            todo.append((path, digest))
        else:
            done.append(Prepared(shown_path(path), digest, hit[0], result=hit[1], skipped=True))
    return done, todo


def _merge(done: list[Prepared | None], reviewed: list[Prepared]) -> list[Prepared]:
    fresh = iter(reviewed)
    return [item if item is not None else next(fresh) for item in done]


def _in_process(chunks: Iterator[list[str]], config: Config, settings: JudgeSettings, key: str,
                known: Known | None, keep_review: bool, cache: Any,
                summaries: list[dict[str, Any]] | None) -> Iterator[list[Prepared]]:
    with Engine(config, settings, cache) as engine:
        for chunk in chunks:
            done, todo = _split(chunk, key, known)
            yield _merge(done, _review(engine, todo, keep_review, summaries))


def _review(engine: Engine, todo: list[tuple[str, str | None]], keep_review: bool,
            summaries: list[dict[str, Any]] | None) -> list[Prepared]:
    out: list[Prepared] = []
    for outcomes in engine.chunks(path for path, _ in todo):
        for outcome in outcomes:
            digest = todo[len(out)][1]
            if isinstance(outcome, FormError):
                out.append(refused(outcome, digest))
            else:
                out.append(prepare(outcome, digest, keep_review))
                if summaries is not None:
                    summaries.append(outcome.judge)
        engine.summaries.clear()  # the caller collects them (`summaries`): memory stays flat
    return out


# --- worker processes ----------------------------------------------------------

_ENGINE: Engine | None = None


def _start_worker(config: Config, settings: JudgeSettings, parent: int) -> None:
    global _ENGINE
    # Ctrl+C reaches the whole foreground process group. A worker that died of it mid-result left the pool
    # waiting for ever (the batch hung, with a traceback per worker); the main process alone handles it
    # and ends the workers (stop_workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _watch_parent(parent)
    tune_for_batch()
    _ENGINE = Engine(config, settings)


ORPHAN_LOOK = 0.5  # seconds between a worker's looks at whether the process that started it is still there


def _watch_parent(parent: int) -> None:
    """End this worker when the review process that started it is gone (killed: SIGKILL, a task manager, out of
    memory), which no pipe tells a forked worker: it holds both ends of the executor's pipes, so it waited for a
    task, or to hand back a result nobody reads, for ever (measured: orphans still there minutes after the kill)."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_LOOK)
        os._exit(1)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _work(todo: list[tuple[str, str | None]], keep_review: bool) -> list[Prepared]:
    assert _ENGINE is not None
    return _review(_ENGINE, todo, keep_review, None)


def uses_workers(jobs: int, settings: JudgeSettings, count: int) -> bool:
    """Whether a batch of `count` files runs in worker processes: not the model judge (asynchronous I/O in
    this process, engine.py), nor a batch too small to repay starting them."""
    return jobs > 1 and settings.backend != "llm" and count >= WORKERS_FROM


# fork on Linux: a worker starts with this process's modules imported. Two workers were ready in 0.02-0.04 s
# (0.01 s of CPU) where spawned ones each imported the package again (1.5-2.0 s of CPU for the two, while this
# process worked too; ready after 2.1-3.5 s on a loaded machine) and forkserver, even with the package
# preloaded, had them ready after 0.85-1.0 s. A forked worker must not inherit an open database or a thread:
# start_workers runs before the caller opens either (cli/check.py). Windows has spawn only; macOS spawns too,
# as Python does by default there (its system libraries are not safe to use after a fork).
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"


class WorkerLost(RuntimeError):
    """A worker process died mid-batch (killed: out of memory, a container's limit, a stray kill). The batch
    stops there, with what it stored kept; the message is the reviewer's. `stuck`: the worker died while
    sending a result, which leaves the executor waiting for the rest of it for ever, even as this process
    exits (its thread is joined then): the caller ends the process with os._exit once it has said why."""

    def __init__(self, stuck: bool = False) -> None:
        super().__init__("审核工作进程意外退出（可能是内存不足或被系统终止）")
        self.stuck = stuck


LOOK_EVERY = 1.0  # seconds between looks at the workers while a chunk's result is awaited


def start_workers(config: Config, settings: JudgeSettings, jobs: int, count: int,
                  first: str | Path | None = None) -> ProcessPoolExecutor | None:
    """The worker processes for a batch of `count` files, or None when it runs in this process
    (uses_workers). Call it before opening a database or starting a thread (they would be forked too).
    `first`: a file of the batch, reviewed here before the workers fork (_warm_up).

    A ProcessPoolExecutor rather than a multiprocessing Pool: when a worker dies the executor says so
    (BrokenProcessPool, raised as WorkerLost) and ends the others, where a Pool waited for its task for ever
    and could not even be closed (close + join waited too; terminate could hang on a half-sent result)."""
    if not uses_workers(jobs, settings, count):
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if START_METHOD == "fork" and first is not None:
        _warm_up(config, settings, first)
    context = multiprocessing.get_context(START_METHOD)
    # Started with SIGINT ignored, which the workers inherit: a Ctrl+C while they still start would otherwise
    # print a traceback from each (_start_worker keeps it ignored; the main process ends them).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        executor = ProcessPoolExecutor(jobs - 1, mp_context=context, initializer=_start_worker,
                                       initargs=(config, settings, os.getpid()))
        _roomy_results(executor)
        if START_METHOD == "fork":
            # Forked now, here, not at the first task: by then the caller has opened its database (a forking
            # executor starts all its workers at its first task; a spawning one as tasks come).
            executor.submit(os.getpid).result()
    finally:
        signal.signal(signal.SIGINT, previous)
    return executor


def _warm_up(config: Config, settings: JudgeSettings, path: str | Path) -> None:
    """Review one file here and drop the result: what a process compiles or fills at its first form (the judge's
    patterns, compiled where first used; caches) a forked worker then has, where each compiled it again (~45 ms of
    CPU a worker, against one form's ~4 ms here). This process reviews forms of the batch too: it needs them anyway."""
    with Engine(config, settings) as engine:
        _review(engine, [(str(path), None)], False, None)


def _roomy_results(executor: ProcessPoolExecutor) -> None:
    """A chunk's result (~0.9 MB) fits whole in the pipe the workers send results through. Linux's 64 KB pipe had a
    worker wait for this process's reader thread to take each 64 KB, and that thread waits for the GIL while this
    process reviews or stores (up to 5 ms each time): the worker sat idle ~1 s in a 1,000-form batch. Elsewhere
    (no F_SETPIPE_SZ), or if the system allows less, the pipe stays as it is."""
    try:
        import fcntl

        writer = executor._result_queue._writer  # type: ignore[attr-defined]  # the executor's own, no public one
        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE)  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        pass


def _in_workers(chunks: Iterator[list[str]], pool: ProcessPoolExecutor, jobs: int, key: str,
                known: Known | None, keep_review: bool, summaries: list[dict[str, Any]] | None,
                engine: Engine) -> Iterator[list[Prepared]]:
    """The chunks in order, `jobs - 1` workers reviewing them and this process too: it hands each worker AHEAD
    chunks, stores each result as it comes (the caller), and while the next one in order is not back, reviews the
    next chunk itself. Two processes on two cores, each always busy: with a worker a core, this process (storing
    ~30% of the time) took a third of a core from them whenever it stored, and waited the rest."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    queue: deque[tuple[list[Prepared | None], Future | list[Prepared] | None]] = deque()
    pending = iter(chunks)
    sent = mine = 0  # chunks in the queue handed to a worker, and reviewed here

    def take() -> tuple[list[Prepared | None], list[tuple[str, str | None]]] | None:
        chunk = next(pending, None)
        return None if chunk is None else _split(chunk, key, known)

    def hand_out() -> bool:
        """Each worker AHEAD chunks (handed out before this process stores or reviews: a worker never waits for
        it); False once there are no more."""
        nonlocal sent
        while sent < (jobs - 1) * AHEAD:
            taken = take()
            if taken is None:
                return False
            done, todo = taken
            queue.append((done, pool.submit(_work, todo, keep_review) if todo else None))
            sent += 1
        return True

    try:
        more = hand_out()
        while queue:
            head = queue[0][1]
            if more and mine < LOCAL and isinstance(head, Future) and not head.done():
                taken = take()  # the next result in order is not back: review the next chunk here meanwhile
                if taken is None:
                    more = False
                else:
                    queue.append((taken[0], _review(engine, taken[1], keep_review, summaries)))
                    mine += 1
                continue
            done, task = queue.popleft()
            if isinstance(task, list):
                mine -= 1
                chunk = _merge(done, task)
            else:
                sent -= 1
                chunk = _collect(pool, done, task, summaries)
                more = more and hand_out()
            yield chunk
    except BrokenProcessPool:  # a task's result, or a new task handed out after the death
        raise WorkerLost() from None
    except WorkerLost:
        _end_now(pool)
        raise
    finally:
        stop_workers(pool)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the workers: the chunks not started are dropped, those under way finished (at most `jobs` chunks:
    about 0.2 s after a Ctrl+C); at once when a worker died (the executor ended the others already)."""
    if getattr(pool, "_reviewer_stuck", False):  # _end_now: waiting would be for ever
        return
    pool.shutdown(wait=True, cancel_futures=True)


def _workers(pool: ProcessPoolExecutor) -> list[Any]:
    # The executor's own table of its processes: it has no public one, and a death while a result is being
    # sent is never reported (its reader waits for the rest of the message).
    return list((getattr(pool, "_processes", None) or {}).values())


def _end_now(pool: ProcessPoolExecutor) -> None:
    """A worker died while sending: kill the others and leave the executor (see WorkerLost.stuck)."""
    pool._reviewer_stuck = True  # type: ignore[attr-defined]
    for process in _workers(pool):
        if process.exitcode is None:
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


def _result(pool: ProcessPoolExecutor, task: Future) -> list[Prepared]:
    """A chunk's result, looking at the workers every LOOK_EVERY seconds while it is awaited."""
    from concurrent.futures import TimeoutError as FutureTimeout

    while True:
        try:
            return task.result(timeout=LOOK_EVERY)
        except FutureTimeout:
            if any(process.exitcode is not None for process in _workers(pool)):
                try:  # the executor may yet see it and say so (BrokenProcessPool) in a moment
                    return task.result(timeout=LOOK_EVERY)
                except FutureTimeout:
                    raise WorkerLost(stuck=True) from None


def _collect(pool: ProcessPoolExecutor, done: list[Prepared | None], task: Future | None,
             summaries: list[dict[str, Any]] | None) -> list[Prepared]:
    reviewed = _result(pool, task) if task is not None else []
    if summaries is not None:
        summaries += [item.rows.judge for item in reviewed if item.rows is not None]
    return _merge(done, reviewed)


def default_jobs() -> int:
    return os.cpu_count() or 1


__all__ = ["Prepared", "review_batch", "prepare", "refused", "settings_key", "file_digest", "default_jobs", "start_workers",
           "stop_workers", "uses_workers", "WorkerLost", "CHUNK", "WORKERS_FROM"]
