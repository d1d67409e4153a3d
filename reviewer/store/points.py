"""Points, the decisions on them and the reviewer's scores: the tables of the 复核 (sign-off).

A point gathers everything raised about one indicator, one cost/count pair or one part of the form
(signoff/points.py builds them); its id is the form hash + the point's key, so storing the same
review twice stores nothing twice. Decisions on points are an append-only audit trail, like the
decisions on critiques before them; a point's status is a cache of its latest decision, written in
the same transaction. Score changes (复核完成值 / 复核得分 set by a reviewer) are append-only too:
the latest change per form, row and field is in force, and an undo is a change that puts back
what stood before.

This is a mixin of Store (store.py): it uses its connection, transaction() and helpers.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, field, fields
from typing import Any, Iterable, Mapping, Sequence

import orjson

from .base import (
    ACTION_STATUS, EDITED, PENDING, STATUS_ACTION, STATUS_LABEL, Bulk, Conflict, StoreError, Undone, form_selector,
    now, resolved, ulid,
)
from .db import blob, insert_flat, insert_rows
from .packing import body_json, pack, plain_json, unpack_json
from .rows import Point, PointDecision, Progress, Refusal, ScoreChange, from_row
from .schema import short_json, to_json

# A JSON string as to_json writes it (ensure_ascii=False), called directly: the encoder's encode() adds a call and
# its type tests to each of the few short strings a point encodes.
_string = json.encoder.encode_basestring


FUNDS_ROW = -1  # the 预算执行率 row in score_changes
_POINT_FIELDS = frozenset(f.name for f in fields(Point)) - {"comment", "parts"}


@dataclass
class PointDraft:
    """A point as signoff/points.py builds it from a review, before it is stored."""

    key: str
    seq: int
    indicators: tuple[int, ...]
    kind: str
    title: str
    severity: str
    codes: tuple[str, ...]
    verdict: str | None
    review_first: bool
    findings: tuple[str, ...]
    comment: str
    parts: dict[str, Any] = field(default_factory=dict)

    # Encoded once, where the point is built (a worker process), and kept when it is pickled. Not
    # functools.cached_property: its __get__ (a lock in Python 3.11) cost as much as the encoding.
    @property
    def columns(self) -> list[Any]:
        """The points table's columns this draft sets, from seq to signature, JSON encoded."""
        return self._encoded()[0]

    @property
    def texts(self) -> str:
        """[comment, parts] as JSON: its entry in the form's point_texts body (schema.py). A batch's worker packs
        the whole body at once (points_body) and never asks this."""
        return f"[{_string(self.comment)}, {to_json(self.parts)}]"  # to_json([comment, parts])

    @property
    def signature(self) -> str:
        """What a decision was taken on: the suggested comment and the evidence behind it."""
        return self._encoded()[1]

    def _encoded(self) -> tuple[list[Any], str]:
        encoded = self.__dict__.get("_encoding")
        if encoded is None:
            # to_json([comment, sorted(codes), indicators]).encode(): orjson writes a str's JSON as the standard
            # library does (ensure_ascii=False) and in UTF-8 already, without a Python pass over the comment's characters.
            indicators = short_json(self.indicators)
            evidence = b"".join((b"[", orjson.dumps(self.comment), b", ", short_json(tuple(sorted(self.codes))).encode(),
                                 b", ", indicators.encode(), b"]"))
            signature = hashlib.sha256(evidence).hexdigest()[:20]
            columns = [self.seq, indicators, self.kind, self.title, self.severity,
                       f" {' '.join(self.codes)} ", self.verdict, int(self.review_first),
                       "[" + ", ".join(map(_string, self.findings)) + "]",  # to_json(list(findings)), without its set-up
                       signature]
            encoded = self.__dict__["_encoding"] = (columns, signature)
        return encoded

    @property
    def row(self) -> "PointRow":
        """What save_points needs of this draft, as a plain tuple (what a worker process sends back: its
        texts go in the form's body, points_body, once)."""
        columns, signature = self._encoded()
        return (self.key, self.seq, self.codes, columns, signature)


# A point as save_points stores it, its columns encoded (PointDraft.row): (key, seq, codes, columns, signature); its
# texts are in the body points_body packs for its form. A plain tuple: pickled and unpickled in C (see CritiqueRow).
PointRow = tuple[str, int, "tuple[str, ...]", "list[Any]", str]


def points_body(drafts: Sequence[PointDraft]) -> bytes:
    """The point_texts body of a form's points (key -> [comment, parts]), packed: what save_points writes for
    a form stored without points yet, encoded and compressed where the points are built (a worker)."""
    # One encoder pass over the whole body (orjson's, as for the other bodies): {key: [comment, parts]}, which
    # the store reads back as the values draft.texts holds.
    # Its values are compose's: str, and lists of str (plain_json).
    return pack(plain_json({draft.key: [draft.comment, draft.parts] for draft in drafts}))


