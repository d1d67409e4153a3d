"""Stage 6, sign off: the reviewer's walk through the critiques (session.py) and the documents
handed back (report.py)."""
