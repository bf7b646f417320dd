"""The engine: everything a front end needs to answer questions, loaded once.

`Engine.load()` opens the index (never builds one), loads the query encoder and builds the BM25
index over sentences; `ask()` retrieves, decides whether the sources cover the question, and composes
an extractive answer, or a generated one checked sentence by sentence when an LLM server is set.
Front ends (CLI, Streamlit) only call this and render what it returns.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from ingest.embed import embedder
from ingest.encoder import query_encoder
from ingest.errors import BadQuestionError
from ingest.safe_text import REPLACEMENT, printable
from ingest.settings import Settings
from ingest.store import live_generation

from . import ranker, reread
from .after import answer_after
from .answer import Answer
from .answer_types import not_said
from .argue import compose_argued
from .compose import Evidence, abstain, analytic, compose, evidence
from .features import Featurizer, evidence_row
from .language import is_english, without_filler
from .library import Library
from .reasons import model_reads, opens_by_rule, rescore, stated_reasons
from .retrieve import Hit, Retriever, words

MAX_QUESTION_CHARS = 1000
READ_ERROR = f"Some of the question could not be read (invalid bytes) and shows as {REPLACEMENT}."

# One engine reloads at a time when an ingest has made a new index generation live (see follow_index).
_switching = threading.Lock()

# Engines being loaded in the background since the app was launched, by settings (see `preload`).
_preloaded: dict[str, Future] = {}


def _one_blas_thread() -> None:
    """Answering multiplies one vector by a matrix: a single BLAS thread does it in about 0.1 ms, while
    OpenBLAS's default thread pool spins against other processes on a 2-core laptop (measured: 30 ms per
    question instead of 1 ms with the app and an ingest running)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def check_question(question: str) -> str:
    """The question as the engine reads it (whitespace collapsed, control characters gone, invalid
    characters replaced by U+FFFD), or BadQuestionError when nothing is left to ask."""
    q = " ".join(printable(question or "").split())
    if not q:
        raise BadQuestionError("Type a question first.")
    if len(q) > MAX_QUESTION_CHARS:
        raise BadQuestionError(
            f"That question is {len(q):,} characters long; ask it in under {MAX_QUESTION_CHARS:,} "
            "(paste a student's answer into the Check page instead)."
        )
    if not any(c.isalnum() for c in q):
        raise BadQuestionError("That question has no words in it. Ask about a person, event or idea in the sources.")
    return q


def decline_reason(q: str) -> str | None:
    """Why the engine will not look the question up at all, or None: it is in another language, or it
    has no word to search for ('Why?', 'Who was he?'), which would match every sentence equally."""
    if not is_english(q):
        return ("Footnote's sources are in English: ask the question in English "
                "(for example, 'Why did Stalin sign the pact with Hitler?').")
    if not words(q):
        return NO_WORD
    return None


NO_WORD = ("The question has no word to look up in the sources: name the person, event or idea it is "
           "about (for example, 'Why was Litvinov dismissed?').")


class _Clock:
    """Times the stages of Engine.load (the benchmark reports where start-up time goes)."""

    def __init__(self):
        self.ms: dict[str, float] = {}

    def __call__(self, stage: str, fn, *args):
        t = time.perf_counter()
        out = fn(*args)
        self.ms[stage] = (time.perf_counter() - t) * 1000
        return out


@dataclass
class Reading:
    """What retrieval found for one question, with the features of its candidate sentences."""

    question: str
    hits: list[Hit]
    sims: np.ndarray  # cosine of every sentence in the library to the question
    bm: np.ndarray  # BM25 score of every sentence
    cands: list[int]  # candidate sentence rows
    X: np.ndarray  # one row of features.SENTENCE_FEATURES per candidate
    evidence: Evidence
    library: Library  # the generation it was read from
    features: Featurizer


