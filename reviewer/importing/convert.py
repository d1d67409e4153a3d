"""Old Word and WPS files (.doc, .wps, .et, an .xls saved as a web page) converted with LibreOffice.

No Python library reads .doc or WPS files well; LibreOffice does, and `soffice --headless
--convert-to` turns them into .docx / .xlsx, which the readers of this package know. Each
conversion runs in a temporary folder with a private LibreOffice profile (so it neither
disturbs nor waits for a LibreOffice the reviewer has open), is bounded in time, and leaves
nothing behind. Where LibreOffice is not installed, the file is refused with a message saying
what to install; the other files are still imported.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from .cells import NotAForm

TIMEOUT_SECONDS = 120  # one document; a first start of LibreOffice takes a few seconds
# What each kind becomes: a format LibreOffice writes and our readers read.
TARGET = {".doc": "docx", ".wps": "docx", ".rtf": "docx", ".et": "xlsx", ".xls": "xlsx"}
_FILTERS = {"docx": "docx:MS Word 2007 XML", "xlsx": "xlsx:Calc MS Excel 2007 XML"}
_PLACES = (  # where installers put it, when it is not on PATH
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/opt/libreoffice/program/soffice",
)
INSTALL_HINT = ("请安装 LibreOffice（https://zh-cn.libreoffice.org/download/ ；Debian/Ubuntu："
                "apt install libreoffice-writer-nogui libreoffice-calc-nogui），"
                "或设置环境变量 REVIEW_SOFFICE 指向 soffice；也可以在 Word / WPS 中另存为 {target} 后再导入")


def find_soffice() -> str | None:
    """The LibreOffice program: $REVIEW_SOFFICE, else soffice / libreoffice on PATH, else where installers put it."""
    given = os.environ.get("REVIEW_SOFFICE")
    if given:
        return given if Path(given).is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((place for place in _PLACES if Path(place).is_file()), None)


class Converter:
    """Converts documents with LibreOffice for one import run; one private profile serves every file.

    Use as a context manager; the temporary folder goes with it.
    """

    def __init__(self, timeout: float = TIMEOUT_SECONDS):
        self.timeout = timeout
        self._folder: tempfile.TemporaryDirectory | None = None
        self._count = 0

    def __enter__(self) -> "Converter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def _work(self) -> Path:
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="review-import-")
        return Path(self._folder.name)

    def convert(self, path: Path, source: str) -> Path:
        """The converted copy of `path` (a .docx or .xlsx in the temporary folder). Raises NotAForm."""
        suffix = path.suffix.lower()
        target = TARGET[suffix]
        soffice = find_soffice()
        if soffice is None:
            where = "（REVIEW_SOFFICE 所指的文件不存在）" if os.environ.get("REVIEW_SOFFICE") else ""
            raise NotAForm(source, f"读取 {suffix} 文件需要 LibreOffice，但本机没有找到{where}。"
                                   + INSTALL_HINT.format(target=f".{target}"))
        self._count += 1
        inbox = self._work() / f"in{self._count}"
        outbox = self._work() / f"out{self._count}"
        inbox.mkdir()
        # A plain copied name: LibreOffice reads a name starting with "-" as an option.
        copy = inbox / f"document{suffix}"
        try:
            shutil.copyfile(path, copy)
        except OSError as exc:
            raise NotAForm(source, f"无法读取：{exc.strerror}") from None
        profile = (self._work() / "profile").as_uri()
        command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--invisible", "--norestore",
                   "--nologo", "--nodefault", "--nolockcheck", "--convert-to", _FILTERS[target],
                   "--outdir", str(outbox), str(copy)]
        self._run(command, source)
        result = outbox / f"document.{target}"
        if not result.is_file():
            raise NotAForm(source, f"LibreOffice 未能转换该文件（文件可能已损坏，或不是 {suffix} 文件）")
        return result

    def _run(self, command: list[str], source: str) -> None:
        options = {"start_new_session": True} if sys.platform != "win32" else {}
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, **options)
        except OSError as exc:
            raise NotAForm(source, f"无法启动 LibreOffice（{exc.strerror}）。" + INSTALL_HINT.format(target=".docx / .xlsx")) from None
        try:
            process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise NotAForm(source, f"LibreOffice 转换超过 {self.timeout:g} 秒仍未完成，已中止") from None


def _kill(process: subprocess.Popen) -> None:
    """End the conversion and whatever LibreOffice started for it (its own process group)."""
    try:
        if sys.platform != "win32":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        pass
    process.wait()
