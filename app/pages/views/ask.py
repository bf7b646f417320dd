"""Ask: a chat whose every answer sentence carries a footnote that opens the passage it came from.

The chat history (the answers, in `st.session_state["chat"]`) is the conversation: a follow-up such as
"Why did he do that?" is resolved against its last turns before the engine answers it, and the question
it was answered as is shown above the answer."""

import logging

import streamlit as st

from app.engine.answer import Answer
from app.engine.conversation import Conversation
from app.jobs.render import answer_markdown
from app.jobs.suggest import suggestions
from app.pages import ui
from ingest.errors import FootnoteError

st.title("Footnote")
st.markdown("Answers history questions **only from its sources**, with a footnote on every sentence. "
            "Open a footnote to read the passage with the quoted words highlighted.")

history: list[Answer] = st.session_state.setdefault("chat", [])


def ask(question: str) -> None:
    st.session_state["pending"] = question


def show_citations(answer: Answer, i: int) -> None:
    ui.footnotes(answer.citations, engine.library.docs, key=f"fn-{i}")


def show_abstention(answer: Answer, i: int) -> None:
    # the warnings say why (another language, no word to look up, a name the sources never mention)
    why = "".join(f" {ui.message(w)}" for w in answer.warnings)
    st.info(f"{ui.md(answer.text)}{why} Try rephrasing, or check the Sources page for what the documents cover.",
            icon=":material/block:")
    ui.nearest_material(answer.nearest, "an answer", key=f"near-{i}")


def show_answer(answer: Answer, i: int) -> None:
    if answer.resolved_question:
        st.caption(f"Answered as: **{ui.md(answer.resolved_question)}**")
    if answer.abstained:
        show_abstention(answer, i)
        return
    st.markdown(ui.answer_html(answer, group=f"fn-{i}"), unsafe_allow_html=True)
    for w in answer.warnings:
        st.warning(ui.message(w))
    mode = "extractive answer (the sources' own sentences)" if answer.mode == "extractive" else \
        "generated answer, checked against the sources"
    ms = answer.timings_ms.get("total")
    took = f" · {ms:,.0f} ms" if ms is not None else ""
    st.caption(f"{ui.plural(len(answer.citations), 'footnote')} · {mode}{took}")
    show_citations(answer, i)
    with st.expander("Copy answer with references", icon=":material/content_copy:", key=f"copy-{i}"):
        st.code(answer_markdown(answer), language="markdown", wrap_lines=True)


typed = st.chat_input("Ask a history question about the sources")
question = typed if typed is not None else st.session_state.pop("pending", None)

if not history and question is None:  # drawn before the engine loads, so a first visit has something to read
    st.markdown("**Try one of these**, or type your own question below:")
    for j, example in enumerate(ui.EXAMPLES):
        st.button(example, key=f"example{j}", on_click=ask, args=(example,), icon=":material/help:")

engine = ui.engine_or_stop()
ui.footnote_links()  # early, so the footnote marks of the first answer already open their footnotes

for i, past in enumerate(history):
    with st.chat_message("user"):
        st.markdown(ui.plain(past.question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        show_answer(past, i)

if question is not None:
    with st.chat_message("user"):
        st.markdown(ui.plain(question), unsafe_allow_html=True)
    with st.chat_message("assistant"):
        try:
            answerer, problem = ui.answering_engine()
            if problem:
                st.warning(f"{ui.message(problem)} This answer is extractive.", icon=":material/cloud_off:")
            conversation = Conversation.of(history)
            answer = conversation.ask(answerer, question, top_k=st.session_state.get("top_k"))
        except FootnoteError as e:
            st.error(ui.message(str(e)), icon=":material/error:")
        except Exception as e:  # a bug: a message the student can pass on, the traceback in the server's log
            logging.getLogger("footnote").exception("could not answer %r", question)
            st.error(ui.message(f"Footnote could not answer this question (an internal error: {type(e).__name__}). "
                                "Please report it with the question."), icon=":material/error:")
        else:
            history.append(answer)
            show_answer(answer, len(history) - 1)

def show_suggestions(i: int) -> None:
    """Two or three next questions under the latest answer, each one the sources answer (app/jobs/suggest.py);
    made once per answer, after the answer is on the page."""
    made = st.session_state.setdefault("suggested", {})
    key = (i, history[i].question)
    if key not in made:
        try:
            made[key] = suggestions(engine, history[i])
        except Exception:  # suggestions are a help, never a reason to lose the answer; the log says why
            logging.getLogger("footnote").exception("could not suggest questions after %r", history[i].question)
            made[key] = []
    if made[key]:
        st.caption("Ask next")
        for j, q in enumerate(made[key]):
            st.button(q, key=f"suggest-{i}-{j}", on_click=ask, args=(q,), icon=":material/arrow_forward:")


if history and not history[-1].abstained and history[-1].mode == "extractive":
    show_suggestions(len(history) - 1)

if history:
    st.button("Clear the conversation", key="clear", icon=":material/delete_sweep:",
              on_click=lambda: st.session_state.update(chat=[], suggested={}))
