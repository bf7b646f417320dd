"""The rereader (app/engine/reread.py): a small cross-encoder that reads the ranker's best few sentences
against the question, with the real fitted weights and the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import reread
from app.engine.compose import analytic


def test_adjust_moves_only_the_order_of_the_reread_candidates():
    probs = np.array([0.5, 0.3, 0.15, 0.05])
    read = reread.Reread([0, 1, 2], np.array([-2.0, 3.0, 0.0]))
    out = reread.adjust(probs, read, 1.0)
    # logits moved: 0 -> log .5 - 2.33, 1 -> log .3 + 2.67, 2 -> log .15 - 0.33: 1 opens, and the others
    # keep the ranker's order after it (0 before 2, although 2's moved logit is higher)
    assert out.tolist() == [0.3, 0.5, 0.15, 0.05]


def test_weight_zero_or_one_candidate_keeps_the_ranker_order():
    probs = np.array([0.6, 0.3, 0.1])
    assert reread.adjust(probs, reread.Reread([0, 1], np.array([-5.0, 5.0])), 0.0).tolist() == probs.tolist()
    assert reread.adjust(probs, reread.Reread([0], np.array([9.0])), 1.0).tolist() == probs.tolist()


def test_the_fitted_settings_are_installed_with_their_report():
    cfg = reread.config()
    assert reread.WEIGHTS.exists()
    assert cfg["layers"] >= 1 and cfg["max_length"] >= 32 and cfg["top"] >= 2 and cfg["weight"] > 0
    assert cfg["report"]["reread_top1"] > cfg["report"]["ranker_top1"]  # held out, or it would not ship


@pytest.fixture(scope="module")
def rereader(engine):
    assert engine.rereader is not None, "the engine should load the rereader exported for its index"
    return engine.rereader


def test_it_prefers_the_sentence_that_answers(rereader):
    question = "Who replaced Litvinov as commissar for foreign affairs?"
    s = rereader.scores(question, [
        "Litvinov was active in the League and he was hopeful it could be an affective body.",
        "May 1939 Litvinov replaced as commissar for foreign affairs by Molotov, instructed to pursue "
        "negotiations with Germany.",
        "Litvinov had no illusions, “Our security will remain..."])
    assert int(np.argmax(s)) == 1


def test_factoid_answers_are_reread_and_argued_ones_are_not(engine, monkeypatch):
    calls = []
    real = reread.read_again
    monkeypatch.setattr(reread, "read_again", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    factoid = "When was the Treaty of Rapallo signed?"
    argued = "Why did Stalin sign the Nazi-Soviet Pact?"
    assert not analytic(factoid) and analytic(argued)
    assert engine.ask(factoid).citations and engine.ask(argued).citations
    assert calls == [factoid]


def test_a_damaged_export_is_a_missing_rereader_not_an_error(repo_settings):
    path = reread.onnx_file(repo_settings)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    assert reread.load(repo_settings, make=False) is None


def test_the_ingest_command_exports_it_for_a_new_index_root(repo_settings):
    from app.cli import _export_reread

    assert not reread.onnx_file(repo_settings).exists()
    _export_reread(repo_settings)
    assert reread.onnx_file(repo_settings).exists()
    assert reread.load(repo_settings, make=False) is not None


def test_its_training_never_reads_an_article_a_held_out_figure_is_measured_on():
    from eval import fit_reread, squad_train
    from eval.tuning import default_dir

    data = fit_reread.groups()
    used = {g["doc"] for g in data}
    tuning = {p.stem for p in (default_dir() / "docs").glob("*.txt")}
    assert len(data) == 18_682 and len(used) == 315
    assert not used & tuning and not used & set(squad_train.reason_articles())
    assert all(g["pos"] not in g["negs"] and len(g["negs"]) >= 3 for g in data)
    train, val = fit_reread.split(data)
    assert len(val) == fit_reread.VALIDATION and not {id(g) for g in val} & {id(g) for g in train}
