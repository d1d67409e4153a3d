"""The reviewers' decided verdicts, with the row and text they were about: few-shot examples for the
model judge (judge/examples.py). Read only; most recent decision first.

Decisions carried over from another version of a form count once, as in `review eval --from-db`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from ..judge.examples import Example
from .base import ONE_VERDICT
from .rows import unpack
from .health import writable
from .store import Store

# Reviewers decide on points (store/points.py): a verdict takes its point's decision when it is the point's
# only judge evidence (ONE_VERDICT). Decisions an older database took on critiques count for forms whose points were never built.
_DECIDED = """
    SELECT f.id AS form_id, c.indicators, c.verdict, p.status, f.name AS form_name, f.file, f.scorecard_json,
           p.decided_at, c.rowid AS n
    FROM points p
    JOIN critiques c ON c.form = p.form AND c.code = 'EXPLANATION_VERDICT' AND c.verdict IS NOT NULL
                    AND instr(p.findings, '"' || c.id || '"') > 0
    JOIN forms f ON f.n = p.form
    WHERE p.status IN ('accepted', 'edited', 'rejected') AND p.superseded_by IS NULL AND """ + ONE_VERDICT + """
      AND NOT EXISTS (
        SELECT 1 FROM point_decisions d
        WHERE d.rowid = (SELECT max(rowid) FROM point_decisions WHERE point_id = p.id)
          AND (d.carried_from IS NOT NULL OR d.note LIKE '沿用上一版本%' OR d.note LIKE '沿用较新版本%'))
"""
_LEGACY = """
    SELECT f.id AS form_id, c.indicators, c.verdict, c.status, f.name AS form_name, f.file, f.scorecard_json,
           c.decided_at, c.rowid AS n
    FROM critiques c JOIN forms f ON f.n = c.form
    WHERE c.code = 'EXPLANATION_VERDICT' AND c.verdict IS NOT NULL
      AND c.status IN ('accepted', 'edited', 'rejected') AND c.superseded_by IS NULL {unbuilt}
      AND NOT EXISTS (
        SELECT 1 FROM decisions d
        WHERE d.rowid = (SELECT max(rowid) FROM decisions WHERE critique_id = c.id)
          AND (d.carried_from IS NOT NULL OR d.note LIKE '沿用上一版本%'))
"""


def decided_examples(store: Store, limit: int = 200) -> list[Example]:
    """Up to `limit` decided verdicts, most recent first, each with its row's name, figures and text."""
    has_points = store.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'point_builds'").fetchone()
    legacy = _LEGACY.format(unbuilt="AND f.id NOT IN (SELECT form_id FROM point_builds)" if has_points else "")
    sql = (f"{_DECIDED} UNION ALL {legacy}" if has_points else legacy) + " ORDER BY decided_at DESC, n DESC LIMIT ?"
    out = []
    for row in store.conn.execute(sql, [limit]).fetchall():
        indicators = json.loads(row["indicators"])
        rows = json.loads(unpack(row["scorecard_json"])).get("indicators", [])
        if not indicators or indicators[0] >= len(rows):
            continue
        judged = rows[indicators[0]]
        out.append(Example(
            form_id=row["form_id"], form_name=row["form_name"], file=row["file"], indicator=judged.get("name") or "",
            target=judged.get("target") or "", actual=judged.get("actual") or "",
            explanation=judged.get("explanation") or "", verdict=row["verdict"], status=row["status"],
        ))
    return out


def load_examples(db: str | Path, exclude_files: Iterable[str] = (), exclude_forms: Iterable[str] = ()) -> list[Example]:
    """Decided examples from the database at `db` (none when it does not exist), leaving out forms
    whose file name is in exclude_files or whose id is in exclude_forms."""
    if not Path(db).is_file():
        return []
    names, forms = set(exclude_files), set(exclude_forms)
    # Opened for writing where it can be, as `review status` opens it: a database an older tool wrote is
    # upgraded (read-only it would be refused, since reading it means upgrading it).
    with Store(db, create=False, read_only=not writable(db)) as store:
        found = decided_examples(store)
    return [e for e in found if Path(e.file).name not in names and e.form_id not in forms]
