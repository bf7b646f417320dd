"""The Streamlit app, driven headless with AppTest against the real index of the real corpus.

The engine is cached per process (st.cache_resource) and keyed on the settings, so every test here
shares one load; the no-index test points the settings at an empty folder and gets its own key.
"""

from __future__ import annotations

import html
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.engine.answer import Answer, AnswerSentence
from app.pages import ui
from ingest.passages import sentence_spans

APP = Path(__file__).resolve().parent.parent / "app" / "pages" / "streamlit_app.py"
TIMEOUT = 120  # the first run loads the embedding model
QUESTION = "Why did Litvinov's dismissal matter?"
MARK_1 = '>[1]</a></sup>'  # footnote mark 1 in an answer: a link that opens footnote 1 (ui.fn_ref)
PAGES = {"views/sources.py": "Sources", "views/essay.py": "Essay plan", "views/timeline.py": "Timeline",
         "views/revise.py": "Revise", "views/check.py": "Check an answer", "views/evaluation.py": "Evaluation"}


@pytest.fixture
def index_env(corpus_index, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_HOME", str(corpus_index.home))
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(corpus_index.settings.index_dir))
    return corpus_index


@pytest.fixture
def app(index_env) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def markdown(at_or_block) -> list[str]:
    return [m.value for m in at_or_block.markdown]


def shown(value: str) -> str:
    """What a reader sees of a Markdown string the app escaped (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", value)


def footnote(at: AppTest, n: int):
    return next(e for e in at.expander if e.label.startswith(f"**\\[{n}\\]**"))


# --- Ask ---------------------------------------------------------------------------------------------


def test_first_visit_shows_the_title_an_explanation_and_example_questions(app):
    assert app.title[0].value == "Footnote"
    assert any("only from its sources" in m for m in markdown(app))
    assert [b.label for b in app.button][:4] == ui.EXAMPLES


def test_an_answer_carries_numbered_footnotes(app):
    ask(app, QUESTION)
    answer: Answer = app.session_state["chat"][0]
    assert not answer.abstained
    body = next(m for m in markdown(app) if MARK_1 in m)
    assert ui.esc(answer.sentences[0].text) in body
    assert len([e for e in app.expander if e.label.startswith("**\\[")]) == len(answer.citations)


def test_opening_a_footnote_shows_the_passage_with_the_quote_highlighted(app):
    ask(app, QUESTION)
    c = app.session_state["chat"][0].citations[0]
    box = footnote(app, 1)
    assert ui.md(c.title) in box.label
    marked = [m for m in markdown(box) if "<mark" in m]
    assert marked and f">{ui.esc(c.quote)}</mark>" in marked[0]
    assert ui.esc(c.passage[: c.start - c.passage_start][:40]) in marked[0]  # the passage around the quote
    assert any(c.kind in cap.value for cap in box.caption)
    link = box.get("page_link")[0]
    assert link.proto.page == "sources"
    assert f"doc={c.doc_id}" in link.proto.query_string and "passage=" in link.proto.query_string


def test_an_open_footnote_names_the_kind_of_its_source_once(app):
    """The mind map's title already says "(mind map)"; its caption read "... (mind map) — mind map"."""
    ask(app, "When was the Molotov-Ribbentrop pact signed?")
    c = app.session_state["chat"][0].citations[0]
    assert c.doc_id == "stalin-fp-mind-map" and "mind map" in c.title
    caption = next(cap.value for cap in footnote(app, 1).caption if ui.md(c.passage_id) in cap.value)
    assert caption.count("mind map") == 1, caption


def test_an_example_question_is_asked_with_one_click(app):
    app.button(key="example0").click().run()
    assert not app.exception
    assert app.session_state["chat"][0].question == ui.EXAMPLES[0]
    assert any(MARK_1 in m for m in markdown(app))


def test_copy_answer_gives_markdown_with_the_references(app):
    ask(app, QUESTION)
    code = [c.value for c in app.code]
    assert any("[^1]:" in c and "Litvinov" in c for c in code)


