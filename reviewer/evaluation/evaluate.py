"""Run a judge over a labelled eval set, and measure it against reviewers' decisions.

An eval set is a JSON Lines file of cases (eval_sets/README.md): a form, an
indicator index and the label an experienced reviewer gave its deviation
explanation. Each form is reviewed once, the judge's own case selection picks
the indicator (with its pair and findings, as in real use), and all cases go
to the judge in one batch so its cache and concurrency apply.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from ..config import Config
from ..engine import Engine
from ..errors import ReviewerError
from ..form import FormError, form_from_data
from ..judge import JudgeCase, JudgeSettings, judge_cases
from ..judge.cache import VerdictCache
from ..review import Review
from ..store import DatabaseError, Store, StoreError
from ..store.health import database_error, is_damage, verify, writable
from ..store.rows import DecidedVerdict
from .metrics import LABELS, accuracy_by_band, agreement

SPLITS = ("dev", "test")
NOT_JUDGED = "not_judged"  # the judge's case selection skipped this indicator: counted wrong
DEFAULT_SET = "eval_sets"
REPO_ROOT = Path(__file__).resolve().parents[2]  # eval_sets/ lives next to the package
CASES_FILE = "cases.jsonl"
RESULT_VERSION = 1


class EvalSetError(ReviewerError):
    """A case file, result or database that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class EvalCase:
    id: str
    form: Path
    indicator: int
    label: str
    tags: tuple[str, ...]
    rationale: str
    split: str
    name: str | None = None


def _test_split_forms(set_path: str | Path) -> list[Path]:
    """The form files the test split of an eval set uses, as its cases name them."""
    path = cases_path(set_path)
    if not path.is_file():
        return []
    forms = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            raw = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(raw, dict) and raw.get("split") == "test" and isinstance(raw.get("form"), str):
            forms.add(path.parent / raw["form"])
    return sorted(forms)


def test_split_files(set_path: str | Path = REPO_ROOT / DEFAULT_SET) -> tuple[str, ...]:
    """The file names of the forms the test split of the repository's eval set uses: nothing from them
    may reach a prompt (few-shot examples), whatever a bureau's database holds."""
    return tuple(sorted({form.name for form in _test_split_forms(set_path)}))


def test_split_form_ids(set_path: str | Path = REPO_ROOT / DEFAULT_SET) -> tuple[str, ...]:
    """The ids (content hashes) of those forms: the same form stored under another file name is still one
    of them. A form that cannot be read is passed over (its file name still excludes it)."""
    ids = set()
    for form in _test_split_forms(set_path):
        try:
            ids.add(form_from_data(json.loads(form.read_text(encoding="utf-8")), str(form)).form_id)
        except (OSError, ValueError, FormError):
            continue
    return tuple(sorted(ids))


def cases_path(set_path: str | Path) -> Path:
    """A cases file as given, or the cases.jsonl inside a folder."""
    path = Path(set_path)
    return path / CASES_FILE if path.is_dir() else path


def find_set(set_path: str | Path) -> Path:
    """The eval set to run: as given, or, for the default eval_sets/ when it is not in the current
    directory, the repository's own."""
    path = Path(set_path)
    if str(set_path) == DEFAULT_SET and not cases_path(path).is_file() and cases_path(REPO_ROOT / path).is_file():
        return REPO_ROOT / path
    return path


def same_set(a: str | None, b: str | None) -> bool:
    """Whether two results' meta.set name the same file, however each was written (relative or absolute)."""
    if a is None or b is None:
        return a == b
    return _resolved(a) == _resolved(b)


def _resolved(set_path: str) -> Path:
    path = Path(set_path)
    if not path.is_absolute() and not path.exists() and (REPO_ROOT / path).exists():
        path = REPO_ROOT / path
    return path.resolve()


def load_cases(set_path: str | Path, split: str | None = None) -> list[EvalCase]:
    """The cases of a set, optionally one split; refuses anything malformed rather than skipping it."""
    path = cases_path(set_path)
    if not path.is_file():
        raise EvalSetError(f"{path}: 评测集文件不存在")
    cases: list[EvalCase] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalSetError(f"{where}: 不是有效的 JSON（{exc.msg}）") from None
        case = _case(raw, path.parent, where)
        if case.id in seen:
            raise EvalSetError(f"{where}: 用例编号 {case.id} 重复")
        seen.add(case.id)
        cases.append(case)
    if split:
        cases = [c for c in cases if c.split == split]
    return cases


