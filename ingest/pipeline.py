"""Ingest: files on disk → clean text → passages and sentences → embeddings → the Chroma index.

Incremental: a document whose clean text, chunking and model are unchanged keeps its records and is
not embedded again; an edited one gets new records and its old ones go; one that has disappeared from a
folder being ingested is removed. Every change is written into a new index generation that becomes live
in one step (see store.py), so an interrupted run, `--rebuild` included, never leaves a half or empty
index that the app would serve.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .clean import Cleaned, RuleReport, clean
from .documents import Found, RawDocument, Skipped, collect, content_hash, document_id, load_sources, read
from .embed import embed_texts, embedder, folder_dimension
from .encoder import export, onnx_file
from .errors import FootnoteError, NoIndexError, NothingIngestedError, TooMuchWorkError, first_line
from .formats import FURNITURE_RULE, page_of, page_starts
from .limits import ANNOUNCE_EMBED_TEXTS, repetitive, too_many_lines, too_many_sentences
from .notebooks import is_folder, read_metadata
from .passages import Passage, split_passages
from .reading import READING_VERSION, read_stored
from .settings import DEFAULT_NOTEBOOK, Settings
from .store import Index, ManifestEntry, drop_stale, live_generation, writing

# progress(stage, done, total): stage is "reading", "cleaning" or "embedding" (the app's progress bar)
Progress = Callable[[str, int, int], None]

NOTE_KINDS = {"mind map", "notes", "timeline"}


@dataclass
class Prepared:
    raw: RawDocument
    cleaned: Cleaned
    passages: list[Passage]
    key: str
    content: str = ""  # the key without the metadata: equal content, equal vectors
    pages: list[int] = field(default_factory=list)  # where each page starts in the clean text (PDF)

    @property
    def doc_id(self) -> str:
        return self.raw.info.id

    def page(self, offset: int) -> int | None:
        return page_of(self.pages, offset)


@dataclass
class Summary:
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    documents: int = 0  # documents this run read (new, updated and unchanged)
    passages: int = 0  # their passages
    index_documents: int = 0  # documents in the index after this run, from every folder ever ingested
    index_passages: int = 0
    embedded: int = 0
    seconds: float = 0.0


class Unusable(Exception):
    """A file that was read but costs more work than one reading may (limits.py); the message says why."""


def prepare(raw: RawDocument, settings: Settings, model_name: str) -> Prepared:
    """Clean and split one document. Raises Unusable for a text over a cap in limits.py: checked before
    the work it would cost (lines before splitting, repetition before splitting)."""
    if why := too_many_lines(raw.text):
        raise Unusable(why)
    cleaned = clean(raw.text, repairs=raw.info.repairs)
    if why := repetitive(cleaned.text):
        raise Unusable(why)
    if raw.removed:  # the PDF reader's own cleaning, reported like the rules' (formats.py)
        cleaned.reports.insert(0, RuleReport(FURNITURE_RULE[0], removed=list(raw.removed)))
    notes = raw.info.kind.lower() in NOTE_KINDS
    passages = split_passages(
        raw.info.id, cleaned.text, notes=notes,
        max_sentences=settings.passage_max_sentences, max_chars=settings.passage_max_chars,
        headings=set(raw.headings),
    )
    if why := too_many_sentences(sum(1 for p in passages for x in p.sentences if not x.heading)):
        raise Unusable(why)
    pages = page_starts(raw.text, raw.pages, cleaned.text) if raw.pages else []
    chunking = f"{settings.passage_max_sentences}/{settings.passage_max_chars}/{notes}"
    meta = json.dumps(vars(raw.info), sort_keys=True)
    # The key changes whenever what would be stored changes: text, passage and sentence boundaries
    # (so a change to the splitter re-embeds), pages, chunking settings, model or metadata. A text
    # without pages hashes exactly as before pages existed, so an existing index is not re-embedded.
    layout = json.dumps([[p.start, p.end, p.heading, [[s.start, s.end, s.heading] for s in p.sentences]]
                         for p in passages]) + (json.dumps(pages) if pages else "")
    content = content_hash(cleaned.text, layout, chunking, model_name)
    key = f"{raw.info.id}@{content_hash(cleaned.text, layout, chunking, model_name, meta)}"
    return Prepared(raw, cleaned, passages, key, content, pages)


def _readings(p: Prepared) -> dict[int, str]:
    """The reading of each of the document's sentences (reading.py), as stored: JSON by sentence start."""
    sentences = [s for passage in p.passages for s in passage.sentences if not s.heading]
    return {s.start: stored for s, stored in zip(sentences, read_stored([s.text for s in sentences]), strict=True)}


