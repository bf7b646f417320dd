"""Check an answer: a teacher pastes (or uploads) a student's answer to a question and sees, sentence by
sentence, what the sources support, what they do not mention and what disagrees with them, with the key
points covered and missed. The page only calls app/jobs/check.py and renders what it returns."""

import logging

import streamlit as st

from app.jobs import check
from app.pages import ui
from ingest.errors import FootnoteError

st.title("Check an answer")
st.markdown("Paste a student's answer to a question, or upload it as a .txt or .docx file. Footnote goes through "
            "it sentence by sentence: which claims the sources **support** (open the footnote for the passage), "
            "which they **do not mention**, and which **disagree** with them (another date, number or name, an "
            "opposite action, the roles reversed), then which key points the answer covers.")

EXAMPLE_QUESTION = ui.EXAMPLES[1]
EXAMPLE_ANSWER = (
    "Stalin agreed to the pact because Britain and France had shown at Munich that they would not stand up to "
    "Hitler. A pact with Germany would buy the Soviet Union time to rearm and avoid a war on two fronts, since the "
    "Russians were also fighting the Japanese. The pact was signed in August 1938 by Molotov and Ribbentrop. "
    "Stalin also visited London in 1937 to sign an alliance with Britain."
)
# Three verdicts a teacher tells apart at a glance, in greyscale and with colour-blindness too: each has
# its own hue (green, amber, red), its own lightness, an icon and its words, and a border of its own style.
COLOURS = {  # background, border colour, border style, text colour, icon, label
    "supported": ("#dcfce7", "#15803d", "solid", "#14532d", "✓", "Supported"),
    "not_in_sources": ("#fef9c3", "#a16207", "dashed", "#713f12", "?", "Not in the sources"),
    "conflicts": ("#fee2e2", "#b91c1c", "double", "#7f1d1d", "✗", "Conflicts with the sources"),
}


def fill_example() -> None:
    st.session_state.update(check_question=EXAMPLE_QUESTION, check_answer=EXAMPLE_ANSWER, check_points="")


def sentence_html(i: int, s: check.SentenceCheck) -> str:
    """One sentence, coloured by its verdict (an icon and words too), with its footnote numbers; a conflict
    shows the student's sentence and the sources' version side by side (stacked on a phone)."""
    bg, border, style, ink, icon, label = COLOURS[s.verdict]
    marks = "".join(ui.fn_ref("check-fn", c.n) for c in s.citations)
    head = (f'<div class="fn-verdict" data-verdict="{s.verdict}" style="color:{ink};font-weight:700">'
            f'<span aria-hidden="true">{icon}</span> {i}. {label}</div>')
    if s.correction:
        body = ('<div style="display:flex;flex-wrap:wrap;gap:.4em 1.2em">'
                f'<div style="flex:1 1 16em"><small style="color:{ink}"><b>The answer says</b></small>'
                f"<div>{ui.esc(s.text)}</div></div>"
                f'<div style="flex:1 1 16em"><small style="color:{ink}"><b>The sources say</b></small>'
                f"<div>{ui.esc(s.correction)}{marks}</div></div></div>")
    else:
        body = f"<div>{ui.esc(s.text)}{marks}</div>"
    return (f'<div style="background:{bg};border-left:6px {style} {border};padding:.35em .7em;margin:.3em 0;'
            f'border-radius:.25em;line-height:1.6">{head}{body}</div>')


def show_citations(result: check.AnswerCheck, engine) -> None:
    ui.footnotes(result.citations, engine.library.docs, key="check-fn")


def show(result: check.AnswerCheck, engine) -> None:
    counts = result.counts()
    cols = st.columns(4)
    cols[0].metric("Supported", counts["supported"])
    cols[1].metric("Not in the sources", counts["not_in_sources"])
    cols[2].metric("Conflicts", counts["conflicts"])
    cols[3].metric("Key points covered", f"{result.coverage:.0%}" if result.key_points else "–")

    st.subheader("Sentence by sentence")
    st.markdown("".join(sentence_html(i, s) for i, s in enumerate(result.sentences, 1)), unsafe_allow_html=True)

    st.subheader(ui.md(result.points_heading()) if result.key_points else "Key points")
    if result.no_points_note:
        st.info(ui.md(result.no_points_note), icon=":material/edit_note:")
    elif not result.key_points:
        st.info("The sources give no key points for this question.", icon=":material/edit_note:")
    for k in result.key_points:
        marks = "".join(ui.fn_ref("check-fn", c.n) for c in k.citations)
        by = f' <small style="color:#6b7280">(sentence {", ".join(map(str, k.by))})</small>' if k.by else ""
        icon, colour = ("✓", "#047857") if k.covered else ("✗", "#b91c1c")
        st.markdown(f'<div style="line-height:1.6"><b style="color:{colour}">{icon}</b> {ui.esc(k.point)}{marks}'
                    f"{by}</div>", unsafe_allow_html=True)

    st.subheader("Summary for feedback")
    st.code(ui.shown(result.summary), language=None, wrap_lines=True)

    st.subheader("Footnotes")
    show_citations(result, engine)

    markdown = result.markdown()
    left, right = st.columns(2)
    left.download_button("Download .md", markdown, file_name="answer-check.md", mime="text/markdown",
                         icon=":material/download:", key="check_md")
    try:
        from app.jobs.export import markdown_docx

        docx = markdown_docx(markdown, title=f"Answer check: {result.question}")
        right.download_button("Download .docx", docx, file_name="answer-check.docx", icon=":material/description:",
                              mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                              key="check_docx")
    except Exception:  # the Markdown download still works; the reason goes to the server's log
        logging.getLogger("footnote").exception("could not write the .docx export")
        right.caption("The Word export could not be made; download the Markdown instead.")


st.button("Fill in an example", key="check_example", on_click=fill_example, icon=":material/lightbulb:")
question = st.text_input("Question", key="check_question", placeholder=EXAMPLE_QUESTION)
pasted = st.text_area("The student's answer", key="check_answer", height=180,
                      placeholder="Paste the answer here, or upload a file below.")
upload = st.file_uploader("…or upload it (.txt or .docx)", type=["txt", "docx"], key="check_file")
points = st.text_area("Key points to look for (optional, one a line)", key="check_points", height=90,
                      help="Without them, Footnote uses the evaluation set's key points when the question is one "
                           "of its questions, else what the sources give: for a why-question the reasons they "
                           "state, for 'how successful' their judgements of success and failure, for 'to what "
                           "extent' both.")
run = st.button("Check the answer", type="primary", key="check_run", icon=":material/fact_check:")

engine = ui.engine_or_stop()

if run:
    try:
        text = check.read_answer(upload.getvalue(), upload.name) if upload is not None else \
            check.check_answer_text(pasted or "")
        if points and points.strip():
            key_points, origin = check.read_key_points(points.encode("utf-8")), "teacher"
        else:
            key_points, origin = check.evaluation_key_points(question or ""), "evaluation set"
        with st.spinner("Checking each sentence against the sources…"):
            st.session_state["check_result"] = check.check(engine, question or "", text, key_points, origin)
    except FootnoteError as e:
        st.session_state.pop("check_result", None)
        st.error(ui.message(str(e)), icon=":material/error:")
    except Exception as e:  # a bug: a message the teacher can pass on, the traceback in the server's log
        st.session_state.pop("check_result", None)
        logging.getLogger("footnote").exception("could not check an answer")
        st.error(ui.message(f"Footnote could not check this answer (an internal error: {type(e).__name__}). "
                            "Please report it with the answer."), icon=":material/error:")

result = st.session_state.get("check_result")
if result is not None:
    show(result, engine)
