"""Scale: the start-up tables stored with an index generation, and the benchmark's generated corpus.

What the engine reads from a generation's records (texts, offsets, vectors) and the tables computed
from them (BM25 index, vocabulary, per-sentence word sets) are stored inside the generation on its first
load and read back by every later one; answers must not depend on which happened.
"""

from __future__ import annotations

import importlib.util
import pickle
import shutil
from collections import Counter
from pathlib import Path

import pytest

from app.engine import Engine
from app.engine.features import Featurizer
from app.engine.library import DERIVED, Library
from app.engine.retrieve import Retriever
from ingest.pipeline import ingest
from ingest.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ["Why did Stalin sign the pact with Hitler?", "When was Litvinov dismissed?",
             "What happened at the Munich conference?", "How successful was Stalin's foreign policy?"]


def _scale_module():
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "benchmark" / "scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def own_copy(corpus_index, tmp_path) -> Settings:
    """A copy of the session index, so that this test's new generations and tables stay its own."""
    home = tmp_path / "home"
    shutil.copytree(corpus_index.home, home, symlinks=True)
    return Settings.from_env(home=home, index_dir=home / ".index")


def _answers(engine: Engine) -> list[dict]:
    out = []
    for q in QUESTIONS:
        a = engine.ask(q)
        out.append({"text": [s.text for s in a.sentences], "cites": [(c.doc_id, c.start, c.end) for c in a.citations],
                    "abstained": a.abstained})
    return out


def test_stored_records_and_tables_are_read_back_and_give_the_same_answers(own_copy, monkeypatch):
    first = Engine.load(own_copy)
    folder = own_copy.index_dir / first.library.index.generation / DERIVED
    assert sorted(p.name.split("-")[0] for p in folder.glob("*.pickle")) == ["featurizer", "records", "retriever"]
    built = _answers(first)

    def no_rebuild(*_):
        raise AssertionError("the tables were computed again")

    monkeypatch.setattr(Retriever, "tables", staticmethod(no_rebuild))
    monkeypatch.setattr(Featurizer, "tables", staticmethod(no_rebuild))
    monkeypatch.setattr(Library, "_read", staticmethod(no_rebuild))
    second = Engine.load(own_copy)
    assert _answers(second) == built
    assert second.retriever.df == first.retriever.df
    assert (second.library.vectors == first.library.vectors).all()
    assert second.library.sentences == first.library.sentences


def test_a_new_generation_computes_its_own_tables(own_copy, tmp_path):
    old = Library.open(own_copy)
    Retriever(old, lambda q: None)  # stores the old generation's tables
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "zorvath.txt").write_text("Zorvathian envoys met the Soviet delegation in 1939.\n\n"
                                       "The Zorvathian treaty was never signed.\n", encoding="utf-8")
    ingest([extra], own_copy, progress=False)
    new = Library.open(own_copy)
    assert new.index.generation != old.index.generation
    r = Retriever(new, lambda q: None)
    assert r.df["zorvathian"] == 2 and "zorvathian" not in Retriever(old, lambda q: None).df
    assert len(r.stemmed) == len(new.sentences)


def test_tables_for_other_sentences_or_damaged_are_computed_again(own_copy):
    lib = Library.open(own_copy)
    assert lib.derived("probe", lambda: "first") == "first"
    assert lib.derived("probe", lambda: "second") == "first"  # read back
    [path] = (own_copy.index_dir / lib.index.generation / DERIVED).glob("probe-*.pickle")
    path.write_bytes(pickle.dumps(("another library's sentences", "stale")))
    assert lib.derived("probe", lambda: "third") == "third"
    path.write_bytes(b"not a pickle")
    assert lib.derived("probe", lambda: "fourth") == "fourth"


def test_generated_corpus_copies_are_deterministic_distinct_and_made_of_the_same_sentences():
    scale = _scale_module()
    text = "First one. Second one! Third one?\nA line of its own.\n\nAnother paragraph. With two."
    copies = [scale.variant("doc", text, k) for k in range(4)]
    assert copies == [scale.variant("doc", text, k) for k in range(4)]  # same bytes every run
    assert len(set(copies)) == 4  # each copy a distinct document

    def sentences(t: str) -> Counter:
        return Counter(s for line in t.split("\n") for s in scale.SENTENCE_END.split(line.strip()) if s)

    assert all(sentences(c) == sentences(text) for c in copies)


def test_records_read_a_few_documents_at_a_time_are_all_the_records(corpus_index, monkeypatch):
    """At 207 documents one filter over every document key exceeded SQLite's variable limit, so records
    are read in batches of documents: batches of two must give exactly what one read gives."""
    from ingest import store

    index = store.Index.open(corpus_index.settings)
    whole = {k: index.records(k, include_embeddings=True) for k in ("document", "passage", "sentence")}
    monkeypatch.setattr(store, "RECORDS_BATCH", 2)
    assert len(index.live_keys()) > 2
    for kind, one in whole.items():
        batched = index.records(kind, include_embeddings=True)
        assert sorted(batched["ids"]) == sorted(one["ids"])
        by_id = dict(zip(one["ids"], one["documents"], strict=True))
        assert all(by_id[i] == d for i, d in zip(batched["ids"], batched["documents"], strict=True))
