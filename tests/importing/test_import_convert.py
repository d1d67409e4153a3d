"""Old Word and WPS files converted with LibreOffice (soffice --headless --convert-to): .doc, .wps, .et.
Where LibreOffice is missing the file is refused saying what to install, and the rest still imports."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli.main import cli
from reviewer.importing import Converter, NotAForm, import_document
from reviewer.importing.convert import find_soffice
from test_import_builders import SEED_TEXT, beijing_grid, write_html, write_xls, zgc
from test_import_text import assert_same_form

SOFFICE = find_soffice()
needs_soffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed here; .ci/run installs it so CI runs these tests")


@pytest.fixture(scope="module")
def seed_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed form as a Word 97 .doc with a merged-cell table, saved by LibreOffice from a web page."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it so CI runs these tests")
    folder = tmp_path_factory.mktemp("doc")
    page = write_html(folder / "zgc.html", *beijing_grid(zgc()))
    subprocess.run([SOFFICE, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                    "--infilter=HTML (StarWriter)", "--convert-to", "doc", "--outdir", str(folder), str(page)],
                   check=True, capture_output=True, timeout=120)
    return folder / "zgc.doc"


@needs_soffice
def test_doc_wps_and_et_import_equal_to_the_example(seed_doc: Path, tmp_path: Path) -> None:
    wps = tmp_path / "zgc.wps"  # WPS 文字 saves Word-compatible binaries under its own name
    shutil.copyfile(seed_doc, wps)
    et = write_xls(tmp_path / "zgc.xls", [("自评表", *beijing_grid(zgc()))]).rename(tmp_path / "zgc.et")
    temporary = Path(tempfile.gettempdir())
    before = set(temporary.glob("review-import-*"))
    with Converter() as converter:  # one LibreOffice profile for the run, as `review import` does
        for path in (seed_doc, wps, et):
            [imported] = import_document(path, converter=converter)
            assert imported.mark["method"] == "converted"
            assert imported.mark["converted_from"] == path.suffix
            assert imported.mark["disagreements"] == [] and imported.mark["confidence"] == 0.95
            assert_same_form(imported, zgc())
    assert set(temporary.glob("review-import-*")) == before  # the temporary folder went with the run


def fake_soffice(tmp_path: Path, monkeypatch, script: str) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("REVIEW_SOFFICE", str(fake))


def test_a_file_libreoffice_cannot_convert_is_named(tmp_path: Path, monkeypatch) -> None:
    fake_soffice(tmp_path, monkeypatch, "exit 0\n")  # LibreOffice writes nothing for a file it cannot open
    (tmp_path / "bad.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x07" * 512)
    with pytest.raises(NotAForm, match="LibreOffice 未能转换该文件"):
        import_document(tmp_path / "bad.doc")


def test_without_libreoffice_a_doc_is_refused_saying_what_to_install(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("REVIEW_SOFFICE", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr("reviewer.importing.convert._PLACES", ())
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (tmp_path / "old.et").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    (tmp_path / "form.txt").write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(tmp_path)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 2
    for name, target in (("old.doc", ".docx"), ("old.et", ".xlsx")):
        line = next(line for line in errors if name in line)
        assert "需要 LibreOffice" in line and "安装 LibreOffice" in line and f"另存为 {target}" in line
    assert (tmp_path / "form.json").exists()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def test_a_conversion_that_hangs_is_stopped_in_bounded_time(tmp_path: Path, monkeypatch) -> None:
    """LibreOffice started for a conversion and never done: stopped at the timeout, with what it started."""
    fake_soffice(tmp_path, monkeypatch, f"sleep 60 &\necho $! > {tmp_path / 'child.pid'}\nwait\n")
    (tmp_path / "slow.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    started = time.monotonic()
    with Converter(timeout=0.5) as converter, pytest.raises(NotAForm, match="超过 0.5 秒仍未完成，已中止"):
        import_document(tmp_path / "slow.doc", converter=converter)
    assert time.monotonic() - started < 10
    child = int((tmp_path / "child.pid").read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_review_soffice_pointing_nowhere_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REVIEW_SOFFICE", str(tmp_path / "no-such-soffice"))
    (tmp_path / "a.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 512)
    with pytest.raises(NotAForm, match="REVIEW_SOFFICE 所指的文件不存在"):
        import_document(tmp_path / "a.doc")
