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
