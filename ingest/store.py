"""The index: a Chroma collection holding documents, passages and sentences, and a manifest saying
which of them are live.

Records are written through llama-index's ChromaVectorStore. Every record belongs to one version of one
document, named by its key `doc_id@hash` (the hash covers the clean text, the chunking and the model).
The collection's metadata holds the embedding model and dimension it was built with, and the manifest:
the key of the live version of each document. Readers only ever see records whose key is in the
manifest, and the manifest is replaced in one write after all new records are in. So an ingest killed
halfway leaves the previous index intact and served; its stray records are swept by the next ingest.

Local by default (an embedded PersistentClient in `.index/`); a Chroma server when FOOTNOTE_CHROMA_HOST
is set. This module does not clean, split or embed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from .embed import folder_dimension
from .errors import IndexServerError, ModelMismatchError, NoIndexError
from .settings import Settings

SCHEMA = 1


@dataclass(frozen=True)
class ManifestEntry:
    key: str
    title: str
    kind: str
    passages: int
    source: str


def _client(settings: Settings):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
            client.heartbeat()
        except Exception as e:  # chromadb raises assorted connection errors; all mean "not reachable"
            raise IndexServerError(settings.chroma_host, settings.chroma_port, str(e).splitlines()[0][:120]) from e
        return client
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


class Index:
    """One Chroma collection and its manifest."""

    def __init__(self, settings: Settings, collection):
        self.settings = settings
        self.collection = collection

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings) -> Index:
        """Open an existing index for reading; a clear error if there is none."""
        if not settings.chroma_host and not (settings.index_dir / "chroma.sqlite3").exists():
            raise NoIndexError(settings.where)
        client = _client(settings)
        try:
            collection = client.get_collection(settings.collection, embedding_function=None)
        except Exception as e:  # NotFoundError / ValueError depending on the client
            raise NoIndexError(settings.where) from e
        index = cls(settings, collection)
        if "manifest" not in (collection.metadata or {}):
            raise NoIndexError(settings.where)
        # Reading with another model than the index was built with would retrieve nonsense, silently.
        index.check_model(settings.model_name, folder_dimension(settings.embed_model))
        return index

    @classmethod
    def create_or_open(cls, settings: Settings, model_name: str, dim: int, rebuild: bool = False) -> Index:
        """Open the index for writing, creating it if needed. `rebuild` drops it first."""
        if not settings.chroma_host:
            settings.index_dir.mkdir(parents=True, exist_ok=True)
        client = _client(settings)
        if rebuild:
            try:
                client.delete_collection(settings.collection)
            except Exception:  # nothing to drop
                pass
        collection = client.get_or_create_collection(
            settings.collection,
            embedding_function=None,  # we always pass embeddings; Chroma's default would download a model
            metadata={"hnsw:space": "cosine", "embed_model": model_name, "embed_dim": dim, "schema": SCHEMA,
                      "manifest": "{}"},
        )
        index = cls(settings, collection)
        index.check_model(model_name, dim)
        return index

    def check_model(self, model_name: str, dim: int) -> None:
        meta = self.collection.metadata or {}
        built, built_dim = meta.get("embed_model"), meta.get("embed_dim")
        if built and (built != model_name or int(built_dim or 0) != dim):
            raise ModelMismatchError(built, int(built_dim or 0), model_name, dim)

    # --- manifest --------------------------------------------------------------------------------

    @property
    def info(self) -> dict:
        return dict(self.collection.metadata or {})

    def manifest(self) -> dict[str, ManifestEntry]:
        raw = json.loads(self.info.get("manifest") or "{}")
        return {doc_id: ManifestEntry(**entry) for doc_id, entry in raw.items()}

    def live_keys(self) -> list[str]:
        return [e.key for e in self.manifest().values()]

    def commit(self, manifest: dict[str, ManifestEntry]) -> None:
        """Make `manifest` the live set in one write, then sweep every record it does not name."""
        meta = self.info
        meta.pop("hnsw:space", None)  # fixed at creation; Chroma refuses to see it again
        meta["manifest"] = json.dumps({k: vars(v) for k, v in sorted(manifest.items())}, ensure_ascii=False)
        meta["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.collection.modify(metadata=meta)
        self.sweep()

    def sweep(self) -> int:
        """Delete records that belong to no live document version (replaced, removed, or left by a
        crashed ingest). Returns how many were deleted."""
        keys = self.live_keys()
        where = {"doc_key": {"$nin": keys}} if keys else None
        stale = self.collection.get(where=where, include=[])["ids"]
        for i in range(0, len(stale), 1000):
            self.collection.delete(ids=stale[i : i + 1000])
        return len(stale)

    # --- writing ---------------------------------------------------------------------------------

    def add(self, nodes) -> None:
        """Add llama-index TextNodes (with embeddings) through llama-index's ChromaVectorStore."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = ChromaVectorStore(chroma_collection=self.collection)
        for i in range(0, len(nodes), 500):
            store.add(nodes[i : i + 500])

    # --- reading ---------------------------------------------------------------------------------

    def records(self, kind: str, include_embeddings: bool = False) -> dict:
        """All live records of one kind ('document', 'passage' or 'sentence')."""
        keys = self.live_keys()
        if not keys:
            return {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        include = ["documents", "metadatas"] + (["embeddings"] if include_embeddings else [])
        return self.collection.get(where={"$and": [{"kind": kind}, {"doc_key": {"$in": keys}}]}, include=include)

    def query(self, embedding: list[float], kind: str, n: int) -> dict:
        keys = self.live_keys()
        if not keys:
            return {"ids": [[]], "distances": [[]], "metadatas": [[]], "documents": [[]]}
        return self.collection.query(
            query_embeddings=[embedding],
            n_results=n,
            where={"$and": [{"kind": kind}, {"doc_key": {"$in": keys}}]},
            include=["metadatas", "distances", "documents"],
        )
