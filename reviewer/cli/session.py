"""The keyboard session on a terminal: one critique per screen, one keypress per decision.

The walk itself (next critique, skips, undo) is reviewer/signoff/session.py's; this draws it.
Every decision is committed before the next screen is drawn, so quitting,
Ctrl-C or a closed terminal loses nothing already decided; the next session
starts again at the first pending critique.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import sys
import tempfile
from typing import Any, Callable, TextIO


from rich import box
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..checks.catalogue import DIRECTION_LABEL, SEVERITY_LABEL, TAG_LABEL, VERDICT_LABEL, source_label, title_of
from ..errors import ReviewerError
from ..signoff.session import Queue
from ..store import STATUS_LABEL, Conflict, Critique, Filters, FormRecord, Store, StoreError
from .render import SEVERITY_STYLE
KEYS_LINE = "[a] 采纳  [r] 驳回  [e] 修改意见  [s] 跳过  [u] 撤销  [?] 帮助  [q] 退出"  # v (全文) is named where text is cut
HELP = """\
按键说明
  a  采纳：按建议意见（或已修改的文字）列入审核意见
  r  驳回：不列入审核意见
  e  修改意见：在编辑器（$EDITOR）中修改建议意见；未设置 EDITOR 时在此直接输入
  s  跳过：暂不处理，本次会话不再显示；下次启动仍从第一条待审意见开始
  u  撤销：撤销上一次决定并回到该条意见，可连续撤销多步
  v  全文：终端太小、文字被截断（…）时查看本条意见的全部内容
  q  退出：所有决定均已即时保存
按任意键返回。"""
# A screen taller than the terminal scrolls its top (the 意见 N/M header, the form) out of sight:
# the long texts are cut to fit, each with a marker saying how to read the rest.
SPACER, FIXED = "spacer", "fixed"
MORE_COMMENT = "…（按 e 查看/修改全文）"
MORE_TEXT = "…（按 v 查看全文）"


class KeyReader:
    """One keypress at a time from a terminal (cbreak mode); one line at a time otherwise."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdin
        self.tty = self.stream.isatty()

    def key(self) -> str:
        if not self.tty:
            line = self.stream.readline()
            return "q" if line == "" else line.strip()[:1]
        import termios
        import tty

        fd = self.stream.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)  # keeps ISIG: Ctrl-C still interrupts
            data = os.read(fd, 1)
            if data and data[0] >= 0xC0:  # the rest of a UTF-8 character
                data += os.read(fd, 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3)
            elif data == b"\x1b":  # an arrow or function key: drop its tail
                while select.select([fd], [], [], 0.02)[0]:
                    os.read(fd, 16)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if not data or data == b"\x04":
            return "q"
        return data.decode("utf-8", "replace")

    def line(self, prompt: str) -> str | None:
        sys.stdout.write(prompt)
        sys.stdout.flush()
        line = self.stream.readline()
        return None if line == "" else line.rstrip("\n")


