"""Stage 8, the workbench: `review serve` — the 复核 in a browser, for a team of reviewers.

Server-rendered pages (Starlette, Jinja2 with autoescape) and one small script for the keys: the batch
ranked by seriousness with filters (batch.py, overview.py keeps its lines current), a form with its
scorecard and points, and the queue of points one at a time (points.py), the changes a reviewer makes
(actions.py), downloads of the documents (documents.py), help, name and login (pages.py). Everything
goes through the sign-off API (signoff.service.Signoff) over a store opened per request. security.py
holds the guard every request passes: Host check, signed session, login, CSRF, read-only, headers.
"""

from .app import create_app
from .workbench import Workbench

__all__ = ["create_app", "Workbench"]
