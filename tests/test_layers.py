"""Imports follow the data one way: `ingest` knows nothing of `app` or `eval`, and heavy libraries load
on first use, not on import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INGEST = sorted((ROOT / "ingest").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a file imports, at any depth of the file (lazy imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_ingest_package_has_modules_to_check():
    assert {p.name for p in INGEST} >= {"clean.py", "passages.py", "documents.py", "store.py", "pipeline.py"}


@pytest.mark.parametrize("path", INGEST, ids=lambda p: p.name)
def test_no_ingest_module_imports_app_or_eval(path):
    assert not imported_modules(path) & {"app", "eval"}


@pytest.mark.parametrize("path", INGEST, ids=lambda p: p.name)
def test_no_ingest_module_imports_the_ui(path):
    assert "streamlit" not in imported_modules(path)


def test_importing_ingest_loads_no_model_index_or_ui_library():
    code = (
        "import sys\n"
        "import ingest.clean, ingest.documents, ingest.embed, ingest.passages, ingest.pipeline, ingest.settings, ingest.store\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'llama_index', 'chromadb', 'streamlit', 'app', 'eval')\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "", f"imported at import time: {loaded.stdout.strip()}"


# --- app/'s rooms (app/__init__.py): app/cli.py, app/pages/ -> app/jobs/ -> app/engine/ -> ingest/ ---

APP = ROOT / "app"
APP_FILES = sorted(APP.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, here: str | None = None) -> set[str]:
    """Full names of every module a file imports, at any depth (lazy imports too), relative imports
    resolved; `from pkg import name` counts as pkg.name when that is a module of the project. `here` is
    the file's module name (by default, from its place under the project root)."""
    here = here or module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.add(mod)
            for alias in node.names:
                sub = ROOT.joinpath(*f"{mod}.{alias.name}".split("."))
                if sub.with_suffix(".py").exists() or (sub / "__init__.py").exists():
                    found.add(f"{mod}.{alias.name}")
    return found


def room_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "app" or len(parts) == 1:
        return parts[0]
    return "app." + parts[1] if parts[1] in ("engine", "jobs", "pages") else module


FORBIDDEN = {
    "app.engine": {"app.jobs", "app.pages", "app.cli", "eval"},
    "app.jobs": {"app.pages", "app.cli", "eval"},  # eval.evalset alone is allowed below
    "app.pages": {"app.cli"},
    "app.cli": {"app.pages"},  # `footnote app` runs the page script by path, never imports it
}
ALLOWED = {"app.jobs": {"eval.evalset"}}


def test_app_top_level_holds_only_the_package_and_the_cli():
    assert {p.name for p in APP.iterdir() if p.is_file()} == {"__init__.py", "cli.py"}
    assert {p.name for p in APP.iterdir() if p.is_dir() and p.name != "__pycache__"} == {"engine", "jobs", "pages"}


def test_every_room_says_what_it_holds_and_what_it_may_import():
    for room in ("engine", "jobs", "pages"):
        doc = ast.get_docstring(ast.parse((APP / room / "__init__.py").read_text(encoding="utf-8")))
        assert doc and "May import" in doc, room


@pytest.mark.parametrize("path", APP_FILES, ids=lambda p: str(p.relative_to(APP)))
def test_app_modules_import_only_down_the_rooms(path):
    room = room_of(module_name(path))
    bad = {m for m in imports_of(path) if room_of(m) in FORBIDDEN.get(room, set())
           and m not in ALLOWED.get(room, set())}
    assert not bad, f"{module_name(path)} ({room}) imports {sorted(bad)}"


def test_nothing_outside_the_pages_imports_them():
    outside = [p for p in [*APP_FILES, *INGEST, *sorted((ROOT / "eval").glob("*.py"))] if "pages" not in p.parts]
    assert outside
    for path in outside:
        assert not {m for m in imports_of(path) if m.startswith("app.pages")}, path


def test_the_room_rules_catch_an_upward_import(tmp_path):
    # The checker itself: a relative import from the engine up into jobs resolves to app.jobs.plan.
    probe = tmp_path / "probe.py"
    probe.write_text("from ..jobs import plan\nfrom .answer import Answer\n", encoding="utf-8")
    found = imports_of(probe, here="app.engine.probe")
    assert {"app.jobs.plan", "app.engine.answer"} <= found
    assert room_of("app.jobs.plan") in FORBIDDEN["app.engine"]


def test_no_import_cycles_among_app_modules():
    graph = {module_name(p): {m for m in imports_of(p) if m.startswith("app.")} for p in APP_FILES}
    graph = {k: {m for m in v if m in graph and m != k} for k, v in graph.items()}
    # A package's __init__ importing its own modules lazily (app.engine -> app.engine.core) is how
    # `from app.engine import Engine` works; a module importing its package is an import of that name.
    for pkg in ("app.engine",):
        graph[pkg] = set()
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_importing_the_engine_loads_no_page_job_or_ui_library():
    code = (
        "import sys\n"
        "import app.engine, app.engine.core\n"
        "print(' '.join(m for m in sys.modules if m.startswith(('app.pages', 'app.jobs', 'app.cli', 'streamlit'))))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "", f"imported with the engine: {loaded.stdout.strip()}"


@pytest.mark.parametrize("path", [APP / "pages" / "streamlit_app.py", *sorted((APP / "pages" / "views").glob("*.py"))],
                         ids=lambda p: p.name)
def test_page_scripts_import_absolutely(path):
    # Streamlit runs these files as scripts (__main__), where a relative import has no package to start from.
    relative = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.ImportFrom) and n.level]
    assert not relative, f"{path.name} line {relative[0].lineno}"
