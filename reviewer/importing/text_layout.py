"""Recover a form from text extracted out of a PDF (labels and values broken across lines).

PDF text keeps each table cell's lines together but loses the cell borders:
a wrapped indicator name, its target and its actual follow one another, and
the weight and score close the row on one line. Cells are told apart by the
width of their lines: every line of a cell except the last fills the column.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import deque
from typing import Any, NamedTuple

from .cells import (
    NATURE, ONLY_LEVEL1, TITLE, YEAR, Extracted, NotAForm, as_number, clean, fold, level_label, printed,
    score_cell, width,
)

VERTICAL_LABELS = {"年度总体目标", "绩效指标", "项目资金", "年度总体目标完成情况"}
_LABEL_CHARS = max(map(len, VERTICAL_LABELS))
_LABEL_LINES = 64  # a label printed down a cell, one or two characters a line
_HEADER_WORDS = "一级指标二级指标三级指标年度指标值实际完成值分值得分偏差原因分析及改进措施未完成原因分析指标性质度量单位权重完成值"
_NUMBER = r"-?\d+(?:\.\d+)?"
_FIGURE = re.compile(_NUMBER)


class _Values(NamedTuple):
    pre: str
    weight: str
    score: str


def _values(line: str) -> _Values | None:
    """A line that closes an indicator row: (the text before, 分值, 得分) when it ends in two
    figures, as `^(?P<pre>.*?)\\s*(?P<weight>N)\\s+(?P<score>N)\\s*$` reads it (N = -?d+(.d+)?).
    Scanned from the end: that pattern backtracks quadratically on a long run of digits."""
    parts = line.rsplit(None, 1)
    if len(parts) != 2 or not _FIGURE.fullmatch(parts[1]):
        return None
    before = parts[0].rstrip()
    start = _figure_start(before)
    if start is None:
        return None
    return _Values(before[:start].rstrip(), before[start:], parts[1])


def _figure_start(text: str) -> int | None:
    """Where the longest figure (-?d+(.d+)?) that ends `text` begins, or None."""
    end = len(text)
    start = end
    while start and text[start - 1].isdecimal():
        start -= 1
    if start == end:
        return None
    if start >= 2 and text[start - 1] == "." and text[start - 2].isdecimal():
        whole = start - 1
        while whole and text[whole - 1].isdecimal():
            whole -= 1
        start = whole
    if start and text[start - 1] == "-":
        start -= 1
    return start
_HEAD_LABELS = re.compile(r"(项目名称|主管部门(?:及代码)?|实施单位|项目负责人|联系电话|联繫电话)\s*[:：]?")
_HEAD_KEYS = {"项目名称": "name", "主管部门": "department", "主管部门及代码": "department", "实施单位": "unit",
              "项目负责人": "lead", "联系电话": "phone", "联繫电话": "phone"}
_FUNDS_ROW = re.compile(r"^(?:其中\s*[:：]?\s*)?(年度资金总额|资金总额|总额|当年财政拨款|本年财政拨款|财政资金|"
                        r"上年结转资金|其他资金|财政专户管理资金|单位资金)(?=\s|$)")
_FUNDS_KEYS = {"年度资金总额": "total", "资金总额": "total", "总额": "total", "当年财政拨款": "fiscal",
               "本年财政拨款": "fiscal", "财政资金": "fiscal", "上年结转资金": "carryover", "其他资金": "other"}
TOLERANCE = 1  # half-width units: a full line may end one narrow character short, never a wide one


def funds_column(header: str) -> str | None:
    """What a funds header cell holds. Order matters: 预算执行率 also contains 预算执行."""
    key = fold(header)
    for needle, column in (("执行率", "rate"), ("年初预算", "initial_budget"), ("全年预算", "annual_budget"),
                           ("调整后预算", "annual_budget"), ("执行数", "executed"), ("分值", "weight"),
                           ("权重", "weight"), ("得分", "score"), ("原因", "explanation")):
        if needle in key:
            return column
    return None


# --- splitting a run of lines into cells ---------------------------------

# Punctuation that may not start a line: the typesetter carries the character
# before it over too, so the line above ends one wide character early.
_NO_LINE_START = set("，。、；：？！）」』》〉”’,.;:?!)%")


def _is_short(line: str, following: str, full: int) -> bool:
    slack = TOLERANCE + (2 if len(following) > 1 and following[1] in _NO_LINE_START else 0)
    return width(line) < full - slack


def _cell_cost(lines: list[str]) -> tuple[int, int, int]:
    full = max(width(line) for line in lines)
    short = [full - width(line) for line, following in zip(lines, lines[1:]) if _is_short(line, following, full)]
    return (1 if short else 0, len(short), sum(short))


# Every way of cutting a run of lines into cells is weighed, so the lines weighed are bounded:
# at most this many candidate cuttings (the longest cells of the test forms need 560), and never
# more than SPLIT_LINES lines; leading lines beyond go to the first cell.
SPLIT_CANDIDATES = 2_000
SPLIT_LINES = 40


def split_cells(lines: list[str], count: int) -> tuple[list[str], tuple]:
    """The `count` cells these consecutive lines most plausibly came from, and the cost of that reading.

    Fewest irregular cells first (a cell with a hard line break is already
    irregular, so more breaks go there rather than spoiling a clean cell),
    then fewest short lines, then equal neighbours (a qualitative actual
    often repeats its target), then the smallest shortfall.
    """
    cells, cost, _ = _split(lines, count)
    return cells, cost


def _split(lines: list[str], count: int) -> tuple[list[str], tuple, tuple[int, ...]]:
    """split_cells, with the line bounds of the cells. Each part's cost and text are worked out
    once, whichever cuttings share it."""
    if count <= 0:
        return [], (0, 0, 0, 0), (0,)
    if len(lines) <= count:
        cells = [clean(line) for line in lines] + [""] * (count - len(lines))
        return cells, (0, 0, 0, 0), tuple(range(len(lines) + 1))
    end = len(lines)
    first = end - _window(end, count)  # cuts are only sought after this line
    widths = [width(line) for line in lines]
    # A line is short of a cell's widest line w when w > allowed[i] (see _is_short).
    allowed = [widths[i] + TOLERANCE + (2 if len(lines[i + 1]) > 1 and lines[i + 1][1] in _NO_LINE_START else 0)
               for i in range(end - 1)]
    costs: dict[tuple[int, int], tuple[int, int, int]] = {}
    texts: dict[tuple[int, int], str] = {}

    def cost(a: int, b: int) -> tuple[int, int, int]:
        found = costs.get((a, b))
        if found is None:  # _cell_cost(lines[a:b]), from the widths
            full = max(widths[a:b])
            short = [full - widths[i] for i in range(a, b - 1) if full > allowed[i]]
            found = costs[(a, b)] = (1 if short else 0, len(short), sum(short))
        return found

    def folded(a: int, b: int) -> str:
        found = texts.get((a, b))
        if found is None:
            found = texts[(a, b)] = fold(clean("\n".join(lines[a:b])))
        return found

    best_key: tuple | None = None
    best_bounds: tuple[int, ...] = ()
    for cuts in itertools.combinations(range(first + 1, end), count - 1):
        bounds = (0, *cuts, end)
        pairs = list(zip(bounds, bounds[1:]))
        pieces = [cost(a, b) for a, b in pairs]
        irregular, short = sum(piece[0] for piece in pieces), sum(piece[1] for piece in pieces)
        if best_key is not None and (irregular, short) > best_key[:2]:
            continue  # worse whatever its texts: they are only read when they could decide
        cells = [folded(a, b) for a, b in pairs]
        equal = sum(1 for left, right in zip(cells, cells[1:]) if left == right)
        key = (irregular, short, -equal, sum(piece[2] for piece in pieces))
        if best_key is None or key < best_key:
            best_key, best_bounds = key, bounds
    cells = [clean("\n".join(lines[a:b])) for a, b in zip(best_bounds, best_bounds[1:])]
    return cells, best_key, best_bounds


def _window(lines: int, count: int) -> int:
    """How many of the last lines to cut among: all when the cuttings are few enough."""
    window = min(lines, SPLIT_LINES)
    while window > count and math.comb(window - 1, count - 1) > SPLIT_CANDIDATES:
        window -= 1
    return window


# --- preparing lines -------------------------------------------------------

def _drop_vertical_labels(lines: list[str]) -> list[str]:
    """Row labels printed one character per line (年/度/总/体/目/标) are layout, not content."""
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        if len(fold(lines[i])) > 2:
            i += 1
            continue
        j = i
        while j < len(lines) and len(fold(lines[j])) <= 2:
            j += 1
        folded = [fold(line) for line in lines[i:j]]
        for start in range(i, j):
            # Only windows as long as a label can match: the run may be thousands of lines.
            joined, end = "", start
            while end < min(j, start + _LABEL_LINES) and len(joined) <= _LABEL_CHARS:
                joined += folded[end - i]
                end += 1
                if joined in VERTICAL_LABELS:
                    for k in range(start, end):
                        keep[k] = False
        i = j
    return [line for line, kept in zip(lines, keep) if kept]


def _is_header_fragment(line: str) -> bool:
    key = fold(line)
    return bool(key) and key in _HEADER_WORDS and level_label(line) is None


def _find(lines: list[str], needle: str, start: int = 0) -> int | None:
    for index in range(start, len(lines)):
        if needle in fold(lines[index]):
            return index
    return None


# --- sections --------------------------------------------------------------

def _header_fields(lines: list[str]) -> dict[str, str]:
    text = "\n".join(lines)
    fields: dict[str, str] = {}
    matches = list(_HEAD_LABELS.finditer(text))
    for match, following in itertools.zip_longest(matches, matches[1:]):
        end = following.start() if following else len(text)
        fields[_HEAD_KEYS[fold(match.group(1))]] = clean(text[match.end():end])
    return fields


def _funds(lines: list[str], extracted: Extracted) -> dict[str, Any]:
    if not lines:  # the funds header comes after the indicator table: the layout is not one we know
        raise NotAForm(extracted.source, "没有找到“年度资金总额”行（资金表不在绩效指标表之前）")
    header = lines[0]
    columns = [funds_column(token) for token in header.split()]
    rows: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    funds: dict[str, Any] = {"unit": "万元"}
    for line in lines[1:]:
        match = _FUNDS_ROW.match(fold(line)) if fold(line) == line.replace(" ", "") else None
        folded = " ".join(fold(token) for token in line.split())
        match = match or _FUNDS_ROW.match(folded)
        if not match:
            continue
        label = match.group(1)
        cells = line.split()[len(folded[: match.end()].split()):]
        if cells and len(cells) != len(columns):
            extracted.doubts.append(f"资金行“{label}”有 {len(cells)} 个数值，表头有 {len(columns)} 列")
        values = dict(zip(columns, cells))
        row = {key: printed(values.get(key)) for key in ("initial_budget", "annual_budget", "executed")}
        row = row if any(v is not None for v in row.values()) else None
        if label in _FUNDS_KEYS:
            rows[_FUNDS_KEYS[label]] = row
        elif row is not None:
            extra[label] = row
        if _FUNDS_KEYS.get(label) == "total":
            funds["weight"] = as_number(values.get("weight") or "")
            funds["execution_rate"] = printed(values.get("rate"))
            funds["score"] = score_cell(values.get("score"))
            if printed(values.get("explanation")):
                funds["explanation"] = printed(values.get("explanation"))
    if "total" not in rows:
        raise NotAForm(extracted.source, "没有找到“年度资金总额”行")
    for key in ("total", "fiscal", "carryover", "other"):
        funds[key] = rows.get(key)
    if extra:
        extracted.data["x-funds-rows"] = extra
    return funds


def _goal(lines: list[str]) -> dict[str, str]:
    if len(lines) == 1 and len(lines[0].split()) == 2:
        planned, actual = lines[0].split()
        return {"planned": clean(planned), "actual": clean(actual)}
    if not lines:
        return {"planned": "", "actual": ""}
    # The planned goal often lists items on lines of their own; the actual is
    # usually plain prose. Take the earliest split that leaves a regular cell.
    cut = _first_regular_tail(lines)
    if cut is not None:
        return {"planned": clean("\n".join(lines[:cut])), "actual": clean("\n".join(lines[cut:]))}
    cells, _ = split_cells(lines, 2)
    return {"planned": cells[0], "actual": cells[1]}


def _first_regular_tail(lines: list[str]) -> int | None:
    """The smallest cut >= 1 for which lines[cut:] is a regular cell (_cell_cost(...)[0] == 0: no
    line but the last is short of the widest), in one pass from the end rather than a cost per cut.

    A line i is short iff the widest line w of the tail exceeds width(i) + slack(i); so the tail
    from `cut` is regular iff its widest line is no wider than the least width + slack in it."""
    if len(lines) < 2:
        return None
    widths = [width(line) for line in lines]
    # allowed[i]: the widest a tail holding line i (and the line after it) may be, for i to be full.
    allowed = [widths[i] + TOLERANCE + (2 if len(lines[i + 1]) > 1 and lines[i + 1][1] in _NO_LINE_START else 0)
               for i in range(len(lines) - 1)]
    widest, least, regular = widths[-1], None, None
    for cut in range(len(lines) - 2, 0, -1):
        widest = max(widest, widths[cut])
        least = allowed[cut] if least is None else min(least, allowed[cut])
        if widest <= least:
            regular = cut
    return regular if regular is not None else len(lines) - 1


def _take_labels(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split a run of lines into (before the level labels, the labels, after them)."""
    index = 0
    while index < len(lines):
        for span in (1, 2, 3):
            if index + span <= len(lines) and level_label("".join(lines[index:index + span])):
                labels: list[str] = []
                rest = deque(lines[index:])  # taken from the front: slicing a list would copy the rest each time
                while rest:
                    for span2 in (1, 2, 3):
                        found = level_label("".join(itertools.islice(rest, span2))) if len(rest) >= span2 else None
                        if found:
                            labels.append(found)
                            for _ in range(span2):
                                rest.popleft()
                            break
                    else:
                        head, _, tail = rest[0].partition(" ")
                        if tail and level_label(head):
                            labels.append(level_label(head))
                            rest[0] = tail.strip()
                            continue
                        break
                return lines[:index], labels, list(rest)
        head, _, tail = lines[index].partition(" ")
        if tail and level_label(head):
            before, labels, rest = _take_labels([head, tail.strip(), *lines[index + 1:]])
            return lines[:index], labels, rest
        index += 1
    return lines, [], []


