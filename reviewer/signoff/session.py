"""The reviewer's walk through pending critiques, without a screen: what comes next, skips,
decisions and undo. The terminal session (reviewer/cli/session.py) draws it; the store keeps it.

Every decision is committed before the next critique is asked for, so quitting loses nothing
already decided; the next walk starts again at the first pending critique.
"""

from __future__ import annotations

from ..store import Critique, Filters, Progress, Store


class Queue:
    """One reviewer's pass over the filtered pending critiques."""

    def __init__(self, store: Store, filters: Filters, reviewer: str):
        self.store, self.filters, self.reviewer = store, filters, reviewer
        self.skipped: set[str] = set()
        self.decided = 0
        self._focus: str | None = None

    def current(self) -> Critique | None:
        """The critique to show: the one held (after an undo, a help screen, a failed edit), if still
        pending, else the first pending one not skipped."""
        critique = self.store.next_pending(self.filters, self.skipped, first=self._focus)
        self._focus = None
        return critique

    def hold(self, critique: Critique) -> None:
        """Show this critique again next."""
        self._focus = critique.id

    def progress(self, critique: Critique) -> Progress:
        return self.store.progress(self.filters, critique.form_id)

    def decide(self, critique: Critique, action: str, new_comment: str | None = None) -> None:
        """accept, reject or edit; Conflict when someone else decided it since it was shown."""
        self.store.decide(critique.id, action, self.reviewer, new_comment=new_comment, expect="pending")
        self.decided += 1

    def skip(self, critique: Critique) -> None:
        self.skipped.add(critique.id)

    def undo(self) -> str:
        """Undo this reviewer's last decision and show its critique next; StoreError when there is none."""
        critique_id = self.store.undo_last(self.reviewer)
        self.skipped.discard(critique_id)
        self.decided = max(self.decided - 1, 0)
        self._focus = critique_id
        return critique_id
