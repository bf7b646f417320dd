"""Essay plan: a question in, a cited plan out (thesis options, sections of quoted evidence, a
counter-argument, the key dates inside the question's span, a conclusion), and who argues what. Footnotes open the passage with the quote
highlighted, as on Ask; the plan downloads as Markdown or Word. The planning is app/jobs/plan.py."""

import logging

import streamlit as st

from app.engine.answer import Citation
from app.jobs.export import markdown_docx
from app.jobs.plan import NOT_COVERED, DebateGroup, Plan, Section, debate_citations, make_plan
from app.jobs.plan_markdown import ROLE_NAMES, chronology_title, plan_markdown
from app.pages import ui
from ingest.errors import FootnoteError

EXAMPLE = "How successful was Stalin's foreign policy 1928-41?"
QUOTE_LABEL = 110  # characters of a quote shown on its closed footnote; the passage shows it all
DATES_HEIGHT = 260  # pixels of the key dates' sources box: about six closed footnotes, then it scrolls

st.title("Essay plan")
st.markdown("Give an essay question and Footnote plans the essay **from its sources**: thesis options, body "
            "sections each with a point and quoted evidence, who argues what, a counter-argument and a "
            "conclusion. Open a footnote to read the passage with the quote highlighted. A section the "
            "sources cannot support says so instead of inventing.")

with st.form("plan_form", border=False):
    question = st.text_input("Essay question", key="plan_question", placeholder=EXAMPLE)
    asked = st.form_submit_button("Plan the essay", icon=":material/edit_note:", type="primary")

engine = ui.engine_or_stop()


def footnote(c: Citation, key: str) -> None:
    """The quote as an expander that opens its passage with the quote highlighted, as Ask's footnotes do."""
    doc = engine.library.docs.get(c.doc_id)
    quote = c.quote if len(c.quote) <= QUOTE_LABEL else c.quote[:QUOTE_LABEL].rsplit(" ", 1)[0] + " …"
    with st.expander(f"**\\[{c.n}\\]** “{ui.md(quote)}” — {ui.md(c.label)}{ui.passage_position(doc, c.passage_id)}",
                     key=f"{key}-{c.n}"):
        ui.footnote_body(c, doc)


def show_section(s: Section, cits: list[Citation], key: str) -> None:
    if not s.covered:
        st.info(NOT_COVERED, icon=":material/block:")
        return
    label = "Point (generated, checked against its quotes)" if s.generated else "Point"
    st.markdown(f"<b>{label}:</b> {ui.esc(s.point)}", unsafe_allow_html=True)
    st.caption(f"Who argues it: {ui.md(', '.join(s.who))}")
    for n in s.quotes:
        footnote(cits[n - 1], key)


def show_readings(readings: list[DebateGroup], cits: list[Citation]) -> None:
    """Each reading: its own sentences, then each writer with what they argue; a sentence already shown
    in the reading is referred to by its number."""
    for i, r in enumerate(readings):
        st.markdown(f"#### {ui.md(r.label)}")
        shown = set(r.claims)
        for n in r.claims:
            footnote(cits[n - 1], f"debate-{i}")
        for j, (name, role, quotes) in enumerate(r.writers):
            again = "".join(f"<sup>[{n}]</sup>" for n in quotes if n in shown)
            st.markdown(f"<b>{ui.esc(name)}</b> ({ui.esc(ROLE_NAMES.get(role, role))}){again}",
                        unsafe_allow_html=True)
            for n in quotes:
                if n not in shown:
                    footnote(cits[n - 1], f"debate-{i}-{j}")
            shown |= set(quotes)


def show_decline(plan: Plan) -> None:
    answer = plan.declined
    why = "".join(f" {ui.message(w)}" for w in answer.warnings)
    st.info(f"The sources cannot support an essay plan for this question.{why} Try another question, or check "
            "the Sources page for what the documents cover.", icon=":material/block:")
    ui.nearest_material(answer.nearest, "a plan", key="plan-near")


