"""The index: generations of a Chroma collection holding documents, passages and sentences, and a pointer
naming the live one.

Every ingest that changes anything builds a new generation beside the live one: it copies the records of
unchanged documents from the live generation (no re-embedding), adds the new ones, writes the manifest
(the key `doc_id@hash` of each document's version) into the new collection's metadata, and only then
switches the pointer in one atomic write. So an ingest (`--rebuild` included) killed at any moment
leaves the previous generation served, whole; a reader sees the old index or the new one, never a mix.
The generation replaced by the switch is kept until the next switch, so a long-running reader that is
mid-answer keeps its records; it moves to the new generation before its next question (see
`live_generation`, checked by the engine). Older generations, and those left by a killed ingest, are
dropped at the next switch.

Where generations live:
- embedded (default): each generation is its own folder `<index_dir>/g<time><random>/` with its own
  PersistentClient, and the pointer is `<index_dir>/live.json`, replaced with `os.replace`. A damaged
  generation never touches the next one, which is why `footnote ingest --rebuild` recovers from one.
- a Chroma server (FOOTNOTE_CHROMA_HOST): each generation is a collection `<collection>--g<time><random>`
  and the pointer is the metadata of a tiny collection `<collection>--live`, changed in one request.

This module does not clean, split or embed. Chroma's own errors are turned into the user-facing errors
of errors.py here, so every front end shows one line.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from .embed import folder_dimension
from .errors import (
    FootnoteError,
    IndexDamagedError,
    IndexServerAuthError,
    IndexServerError,
    IndexUnwritableError,
    IngestRunningError,
    ModelMismatchError,
    NoIndexError,
)
from .reading import READING_VERSION
from .settings import DEFAULT_NOTEBOOK, Settings

SCHEMA = 2
POINTER = "live.json"
LOCK = "ingest.lock"
GENERATION = re.compile(r"^g\d{14}[0-9a-f]{6}$")
RECORDS_BATCH = 50  # documents per read of their records
LEGACY = "chroma.sqlite3"  # an index from before generations: one collection in the index folder itself


@dataclass(frozen=True)
class ManifestEntry:
    key: str
    title: str
    kind: str
    passages: int
    source: str
    # Added later, so an older manifest still reads: a hash of the clean text (the same reading added
    # twice is refused), the key without metadata (an edited title keeps its vectors), and the folder
    # the file was ingested from (reading it again keeps its id).
    text: str = ""
    content: str = ""
    root: str = ""


# A document's file and folder are stored relative to the project's home when they lie inside it (the
# shipped corpus, uploads), so a project that is moved or copied, index and all, finds its own files and
# ingests as a no-op; a path outside the home is stored as it is. Older manifests hold absolute paths,
# which read as before.
def _stored(entry: ManifestEntry, home: Path) -> ManifestEntry:
    def rel(path: str) -> str:
        if not path:
            return path
        try:
            return Path(os.path.abspath(path)).relative_to(Path(os.path.abspath(home))).as_posix()
        except ValueError:
            return path
    return replace(entry, source=rel(entry.source), root=rel(entry.root))


def _located(entry: ManifestEntry, home: Path) -> ManifestEntry:
    def absolute(path: str) -> str:
        return path if not path or Path(path).is_absolute() else os.path.abspath(Path(home) / path)
    return replace(entry, source=absolute(entry.source), root=absolute(entry.root))


def _new_generation() -> str:
    # Time first so that names sort by age; the random tail keeps two ingests in the same second apart
    # (and never reuses the name of a dropped generation, which chromadb may still cache in this process).
    return f"g{datetime.now(UTC):%Y%m%d%H%M%S}{secrets.token_hex(3)}"


def _translate(settings: Settings, e: Exception, writing: bool = False) -> FootnoteError:
    """A Chroma or file-system error while opening or writing the index, as one line for a user."""
    if isinstance(e, FootnoteError):
        return e
    text = f"{type(e).__name__}: {e}"
    # EROFS (a read-only disk or mount) and EACCES / EPERM are not damage: --rebuild would fail the same way.
    if isinstance(e, PermissionError) or (isinstance(e, OSError) and e.errno in (errno.EROFS, errno.EACCES, errno.EPERM)) \
            or any(w in text.lower() for w in ("readonly", "read-only", "permission denied")):
        read_only_disk = (isinstance(e, OSError) and e.errno == errno.EROFS) or "read-only file system" in text.lower()
        return IndexUnwritableError(settings.where, "writing" if writing else "reading", read_only_disk)
    first = str(e).strip().splitlines()[0][:120] if str(e).strip() else type(e).__name__
    return IndexDamagedError(settings.where, first)


# --- the pointer -----------------------------------------------------------------------------------


def _client_at(settings: Settings, path: Path | None = None):
    import chromadb

    chroma_settings = chromadb.Settings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port,
                                         headers=server_headers(settings), settings=chroma_settings)
            client.heartbeat()
        except Exception as e:  # chromadb raises assorted connection errors; all mean "not reachable"
            if _refused(settings, e):
                raise IndexServerAuthError(settings.chroma_host, settings.chroma_port,
                                           token_sent=bool(settings.chroma_token)) from None
            raise IndexServerError(settings.chroma_host, settings.chroma_port, str(e).splitlines()[0][:120]) from e
        return client
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def server_headers(settings: Settings) -> dict[str, str] | None:
    """The headers every request to the Chroma server carries: the token, when there is one. The Chroma
    server itself (1.x, Rust) checks no token; `footnote serve`, or any reverse proxy in front of
    `chroma run`, does."""
    return {"Authorization": f"Bearer {settings.chroma_token}"} if settings.chroma_token else None


def _refused(settings: Settings, e: Exception) -> bool:
    """Whether the server turned the client away for its token (HTTP 401 or 403), by status code. The
    client's first request (its identity, made while it is constructed) fails first. `footnote serve`
    answers 401 with Chroma's own error body, which chromadb raises as AuthorizationError (code 401);
    another proxy's 401 page is raised as a bare Exception with no status, so the status is asked once
    more, on this failure path only."""
    from chromadb.errors import ChromaError

    if isinstance(e, ChromaError):
        return e.code() in (401, 403)
    import httpx

    try:
        status = httpx.get(f"http://{settings.chroma_host}:{settings.chroma_port}/api/v2/heartbeat",
                           headers=server_headers(settings), timeout=5).status_code
    except httpx.HTTPError:
        return False
    return status in (401, 403)


def _pointer_collection(settings: Settings) -> str:
    return f"{settings.notebook_collection}--live"


def _collection_name(settings: Settings, generation: str) -> str:
    return f"{settings.notebook_collection}--{generation}" if settings.chroma_host else settings.collection


def read_pointer(settings: Settings) -> dict | None:
    """{"live": generation, "previous": generation or None}, or None when no index was ever committed."""
    if settings.chroma_host:
        client = _client_at(settings)
        try:
            pointer = client.get_collection(_pointer_collection(settings), embedding_function=None)
        except Exception:  # NotFoundError / ValueError depending on the client: no index yet
            return None
        meta = pointer.metadata or {}
        return {"live": meta["live"], "previous": meta.get("previous") or None} if meta.get("live") else None
    path = settings.index_dir / POINTER
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as e:
        raise _translate(settings, e) from e
    try:
        pointer = json.loads(raw)
        if not GENERATION.match(pointer["live"]):
            raise ValueError(f"not a generation name: {pointer['live']!r}")
    except (ValueError, KeyError, TypeError) as e:
        raise IndexDamagedError(settings.where, f"{POINTER} is unreadable") from e
    return pointer


def live_generation(settings: Settings) -> str | None:
    """The name of the live generation: cheap (one small file, or one request to the server), so a
    long-running reader can check it before every question."""
    pointer = read_pointer(settings)
    return pointer["live"] if pointer else None


def _write_pointer(settings: Settings, client, live: str, previous: str | None) -> None:
    pointer = {"live": live, "previous": previous or ""}
    if settings.chroma_host:
        collection = client.get_or_create_collection(_pointer_collection(settings), embedding_function=None,
                                                     metadata={"live": live, "previous": previous or ""})
        collection.modify(metadata=pointer)
        return
    # Write beside, flush to disk, then rename over the old pointer: a reader sees one or the other.
    tmp = settings.index_dir / f".{POINTER}.{os.getpid()}.tmp"
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(pointer, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, settings.index_dir / POINTER)
    try:
        fd = os.open(settings.index_dir, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a power cut
        finally:
            os.close(fd)
    except OSError:  # not every file system lets a folder be synced; the rename is still atomic
        pass


def _drop_generations(settings: Settings, client, keep: set[str]) -> None:
    """Drop every generation but `keep`: replaced ones and those a killed ingest left half built."""
    if settings.chroma_host:
        prefix = f"{settings.notebook_collection}--"
        for c in client.list_collections():
            name = c if isinstance(c, str) else c.name
            generation = name.removeprefix(prefix)
            if name.startswith(prefix) and GENERATION.match(generation) and generation not in keep:
                try:
                    client.delete_collection(name)
                except Exception:  # another ingest dropped it first
                    pass
        return
    for child in settings.index_dir.iterdir():
        if child.is_dir() and GENERATION.match(child.name) and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
    # An index from before generations lived in the index folder itself: its database and its segment
    # folders (named by uuid, each holding header.bin) go once a generation serves.
    legacy = settings.index_dir / LEGACY
    if legacy.exists():
        legacy.unlink(missing_ok=True)
        for child in settings.index_dir.iterdir():
            if child.is_dir() and re.fullmatch(r"[0-9a-f-]{36}", child.name) and (child / "header.bin").exists():
                shutil.rmtree(child, ignore_errors=True)


def drop_stale(settings: Settings) -> None:
    """Drop generations that are neither live nor the one it replaced (left by a killed ingest).
    Call only while holding `writing`."""
    try:
        pointer = read_pointer(settings)
    except IndexDamagedError:
        return
    if pointer is None:
        return
    client = _client_at(settings) if settings.chroma_host else None
    _drop_generations(settings, client, {pointer["live"], pointer.get("previous") or ""})


@contextmanager
def writing(settings: Settings):
    """One ingest at a time per local index: a second one would drop the generation the first is
    building. The lock is the kernel's (flock), so a killed ingest never leaves it held. A Chroma
    server has no such lock: run one ingest at a time against it."""
    if settings.chroma_host:
        yield
        return
    try:
        settings.index_dir.mkdir(parents=True, exist_ok=True)
        f = (settings.index_dir / LOCK).open("a")
    except OSError as e:
        raise _translate(settings, e, writing=True) from e
    with f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as e:
            raise IngestRunningError(settings.where) from e
        yield


# --- one generation --------------------------------------------------------------------------------


class Index:
    """One generation: a Chroma collection and its manifest."""

    def __init__(self, settings: Settings, collection, generation: str, client=None):
        self.settings = settings
        self.collection = collection
        self.generation = generation
        self._client = client

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Settings) -> Index:
        """Open the live generation for reading; a clear error if there is none or it is damaged."""
        pointer = read_pointer(settings)
        if pointer is None:
            raise NoIndexError(settings.where, older=not settings.chroma_host and (settings.index_dir / LEGACY).exists(),
                               notebook=settings.notebook if settings.notebook != DEFAULT_NOTEBOOK else None)
        generation = pointer["live"]
        if not settings.chroma_host and not (settings.index_dir / generation / LEGACY).exists():
            raise IndexDamagedError(settings.where, f"its live generation {generation} is missing")
        try:
            client = _client_at(settings, settings.index_dir / generation)
            collection = client.get_collection(_collection_name(settings, generation), embedding_function=None)
            index = cls(settings, collection, generation, client)
            if "manifest" not in (collection.metadata or {}):
                raise IndexDamagedError(settings.where, "the live generation has no manifest")
            index.manifest()
            # A count reads the collection's records, so a damaged database fails here, not mid-answer.
            collection.count()
        except Exception as e:  # chromadb's errors for a damaged or unreadable database have no common type
            raise _translate(settings, e) from e
        # Reading with another model than the index was built with would retrieve nonsense, silently.
        index.check_model(settings.model_name, folder_dimension(settings.embed_model))
        return index

    @classmethod
    def build(cls, settings: Settings, model_name: str, dim: int) -> Index:
        """A new, empty generation beside the live one; nobody reads it until `commit`."""
        generation = _new_generation()
        try:
            if not settings.chroma_host:
                (settings.index_dir / generation).mkdir(parents=True)
            client = _client_at(settings, settings.index_dir / generation)
            collection = client.create_collection(
                _collection_name(settings, generation),
                embedding_function=None,  # we always pass embeddings; Chroma's default would download a model
                metadata={"hnsw:space": "cosine", "embed_model": model_name, "embed_dim": dim, "schema": SCHEMA,
                          "manifest": "{}"},
            )
        except Exception as e:
            raise _translate(settings, e, writing=True) from e
        return cls(settings, collection, generation, client)

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
        return {doc_id: _located(ManifestEntry(**entry), self.settings.home) for doc_id, entry in raw.items()}

    def live_keys(self) -> list[str]:
        return [e.key for e in self.manifest().values()]

    def commit(self, manifest: dict[str, ManifestEntry]) -> None:
        """Write `manifest` into this generation, then make it the live one in one atomic switch. The
        generation it replaces is kept for readers still on it; older ones are dropped."""
        try:
            meta = self.info
            meta.pop("hnsw:space", None)  # fixed at creation; Chroma refuses to see it again
            meta["reading_version"] = READING_VERSION  # every sentence's reading is of this version
            meta["manifest"] = json.dumps({k: vars(_stored(v, self.settings.home)) for k, v in sorted(manifest.items())},
                                          ensure_ascii=False)
            meta["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
            self.collection.modify(metadata=meta)
            try:
                pointer = read_pointer(self.settings)
            except IndexDamagedError:  # a garbled pointer is simply replaced
                pointer = None
            previous = pointer["live"] if pointer else None
            _write_pointer(self.settings, self._client, self.generation, previous)
            _drop_generations(self.settings, self._client, {self.generation, previous or ""})
        except Exception as e:
            raise _translate(self.settings, e, writing=True) from e

    def abandon(self) -> None:
        """Drop this never-committed generation (an ingest that found nothing to change)."""
        try:
            if self.settings.chroma_host:
                self._client.delete_collection(self.collection.name)
            else:
                shutil.rmtree(self.settings.index_dir / self.generation, ignore_errors=True)
        except Exception:  # the next commit drops it anyway
            pass

    # --- writing ---------------------------------------------------------------------------------

    def add(self, nodes) -> None:
        """Add llama-index TextNodes (with embeddings) through llama-index's ChromaVectorStore."""
        from llama_index.vector_stores.chroma import ChromaVectorStore

        store = ChromaVectorStore(chroma_collection=self.collection)
        try:
            for i in range(0, len(nodes), 500):
                store.add(nodes[i : i + 500])
        except Exception as e:
            raise _translate(self.settings, e, writing=True) from e

    def copy_from(self, other: Index, keys: list[str], refresh=None) -> int:
        """Copy the records of the document versions `keys` from another generation, embeddings and
        ids unchanged (an unchanged document is never embedded again). `refresh(metadatas, documents)`
        may update metadata on the way (a sentence's reading of an older version). Returns how many."""
        copied = 0
        for i in range(0, len(keys), 50):
            got = other.collection.get(where={"doc_key": {"$in": keys[i : i + 50]}},
                                       include=["embeddings", "documents", "metadatas"])
            if refresh is not None:
                got["metadatas"] = refresh(got["metadatas"], got["documents"])
            for j in range(0, len(got["ids"]), 1000):
                try:
                    self.collection.add(ids=got["ids"][j : j + 1000], embeddings=got["embeddings"][j : j + 1000],
                                        documents=got["documents"][j : j + 1000],
                                        metadatas=got["metadatas"][j : j + 1000])
                except Exception as e:
                    raise _translate(self.settings, e, writing=True) from e
            copied += len(got["ids"])
        return copied

    def copy_document(self, other: Index, old_key: str, new_key: str, document_meta: dict) -> int:
        """Copy one document version's records from another generation under a new key, embeddings
        unchanged, with `document_meta` written over its document record's metadata (an edited title,
        kind or reliability note needs no new vectors). Returns how many records."""
        got = other.collection.get(where={"doc_key": old_key}, include=["embeddings", "documents", "metadatas"])
        ids, metas = [], []
        for rid, meta in zip(got["ids"], got["metadatas"], strict=True):
            new_id = new_key + rid[len(old_key):] if rid.startswith(old_key) else rid
            changes = {"doc_key": new_key, **(document_meta if meta.get("kind") == "document" else {})}
            meta = {**meta, **changes}
            if meta.get("_node_content"):  # llama-index's own copy of the node, kept consistent
                node = json.loads(meta["_node_content"])
                node["id_"] = new_id
                node.setdefault("metadata", {}).update(changes)
                meta["_node_content"] = json.dumps(node)
            ids.append(new_id)
            metas.append(meta)
        for j in range(0, len(ids), 1000):
            try:
                self.collection.add(ids=ids[j : j + 1000], embeddings=got["embeddings"][j : j + 1000],
                                    documents=got["documents"][j : j + 1000], metadatas=metas[j : j + 1000])
            except Exception as e:
                raise _translate(self.settings, e, writing=True) from e
        return len(ids)

    # --- reading ---------------------------------------------------------------------------------

    def records(self, kind: str, include_embeddings: bool = False) -> dict:
        """All live records of one kind ('document', 'passage' or 'sentence')."""
        keys = self.live_keys()
        if not keys:
            return {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        include = ["documents", "metadatas"] + (["embeddings"] if include_embeddings else [])
        # A few dozen documents at a time: Chroma turns the filter into SQL variables, and some hundred
        # documents' worth exceeded SQLite's limit ("too many SQL variables").
        out: dict = {"ids": [], "documents": [], "metadatas": [], "embeddings": []}
        for i in range(0, len(keys), RECORDS_BATCH):
            got = self.collection.get(where={"$and": [{"kind": kind}, {"doc_key": {"$in": keys[i:i + RECORDS_BATCH]}}]},
                                      include=include)
            for field in out:
                out[field].extend(got.get(field) if got.get(field) is not None else [])
        return out

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
