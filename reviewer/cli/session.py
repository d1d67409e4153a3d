"""The keyboard session on a terminal: one point per screen, one keypress per decision.

The walk itself (next point, skips, undo) is reviewer/signoff/session.py's; the screen is screen.py's;
keys come from keys.py (cbreak once per session, so keys typed ahead are all read). Every decision is
committed before the next screen is drawn, so quitting, Ctrl-C or a closed terminal loses nothing
already decided; the next session starts again at the first pending point.
"""

from __future__ import annotations

from typing import Callable

from rich import box
from rich.console import Console
from rich.panel import Panel
from rich.text import Text

from ..errors import ReviewerError
from ..signoff.service import Signoff
from ..signoff.session import Queue
from ..store import Conflict, Point, PointFilters, StoreError
from .keys import KeyReader, edit_text
from .screen import HELP, build_screen

ACCEPTED_MESSAGE = {"a": "上一条：已采纳", "r": "上一条：已驳回"}
KEY_ACTION = {"a": "采纳", "r": "驳回", "e": "修改意见"}
WRITING_KEYS = ("a", "r", "e", "g", "u")
READ_ONLY_MESSAGE = "只读模式（--read-only）：不能采纳、驳回、修改、改分或撤销；可用 s 跳过、v 全文、q 退出"


def ask_score(queue: Queue, point: Point, reader: KeyReader, console: Console) -> str | None:
    """Prompt for the row, the new 复核得分, the clause and the reason; the change made, or None if cancelled."""
    rows = list(point.indicators) or ([-1] if point.kind == "funds" else [])
    if not rows:
        raise StoreError("本要点不涉及单项得分")
    row = rows[0]
    if len(rows) > 1:
        choice = (reader.line(f"改哪一项（{'、'.join(str(i + 1) for i in rows)}，回车取消）：") or "").strip()
        if not choice:
            return None
        if not choice.isdigit() or int(choice) - 1 not in rows:
            raise StoreError(f"请输入 {'、'.join(str(i + 1) for i in rows)} 之一")
        row = int(choice) - 1
    review = queue.signoff.form_review(point.form_id)
    current = review.score.row(row)
    score = (reader.line(f"复核得分（0–{current.weight}，当前 {current.score}，回车取消）：") or "").strip()
    if not score:
        return None
    clauses = list(queue.signoff.rulebook.clauses.values())
    console.print(Text("复核口径条款：", style="bold"))
    for n, clause in enumerate(clauses, 1):
        console.print(f"  {n:>2}. {clause.name}（{clause.deduction_text}）")
    picked = (reader.line("依据条款（编号）：") or "").strip()
    if not picked.isdigit() or not 1 <= int(picked) <= len(clauses):
        raise StoreError("请按编号选择复核口径条款（未作修改）")
    reason = (reader.line("理由：") or "").strip()
    shown, _ = queue.signoff.shown(current)  # someone's change since it was shown is a Conflict, not overwritten
    return queue.set_score(point, row, score, reason, clauses[int(picked) - 1].id, expect=shown)


def run_session(signoff: Signoff, filters: PointFilters, reviewer: str, console: Console, reader: KeyReader,
                clear: Callable[[], None] | None = None, read_only: bool = False) -> None:
    """Loop until every filtered point is decided or skipped, or the reviewer quits.

    A key that cannot be applied (someone else decided the point meanwhile) is always said, on the next
    screen or, when nothing is left to show (a colleague's bulk accept emptied the queue), before the end."""
    queue = Queue(signoff, filters, reviewer)
    message = unapplied = ""  # unapplied: a key someone else's decision made void, shown whatever comes next
    clear = clear or console.clear
    try:
        while True:
            point = queue.current()
            if point is None:
                if unapplied:
                    console.print(Text(unapplied, style="bold magenta"))
                left = f"，另有 {len(queue.skipped)} 个已跳过、仍待审" if queue.skipped else ""
                console.print(Text(f"没有待审要点了。本次处理 {queue.decided} 个{left}。", style="bold green"))
                return
            clear()
            height = console.height if console.is_terminal else None
            position = queue.progress(point)
            console.print(build_screen(signoff, point, position, reviewer, message, console, height))
            message = unapplied = ""
            key = reader.key().lower()
            try:
                if key in ("q", "\x03"):
                    break
                if read_only and key in WRITING_KEYS:
                    message = READ_ONLY_MESSAGE
                    queue.hold(point)
                    continue
                if key in ("a", "r"):
                    queue.decide(point, "accept" if key == "a" else "reject")
                    message = ACCEPTED_MESSAGE[key]
                elif key == "e":
                    new = edit_text(point.comment, reader, console)
                    if new is None:
                        message = "意见未修改"
                        queue.hold(point)
                    else:
                        queue.decide(point, "edit", new)
                        message = "上一条：已修改并采纳"
                elif key == "g":
                    queue.hold(point)
                    try:
                        done = ask_score(queue, point, reader, console)
                    except Conflict as exc:
                        done, message = None, f"{exc.message}，未修改：请核对后再改"
                        unapplied = message
                    else:
                        message = f"已改分：{done}" if done else "得分未修改"
                elif key == "s":
                    queue.skip(point)
                    message = "上一条：已跳过"
                elif key == "u":
                    message = queue.undo()
                elif key == "v":
                    clear()
                    with console.pager():
                        console.print(build_screen(signoff, point, position, reviewer, console=console))
                    queue.hold(point)
                elif key == "?":
                    clear()
                    console.print(Panel(Text(HELP), title=Text("帮助"), box=box.ROUNDED))
                    reader.key()
                    queue.hold(point)
                else:
                    message = f"无效按键“{key}”，按 ? 查看帮助"
                    queue.hold(point)
            except Conflict as exc:  # the key is not applied: say so, never drop it silently
                message = unapplied = f"{exc.message}，你的“{KEY_ACTION.get(key, key)}”未保存，已跳到下一条"
            except ReviewerError as exc:  # e.g. nothing left to undo: say so, keep going
                message = unapplied = exc.message
                queue.hold(point)
    except KeyboardInterrupt:
        pass
    done = ("只读模式，未作任何修改。" if read_only else
            f"本次处理 {queue.decided} 个要点，所有决定均已保存；下次启动从第一条待审要点继续。")
    console.print(Text(f"\n已退出。{done}", style="bold"))


__all__ = ["run_session", "KeyReader"]
