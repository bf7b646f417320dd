"""The library: an in-memory view of one index generation (documents, passages, sentences), read once.
The engine opens a new Library when an ingest makes another generation live (Engine.follow_index).

The app never builds an index; it opens the one `footnote ingest` made, checks that it was built with
the embedding model now configured, and keeps the texts, offsets and sentence vectors it needs to
retrieve, compose and display answers quickly.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.embed import folder_dimension
from ingest.formats import page_of
from ingest.settings import Settings
from ingest.store import GENERATION, Index

# The start-up tables (BM25 index, vocabulary, per-sentence word sets) are computed by this code from the
# generation's records: a cache of them is valid for this generation and this code only.
_CODE = ("library.py", "retrieve.py", "features.py", "compose.py", "sentences.py", "answer_types.py")
DERIVED = "footnote-derived"


def _code_version() -> str:
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _CODE:
        h.update((here / name).read_bytes())
    try:
        import bm25s

        h.update(str(getattr(bm25s, "__version__", "")).encode())
    except ImportError:
        pass
    return h.hexdigest()[:12]


def _derived_folder(index: Index) -> Path | None:
    """Where what is computed from a generation is stored: inside the generation's own folder, so that it
    goes when the generation goes. A Chroma server's generations have no folder here: nothing stored."""
    settings = index.settings
    generation = getattr(index, "generation", "") or ""
    if settings.chroma_host or not GENERATION.match(generation):
        return None
    folder = settings.index_dir / generation
    return folder / DERIVED if folder.is_dir() else None


def _stored(folder: Path | None, name: str, fingerprint: str, build):
    """`build()`, stored in `folder` the first time and read back afterwards while `fingerprint` (what
    it was computed from) and the code that computes it are the same; computed again, and stored over,
    when the file is missing, damaged or stale. A read-only index is served too, only slower."""
    if folder is None:
        return build()
    path = folder / f"{name}-{_code_version()}.pickle"
    collecting = gc.isenabled()
    gc.disable()  # hundreds of thousands of small sets: the cyclic collector would run over them again and again (3x)
    try:
        with path.open("rb") as f:
            stored, value = pickle.load(f)
        if stored == fingerprint:
            return value
    except FileNotFoundError:
        pass
    except Exception:  # damaged, or written by another version of Python or of a library
        pass
    finally:
        if collecting:
            gc.enable()
    value = build()
    try:
        folder.mkdir(exist_ok=True)
        for old in folder.glob(f"{name}-*.pickle"):  # an earlier code version's copy
            old.unlink(missing_ok=True)
        tmp = folder / f".{path.name}.{os.getpid()}.tmp"
        with tmp.open("wb") as f:
            pickle.dump((fingerprint, value), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return value


def _unit(rows: list) -> np.ndarray:
    """Rows as a float32 matrix of unit vectors (an empty list gives an empty matrix)."""
    m = np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)
    if len(m):
        m /= np.linalg.norm(m, axis=1, keepdims=True) + 1e-9
    return m


@dataclass
class Doc:
    id: str
    title: str
    kind: str
    reliability: str
    file: str
    text: str
    extra: dict
    questions: list[str]
    removed: list[dict]
    passage_ids: list[str] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)  # where each page starts in `text` (PDF); empty: no pages

    def page_at(self, offset: int) -> int | None:
        """The page (1-based) holding this offset of the clean text, or None for a document without pages."""
        return page_of(self.page_starts, offset)


@dataclass
class PassageRec:
    id: str
    doc_id: str
    start: int
    end: int
    text: str
    heading: str
    sentence_ix: list[int] = field(default_factory=list)  # rows in Library.sentences, in document order
    page: int | None = None  # the page it starts on (PDF)


@dataclass
class SentenceRec:
    ix: int
    passage_id: str
    doc_id: str
    start: int
    end: int
    text: str
    page: int | None = None  # the page it starts on (PDF)
    # What the sentence says, read once at ingest (ingest/reading.py); {} in an index from before readings.
    reading: dict | None = None


