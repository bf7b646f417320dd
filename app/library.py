"""The library: an in-memory view of one index generation (documents, passages, sentences), read once.
The engine opens a new Library when an ingest makes another generation live (Engine.follow_index).

The app never builds an index; it opens the one `footnote ingest` made, checks that it was built with
the embedding model now configured, and keeps the texts, offsets and sentence vectors it needs to
retrieve, compose and display answers quickly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ingest.embed import folder_dimension
from ingest.formats import page_of
from ingest.settings import Settings
from ingest.store import Index


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
                              s["documents"][i], meta.get("page"))
            sentences.append(rec)
            rows.append(s["embeddings"][i])
            passages[rec.passage_id].sentence_ix.append(rec.ix)
        vectors = _unit(rows)
        library = cls(index, docs, passages, sentences, vectors)
        library.passage_order = list(passages)
        library.passage_order_ix = {pid: i for i, pid in enumerate(passages)}
        library.passage_vectors = _unit(passage_rows)
        library.generic = library._genericness()
        return library

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