def refresh_readings(metadatas: list[dict], documents: list[str]) -> list[dict]:
    """Sentence records copied from an earlier generation whose reading is missing or of another version
    get a new one (nothing is embedded again); every other record is returned as it was."""
    stale = [i for i, m in enumerate(metadatas) if m.get("kind") == "sentence"
             and json.loads(m.get("reading") or "{}").get("v") != READING_VERSION]
    if not stale:
        return metadatas
    out = list(metadatas)
    for i, stored in zip(stale, read_stored([documents[i] for i in stale]), strict=True):
        out[i] = {**metadatas[i], "reading": stored}
    return out


def _nodes(p: Prepared, embeddings: dict[str, list[float]], readings: dict[int, str] | None = None):
    """llama-index TextNodes for one document: its sentences (each with its reading), its passages and
    the document itself."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    info = p.raw.info
    # llama-index writes the node's source document id into the "doc_id" metadata field; make it ours.
    source = {NodeRelationship.SOURCE: RelatedNodeInfo(node_id=info.id)}
    base = {"doc_id": info.id, "doc_key": p.key}
    nodes = []
    for passage in p.passages:
        pmeta = {**base, "passage_id": passage.id, "start": passage.start, "end": passage.end,
                 "heading": passage.heading}
        if p.pages:
            pmeta["page"] = p.page(passage.start)
        nodes.append(TextNode(id_=f"{p.key}/{passage.index:03d}", text=passage.text, embedding=embeddings[passage.id],
                              metadata={**pmeta, "kind": "passage"}, relationships=source))
        for j, s in enumerate(passage.sentences):
            if s.heading:
                continue
            smeta = {**pmeta, "kind": "sentence", "start": s.start, "end": s.end}
            if readings and s.start in readings:
                smeta["reading"] = readings[s.start]
            if p.pages:
                smeta["page"] = p.page(s.start)
            nodes.append(TextNode(id_=f"{p.key}/{passage.index:03d}.{j}", text=s.text,
                                  embedding=embeddings[f"{passage.id}.{j}"], metadata=smeta, relationships=source))
    vectors = [embeddings[x.id] for x in p.passages]
    centroid = [sum(col) / len(vectors) for col in zip(*vectors, strict=True)] if vectors else []
    removed = [{"rule": r.rule, "removed": r.removed, "changed": r.changed} for r in p.cleaned.reports if r.touched]
    extra = dict(p.cleaned.metadata)
    doc_meta = {**base, "kind": "document", "title": info.title, "source_kind": info.kind,
                "reliability": info.reliability, "file": info.file, "passages": len(p.passages),
                "questions": json.dumps(p.cleaned.questions, ensure_ascii=False),
                "removed": json.dumps(removed, ensure_ascii=False)}
    if p.pages:
        extra["pages"] = str(len(p.pages))
        doc_meta["page_starts"] = json.dumps(p.pages)
    doc_meta["extra"] = json.dumps(extra, ensure_ascii=False)
    nodes.append(TextNode(id_=f"{p.key}/doc", text=p.cleaned.text, embedding=centroid, metadata=doc_meta,
                          relationships=source))
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
           progress: bool = True, log=print, report: Progress | None = None) -> Summary:
    """Ingest files and folders (default: corpus/raw and the files uploaded in the app) into the
    settings' notebook. Returns what
    happened; raises NothingIngestedError only if no file given produced usable text.

    Every change lands in a new index generation, made live in one step at the end (see store.py); a
    run that changes nothing writes nothing. `rebuild` starts the new generation empty instead of from
    the live one, and never reads the live one's records, so it also recovers from a damaged index.
    `report(stage, done, total)` is told how far reading, cleaning and embedding have got."""
    settings = settings or Settings.from_env()
    started = time.perf_counter()
    if not paths:  # the shipped corpus (default notebook), and what was uploaded in the app (so an
        # interrupted upload completes)
        shipped = [settings.raw_dir] if settings.notebook == DEFAULT_NOTEBOOK else []
        paths = shipped + ([settings.uploads_dir] if is_folder(settings.uploads_dir) else [])
    paths = [Path(p) for p in paths]
    summary = Summary()
    files, summary.skipped = collect(paths)

    model_name, dim = settings.model_name, folder_dimension(settings.embed_model)
    # A notebook this ingest would create is not left behind, empty, when the ingest fails.
    new_notebook = settings.notebook != DEFAULT_NOTEBOOK and not settings.index_dir.exists() \
        and not settings.chroma_host
    try:
        with writing(settings):
            return _ingest([_absolute(p) for p in paths], settings, rebuild, progress, files, summary, model_name,
                           dim, started, report, log)
    except BaseException:
        if new_notebook and live_generation(settings) is None:
            shutil.rmtree(settings.index_dir, ignore_errors=True)
        raise


def reingest(found: list[Found], settings: Settings, *, report: Progress | None = None) -> Summary:
    """Read these files again (each with the folder it was first ingested from, so its id stays) and
    update their documents, removing nothing else: a metadata edit, or new uploads."""
    started = time.perf_counter()
    model_name, dim = settings.model_name, folder_dimension(settings.embed_model)
    with writing(settings):
        return _ingest([], settings, False, False, found, Summary(), model_name, dim, started, report)


def remove_documents(doc_ids: list[str], settings: Settings) -> Summary:
    """Take documents out of the notebook's index (their passages and sentences leave it) in a new
    generation; their files are not touched here. Raises FootnoteError for an id the index lacks."""
    started = time.perf_counter()
    model_name, dim = settings.model_name, folder_dimension(settings.embed_model)
    with writing(settings):
        live = _live_index(settings, model_name, dim, rebuild=False)
        manifest = live.manifest() if live else {}
        missing = [d for d in doc_ids if d not in manifest]
        if missing:
            raise FootnoteError(f"This notebook holds no document {', '.join(missing)}; it may have been "
                                "removed already.")
        after = {d: e for d, e in manifest.items() if d not in doc_ids}
        summary = Summary(removed=sorted(doc_ids))
        _write_generation(settings, live, [], after, model_name, dim, summary, False, None)
        summary.index_documents = len(after)
        summary.index_passages = sum(e.passages for e in after.values())
        summary.seconds = time.perf_counter() - started
        return summary


def source_root(doc_id: str, entry: ManifestEntry) -> Found:
    """The file a document was read from and the folder it was ingested from (so that reading it again
    keeps its id): recorded in the manifest, or for an index from before roots were recorded, the
    nearest folder above the file from which the file gets this id."""
    path = Path(entry.source)
    if entry.root:
        return Found(path, Path(entry.root))
    for folder in path.parents:
        if document_id(path, folder) == doc_id:
            return Found(path, folder)
    return Found(path, path.parent)


def _ingest(roots: list[Path], settings: Settings, rebuild: bool, progress: bool, files: list[Found],
            summary: Summary, model_name: str, dim: int, started: float, report: Progress | None,
            log=print) -> Summary:
    sources = load_sources(settings.corpus_dir / "sources.toml")
    overrides = read_metadata(settings)
    live = _live_index(settings, model_name, dim, rebuild)
    manifest = live.manifest() if live else {}
    indexed_text = {e.text: (d, e) for d, e in manifest.items() if e.text}
    uploads = _absolute(settings.uploads_dir)

    prepared: list[Prepared] = []
    seen_text: dict[str, str] = {}
    seen_ids: dict[str, Path] = {}
    for n, f in enumerate(files):
        if report:
            report("reading", n, len(files))
        uploaded = _absolute(f.root) == uploads
        # One file must never stop the folder: whatever reading or cleaning it raises, it is skipped with
        # one line and the next file is read (a bug shows as its exception's name, never a traceback).
        try:
            # Files added in the app are named by their own file names only: not by the shipped corpus's
            # sources.toml, and without the name of Footnote's own folder in their ids.
            raw = read(f.path, {} if uploaded else sources, root=f.root, prefix="" if uploaded else None)
            if isinstance(raw, Skipped):
                summary.skipped.append(raw)
                continue
            if raw.info.id in overrides:  # the title, kind or reliability note a teacher set in the app
                raw.info = replace(raw.info, **overrides[raw.info.id])
            if report:
                report("cleaning", n, len(files))
            p = prepare(raw, settings, model_name)
        except Unusable as e:
            summary.skipped.append(Skipped(f.path, str(e)))
            continue
        except Exception as e:  # noqa: BLE001 - see above
            detail = f"{type(e).__name__}: {first_line(e, 200)}" if str(e).strip() else type(e).__name__
            summary.skipped.append(Skipped(f.path, f"could not be read ({detail})"))
            continue
        text_hash = content_hash(p.cleaned.text)
        owner = manifest.get(p.doc_id)
        twin = indexed_text.get(text_hash)
        if not p.passages:
            summary.skipped.append(Skipped(f.path, "has no readable text left after cleaning"))
        elif text_hash in seen_text:
            summary.skipped.append(Skipped(f.path, f"has the same text as {seen_text[text_hash]}"))
        elif p.doc_id in seen_ids:
            summary.skipped.append(Skipped(f.path, f"has the same document id '{p.doc_id}' as "
                                                   f"{seen_ids[p.doc_id].name}; rename one of them"))
        elif owner and _clashes(owner.source, f.path) and not _same_place(owner, f, text_hash):
            summary.skipped.append(Skipped(f.path, f"would take the document id '{p.doc_id}' of {owner.source}, "
                                                   "which is still indexed; rename one of them"))
        elif twin and twin[0] != p.doc_id and _clashes(twin[1].source, f.path):
            summary.skipped.append(Skipped(f.path, f"has the same text as '{twin[1].title}' ({twin[0]}), "
                                                   "already indexed; nothing to add"))
        else:
            seen_text[text_hash] = f.path.name
            seen_ids[p.doc_id] = f.path
            summary.notes += [f"{f.path.name}: {n}" for n in raw.notes]
            prepared.append(p)
    if report:
        report("cleaning", len(files), len(files))

    def under_roots(source: str) -> bool:
        s = _absolute(Path(source))
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

    after = {d: e for d, e in manifest.items() if d not in summary.removed}
    by_path = {_absolute(f.path): f.root for f in files}
    for p in prepared:
        after[p.doc_id] = ManifestEntry(key=p.key, title=p.raw.info.title, kind=p.raw.info.kind,
                                        passages=len(p.passages), source=str(_absolute(p.raw.path)),
                                        text=content_hash(p.cleaned.text), content=p.content,
                                        root=str(_absolute(by_path.get(_absolute(p.raw.path), p.raw.path.parent))))
    # A live index whose sentences were read by another version of reading.py is written again, its
    # vectors copied and its readings made anew (nothing is embedded).
    if live is None or after != manifest or live.info.get("reading_version") != READING_VERSION:
        _write_generation(settings, live, todo, after, model_name, dim, summary, progress, report, log)
    else:
        drop_stale(settings)  # what a killed ingest left half built
    empty_trash(settings)

    if not onnx_file(settings).exists():
        try:
            export(settings)
        except Exception as e:  # answers still work with the full model, only the first one is slower
            summary.notes.append(f"could not export the fast query encoder ({type(e).__name__}: {e}); "
                                 "answers will load the full model")

    shipped = [p for p in prepared if p.raw.path.resolve().parent == settings.raw_dir.resolve()]
    if shipped and settings.notebook == DEFAULT_NOTEBOOK:
        write_clean_copies(shipped, settings)
    summary.documents = len(prepared)
    summary.index_documents = len(after)
    summary.passages = sum(len(p.passages) for p in prepared)
    summary.index_passages = sum(e.passages for e in after.values())
    summary.seconds = time.perf_counter() - started
    return summary


def empty_trash(settings: Settings) -> None:
    """Files of documents removed in the app wait in the notebook's trash until the next ingest."""
    shutil.rmtree(settings.trash_dir, ignore_errors=True)


