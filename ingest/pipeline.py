"""Ingest: files on disk → clean text → passages and sentences → embeddings → the Chroma index.

Incremental: a document whose clean text, chunking and model are unchanged keeps its records and is
not embedded again; an edited one gets new records and its old ones go; one that has disappeared from a
folder being ingested is removed. All new records are written before the manifest flips to them (see
store.py), so an interrupted run never leaves a half index that the app would serve.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .clean import Cleaned, clean
from .documents import RawDocument, Skipped, collect, content_hash, load_sources, read
from .embed import embed_texts, embedder, folder_dimension
from .encoder import export, onnx_file
from .errors import NothingIngestedError
from .passages import Passage, split_passages
from .settings import Settings
from .store import Index, ManifestEntry

NOTE_KINDS = {"mind map", "notes", "timeline"}


@dataclass
class Prepared:
    raw: RawDocument
    cleaned: Cleaned
    passages: list[Passage]
    key: str

    @property
    def doc_id(self) -> str:
        return self.raw.info.id


@dataclass
class Summary:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    passages: int = 0
    embedded: int = 0
    seconds: float = 0.0

    @property
    def documents(self) -> int:
        return len(self.new) + len(self.updated) + len(self.unchanged)


def prepare(raw: RawDocument, settings: Settings, model_name: str) -> Prepared:
    cleaned = clean(raw.text, repairs=raw.info.repairs)
    notes = raw.info.kind.lower() in NOTE_KINDS
    passages = split_passages(
        raw.info.id, cleaned.text, notes=notes,
        max_sentences=settings.passage_max_sentences, max_chars=settings.passage_max_chars,
    )
    chunking = f"{settings.passage_max_sentences}/{settings.passage_max_chars}/{notes}"
    meta = json.dumps(vars(raw.info), sort_keys=True)
    # The key changes whenever what would be stored changes: text, passage and sentence boundaries
    # (so a change to the splitter re-embeds), chunking settings, model or metadata.
    layout = json.dumps([[p.start, p.end, p.heading, [[s.start, s.end, s.heading] for s in p.sentences]]
                         for p in passages])
    key = f"{raw.info.id}@{content_hash(cleaned.text, layout, chunking, model_name, meta)}"
    return Prepared(raw, cleaned, passages, key)


def _nodes(p: Prepared, embeddings: dict[str, list[float]]):
    """llama-index TextNodes for one document: its sentences, its passages and the document itself."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    info = p.raw.info
    # llama-index writes the node's source document id into the "doc_id" metadata field; make it ours.
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=info.id)}
    base = {"doc_id": info.id, "doc_key": p.key}
    nodes = []
    for passage in p.passages:
        pmeta = {**base, "passage_id": passage.id, "start": passage.start, "end": passage.end,
                 "heading": passage.heading}
        nodes.append(TextNode(id_=f"{p.key}/{passage.index:03d}", text=passage.text, embedding=embeddings[passage.id],
                              metadata={**pmeta, "kind": "passage"}, relationships=source))
        for j, s in enumerate(passage.sentences):
            if s.heading:
                continue
            nodes.append(TextNode(id_=f"{p.key}/{passage.index:03d}.{j}", text=s.text,
                                  embedding=embeddings[f"{passage.id}.{j}"],
                                  metadata={**pmeta, "kind": "sentence", "start": s.start, "end": s.end},
                                  relationships=source))
    vectors = [embeddings[x.id] for x in p.passages]
    centroid = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)] if vectors else []
    removed = [{"rule": r.rule, "removed": r.removed, "changed": r.changed} for r in p.cleaned.reports if r.touched]
    nodes.append(TextNode(
        id_=f"{p.key}/doc", text=p.cleaned.text, embedding=centroid,
        metadata={**base, "kind": "document", "title": info.title, "source_kind": info.kind,
                  "reliability": info.reliability, "file": info.file, "passages": len(p.passages),
                  "extra": json.dumps(p.cleaned.metadata, ensure_ascii=False),
                  "questions": json.dumps(p.cleaned.questions, ensure_ascii=False),
                  "removed": json.dumps(removed, ensure_ascii=False)},
        relationships=source,
    ))
    return nodes


def _texts(p: Prepared) -> dict[str, str]:
    """What to embed for each passage and sentence. A passage is embedded with its heading, which is
    often the only place its topic is named (mind-map nodes)."""
    out = {}
    for passage in p.passages:
        body = passage.text if passage.text.startswith(passage.heading) else f"{passage.heading}\n{passage.text}"
        out[passage.id] = body
        for j, s in enumerate(passage.sentences):
            if not s.heading:
                out[f"{passage.id}.{j}"] = s.text
    return out


