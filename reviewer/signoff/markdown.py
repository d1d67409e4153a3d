"""Form text made inert in Markdown, and the report's note on verdicts the model failed to give.

Form text (names, departments, comments quoting explanations) is untrusted: in the Markdown report it
must not become a heading, a list, a link, an image, HTML or a forged sign-off line. It is written on
one line, with every character that can open an inline Markdown construct escaped by a backslash
(CommonMark lets any ASCII punctuation be escaped), and the colon or dot that lets GFM turn a bare URL, `www.` or
an e-mail address into a link escaped too. Chinese text, figures and dates are left as they read.
"""

from __future__ import annotations

import re

from .forms import FormReview

# Inline openers only: the text never starts a line (the report puts its own words before it), so the
# block openers (-, +, =, 1.) cannot act, and ( ) ! are inert once [ ] are escaped.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&@$])")
_URL = re.compile(r"(?i)(?<=https)(:)|(?<=http)(:)|(?<=ftp)(:)|(?<=mailto)(:)|(?<=javascript)(:)|(?<=data)(:)|(?<=www)(\.)")
_LINES = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def md_text(text: str) -> str:
    """`text` as one line of Markdown that renders as exactly its characters and nothing more."""
    flat = _LINES.sub(" ", _CONTROLS.sub("", text))
    escaped = _SPECIAL.sub(r"\\\1", flat)
    return _URL.sub(lambda m: "\\" + m.group(0), escaped)


def judge_fallbacks(reviews: list[FormReview]) -> int:
    """How many of these forms' current verdicts are the rules' stand-ins for a model judgement that failed."""
    return sum(1 for review in reviews for critique in review.critiques.values()
               if critique.code == "EXPLANATION_VERDICT" and critique.data.get("error"))


def fallback_line(reviews: list[FormReview]) -> str | None:
    """The header's note, as the terminal says it: "其中 N 条模型评判失败，改用规则评判"."""
    failed = judge_fallbacks(reviews)
    return f"（评判说明：其中 {failed} 条模型评判失败，改用规则评判，请重点复核。）" if failed else None
