"""The templates' environment: Jinja2 with autoescape always on, and the filters that print figures and
labels as the rest of the tool prints them.

Form text is untrusted: it reaches a page only through `{{ … }}`, escaped; no template marks form text
safe. Undefined names fail loudly (StrictUndefined) instead of printing nothing.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..checks.catalogue import SEVERITY_LABEL, TAG_LABEL, TITLE, VERDICT_LABEL, source_label
from ..form.values import format_decimal
from ..signoff.scores import percent
from ..store import ACTION_LABEL, STATUS_LABEL, local_time


def number(value: Any) -> str:
    """A figure as the form prints it, without trailing zeros; — when blank."""
    if value is None or value == "":
        return "—"
    return format_decimal(value) if isinstance(value, Decimal) else str(value)


def money(value: Decimal | None) -> str:
    """An amount without the trailing zeros a form's export pads it with: 5000.000000 → 5000."""
    return "—" if value is None else format_decimal(value.normalize())


def score(value: Decimal | None) -> str:
    """A score with two decimals, as the documents print it."""
    return "—" if value is None else f"{value.quantize(Decimal('0.01'))}"


def rows(indices: Any) -> str:
    """Indicator indices as the form numbers them: 第4、15项."""
    return "第" + "、".join(str(i + 1) for i in sorted(indices)) + "项"


def environment() -> Environment:
    env = Environment(loader=PackageLoader("reviewer.web", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.do"])
    env.filters.update(
        number=number, score=score, money=money, percent=percent, time=local_time,
        severity=lambda s: SEVERITY_LABEL.get(s, s), status=lambda s: STATUS_LABEL.get(s, s),
        verdict=lambda v: VERDICT_LABEL.get(v, v) if v else "—", tag=lambda t: TAG_LABEL.get(t, t),
        action=lambda a: ACTION_LABEL.get(a, a), finding=lambda code: TITLE.get(code, code),
        source=lambda s, model=None: source_label(s, model), rows=rows,
    )
    env.globals.update(SEVERITY_LABEL=SEVERITY_LABEL, VERDICT_LABEL=VERDICT_LABEL, STATUS_LABEL=STATUS_LABEL)
    return env


__all__ = ["environment", "number", "score", "money"]
