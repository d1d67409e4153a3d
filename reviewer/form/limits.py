"""What a form.json may hold: the limits a file is refused beyond (README, "Limits").

Each bounds the work and memory of one form and keeps every figure inside what the Decimal
arithmetic of the later stages computes exactly. A refusal names the file and the JSON path.
"""

from __future__ import annotations

from decimal import Decimal

MAX_FORM_BYTES = 20 * 1024 * 1024  # a form.json; a real one is a few KB, one with 2,000 indicators ~2 MB
MAX_INDICATORS = 2_000  # a form prints 10 to 60; more is several forms run together, or no form
MAX_CELL_CHARS = 1_000_000  # any text cell; a 10 MB cell is refused
# Amounts, scores, rates and numeric targets: |x| < 10^15 and, when not zero, |x| >= 10^-8. So a ratio
# of two figures stays below 10^23 and every rounding fits Decimal's 28 digits.
MAX_MAGNITUDE = Decimal(10) ** 15
MIN_MAGNITUDE = Decimal(10) ** -8
MAX_DIGITS = 30  # a run of digits in a target or actual: beyond any count, amount or code a form prints
FIRST_YEAR, LAST_YEAR = 1990, 2100
