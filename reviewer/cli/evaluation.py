"""The `review eval` command: how often does a judge agree with an experienced reviewer?"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..config import Config
from ..evaluation.evaluate import (
    DEFAULT_SET,
    NO_PROBLEM,
    NOT_JUDGED,
    PROBLEM,
    EvalSetError,
    changed_cases,
    default_output,
    find_set,
    from_db,
    load_cases,
    read_result,
    run_eval,
    same_set,
    select,
    write_result,
)
from ..checks.catalogue import VERDICT_LABEL
from ..checks.wording import clip
from ..evaluation.metrics import LABELS
from ..store import JudgeCache
from .errors import ReviewCommand
from .options import config_option, db_option, judge_options, judge_settings, load_config
from .terminal import echo, new_console

NAMES = {**VERDICT_LABEL, NOT_JUDGED: "未评判", PROBLEM: "有问题", NO_PROBLEM: "无问题"}
STATUS_NAMES = {"accepted": "采纳", "edited": "修改后采纳", "rejected": "驳回"}


@click.command(name="eval", cls=ReviewCommand)
@click.argument("eval_set", required=False, default=DEFAULT_SET, metavar="[SET]")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev", show_default=True,
              help="Which cases to run. Tune rules and prompts on dev only; test is for measuring.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where to write the JSON result [default: eval_results/<time>-<judge>-<split>.json].")
@click.option("--compare", nargs=2, type=click.Path(dir_okay=False), metavar="A B",
              help="Show two result files side by side, with the cases whose verdict changed.")
@click.option("--from-db", "use_db", is_flag=True,
              help="Agreement between stored verdicts and the reviewers' accept / reject decisions.")
@click.option("--mistakes/--no-mistakes", default=None,
              help="List the cases the judge got wrong, with their text [default: on for dev and all, off for "
                   "test, whose result then keeps only each case's id, label and verdict, so measuring does not "
                   "show the texts one must not tune on].")
@click.option("--check", "check_only", is_flag=True,
              help="Only check the set (forms read, indices and names match, each case is a row the judge "
                   "would judge) and count its labels; runs no judge, so a labeller stays blind to verdicts.")
@judge_options
@db_option
@config_option
def eval_command(eval_set: str, split: str, output: str | None, compare: tuple[str, str] | None, use_db: bool,
                 mistakes: bool | None, check_only: bool, judge_opts: dict[str, Any], db_path: str, config_path: str | None) -> None:
    """Measure a judge against human labels.

    `review eval [SET]` runs the judge on every case of an eval set (a
    cases.jsonl file or a folder holding one; default eval_sets/, here or
    else the repository's) and prints accuracy, precision / recall / F1 per
    label, macro-F1, the confusion matrix, Cohen's kappa (plain and linearly
    weighted: labels are ordered), tokens, cost and
    time, and writes a JSON result.

    With `--judge llm`, `--prompt v1|v2`, `--samples N` and `--few-shot K` measure a bureau's
    own endpoint the way it will run; accuracy is also shown per confidence band.

    `review eval --compare A.json B.json` shows two results side by side.

    `review eval --from-db` measures stored verdicts against the reviewers'
    decisions: accepting (or editing) a partial / does_not_cover verdict
    agrees there is a problem, rejecting it disagrees; for covers the other
    way round. With --judge rules or llm, only that judge's verdicts count.
    """
    console = new_console()
    if compare:
        show_compare(console, read_result(compare[0]), read_result(compare[1]), compare)
        return
    if use_db:
        source = {"rules": "judge:rules", "llm": "judge:llm"}.get(judge_opts["judge_backend"])
        show_db(console, from_db(db_path, source))
        return
    config = load_config(config_path)
    if check_only:
        show_check(console, *check_set(str(find_set(eval_set)), None if split == "all" else split, config))
        return
    eval_set = str(find_set(eval_set))
    cases = load_cases(eval_set, None if split == "all" else split)
    if not cases:
        raise EvalSetError(f"{eval_set}: 没有 {split} 用例")
    # Few-shot examples never come from a form of this set (any split), nor of the test split.
    every_form = tuple(sorted({case.form.name for case in load_cases(eval_set)}))
    settings = judge_settings(judge_opts, config, db_path, exclude_files=every_form)
    cache = JudgeCache(db_path) if settings.backend == "llm" else None
    try:
        result = run_eval(cases, settings, config, eval_set, None if split == "all" else split, cache)
    finally:
        if cache is not None:
            cache.close()
    if mistakes is None:
        mistakes = split != "test"
    data = result.to_json()
    if split == "test" and not mistakes:
        data["items"] = [{k: item[k] for k in ("id", "split", "label", "predicted")} for item in data["items"]]
    path = write_result(data, output or default_output(result))
    show_result(console, data, mistakes)
    echo(f"结果已写入 {path}", err=True)


def check_set(eval_set: str, split: str | None, config: Config) -> tuple[str, list, list[str]]:
    """The set's cases and the ids of cases the judge would not judge (not a gap by EXPLANATION_MISSING)."""
    cases = load_cases(eval_set, split)
    if not cases:
        raise EvalSetError(f"{eval_set}: 没有 {split or ''} 用例")
    selected = select(cases, config)
    return eval_set, cases, [case.id for case, chosen in zip(cases, selected) if chosen is None]


