"""The engine: everything a front end needs to answer questions, loaded once.

`Engine.load()` opens the index (never builds one), loads the query encoder and builds the BM25
index over sentences; `ask()` retrieves, decides whether the sources cover the question, and composes
an extractive answer, or a generated one checked sentence by sentence when an LLM server is set.
Front ends (CLI, Streamlit) only call this and render what it returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from ingest.embed import embedder
from ingest.encoder import query_encoder
from ingest.errors import BadQuestionError
from ingest.settings import Settings
from ingest.store import live_generation

from .answer import Answer
from .compose import abstain, compose, evidence
from .library import Library
from .retrieve import Retriever

MAX_QUESTION_CHARS = 1000

# One engine reloads at a time when an ingest has made a new index generation live (see follow_index).
_switching = threading.Lock()

# Engines being loaded in the background since the app was launched, by settings (see `preload`).
_preloaded: dict[str, Future] = {}


def check_question(question: str) -> str:
    q = " ".join((question or "").split())
    if not q:
        raise BadQuestionError("Type a question first.")
    if len(q) > MAX_QUESTION_CHARS:
        raise BadQuestionError(
            f"That question is {len(q):,} characters long; ask it in under {MAX_QUESTION_CHARS:,} "
            "(paste a student's answer into the Check page instead)."
        )
    return q


@dataclass
class Engine:
    settings: Settings
    library: Library
    retriever: Retriever
    encode: Callable[[str], np.ndarray]  # question -> unit vector (ONNX when ingest exported it)
    llm: object | None = None

    @property
    def model(self):
        """The full llama-index embedding model, loaded on first use (evaluation baselines and
        calibration need it; answering questions does not)."""
        return embedder(self.settings.embed_model)

    @classmethod
    def load(cls, settings: Settings | None = None, llm_url: str | None = None, llm_model: str | None = None) -> Engine:
        settings = settings or Settings.from_env()
        library = Library.open(settings)
        encode = query_encoder(settings)
        retriever = Retriever(library, encode)
        engine = cls(settings, library, retriever, encode)
        if llm_url:
            from .llm import Generator

            engine.llm = Generator(llm_url, llm_model)
        engine.ask("warm up")  # first real answer should not pay for lazy initialisation
        return engine

    def follow_index(self) -> None:
        """Move to the live index generation if an ingest has switched it since this engine loaded: at
        the start of a question, never during one (the replaced generation is kept until the next
        switch, so an answer under way keeps its records). Costs one small file read."""
        live = live_generation(self.settings)
        if live is None or live == self.library.index.generation:
            return
        with _switching:
            if live != self.library.index.generation:
                library = Library.open(self.settings)
                self.library, self.retriever = library, Retriever(library, self.encode)

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        t0 = time.perf_counter()
        self.follow_index()
        q = check_question(question)
        k = top_k or self.settings.top_k
        qv = np.asarray(self.encode(self.retriever.dense_query(q)), dtype=np.float32)
        hits, sims, bm = self.retriever.rank(q, k, qv)
        t1 = time.perf_counter()
        ev = evidence(self.retriever, q, hits, sims)
        if not ev.answerable:
            answer = abstain(self.library, q, hits)
            if ev.unknown_names:
                answer.warnings.append(f"The sources never mention {', '.join(ev.unknown_names)}.")
        elif self.llm is not None:
            answer = self.llm.answer(self, q, hits, sims, bm)
        else:
            sentences, citations = compose(self.library, q, hits, sims, bm, self.retriever.naming(q))
            answer = Answer(q, sentences, citations, abstained=not sentences)
        answer.evidence = {"top_sim": round(ev.top_sim, 4), "coverage": round(ev.coverage, 4),
                           "unknown_names": len(ev.unknown_names)}
        t2 = time.perf_counter()
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "compose": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        return answer

    def retrieve(self, question: str, k: int | None = None) -> list[str]:
        """Passage ids, best first (for evaluation and the baselines)."""
        hits, _, _ = self.retriever.rank(check_question(question), k or self.settings.top_k)
        return [h.passage_id for h in hits]


def preload(settings: Settings) -> None:
    """Start loading the engine in a background thread, so that it is ready, or nearly, by the time
    the first question is typed (importing the model's libraries alone takes several seconds on a
    2-core laptop). `shared()` hands it over."""
    key = repr(settings)
    if key in _preloaded:
        return
    future: Future = Future()
    _preloaded[key] = future

    def run():
        try:
            future.set_result(Engine.load(settings))
        except BaseException as e:  # handed to whoever asks for the engine, rendered there
            future.set_exception(e)

    threading.Thread(target=run, name="footnote-preload", daemon=True).start()


def shared(settings: Settings) -> Engine:
    """The preloaded engine for these settings if one was started (waiting for it), else a new one.
    A preload that failed (no index yet) is forgotten, so the next call tries again."""
    future = _preloaded.get(repr(settings))
    if future is None:
        return Engine.load(settings)
    try:
        return future.result()
    except Exception:
        _preloaded.pop(repr(settings), None)
        raise