def point_id(form_id: str, key: str) -> str:
    return hashlib.sha256(f"{form_id}|point|{key}".encode()).hexdigest()[:20]


@dataclass(frozen=True)
class PointFilters:
    """Which points a session, a bulk action or the workbench works on; empty means all current ones.

    forms: id prefix, part of the file path or of the project name; units / departments: part of the
    实施单位 / 主管部门; codes: a finding code among the point's evidence; severities: the point's
    (its most serious finding's); verdicts: the judge's verdict on it; source: points with a rule
    finding ("rules") or with a judge's verdict ("judge")."""

    forms: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    codes: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    verdicts: tuple[str, ...] = ()
    source: str | None = None
    ids: tuple[str, ...] = ()
    review_first: bool | None = None

    def __bool__(self) -> bool:
        return any((self.forms, self.units, self.departments, self.years, self.codes, self.severities,
                    self.verdicts, self.source, self.ids, self.review_first is not None))

    @property
    def on_forms(self) -> bool:
        """Whether the filter reads the forms table (else a count needs no join)."""
        return any((self.forms, self.units, self.departments, self.years))

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["p.superseded_by IS NULL", "p.retired_at IS NULL"], []

        def parts(column: str, values: Iterable[Any]) -> None:
            values = list(values)
            clauses.append("(" + " OR ".join(f"instr({column}, ?) > 0" for _ in values) + ")")
            params.extend(values)

        if self.forms:
            clause, form_params = form_selector(self.forms)
            clauses.append(clause)
            params += form_params
        if self.units:
            parts("coalesce(f.unit, '')", self.units)
        if self.departments:
            parts("f.department", self.departments)
        if self.years:
            clauses.append(f"f.year IN ({','.join('?' * len(self.years))})")
            params += [int(y) for y in self.years]
        if self.codes:
            # By rowid: the planner then starts from the few points with the code, not from every point.
            clauses.append(f"p.n IN (SELECT point FROM point_codes WHERE code IN ({','.join('?' * len(self.codes))}))")
            params += [code.upper() for code in self.codes]
        for column, values in (("p.severity", self.severities), ("p.verdict", self.verdicts)):
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params += list(values)
        if self.source == "rules":
            clauses.append("p.codes != ' EXPLANATION_VERDICT '")
        elif self.source == "judge":
            clauses.append("p.verdict IS NOT NULL")
        if self.ids:
            clauses.append("(" + " OR ".join("substr(p.id, 1, length(?)) = ?" for _ in self.ids) + ")")
            for prefix in self.ids:
                params += [prefix, prefix]
        if self.review_first is not None:
            clauses.append("p.review_first = ?")
            params.append(int(self.review_first))
        return " AND ".join(clauses), params


QUEUE_ORDER = "p.review_first DESC, p.form_seq, p.form, p.seq"

# A form's new points (save_points, db.insert_rows): n, id, key, PointDraft.columns and previous_id each; the form's
# key, queue place, superseded_by and the time shared (?1-?4).
_NEW_POINTS = """INTO points (n, id, key, seq, indicators, kind, title, severity, codes, verdict, review_first, findings,
                 signature, previous_id, form, form_seq, superseded_by, created_at, updated_at)"""
_NEW_POINT_VALUES = ", ".join([f"column{i}" for i in range(1, 15)] + ["?1", "?2", "?3", "?4", "?4"])
# Those of a form new in this transaction (_save_new_points): no previous version, not superseded (NULL), and a point
# without a verdict sent as '', which nullif stores as NULL (no verdict is ''): no None bound (db.without_nulls).
_NEW_FORM_POINT_VALUES = ", ".join([f"column{i}" for i in range(1, 10)] + ["nullif(column10, '')"]
                                   + [f"column{i}" for i in range(11, 14)] + ["NULL", "?1", "?2", "NULL", "?3", "?3"])


def cancel_out(later: list[sqlite3.Row]) -> bool:
    """Whether what was recorded after a decision (or score change) cancels out, so that it may be undone:
    each later entry an undo of another later one, or undone by one (可连续撤销: undo, undo again).
    An entry already undone has its undo among them, which reverts it, not a later one: refused."""
    ids = {row["id"] for row in later}
    undone = {row["reverts"] for row in later if row["reverts"]}
    return all(row["reverts"] in ids or row["id"] in undone for row in later)


