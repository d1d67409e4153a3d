"""Stage 3, check: the deterministic findings of the catalogue (docs/findings.md)."""

from .catalogue import Finding
from .checks import run_checks

__all__ = ["Finding", "run_checks"]
