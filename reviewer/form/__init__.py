"""Stage 1, read: a form.json file into validated models (docs/form-format.md)."""

from .model import Form, FundsRow, Funds, Goal, Indicator
from .reader import FormError, decode_bytes, form_from_data, read_form, read_form_bytes

__all__ = ["Form", "FundsRow", "Funds", "Goal", "Indicator", "FormError", "decode_bytes", "form_from_data",
           "read_form", "read_form_bytes"]