def show_check(console: Console, eval_set: str, cases: list, not_judged: list[str]) -> None:
    table = Table(title=f"{eval_set}：{len(cases)} 例，{len({c.form for c in cases})} 张表", title_justify="left")
    table.add_column("划分")
    for label in LABELS:
        table.add_column(NAMES.get(label, label), justify="right")
    for part in sorted({c.split for c in cases}):
        table.add_row(part, *(str(sum(1 for c in cases if c.split == part and c.label == label)) for label in LABELS))
    console.print(table)
    if not_judged:
        raise EvalSetError("以下用例所在指标不构成需要说明的偏差，评判不会处理：" + "、".join(not_judged))
    console.print("全部用例可读，序号与名称一致，且都是需要说明的偏差。")


# --- printing ------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, places: int = 3) -> str:
    return "—" if value is None else f"{value:.{places}f}"


def _headline(metrics: dict[str, Any]) -> str:
    return (f"准确率 {_pct(metrics['accuracy'])}　宏平均F1 {_num(metrics['macro_f1'])}　"
            f"Cohen κ {_num(metrics['kappa'])}　加权κ {_num(metrics.get('weighted_kappa'))}　（{metrics['n']} 例）")


def label_table(metrics: dict[str, Any], title: str = "各标注的精确率 / 召回率 / F1") -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("标注", "精确率", "召回率", "F1", "例数"):
        table.add_column(column, justify="left" if column == "标注" else "right")
    for label, s in metrics["per_label"].items():
        table.add_row(NAMES.get(label, label), _pct(s["precision"]), _pct(s["recall"]), _num(s["f1"]),
                      str(s["support"]))
    return table


def confusion_table(metrics: dict[str, Any], rows_title: str = "人工标注 ＼ 评判结果") -> Table:
    confusion = metrics["confusion"]
    columns = list(next(iter(confusion.values())).keys()) if confusion else []
    table = Table(title="混淆矩阵", title_justify="left")
    table.add_column(rows_title)
    for column in columns:
        table.add_column(NAMES.get(column, column), justify="right")
    for gold, row in confusion.items():
        table.add_row(NAMES.get(gold, gold), *(str(row[c]) for c in columns))
    return table


def band_table(metrics: dict[str, Any], floor: float | None) -> Table:
    """Accuracy per confidence band, and of each verdict within it: is a firm verdict worth trusting?"""
    marked = metrics.get("review_first", {}).get("marked", {})
    title = "各置信度区间的准确率"
    if floor is not None:
        title += f"（低于 {floor:g} 或两种评判不一致的标为待重点审核：{marked.get('n', 0)} 例，准确率 {_pct(marked.get('accuracy'))}）"
    table = Table(title=title, title_justify="left")
    short = {"covers": "充分", "partial": "部分", "does_not_cover": "未能说明"}
    for column in ("置信度", "例数", "准确率", *(f"判{short[label]} 对/判" for label in LABELS)):
        table.add_column(column, justify="left" if column == "置信度" else "right")
    for band in metrics["bands"]:
        cells = [f"{v['correct']}/{v['n']}" if v["n"] else "—" for v in band["verdicts"].values()]
        table.add_row(band["band"], str(band["n"]), _pct(band["accuracy"]), *cells)
    return table


def usage_line(data: dict[str, Any]) -> str:
    usage = data.get("usage", {})
    cost = usage.get("cost")
    model = f"（{usage['model']}）" if usage.get("model") else ""
    return (f"评判方式 {usage.get('backend', '?')}{model}：调用 {usage.get('calls', 0)} 次，缓存命中 "
            f"{usage.get('cached', 0)}，规则兜底 {usage.get('fallbacks', 0)}，失败 {usage.get('errors', 0)}；"
            f"输入 {usage.get('prompt_tokens', 0)} / 输出 {usage.get('completion_tokens', 0)} tokens；"
            f"费用 {'未定价' if cost is None else f'{cost:.4f}'}；用时 {data.get('elapsed_seconds', 0):.1f} 秒")


def show_result(console: Console, data: dict[str, Any], mistakes: bool) -> None:
    meta, metrics = data["meta"], data["metrics"]
    console.print(f"评测集 {meta['set']}　split {meta['split']}　提交 {meta.get('commit') or '—'}", soft_wrap=True)
    console.print(_headline(metrics), soft_wrap=True)
    console.print(label_table(metrics))
    console.print(confusion_table(metrics))
    if metrics.get("bands"):
        console.print(band_table(metrics, meta.get("confidence_floor")))
    console.print(usage_line(data), soft_wrap=True)
    wrong = [i for i in data["items"] if i["predicted"] != i["label"]]
    if mistakes and wrong:
        table = Table(title=f"评判与人工标注不一致的用例（{len(wrong)} 例）", title_justify="left")
        table.add_column("用例", no_wrap=True)
        table.add_column("人工", no_wrap=True)
        table.add_column("评判", no_wrap=True)
        table.add_column("评判标签", overflow="fold")
        table.add_column("偏差说明", overflow="fold")
        for item in wrong:
            table.add_row(item["id"], NAMES.get(item["label"]), NAMES.get(item["predicted"], item["predicted"]),
                          ",".join(item["tags"]), clip(item["explanation"] or "", 48))
        console.print(table)


