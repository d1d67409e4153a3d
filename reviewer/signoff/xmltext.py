"""Text as an Office document can hold it: XML 1.0 has no place for most control characters.

A form may carry them (a name pasted from another system with a stray \\x01 or \\x0b); openpyxl and
python-docx refuse them with an exception, which left no workbook or Word file at all. They are
dropped: they print as nothing anyway. Tab, line feed and carriage return are kept.
"""

from __future__ import annotations

import re

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)
