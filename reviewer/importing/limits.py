"""What `review import` reads at most (README, "Limits"): each bounds the memory and time one
document may take. Beyond a limit the document is refused with a message naming it; the other
documents are still imported."""

from __future__ import annotations

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # any document (a scanned PDF is refused anyway: it needs OCR)
MAX_XLS_BYTES = 16 * 1024 * 1024  # an old .xls: xlrd holds every cell, and a blank cell costs 2 bytes
MAX_TEXT_BYTES = 10 * 1024 * 1024  # text copied out of a PDF: a department's whole 决算 is ~1-2 MB
# .xlsx / .docx: the XML openpyxl and python-docx parse whole (about 15 bytes of memory per byte),
# everything the package holds, the parts it may list, and how much one part may inflate.
MAX_UNZIPPED_BYTES = 32 * 1024 * 1024
MAX_PACKAGE_BYTES = 256 * 1024 * 1024  # pictures included (python-docx keeps them in memory)
MAX_PACKAGE_MEMBERS = 10_000
MAX_RATIO = 500  # a part of 1 MB or more deflated more than 500:1 is a crafted bomb, not a sheet
MAX_PDF_PAGES = 500  # a department's 决算 with every form is 100-300 pages
MAX_ROWS = 20_000  # rows of a workbook, all sheets (2,000 indicators and their headers fit in one form)
MAX_SHEET_CELLS = 2_000_000  # rows x columns that hold values on one sheet
# PDF: what one compressed stream (a page's content, a font) may inflate to, and all together;
# pdfminer inflates a stream whole, and re-inflates a damaged one a byte at a time (quadratic).
MAX_PDF_STREAM_BYTES = 32 * 1024 * 1024
MAX_PDF_INFLATED_BYTES = 256 * 1024 * 1024
MAX_DAMAGED_STREAM_WORK = 2 * 10**9  # a damaged stream's input x output bytes (pdfminer's byte-at-a-time repair)