def _case(raw: Any, root: Path, where: str) -> EvalCase:
    if not isinstance(raw, dict):
        raise EvalSetError(f"{where}: 每行应为一个 JSON 对象")
    missing = [k for k in ("id", "form", "indicator", "label", "split") if k not in raw]
    if missing:
        raise EvalSetError(f"{where}: 缺少 {', '.join(missing)}")
    if raw["label"] not in LABELS:
        raise EvalSetError(f"{where}: 标注 {raw['label']!r} 不是 {' / '.join(LABELS)} 之一")
    if raw["split"] not in SPLITS:
        raise EvalSetError(f"{where}: split {raw['split']!r} 不是 {' / '.join(SPLITS)} 之一")
    if not isinstance(raw["indicator"], int) or isinstance(raw["indicator"], bool) or raw["indicator"] < 0:
        raise EvalSetError(f"{where}: indicator 应为从 0 开始的指标序号")
    return EvalCase(
        id=str(raw["id"]), form=root / raw["form"], indicator=raw["indicator"], label=raw["label"],
        tags=tuple(raw.get("tags", ())), rationale=raw.get("rationale", ""), split=raw["split"], name=raw.get("name"),
    )


# --- running ---------------------------------------------------------------------

@dataclass
class EvalResult:
    meta: dict[str, Any]
    items: list[dict[str, Any]]
    metrics: dict[str, Any]
    usage: dict[str, Any]
    elapsed: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"version": RESULT_VERSION, "meta": self.meta, "metrics": self.metrics, "usage": self.usage,
                "elapsed_seconds": round(self.elapsed, 3), "items": self.items, **self.extra}


def _review(path: Path, engine: Engine, reviews: dict[Path, Review]) -> Review:
    if path not in reviews:
        try:
            reviews[path] = engine.check(path)
        except FormError as error:
            raise EvalSetError(f"评测表单无法读取：{error}") from None
    return reviews[path]


def select(cases: list[EvalCase], config: Config, engine: Engine | None = None) -> list[JudgeCase | None]:
    """The judge's own case for each eval case; None where the judge would not judge it."""
    engine = engine or Engine(config)
    reviews: dict[Path, Review] = {}
    selected: dict[Path, dict[int, JudgeCase]] = {}
    out: list[JudgeCase | None] = []
    for case in cases:
        review = _review(case.form, engine, reviews)
        indicators = review.form.indicators
        if case.indicator >= len(indicators):
            raise EvalSetError(f"{case.id}: {case.form} 只有 {len(indicators)} 项指标，没有第 {case.indicator} 项")
        if case.name is not None and indicators[case.indicator].name != case.name:
            raise EvalSetError(f"{case.id}: 第 {case.indicator} 项指标是“{indicators[case.indicator].name}”，"
                               f"不是用例所写的“{case.name}”（序号错位？）")
        if case.form not in selected:
            selected[case.form] = {jc.index: jc for jc in judge_cases(review, config.thresholds)}
        out.append(selected[case.form].get(case.indicator))
    return out


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def run_eval(cases: list[EvalCase], settings: JudgeSettings, config: Config, set_path: str | Path,
             split: str | None, cache: VerdictCache | None = None) -> EvalResult:
    """Judge every case in one batch and compare with the labels."""
    started = time.perf_counter()
    chosen = select(cases, config)
    if settings.examples:  # a case's own form never teaches the judge its answer
        measured = {c.review.form_id for c in chosen if c is not None}
        settings = replace(settings, examples=tuple(e for e in settings.examples if e.form_id not in measured))
    with Engine(config, settings, cache) as engine:
        run = engine.judge_cases([c for c in chosen if c is not None])
    verdicts = iter(run.results)
    items = []
    for case, judge_case in zip(cases, chosen):
        item: dict[str, Any] = {
            "id": case.id, "split": case.split, "label": case.label, "label_tags": list(case.tags),
            "predicted": NOT_JUDGED, "tags": [], "reason": "", "source": None, "error": None,
            "explanation": None, "confidence": None, "review_first": None, "votes": [],
        }
        if judge_case is not None:
            verdict = next(verdicts).verdict
            item.update(predicted=verdict.verdict, tags=list(verdict.tags), reason=verdict.reason,
                        source=verdict.source, error=verdict.error, explanation=judge_case.explanation,
                        confidence=verdict.confidence, review_first=verdict.review_first(settings.confidence_floor),
                        votes=list(verdict.votes))
        items.append(item)
    elapsed = time.perf_counter() - started
    gold, predicted = [i["label"] for i in items], [i["predicted"] for i in items]
    scores = agreement(gold, predicted)
    meta = {
        "set": str(cases_path(set_path)), "split": split or "all", "backend": settings.backend,
        "model": run.summary.get("model"), "prompt_version": run.summary.get("prompt_version"),
        "commit": git_commit(), "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "labels": dict(Counter(c.label for c in cases)), "samples": settings.samples if settings.backend == "llm" else None,
        "few_shot": len(settings.examples), "confidence_floor": settings.confidence_floor,
    }
    metrics = scores.to_json()
    metrics["bands"] = accuracy_by_band(gold, predicted, [i["confidence"] for i in items])
    metrics["review_first"] = _review_first(items)
    return EvalResult(meta=meta, items=items, metrics=metrics, usage=run.summary, elapsed=elapsed)


