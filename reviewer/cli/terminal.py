"""The one way the command line writes to a terminal: every name and text a form, a file name or the
database holds is untrusted, so nothing reaches stdout or stderr except through here.

- Control characters are stripped from all text printed: C0 (except newline and tab), DEL, C1, and the
  bidi marks, embeddings, overrides and isolates. A project name holding ESC[2J (clear the screen),
  OSC 52 (write the clipboard), OSC 8 (plant a hyperlink) or a right-to-left override (show a name
  reversed) prints as its visible characters. The styles rich adds itself are control segments of
  their own and are kept.
- Text is never read as rich markup, emoji codes or highlighted: `项目[/]` and `[link=…]点这里[/link]`
  print as written. Styles come from Text objects only.
- JSON written to stdout escapes the characters stripped elsewhere (\\u202e), so the data stay whole and
  the terminal safe.

tests/test_layout.py holds every other module to this: no print(), click.echo, sys.stdout / sys.stderr
writes or rich Console of its own.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import sys
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, Sequence

import click

from ..review import UNSAFE, json_safe

if TYPE_CHECKING:
    from rich.console import Console


def clean(text: str) -> str:
    """The text without the characters a terminal would act on."""
    return UNSAFE.sub("", text)


@lru_cache(maxsize=1)
def _safe_console() -> type[Console]:
    """SafeConsole, the class: made at the first console, as rich is imported then (~20 ms: `review --json`
    never draws, so it never loads rich)."""
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment

    class SafeConsole(Console):
        """A rich Console whose text segments are cleaned as they are rendered (tables, panels, progress bars
        and plain strings alike); markup, emoji and highlighting are off unless asked for per call."""

        def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
            for segment in super().render(renderable, options):
                if segment.control or not UNSAFE.search(segment.text):
                    yield segment
                else:
                    yield Segment(clean(segment.text), segment.style, segment.control)

    return SafeConsole


def __getattr__(name: str) -> Any:
    if name == "SafeConsole":
        return _safe_console()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_console(stderr: bool = False) -> Console:
    return _safe_console()(stderr=stderr, markup=False, emoji=False, highlight=False)


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """click.echo with the text cleaned."""
    click.echo(clean(str(message)), err=err, nl=nl)


def write(text: str, err: bool = False) -> None:
    """Text as it is (no newline added), cleaned, flushed: a prompt, a report on stdout."""
    stream = sys.stderr if err else sys.stdout
    stream.write(clean(text))
    stream.flush()


def json_text(obj: Any, indent: int | None = None) -> str:
    """UTF-8 JSON with Chinese unescaped, and every character a terminal would act on escaped."""
    return json_safe(json.dumps(obj, ensure_ascii=False, indent=indent))


def write_json_line(piece: str) -> None:
    """A line of JSON from json.dumps (`review --json`), escaped by json_safe, which leaves nothing for
    `clean` to strip: one scan of the line, not two. Not flushed: the caller flushes (per chunk of forms)."""
    sys.stdout.write(json_safe(piece) + "\n")


def write_safe_bytes(parts: Sequence[bytes]) -> None:
    """A line of JSON escaped by json_safe and UTF-8 encoded already (a batch's: in the worker that built it), in parts
    joined with its line end in one copy. Written to a UTF-8 stdout's bytes as they are, after what was written as text
    (flushed, so the order stays); decoded and written as text to any other stdout (another encoding, \r\n line
    ends, no bytes beneath)."""
    out = sys.stdout
    line = b"".join((*parts, b"\n"))
    if _utf8_bytes_beneath(out):
        out.flush()
        out.buffer.write(line)
    else:
        out.write(line.decode())


def _utf8_bytes_beneath(stream: Any) -> bool:
    encoding = getattr(stream, "encoding", None)
    return (os.linesep == "\n" and getattr(stream, "buffer", None) is not None and isinstance(encoding, str)
            and codecs.lookup(encoding).name == "utf-8")


def flush() -> None:
    sys.stdout.flush()


def is_terminal(err: bool = False) -> bool:
    return (sys.stderr if err else sys.stdout).isatty()


__all__ = ["SafeConsole", "new_console", "echo", "write", "json_text", "json_safe", "write_json_line", "write_safe_bytes", "flush", "clean", "is_terminal", "UNSAFE"]
