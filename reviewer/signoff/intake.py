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
from ..store import ACCEPTED, EDITED, FUNDS_ROW, PENDING, REJECTED, Critique, FormRecord, Saved, Store, now
from ..store.schema import form_rows
from .batch import Prepared
from .points import BUILDER, build_points


def save(store: Store, review: Review | Prepared) -> Saved:
    """Store one reviewed form with its points; `carried` counts point decisions carried from the
    previous version (or, for a form made current again, from the newer one), `scores_carried` the
    reviewer's score changes carried likewise and `scores_dropped` those that no longer fit.
    A Prepared review (batch.py: built in a worker) is stored as it was built, and remembered
    for a re-review when it carries its file's digest."""
    if isinstance(review, Review):
        rows = form_rows(review)  # assigns the finding ids the points refer to
        points, body = build_points(review), None
    else:
        rows, points, body = review.rows, review.points, review.points_body
    with store.transaction():
        saved = store.save_rows(rows)
        at = saved.at or now()
        carried = store.save_points(saved.form_id, points, BUILDER, at, body, new_form=saved.row)
        if saved.revived and saved.previous_id:
            carried += store.carry_back_points(saved.form_id, saved.previous_id, at)
        # A new form's points were written with its queue place and superseded_by (save_points reads them in
        # this transaction): only a form stored before, and the version it replaces, need them set again.
        lineage = ([] if saved.new_form else [saved.form_id]) + ([saved.previous_id] if saved.previous_id else [])
        if lineage:
            store.sync_point_lineage(lineage)
        if saved.previous_id:
            label = "沿用较新版本" if saved.revived else "沿用上一版本"
            saved.scores_carried, saved.scores_dropped = carry_score_changes(
                store, saved.previous_id, saved.form_id, f"{label}（{saved.previous_id[:8]}）")
        if isinstance(review, Prepared) and review.digest and review.packed:
            store.remember_result(review.digest, rows, review.packed, saved)
    if saved.revived:
        saved.carried_back = carried
    else:
        saved.carried = carried
    return saved


def version_notes(file: str, saved: Saved) -> tuple[list[str], list[str]]:
    """What the reviewer is told when a form comes in as another version: what was carried over (notes),
    and each score change that no longer fits (warnings)."""
    kept = "、".join(part for part in (f"{saved.carried} 条决定" if saved.carried and not saved.revived else "",
                                       f"{saved.scores_carried} 项改分" if saved.scores_carried else "") if part)
    notes = []
    if kept:
        where = "沿用较新版本" if saved.revived else "表单已修改，作为新版本保存，沿用上一版本"
        notes.append(f"{file}：{where} {kept}")
    warnings = []
    if saved.scores_dropped:
        warnings.append(f"{file}：以下改分所在指标的名称、指标值、完成值或分值已修改，未沿用，请重新核定："
                        + "；".join(saved.scores_dropped))
    return notes, warnings


FIELD_LABEL = {"score": "得分", "value": "完成值"}


def row_label(row: int) -> str:
    return "预算执行率" if row == FUNDS_ROW else f"第{row + 1}项"


def _row_identity(card: Scorecard, row: int) -> tuple[str | None, ...] | None:
    """What a score change rests on: the row's name, target, actual and weight (for 预算执行率, the funds)."""
    if row == FUNDS_ROW:
        funds, printed = card.funds, card.form.funds
        rate = None if printed.execution_rate is None else str(printed.execution_rate.percent)
        return ("预算执行率", str(funds.budget), str(funds.executed), rate, str(printed.weight))
    if not 0 <= row < len(card.indicators):
        return None
    item = card.indicators[row]
    return (item.name, item.target.raw, item.actual.raw, str(item.weight))


def _same_row(old: Scorecard, new: Scorecard, row: int) -> int | None:
    """The new version's row that is the old `row` unchanged: in the same place, else the only such row."""
    identity = _row_identity(old, row)
    if identity is None:
        return None
    if _row_identity(new, row) == identity:
        return row
    matches = [i for i in range(len(new.indicators)) if _row_identity(new, i) == identity]
    return matches[0] if row != FUNDS_ROW and len(matches) == 1 else None


def carry_score_changes(store: Store, source_id: str, target_id: str, label: str) -> tuple[int, list[str]]:
    """The reviewer's score changes in force on one version carried onto another where their row is
    unchanged (name, target, actual, weight), each recorded with carried_from and a note; returns how many
    were carried and, for the others, what was dropped (第4项复核得分1.5（张三）)."""
    changes = store.score_overrides(source_id)
    if not changes:
        return 0, []
    source, target = card_of(store.form(source_id)), card_of(store.form(target_id))
    in_force = store.score_overrides(target_id)
    carried, dropped = 0, []
    for (row, field_name), change in sorted(changes.items()):
        index = _same_row(source, target, row)
        if index is None:
            dropped.append(f"{row_label(row)}复核{FIELD_LABEL[field_name]}{change.after}（{change.reviewer}）")
            continue
        current = in_force.get((index, field_name))
        if current is not None and current.after == change.after:
            continue
        store.change_score(target_id, index, field_name, change.after, change.reviewer, change.reason, change.clause,
                           change.shown_before, carried_from=change.id, note=f"{label}{change.reviewer}的改分")
        carried += 1
    return carried, dropped


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
        critiques = _still_raised(store, form_id)
        at = now()
        with store.transaction():
            store.save_points(form_id, build_points(review_of(record, critiques)), BUILDER, at)
            store.sync_point_lineage([form_id])
            _adopt_critique_decisions(store, form_id, {c.id: c for c in critiques}, at)
    return len(forms)


def _still_raised(store: Store, form_id: str) -> list[Critique]:
    """The stored critiques of a form version less those only retired points hold: its latest review no
    longer raised them, and a rebuild must not bring them back."""
    stale: set[str] = set()
    live: set[str] = set()
    for point in store.form_points(form_id, retired=True):
        (stale if point.retired_at else live).update(point.findings)
    return [c for c in store.form_critiques(form_id) if c.id not in stale - live]


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


__all__ = ["save", "version_notes", "carry_score_changes", "row_label", "ensure_points", "stored_form", "card_of", "review_of", "finding_of"]
