"""Stage 6, sign off: the 复核. Points (points.py, one per indicator or cost/count pair, with one comment
from compose.py), the reviewer's score (scores.py) by the rulebook (rulebook.py, rulebook.toml), the
API the session, the commands and the workbench use (service.py: Signoff; forms.py: FormReview), the
walk through pending points (session.py), storing a review with its points (intake.py), and the
documents handed back: the terminal report and JSON (report.py), the Word 复核意见 (docx.py), the Excel
workbook (xlsx.py) and the batch summary (summary.py)."""
