"""Stage 5, store: the only way into review.db. Forms, review runs and critiques (store.py, schema.py),
the points a reviewer decides on, the append-only decisions and score changes on them (points.py),
typed records (rows.py), what changed lately (activity.py: for the workbench), and the model judge's
cache (judge_cache.py); whether the file is fit to use, and SQLite's errors in Chinese (health.py)."""

from .activity import Activity
from .base import (
    ACCEPTED, ACTION_LABEL, EDITED, PENDING, REJECTED, STATUS_LABEL, Bulk, Conflict, StoreError, Undone, local_time,
    now,
)
from .health import DatabaseError
from .judge_cache import JudgeCache
from .points import FUNDS_ROW, PointDraft, PointFilters, point_id
from .rows import (
    Critique, Decision, FormRecord, Point, PointDecision, Progress, Refusal, ReviewerProgress, Run, ScoreChange,
)
from .store import Saved, Store

__all__ = ["Activity", "DatabaseError", "JudgeCache", "Critique", "Decision", "FormRecord", "Point", "PointDecision", "Progress",
           "Refusal", "ReviewerProgress", "Run", "ScoreChange", "ACCEPTED", "ACTION_LABEL", "EDITED", "PENDING",
           "REJECTED", "STATUS_LABEL", "Bulk", "Conflict", "FUNDS_ROW", "PointDraft", "PointFilters", "Saved",
           "Store", "StoreError", "Undone", "local_time", "now", "point_id"]
