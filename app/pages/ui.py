"""What the Streamlit pages share: the engine (loaded once per process), the sidebar, and safe rendering.

Source and user text are data, never markup. Highlighting a quote needs HTML (`<mark>`), so every piece
of source or user text goes through `esc()` (HTML-escaped, and Markdown's punctuation turned into
character references) before it is placed in HTML built here; only such strings are passed to
`st.markdown(..., unsafe_allow_html=True)`. Labels that Streamlit renders as Markdown (expanders,
headings) go through `md()`, and text shown as is (code blocks, select boxes) through `shown()`. All
three first drop control characters and bidi overrides (ingest/safe_text.py), which would otherwise display
the text after them reversed. This module renders; it does not retrieve or compose.
"""

from __future__ import annotations

import os

import streamlit as st

from app.engine.answer import Answer, Citation, with_kind
from ingest import notebooks
from ingest.errors import FootnoteError, LLMServerError
from ingest.safe_text import printable
from ingest.settings import DEFAULT_NOTEBOOK, Settings

SOURCES_PAGE = "views/sources.py"
EXAMPLES = [
    "Why did Litvinov's dismissal matter?",
    "Why did both Hitler and Stalin agree to the non-aggression agreement of 1939?",
    "What did Chicherin believe about Soviet foreign policy?",
    "How did historians like Tucker and Roberts disagree about Stalin's motives?",
]

# HTML's five, plus every character Markdown (and Streamlit's extensions: `:red[..]`, `$math$`,
# `:emoji:`) could read as syntax. Numeric references display as the character and mean nothing.
_ESCAPES = {c: f"&#{ord(c)};" for c in "&<>\"'\\`*_[](){}#|~$:!"}
_ESCAPES["\n"] = "<br>"  # one line, so the whole string stays a single raw-HTML block
_ESCAPE_TABLE = str.maketrans(_ESCAPES)
_MD_PUNCT = "\\`*_{}[]()#+-.!|<>~$:&\"'"

MARK = '<mark style="background:#fde68a;color:#1f2937;padding:0 .05em;border-radius:.15em">'
PASSAGE_DIV = '<div style="border-left:3px solid #cbd5e1;padding:.15em 0 .15em .8em;line-height:1.6">'
TARGET_DIV = '<div style="border-left:3px solid #f59e0b;padding:.15em 0 .15em .8em;line-height:1.6">'


def esc(text: str) -> str:
    """Text made safe to place inside HTML that st.markdown renders: no tags, no Markdown, no links."""
    return printable(text).translate(_ESCAPE_TABLE)


def md(text: str) -> str:
    """Text made safe for a Streamlit label or heading rendered as Markdown: punctuation backslash-escaped."""
    return "".join("\\" + c if c in _MD_PUNCT else c for c in " ".join(printable(text).split()))


def shown(text: str) -> str:
    """Text for a widget that shows it as it is (st.code, a select box's options)."""
    return printable(text)