def show_plan(plan: Plan) -> None:
    b, cits = plan.brief, plan.citations
    st.subheader("The question")
    st.markdown(f"- **Command words:** {ui.md(', '.join(b.command_words))}\n"
                f"- **Key terms:** {ui.md(', '.join(b.key_terms)) or '—'}\n"
                f"- **Time span:** {ui.md(b.span) if b.span else 'not set by the question'}\n"
                f"- **A good answer weighs:** {ui.md(b.weigh)}.")
    # Where each quote's footnote first opens (a section's, in plan order), so that its "[n]" can open it.
    where: dict[int, str] = {}
    for i, s in enumerate(plan.sections, 1):
        for n in s.quotes if s.covered else ():
            where.setdefault(n, f"plan-s{i}")
    for n in plan.counter.quotes if plan.counter is not None and plan.counter.covered else ():
        where.setdefault(n, "plan-counter")

    def refs(quotes) -> str:
        return "".join(ui.fn_ref(where[n], n) if n in where else f"<sup>[{n}]</sup>" for n in quotes)

    st.subheader("Thesis options")
    for i, t in enumerate(plan.theses, 1):
        marks = refs(t.quotes)
        st.markdown(f"{i}. <b>{ui.esc(t.text)}</b>{marks} <i>Held by: {ui.esc(', '.join(t.holders))}.</i>",
                    unsafe_allow_html=True)
    for i, s in enumerate(plan.sections, 1):
        st.subheader(f"{i}. {ui.md(s.stance.capitalize())}: {ui.md(s.title)}")
        show_section(s, cits, f"plan-s{i}")
    if plan.counter is not None:
        st.subheader(ui.md(plan.counter.title))
        show_section(plan.counter, cits, "plan-counter")
    if plan.chronology:
        # the key dates' footnotes that no section opened: in a scrolling box under the list, so that each
        # date's [n] opens one
        extra = list(dict.fromkeys(n for k in plan.chronology for n in k.quotes if n not in where))
        where.update({n: "plan-dates" for n in extra})
        st.subheader(ui.md(chronology_title(plan)))
        st.markdown("\n".join(f"- <b>{ui.esc(k.when)}</b> {ui.esc(k.label)}{refs(k.quotes)}" for k in plan.chronology),
                    unsafe_allow_html=True)
        if extra:
            st.caption("The key dates' sources")
            with st.container(height=DATES_HEIGHT):
                for n in extra:
                    footnote(cits[n - 1], "plan-dates")
    st.subheader("Conclusion")
    marks = refs(plan.conclusion_quotes)
    st.markdown(f"{ui.esc(plan.conclusion)}{marks}", unsafe_allow_html=True)
    ui.footnote_links()
    for w in plan.warnings:
        st.warning(ui.message(w))
    st.caption(f"{ui.plural(len(cits), 'footnote')} · {plan.mode} · {plan.timings_ms.get('total', 0):,.0f} ms")


def downloads(markdown: str, title: str) -> None:
    left, right = st.columns(2)
    left.download_button("Download .md", markdown, file_name="essay-plan.md", mime="text/markdown",
                         icon=":material/download:", key="plan_md")
    right.download_button("Download .docx", markdown_docx(markdown, title=title), file_name="essay-plan.docx",
                          mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                          icon=":material/download:", key="plan_docx")


if asked and question.strip():
    try:
        answerer, problem = ui.answering_engine()
        if problem:
            st.warning(f"{ui.message(problem)} The points are the sources' own sentences.", icon=":material/cloud_off:")
        bar = st.progress(0.0, text="Planning…")
        plan = make_plan(answerer, question, progress=lambda text, share: bar.progress(share, text=text))
        bar.empty()
        st.session_state["plan"] = plan
    except FootnoteError as e:
        st.session_state.pop("plan", None)  # the plan below would be another question's
        st.error(ui.message(str(e)), icon=":material/error:")
    except Exception as e:  # a bug: a message the student can pass on, the traceback in the server's log
        st.session_state.pop("plan", None)
        logging.getLogger("footnote").exception("could not plan %r", question)
        st.error(ui.message(f"Footnote could not plan this essay (an internal error: {type(e).__name__}). "
                            "Please report it with the question."), icon=":material/error:")
elif asked:
    st.error("Type an essay question first.", icon=":material/error:")

plan: Plan | None = st.session_state.get("plan")
tab_plan, tab_debate = st.tabs(["Plan", "Who argues what"])
with tab_plan:
    if plan is None:
        st.caption(f"For example: *{ui.md(EXAMPLE)}*")
    elif plan.abstained:
        show_decline(plan)
    else:
        show_plan(plan)
        markdown = plan_markdown(plan)
        downloads(markdown, f"Essay plan: {plan.question}")
with tab_debate:
    st.caption("The historians and writers the sources name, grouped into the readings the sources describe; "
               "every claim is a sentence of the sources.")
    readings, cits = debate_citations(engine)
    show_readings(readings, cits)