def _review_first(items: list[dict[str, Any]]) -> dict[str, Any]:
    """How many verdicts were marked for a person first, and how often those and the rest were right."""
    out: dict[str, Any] = {}
    for key, flag in (("marked", True), ("unmarked", False)):
        chosen = [i for i in items if i["review_first"] is flag]
        right = sum(1 for i in chosen if i["predicted"] == i["label"])
        out[key] = {"n": len(chosen), "correct": right, "accuracy": right / len(chosen) if chosen else None}
    return out


def default_output(result: EvalResult, folder: str | Path = "eval_results") -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    name = "-".join(filter(None, [stamp, result.meta["backend"], result.meta.get("model"), result.meta["split"]]))
    return Path(folder) / (name.replace("/", "_") + ".json")


def write_result(data: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_result(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalSetError(f"{path}: 评测结果文件不存在") from None
    except json.JSONDecodeError as exc:
        raise EvalSetError(f"{path}: 不是有效的 JSON（{exc.msg}）") from None
    if not isinstance(data, dict) or "metrics" not in data:
        raise EvalSetError(f"{path}: 不是 review eval 写出的评测结果")
    return data


def changed_cases(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Cases present in both results whose prediction differs: fixed, broken or still wrong."""
    before = {i["id"]: i for i in a.get("items", [])}
    rows = []
    for item in b.get("items", []):
        old = before.get(item["id"])
        if old is None or old["predicted"] == item["predicted"]:
            continue
        right_before, right_after = old["predicted"] == old["label"], item["predicted"] == item["label"]
        change = "fixed" if right_after and not right_before else "broken" if right_before else "still_wrong"
        rows.append({"id": item["id"], "label": item["label"], "a": old["predicted"], "b": item["predicted"],
                     "change": change})
    return rows


# --- calibration from real use ----------------------------------------------------

PROBLEM, NO_PROBLEM = "problem", "no_problem"
DECIDED = ("accepted", "edited", "rejected")

def reviewer_view(verdict: str, status: str) -> str:
    """What the reviewer's decision says about the explanation.

    A verdict of partial or does_not_cover claims a problem; covers claims
    none. Accepting (or editing the wording of) a critique agrees with its
    claim; rejecting it says the opposite.
    """
    judge_says = NO_PROBLEM if verdict == "covers" else PROBLEM
    if status in ("accepted", "edited"):
        return judge_says
    return PROBLEM if judge_says == NO_PROBLEM else NO_PROBLEM


def from_db(path: str | Path, source: str | None = None) -> dict[str, Any]:
    """Agreement between stored verdicts and the reviewers' decisions, per judge source."""
    if not Path(path).is_file():
        raise EvalSetError(f"数据库 {path} 不存在")
    try:
        with Store(path, create=False, read_only=not writable(path)) as store:  # an older one upgraded, as status does
            verify(store.conn, path)  # a damaged file may still answer this query, with rows missing
            rows = store.decided_verdicts()
    except DatabaseError as exc:  # damaged, newer, unreadable: its own words, with what to do
        raise EvalSetError(exc.message) from None
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise EvalSetError(database_error(path, exc).message) from None
        raise EvalSetError(f"数据库 {path} 中没有审核记录（{exc}）") from None
    except StoreError as exc:
        raise EvalSetError(f"数据库 {path} 中没有审核记录（{exc.message}）") from None
    groups: dict[str, list[DecidedVerdict]] = {}
    for row in rows:
        if source and row.source != source:
            continue
        groups.setdefault(row.source, []).append(row)
    out: dict[str, Any] = {"db": str(path), "sources": {}}
    for name, members in sorted(groups.items()):
        judge_side = [NO_PROBLEM if r.verdict == "covers" else PROBLEM for r in members]
        human_side = [reviewer_view(r.verdict, r.status) for r in members]
        scores = agreement(human_side, judge_side, labels=(PROBLEM, NO_PROBLEM))
        by_verdict = {v: {s: 0 for s in DECIDED} for v in LABELS}
        for r in members:
            by_verdict[r.verdict][r.status] += 1
        out["sources"][name] = {"n": len(members), "forms": len({r.form_id for r in members}),
                                "metrics": scores.to_json(), "by_verdict": by_verdict}
    return out