def write_clean_copies(prepared: list[Prepared], settings: Settings) -> None:
    """Write the clean text (and any study questions) of the shipped corpus to corpus/clean/, so anyone
    can read exactly what the assistant knows."""
    settings.clean_dir.mkdir(parents=True, exist_ok=True)
    for p in prepared:
        target = settings.clean_dir / f"{p.doc_id}.txt"
        if not target.exists() or target.read_text(encoding="utf-8") != p.cleaned.text:
            target.write_text(p.cleaned.text, encoding="utf-8")
        if p.cleaned.questions:
            qfile = settings.clean_dir / f"{p.doc_id}.questions.txt"
            qfile.write_text("\n".join(p.cleaned.questions) + "\n", encoding="utf-8")


def ingest(paths: list[Path] | None = None, settings: Settings | None = None, *, rebuild: bool = False,
           progress: bool = True, log=print) -> Summary:
    """Ingest files and folders (default: corpus/raw). Returns what happened; raises
    NothingIngestedError only if no file given produced usable text."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    paths = [Path(p) for p in (paths or [settings.raw_dir])]
    summary = Summary()
    files, summary.skipped = collect(paths)
    sources = load_sources(settings.corpus_dir / "sources.toml")

    model_name, dim = settings.model_name, folder_dimension(settings.embed_model)

    prepared: list[Prepared] = []
    seen_text: dict[str, str] = {}
    seen_ids: set[str] = set()
    for f in files:
        raw = read(f, sources)
        if isinstance(raw, Skipped):
            summary.skipped.append(raw)
            continue
        p = prepare(raw, settings, model_name)
        text_hash = content_hash(p.cleaned.text)
        if not p.passages:
            summary.skipped.append(Skipped(f, "has no readable text left after cleaning"))
        elif text_hash in seen_text:
            summary.skipped.append(Skipped(f, f"has the same text as {seen_text[text_hash]}"))
        elif p.doc_id in seen_ids:
            summary.skipped.append(Skipped(f, f"has the same document id '{p.doc_id}' as another file; rename it"))
        else:
            seen_text[text_hash] = f.name
            seen_ids.add(p.doc_id)
            summary.notes += [f"{f.name}: {n}" for n in raw.notes]
            prepared.append(p)

    index = Index.create_or_open(settings, model_name, dim, rebuild=rebuild)
    manifest = index.manifest()
    roots = [p.resolve() for p in paths]

    def under_roots(source: str) -> bool:
        s = Path(source).resolve()
        return any(s == r or r in s.parents for r in roots)

    todo = [p for p in prepared if manifest.get(p.doc_id) is None or manifest[p.doc_id].key != p.key]
    for p in prepared:
        if p not in todo:
            summary.unchanged.append(p.doc_id)
        elif p.doc_id in manifest:
            summary.updated.append(p.doc_id)
        else:
            summary.new.append(p.doc_id)
    current = {p.doc_id for p in prepared}
    summary.removed = sorted(d for d, e in manifest.items() if d not in current and under_roots(e.source))

    if not prepared and not summary.removed:
        summary.seconds = time.perf_counter() - started
        raise NothingIngestedError(
            "Nothing was ingested: " + ("; ".join(f"{s.path.name} {s.reason}" for s in summary.skipped) or "no files found")
        )

    texts = {p.key: _texts(p) for p in todo}
    total = sum(len(t) for t in texts.values())
    bar = None
    if progress and total:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="Embedding", unit="text", leave=False)
    model = embedder(settings.embed_model) if todo else None
    # Documents are embedded together, about a thousand texts at a time, so that texts of similar length
    # share a batch (see embed_texts) while memory stays bounded however large the folder.
    group: list[Prepared] = []
    for n, p in enumerate(todo):
        group.append(p)
        if n + 1 < len(todo) and sum(len(texts[g.key]) for g in group) < 1024:
            continue
        pairs = [(g.key, i) for g in group for i in texts[g.key]]
        vectors = embed_texts(model, [texts[k][i] for k, i in pairs], progress=bar.update if bar else None)
        embedded = dict(zip(pairs, vectors, strict=True))
        for g in group:
            index.add(_nodes(g, {i: embedded[g.key, i] for i in texts[g.key]}))
            summary.embedded += len(texts[g.key])
        group = []
    if bar:
        bar.close()

    for d in summary.removed:
        manifest.pop(d)
    for p in prepared:
        manifest[p.doc_id] = ManifestEntry(key=p.key, title=p.raw.info.title, kind=p.raw.info.kind,
                                           passages=len(p.passages), source=str(p.raw.path.resolve()))
    index.commit(manifest)

    if not onnx_file(settings).exists():
        try:
            export(settings)
        except Exception as e:  # answers still work with the full model, only the first one is slower
            summary.notes.append(f"could not export the fast query encoder ({type(e).__name__}: {e}); "
                                 "answers will load the full model")

    shipped = [p for p in prepared if p.raw.path.resolve().parent == settings.raw_dir.resolve()]
    if shipped:
        write_clean_copies(shipped, settings)
    summary.passages = sum(e.passages for e in manifest.values())
    summary.seconds = time.perf_counter() - started
    return summary
