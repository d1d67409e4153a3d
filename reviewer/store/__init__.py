"""Stage 5, store: the only way into review.db. Forms, review runs, critiques and the append-only
decisions on them (store.py, schema.py), typed records (rows.py), and the model judge's cache
(judge_cache.py)."""

from .judge_cache import JudgeCache
from .rows import Critique, Decision, FormRecord, Progress, Run
from .store import (
    ACCEPTED, EDITED, PENDING, REJECTED, STATUS_LABEL, Bulk, Conflict, Filters, Saved, Store, StoreError, Undone,
    local_time, now,
)

__all__ = ["JudgeCache", "Critique", "Decision", "FormRecord", "Progress", "Run", "ACCEPTED", "EDITED", "PENDING",
           "REJECTED", "STATUS_LABEL", "Bulk", "Conflict", "Filters", "Saved", "Store", "StoreError", "Undone",
           "local_time", "now"]