def test_the_chat_keeps_earlier_answers(app):
    ask(app, QUESTION)
    ask(app, "What did Chicherin believe about Soviet foreign policy?")
    assert [a.question for a in app.session_state["chat"]][-2:] == [
        QUESTION, "What did Chicherin believe about Soviet foreign policy?"]
    assert len(app.chat_message) == 4


def test_a_follow_up_is_answered_as_the_resolved_question_shown_above_the_answer(app):
    ask(app, "Why did Stalin sign the Nazi-Soviet Pact?")
    ask(app, "What did he gain from it?")
    first, follow_up = app.session_state["chat"]
    assert first.resolved_question is None
    assert follow_up.question == "What did he gain from it?"
    assert follow_up.resolved_question == "What did Stalin gain from the Nazi-Soviet Pact?"
    said = app.chat_message[3]  # the assistant's reply to the follow-up
    top = next(iter(said.children.values()))
    assert top.type == "caption" and shown(top.value) == "Answered as: **What did Stalin gain from the Nazi-Soviet Pact?**"
    assert not [c for c in app.chat_message[1].caption if "Answered as" in c.value]
    assert "What did he gain from it?" in html.unescape(markdown(app.chat_message[2])[0])  # the question as asked
    copied = app.chat_message[3].code[0].value
    assert copied.startswith("**Q: What did Stalin gain from the Nazi-Soviet Pact?**")  # pasted notes need no context


def test_clearing_the_conversation_forgets_what_a_pronoun_could_refer_to(app):
    ask(app, "Why did Stalin sign the Nazi-Soviet Pact?")
    app.button(key="clear").click().run()
    ask(app, "What did he gain from it?")
    assert app.session_state["chat"][0].resolved_question is None


def test_a_question_the_sources_do_not_cover_is_declined_and_the_nearest_material_is_labelled(app):
    ask(app, "What is photosynthesis?")
    assert [i.value for i in app.info if "sources do not cover this question" in i.value]
    assert not [m for m in markdown(app) if "<sup>[" in m]
    nearest = [e for e in app.expander if "not an answer" in e.label]
    assert nearest and all(markdown(e) for e in nearest)


def test_a_declined_question_about_a_covered_name_says_what_the_sources_leave_out(app):
    ask(app, "When was Chicherin born?")
    assert [i for i in app.info if "The sources mention Chicherin but do not say when." in shown(i.value)]
    assert [e for e in app.expander if "not an answer" in e.label]


def test_the_number_of_passages_to_retrieve_comes_from_the_sidebar(app, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # the engine room is the teacher's
    app.run()
    engine, asked = ui.engine(), []
    real_ask = engine.ask
    monkeypatch.setattr(engine, "ask", lambda q, top_k=None, **kw: asked.append(top_k) or real_ask(q, top_k, **kw))
    app.slider(key="top_k").set_value(8).run()
    ask(app, QUESTION)
    assert asked[0] == 8 and app.session_state["chat"][0].citations  # (then the suggestions, asked as they come)


def test_the_sidebar_says_what_the_index_holds(app, index_env, monkeypatch):
    text = " ".join(m.value for m in app.sidebar.markdown) + " ".join(c.value for c in app.sidebar.caption)
    assert f"**{index_env.summary.documents}** documents · **{index_env.summary.passages}** passages" in text
    assert "MiniLM" not in text  # the model and the index's place are the teacher's to see
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")
    app.run()
    text = " ".join(m.value for m in app.sidebar.markdown) + " ".join(c.value for c in app.sidebar.caption)
    assert ui.md("all-MiniLM-L6-v2") in text and "384 dimensions" in text
    assert ui.md(".index") in text  # shown relative to the project home


# --- errors a user can act on ------------------------------------------------------------------------


def test_an_empty_question_says_what_to_do(app):
    ask(app, "   ")
    assert [shown(e.value) for e in app.error] == ["Type a question first."]


def test_a_too_long_question_says_what_to_do(app):
    ask(app, "why " * 400)
    assert "under 1,000" in shown(app.error[0].value)


def test_without_an_index_the_app_says_to_run_footnote_ingest(index_env, tmp_path, monkeypatch):
    # The engine cache is keyed on the settings, so an empty index folder is a fresh load, not the cached one.
    monkeypatch.setenv("FOOTNOTE_INDEX_DIR", str(tmp_path / "empty"))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    assert any("`footnote ingest`" in e.value and str(tmp_path / "empty") in shown(e.value) for e in at.error)
    at.switch_page("views/sources.py").run()
    assert not at.exception and any("`footnote ingest`" in e.value for e in at.error)


def test_an_index_built_with_another_model_says_how_to_fix_it(index_env, tmp_path, monkeypatch):
    other = tmp_path / "other-model"
    other.mkdir()
    (other / "config.json").write_text('{"hidden_size": 768}')
    monkeypatch.setenv("FOOTNOTE_EMBED_MODEL", str(other))
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT).run()
    assert not at.exception
    message = shown(at.error[0].value)
    assert "all-MiniLM-L6-v2" in message and "other-model" in message and "footnote ingest --rebuild" in message


