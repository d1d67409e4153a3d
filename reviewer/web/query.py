"""What a page was asked for: the filters, the sort and the page, read from the URL's query.

One Query serves the batch, the queue of points and the 问题清单, so a filter set on one page carries to
the others. Values that are not among the choices are dropped (with a notice), never passed on; every
string is bounded. URLs carry ids and filter words, never file paths.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping
from urllib.parse import urlencode

from ..checks.catalogue import SEVERITY_LABEL, VERDICT_LABEL
from ..signoff.rulebook import DOCUMENTED_CODES
from ..store import PointFilters
from .overview import BatchLine

MAX_TEXT = 100
STATUSES = {"pending": "有待审要点", "done": "已审完", "first": "有待重点审核要点", "flagged": "偏离提示", "none": "无要点"}
SORTS = {"serious": "严重程度", "deviation": "偏离度", "pending": "待审要点", "name": "项目名称", "unit": "单位"}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Query:
    unit: str = ""
    department: str = ""
    year: int | None = None
    status: str = ""
    code: str = ""
    severity: str = ""
    verdict: str = ""
    q: str = ""  # part of the project name
    form: str = ""  # one form's id (the queue of one form)
    sort: str = "serious"
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> tuple["Query", list[str]]:
        """The query and the notices about values dropped."""
        notices: list[str] = []
        get = {name: (params.get(name) or "").strip()[:MAX_TEXT] for name in (f.name for f in fields(cls))}
        year = _int(get["year"], notices, "年度")
        page = max(_int(get["page"], [], "") or 1, 1)
        code = get["code"].upper()
        if code and code not in DOCUMENTED_CODES:
            notices.append(f"未知的问题代码“{get['code']}”，已忽略")
            code = ""
        choices = {"status": STATUSES, "severity": SEVERITY_LABEL, "verdict": VERDICT_LABEL, "sort": SORTS}
        chosen = {}
        for name, allowed in choices.items():
            chosen[name] = get[name] if get[name] in allowed else ""
            if get[name] and not chosen[name]:
                notices.append(f"无效的筛选值“{get[name]}”，已忽略")
        form = get["form"] if get["form"].isalnum() else ""
        return cls(get["unit"], get["department"], year, chosen["status"], code, chosen["severity"],
                   chosen["verdict"], get["q"], form, chosen["sort"] or "serious", page), notices

    def point_filters(self) -> PointFilters:
        """The same filters on points (the queue): the form's, the unit's, the points' own."""
        return PointFilters(
            forms=(self.form,) if self.form else ((self.q,) if self.q else ()),
            units=(self.unit,) if self.unit else (), departments=(self.department,) if self.department else (),
            years=(self.year,) if self.year else (), codes=(self.code,) if self.code else (),
            severities=(self.severity,) if self.severity else (), verdicts=(self.verdict,) if self.verdict else (),
            review_first=True if self.status == "first" else None)

    def keeps(self, line: BatchLine) -> bool:
        """Whether a form's line passes the filters (a point filter: the form has such a point)."""
        checks = [
            not self.form or line.form_id == self.form,
            not self.unit or self.unit in line.unit,
            not self.department or self.department in line.department,
            not self.year or line.year == self.year,
            not self.q or self.q in line.name,
            not self.code or self.code in line.codes,
            not self.severity or self.severity in line.severities,
            not self.verdict or self.verdict in line.verdicts,
            _status(self.status, line),
        ]
        return all(checks)

    def sorted(self, lines: list[BatchLine]) -> list[BatchLine]:
        """Lines arrive most serious first; other sorts keep that order among equals."""
        keys = {
            "deviation": lambda l: -abs(l.deviation) if l.deviation is not None else 1,
            "pending": lambda l: -l.pending,
            "name": lambda l: l.name,
            "unit": lambda l: l.unit,
        }
        return sorted(lines, key=keys[self.sort]) if self.sort in keys else lines

    def params(self, **changes: Any) -> str:
        """This query as a URL query string (without defaults), with `changes` applied."""
        query = replace(self, **changes)
        values = {f.name: getattr(query, f.name) for f in fields(query)}
        kept = {k: v for k, v in values.items()
                if v not in ("", None) and not (k == "sort" and v == "serious") and not (k == "page" and v == 1)}
        return urlencode(kept)

    @property
    def filtered(self) -> bool:
        """Whether some form is left out (the sort and the page leave every form in)."""
        return bool(self.params(sort="serious", page=1))


def _status(status: str, line: BatchLine) -> bool:
    return {
        "": True, "pending": line.pending > 0, "done": line.points > 0 and line.pending == 0,
        "first": line.first_pending > 0, "flagged": line.flagged, "none": line.points == 0,
    }[status]


def _int(text: str, notices: list[str], label: str) -> int | None:
    if not text:
        return None
    if text.isdigit() and len(text) <= 6:
        return int(text)
    if label:
        notices.append(f"{label}“{text}”不是数字，已忽略")
    return None


def page_of(items: list, page: int, size: int = PAGE_SIZE) -> tuple[list, int, int]:
    """The items on one page, the page actually shown (clamped) and the number of pages."""
    pages = max((len(items) + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    return items[(page - 1) * size: page * size], page, pages


__all__ = ["Query", "STATUSES", "SORTS", "PAGE_SIZE", "page_of"]
