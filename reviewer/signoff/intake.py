"""Storing a review for sign-off: its form, findings and points in one transaction, decisions carried.

`save` is how a reviewed form enters the database (the `review` command, the workbench's upload).
`ensure_points` builds the points of forms stored without them: a database from before points, a form
stored with Store.save_review alone, or points built by an older builder (their pending points take the
new wording; decided ones keep what was decided). Decisions an older database holds on critiques are
carried onto the points they make up, once, with a note.
"""

from __future__ import annotations

import json
from functools import lru_cache

from ..checks.catalogue import Finding
from ..form import Form, form_from_data
from ..review import Review
from ..scoring import Scorecard, score_form
from ..store import ACCEPTED, EDITED, PENDING, REJECTED, Critique, FormRecord, Saved, Store, now
from .points import BUILDER, build_points


def save(store: Store, review: Review) -> Saved:
    """Store one reviewed form with its points; `carried` counts point decisions carried from the
    previous version (or, for a form made current again, from the newer one)."""
    with store.transaction():
        saved = store.save_review(review)
        at = now()
        carried = store.save_points(saved.form_id, build_points(review), BUILDER, at)
        if saved.revived and saved.previous_id:
            carried += store.carry_back_points(saved.form_id, saved.previous_id, at)
        store.sync_point_lineage([saved.form_id] + ([saved.previous_id] if saved.previous_id else []))
    if saved.revived:
        saved.carried_back = carried
    else:
        saved.carried = carried
    return saved


def stored_form(record: FormRecord) -> Form:
    """The form of a stored version, read back from its canonical JSON."""
    return _form(record.form_json, record.file)


@lru_cache(maxsize=256)
def _form(form_json: str, file: str) -> Form:
    data = json.loads(form_json)
    rate = data.get("funds", {}).get("execution_rate")
    if isinstance(rate, dict):  # the canonical dump writes a Rate as {"percent": "99.57"}
        data["funds"]["execution_rate"] = f"{rate['percent']}%"
    return form_from_data(data, file)


def card_of(record: FormRecord) -> Scorecard:
    """The stored version scored again (cheap, and exact: scoring is deterministic)."""
    return _card(record.form_json, record.file)


@lru_cache(maxsize=256)
def _card(form_json: str, file: str) -> Scorecard:
    return score_form(_form(form_json, file))


def finding_of(critique: Critique) -> Finding:
    return Finding(critique.code, tuple(critique.indicators), critique.message, critique.comment, critique.severity,
                   critique.source, critique.verdict, tuple(critique.tags), dict(critique.data), critique.id)


def review_of(record: FormRecord, critiques: list[Critique]) -> Review:
    return Review(record.file, stored_form(record), card_of(record), [finding_of(c) for c in critiques])


def ensure_points(store: Store) -> int:
    """Build the points of current forms that lack them (or were built by an older builder); returns how many
    forms were built."""
    forms = store.forms_without_points(BUILDER)
    for form_id in forms:
        record = store.form(form_id)
        critiques = store.form_critiques(form_id)
        at = now()
        with store.transaction():
            store.save_points(form_id, build_points(review_of(record, critiques)), BUILDER, at)
            store.sync_point_lineage([form_id])
            _adopt_critique_decisions(store, form_id, {c.id: c for c in critiques}, at)
    return len(forms)


def _adopt_critique_decisions(store: Store, form_id: str, critiques: dict[str, Critique], at: str) -> None:
    """An older database decided on critiques: a point all of whose findings were decided takes their word
    (rejected if all were rejected; else accepted, or edited with the edited wordings)."""
    if not any(c.status != PENDING for c in critiques.values()):
        return
    for point in store.form_points(form_id):
        if point.status != PENDING or store.point_decisions(point.id):
            continue
        members = [critiques[i] for i in point.findings if i in critiques]
        if not members or any(c.status == PENDING for c in members):
            continue
        latest = max(members, key=lambda c: c.decided_at or "")
        if all(c.status == REJECTED for c in members):
            status, final = REJECTED, None
        elif any(c.status == EDITED for c in members):
            kept = [c.effective_comment for c in members if c.status in (ACCEPTED, EDITED)]
            status, final = EDITED, "".join(dict.fromkeys(kept))
        else:
            status, final = ACCEPTED, None
        store.adopt_decision(point.id, status, final, latest.decided_by or "?", at,
                             f"沿用逐条意见的决定（{latest.decided_by or '?'}）", decided_at=latest.decided_at)


__all__ = ["save", "ensure_points", "stored_form", "card_of", "review_of", "finding_of"]
