"""Follow-up questions: rewritten into standalone ones against the last turns, then answered by the real
engine on the real corpus. The scripted dialogues live in eval/dialogues.yaml."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import yaml

from app.cli import main as cli
from app.engine.answer import Answer
from app.engine.conversation import MAX_TURNS, Conversation, Turn
from app.engine.mentions import mentions

DIALOGUES = yaml.safe_load((Path(__file__).resolve().parent.parent / "eval" / "dialogues.yaml")
                           .read_text(encoding="utf-8"))["dialogues"]


def after(*turns: tuple[str, str]) -> Conversation:
    """A conversation whose turns asked these questions and got these answers' first sentences."""
    return Conversation([Turn(q, q, [first]) for q, first in turns])


# --- the scripted dialogues, through the real engine --------------------------------------------------


def test_the_scripted_set_has_ten_or_more_dialogues_with_follow_ups():
    assert len(DIALOGUES) >= 10
    assert all(any("resolved" in t for t in d["turns"]) for d in DIALOGUES)


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[d["name"] for d in DIALOGUES])
def test_every_scripted_dialogue_is_resolved_and_answered_as_expected(engine, dialogue):
    conversation = Conversation()
    for turn in dialogue["turns"]:
        answer = conversation.ask(engine, turn["ask"])
        assert answer.question == turn["ask"]
        if "resolved" not in turn:
            assert answer.resolved_question is None, f"{turn['ask']!r} names its subject, yet was rewritten"
        else:
            assert answer.resolved_question, f"{turn['ask']!r} was not resolved"
            for word in turn["resolved"]:
                assert str(word).lower() in answer.resolved_question.lower(), (turn["ask"], answer.resolved_question)
        if "answer" in turn:
            assert not answer.abstained, answer.resolved_question or turn["ask"]
            assert str(turn["answer"]).lower() in answer.text.lower(), (answer.resolved_question, answer.text)


# --- the rules, one claim each ------------------------------------------------------------------------


def test_a_question_that_names_its_subject_is_left_unchanged():
    c = after(("Why did Litvinov's dismissal matter?", "The significance of Litvinov's abrupt dismissal was obvious."))
    assert c.resolve("What was agreed at Yalta?") == "What was agreed at Yalta?"
    assert c.resolve("Why did Stalin say he wanted peace?") == "Why did Stalin say he wanted peace?"


def test_no_question_of_the_evaluation_set_is_rewritten_in_the_middle_of_a_conversation(questions):
    c = after(("Why did Stalin sign the Nazi-Soviet Pact?", "Stalin looked at the world situation."),
              ("Who replaced Litvinov as foreign minister?", "May 1939 Litvinov replaced by Molotov."))
    rewritten = {q["question"]: c.resolve(q["question"]) for q in questions}
    assert {q: r for q, r in rewritten.items() if r != " ".join(q.split())} == {}


def test_the_first_question_of_a_conversation_is_never_rewritten():
    assert Conversation().resolve("Why did he do that?") == "Why did he do that?"


def test_he_is_the_person_named_before_and_it_the_event():
    c = after(("Why did Stalin sign the Nazi-Soviet Pact?", "Stalin looked at the world situation."))
    assert c.resolve("What did he gain from it?") == "What did Stalin gain from the Nazi-Soviet Pact?"
    assert c.resolve("Was it a success?") == "Was the Nazi-Soviet Pact a success?"
    assert c.resolve("How did Britain react to this pact?") == "How did Britain react to the Nazi-Soviet Pact?"


def test_this_attack_is_the_operation_the_last_answer_named():
    c = Conversation([Turn("Why did Hitler attack the Soviet Union?", "Why did Hitler attack the Soviet Union?",
                           ["Hitler's assessment was the Soviet government was like a rotted structure.",
                            "Hitler attacked the Soviet Union in Operation Barbarossa (June, 1941)."])])
    assert c.resolve("How did Stalin respond to this attack?") == "How did Stalin respond to Operation Barbarossa?"
    assert c.resolve("Why did this policy fail?") == "Why did this policy fail?"  # no policy was named


def test_his_becomes_a_possessive_and_they_a_group_or_country():
    c = after(("How did Britain and France react to the Munich Conference?", "They gave Hitler the Sudetenland."))
    assert c.resolve("Why did they exclude the Soviets?") == "Why did Britain and France exclude the Soviets?"
    c = after(("Why did Litvinov's dismissal matter?", "It meant a sharp turn."))
    assert c.resolve("What was his policy?") == "What was Litvinov's policy?"


def test_they_is_the_whole_list_the_answer_named_and_them_the_others_than_the_subject():
    c = after(("Who attended the Tehran conference?",
               "This conference was the first meeting between Roosevelt, Churchill and Stalin."))
    assert c.resolve("What did they discuss?") == "What did Roosevelt, Churchill and Stalin discuss?"
    c = after(("What did Roosevelt, Churchill and Stalin discuss at Tehran?", "The second front."))
    assert c.resolve("Why did Stalin distrust them?") == "Why did Stalin distrust Roosevelt and Churchill?"
    c = after(("Did Hitler and Stalin ever meet?", "They never met."))
    assert c.resolve("Why did Stalin trust them?") == "Why did Stalin trust them?"  # only Hitler is left: not "them"


