"""Hostile and broken inputs for tests/hostile/, built at test time: nothing large is checked in.

Each builder makes the smallest file that shows one attack: a form with a value no form
holds, a zip that inflates to far more than it weighs, a PDF with thousands of pages, a PDF
with bytes flipped, a folder the reviewer may not read. `review` runs in-process (CliRunner)
except where the operating system must refuse something to the process itself: then it runs
as a child without the capabilities that let root read anything.
"""

from __future__ import annotations

import copy
import ctypes
import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from formkit import seed_form
from reviewer.cli.main import cli


def review(*args: str) -> Result:
    """`review ARGS` in-process; a traceback is a test failure, not a caught exception."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def assert_refused(result: Result, *fragments: str) -> None:
    """Exit 2, an `错误：` line holding every fragment on stderr, and no traceback anywhere."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("错误：")]
    assert any(all(fragment in line for fragment in fragments) for line in lines), result.stderr
    assert "Traceback" not in result.output


def form_with(edit: Any) -> dict:
    """The seed form with one edit applied (a callable taking the dict)."""
    data = seed_form()
    edit(data)
    return data


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def seed_file(folder: Path, name: str = "good.json") -> Path:
    """A good form beside a hostile one: it must still be reviewed."""
    folder.mkdir(parents=True, exist_ok=True)
    return write_json(folder / name, seed_form())


def many_indicators(count: int) -> dict:
    """The seed form with `count` indicators: quantity rows each followed by its cost row,
    so checks pair every cost with its count (the work that was quadratic)."""
    data = copy.deepcopy(seed_form())
    rows = []
    for index in range(count):
        item = index // 2
        if index % 2 == 0:
            rows.append({"level1": "产出指标", "level2": "数量指标", "name": f"支持第{item}类项目数量",
                         "target": f"{10 + item % 7}个", "actual": f"{9 + item % 7}个", "weight": 1, "score": 0.9,
                         "explanation": f"因第{item}家企业撤回申请，实际支持数量减少，下一步将加强项目储备"})
        else:
            rows.append({"level1": "产出指标", "level2": "成本指标", "name": f"支持第{item}类项目预算控制数",
                         "target": f"≤{100 + item % 13}万元", "actual": f"{90 + item % 13}万元", "weight": 1, "score": 1})
    data["indicators"] = rows
    return data


# --- archives ------------------------------------------------------------------------------

ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
SHEET = "xl/worksheets/sheet1.xml"


def xlsx_parts() -> dict[str, bytes]:
    """Every part of a real one-sheet workbook but its sheet: a bomb in their midst is reached
    by openpyxl (without them it stops at the missing workbook)."""
    import io

    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != SHEET}


def zip_bomb(path: Path, member: str, inflated: int, *, others: dict[str, bytes] | None = None,
             filler: bytes = ROW) -> Path:
    """A zip package (.xlsx / .docx) whose `member` inflates to `inflated` bytes of one repeated
    XML row (or `filler`: spaces deflate 1,000:1) while the file weighs a few hundred KB: what
    openpyxl or python-docx would parse whole."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (others or {}).items():
            archive.writestr(name, data)
        with archive.open(member, "w", force_zip64=True) as handle:
            handle.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                         b'spreadsheetml/2006/main"><sheetData>')
            chunk = filler * ((1 << 20) // len(filler))
            written = 0
            while written < inflated:
                handle.write(chunk)
                written += len(chunk)
            handle.write(b"</sheetData></worksheet>")
    return path


# --- PDFs ----------------------------------------------------------------------------------

def many_page_pdf(path: Path, pages: int, text: str = "page", *, content: bytes | None = None,
                  flate: bool = False) -> Path:
    """A valid PDF of `pages` pages that all show one content stream (by default one line of
    `text`; `flate`: `content` as given is FlateDecode data), written by hand: thousands of
    pages in a few hundred KB, built in milliseconds."""
    objects: list[bytes] = []
    content = content if content is not None else f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    flate_filter = b" /Filter /FlateDecode" if flate else b""
    objects.append(b"<< /Length %d%s >>\nstream\n" % (len(content), flate_filter) + content + b"\nendstream")
    for _ in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def deflated(data: bytes, *, inflated: int = 0, cut: int = 0) -> bytes:
    """`data` deflated, followed by `inflated` bytes of spaces (a page that inflates a
    thousandfold); `cut` bytes taken off the end (a stream damaged on the way)."""
    import zlib

    packer = zlib.compressobj(9)
    out = packer.compress(data)
    chunk = b" " * (1 << 20)
    for _ in range(inflated // len(chunk)):
        out += packer.compress(chunk)
    out += packer.flush()
    return out[:len(out) - cut] if cut else out


def mutated(data: bytes, seed: int, flips: int = 20) -> bytes:
    """`data` with `flips` bytes overwritten at places and values drawn from `seed`: the same
    damage every run. The header is kept, so the file is still taken for a PDF."""
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(16, len(out))] = rng.randrange(256)
    return bytes(out)


def import_builders():  # noqa: ANN201 - the module
    """tests/importing/test_import_builders.py (the national template as a sheet, a PDF ...)."""
    folder = str(Path(__file__).resolve().parent.parent / "importing")
    if folder not in sys.path:
        sys.path.insert(0, folder)
    import test_import_builders

    return test_import_builders


# --- the operating system ------------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_capabilities() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def permissions_apply(folder: Path) -> bool:
    """Whether a child started by `review_unprivileged` is refused a mode-000 folder (root
    reads anything unless it gives up CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH)."""
    probe = folder / "probe-000"
    probe.mkdir()
    probe.chmod(0)
    try:
        result = subprocess.run([sys.executable, "-c", f"import os; os.listdir({str(probe)!r})"],
                                preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
                                capture_output=True)
    except OSError:
        return False
    finally:
        probe.chmod(0o755)
        probe.rmdir()
    return result.returncode != 0


def review_unprivileged(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed `review` as a child process the file permissions apply to (as root too)."""
    if sys.platform == "win32":
        pytest.skip("folder permissions are POSIX modes here")
    if not permissions_apply(cwd):
        pytest.skip("this process cannot give up root's right to read every folder (no CAP_SETPCAP)")
    environment = {**os.environ, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **(env or {})}
    return subprocess.run([sys.executable, "-m", "reviewer", *args], cwd=cwd, capture_output=True,
                          preexec_fn=_drop_file_capabilities if os.geteuid() == 0 else None,
                          env=environment, timeout=120)


def child_env() -> dict[str, str]:
    """A small environment for a spawned `review`, keeping PYTHONPATH (so it runs the code under test)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


# --- deadlines -----------------------------------------------------------------------------

class Unbounded(BaseException):
    """Work that did not end within a generous deadline: super-linear, or a hang. Not an
    Exception, so no `except Exception` in the code under test can swallow it."""


class deadline:  # noqa: N801 - used as `with deadline(20):`
    """Fails the test when the block runs longer than `seconds` (a guard against hangs and
    super-linear work, far above the time the bounded work takes; not a timing measurement)."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def __enter__(self) -> "deadline":
        import signal

        def expired(*_: object) -> None:
            raise Unbounded(f"still running after {self.seconds} s: the work is not bounded")

        self._previous = signal.signal(signal.SIGALRM, expired)
        signal.alarm(self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        import signal

        signal.alarm(0)
        signal.signal(signal.SIGALRM, self._previous)