@dataclass
class Library:
    index: Index
    docs: dict[str, Doc]
    passages: dict[str, PassageRec]
    sentences: list[SentenceRec]
    vectors: np.ndarray  # one unit-length row per sentence
    generic: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    rows_by_start: dict[tuple[str, int], int] = field(default_factory=dict)
    passage_order: list[str] = field(default_factory=list)  # passage ids, one per row of passage_vectors
    passage_order_ix: dict[str, int] = field(default_factory=dict)
    passage_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))

    @classmethod
    def open(cls, settings: Settings) -> Library:
        index = Index.open(settings)
        index.check_model(settings.model_name, folder_dimension(settings.embed_model))
        # A generation's records never change once it is live, so what is read from them is stored
        # beside it: reading 80,000 records and vectors back from Chroma took most of a start.
        docs, passages, sentences, vectors, order, passage_vectors = _stored(
            _derived_folder(index), "records", f"{settings.collection}/{index.generation}", lambda: cls._read(index))
        library = cls(index, docs, passages, sentences, vectors)
        library.passage_order = order
        library.passage_order_ix = {pid: i for i, pid in enumerate(order)}
        library.passage_vectors = passage_vectors
        library.generic = library._genericness()
        return library

    @staticmethod
    def _read(index: Index) -> tuple:
        docs = {}
        d = index.records("document")
        for meta, text in zip(d["metadatas"], d["documents"], strict=True):
            docs[meta["doc_id"]] = Doc(
                id=meta["doc_id"], title=meta["title"], kind=meta["source_kind"], reliability=meta["reliability"],
                file=meta["file"], text=text, extra=json.loads(meta.get("extra") or "{}"),
                questions=json.loads(meta.get("questions") or "[]"), removed=json.loads(meta.get("removed") or "[]"),
                page_starts=json.loads(meta.get("page_starts") or "[]"),
            )

        passages, passage_rows = {}, []
        p = index.records("passage", include_embeddings=True)
        for meta, text, vec in sorted(zip(p["metadatas"], p["documents"], p["embeddings"], strict=True),
                                      key=lambda x: x[0]["passage_id"]):
            passages[meta["passage_id"]] = PassageRec(meta["passage_id"], meta["doc_id"], meta["start"], meta["end"],
                                                     text, meta.get("heading", ""), page=meta.get("page"))
            passage_rows.append(vec)
        for pid in passages:
            docs[passages[pid].doc_id].passage_ids.append(pid)

        s = index.records("sentence", include_embeddings=True)
        order = sorted(range(len(s["ids"])), key=lambda i: (s["metadatas"][i]["doc_id"], s["metadatas"][i]["start"]))
        sentences, rows = [], []
        for i in order:
            meta = s["metadatas"][i]
            rec = SentenceRec(len(sentences), meta["passage_id"], meta["doc_id"], meta["start"], meta["end"],
                              s["documents"][i], meta.get("page"), json.loads(meta.get("reading") or "{}"))
            sentences.append(rec)
            rows.append(s["embeddings"][i])
            passages[rec.passage_id].sentence_ix.append(rec.ix)
        return docs, passages, sentences, _unit(rows), list(passages), _unit(passage_rows)

    def derived(self, name: str, build):
        """Tables computed from this library's sentences by `build()` (the BM25 index, vocabulary, word
        sets), stored inside the generation's folder the first time and read back by every later start
        (they cost tens of seconds at 20,000 passages). See `_stored`."""
        # The tables are for exactly these sentences: a library built in memory over another generation's
        # index (a benchmark's, say) must not be served them.
        fingerprint = hashlib.sha256("\n".join(f"{s.doc_id}\t{s.start}\t{s.passage_id}" for s in self.sentences)
                                     .encode()).hexdigest()
        return _stored(_derived_folder(self.index), name, fingerprint, build)

    def row_at(self, doc_id: str, start: int) -> int | None:
        """The sentence row that starts at this offset of this document."""
        if not self.rows_by_start:
            self.rows_by_start.update({(s.doc_id, s.start): s.ix for s in self.sentences})
        return self.rows_by_start.get((doc_id, start))

    def rows_in(self, doc_id: str, start: int, end: int) -> list[int]:
        """The sentence rows a quotation from start to end covers (a footnote may quote adjacent sentences)."""
        first = self.row_at(doc_id, start)
        if first is None:
            return []
        rows = [first]
        while rows[-1] + 1 < len(self.sentences) and self.sentences[rows[-1] + 1].doc_id == doc_id \
                and self.sentences[rows[-1] + 1].end <= end:
            rows.append(rows[-1] + 1)
        return rows

    def _genericness(self) -> np.ndarray:
        """Each sentence's cosine to the corpus centroid: high for sentences that say little in particular."""
        if not len(self.vectors):
            return np.zeros(0, dtype=np.float32)
        centroid = self.vectors.mean(axis=0)
        return self.vectors @ (centroid / (np.linalg.norm(centroid) + 1e-9))