def _apply_labels(labels: list[str], levels: list[str]) -> None:
    if len(labels) >= 2:
        levels[0], levels[1] = labels[-2], labels[-1]
    elif labels:
        if labels[0] in ONLY_LEVEL1:
            levels[0], levels[1] = labels[0], ""
        else:
            levels[1] = labels[0]


def _indicators(lines: list[str], extracted: Extracted) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    levels = ["", ""]
    pending: list[str] = []

    def explain(previous_lines: list[str]) -> None:
        text = clean("\n".join(previous_lines))
        if not text:
            return
        if rows:
            rows[-1]["explanation"] = (rows[-1].get("explanation", "") + text)
        else:
            extracted.doubts.append(f"指标表开头有无法归属的文字：“{text[:20]}”")

    for line in lines:
        match = _values(line)
        if not match:
            pending.append(line)
            continue
        tokens = match.pre.split()
        leading: list[str] = []
        while tokens and level_label(tokens[0]):
            leading.append(level_label(tokens[0]))
            tokens = tokens[1:]
        before, labels, content = _take_labels(pending)
        labels += leading
        if labels:
            explain(before)
            _apply_labels(labels, levels)
        else:
            content = before
        if len(tokens) > 3:
            tokens = [tokens[0], " ".join(tokens[1:-1]), tokens[-1]]
        need = 3 - len(tokens)
        if labels:
            cells, cost = split_cells(content, need)
            if need == 0 and content:
                extracted.doubts.append(f"指标“{tokens[0]}”前有无法归属的文字")
        else:
            plain, plain_cost = split_cells(content, need)
            if need == 0:
                explain(content)
                cells = []
            elif rows and len(content) > need:
                with_prev, prev_cost, bounds = _split(content, need + 1)
                if prev_cost < plain_cost:
                    explain(content[: bounds[1]])
                    cells = with_prev[1:]
                else:
                    cells = plain
            else:
                cells = plain
        if len(content) < need:
            extracted.doubts.append(f"第 {len(rows) + 1} 个指标缺少单元格")
        name, target, actual = [*cells, *tokens]
        rows.append({
            "level1": levels[0], "level2": levels[1], "name": clean(name), "target": clean(target),
            "actual": clean(actual), "weight": as_number(match.weight),
            "score": as_number(match.score),
        })
        pending = []
    explain(pending)
    return rows


