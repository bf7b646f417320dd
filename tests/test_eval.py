"""The evaluation set and `footnote eval`: the gold evidence is really in the sources, the set has the
shape the mission asks for, the metrics mean what the report says, and the committed set is a quality
gate (a drop below the floors fails CI)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, DOC_IDS, clean_text

from app import cli
from eval import evalset, metrics
from eval.evalset import EvalSetError, Evidence, KeyPoint, Question
from eval.run import main as eval_main

QUESTIONS = evalset.load(evalset.DEFAULT_QUESTIONS)
ANSWERABLE = [q for q in QUESTIONS if q.answerable]

# --- the set --------------------------------------------------------------------------------------


def test_every_gold_quote_is_verbatim_in_the_clean_text_of_its_document():
    missing = [f"{q.id}: {ev.doc}: {ev.quote[:60]}" for q in QUESTIONS for ev in q.gold
               if ev.doc not in DOC_IDS or ev.quote not in clean_text(ev.doc)]
    assert not missing, missing


def test_gold_quotes_are_single_clauses_of_30_to_250_characters():
    bad = [f"{q.id}: {ev.quote[:50]}" for q in QUESTIONS for ev in q.gold
           if "\n" in ev.quote or not 30 <= len(ev.quote) <= 250]
    assert not bad, bad


def test_the_ten_analysis_questions_are_in_the_set_with_question_8_split_by_conference():
    printed = (CORPUS / "clean" / "soviet-fp-1919-1945.questions.txt").read_text(encoding="utf-8")
    numbered = dict(re.findall(r"^(\d+)\. (.+)$", printed, flags=re.M))
    by_number = Counter()
    for q in QUESTIONS:
        if q.origin.startswith("analysis-question-"):
            n = q.origin.rsplit("-", 1)[1]
            by_number[n] += 1
            assert q.answerable, q.id
            if n != "8":
                assert q.question == numbered[n], q.id
    assert by_number == {str(n): (3 if n == 8 else 1) for n in range(1, 11)}
    eight = " ".join(q.question for q in QUESTIONS if q.origin == "analysis-question-8")
    assert all(name in eight for name in ("Teheran", "Yalta", "Potsdam"))


def test_the_set_holds_the_litvinov_question_12_more_answerable_and_8_unanswerable():
    litvinov = [q for q in QUESTIONS if q.origin == "litvinov"]
    assert len(litvinov) == 1 and litvinov[0].answerable and "Litvinov" in litvinov[0].question
    assert sum(q.origin == "added" and q.answerable for q in QUESTIONS) >= 12
    assert sum(not q.answerable for q in QUESTIONS) >= 8


def test_every_document_is_the_best_evidence_for_at_least_two_questions():
    best = Counter(q.best_doc for q in ANSWERABLE)
    assert {d: best[d] for d in DOC_IDS if best[d] < 2} == {}


def test_a_missing_or_malformed_questions_file_is_a_clear_error(tmp_path):
    with pytest.raises(EvalSetError, match="No questions file"):
        evalset.load(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("questions: [\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="not valid YAML"):
        evalset.load(bad)
    bad.write_text("questions:\n  - id: x1\n    question: Why?\n    answerable: true\n", encoding="utf-8")
    with pytest.raises(EvalSetError, match="needs at least one key point"):
        evalset.load(bad)


def test_a_gold_quote_not_in_the_sources_is_reported_with_its_question():
    q = Question("x1", "Why?", "added", True, key_points=(
        KeyPoint("p", ("a",), (Evidence("doc", "the pact was signed"), Evidence("doc", "Stalin’s aim"))),))
    with pytest.raises(EvalSetError, match=r"x1: not in doc: “the pact was signed”.*different quote marks"):
        evalset.locate([q], {"doc": "In 1939 the Pact was signed. Stalin's aim was time."})


def test_the_cli_reports_a_bad_questions_file_in_one_line(tmp_path, capsys):
    assert cli.main(["eval", "--questions", str(tmp_path / "nope.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("footnote: No questions file") and err.count("\n") == 1


# --- the metrics, on small hand-made cases --------------------------------------------------------

TEXT = "Alpha beta gamma. The pact bought time for rearmament. Delta epsilon."
GOLD = Evidence("d", "The pact bought time for rearmament.", 18, 54)
Q = Question("t", "Why?", "added", True, key_points=(KeyPoint("time", ("bought time", "breathing space"), (GOLD,)),))


def test_gold_counts_as_retrieved_only_when_it_lies_inside_a_passage_of_the_same_document():
    spans = {"d#0": metrics.Span("d", 0, 17), "d#1": metrics.Span("d", 18, 70), "e#0": metrics.Span("e", 0, 70)}
    r = metrics.retrieval(Q, ["e#0", "d#0", "d#1"], spans)
    assert r["gold_rank"] == 3 and r["rr"] == pytest.approx(1 / 3)
    assert r["hit"] == {"1": False, "3": True, "5": True} and r["recall"]["1"] == 0.0


def test_a_citation_lands_on_gold_when_its_span_overlaps_and_a_key_point_is_stated_in_any_case():
    support = metrics.Support(lambda texts: pytest.fail("verbatim sentences need no embedding"))
    answer = {"abstained": False, "text": "THE PACT BOUGHT TIME for rearmament.[1] Delta epsilon.[2]",
              "sentences": [{"text": "THE PACT BOUGHT TIME for rearmament.", "citations": [1]},
                            {"text": "Delta epsilon.", "citations": [2]}],
              "citations": [{"n": 1, "doc_id": "d", "start": 18, "end": 54, "quote": TEXT[18:54]},
                            {"n": 2, "doc_id": "d", "start": 55, "end": 69, "quote": "Delta epsilon."}]}
    scored = metrics.score_answer(Q, answer, support)
    assert [c["on_gold"] for c in scored["citations"]] == [True, False]
    assert all(c["supports"] for c in scored["citations"])  # the sentence IS its quote (extractive)
    assert [s["supported"] for s in scored["sentences"]] == [True, True]
    assert scored["key_points"][0]["stated"] == "bought time" and scored["kp_coverage"] == 1.0


def test_a_refusal_states_no_key_point_and_an_uncited_sentence_is_unsupported():
    support = metrics.Support(lambda texts: pytest.fail("no embedding needed"))
    refusal = metrics.score_answer(Q, {"abstained": True, "text": "bought time", "sentences": [], "citations": []},
                                   support)
    assert refusal["kp_coverage"] == 0.0
    bare = metrics.score_answer(Q, {"abstained": False, "text": "x", "citations": [],
                                    "sentences": [{"text": "Stalin wanted time.", "citations": []}]}, support)
    assert bare["sentences"][0]["supported"] is False


# --- the quality gate -----------------------------------------------------------------------------

# Figures of the committed set on the committed corpus (all-MiniLM-L6-v2, top 5), from the run of
# 2026-11-26 with the fitted ranker (app/engine/models.json). Key points stated fell from 0.76 to 0.60 with
# that release: factoid and most 'what' questions now get the ranker's short answer, which transfers to
# unseen articles (the earlier composer's choices were set on this very set), and an argued answer whose
# own opening leans on an earlier sentence opens with the ranker's instead. First citation on gold: 62%.
# The listwise ranker (fitted on the tuning set, 2026-11-26, later that day) raised key points stated to
# 0.70, answers citing gold to 0.95 and the first citation on gold to 0.70.
# A change that lowers one shows up as a diff here.
TODAY = {  # figures of `footnote eval` on the committed set, 2026-11-27 (after 'this essay' and 'how did X affect')
    "hit@1": 0.81, "hit@5": 1.00, "recall@5": 0.75, "mrr": 0.86,
    "kp_coverage": 0.76, "citation_precision": 1.00, "citation_on_gold": 0.51, "answers_citing_gold": 0.97,
    "first_on_gold": 0.78, "citation_recall": 1.00, "answered": 1.00, "declined": 1.00,
}
MARGIN = 0.05  # floors sit this far under today's figures: room for harmless reordering, not for a regression
FLOORS = {k: round(v - MARGIN, 2) for k, v in TODAY.items()}


@pytest.fixture(scope="module")
def committed_run(corpus_index, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("eval-run")
    assert eval_main(out=out, settings=corpus_index.settings) == 0
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_footnote_stays_above_its_quality_floor(committed_run, metric):
    value = committed_run["systems"]["footnote"]["summary"][metric]
    assert value is not None and value >= FLOORS[metric], f"{metric} = {value:.3f}, floor {FLOORS[metric]}"


def test_footnote_beats_both_baselines_where_its_design_should_show(committed_run):
    s = {name: sys["summary"] for name, sys in committed_run["systems"].items()}
    for metric in ("hit@1", "mrr", "kp_coverage", "answers_citing_gold", "declined"):
        assert s["footnote"][metric] > max(s["bm25"][metric], s["dense"][metric]), metric


def test_every_question_is_scored_against_both_baselines(committed_run):
    assert len(committed_run["questions"]) == len(QUESTIONS)
    assert set(committed_run["systems"]) == {"footnote", "bm25", "dense"}
    for r in committed_run["questions"]:
        for name in ("bm25", "dense"):
            assert len(r["runs"][name]["retrieved"]) == 5, (r["id"], name)


def test_footnote_eval_writes_a_report_results_and_charts(corpus_index, tmp_path, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    out = tmp_path / "run"
    assert cli.main(["eval", "--limit", "3", "--out", str(out)]) == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Targets" in report and "aq-01" in report
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))["questions"]) == 3
    pngs = list(Path(out).glob("*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    for name in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report):
        assert (out / name).is_file(), name