def _absolute(path: Path) -> Path:
    """An absolute path with symlinks left as they are: a document is where its file was found, not
    where a link points (so removing the link removes the document)."""
    return Path(os.path.abspath(path))


def _same_place(owner: ManifestEntry, f: Found, text_hash: str) -> bool:
    """The indexed document and this file are one reading copied: the same text at the same path inside
    folders of the same name (a project copied with an index from before paths were stored relative to
    it). A document's identity is where it sits in the folder it was ingested from, not where that folder
    lives; a different text there is another file, and still refused."""
    if not owner.root or owner.text != text_hash:
        return False
    try:
        before = Path(owner.source).relative_to(owner.root)
        now = _absolute(f.path).relative_to(_absolute(f.root))
    except ValueError:
        return False
    return Path(owner.root).name == _absolute(f.root).name and before == now


def _clashes(indexed_source: str, path: Path) -> bool:
    """Another file, still on disk, already owns this document id."""
    other = Path(indexed_source)
    return _absolute(other) != _absolute(path) and other.exists()


def _live_index(settings: Settings, model_name: str, dim: int, rebuild: bool) -> Index | None:
    """The live generation to build on, or None to start empty (no index yet, or a rebuild)."""
    if rebuild:
        return None
    try:
        live = Index.open(settings)
    except NoIndexError:
        return None
    # Refuse before embedding anything: mixing two models' vectors would retrieve nonsense.
    live.check_model(model_name, dim)
    return live