def test_an_llm_server_that_cannot_be_used_is_reported_and_answers_stay_extractive(app, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # the answer mode is the teacher's to set
    app.run()
    app.radio(key="mode").set_value("llm").run()
    app.text_input(key="llm_url").input("http://127.0.0.1:9/v1").run()  # nothing listens on port 9
    ask(app, QUESTION)
    assert app.session_state["chat"][0].mode == "extractive"
    assert any("127.0.0.1:9" in shown(w.value) for w in app.warning)  # the message names the server
    assert any(MARK_1 in m for m in markdown(app))


class FakeLLM(BaseHTTPRequestHandler):
    """An OpenAI-compatible /chat/completions that answers with the longest sentence of passage 1, cited,
    and one invented sentence: the app must show the first and strike through the second."""

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["messages"][-1]["content"]
        passage = re.search(r'<passage n="1">\n(.*?)\n</passage>', prompt, re.S).group(1)
        longest = max((passage[s:e] for s, e in sentence_spans(passage)), key=len)
        content = f"{longest.rstrip('.!?')} [1]. The Soviet Union landed a man on the Moon in 1939 [1]."
        reply = {"id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
                 "choices": [{"index": 0, "finish_reason": "stop",
                              "message": {"role": "assistant", "content": content}}],
                 "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_llm():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_a_generated_answer_shows_its_footnotes_and_strikes_through_what_the_sources_do_not_support(app, fake_llm,
                                                                                                     monkeypatch):
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")
    app.run()
    app.radio(key="mode").set_value("llm").run()
    app.text_input(key="llm_url").input(fake_llm).run()
    app.text_input(key="llm_model").input("fake").run()
    ask(app, QUESTION)
    answer: Answer = app.session_state["chat"][0]
    assert answer.mode == "llm" and not answer.abstained
    body = next(m for m in markdown(app) if MARK_1 in m)
    assert "line-through" in body and "landed a man on the Moon" in body
    assert any("not supported" in w.value for w in app.warning)
    assert any("generated answer" in c.value for c in app.caption)


# --- Every page, and Sources ---------------------------------------------------------------------------


def test_every_page_draws_and_none_is_a_placeholder(app, monkeypatch):
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")  # every page: the teacher's too
    app.run()
    for path, title in PAGES.items():
        app.switch_page(path).run()
        assert not app.exception and app.title[0].value == title, path
        assert not any("Not available yet" in i.value for i in app.info), path
    app.switch_page("views/ask.py").run()
    assert app.title[0].value == "Footnote"


def test_sources_show_passages_metadata_and_what_cleaning_removed(app):
    app.switch_page("views/sources.py").run()
    doc_id = app.selectbox(key="sources_doc").value
    captions = " ".join(c.value for c in app.caption)
    assert f"{ui.md(doc_id)}\\#000" in captions  # passages labelled with their ids
    assert any("Original file" in m for m in markdown(app))
    rules = [e.label for e in app.expander]
    assert rules, "the cleaning report lists the rules that removed or changed lines"
    assert app.code or any("<div style=\"background:#fee2e2" in m for m in markdown(app))


def test_every_document_can_be_chosen(app, index_env):
    app.switch_page("views/sources.py").run()
    box = app.selectbox(key="sources_doc")
    for doc_id in box.options:
        box.set_value(doc_id).run()
        assert not app.exception
        assert app.subheader[0].value
        box = app.selectbox(key="sources_doc")


def test_a_footnote_link_opens_its_passage_in_sources_with_the_quote_highlighted(app):
    ask(app, QUESTION)
    c = app.session_state["chat"][0].citations[0]
    app.switch_page("views/sources.py")
    app.query_params.update(doc=c.doc_id, passage=c.passage_id, start=str(c.start), end=str(c.end))
    app.run()
    assert not app.exception
    assert app.selectbox(key="sources_doc").value == c.doc_id
    assert any("The passage your footnote cites" in m for m in markdown(app))
    assert any(f">{ui.esc(c.quote)}</mark>" in m for m in markdown(app))


# --- safe rendering ------------------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> [link](http://x) **bold** $x$ :red[red] <img src=x onerror=alert(1)>"


def test_source_text_is_shown_as_text_never_as_html_or_links():
    out = ui.highlight(HOSTILE, [(0, 8)])
    assert "<script" not in out and "<img" not in out
    assert "&#60;script&#62;" in out
    for syntax in ("[link]", "](", "**", "$x$", ":red["):
        assert syntax not in out
    assert out.count("<mark") == 1 and "\n" not in out
    assert html.unescape(out.replace("<br>", "\n")).count("[link](http://x)") == 1  # the reader sees it all


def test_user_text_and_answers_are_escaped_too():
    sentence = AnswerSentence("A <b>claim</b> with [a link](http://x).", [1])
    out = ui.answer_html(Answer("q", [sentence], [], abstained=False))
    assert "<b>" not in out and "](" not in out and "<sup>[1]</sup>" in out
    assert "<" not in ui.plain("<i>hi</i>").removeprefix("<div>").removesuffix("</div>")
    assert ui.md("[x](http://y) **b**") == r"\[x\]\(http\://y\) \*\*b\*\*"


def test_a_hostile_source_renders_as_text_in_the_app():
    at = AppTest.from_string(
        "import streamlit as st\nfrom app.pages import ui\n"
        f"st.markdown(ui.highlight({HOSTILE!r}, [(0, 8)]), unsafe_allow_html=True)\n"
    ).run()
    assert not at.exception
    value = at.markdown[0].value
    assert "<script" not in value and "<mark" in value


def test_a_sentence_its_source_does_not_support_is_struck_through_and_flagged():
    s = [AnswerSentence("Supported.", [1]), AnswerSentence("Invented.", [1], supported=False, note="no match")]
    out = ui.answer_html(Answer("q", s, [], abstained=False))
    assert "line-through" in out and "not supported by its source" in out and "no match" in out


def test_students_see_no_engine_room_and_the_teacher_sees_it(app, monkeypatch):
    assert not app.exception
    assert not [s for s in app.slider if s.key == "top_k"] and not [r for r in app.radio if r.key == "mode"]
    assert "Reload the index" not in [b.label for b in app.button]
    monkeypatch.setenv("FOOTNOTE_TEACHER", "1")
    app.run()
    assert app.slider(key="top_k") and app.radio(key="mode") and app.button(key="reload_index")


def test_an_answers_footnote_marks_open_their_footnotes(app):
    ask(app, QUESTION)
    body = next(m for m in markdown(app) if MARK_1 in m)
    assert 'class="fn-ref" href="#fn-0-1" data-fn="fn-0-1"' in body  # footnote 1's expander has key fn-0-1
    assert [e for e in app.expander if e.label.startswith("**\\[1\\]**")]


def test_a_suggested_question_is_asked_with_one_click(app):
    ask(app, "What was collective security?")
    buttons = [b for b in app.button if b.key and b.key.startswith("suggest-0-")]
    assert buttons, [b.label for b in app.button]
    label = buttons[0].label
    buttons[0].click().run()
    assert not app.exception
    chat = app.session_state["chat"]
    assert len(chat) == 2 and chat[1].question == label and not chat[1].abstained
