"""What the 复核 has done lately, cheaply: for the workbench's batch overview and its team progress.

A view of thousands of forms cannot recompute every form's 复核总分 on each page; it keeps its lines and
asks the store what changed since it last looked. `activity()` is a fingerprint read in a few index
lookups: forms stored (every `review` run over a form bumps its run), decisions on points and score
changes (both append-only, so their newest rowid only grows). `touched_forms(since)` names the forms
whose points were decided or whose scores changed after a fingerprint; `current_form_stamps()` gives
each current form a stamp that changes whenever `review` stores it again.

This is a mixin of Store (store.py): it uses its connection and helpers.
"""

from __future__ import annotations

from dataclasses import dataclass

from .rows import ReviewerProgress, from_row


@dataclass(frozen=True)
class Activity:
    """A fingerprint of the database's 复核 state: equal fingerprints, nothing to recompute."""

    reviews: tuple[int, int]  # runs stored, and review runs counted over them
    decisions: int  # the newest decision on a point
    scores: int  # the newest score change


class ActivityQueries:
    def activity(self) -> Activity:
        runs = self._one("SELECT count(*), coalesce(sum(times), 0) FROM runs")
        decisions = self._one("SELECT coalesce(max(rowid), 0) FROM point_decisions")[0]
        scores = self._one("SELECT coalesce(max(rowid), 0) FROM score_changes")[0]
        return Activity((runs[0], runs[1]), decisions, scores)

    def touched_forms(self, since: Activity) -> set[str]:
        """Form versions with a decision on one of their points or a score change after `since`."""
        rows = self._all("""SELECT DISTINCT f.id FROM point_decisions d JOIN points p ON p.id = d.point_id
                            JOIN forms f ON f.n = p.form WHERE d.rowid > ?""", [since.decisions])
        rows += self._all("SELECT DISTINCT form_id FROM score_changes WHERE rowid > ?", [since.scores])
        return {row[0] for row in rows}

    def current_form_stamps(self) -> dict[str, str]:
        """Each current form's id and a stamp that changes whenever `review` stores the form again."""
        rows = self._all("""SELECT f.id, (SELECT sum(r.times) || '/' || max(r.last_at) FROM runs r
                                          WHERE r.form_id = f.id) FROM forms f WHERE f.superseded_by IS NULL""")
        return {row[0]: row[1] or "" for row in rows}

    def reviewer_progress(self) -> list[ReviewerProgress]:
        """Per reviewer: the current points whose decision in force is theirs, by status; every action
        they took (decisions, undos) and score change; and when they last acted. Most points first."""
        people: dict[str, dict] = {}

        def person(name: str) -> dict:
            return people.setdefault(name, {"reviewer": name})

        for row in self._all("""SELECT decided_by, status, count(*) FROM points
                                WHERE superseded_by IS NULL AND status != 'pending' AND decided_by IS NOT NULL
                                GROUP BY decided_by, status"""):
            person(row[0])[row[1]] = row[2]
        for row in self._all("SELECT reviewer, count(*), max(at) FROM point_decisions GROUP BY reviewer"):
            entry = person(row[0])
            entry["actions"], entry["last_at"] = row[1], row[2]
        for row in self._all("SELECT reviewer, count(*), max(at) FROM score_changes GROUP BY reviewer"):
            entry = person(row[0])
            entry["scores"] = row[1]
            entry["last_at"] = max(filter(None, (entry.get("last_at"), row[2])))
        found = [from_row(ReviewerProgress, entry) for entry in people.values()]
        return sorted(found, key=lambda p: (-p.decided, p.reviewer))


__all__ = ["Activity", "ActivityQueries"]