# Ingest's embedding speed on two cores (docs/performance.md: 112 texts a second on a quiet machine,
# 36 while the machine ran four other jobs), for the estimate an ingest gives before a long embed.
TEXTS_PER_SECOND = 112


def _duration(texts: int) -> str:
    seconds = texts / TEXTS_PER_SECOND
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} hours"


def _write_generation(settings: Settings, live: Index | None, todo: list[Prepared],
                      manifest: dict[str, ManifestEntry], model_name: str, dim: int, summary: Summary,
                      progress: bool, report: Progress | None = None, log=print) -> None:
    """Build the next generation (unchanged documents copied from the live one, the rest embedded) and
    make it live. A document whose text and passages are unchanged but whose metadata was edited keeps
    its vectors: its records are copied under its new key with the new metadata."""
    old = live.manifest() if live is not None else {}
    retitled = [p for p in todo if p.doc_id in old and old[p.doc_id].content and old[p.doc_id].content == p.content]
    embed = [p for p in todo if p not in retitled]
    texts = {p.key: _texts(p) for p in embed}
    total = sum(len(t) for t in texts.values())
    # The cap on work is checked before anything is built: over it, the live index is left as it was.
    if total > settings.max_embed_texts:
        raise TooMuchWorkError(
            f"This ingest would embed {total:,} texts, about {_duration(total)} on two cores; the limit is "
            f"{settings.max_embed_texts:,}. Ingest fewer files at a time, or raise the limit with "
            f"FOOTNOTE_MAX_EMBED_TEXTS={total}. Nothing was changed.")
    if total > ANNOUNCE_EMBED_TEXTS:
        log(f"embedding {total:,} texts from {len(embed)} document{'s' if len(embed) != 1 else ''}: "
            f"about {_duration(total)} on two cores")

    index = Index.build(settings, model_name, dim)
    fresh = {p.key for p in todo}
    if live is not None:
        index.copy_from(live, [e.key for e in manifest.values() if e.key not in fresh], refresh=refresh_readings)
        for p in retitled:
            info = p.raw.info
            index.copy_document(live, old[p.doc_id].key, p.key, {
                "title": info.title, "source_kind": info.kind, "reliability": info.reliability, "file": info.file})
    todo = embed

    bar = None
    if progress and total:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="Embedding", unit="text", leave=False)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if bar:
            bar.update(n)
        if report:
            report("embedding", done, total)

    if report:
        report("embedding", 0, total)
    model = embedder(settings.embed_model) if todo else None
    # Documents are embedded together, about a thousand texts at a time, so that texts of similar length
    # share a batch (see embed_texts) while memory stays bounded however large the folder.
    group: list[Prepared] = []
    for n, p in enumerate(todo):
        group.append(p)
        if n + 1 < len(todo) and sum(len(texts[g.key]) for g in group) < 1024:
            continue
        pairs = [(g.key, i) for g in group for i in texts[g.key]]
        vectors = embed_texts(model, [texts[k][i] for k, i in pairs], progress=advance)
        embedded = dict(zip(pairs, vectors, strict=True))
        for g in group:
            index.add(_nodes(g, {i: embedded[g.key, i] for i in texts[g.key]}, _readings(g)))
            summary.embedded += len(texts[g.key])
        group = []
    if bar:
        bar.close()
    index.commit(manifest)
