"""Breaking Chinese text into lines for a terminal without splitting a number or a code.

A terminal (or rich) folds a line without spaces at any character: 4978.562 or COST_COUNT_DIVERGENCE
could end up on two lines. Here a line breaks between characters of Chinese text, never inside a run
of digits, Latin letters and the marks that join them (4978.562, -45.5%, 163/199×2, COST_TOTAL; 2021年
keeps 2021 whole), never before closing punctuation nor after opening punctuation. Text already broken
this way fits its width, so rich has nothing left to fold.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..form.values import display_columns

# A run of letters and digits with the marks inside figures (4978.562, 163/199×2, -45.5%, COST_TOTAL);
# a slash joins only digits, so a file path still breaks at its slashes.
_TOKEN = re.compile(r"[+\-−]?[A-Za-z0-9_]+(?:(?:[.,:×÷~\-]|(?<=\d)/(?=\d))[A-Za-z0-9_]+)*%?|\s+|.", re.S)
_NO_START = set("，。、；：！？）」』”’》〉】…%,.;:!?)]}·")
_NO_END = set("（「『“‘《〈【([{")


def width(text: str) -> int:
    """Terminal columns: wide and full-width characters count 2."""
    return display_columns(text)


def breaks(line: str, columns: int) -> list[int]:
    """Offsets in `line` (no newline in it) where a new line starts, for lines of at most `columns`."""
    columns = max(columns, 2)
    tokens: list[tuple[int, str]] = []
    at = 0
    for token in _TOKEN.findall(line):
        tokens.append((at, token))
        at += len(token)
    starts: list[int] = []
    current: list[tuple[int, str]] = []
    used = 0
    for offset, token in tokens:
        size = width(token)
        if token.isspace():
            if current or not starts:  # spaces that open a line after a break are dropped, an indent kept
                current.append((offset, token))
                used += size
            continue
        if used + size > columns and current:
            spaces: list[tuple[int, str]] = []
            while current and current[-1][1].isspace():
                spaces.insert(0, current.pop())
            carry: list[tuple[int, str]] = []
            if token[0] in _NO_START:  # closing punctuation takes the character before (and its own kind)
                while len(current) > 1:
                    carry.insert(0, current.pop())
                    if carry[0][1][0] not in _NO_START:
                        break
            while len(current) > 1 and current[-1][1][-1] in _NO_END:  # opening punctuation goes along
                carry.insert(0, current.pop())
            if carry:  # the spaces between what is carried and the token go along with it
                carry += spaces
            starts.append(carry[0][0] if carry else offset)
            current, used = carry, sum(width(t) for _, t in carry)
        current.append((offset, token))
        used += size
    return starts


def wrap_line(line: str, columns: int) -> list[str]:
    starts = breaks(line, columns)
    bounds = [0] + starts + [len(line)]
    return [line[a:b].rstrip() for a, b in zip(bounds, bounds[1:])]


def wrap_text(text: str, columns: int) -> list[str]:
    """Every line of `text` wrapped (blank lines kept)."""
    out: list[str] = []
    for line in text.split("\n"):
        out += wrap_line(line, columns) if line else [""]
    return out


def wrap_rich(text: Text | str, columns: int) -> Text:
    """A rich Text with its line breaks put where wrap_line would, styles kept."""
    text = text if isinstance(text, Text) else Text(text)
    plain, offsets, base = text.plain, [], 0
    for line in plain.split("\n"):
        offsets += [base + o for o in breaks(line, columns)]
        base += len(line) + 1
    if not offsets:
        return text
    pieces = text.divide(offsets)
    for piece in pieces[:-1]:
        piece.rstrip()
    return Text("\n").join(pieces)


def _fold(text: Text, columns: int) -> Text:
    """Lines still wider than the column (a run that cannot be broken, like a path) cut at the width."""
    lines = text.split("\n", allow_blank=True)
    if all(line.cell_len <= columns for line in lines):
        return text
    out: list[Text] = []
    for line in lines:
        while line.cell_len > columns:
            cut = 0
            while cut < len(line.plain) and width(line.plain[:cut + 1]) <= columns:
                cut += 1
            head, line = line.divide([max(cut, 1)])
            out.append(head)
        out.append(line)
    return Text("\n").join(out)


def fitted_table(console_width: int, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]],
                 **options: Any) -> Table:
    """A table whose text columns ("text") share what the others ("left", "right": numbers, codes, ids) leave,
    each text cell broken by wrap_rich to its column's width, so nothing is folded mid-number."""
    cells = [[cell if isinstance(cell, Text) else Text(str(cell)) for cell in row] for row in rows]
    natural = [max([width(label)] + [max((width(line) for line in row[i].plain.split("\n")), default=0)
                                     for row in cells]) for i, (label, _) in enumerate(columns)]
    fixed = sum(natural[i] for i, (_, kind) in enumerate(columns) if kind != "text")
    room = max(console_width - fixed - 3 * len(columns) - 2, 8)  # a space either side of a cell, and the rules
    text_columns = [i for i, (_, kind) in enumerate(columns) if kind == "text"]
    # Each text column is at least as wide as its label and its widest unbreakable run (a figure, a code);
    # what is left goes by natural width, a very long text (a paragraph of a target) not starving the others.
    floor = {i: max([width(columns[i][0])] + [width(t) for row in cells for t in _TOKEN.findall(row[i].plain)
                                                if not t.isspace()]) for i in text_columns}
    widths = dict(enumerate(natural))
    for i in text_columns:
        widths[i] = min(floor[i], natural[i])
    # A run wider than the room (a long file path) cannot push the figures off the line: it is folded.
    while sum(widths[i] for i in text_columns) > room and any(widths[i] > 4 for i in text_columns):
        widest = max(text_columns, key=lambda i: widths[i])
        widths[widest] -= 1
    spare = room - sum(widths[i] for i in text_columns)
    share = {i: min(natural[i], 30) - widths[i] for i in text_columns}
    want = sum(max(v, 0) for v in share.values()) or 1
    budget = spare
    for i in text_columns:
        extra = max(0, min(natural[i] - widths[i], budget * max(share[i], 0) // want))
        widths[i] += extra
        spare -= extra
    for i in sorted(text_columns, key=lambda i: natural[i] - widths[i], reverse=True):
        extra = min(spare, natural[i] - widths[i])
        if extra > 0:
            widths[i] += extra
            spare -= extra
    table = Table(**options)
    for i, (label, kind) in enumerate(columns):
        table.add_column(label, justify="right" if kind == "right" else "left", no_wrap=True, width=widths[i])
    for row in cells:
        table.add_row(*[_fold(wrap_rich(cell, widths[i]), widths[i]) if columns[i][1] == "text" else cell
                        for i, cell in enumerate(row)])
    return table


def print_in_pieces(console: Console, renderable: Any, lines: int = 200) -> None:
    """console.print(renderable), written a few hundred lines at a time: rich renders a whole table before
    writing any of it, which for a province's batch (a line per form) was most of a command's memory."""
    from rich.segment import Segment, Segments

    piece: list[Segment] = []
    count = 0
    for segment in console.render(renderable):
        piece.append(segment)
        if segment.text == "\n":
            count += 1
            if count >= lines:
                console.print(Segments(piece), end="")
                piece, count = [], 0
    console.print(Segments(piece), end="")


__all__ = ["wrap_text", "wrap_line", "wrap_rich", "breaks", "width", "fitted_table", "print_in_pieces"]
