"""The package layout keeps its rules: the pipeline stages import only backwards, there are no
import circles, and click and the terminal live only in the command line.

Every module's imports are read with `ast` (function-level imports included), relative imports
resolved, and `from package import name` taken as the submodule when one has that name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from formkit import ROOT

PACKAGE = ROOT / "reviewer"

# The stage order: a module may import its own stage or an earlier one, never a later one.
STAGES = [
    ("foundation", ("reviewer", "reviewer.errors", "reviewer.config")),
    ("llm", ("reviewer.llm",)),  # any OpenAI-compatible endpoint: knows nothing of forms
    ("form", ("reviewer.form",)),  # read form.json
    ("importing", ("reviewer.importing",)),  # documents → form.json
    ("scoring", ("reviewer.scoring",)),  # recompute
    ("checks", ("reviewer.checks",)),  # deterministic findings
    ("review", ("reviewer.review",)),  # a form read, scored and checked
    ("judge", ("reviewer.judge",)),  # judge the explanations
    ("engine", ("reviewer.engine",)),  # the pipeline for many forms
    ("store", ("reviewer.store",)),  # review.db
    ("signoff", ("reviewer.signoff",)),  # decisions and the documents handed back
    ("evaluation", ("reviewer.evaluation",)),  # measuring the judge
    ("web", ("reviewer.web",)),  # the browser workbench
    ("cli", ("reviewer.cli", "reviewer.__main__")),  # the command line
]
TERMINAL = ("click", "click_default_group", "rich")  # only reviewer.cli may import these


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> tuple[set[str], set[str]]:
    """(reviewer modules imported, top-level outside packages imported) by one module."""
    is_package = path.name == "__init__.py"
    inside: set[str] = set()
    outside: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (inside if alias.name.split(".")[0] == "reviewer" else outside).add(
                    alias.name if alias.name.split(".")[0] == "reviewer" else alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "reviewer":
                outside.add(target.split(".")[0])
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                inside.add(sub if sub in known else target)
    inside = {m for m in inside if m in known}
    inside.discard(name)
    return inside, outside


def graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    found = modules()
    known = set(found)
    edges, external = {}, {}
    for name, path in found.items():
        edges[name], external[name] = imports_of(name, path, known)
    return edges, external


def stage_of(module: str) -> int:
    best, index = -1, -1
    for number, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            matches = module == prefix or (prefix != "reviewer" and module.startswith(prefix + "."))
            if matches and len(prefix) > best:
                best, index = len(prefix), number
    if index < 0:
        raise AssertionError(f"{module} belongs to no stage: add it to STAGES")
    return index


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def backward(edges: dict[str, set[str]]) -> list[str]:
    return [f"{a} ({STAGES[stage_of(a)][0]}) imports {b} ({STAGES[stage_of(b)][0]})"
            for a, targets in sorted(edges.items()) for b in sorted(targets) if stage_of(b) > stage_of(a)]


def test_every_module_belongs_to_a_stage():
    for name in modules():
        stage_of(name)


def test_no_import_circles():
    edges, _ = graph()
    assert circles(edges) == []


def test_imports_only_run_back_down_the_pipeline():
    edges, _ = graph()
    assert backward(edges) == []


def test_click_and_the_terminal_only_in_the_command_line():
    _, external = graph()
    offenders = {name: sorted(set(used) & set(TERMINAL)) for name, used in external.items()
                 if not name.startswith("reviewer.cli") and set(used) & set(TERMINAL)}
    assert offenders == {}


def test_the_checks_catch_what_they_are_for():
    # A test that cannot fail is a defect: the checkers find a planted circle and a planted backward import.
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert backward({"reviewer.form.model": {"reviewer.store.store"}}) == [
        "reviewer.form.model (form) imports reviewer.store.store (store)"]
    with pytest.raises(AssertionError, match="no stage"):
        stage_of("reviewer.somewhere_new")


def test_relative_imports_are_resolved(tmp_path: Path):
    module = tmp_path / "x.py"
    module.write_text("from ..store import Store\nfrom . import rows\nimport click\n", encoding="utf-8")
    inside, outside = imports_of("reviewer.signoff.x", module, {"reviewer.store", "reviewer.signoff.rows"})
    assert inside == {"reviewer.store", "reviewer.signoff.rows"} and outside == {"click"}


# --- the terminal: one way out -------------------------------------------------------------

TERMINAL_MODULE = "reviewer.cli.terminal"  # cleans control characters, never reads markup
STREAM_READS = {"isatty", "fileno", "encoding"}  # asking about a stream is not writing to it


def terminal_writes(source: str) -> list[str]:
    """Ways a module writes to the terminal other than reviewer/cli/terminal.py: print(), click.echo /
    secho (or imported by name), sys.stdout / sys.stderr used for more than asking about them, a rich
    Console of its own, rich's print."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("click", "rich"):
            found += [f"from {node.module} import {a.name}" for a in node.names if a.name in ("echo", "secho", "print")]
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("print", "Console"):
                found.append(f"{func.id}() line {node.lineno}")
            elif isinstance(func, ast.Attribute) and (
                    func.attr == "Console" or (isinstance(func.value, ast.Name) and func.value.id in ("click", "rich")
                                               and func.attr in ("echo", "secho", "print"))):
                found.append(f"{ast.unparse(func)}() line {node.lineno}")
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute)
              and isinstance(node.value.value, ast.Name) and node.value.value.id == "sys"
              and node.value.attr in ("stdout", "stderr") and node.attr not in STREAM_READS):
            found.append(f"sys.{node.value.attr}.{node.attr} line {node.lineno}")
    return found


def test_everything_printed_goes_through_the_terminal_module():
    offenders = {name: found for name, path in modules().items() if name != TERMINAL_MODULE
                 for found in [terminal_writes(path.read_text(encoding="utf-8"))] if found}
    assert offenders == {}


def test_the_terminal_check_finds_each_way_out():
    planted = """
import sys, click, rich
from click import echo
from rich.console import Console
print("x")
click.echo("x")
click.secho("x")
rich.print("x")
sys.stdout.write("x")
sys.stderr.buffer.write(b"x")
Console(highlight=False)
rich.console.Console()
sys.stdout.isatty()
"""
    found = terminal_writes(planted)
    assert len(found) == 9 and not any("isatty" in line for line in found)