class PointTables:
    """Store's methods on points, point decisions, score changes and refusals."""

    conn: sqlite3.Connection
    _memo: dict[str, Any] | None

    # provided by Store
    def transaction(self) -> Any: ...  # pragma: no cover
    def _one(self, sql: str, params: Any = ()) -> sqlite3.Row | None: ...  # pragma: no cover
    def _all(self, sql: str, params: Any = ()) -> list[sqlite3.Row]: ...  # pragma: no cover
    def _next(self, name: str, first: str) -> int: ...  # pragma: no cover
    def _taken(self, name: str, following: int) -> None: ...  # pragma: no cover

    # --- storing points ----------------------------------------------------

    def save_points(self, form_id: str, drafts: Sequence[PointDraft | PointRow], builder: int, at: str,
                    body: bytes | None = None, new_form: tuple[int, int, str | None, None] | None = None) -> int:
        """Store the points of one form version; returns how many decisions were carried over.

        A point already stored keeps its decision: a pending one takes the newest suggestion (say,
        a new judge verdict), a decided one only its place (and the wording it was decided on). A new
        point whose counterpart in the previous version was decided on the same suggestion and evidence
        inherits that decision. A stored point this review no longer raises (another setting, another
        judge) is retired: out of the queue and the 复核意见, its decisions kept; raised again, it is back
        as it was. Texts (comment, parts) go to the form's point_texts body (schema.py): `body`, points_body(drafts)
        when given (PointRow drafts carry no texts), else built from the drafts. `new_form`: the form's row
        (n, seq, previous_id, superseded_by) when it was stored in this transaction (Saved.row): it has no points yet."""
        if new_form is not None and new_form[2] is None and new_form[3] is None:
            self._save_new_points(form_id, new_form[0], new_form[1], drafts, builder, at, body)
            return 0
        carried, carry = 0, []
        with self.transaction():
            form = new_form or self._one("SELECT n, seq, previous_id, superseded_by FROM forms WHERE id = ?", [form_id])
            key, form_seq, previous_id, superseded_by = form
            previous = {}
            if previous_id:
                previous = {row["key"]: row for row in self._all(
                    "SELECT p.* FROM points p WHERE p.form = (SELECT n FROM forms WHERE id = ?)", [previous_id])}
            # One read of the form's stored points, then the writes in bulk.
            stored = {} if new_form else {
                row[0]: row for row in self._all("SELECT id, status, n, codes FROM points WHERE form = ?", [key])}
            # New points take their keys (n) here: their codes are written with them, without reading them back.
            next_n = self._next("n", "SELECT coalesce(max(n), 0) + 1 FROM points")  # the rowid's end: one seek
            fresh, refreshed, kept, codes, uncoded, texts = [], [], [], [], [], []
            keys = []
            for draft in drafts:
                point_key, seq, point_codes, values, signature = draft.row if isinstance(draft, PointDraft) else draft
                keys.append(point_key)
                pid = point_id(form_id, point_key)
                row = stored.get(pid)
                if row is not None and row["status"] == PENDING:
                    refreshed.append([*values, at, pid])
                    uncoded += [(code, row["n"]) for code in row["codes"].split()]
                    codes += [(code, row["n"]) for code in point_codes]
                    texts.append(point_key)
                    continue
                if row is not None:
                    kept.append([seq, pid])
                    continue
                prior = previous.get(point_key)
                fresh.append((next_n, pid, point_key, *values, prior["id"] if prior else None))
                codes += [(code, next_n) for code in point_codes]
                texts.append(point_key)
                next_n += 1
                if prior is not None and prior["status"] != PENDING and prior["signature"] == signature:
                    carry.append((prior, pid))
            # One statement for the new points (insert_rows), the form's key, place, superseded_by and time bound once.
            insert_rows(self.conn, _NEW_POINTS, _NEW_POINT_VALUES, fresh, (key, form_seq, superseded_by, at))
            self._taken("n", next_n)
            if refreshed:  # a form with points stored: none for a new one (each statement costs, even with no rows)
                self.conn.executemany(
                    """UPDATE points SET seq = ?, indicators = ?, kind = ?, title = ?, severity = ?, codes = ?,
                       verdict = ?, review_first = ?, findings = ?, signature = ?,
                       updated_at = ?, retired_at = NULL WHERE id = ?""", refreshed)
            if kept:
                self.conn.executemany("UPDATE points SET seq = ?, retired_at = NULL WHERE id = ?", kept)
            if uncoded:
                self.conn.executemany("DELETE FROM point_codes WHERE code = ? AND point = ?", uncoded)
            insert_rows(self.conn, "OR IGNORE INTO point_codes (code, point)", "column1, column2", codes)
            self._save_point_texts(key, texts, merge=bool(stored), body=body, drafts=drafts)
            for prior, pid in carry:
                self._carry_point(prior, pid, at, f"沿用上一版本（{previous_id[:8]}）")
                carried += 1
            if stored:
                self._retire_points(key, keys, at)
            self.conn.execute("INSERT OR REPLACE INTO point_builds VALUES (?, ?, ?)", [form_id, builder, at])
        return carried

    def _save_new_points(self, form_id: str, form: int, form_seq: int, drafts: Sequence[PointDraft | PointRow],
                         builder: int, at: str, body: bytes | None) -> None:
        """save_points for a form stored in this transaction with no version before it (Saved.row), which a batch's
        forms nearly all are: every point is new, and nothing is read, carried or retired."""
        with self.transaction():
            n = self._next("n", "SELECT coalesce(max(n), 0) + 1 FROM points")
            fresh: list[Any] = []
            codes: list[Any] = []  # (code, point n) after (code, point n)
            for draft in drafts:
                point_key, _, point_codes, values, _ = draft.row if isinstance(draft, PointDraft) else draft
                seq, indicators, kind, title, severity, coded, verdict, review_first, findings, signature = values
                fresh += (n, point_id(form_id, point_key), point_key, seq, indicators, kind, title, severity, coded,
                          verdict or "", review_first, findings, signature)
                for code in point_codes:
                    codes += (code, n)
                n += 1
            insert_flat(self.conn, _NEW_POINTS, _NEW_FORM_POINT_VALUES, 13, fresh, (form, form_seq, at))
            self._taken("n", n)
            insert_flat(self.conn, "OR IGNORE INTO point_codes (code, point)", "column1, column2", 2, codes)
            if drafts:
                self.conn.execute("INSERT OR REPLACE INTO point_texts VALUES (?, ?)",
                                  [form, blob(body if body is not None else points_body(drafts))])
            self.conn.execute("INSERT OR REPLACE INTO point_builds VALUES (?, ?, ?)", [form_id, builder, at])

    def _save_point_texts(self, form: int, written: list[str], merge: bool, body: bytes | None,
                          drafts: Sequence[Any]) -> None:
        """Write the texts ([comment, parts]) of a form's new and refreshed points (`written`, their keys): the whole
        body for a form without points yet (every draft is new), else merged into the stored one (decided
        points keep theirs). `body`: points_body of all the form's drafts, when the caller has it (else the
        drafts are PointDrafts, which carry their texts)."""
        if not written:
            return
        if merge:
            entries = (unpack_json(body) if body is not None
                       else {draft.key: json.loads(draft.texts) for draft in drafts})
            stored = self._point_texts(form)
            stored.update({point_key: entries[point_key] for point_key in written})
            packed = pack(body_json(stored))
        else:  # encoded and packed where the points were built (a worker), when given
            packed = body if body is not None else points_body(drafts)
        self.conn.execute("INSERT OR REPLACE INTO point_texts VALUES (?, ?)", [form, packed])

    def _point_texts(self, form: int) -> dict[str, list[Any]]:
        """key -> [comment, parts] of one form version's points."""
        row = self._one("SELECT body FROM point_texts WHERE form = ?", [form])
        return {} if row is None else unpack_json(row[0])

    def _comment(self, row: sqlite3.Row) -> str:
        """The suggested comment of a point read as a row."""
        return self._point_texts(row["form"]).get(row["key"], [""])[0]

    def _retire_points(self, form: int, keys: list[str], at: str) -> None:
        """Points of this form version the review no longer raises: retired (their decisions stay)."""
        self.conn.execute(f"""UPDATE points SET retired_at = ? WHERE form = ? AND retired_at IS NULL
                              AND key NOT IN ({','.join('?' * len(keys))})""", [at, form, *keys])

    def sync_point_lineage(self, form_ids: Iterable[str]) -> None:
        """Points follow their form: superseded with it, current again with it, in its queue place."""
        with self.transaction():
            for form_id in form_ids:
                form = self._one("SELECT n, seq, superseded_by FROM forms WHERE id = ?", [form_id])
                if form is not None:
                    self.conn.execute("UPDATE points SET superseded_by = ?, form_seq = ? WHERE form = ?",
                                      [form["superseded_by"], form["seq"], form["n"]])

    def carry_back_points(self, form_id: str, newer_form: str, at: str) -> int:
        """On a form version made current again: the newer version's decisions on identical points."""
        carried = 0
        with self.transaction():
            newer = {row["key"]: row for row in self._all(
                "SELECT * FROM points WHERE form = (SELECT n FROM forms WHERE id = ?)", [newer_form])}
            for row in self._all("SELECT * FROM points WHERE form = (SELECT n FROM forms WHERE id = ?) ORDER BY seq",
                                 [form_id]):
                prior = newer.get(row["key"])
                if prior is None or prior["signature"] != row["signature"]:
                    continue
                if (prior["status"], prior["final_comment"]) == (row["status"], row["final_comment"]):
                    continue
                if self._one("SELECT 1 FROM point_decisions WHERE point_id = ? LIMIT 1", [prior["id"]]) is None:
                    continue
                self._carry_point(prior, row["id"], at, f"沿用较新版本（{newer_form[:8]}）", before=row)
                carried += 1
        return carried

    def _carry_point(self, prior: sqlite3.Row, target: str, at: str, label: str,
                     before: sqlite3.Row | None = None) -> None:
        last = self._one("SELECT id, reviewer FROM point_decisions WHERE point_id = ? ORDER BY rowid DESC LIMIT 1",
                         [prior["id"]])
        reviewer = prior["decided_by"] or (last["reviewer"] if last else "?")
        note = f"{label}{reviewer}的决定：{STATUS_LABEL[prior['status']]}"
        self.adopt_decision(target, prior["status"], prior["final_comment"], reviewer, at, note,
                            carried_from=last["id"] if last else None, decided_at=prior["decided_at"], before=before)

    def adopt_decision(self, target: str, status: str, final_comment: str | None, reviewer: str, at: str,
                       note: str, carried_from: str | None = None, decided_at: str | None = None,
                       before: sqlite3.Row | None = None) -> None:
        """Give a point a decision taken elsewhere (another version, the critiques of an older database),
        recorded as a decision with a note saying where from."""
        row = before or self._one("SELECT * FROM points WHERE id = ?", [target])
        comment = self._comment(row)
        old = row["final_comment"] if row["status"] == EDITED else comment
        new = final_comment if status == EDITED else comment
        self.conn.execute(
            """INSERT INTO point_decisions (id, point_id, action, reviewer, at, status_before, status_after,
               old_comment, new_comment, carried_from, note) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [ulid(), target, STATUS_ACTION[status], reviewer, at, row["status"], status, old, new, carried_from, note])
        decided = status != PENDING
        self.conn.execute(
            """UPDATE points SET status = ?, final_comment = ?, decided_by = ?, decided_at = ?, note = ?, updated_at = ?
               WHERE id = ?""",
            [status, final_comment if status == EDITED else None, reviewer if decided else None,
             (decided_at or at) if decided else None, note, at, target])

    def forms_without_points(self, builder: int) -> list[str]:
        """Current forms whose points were never built, or built by an older builder."""
        return [row[0] for row in self._all(
            """SELECT f.id FROM forms f LEFT JOIN point_builds b ON b.form_id = f.id
               WHERE f.superseded_by IS NULL AND (b.form_id IS NULL OR b.builder < ?) ORDER BY f.seq""", [builder])]

    # --- reading points ------------------------------------------------------

    _POINTS = """SELECT p.*, f.id AS form_id, f.name AS form_name, f.file AS form_file, f.unit AS form_unit
                 FROM points p JOIN forms f ON f.n = p.form"""

    def _points(self, rows: Iterable[sqlite3.Row]) -> list[Point]:
        """Points from their rows, each with its texts (one body read per form, a few forms kept at once)."""
        bodies: dict[int, dict[str, list[Any]]] = {}
        out = []
        for row in rows:
            body = bodies.get(row["form"])
            if body is None:
                if len(bodies) >= 64:
                    bodies.clear()
                body = bodies[row["form"]] = self._point_texts(row["form"])
            comment, parts = body.get(row["key"], ("", {}))
            out.append(Point(**{k: row[k] for k in row.keys() if k in _POINT_FIELDS}, comment=comment, parts=parts))
        return out

    def points(self, filters: PointFilters = PointFilters(),
               statuses: tuple[str, ...] | None = None) -> list[Point]:
        """The filtered current points in queue order (待重点审核 first), any status unless given."""
        where, params = filters.where()
        if statuses:
            where += f" AND p.status IN ({','.join('?' * len(statuses))})"
            params += list(statuses)
        return self._points(self.conn.execute(f"{self._POINTS} WHERE {where} ORDER BY {QUEUE_ORDER}", params))

    def point(self, pid: str) -> Point | None:
        found = self._points(self._all(f"{self._POINTS} WHERE p.id = ?", [pid]))
        return found[0] if found else None

    def form_points(self, form_id: str, retired: bool = False) -> list[Point]:
        """The points of one form version, 待重点审核 first, then in the order of the form; those its review
        no longer raises only when `retired` (the history)."""
        live = "" if retired else " AND p.retired_at IS NULL"
        return self._points(self._all(
            f"{self._POINTS} WHERE f.id = ?{live} ORDER BY p.review_first DESC, p.seq", [form_id]))

    def next_point(self, filters: PointFilters, skip: Iterable[str] = (), first: str | None = None) -> Point | None:
        """The point to show next: `first` if it is still pending, else the first pending one in queue order."""
        where, params = filters.where()
        where += " AND p.status = 'pending'"
        if first:
            found = self._points(self._all(f"{self._POINTS} WHERE {where} AND p.id = ?", params + [first]))
            if found:
                return found[0]
        skip = list(skip)
        if skip:
            where += f" AND p.id NOT IN ({','.join('?' * len(skip))})"
            params += skip
        # INDEXED BY: walk the pending-only index in queue order rather than sort every candidate.
        found = self._points(self._all(
            f"""SELECT p.*, f.id AS form_id, f.name AS form_name, f.file AS form_file, f.unit AS form_unit
                FROM points p INDEXED BY points_pending JOIN forms f ON f.n = p.form
                WHERE {where} ORDER BY {QUEUE_ORDER} LIMIT 1""", params))
        return found[0] if found else None

    def point_progress(self, filters: PointFilters, form_id: str) -> Progress:
        """Decided and total over the filtered points, then the same within one form."""
        where, params = filters.where()
        # Every keystroke asks this: without a form filter the count walks the points_scope index alone.
        join = "JOIN forms f ON f.n = p.form" if filters.on_forms else ""
        counts = f"""SELECT count(*), coalesce(sum(p.status != 'pending'), 0) FROM points p {join} WHERE {where}"""
        total, done = self._one(counts, params)
        form_total, form_done = self._one(counts + " AND p.form = (SELECT n FROM forms WHERE id = ?)",
                                          params + [form_id])
        return Progress(done, total, form_done, form_total)

    def point_decisions(self, pid: str) -> list[PointDecision]:
        return [from_row(PointDecision, row) for row in
                self._all("SELECT * FROM point_decisions WHERE point_id = ? ORDER BY rowid", [pid])]

    # --- deciding ------------------------------------------------------------

    def decide_point(self, pid: str, action: str, reviewer: str, new_comment: str | None = None,
                     expect: str | None = None, batch: str | None = None) -> str | None:
        """Record one decision on a point and apply it; the decision's id, or None when it changes nothing.

        `expect` is the status the reviewer saw: if someone decided meanwhile, Conflict is raised and
        nothing is written (a decision is never overwritten unseen)."""
        if action not in ACTION_STATUS:
            raise StoreError(f"未知的决定：{action}")
        with self.transaction():
            row = self._one("SELECT * FROM points WHERE id = ?", [pid])
            if row is None:
                raise StoreError(f"要点 {pid} 不存在")
            if expect is not None and row["status"] != expect:
                raise Conflict(f"该要点已由 {row['decided_by'] or '他人'} 处理（{STATUS_LABEL[row['status']]}）")
            status = ACTION_STATUS[action]
            if action == "edit" and not (new_comment or "").strip():
                raise StoreError("修改后的意见不能为空")
            if status == row["status"] and (action != "edit" or new_comment == row["final_comment"]):
                return None
            return self._apply_point(row, action, reviewer, status, new_comment if action == "edit" else None, batch)

    def _apply_point(self, row: sqlite3.Row, action: str, reviewer: str, status: str, final: str | None,
                     batch: str | None = None, reverts: str | None = None) -> str:
        at, decision_id = now(), ulid()
        comment = self._comment(row)
        old = row["final_comment"] if row["status"] == EDITED else comment
        new = final if status == EDITED else comment
        self.conn.execute(
            """INSERT INTO point_decisions (id, point_id, action, reviewer, at, status_before, status_after,
               old_comment, new_comment, batch, reverts) VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
            [decision_id, row["id"], action, reviewer, at, row["status"], status, old, new, batch, reverts])
        decided = status != PENDING
        self.conn.execute(
            """UPDATE points SET status = ?, final_comment = ?, decided_by = ?, decided_at = ?, note = NULL,
               updated_at = ? WHERE id = ?""",
            [status, final if status == EDITED else None, reviewer if decided else None,
             at if decided else None, at, row["id"]])
        return decision_id

    def undo_point_decision(self, decision_id: str, reviewer: str, batch: str | None = None) -> PointDecision:
        """Undo one decision, if no later decision on its point stands on top of it (else Conflict): later
        ones that cancel out (a decision and its undo) do not. Returns the decision undone."""
        with self.transaction():
            decision = self._one("SELECT * FROM point_decisions WHERE id = ?", [decision_id])
            if decision is None:
                raise StoreError(f"决定 {decision_id} 不存在")
            if self._revert_point(decision, reviewer, batch) is None:
                raise Conflict("该要点之后已被他人修改，无法撤销")
            return from_row(PointDecision, decision)

    def _revert_point(self, decision: sqlite3.Row, reviewer: str, batch: str | None = None) -> str | None:
        later = self._all("""SELECT id, reverts FROM point_decisions WHERE point_id = ? AND rowid >
                             (SELECT rowid FROM point_decisions WHERE id = ?) ORDER BY rowid""",
                          [decision["point_id"], decision["id"]])
        if not cancel_out(later):
            return None
        row = self._one("SELECT * FROM points WHERE id = ?", [decision["point_id"]])
        restored = decision["status_before"]
        final = decision["old_comment"] if restored == EDITED else None
        self._apply_point(row, "undo", reviewer, restored, final, batch=batch, reverts=decision["id"])
        return row["id"]

    def last_point_decision(self, reviewer: str) -> PointDecision | None:
        """This reviewer's latest single decision still in force (not a bulk one, not carried, not undone)."""
        return from_row(PointDecision, self._one(
            """SELECT d.* FROM point_decisions d WHERE d.reviewer = ? AND d.action != 'undo' AND d.batch IS NULL
               AND d.carried_from IS NULL AND NOT EXISTS (SELECT 1 FROM point_decisions u WHERE u.reverts = d.id)
               ORDER BY d.rowid DESC LIMIT 1""", [reviewer]))

    def undo_last_point(self, reviewer: str) -> PointDecision:
        """Undo this reviewer's latest single decision still in force; StoreError when there is none."""
        with self.transaction():
            decision = self.last_point_decision(reviewer)
            if decision is None:
                raise StoreError("没有可撤销的决定")
            return self.undo_point_decision(decision.id, reviewer)

    def bulk_points(self, pids: list[str], action: str, reviewer: str,
                    expect: Mapping[str, str] | None = None) -> Any:
        """One decision per point, all in one transaction and one batch (undone together).

        `expect` maps a point id to the status it was shown with: one decided by someone else since
        is left alone and counted as a conflict."""
        result = Bulk(ulid(), 0, 0)
        with self.transaction():
            for pid in pids:
                try:
                    if self.decide_point(pid, action, reviewer, expect=(expect or {}).get(pid), batch=result.batch):
                        result.changed += 1
                except Conflict:
                    result.conflicts += 1
        return result

    def undo_last_point_batch(self, reviewer: str) -> Any:
        """Undo this reviewer's latest bulk action on points not undone yet; None when there is none.

        Points decided on top of it keep that decision; the batch is done with either way (recorded
        in undone_batches), so the next call goes to the batch before it."""
        with self.transaction():
            row = self._one(
                """SELECT d.batch FROM point_decisions d WHERE d.reviewer = ? AND d.batch IS NOT NULL
                   AND d.action != 'undo' AND NOT EXISTS (SELECT 1 FROM undone_batches b WHERE b.batch = d.batch)
                   ORDER BY d.rowid DESC LIMIT 1""", [reviewer])
            if row is None:
                return None
            batch = row["batch"]
            first = self._one("SELECT action, at FROM point_decisions WHERE batch = ? ORDER BY rowid LIMIT 1", [batch])
            undone = Undone(batch, first["action"], first["at"], 0, 0)
            undo_batch = ulid()
            for decision in self._all("SELECT * FROM point_decisions WHERE batch = ? ORDER BY rowid", [batch]):
                if self._revert_point(decision, reviewer, batch=undo_batch):
                    undone.restored += 1
                else:
                    undone.kept += 1
            self.conn.execute("INSERT INTO undone_batches VALUES (?,?,?,?,?,?)",
                              [batch, undo_batch, reviewer, now(), undone.restored, undone.kept])
        return undone

    # --- the reviewer's scores -----------------------------------------------

    def score_overrides(self, form_id: str) -> dict[tuple[int, str], ScoreChange]:
        """The change in force per (row, field) of one form version, where the latest sets a value."""
        rows = self._all("""SELECT s.* FROM score_changes s WHERE s.form_id = ? AND s.rowid =
                            (SELECT max(rowid) FROM score_changes t WHERE t.form_id = s.form_id AND t.row = s.row
                             AND t.field = s.field)""", [form_id])
        changes = [from_row(ScoreChange, row) for row in rows]
        return {(c.row, c.field): c for c in changes if c.after is not None}

    def score_history(self, form_id: str) -> list[ScoreChange]:
        return [from_row(ScoreChange, row) for row in
                self._all("SELECT * FROM score_changes WHERE form_id = ? ORDER BY rowid", [form_id])]

    def score_change(self, change_id: str) -> ScoreChange | None:
        return from_row(ScoreChange, self._one("SELECT * FROM score_changes WHERE id = ?", [change_id]))

    def change_score(self, form_id: str, row: int, field_name: str, after: str | None, reviewer: str, reason: str,
                     clause: str | None, shown_before: str | None, expect: str | None | object = ...,
                     reverts: str | None = None, carried_from: str | None = None, note: str | None = None) -> ScoreChange:
        """Record a reviewer's value for one row and field (None: back to the proposal).

        `expect` is the override the reviewer saw (None: the proposal); if someone changed it meanwhile,
        Conflict is raised and nothing is written."""
        with self.transaction():
            latest = self._one("""SELECT * FROM score_changes WHERE form_id = ? AND row = ? AND field = ?
                                  ORDER BY rowid DESC LIMIT 1""", [form_id, row, field_name])
            before = latest["after"] if latest else None
            if expect is not ... and before != expect:
                who = latest["reviewer"] if latest else "他人"
                raise Conflict(f"该项复核{'得分' if field_name == 'score' else '完成值'}已由 {who} 改为"
                               f"{before if before is not None else '建议值'}")
            if before == after and reverts is None:
                raise StoreError("与当前值相同，未作修改")
            change = ScoreChange(ulid(), form_id, row, field_name, before, shown_before, after, reason, clause,
                                 reviewer, now(), reverts, carried_from, note)
            self.conn.execute(f"INSERT INTO score_changes VALUES ({','.join('?' * 14)})", list(change.columns().values()))
            return change

    def undo_score_change(self, change_id: str, reviewer: str) -> ScoreChange:
        """Put back what stood before one change, if no later change on its row stands on top (else Conflict):
        later ones that cancel out (a change and its undo) do not."""
        with self.transaction():
            change = self.score_change(change_id)
            if change is None:
                raise StoreError(f"改分记录 {change_id} 不存在")
            later = self._all("""SELECT id, reverts FROM score_changes WHERE form_id = ? AND row = ? AND field = ?
                                 AND rowid > (SELECT rowid FROM score_changes WHERE id = ?) ORDER BY rowid""",
                              [change.form_id, change.row, change.field, change.id])
            if not cancel_out(later):
                raise Conflict("该项之后已被修改，无法撤销")
            return self.change_score(change.form_id, change.row, change.field, change.before, reviewer,
                                     f"撤销：{change.reason}", change.clause, change.after, reverts=change.id)

    def last_score_change(self, reviewer: str) -> ScoreChange | None:
        """This reviewer's latest score change still in force on a current form version (not an undo, not
        undone; one carried onto a new version counts there)."""
        return from_row(ScoreChange, self._one(
            """SELECT s.* FROM score_changes s JOIN forms f ON f.id = s.form_id AND f.superseded_by IS NULL
               WHERE s.reviewer = ? AND s.reverts IS NULL
               AND NOT EXISTS (SELECT 1 FROM score_changes u WHERE u.reverts = s.id)
               ORDER BY s.rowid DESC LIMIT 1""", [reviewer]))

    # --- refused files -------------------------------------------------------

    def record_refusal(self, file: str, message: str) -> None:
        with self.transaction():
            self.conn.execute("""INSERT INTO refusals VALUES (?, ?, ?, NULL) ON CONFLICT(file) DO UPDATE
                                 SET message = excluded.message, at = excluded.at, resolved_at = NULL""",
                              [resolved(file), message, now()])
            if self._memo is not None:
                self._memo["refusals"] = True

    def resolve_refusal(self, file: str, at: str) -> None:
        memo = self._memo
        if memo is not None:  # a batch's transaction: asked once whether any refusal is open (nearly never)
            if "refusals" not in memo:
                memo["refusals"] = self._one("SELECT 1 FROM refusals WHERE resolved_at IS NULL LIMIT 1") is not None
            if not memo["refusals"]:
                return
        self.conn.execute("UPDATE refusals SET resolved_at = ? WHERE file = ? AND resolved_at IS NULL", [at, file])

    def refusals(self, selectors: tuple[str, ...] = ()) -> list[Refusal]:
        """Files refused and not read since, optionally those whose path holds one of the selectors."""
        rows = [from_row(Refusal, row) for row in
                self._all("SELECT * FROM refusals WHERE resolved_at IS NULL ORDER BY at, file")]
        return [r for r in rows if not selectors or any(s and s in r.file for s in selectors)]


__all__ = ["PointDraft", "PointRow", "points_body", "PointFilters", "PointTables", "point_id", "FUNDS_ROW"]
