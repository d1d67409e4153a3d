"""Split a document that holds many forms (a department's 决算 publishes them all in one file).

Our own splitter rather than langchain-text-splitters: CharacterTextSplitter
with the title as separator cuts *inside* the title line ("部门预算项目支出
绩效自评表" leaves "部门预算" on the previous form), merges small chunks up
to its chunk size, and also cuts at every mention of the title in running
text (a preface saying "以下为项目支出绩效自评表"). A form starts at a line
that *is* a title, followed within a few lines by the year or 项目名称; the
same rule works on text lines and on worksheet rows.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

from .cells import TITLE, YEAR, Extracted, NotAForm, fold

Item = TypeVar("Item")
_LOOKAHEAD = 4
_TITLE_MAX = 30  # characters: a title line, not a sentence that mentions the title


def form_starts(texts: list[str]) -> list[int]:
    """Indexes of the lines (or rows) where a form begins."""
    starts: list[int] = []
    for index, text in enumerate(texts):
        key = fold(text)
        if TITLE not in key or len(key) > _TITLE_MAX:
            continue
        window = "".join(fold(t) for t in texts[index:index + _LOOKAHEAD])
        if YEAR.search(window) or "项目名称" in window:
            starts.append(index)
    return starts


def split_items(items: list[Item], text_of: Callable[[Item], str]) -> list[list[Item]]:
    """Items grouped per form; anything before the first title goes with the first form."""
    starts = form_starts([text_of(item) for item in items])
    if len(starts) <= 1:
        return [items]
    bounds = [0, *starts[1:], len(items)]
    return [items[a:b] for a, b in zip(bounds, bounds[1:])]


def split_text(text: str) -> list[str]:
    """The text of each form in a document."""
    return ["\n".join(chunk) for chunk in split_items(text.splitlines(), lambda line: line)]


def parse_each(chunks: list[Any], source: str, parse: Callable[[Any, str, str], Extracted],
               method: str) -> list[Extracted | NotAForm]:
    """One outcome per form in a document; a chunk that is no form does not stop the others."""
    outcomes: list[Extracted | NotAForm] = []
    for number, chunk in enumerate(chunks, 1):
        label = source if len(chunks) == 1 else f"{source}（第 {number} 张表）"
        try:
            outcomes.append(parse(chunk, label, method))
        except NotAForm as error:
            outcomes.append(error)
    return outcomes
