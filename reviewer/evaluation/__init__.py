"""Stage 7, evaluation: how often a judge agrees with an experienced reviewer (evaluate.py, over
the labelled sets in eval_sets/ or the decisions in review.db) and the figures (metrics.py)."""
