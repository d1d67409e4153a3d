"""The reviewer's walk through pending points, without a screen: what comes next, skips, decisions, score
changes and undo. The terminal session (reviewer/cli/session.py) draws it; the store keeps it.

Every decision is committed before the next point is asked for, so quitting loses nothing already
decided; the next walk starts again at the first pending point (待重点审核 first).

`undo` takes back this walk's last action, whatever it was (a decision, a skip or a score change), and
says what it undid; with nothing left in this walk it goes on to the reviewer's earlier decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..store import ACTION_LABEL, Conflict, Point, PointFilters, Progress, StoreError
from .service import Signoff


@dataclass
class Action:
    kind: str  # decide, skip, score
    point_id: str
    ref: str | None = None  # the decision or score change to undo
    label: str = ""


@dataclass
class Position:
    """Where the walk stands: the point's place among the filtered points (decided or skipped before it),
    and within its form."""

    number: int
    total: int
    form_number: int
    form_total: int


class Queue:
    """One reviewer's pass over the filtered pending points."""

    def __init__(self, signoff: Signoff, filters: PointFilters, reviewer: str):
        self.signoff, self.store = signoff, signoff.store
        self.filters, self.reviewer = filters, reviewer
        self.skipped: list[str] = []
        self.actions: list[Action] = []
        self.decided = 0
        self._focus: str | None = None

    def current(self) -> Point | None:
        """The point to show: the one held (after an undo, a help screen, a failed edit), if still pending,
        else the first pending one not skipped."""
        point = self.store.next_point(self.filters, self.skipped, first=self._focus)
        self._focus = None
        return point

    def hold(self, point: Point) -> None:
        """Show this point again next."""
        self.focus(point.id)

    def focus(self, point_id: str) -> None:
        """Show this point next, if it is still pending (the workbench: after an undo, a point asked for)."""
        self._focus = point_id

    def progress(self, point: Point) -> Position:
        """Decided and skipped points count as passed: the counter moves on a skip as on a decision."""
        counts: Progress = self.store.point_progress(self.filters, point.form_id)
        skipped = [self.store.point(i) for i in self.skipped]
        passed = sum(1 for p in skipped if p and p.status == "pending")
        in_form = sum(1 for p in skipped if p and p.status == "pending" and p.form_id == point.form_id)
        return Position(counts.done + passed + 1, counts.total, counts.form_done + in_form + 1, counts.form_total)

    def decide(self, point: Point, action: str, comment: str | None = None) -> None:
        """accept, reject or edit; Conflict when someone else decided it since it was shown."""
        decision = self.signoff.decide(point.id, action, self.reviewer, comment=comment, expect="pending")
        self.decided += 1
        self.actions.append(Action("decide", point.id, decision, f"{ACTION_LABEL[action]}“{point.title}”"))

    def skip(self, point: Point) -> None:
        if point.id not in self.skipped:
            self.skipped.append(point.id)
        self.actions.append(Action("skip", point.id, None, f"跳过“{point.title}”"))

    def set_score(self, point: Point, row: int, score: Decimal | str, reason: str, clause: str,
                  expect: str | None | object = ...) -> str:
        """Set a row's 复核得分; `expect` is the override shown (None: the proposal), Conflict if it changed."""
        (change,) = self.signoff.set_score(point.form_id, row, self.reviewer, score=score, reason=reason,
                                           clause=clause, expect=expect)
        where = "预算执行率" if row < 0 else f"第{row + 1}项"
        label = f"{where}复核得分改为{change.after}分"
        self.actions.append(Action("score", point.id, change.id, label))
        self.hold(point)
        return label

    def undo(self) -> str:
        """Undo the last action of this walk (else the reviewer's last decision) and show its point next;
        returns what was undone. StoreError when there is nothing to undo."""
        if self.actions:
            action = self.actions.pop()
            try:
                if action.kind == "skip":
                    if action.point_id in self.skipped:
                        self.skipped.remove(action.point_id)
                elif action.kind == "decide":
                    self.signoff.undo_decision(action.ref, self.reviewer)
                    self.decided = max(self.decided - 1, 0)
                else:
                    self.signoff.undo_score(action.ref, self.reviewer)
            except Conflict as exc:
                # Kept: it can be undone once whoever changed it since undoes their change.
                self.actions.append(action)
                raise StoreError(f"无法撤销{action.label}：{exc.message}") from None
            self._focus = action.point_id
            return f"已撤销：{action.label}"
        decision = self.signoff.undo_last(self.reviewer)
        point = self.store.point(decision.point_id)
        if point is not None and decision.point_id in self.skipped:
            self.skipped.remove(decision.point_id)
        self._focus = decision.point_id
        title = point.title if point else decision.point_id[:8]
        return f"已撤销：{ACTION_LABEL.get(decision.action, decision.action)}“{title}”"


__all__ = ["Queue", "Position", "Action", "StoreError"]
