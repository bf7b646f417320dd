"""The fitted models and the public tuning set: the models match the code that computes their features,
and a bounded slice of the tuning set (two articles, their questions and the 100 off-topic ones) stays
above its floor through `footnote eval --questions` (the full held-out figures come from
`python -m eval.fit_ranker` and live in app/engine/models.json)."""

from __future__ import annotations

import json

import pytest

from app.engine.features import EVIDENCE_FEATURES, SENTENCE_FEATURES
from app.engine.ranker import load
from eval.tuning import default_dir, folds, is_tuning_format, load_questions

TUNING = default_dir()
needs_tuning_set = pytest.mark.skipif(not (TUNING / "questions.jsonl").exists(),
                                      reason="the public tuning set (../shared/datasets/squad-history) is absent")
ARTICLES = ["warsaw-pact", "russian-soviet-federative-socialist-republic"]  # the two smallest: fast to ingest
# Measured 2026-11-26 on these two articles: first 70.0%, any 93.4%, answerable answered 97.4%, off-topic
# answered 0% (BM25: top sentence 67.0%, top 6 92.1%). The models were fitted on all 18 articles, so this
# is a regression floor, not a held-out figure; floors sit about 5 points under.
FLOORS = {"first_cited_holds_answer": 0.65, "any_cited_holds_answer": 0.88, "answerable_answered": 0.92,
          "offcorpus_answered_at_most": 0.05}


def test_the_fitted_models_read_the_features_the_code_computes():
    models = load()
    assert list(models.ranker.features) == SENTENCE_FEATURES
    assert list(models.abstain.features) == EVIDENCE_FEATURES
    assert 0 < models.answer_threshold < 1 and 0 < models.keep_ratio < 1 and models.max_factoid >= 1
    assert "held_out" in models.report and models.report["first_sentence_holds_answer"] > 0.6


def test_the_folds_hold_out_every_article_exactly_once():
    docs = [f"a{i}" for i in range(18)]
    held = [d for f in folds(docs) for d in f]
    assert sorted(held) == sorted(docs) and len(set(held)) == len(held)


@needs_tuning_set
def test_the_look_alike_questions_are_reproducible_and_never_the_original():
    from eval.lookalikes import OUT, make

    made = make(TUNING / "docs", TUNING / "questions.jsonl")
    committed = load_questions(OUT)
    assert [m["q"] for m in made] == [q.q for q in committed]
    originals = {q.id: q.q for q in load_questions(TUNING / "questions.jsonl")}
    assert all(m["q"] != originals[m["from"]] for m in made)


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """One index of the two articles for this module's tests (the second ingest embeds nothing)."""
    return tmp_path_factory.mktemp("tuning-work")


@needs_tuning_set
def test_two_articles_of_the_tuning_set_stay_above_their_floor(work, tmp_path, capsys):
    from eval.run import main

    path = TUNING / "questions.jsonl"
    assert is_tuning_format(path)
    assert main(questions=path, out=tmp_path / "run", articles=ARTICLES, work=work) == 0
    s = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))["summary"]
    assert s["first_cited_holds_answer"] >= FLOORS["first_cited_holds_answer"], s
    assert s["any_cited_holds_answer"] >= FLOORS["any_cited_holds_answer"], s
    assert s["answered"]["answerable"] >= FLOORS["answerable_answered"], s
    assert s["answered"]["offcorpus"] <= FLOORS["offcorpus_answered_at_most"], s
    assert s["first_cited_holds_answer"] > s["bm25"]["top1"]
    assert "answer in the first cited sentence" in capsys.readouterr().out


# Measured 2026-11-27 on these two articles' 8 argued questions (eval/argued.yaml, 31 key points), with
# the shipped models and argued constants (app/engine/argue_model.json): key points stated 32.3% (35.5% before
# the fitted OPENER_P; over all 104 questions it rose from 27.6% to 29.1%). A regression floor (one key
# point under), not a held-out figure: the ranker was fitted on all 18 articles.
ARGUED_FLOOR = 0.28


@needs_tuning_set
def test_argued_answers_on_two_articles_state_their_key_points(work):
    from app.engine import Engine, argue
    from eval.evalset import load
    from eval.fit_argued import QUESTIONS, Judge, article
    from eval.tuning import build_index

    engine = Engine.load(build_index(TUNING / "docs", work, only=ARTICLES))
    questions = [q for q in load(QUESTIONS) if article(q) in ARTICLES]
    assert len(questions) == 8
    s = Judge(engine, questions)({name: getattr(argue, name) for name in argue.TUNABLE})
    assert s["answered"] == 1.0, s
    assert s["key_points"] >= ARGUED_FLOOR, s


needs_squad_train = pytest.mark.skipif(not (TUNING.parent / "squad-train" / "questions.jsonl").exists(),
                                       reason="the public fitting set (../shared/datasets/squad-train) is absent")


@needs_squad_train
def test_the_squad_train_sample_is_other_articles_than_the_tuning_set_and_than_the_answer_type_fit():
    from eval.fit_answer_types import excluded_articles
    from eval.fit_ranker import SQUAD_PER_ARTICLE, squad_sample

    qs, fold = squad_sample()
    docs = {q.doc for q in qs}
    tuning = {p.stem for p in (TUNING / "docs").glob("*.txt")}
    assert len(docs) > 100 and not docs & tuning
    assert docs <= excluded_articles()  # the answer-type model never saw an article the ranker is scored on
    assert all(sum(q.doc == d for q in qs) <= SQUAD_PER_ARTICLE for d in docs)
    assert set(fold) == docs and set(fold.values()) == set(range(6))
    assert qs == squad_sample()[0]  # the same sample every run


def test_a_model_read_over_more_features_weights_the_new_ones_zero():
    import numpy as np

    from app.engine.ranker import Linear

    m = Linear(("a", "b"), np.array([1.0, 2.0]), np.array([1.0, 4.0]), np.array([0.5, -1.0]), 0.0, listwise=True)
    wide = m.over(["a", "new", "b"])
    X = np.array([[2.0, 9.0, 6.0], [1.0, -3.0, 2.0]])
    assert np.allclose(wide.prob(X), m.prob(X[:, [0, 2]]))
