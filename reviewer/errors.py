"""The library's exceptions. Each carries a message for the reviewer (in Chinese); the command
line maps them to `错误：…` lines and exit statuses in one place (reviewer/cli/main.py)."""

from __future__ import annotations


class ReviewerError(Exception):
    """Something the reviewer must be told about; str() and .message are the reviewer's text."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class ConfigError(ReviewerError):
    """A settings file or option that cannot work (bad TOML, unknown key, out-of-range value)."""


class OutputError(ReviewerError):
    """A document or report that could not be written (disk full, no permission): nothing half-written
    is left in its place."""
