"""The `review import` command: documents in (files or folders), form.json files out."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from ..form.files import Skipped, is_folder, shown_path
from ..importing import Converter, Imported, NotAForm, files_below, import_document
from ..importing.output import KEPT, OVERWRITTEN, UNCHANGED, WRITTEN, output_paths, save
from .errors import ReviewCommand
from .terminal import echo


def _report(imported: Imported, target: Path, outcome: str) -> None:
    shown = shown_path(target)
    if outcome == UNCHANGED:
        echo(f"未变：{shown} 与重新导入 {imported.source} 的结果相同")
        return
    if outcome == KEPT:
        echo(f"注意：{shown} 已存在且与重新导入 {imported.source} 的结果不同（可能已手工修改），未覆盖；"
             "确需覆盖请加 --force", err=True)
        return
    mark = imported.mark
    count = len(imported.form.indicators)
    converted = f"，由 {mark['converted_from']} 转换" if mark.get("converted_from") else ""
    again = "，覆盖了已有文件" if outcome == OVERWRITTEN else ""
    echo(f"已导入 {imported.source} → {shown}（方式 {mark['method']}{converted}，可信度 {mark['confidence']}，"
         f"{count} 个指标{again}）")
    for line in mark["disagreements"]:
        echo(f"  未核对一致：{line}")
    for line in mark["doubts"]:
        echo(f"  存疑：{line}")


def _llm_fallback(profile: str | None):  # noqa: ANN202 - the importer's fallback callable
    from ..importing.llm_extract import make_fallback

    return make_fallback(profile)


def _sources(paths: tuple[str, ...], out_dir: Path | None
             ) -> tuple[list[tuple[Path, Path]], list[Path], list[Skipped]]:
    """(document, folder its form.json files go to) for every file given or found below a folder,
    the files passed over in those folders, and the entries that could not be read there.
    Below a folder, -o keeps the subfolders."""
    sources: list[tuple[Path, Path]] = []
    passed: list[Path] = []
    problems: list[Skipped] = []
    for raw in paths:
        path = Path(raw)
        if is_folder(path):
            found = files_below(path)
            passed += found.passed
            problems += found.skipped
            for file in found.taken:
                folder = file.parent if out_dir is None else out_dir / file.parent.relative_to(path)
                sources.append((file, folder))
        else:
            sources.append((path, path.parent if out_dir is None else out_dir))
    return sources, passed, problems


@click.command(name="import", cls=ReviewCommand)
@click.argument("paths", nargs=-1, required=True, type=click.Path(readable=False))
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the form.json files (default: next to each input file; below a folder given "
                   "as input, its subfolders are kept).")
@click.option("--force", is_flag=True,
              help="Overwrite a form.json that exists and differs from what the import gives "
                   "(by default it is left alone: it may hold a reviewer's corrections).")
@click.option("--llm", "use_llm", is_flag=True,
              help="Let the LLM read layouts the parser does not know (endpoint: REVIEW_BASE_URL / "
                   "REVIEW_API_KEY / REVIEW_MODEL or --profile). The file records the method used.")
@click.option("--profile", default=None, help="Endpoint profile for --llm (as for the judge).")
def import_command(paths: tuple[str, ...], out_dir: Path | None, force: bool, use_llm: bool,
                   profile: str | None) -> None:
    """Turn PDFs, Word and Excel files (and folders of them) into form.json files.

    Reads PDF, text copied out of a PDF, .docx, .xlsx and old .xls; .doc, .wps
    and .et through LibreOffice (soffice) when it is installed. A folder is read
    with every supported file below it. A document holding several forms yields
    one file per form (NAME-01.json, NAME-02.json, ...). Each file carries an
    `x-import` mark with the method, a confidence and the figures that did not
    reconcile; `review` shows it. A form.json that exists and differs is never
    overwritten without --force. Exit status 2 when a file (or a form in it)
    cannot be read, or an entry below a folder (a folder without permission, a
    broken or circular link, a pipe): each is named, and the other files are
    still imported.
    """
    fallback = _llm_fallback(profile) if use_llm else None
    sources, skipped, problems = _sources(paths, out_dir)
    for problem in problems:
        echo(f"错误：{problem}", err=True)
    if not sources:
        if problems:
            sys.exit(2)
        raise click.UsageError("没有找到可导入的文件（PDF、Word、Excel、WPS 或文字）")
    tally: Counter[str] = Counter(failed=len(problems))
    taken: set[Path] = set()
    with Converter() as converter:
        for source, folder in sources:
            try:
                outcomes = import_document(source, fallback, converter)
            except NotAForm as error:
                echo(f"错误：{error}", err=True)
                tally["failed"] += 1
                continue
            for outcome, target in zip(outcomes, output_paths(source, len(outcomes), folder, taken)):
                if isinstance(outcome, NotAForm):
                    echo(f"错误：{outcome}", err=True)
                    tally["failed"] += 1
                    continue
                result = save(target, outcome.data, force)
                tally[result] += 1
                _report(outcome, target, result)
    if skipped:
        names = "、".join(shown_path(path) for path in skipped[:10]) + ("……" if len(skipped) > 10 else "")
        echo(f"已跳过 {len(skipped)} 个不是可导入类型的文件：{names}", err=True)
    if len(sources) > 1:
        echo(f"共 {len(sources)} 个文件：新导入 {tally[WRITTEN]} 份，覆盖 {tally[OVERWRITTEN]} 份，"
             f"未变 {tally[UNCHANGED]} 份，已存在未覆盖 {tally[KEPT]} 份，无法读取 {tally['failed']} 处")
    if tally["failed"]:
        sys.exit(2)
