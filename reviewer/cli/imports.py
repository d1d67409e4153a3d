"""The `review import` command: documents in, form.json files out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..importing import Imported, NotAForm, import_document
from .errors import ReviewCommand


def _output_paths(source: Path, count: int, out_dir: Path | None) -> list[Path]:
    folder = out_dir if out_dir is not None else source.parent
    if count == 1:
        return [folder / f"{source.stem}.json"]
    return [folder / f"{source.stem}-{number:02d}.json" for number in range(1, count + 1)]


def _write(imported: Imported, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(imported.data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _report(imported: Imported, target: Path) -> None:
    mark = imported.mark
    count = len(imported.form.indicators)
    click.echo(f"已导入 {imported.source} → {target}（方式 {mark['method']}，可信度 {mark['confidence']}，"
               f"{count} 个指标）")
    for line in mark["disagreements"]:
        click.echo(f"  未核对一致：{line}")
    for line in mark["doubts"]:
        click.echo(f"  存疑：{line}")


def _llm_fallback(profile: str | None):
    from ..importing.llm_extract import make_fallback

    return make_fallback(profile)


@click.command(name="import", cls=ReviewCommand)
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the form.json files (default: next to each input file).")
@click.option("--llm", "use_llm", is_flag=True,
              help="Let the LLM read layouts the parser does not know (endpoint: REVIEW_BASE_URL / "
                   "REVIEW_API_KEY / REVIEW_MODEL or --profile). The file records the method used.")
@click.option("--profile", default=None, help="Endpoint profile for --llm (as for the judge).")
def import_command(files: tuple[str, ...], out_dir: Path | None, use_llm: bool, profile: str | None) -> None:
    """Turn PDFs, text copied out of PDFs and .xlsx files into form.json files.

    A document holding several forms yields one file per form (NAME-01.json,
    NAME-02.json, ...). Each file carries an `x-import` mark with the method,
    a confidence and the figures that did not reconcile; `review` shows it.
    Exit status 2 when a file (or a form in it) cannot be read; the other
    files are still imported.
    """
    fallback = _llm_fallback(profile) if use_llm else None
    failed = 0
    for raw in files:
        source = Path(raw)
        try:
            outcomes = import_document(source, fallback)
        except NotAForm as error:
            click.echo(f"错误：{error}", err=True)
            failed += 1
            continue
        targets = _output_paths(source, len(outcomes), out_dir)
        for outcome, target in zip(outcomes, targets):
            if isinstance(outcome, NotAForm):
                click.echo(f"错误：{outcome}", err=True)
                failed += 1
                continue
            _write(outcome, target)
            _report(outcome, target)
    if failed:
        sys.exit(2)