def message(text: str) -> str:
    """A message written for users (errors, warnings) for st.error and friends: `commands` stay code,
    everything else (paths, URLs, quoted input) is escaped so it shows exactly."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: treat it all as text
        return md(text)
    return "".join(f"`{printable(p)}`" if i % 2 else md(p) for i, p in enumerate(parts))


def highlight(passage: str, spans: list[tuple[int, int]] = (), target: bool = False) -> str:
    """A passage as HTML with the characters in each (start, end) span marked. Offsets are relative to
    the passage; overlapping or out-of-range spans are clipped."""
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(passage))
        if start >= end:
            continue
        out += [esc(passage[at:start]), MARK, esc(passage[start:end]), "</mark>"]
        at = end
    out.append(esc(passage[at:]))
    return (TARGET_DIV if target else PASSAGE_DIV) + "".join(out) + "</div>"


def plural(n: int, noun: str, bold: bool = False) -> str:
    count = f"**{n}**" if bold else str(n)
    return f"{count} {noun}" + ("" if n == 1 else "s")


def plain(text: str) -> str:
    """User or source text as HTML that shows exactly those characters."""
    return "<div>" + esc(text) + "</div>"


PAGE_DIV = '<div style="font-size:.8rem;color:#64748b;margin-bottom:.2em">'


def citation_html(c: Citation) -> str:
    """The cited passage with the quoted words highlighted, under the page it is on (a PDF's)."""
    page = f"{PAGE_DIV}p. {c.page}</div>" if c.page else ""
    return page + highlight(c.passage, [(c.start - c.passage_start, c.end - c.passage_start)])


def fn_key(group: str, n: int) -> str:
    """The widget key of footnote n's expander in a list of footnotes (`footnotes(..., key=group)`)."""
    return f"{group}-{n}"


def fn_ref(group: str, n: int) -> str:
    """A footnote mark "[n]" that opens and scrolls to footnote n of the list `group` when clicked
    (footnote_links() below makes it so; without it the mark is still "[n]")."""
    return f'<sup><a class="fn-ref" href="#{fn_key(group, n)}" data-fn="{fn_key(group, n)}">[{n}]</a></sup>'


# Clicking a footnote mark opens its footnote. The footnotes are Streamlit expanders, whose open state
# lives in the page's scripts, and st.markdown runs no script; a component (an iframe of the same origin,
# no height) adds one click listener to the page: a click on "[n]" clicks footnote n's summary when it is
# closed and scrolls it into view. Streamlit marks a keyed element's box with the class "st-key-<key>".
# Streamlit removes and redraws components when a page runs again, and a listener whose iframe is gone
# stops running, so each component replaces the one before it. (Tried: a listener made with the page's
# own Function, to outlive its iframe; Chrome did not call it.)
# Written here because no Streamlit element links text to an expander.
_FOOTNOTE_LINKS = """<script>
(function () {
  const doc = window.parent.document;
  if (doc.footnoteLinks) doc.removeEventListener("click", doc.footnoteLinks, true);
  doc.footnoteLinks = function (event) {
    const link = event.target.closest && event.target.closest("a.fn-ref");
    if (!link) return;
    event.preventDefault();
    const box = doc.querySelector(".st-key-" + CSS.escape(link.dataset.fn));
    if (!box) return;
    const details = box.querySelector("details");
    if (details && !details.open) details.querySelector("summary").click();
    box.scrollIntoView({behavior: "smooth", block: "center"});
  };
  doc.addEventListener("click", doc.footnoteLinks, true);
})();
</script>"""


def footnote_links() -> None:
    """Make every footnote mark on the page open its footnote (once per page run; costs no height)."""
    import streamlit.components.v1 as components

    components.html(_FOOTNOTE_LINKS, height=0)


def answer_html(answer: Answer, group: str | None = None) -> str:
    """The answer's sentences with footnote numbers (links to the footnotes of `group`, when given);
    sentences their citations do not support are struck through with the reason beside them."""
    parts = []
    for s in answer.sentences:
        marks = "".join(fn_ref(group, n) if group else f"<sup>[{n}]</sup>" for n in s.citations)
        if s.supported:
            parts.append(esc(s.text) + marks)
        else:
            why = s.note.strip().removeprefix("(").removesuffix(")")
            note = f" ({esc(why)})" if why else ""
            parts.append(f'<span style="text-decoration:line-through;opacity:.6">{esc(s.text)}</span>{marks}'
                         f'<small style="color:#b91c1c"> not supported by its source{note}</small>')
    return '<div style="font-size:1.05rem;line-height:1.7">' + " ".join(parts) + "</div>"


def table_html(rows: list[tuple[str, str]]) -> str:
    """Label/value rows (document metadata) as a small two-column table."""
    cells = "".join(f'<tr><th style="text-align:left;padding:.15em 1.2em .15em 0;font-weight:600;'
                    f'vertical-align:top;white-space:nowrap">{esc(k)}</th><td style="padding:.15em 0">{esc(v)}</td></tr>'
                    for k, v in rows)
    return f'<table style="border:none;margin-bottom:.5em">{cells}</table>'


def change_html(before: str, after: str) -> str:
    """One line a cleaning rule changed: before, struck out, then after."""
    return ('<div style="font-family:monospace;font-size:.85rem;line-height:1.5;margin:.2em 0 .6em 0">'
            f'<div style="background:#fee2e2;color:#7f1d1d;padding:.1em .4em">− {esc(before)}</div>'
            f'<div style="background:#dcfce7;color:#14532d;padding:.1em .4em">+ {esc(after)}</div></div>')


def rule_descriptions() -> dict[str, str]:
    """Each cleaning rule's name and what it removes (its docstring)."""
    from ingest.clean import RULES
    from ingest.formats import FURNITURE_RULE

    return {r.name: r.description for r in RULES} | {FURNITURE_RULE[0]: FURNITURE_RULE[1]}


def passage_position(doc, passage_id: str) -> str:
    """" · passage 3 of 14", or nothing for a passage its document no longer lists."""
    if doc is None or passage_id not in doc.passage_ids:
        return ""
    return f" · passage {doc.passage_ids.index(passage_id) + 1} of {len(doc.passage_ids)}"


def footnote_body(c: Citation, doc) -> None:
    """What an open footnote shows on every page: the passage with the quote highlighted, where it is,
    what the source is worth, and a link to that spot in Sources."""
    st.markdown(citation_html(c), unsafe_allow_html=True)
    length = f" of {len(doc.text):,}" if doc else ""
    # the kind once: "Soviet Foreign Policy under Stalin (mind map)", not "... (mind map) — mind map"
    st.caption(f"{md(with_kind(c.label, c.kind))} · {md(c.passage_id)} · characters {c.start:,}–{c.end:,}{length}")
    if doc and doc.reliability:
        st.caption(f"About this source: {md(doc.reliability)}")
    sources_link(c.doc_id, c.passage_id, c.start, c.end, label="Read it in the document")


def footnotes(citations: list[Citation], docs: dict, key: str) -> None:
    """Every footnote of an answer or a check as an expander: number, source, where it sits, and (open)
    the passage with the quote highlighted. `key` keeps two lists on one page apart."""
    for c in citations:
        doc = docs.get(c.doc_id)
        with st.expander(f"**\\[{c.n}\\]** {md(c.label)}{passage_position(doc, c.passage_id)}", key=fn_key(key, c.n)):
            footnote_body(c, doc)
    footnote_links()


def nearest_material(nearest: list, what: str, key: str) -> None:
    """After a decline: the nearest passages, each marked as not `what` ("an answer", "a plan")."""
    if not nearest:
        return
    st.caption(f"The nearest material in the sources is below. It is **not {what}**; it is shown so you can see "
               "what the sources do say.")
    for j, n in enumerate(nearest):
        with st.expander(f"Nearest, not {what}: {md(n.title)} · {md(n.passage_id)}", key=f"{key}-{j}"):
            st.markdown(highlight(n.passage), unsafe_allow_html=True)
            sources_link(n.doc_id, n.passage_id)


def sources_link(doc_id: str, passage_id: str, start: int | None = None, end: int | None = None,
                 label: str = "Open in Sources") -> None:
    """A link to this passage on the Sources page (the quote, if given, highlighted there)."""
    params = {"doc": doc_id, "passage": passage_id}
    if start is not None and end is not None:
        params |= {"start": str(start), "end": str(end)}
    st.page_link(SOURCES_PAGE, label=label, icon=":material/menu_book:", query_params=params)


# --- the engine ------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def _load(key: str, _settings: Settings, llm_url: str | None, llm_model: str | None):
    # Keyed on the settings' repr, so pointing FOOTNOTE_INDEX_DIR elsewhere opens that index.
    # A failure raises and is not cached: after `footnote ingest`, a reload finds the new index.
    from app.engine import Engine, shared

    if llm_url is None:
        try:
            return shared(_settings)  # started at launch by streamlit_app.py
        except FootnoteError:  # the preload failed (no index then); an upload or ingest may have made one since
            return Engine.load(_settings)
    return Engine.load(_settings, llm_url=llm_url, llm_model=llm_model)


def settings() -> Settings:
    """The settings of the notebook picked in the sidebar (FOOTNOTE_NOTEBOOK, or the default, at first)."""
    base = Settings.from_env()
    name = st.session_state.get("notebook")
    if not name or name == base.notebook:
        return base
    try:
        return base.with_notebook(name)
    except FootnoteError:
        return base


def engine():
    """The extractive engine for the notebook picked in the sidebar, on its live index generation (an
    ingest or upload since the last question is picked up here, without a restart). Raises FootnoteError
    (no index, wrong model)."""
    current = settings()
    eng = _load(repr(current), current, None, None)
    eng.follow_index()
    return eng


def engine_or_stop():
    """The engine, or an error box with the fix and the end of this page run. Pages call it after
    drawing their header, so the page shows while the model loads; it also fills the sidebar's index
    status."""
    try:
        with st.spinner("Opening the index and loading the embedding model (once, a few seconds)…"):
            eng = engine()
    except FootnoteError as e:
        st.error(message(str(e)), icon=":material/error:")
        index_status()
        st.stop()
    index_status()
    return eng


def answering_engine():
    """The engine that answers: the extractive one, or one that asks the LLM server set in the sidebar.
    Returns (engine, problem): problem is a message when the LLM server could not be used, and then the
    extractive engine answers."""
    base = engine()
    url, model = llm_choice()
    if not url:
        return base, None
    failed = st.session_state.setdefault("llm_failed", {})
    if (url, model) in failed:
        return base, failed[(url, model)]
    current = settings()
    try:
        with st.spinner(f"Connecting to the LLM server at {md(url)}…"):
            return _load(repr(current), current, url, model or None), None
    except FootnoteError as e:
        problem = str(e)
    except Exception as e:  # a client library's own error: still the server's problem, not a crash
        problem = str(LLMServerError(f"Could not use the LLM server at {url}: {e}"))
    failed[(url, model)] = problem
    return base, problem


def llm_choice() -> tuple[str | None, str | None]:
    if st.session_state.get("mode") != "llm":
        return None, None
    url = (st.session_state.get("llm_url") or "").strip()
    return (url or None), (st.session_state.get("llm_model") or "").strip() or None


# --- who is looking: a student, or the teacher ------------------------------------------------------

TEACHER_ENV = "FOOTNOTE_TEACHER"  # "1": every visitor gets the teacher view (`footnote app --teacher`)
PASSPHRASE_ENV = "FOOTNOTE_TEACHER_PASSPHRASE"  # a passphrase that opens the teacher view in one browser


def teacher() -> bool:
    """Whether this visitor sees the teacher view: uploads, editing and removal, new notebooks, Check an
    answer, Evaluation and the engine's settings. Students see Ask, Essay plan, Timeline, Revise and the
    sources, read-only. The app was started with `footnote app --teacher` (on the teacher's own machine),
    or this browser session gave the passphrase in FOOTNOTE_TEACHER_PASSPHRASE."""
    return os.environ.get(TEACHER_ENV) == "1" or bool(st.session_state.get("teacher"))


def _sign_in() -> None:
    import hmac

    want = os.environ.get(PASSPHRASE_ENV, "")
    given = st.session_state.get("teacher_passphrase", "")
    ok = bool(want) and hmac.compare_digest(given.encode("utf-8"), want.encode("utf-8"))
    st.session_state["teacher"] = ok
    st.session_state["teacher_problem"] = "" if ok else "That is not the passphrase."
    st.session_state["teacher_passphrase"] = ""


def _sign_out() -> None:
    st.session_state["teacher"] = False


def teacher_sign_in() -> None:
    """The foot of the sidebar: which view this is, and the way into (or out of) the teacher view."""
    if os.environ.get(TEACHER_ENV) == "1":
        st.caption("Teacher view: this app was started with `footnote app --teacher`.")
        return
    if st.session_state.get("teacher"):
        st.caption("Teacher view")
        st.button("Back to the student view", key="teacher_out", icon=":material/logout:", on_click=_sign_out)
        return
    with st.expander("Teacher", icon=":material/school:"):
        if not os.environ.get(PASSPHRASE_ENV):
            st.caption("The teacher view adds uploads, editing, answer checking and the evaluation. Open it with "
                       "`footnote app --teacher` on the teacher's machine, or set FOOTNOTE_TEACHER_PASSPHRASE "
                       "where the app runs and give it here.")
            return
        st.text_input("Passphrase", type="password", key="teacher_passphrase")
        st.button("Open the teacher view", key="teacher_in", on_click=_sign_in)
        if st.session_state.get("teacher_problem"):
            st.error(st.session_state["teacher_problem"], icon=":material/lock:")


# --- the sidebar -----------------------------------------------------------------------------------


def sidebar() -> None:
    """The controls every page shares. Nothing here waits for the engine, so pages draw at once. Students
    pick a notebook; the teacher also makes notebooks and sets how answers are made."""
    with st.sidebar:
        notebook_picker()
        if teacher():
            engine_settings()


def engine_settings() -> None:
    """The engine room, for the teacher: extractive or generated answers, how many passages to read."""
    st.markdown("#### Answers")
    st.radio("Answer mode", ["extractive", "llm"], key="mode", label_visibility="collapsed",
             format_func={"extractive": "Extractive: the sources' own sentences",
                          "llm": "Generated by an LLM server, checked against the sources"}.get,
             help="Extractive answers quote the sources, so every citation is true by construction. "
                  "Generated answers are checked sentence by sentence; unsupported ones are flagged.")
    if st.session_state.get("mode") == "llm":
        llm_settings()

    st.markdown("#### Retrieval")
    st.session_state.setdefault("top_k", min(10, max(3, Settings.from_env().top_k)))
    st.slider("Passages to retrieve", 3, 10, key="top_k",
              help="How many passages Footnote reads before answering. More finds more, but may dilute.")


NOTEBOOK_LABELS = {DEFAULT_NOTEBOOK: "Default (the shipped readings)"}


def _switch_notebook() -> None:
    st.session_state["chat"] = []  # a conversation belongs to the sources it was answered from
    st.session_state.pop("upload_result", None)  # what was added where, said on the Sources page


def _create_notebook() -> None:
    name = (st.session_state.get("new_notebook") or "").strip()
    try:
        notebooks.create(Settings.from_env(), name)
    except FootnoteError as e:
        st.session_state["notebook_problem"] = str(e)
        return
    st.session_state["notebook_problem"] = ""
    st.session_state["notebook"] = name
    st.session_state["new_notebook"] = ""
    _switch_notebook()


def notebook_picker() -> None:
    """Which notebook (set of sources) every page reads, and a way to start a new one."""
    base = Settings.from_env()
    st.markdown("#### Notebook")
    try:
        names = notebooks.names(base)
    except FootnoteError as e:
        st.error(message(str(e)), icon=":material/error:")
        return
    if st.session_state.get("notebook") not in names:
        st.session_state["notebook"] = base.notebook if base.notebook in names else DEFAULT_NOTEBOOK
    st.selectbox("Notebook", names, key="notebook", label_visibility="collapsed", on_change=_switch_notebook,
                 format_func=lambda n: NOTEBOOK_LABELS.get(n, shown(n)),
                 help="One set of sources per class or topic. Every page answers from the notebook chosen here.")
    if not teacher():
        return
    with st.expander("New notebook", icon=":material/add:"):
        st.text_input("Name", key="new_notebook", placeholder="e.g. history-10b",
                      help="Lower-case letters, digits and hyphens. Add its documents on the Sources page.")
        st.button("Create", key="create_notebook", on_click=_create_notebook)
        if st.session_state.get("notebook_problem"):
            st.error(message(st.session_state["notebook_problem"]), icon=":material/error:")


def llm_settings() -> None:
    st.session_state.setdefault("llm_url", os.environ.get("FOOTNOTE_LLM_URL", ""))
    st.session_state.setdefault("llm_model", os.environ.get("FOOTNOTE_LLM_MODEL", ""))
    st.text_input("Server URL", key="llm_url", placeholder="http://127.0.0.1:11434 (Ollama) or …/v1")
    st.text_input("Model", key="llm_model", placeholder="e.g. llama3.1:8b")
    url, model = llm_choice()
    if not url:
        st.info("Give the server's URL; until then answers are extractive.")
        return
    try:
        _, problem = answering_engine()
    except FootnoteError:
        return  # no index: the page says so
    if problem:
        st.error(message(problem), icon=":material/cloud_off:")
        if st.button("Try again", key="llm_retry"):
            st.session_state["llm_failed"] = {}
            st.rerun()
    else:
        st.caption(f"Answers are generated by {md(model or 'the server default model')} and checked against the "
                   "sources. If the server does not answer, Footnote answers extractively and says so.")


def index_status() -> None:
    """What the index holds, at the foot of the sidebar (waits for the engine); for the teacher also where
    it lives, its model and a reload. Then the way into the teacher view."""
    with st.sidebar:
        st.markdown("#### In this notebook" if not teacher() else "#### Index")
        try:
            eng = engine()
        except FootnoteError as e:
            st.error(message(str(e)), icon=":material/error:")
            teacher_sign_in()
            return
        lib, info = eng.library, eng.library.index.info
        st.markdown(f"{plural(len(lib.docs), 'document', bold=True)} · {plural(len(lib.passages), 'passage', bold=True)}")
        if teacher():
            st.caption(f"Embedding model: {md(info.get('embed_model', '?'))} ({info.get('embed_dim', '?')} dimensions)")
            st.caption(f"Stored in {md(eng.settings.where)}")
            st.button("Reload the index", key="reload_index", icon=":material/refresh:", on_click=_load.clear,
                      help="After `footnote ingest` has added or changed documents, load the new index.")
        teacher_sign_in()
