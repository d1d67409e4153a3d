"""Reading the reviewer's keys: one keypress at a time on a terminal, one line at a time otherwise.

The terminal is put in cbreak mode once for the whole session (and given back on exit), never per key:
switching per key flushed the input queue, so keys typed ahead (`aaaa` in one burst) were dropped.
Line input (an edited comment, a score) switches back to the terminal's own mode for the line only.
Bytes are read from the file descriptor directly: a buffered reader would swallow keys typed ahead.
"""

from __future__ import annotations

import os
import select
import shlex
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

from rich.console import Console
from rich.text import Text

from ..store import StoreError
from .terminal import write


class KeyReader:
    """Use as a context manager around the session: cbreak on entry, the saved mode back on exit."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdin
        self.tty = self.stream.isatty()
        self._saved: Any = None

    def __enter__(self) -> "KeyReader":
        if self.tty:
            import termios
            import tty

            fd = self.stream.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd, termios.TCSANOW)  # keeps ISIG: Ctrl-C still interrupts; TCSANOW: no flush
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.tty and self._saved is not None:
            import termios

            termios.tcsetattr(self.stream.fileno(), termios.TCSADRAIN, self._saved)
            self._saved = None

    @contextmanager
    def cooked(self) -> Iterator[None]:
        """The terminal's own (line) mode for a while: for typed lines and for the editor."""
        if not (self.tty and self._saved is not None):
            yield
            return
        import termios
        import tty

        fd = self.stream.fileno()
        termios.tcsetattr(fd, termios.TCSANOW, self._saved)
        try:
            yield
        finally:
            tty.setcbreak(fd, termios.TCSANOW)

    def key(self) -> str:
        if not self.tty:
            line = self.stream.readline()
            return "q" if line == "" else line.strip()[:1]
        fd = self.stream.fileno()
        data = os.read(fd, 1)
        if data and data[0] >= 0xC0:  # the rest of a UTF-8 character
            data += os.read(fd, 1 if data[0] < 0xE0 else 2 if data[0] < 0xF0 else 3)
        elif data == b"\x1b":  # an arrow or function key: drop its tail
            while select.select([fd], [], [], 0.02)[0]:
                os.read(fd, 16)
        if not data or data == b"\x04":
            return "q"
        return data.decode("utf-8", "replace")

    def line(self, prompt: str) -> str | None:
        """One typed line (None at end of input)."""
        write(prompt)
        if not self.tty:
            line = self.stream.readline()
            return None if line == "" else line.rstrip("\n")
        with self.cooked():
            data = b""
            while not data.endswith(b"\n"):
                chunk = os.read(self.stream.fileno(), 1024)
                if not chunk:
                    return None if not data else data.decode("utf-8", "replace").rstrip("\n")
                data += chunk
        return data.decode("utf-8", "replace").rstrip("\r\n")


def edit_text(text: str, reader: KeyReader, console: Console) -> str | None:
    """The reviewer's new wording, or None when left unchanged or cancelled."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
            handle.write(text + "\n")
            path = handle.name
        try:
            with reader.cooked():
                subprocess.call([*shlex.split(editor), path])
            with open(path, encoding="utf-8") as handle:
                new = handle.read().strip()
        except (OSError, ValueError):
            raise StoreError(f"无法启动编辑器“{editor}”，请检查 EDITOR 设置（或取消设置以直接输入）") from None
        finally:
            os.unlink(path)
    else:
        console.print(Text("当前意见：", style="bold"), Text(text))
        new = (reader.line("修改后的意见（直接回车保留原文）：") or "").strip()
    return new if new and new != text.strip() else None


__all__ = ["KeyReader", "edit_text"]
