"""Notebooks: one set of sources per class or topic, each its own index beside the others.

This module lists, creates and removes notebooks and keeps each notebook's metadata edits (the title,
kind and reliability note a teacher set in the app, by document id, in `metadata.json` in the notebook's
folder). Where a notebook's files live is the settings' business (settings.py `with_notebook`); what is
in its index is store.py's. The default notebook is the index folder itself and cannot be removed.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import FootnoteError, IndexDamagedError, NoIndexError
from .settings import _NOTEBOOK_NAME, DEFAULT_NOTEBOOK, Settings, check_notebook_name

METADATA = "metadata.json"
EDITABLE = ("title", "kind", "reliability")


@dataclass
class Notebook:
    name: str
    documents: int
    passages: int
    problem: str = ""  # why its index could not be read, if it could not


def names(settings: Settings) -> list[str]:
    """Every notebook's name, the default first. A notebook exists once it has a folder (local index) or
    a live collection (Chroma server)."""
    found: set[str] = set()
    if settings.chroma_host:
        from .store import _client_at

        prefix = f"{settings.collection}-"
        for c in _client_at(settings).list_collections():
            name = c if isinstance(c, str) else c.name
            if name.startswith(prefix) and name.endswith("--live"):
                found.add(name[len(prefix) : -len("--live")])
    if is_folder(settings.notebooks_dir):  # made here, or holding uploads (also beside a Chroma server)
        try:
            found |= {p.name for p in settings.notebooks_dir.iterdir() if is_folder(p) and not p.is_symlink()}
        except OSError:  # an unreadable index folder: the default notebook reports it when opened
            pass
    return [DEFAULT_NOTEBOOK] + sorted(n for n in found if _NOTEBOOK_NAME.match(n) and n != DEFAULT_NOTEBOOK)


def is_folder(path: Path) -> bool:
    """Whether path is a folder; False, not an exception, when the index folder cannot be read (the
    index reports that itself, in one line, when it is opened)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def exists(settings: Settings, name: str) -> bool:
    return name in names(settings)


def summary(settings: Settings) -> list[Notebook]:
    """Every notebook with its document and passage counts (0 and 0 before its first ingest)."""
    from .store import Index

    out = []
    for name in names(settings):
        try:
            manifest = Index.open(settings.with_notebook(name)).manifest()
        except NoIndexError:
            out.append(Notebook(name, 0, 0))
            continue
        except FootnoteError as e:
            out.append(Notebook(name, 0, 0, problem=str(e)))
            continue
        out.append(Notebook(name, len(manifest), sum(e.passages for e in manifest.values())))
    return out


def create(settings: Settings, name: str) -> Settings:
    """Make an empty notebook (its folder) and return its settings; an existing one is left as it is."""
    nb = settings.with_notebook(check_notebook_name(name))
    nb.index_dir.mkdir(parents=True, exist_ok=True)  # its uploads live here, whatever holds its index
    return nb


def remove(settings: Settings, name: str) -> None:
    """Delete a notebook: its index, uploaded files, trash and metadata. The default notebook holds the
    shipped corpus and is never removed. Waits for no one: an ingest writing it makes this refuse."""
    from .store import _client_at, writing

    if check_notebook_name(name) == DEFAULT_NOTEBOOK:
        raise FootnoteError("The default notebook holds the shipped corpus and cannot be removed.")
    if name not in names(settings):
        raise FootnoteError(f"There is no notebook '{name}'. `footnote notebooks` lists them.")
    nb = settings.with_notebook(name)
    doomed = nb.index_dir.with_name(f".removing-{name}")
    with writing(nb):
        if settings.chroma_host:
            client = _client_at(nb)
            prefix = f"{nb.notebook_collection}--"
            for c in client.list_collections():
                cname = c if isinstance(c, str) else c.name
                if cname.startswith(prefix):
                    client.delete_collection(cname)
        # Renamed away first (one step), so that a half-finished delete never looks like a notebook.
        if nb.index_dir.exists():
            os.replace(nb.index_dir, doomed)
    shutil.rmtree(doomed, ignore_errors=True)


# --- metadata edits --------------------------------------------------------------------------------


def read_metadata(settings: Settings) -> dict[str, dict[str, str]]:
    """{doc_id: {"title"|"kind"|"reliability": value}} set in the app for this notebook."""
    path = settings.index_dir / METADATA
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise IndexDamagedError(settings.where, f"{METADATA} is unreadable") from e
    return {str(d): {k: str(v) for k, v in m.items() if k in EDITABLE} for d, m in data.items() if isinstance(m, dict)}


def write_metadata(settings: Settings, doc_id: str, **values: str) -> None:
    """Remember a document's title, kind or reliability note (written beside, then renamed over)."""
    data = read_metadata(settings)
    entry = data.setdefault(doc_id, {})
    for k, v in values.items():
        if k not in EDITABLE:
            raise ValueError(f"not an editable field: {k}")
        entry[k] = " ".join(str(v).split())[:500] if k != "reliability" else str(v).strip()[:2000]
    _write_json(settings.index_dir / METADATA, data)


def forget_metadata(settings: Settings, doc_id: str) -> None:
    data = read_metadata(settings)
    if data.pop(doc_id, None) is not None:
        _write_json(settings.index_dir / METADATA, data)


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