def edit_text(text: str, reader: KeyReader, console: Console) -> str | None:
    """The reviewer's new wording, or None when left unchanged or cancelled."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
            handle.write(text + "\n")
            path = handle.name
        try:
            subprocess.call([*shlex.split(editor), path])
            with open(path, encoding="utf-8") as handle:
                new = handle.read().strip()
        except (OSError, ValueError):
            raise StoreError(f"无法启动编辑器“{editor}”，请检查 EDITOR 设置（或取消设置以直接输入）") from None
        finally:
            os.unlink(path)
    else:
        console.print(Text("当前意见：", style="bold"), Text(text))
        new = (reader.line("修改后的意见（直接回车保留原文）：") or "").strip()
    return new if new and new != text.strip() else None


def _indicator_row(table: Table, row: dict[str, Any]) -> None:
    table.add_row(
        str(row["index"] + 1), row["name"], row["target"] or "—", row["actual"] or "—", row["weight"],
        row["claimed"] or "—", row["recomputed"] or "—", DIRECTION_LABEL.get(row["direction"], row["direction"]),
    )


def _rows_table(card: dict[str, Any], indices: list[int]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("指标", ratio=3)
    table.add_column("指标值", ratio=1)
    table.add_column("实际值", ratio=1)
    for label in ("分值", "自评", "复核"):
        table.add_column(label, justify="right", no_wrap=True)
    table.add_column("方式", style="dim", no_wrap=True)
    for index in indices:
        _indicator_row(table, card["indicators"][index])
    return table


def _funds_table(form: FormRecord, card: dict[str, Any]) -> Table:
    funds, unit = card["funds"], card["unit"]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for label in (f"全年预算（{unit}）", f"全年执行（{unit}）", "执行率", "分值", "自评", "复核", "总分 自评/复核"):
        table.add_column(label, justify="right", no_wrap=True)
    rate = f"{funds['rate_printed'] or '—'}%（复核 {funds['rate'] or '—'}%）"
    table.add_row(funds["budget"] or "—", funds["executed"] or "—", rate, funds["weight"], funds["claimed"] or "—",
                  funds["recomputed"] or "—", f"{form.claimed_total or '—'} / {form.recomputed_total}")
    return table


def _explanations(card: dict[str, Any], indices: list[int]) -> list[Text]:
    texts: dict[str, list[int]] = {}
    for index in indices:
        texts.setdefault((card["indicators"][index]["explanation"] or "").strip(), []).append(index)
    if not indices:
        explanation = (card["funds"].get("explanation") or "").strip()
        texts = {explanation: []} if explanation else {}
    lines = []
    for text, where in texts.items():
        label = "偏差说明" + (f"（第{'、'.join(str(i + 1) for i in where)}项）" if len(texts) > 1 else "")
        lines.append(Text.assemble((f"{label}：", "bold"), text or ("（未填写）", "red")))
    return lines


def _height(console: Console, renderable: Any, width: int) -> int:
    return len(console.render_lines(renderable, console.options.update(width=width, height=None), pad=False))


def _clip(console: Console, text: Text, width: int, limit: int, marker: str) -> Text:
    """The first `limit` lines of `text` at `width`, the last one ending in `marker`."""
    lines = list(text.wrap(console, width))
    if len(lines) <= limit:
        return text
    kept = lines[:max(limit, 1)]
    more = Text(marker, style="dim")
    last = kept[-1].copy()
    last.rstrip()
    last.truncate(max(width - more.cell_len, 0))
    kept[-1] = Text.assemble(last, more)
    return Text("\n").join(kept)


def fit(console: Console, parts: list[tuple[Any, str]], height: int | None) -> list[Any]:
    """The screen's parts cut to fit a panel of `height` lines (None: as they are).

    Spacers go first; then the long texts share the lines the fixed parts (header,
    rows, key line) leave, each keeping all of itself if it fits in its share."""
    if height is None:
        return [part for part, _ in parts]
    width = console.width - 4  # the panel's borders and padding
    budget = height - 3  # its top and bottom border, and the line the cursor rests on
    sizes = [_height(console, part, width) for part, _ in parts]
    if sum(sizes) <= budget:
        return [part for part, _ in parts]
    kept = [i for i, (_, kind) in enumerate(parts) if kind != SPACER]
    clippable = sorted((i for i in kept if parts[i][1] != FIXED), key=lambda i: sizes[i])
    room = budget - sum(sizes[i] for i in kept if parts[i][1] == FIXED)
    allowed = {}
    for left, i in enumerate(clippable):
        allowed[i] = min(sizes[i], max(room // (len(clippable) - left), 1))
        room -= allowed[i]
    return [_clip(console, parts[i][0], width, allowed[i], parts[i][1]) if i in allowed else parts[i][0]
            for i in kept]


def build_screen(store: Store, critique: Critique, progress: Any, reviewer: str, message: str = "",
                 forms: dict[str, tuple[FormRecord, dict[str, Any]]] | None = None, console: Console | None = None,
                 height: int | None = None) -> Panel:
    """Everything the reviewer needs to decide on one critique, fitted to `height` lines when given."""
    forms = forms if forms is not None else {}
    if critique.form_id not in forms:
        record = store.form(critique.form_id)
        forms[critique.form_id] = (record, record.scorecard)
    form, card = forms[critique.form_id]
    indices = list(critique.indicators)
    severity = critique.severity
    parts: list[tuple[Any, str]] = [
        (Text.assemble(("表单：", "bold"), f"{form.name}（{form.year}年度）",
                       (f"  {form.department}  {form.file}", "dim")), FIXED),
    ]
    if indices:
        first = card["indicators"][indices[0]]
        where = "、".join(str(i + 1) for i in indices)
        parts.append((Text.assemble(("指标：", "bold"), f"第{where}项  {first['name']}",
                                    (f"（{first['level1']} / {first['level2']}）", "dim")), FIXED))
        parts.append((_rows_table(card, indices), FIXED))
    else:
        parts.append((Text.assemble(("指标：", "bold"), "全表（预算执行与总分）"), FIXED))
        parts.append((_funds_table(form, card), FIXED))
    parts += [(text, MORE_TEXT) for text in _explanations(card, indices)]
    model = critique.data.get("model") if critique.source == "judge:llm" else None
    parts.append((Text(""), SPACER))
    parts.append((Text.assemble(
        (f"[{SEVERITY_LABEL[severity]}] ", SEVERITY_STYLE[severity]), (title_of(critique.code, critique.indicators), "bold"),
        (f"  {critique.code} · {source_label(critique.source, model)}", "dim")), FIXED))
    parts.append((Text(critique.message), MORE_TEXT))
    if critique.verdict:
        tags = "、".join(TAG_LABEL.get(tag, tag) for tag in critique.tags)
        parts.append((Text.assemble(("评判：", "bold"), VERDICT_LABEL.get(critique.verdict, critique.verdict),
                                    f"（{tags}）" if tags else ""), FIXED))
    parts.append((Text(""), SPACER))
    parts.append((Text.assemble(("建议意见：", "bold green"), critique.comment), MORE_COMMENT))
    if critique.previous_id:
        previous = store.critique(critique.previous_id)
        if previous:
            parts.append((Text(f"上一版本中此意见：{STATUS_LABEL[previous.status]}"
                               + (f"（修改为：{previous.final_comment}）" if previous.final_comment else ""),
                               style="magenta"), MORE_TEXT))
    parts.append((Text(""), SPACER))
    parts.append((Text(KEYS_LINE, style="bold"), FIXED))
    if message:
        parts.append((Text(message, style="magenta"), FIXED))
    title = f"意见 {progress.done + 1}/{progress.total}  ·  本表 {progress.form_done + 1}/{progress.form_total}"
    shown = fit(console or Console(), parts, height)
    return Panel(Group(*shown), title=title, title_align="left", subtitle=f"审核人：{reviewer}",
                 subtitle_align="right", box=box.ROUNDED)


def run_session(store: Store, filters: Filters, reviewer: str, console: Console, reader: KeyReader,
                clear: Callable[[], None] | None = None) -> None:
    """Loop until every filtered critique is decided or skipped, or the reviewer quits."""
    queue = Queue(store, filters, reviewer)
    forms: dict[str, Any] = {}
    message = ""
    clear = clear or console.clear
    try:
        while True:
            critique = queue.current()
            if critique is None:
                left = f"，另有 {len(queue.skipped)} 条已跳过、仍待审" if queue.skipped else ""
                console.print(Text(f"没有待审意见了。本次处理 {queue.decided} 条{left}。", style="bold green"))
                return
            clear()
            height = console.height if console.is_terminal else None
            progress = queue.progress(critique)
            console.print(build_screen(store, critique, progress, reviewer, message, forms, console, height))
            message = ""
            key = reader.key().lower()
            try:
                if key in ("q", "\x03"):
                    break
                if key in ("a", "r"):
                    queue.decide(critique, "accept" if key == "a" else "reject")
                    message = "上一条：已采纳" if key == "a" else "上一条：已驳回"
                elif key == "e":
                    new = edit_text(critique.comment, reader, console)
                    if new is None:
                        message = "意见未修改"
                        queue.hold(critique)
                    else:
                        queue.decide(critique, "edit", new)
                        message = "上一条：已修改并采纳"
                elif key == "s":
                    queue.skip(critique)
                    message = "上一条：已跳过"
                elif key == "u":
                    queue.undo()
                    message = "已撤销上一次决定"
                elif key == "v":
                    clear()
                    with console.pager():
                        console.print(build_screen(store, critique, progress, reviewer, forms=forms, console=console))
                    queue.hold(critique)
                elif key == "?":
                    clear()
                    console.print(Panel(HELP, title="帮助", box=box.ROUNDED))
                    reader.key()
                    queue.hold(critique)
                else:
                    message = f"无效按键“{key}”，按 ? 查看帮助"
                    queue.hold(critique)
            except Conflict as exc:
                message = f"{exc.message}，已跳到下一条"
            except ReviewerError as exc:  # e.g. nothing left to undo: say so, keep going
                message = exc.message
                queue.hold(critique)
    except KeyboardInterrupt:
        pass
    console.print(Text(f"\n已退出。本次处理 {queue.decided} 条，所有决定均已保存；下次启动从第一条待审意见继续。",
                       style="bold"))