# --- the whole form --------------------------------------------------------

def parse_text(text: str, source: str, method: str = "pdf-text") -> Extracted:
    """One form from its extracted text. Raises NotAForm when the text is not a form."""
    lines = _drop_vertical_labels([line.strip() for line in text.splitlines() if line.strip()])
    extracted = Extracted(data={}, method=method, source=source)
    title = _find(lines, TITLE)
    funds_at = _find(lines, "年初预算")
    goal_at = _find(lines, "预期目标")
    head_at = _find(lines, "三级指标")
    if title is None or funds_at is None or head_at is None:
        raise NotAForm(source, "没有找到项目支出绩效自评表（缺少标题、资金表或绩效指标表头）")
    data = extracted.data
    year = YEAR.search("\n".join(lines[title:title + 4]))
    head_end = next((i for i in range(title + 1, funds_at) if "项目资金" in fold(lines[i]) or "预算执行情况" in fold(lines[i])), funds_at)
    fields = _header_fields(lines[title + 1:head_end])
    data.update(name=fields.get("name", ""), year=int(year.group(1)) if year else None,
                department=fields.get("department", ""), unit=fields.get("unit", ""))
    for key in ("lead", "phone"):
        if fields.get(key):
            data[key] = fields[key]
    funds_end = goal_at if goal_at is not None and goal_at > funds_at else head_at
    data["funds"] = _funds(lines[funds_at:funds_end], extracted)
    if any("元）" in line and "万元" not in line for line in lines[title:funds_at + 1]):
        data["funds"]["unit"] = "元"
    goal_lines = lines[goal_at + 1:head_at] if goal_at is not None and goal_at < head_at else []
    data["goal"] = _goal(goal_lines)
    body_start = head_at + 1
    while body_start < len(lines) and _is_header_fragment(lines[body_start]):
        body_start += 1
    total_at = next((i for i in range(body_start, len(lines)) if fold(lines[i]).startswith("总分")), len(lines))
    body = _strip_repeated_headers(lines[body_start:total_at])
    extracted.rows_seen = sum(1 for line in body if _values(line))
    data["indicators"] = _indicators(body, extracted)
    if total_at < len(lines):
        numbers = re.findall(_NUMBER, lines[total_at])
        if len(numbers) == 1 and _is_weight_total(numbers[0], data):
            extracted.total_weight = as_number(numbers[0])  # 总分 100 and a blank total
        elif numbers:
            data["total_score"] = as_number(numbers[-1])
            extracted.total_weight = as_number(numbers[0]) if len(numbers) > 1 else None
    return extracted


def _is_weight_total(figure: str, data: dict[str, Any]) -> bool:
    """A lone figure on the 总分 line that is the sum of the weights and not of the scores: the 分值 column."""
    def total(key: str) -> float | None:
        values = [data["funds"].get(key)] + [row.get(key) for row in data["indicators"]]
        return sum(values) if all(isinstance(v, (int, float)) for v in values) else None

    weights, scores = total("weight"), total("score")
    return weights is not None and abs(weights - float(figure)) < 0.005 and (
        scores is None or abs(scores - float(figure)) >= 0.005)


def _strip_repeated_headers(lines: list[str]) -> list[str]:
    """A table that runs over a page repeats its header; drop it and its wrapped fragments."""
    kept: list[str] = []
    skipping = False
    for line in lines:
        if "三级指标" in fold(line):
            skipping = True
            continue
        if skipping and _is_header_fragment(line):
            continue
        skipping = False
        kept.append(line)
    return kept


def nature_direction(nature: str) -> str | None:
    return NATURE.get(clean(nature))