@dataclass
class Engine:
    settings: Settings
    library: Library
    retriever: Retriever
    encode: Callable[[str], np.ndarray]  # question -> unit vector (ONNX when ingest exported it)
    features: Featurizer
    llm: object | None = None
    models: ranker.Models | None = None  # the fitted models (app/engine/models.json); the fitting command swaps in its own
    load_ms: dict[str, float] = field(default_factory=dict)  # where Engine.load spent its time, by stage
    # Why-questions: the fitted reason model (reasons.py, reason_model.json) by default; the fitting
    # command swaps in each fold's, and False turns it off (today's order, for the same-run comparison).
    reason_model: object | None = None
    reason_opens: bool = True  # a why-question's argued answer opens with the reason model's choice
    # The cross-encoder that reads the ranker's best few sentences again (reread.py); None answers with the
    # ranker's order alone (the fits' same-run comparison, or an install without the fitted model).
    rereader: reread.Rereader | None = None

    @property
    def model(self):
        """The full llama-index embedding model, loaded on first use (evaluation baselines and
        calibration need it; answering questions does not)."""
        return embedder(self.settings.embed_model)

    @classmethod
    def load(cls, settings: Settings | None = None, llm_url: str | None = None, llm_model: str | None = None) -> Engine:
        settings = settings or Settings.from_env()
        _one_blas_thread()
        clock = _Clock()
        library = clock("index open", Library.open, settings)
        encode = clock("query encoder", query_encoder, settings)
        retriever = clock("retriever (BM25, vocabulary)", Retriever, library, encode)
        features = clock("featurizer", Featurizer, retriever)
        engine = cls(settings, library, retriever, encode, features, models=clock("fitted models", ranker.load),
                     rereader=clock("rereader", reread.load, settings))
        if llm_url:
            from .llm import Generator

            engine.llm = Generator(llm_url, llm_model)
        clock("warm-up question", engine.read, "warm up")  # first real answer should not pay for lazy initialisation
        # The library's millions of long-lived objects are never garbage: keep the cyclic collector from
        # walking them again during answers.
        gc.freeze()
        engine.load_ms = clock.ms
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
                retriever = Retriever(library, self.encode)
                self.library, self.retriever, self.features = library, retriever, Featurizer(retriever)

    def _parts(self) -> tuple[Library, Retriever, Featurizer]:
        """Library, retriever and featurizer of one generation, taken together so that a switch by
        another thread (app sessions share one engine) never mixes two generations in one answer."""
        with _switching:
            return self.library, self.retriever, self.features

    def read(self, question: str, top_k: int | None = None, hide: frozenset[int] = frozenset()) -> Reading:
        """Retrieve for a checked question and compute every feature the fitted models decide with (the
        fitting command calls this too, so training and answering see the same numbers). `hide`: sentence
        rows to read as absent (the fits' look-alikes with the answer taken out; never a user's question)."""
        library, retriever, features = self._parts()
        k = top_k or self.settings.top_k
        qv = np.asarray(self.encode(retriever.dense_query(question)), dtype=np.float32)
        hits, sims, bm = retriever.rank(question, k, qv, hide)
        cands = features.candidates(hits, sims, bm)
        if hide:
            cands = [c for c in cands if c not in hide]
        X = features.sentence_matrix(question, cands, hits, sims, bm)
        ev = evidence(retriever, question, hits, sims)
        return Reading(question, hits, sims, bm, cands, X, ev, library, features)

    def ask(self, question: str, top_k: int | None = None) -> Answer:
        t0 = time.perf_counter()
        self.follow_index()
        q = check_question(question)
        notes = [READ_ERROR] if REPLACEMENT in q else []
        typed, q = q, without_filler(q)  # "yo ... lol": looked up without the chat filler, shown as typed
        reason = decline_reason(q) if q else NO_WORD
        if reason:
            answer = Answer(typed, [], [], abstained=True, warnings=[*notes, reason])
            answer.timings_ms = {"retrieve": 0.0, "compose": 0.0, "total": (time.perf_counter() - t0) * 1000}
            return answer
        answer = self._answer(q, top_k, t0, notes)
        answer.question = typed
        return answer

    def _answer(self, q: str, top_k: int | None, t0: float, notes: list[str]) -> Answer:
        # "What happened after X?": the events the timeline dates next, not the sentences about X itself.
        if self.llm is None and (answer := answer_after(self, q)) is not None:
            answer.warnings[:0] = notes
            total = (time.perf_counter() - t0) * 1000
            answer.timings_ms = {"retrieve": 0.0, "compose": total, "total": total}
            return answer
        r = self.read(q, top_k)
        models = self.models or ranker.load()
        probs = models.ranker.prob(r.X) if len(r.cands) else np.zeros(0)
        row = evidence_row(r.features, q, r.cands, r.sims[r.cands] if r.cands else np.zeros(0), probs, r.X,
                           float(r.bm.max()) if len(r.bm) else 0.0, r.evidence.coverage, len(r.evidence.unknown_names))
        p_answer = float(models.abstain.prob(row)[0])
        t1 = time.perf_counter()
        # A name the sources never mention (Kennan, the Berlin Airlift) means they cannot answer.
        if p_answer < models.answer_threshold or not len(r.cands) or r.evidence.unknown_names:
            answer = abstain(r.library, q, r.hits)
            if r.evidence.unknown_names:
                answer.warnings.append(f"The sources never mention {', '.join(r.evidence.unknown_names)}.")
            elif len(r.cands):
                answer.not_said = not_said(q, r.features.known_names(q)) or ""
        elif self.llm is not None:
            probs = self.reordered(q, r, probs)
            answer = self.llm.answer(self, q, r.hits, r.sims, r.bm, dict(zip(r.cands, probs.tolist(), strict=True)),
                                     models)
        else:
            # The abstention model above reads the ranker's own probabilities (it was fitted on them); the
            # order the answer is composed in is the ranker's with its best few read again.
            probs = self.reordered(q, r, probs)
            # Tried: sending 'what' questions the ranker is unsure of (no sentence at even odds) to the argued
            # composer too: key points stated on the shipped set 64% -> 66%, but the answer first on held-out
            # tuning articles 65% -> 62%. Transfer to unseen documents comes first.
            # A why-question opens with a reason the sources give, not with what the ranker finds most
            # like the question (often what happened next): reasons.py, fitted on public data.
            # the sources' own argument for the asked event, read in order to its conclusion
            run = [] if self.reason_model is False else stated_reasons(r.library, q, r.cands, probs, r.features.idf_of)
            opening = probs if self.reason_model is False else \
                rescore(r.library, q, r.cands, probs, self.reason_model, run)
            scores = dict(zip(r.cands, opening.tolist(), strict=True))
            sentences, citations = compose(r.library, q, scores, r.sims, models, r.features)
            if citations and analytic(q):  # the same opening, then several sources' sentences (argue.py)
                first = r.library.rows_in(citations[0].doc_id, citations[0].start, citations[0].end)
                opener = first[0] if first else None
                naming = r.features.r.naming(q)  # its own generation's retriever; only argued answers need it
                opener_p = 1.0 if opens_by_rule(r.library, q, first) else scores.get(opener, 0.0)
                if run:
                    opener, opener_p = run[0], 1.0
                # A why-question opens with the reason model's choice when that sentence can open the answer
                # (it does not lean on more than the composer can show before it); otherwise, or without the
                # fitted model or the reading, the argued composer chooses, as for other argued questions.
                leads = self.reason_opens and self.reason_model is not False \
                    and model_reads(r.library, q, r.cands, self.reason_model) and max(scores, key=scores.get) in first
                sentences, citations = compose_argued(r.library, q, r.hits, r.sims, r.bm, naming, opener, opener_p,
                                                      read_to=run[-1] if run else None, leads=leads)
            answer = Answer(q, sentences, citations, abstained=not sentences)
        answer.warnings[:0] = notes
        answer.evidence = {"top_sim": round(r.evidence.top_sim, 4), "coverage": round(r.evidence.coverage, 4),
                           "unknown_names": len(r.evidence.unknown_names), "p_answer": round(p_answer, 4),
                           "answer_threshold": models.answer_threshold}
        t2 = time.perf_counter()
        answer.timings_ms = {"retrieve": (t1 - t0) * 1000, "compose": (t2 - t1) * 1000, "total": (t2 - t0) * 1000}
        return answer

    def reordered(self, q: str, r: Reading, probs: np.ndarray) -> np.ndarray:
        """The ranker's probabilities with its best few candidates read again by the rereader (reread.py), or
        as they are without one."""
        cfg = reread.config()
        # Argued questions (`analytic`: why, how far, what was the significance) keep the ranker's order:
        # the rereader learned on squad-train's questions, 97% factoid, and on the tuning set's 224 argued
        # ones its choice held the answer less often than the ranker's (63.0% against 63.8%, held out).
        # The argued composer chooses their opening by its own rules.
        if self.rereader is None or len(r.cands) < 2 or not cfg or analytic(q):
            return probs
        read = reread.read_again(self.rereader, q, lambda i: r.library.sentences[r.cands[i]].text, probs,
                                 int(cfg["top"]))
        return reread.adjust(probs, read, float(cfg["weight"]))

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
