"""Uploads: documents a teacher adds, edits and removes in the app, one notebook at a time.

An uploaded file is checked before it is kept (its type, size, whether it can be read, whether the
notebook already holds the same text, whether its name would take another document's id), then stored
in the notebook's `uploads/` folder inside the index folder (never in corpus/raw) and ingested with
the rest of that folder. The index itself changes only through the pipeline, so an upload interrupted
halfway leaves the previous generation serving and the file in `uploads/`, where the next ingest
completes it. A removed document's file waits in the notebook's `trash/` until the next ingest. Every
problem is a one-line message per file; the library raises nothing for a bad file.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .documents import MAX_BYTES, SUFFIXES, Skipped, content_hash, document_id, read, unsupported
from .errors import FootnoteError
from .formats import MAX_PACKED_BYTES
from .notebooks import forget_metadata, write_metadata
from .pipeline import Progress, Summary, Unusable, ingest, prepare, reingest, remove_documents, source_root
from .settings import Settings
from .store import Index


@dataclass
class Added:
    """What became of an upload batch: the new documents' ids, and one line per file worth a word."""

    doc_ids: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    summary: Summary | None = None


def safe_name(name: str) -> str:
    """The file name to keep an upload under: its last path part only (no folders, no '..'), without
    control characters or a leading dot."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".")
    return name[:120] or "upload.txt"


def add_files(files: list[tuple[str, bytes]], settings: Settings, *, report: Progress | None = None) -> Added:
    """Check, keep and ingest uploaded files (name, content) into the settings' notebook."""
    out = Added()
    uploads = settings.uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    manifest = _manifest(settings)
    taken = set(manifest) | {document_id(p, uploads, "") for p in uploads.iterdir() if p.is_file()}
    texts = {e.text: (d, e.title) for d, e in manifest.items() if e.text and Path(e.source).exists()}
    keep: list[tuple[Path, Path]] = []  # (checked copy, where it goes)
    with tempfile.TemporaryDirectory(dir=settings.index_dir, prefix=".incoming-") as tmp:
        for name, data in files:  # checked before anything is kept (the pipeline reports its own progress)
            name = safe_name(name)
            line = _check(Path(tmp), name, data, settings, texts)
            if isinstance(line, str):
                out.messages.append(f"skipped {name}: {line}")
                continue
            raw, text_hash = line
            target = uploads / name
            doc_id = document_id(target, uploads, "")
            if doc_id in taken or target.exists():
                stem, suffix, k = Path(name).stem, Path(name).suffix, 2
                while document_id(uploads / f"{stem}-{k}{suffix}", uploads, "") in taken \
                        or (uploads / f"{stem}-{k}{suffix}").exists():
                    k += 1
                target = uploads / f"{stem}-{k}{suffix}"
                new_id = document_id(target, uploads, "")
                owner = manifest[doc_id].title if doc_id in manifest else "another upload"
                out.messages.append(f"{name}: the id '{doc_id}' belongs to '{owner}'; added as '{new_id}'")
                doc_id = new_id
            taken.add(doc_id)
            texts[text_hash] = (doc_id, raw.info.title)
            keep.append((raw.path, target))
            out.doc_ids.append(doc_id)
        if not keep:
            return out
        for checked, target in keep:
            os.replace(checked, target)  # the same file system: the index folder
    out.summary = ingest([uploads], settings, progress=False, report=report)
    out.messages += [f"skipped {s.path.name}: {s.reason}" for s in out.summary.skipped]
    out.messages += [f"note: {n}" for n in out.summary.notes]
    indexed = set(_manifest(settings))
    out.doc_ids = [d for d in out.doc_ids if d in indexed]
    return out


def _check(tmp: Path, name: str, data: bytes, settings: Settings, texts: dict):
    """The reason an upload cannot be added, or (the document read from a checked copy, its text hash)."""
    path = tmp / name
    if path.suffix.lower() not in SUFFIXES:
        return unsupported(path)
    limit = MAX_PACKED_BYTES if path.suffix.lower() in (".pdf", ".docx") else MAX_BYTES
    if len(data) > limit:
        return f"is too large ({len(data) // 1_000_000} MB; the limit is {limit // 1_000_000} MB)"
    path.write_bytes(data)
    raw = read(path, {}, root=tmp, prefix="")
    if isinstance(raw, Skipped):
        return raw.reason
    try:
        p = prepare(raw, settings, settings.model_name)
    except Unusable as e:
        return str(e)
    if not p.passages:
        return "has no readable text left after cleaning"
    text_hash = content_hash(p.cleaned.text)
    if text_hash in texts:
        doc_id, title = texts[text_hash]
        return f"has the same text as '{title}' ({doc_id}), already in this notebook; nothing added"
    return raw, text_hash


def _manifest(settings: Settings) -> dict:
    from .errors import NoIndexError

    try:
        return Index.open(settings).manifest()
    except NoIndexError:
        return {}


def remove_document(doc_id: str, settings: Settings) -> str:
    """Take a document out of the notebook; an uploaded file goes to the trash until the next ingest.
    Returns a line saying where its file is."""
    manifest = _manifest(settings)
    if doc_id not in manifest:
        raise FootnoteError(f"This notebook holds no document {doc_id}; it may have been removed already.")
    source = Path(manifest[doc_id].source)
    uploaded = os.path.abspath(source.parent) == os.path.abspath(settings.uploads_dir)
    trashed = None
    if uploaded and source.exists():
        settings.trash_dir.mkdir(parents=True, exist_ok=True)
        trashed = settings.trash_dir / source.name
        os.replace(source, trashed)
    try:
        remove_documents([doc_id], settings)
    except BaseException:
        if trashed:  # the index is as it was: so is the file
            os.replace(trashed, source)
        raise
    forget_metadata(settings, doc_id)
    title = manifest[doc_id].title
    if uploaded:
        return f"Removed '{title}'. Its file is in the notebook's trash until the next ingest."
    return (f"Removed '{title}' from the index. Its file stays where it was ({source.name}); ingesting that "
            "folder again brings it back.")


def edit_document(doc_id: str, settings: Settings, *, title: str, kind: str, reliability: str) -> Summary:
    """Set a document's title, kind and reliability note. They are kept with the notebook (so a later
    ingest keeps them) and the document is written again; its vectors are reused unless the kind
    changes how it is split (notes, mind map, timeline)."""
    title, kind = " ".join(title.split()), " ".join(kind.split())
    if not title:
        raise FootnoteError("A document needs a title.")
    manifest = _manifest(settings)
    if doc_id not in manifest:
        raise FootnoteError(f"This notebook holds no document {doc_id}; it may have been removed.")
    found = source_root(doc_id, manifest[doc_id])
    if not found.path.exists():
        raise FootnoteError(f"The file of {doc_id} ({found.path.name}) is no longer where it was ingested from, "
                            "so it cannot be read again; ingest its folder again first.")
    write_metadata(settings, doc_id, title=title, kind=kind or "your document", reliability=reliability)
    return reingest([found], settings)