def test_there_is_where_the_last_event_took_place_and_the_there_of_there_was_stays():
    c = after(("What was agreed at Yalta?", "The Big Three met again at Yalta in February, 1945."))
    assert c.resolve("What did Stalin want there?") == "What did Stalin want at Yalta?"
    assert c.resolve("Why did Churchill go there?") == "Why did Churchill go to Yalta?"
    assert c.resolve("Was there an agreement on Poland?") == "Was there an agreement on Poland?"
    assert c.resolve("What did Stalin want at Potsdam there?") == "What did Stalin want at Potsdam there?"


def test_his_speech_is_the_speech_of_the_person_the_question_named():
    c = after(("What did Molotov say in his speech of May 1939?", "He called Munich a 'disaster'."))
    assert c.resolve("How did the British react to it?") == "How did the British react to Molotov's speech?"


def test_after_a_who_question_he_is_the_person_the_answer_named():
    c = after(("Who replaced Litvinov as foreign minister?", "May 1939 Litvinov replaced as commissar by Molotov."))
    assert c.resolve("What did he do next?") == "What did Molotov do next?"


def test_why_asks_why_the_previous_statement_holds():
    c = after(("When did Hitler attack the Soviet Union?", "Hitler attacked the Soviet Union in June 1941."))
    assert c.resolve("Why?") == "Why did Hitler attack the Soviet Union?"
    c = after(("In 1936 what did Stalin do in Spain?", "In 1936, Stalin intervenes in the Spanish civil war."))
    assert c.resolve("Why did he do that?") == "Why was it that in 1936, Stalin intervenes in the Spanish civil war?"


def test_a_pronoun_opening_the_previous_answer_is_resolved_inside_why():
    c = after(("What did Molotov say about Munich?", "He called Munich a 'disaster'."))
    assert c.resolve("Why?") == "Why was it that Molotov called Munich a 'disaster'?"


def test_what_happened_next_asks_what_followed_the_previous_event():
    c = after(("What was agreed at Yalta?", "The Big Three met again at Yalta in February, 1945."))
    assert c.resolve("What happened next?") == "What happened after Yalta?"
    c = after(("Why did Litvinov's dismissal matter?", "It meant a sharp turn."))
    assert c.resolve("And then?") == "What happened after Litvinov's dismissal?"


def test_and_x_asks_the_previous_question_about_x():
    c = after(("Why did Stalin distrust Britain after Munich?", "Stalin drew one lesson."))
    assert c.resolve("And France?") == "Why did Stalin distrust France after Munich?"
    assert c.resolve("What about Molotov?") == "Why did Molotov distrust Britain after Munich?"
    c = after(("What was agreed at Yalta?", "The Big Three met again at Yalta."))
    assert c.resolve("And Potsdam?") == "What was agreed at Potsdam?"


def test_and_followed_by_a_clause_is_not_read_as_and_x():
    c = after(("Why did Stalin sign the Nazi-Soviet Pact?", "Stalin looked at the world situation."))
    assert c.resolve("And what did Hitler think of it?") == "And what did Hitler think of the Nazi-Soviet Pact?"


def test_only_the_last_few_turns_are_remembered():
    c = Conversation()
    for i in range(MAX_TURNS + 3):
        c.add(Answer(f"What did Molotov do in 19{30 + i}?", [], [], abstained=True))
    assert [t.question for t in c.turns] == [f"What did Molotov do in 19{30 + i}?" for i in range(3, MAX_TURNS + 3)]
    assert len(Conversation.of([Answer("What was the Comintern?", [], [], abstained=True)] * 9).turns) == MAX_TURNS


def test_names_used_as_adjectives_name_no_one():
    found = {m.text: m.kind for m in mentions("The German foreign minister Ribentropp signed the Rapallo treaty.")}
    assert found == {"Ribentropp": "person", "the Rapallo treaty": "thing"}


# --- the command line ---------------------------------------------------------------------------------


def test_cli_conversation_resolves_each_line_against_the_ones_before(corpus_index, monkeypatch, capsys):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    turns = "Why did Stalin sign the Nazi-Soviet Pact?\nWhat did he gain from it?\n\nWhat did he gain from it?\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(turns))
    assert cli(["ask", "--json", "--file", "-", "--conversation"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["question"] for x in lines] == ["Why did Stalin sign the Nazi-Soviet Pact?",
                                             "What did he gain from it?", "What did he gain from it?"]
    assert lines[0]["resolved_question"] is None
    assert lines[1]["resolved_question"] == "What did Stalin gain from the Nazi-Soviet Pact?"
    assert lines[2]["resolved_question"] is None  # a blank line started a new conversation


def test_cli_conversation_without_a_file_says_how_to_use_it(capsys):
    assert cli(["ask", "--conversation", "Why?"]) == 2
    err = capsys.readouterr().err
    assert "--file" in err and "Traceback" not in err


@pytest.mark.parametrize("first", ["Why did Litvinov's dismissal matter?", "Why did Stalin join the League of Nations?"])
def test_what_happened_next_never_repeats_the_last_answer(engine, first):
    chat = Conversation()
    before = chat.ask(engine, first)
    after_it = chat.ask(engine, "What happened next?")
    assert after_it.resolved_question and after_it.resolved_question.startswith("What happened after")
    if after_it.abstained:  # nothing dated after it: said so, not the same answer again
        assert "date nothing after" in " ".join(after_it.warnings)
        return
    said = {s.text for s in before.sentences}
    assert after_it.sentences[0].text not in said
    assert len(said & {s.text for s in after_it.sentences}) * 2 < len(after_it.sentences)