def show_compare(console: Console, a: dict[str, Any], b: dict[str, Any], names: tuple[str, str]) -> None:
    table = Table(title="评测结果对比", title_justify="left")
    table.add_column("")
    table.add_column(f"A {names[0]}", justify="right")
    table.add_column(f"B {names[1]}", justify="right")
    table.add_column("B − A", justify="right")

    def row(label: str, x: float | None, y: float | None, fmt=_num) -> None:
        delta = "—" if x is None or y is None else f"{y - x:+.3f}"
        table.add_row(label, fmt(x), fmt(y), delta)

    ma, mb = a["metrics"], b["metrics"]
    for key in ("set", "split", "backend", "model", "prompt_version", "commit"):
        table.add_row(key, str(a["meta"].get(key) or "—"), str(b["meta"].get(key) or "—"), "")
    table.add_row("例数", str(ma["n"]), str(mb["n"]), "")
    row("准确率", ma["accuracy"], mb["accuracy"])
    row("宏平均F1", ma["macro_f1"], mb["macro_f1"])
    row("Cohen κ", ma["kappa"], mb["kappa"])
    row("加权κ（线性）", ma.get("weighted_kappa"), mb.get("weighted_kappa"))
    for label in LABELS:
        fa = ma["per_label"].get(label, {}).get("f1")
        fb = mb["per_label"].get(label, {}).get("f1")
        row(f"F1 {NAMES[label]}", fa, fb)
    ua, ub = a.get("usage", {}), b.get("usage", {})
    for key, label in (("prompt_tokens", "输入 tokens"), ("completion_tokens", "输出 tokens")):
        table.add_row(label, str(ua.get(key, 0)), str(ub.get(key, 0)), f"{ub.get(key, 0) - ua.get(key, 0):+d}")
    row("费用", ua.get("cost"), ub.get("cost"), lambda v: "—" if v is None else f"{v:.4f}")
    row("用时（秒）", a.get("elapsed_seconds"), b.get("elapsed_seconds"), lambda v: "—" if v is None else f"{v:.1f}")
    console.print(table)
    if not same_set(a["meta"].get("set"), b["meta"].get("set")) or a["meta"].get("split") != b["meta"].get("split"):
        console.print("注意：两次评测的用例集或 split 不同，数值不可直接比较。")
    changes = changed_cases(a, b)
    if changes:
        names_ = {"fixed": "改对", "broken": "改错", "still_wrong": "仍错"}
        counts = {k: sum(1 for c in changes if c["change"] == k) for k in names_}
        listing = Table(title=f"评判结果变化的用例：改对 {counts['fixed']}，改错 {counts['broken']}，"
                              f"仍错 {counts['still_wrong']}", title_justify="left")
        for column in ("用例", "人工", "A", "B", "变化"):
            listing.add_column(column)
        for c in changes:
            listing.add_row(c["id"], NAMES[c["label"]], NAMES.get(c["a"], c["a"]), NAMES.get(c["b"], c["b"]),
                            names_[c["change"]])
        console.print(listing)
    else:
        console.print("两次评测中共同用例的评判结果完全相同。")


def show_db(console: Console, data: dict[str, Any]) -> None:
    sources = data["sources"]
    if not sources:
        console.print(f"{data['db']} 中还没有经审核人决定（采纳 / 修改 / 驳回）的偏差说明评判。")
        return
    console.print(f"数据库 {data['db']}：审核人决定与评判结果的一致性"
                  "（采纳或修改 = 认同评判；驳回 = 不认同；说明充分以外的评判视为“有问题”）")
    for source, block in sources.items():
        metrics = block["metrics"]
        console.print(Text.assemble("\n", (source, "bold"), f"　{block['n']} 条已决定的评判，来自 {block['forms']} 份表单"))
        console.print(_headline(metrics).replace("准确率", "一致率"), soft_wrap=True)
        console.print(label_table(metrics, "按“有问题 / 无问题”计的精确率 / 召回率 / F1（以审核人为准）"))
        console.print(confusion_table(metrics, "审核人 ＼ 评判"))
        table = Table(title="各评判结果的审核决定", title_justify="left")
        table.add_column("评判")
        for status in STATUS_NAMES.values():
            table.add_column(status, justify="right")
        table.add_column("认同率", justify="right")
        for verdict, counts in block["by_verdict"].items():
            total = sum(counts.values())
            agreed = counts["accepted"] + counts["edited"]
            table.add_row(NAMES[verdict], *(str(counts[s]) for s in STATUS_NAMES),
                          _pct(agreed / total) if total else "—")
        console.print(table)
