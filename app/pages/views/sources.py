"""Sources: each document as Footnote holds it (clean text split into passages), what it is, and what
cleaning removed from the file it came from, so a teacher can see exactly what answers are built from.
Here a teacher also adds documents to the notebook chosen in the sidebar (PDF, Word, text, web pages),
edits a document's title, kind and reliability note, and removes a document.

A footnote links here with ?doc=<id>&passage=<id>&start=<n>&end=<n>: that passage is shown first and
highlighted, with the quoted words marked. The page only calls ingest/uploads.py and renders what it
returns; the index changes through the same pipeline as `footnote ingest`.
"""

import streamlit as st

from app.pages import ui
from ingest import uploads
from ingest.errors import FootnoteError, NoIndexError
from ingest.store import live_generation

STAGES = {"reading": (0.0, 0.1), "cleaning": (0.1, 0.3), "embedding": (0.3, 1.0)}
KINDS = ["your document", "textbook", "article", "essay", "lecture notes", "primary source", "notes",
         "mind map", "timeline"]

st.title("Sources")
st.markdown("Every document Footnote answers from, **as it was cleaned and split into passages**. "
            "Footnotes point into these passages; below each document is what cleaning took out of the "
            "original file.")
settings = ui.settings()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- adding documents ------------------------------------------------------------------------------


def _empty(current) -> bool:
    """A notebook with no index yet (one small file read): the uploader opens by itself."""
    try:
        return live_generation(current) is None
    except FootnoteError:
        return False



def add_documents(files) -> None:
    bar = st.progress(0.0, text="Reading…")

    def report(stage: str, done: int, total: int) -> None:
        low, high = STAGES.get(stage, (0.0, 1.0))
        share = done / total if total else 1.0
        noun = "texts" if stage == "embedding" else "files"
        bar.progress(min(1.0, low + (high - low) * share),
                     text=f"{stage.capitalize()}: {min(done + (stage != 'embedding'), total)} of {total} {noun}")

    try:
        added = uploads.add_files([(f.name, f.getvalue()) for f in files], settings, report=report)
    except FootnoteError as e:
        bar.empty()
        st.session_state["upload_result"] = ([], [str(e)], True)
        return
    bar.progress(1.0, text="Done")
    st.session_state["upload_result"] = (added.doc_ids, added.messages, False)
    st.session_state["uploader"] = st.session_state.get("uploader", 0) + 1  # an empty uploader for the next files
    if added.doc_ids:
        st.session_state["sources_doc"] = added.doc_ids[0]


def show_upload_result(docs) -> None:
    ids, messages, failed = st.session_state.get("upload_result", ([], [], False))
    for m in messages:
        (st.error if failed else st.warning)(ui.message(m), icon=":material/warning:")
    for doc_id in ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        gone = sum(len(r.get("removed", [])) for r in doc.removed)
        fixed = sum(len(r.get("changed", [])) for r in doc.removed)
        pages = f", {ui.plural(int(doc.extra['pages']), 'page')}" if doc.extra.get("pages") else ""
        cleaning = f"cleaning removed {ui.plural(gone, 'line')}" + (f" and repaired {fixed}" if fixed else "")
        st.success(f"Added **{ui.md(doc.title)}** ({ui.md(doc_id)}{pages}): "
                   f"{ui.plural(len(doc.passage_ids), 'passage')}; {cleaning}.", icon=":material/check_circle:")
        for r in doc.removed:
            if r.get("removed"):
                with st.expander(f"Removed by {ui.md(r['rule'])}: {ui.plural(len(r['removed']), 'line')}",
                                 key=f"added-{doc_id}-{r['rule']}"):
                    st.code(ui.shown("\n".join(r["removed"])), language=None, wrap_lines=True)


def upload_box() -> None:
    notebook = ui.NOTEBOOK_LABELS.get(settings.notebook, settings.notebook)
    st.caption(f"PDF (with a text layer), Word .docx, .txt, .md or .html; several at once. They are kept in "
               f"the index folder, in notebook **{ui.md(notebook)}**, and answer questions as soon as they "
               "are added.")
    # No type filter: Streamlit would refuse another type with an exception; ingest says why in one line
    # (and what to do with a .doc).
    files = st.file_uploader("Files", accept_multiple_files=True,
                             key=f"uploader-{st.session_state.get('uploader', 0)}", label_visibility="collapsed")
    if st.button("Add to the notebook", key="add_files", icon=":material/add:", disabled=not files, type="primary"):
        add_documents(files)
        st.rerun()


if ui.teacher():  # students read the sources; the teacher adds, edits and removes them
    with st.expander("Add documents to this notebook", icon=":material/upload_file:",
                     expanded=bool(st.session_state.get("upload_result")) or _empty(settings)):
        upload_box()

# --- the documents ---------------------------------------------------------------------------------

try:
    with st.spinner("Opening the index and loading the embedding model (once, a few seconds)…"):
        engine = ui.engine()
except NoIndexError:
    ui.index_status()
    show_upload_result({})
    st.info("This notebook holds no documents yet. " + (
        "Add some above, or run `footnote ingest` on a folder of readings." if ui.teacher() else
        "Ask your teacher to add the readings."), icon=":material/info:")
    st.stop()
except FootnoteError as e:
    st.error(ui.message(str(e)), icon=":material/error:")
    ui.index_status()
    st.stop()
ui.index_status()
docs = engine.library.docs
passages = engine.library.passages
show_upload_result(docs)
if not docs:
    st.info("The index holds no documents. Add some above, or run `footnote ingest` on a folder of readings.",
            icon=":material/info:")
    st.stop()

# Arriving from a footnote: select its document once; later choices in the box win until the next link.
params = st.query_params.to_dict()
link = (params.get("doc"), params.get("passage"), params.get("start"), params.get("end"))
if link[0] in docs and (st.session_state.get("sources_link") != link or "sources_doc" not in st.session_state):
    st.session_state["sources_link"] = link
    st.session_state["sources_doc"] = link[0]


def _chose_document() -> None:
    st.query_params.from_dict({"doc": st.session_state["sources_doc"]})
    st.session_state["sources_link"] = (st.session_state["sources_doc"], None, None, None)


if link[0] and link[0] not in docs:
    st.warning(f"The index holds no document {ui.md(link[0])}; it may have been removed since that link was made.",
               icon=":material/warning:")
ids = sorted(docs, key=lambda d: docs[d].title.lower())
if st.session_state.get("sources_doc") not in docs:  # removed, or from another notebook
    st.session_state["sources_doc"] = ids[0]
doc_id = st.selectbox("Document", ids, key="sources_doc", on_change=_chose_document,
                      format_func=lambda d: ui.shown(docs[d].title))
doc = docs[doc_id]
target = params.get("passage") if params.get("doc") == doc_id and params.get("passage") in doc.passage_ids else None
start, end = _int(params.get("start")), _int(params.get("end"))


def passage_box(pid: str, is_target: bool) -> None:
    p = passages[pid]
    spans = [(start - p.start, end - p.start)] if is_target and start is not None and end is not None else []
    with st.container(border=True):
        n = doc.passage_ids.index(pid) + 1
        heading = f" · {ui.md(p.heading)}" if p.heading else ""
        # The page the quote is on when the target is a quote, else the page the passage starts on.
        page = doc.page_at(start) if spans else p.page
        on_page = f" · p. {page}" if page else ""
        st.caption(f"**{ui.md(pid)}** · passage {n} of {len(doc.passage_ids)}{on_page} · "
                   f"characters {p.start:,}–{p.end:,}{heading}")
        st.markdown(ui.highlight(p.text, spans, target=is_target), unsafe_allow_html=True)


st.subheader(ui.md(doc.title))
rows = [("Kind", doc.kind), ("Original file", doc.file), ("Passages", f"{len(doc.passage_ids)}"),
        ("Clean text", f"{len(doc.text):,} characters")]
rows += [(key.replace("_", " ").capitalize(), str(value)) for key, value in doc.extra.items()]
st.markdown(ui.table_html(rows), unsafe_allow_html=True)
if doc.reliability:
    st.info(f"**Keep in mind:** {ui.md(doc.reliability)}", icon=":material/info:")
if st.session_state.get("sources_done"):
    st.success(ui.message(st.session_state.pop("sources_done")), icon=":material/check_circle:")


def edit_form() -> None:
    with st.form(f"edit-{doc_id}"):
        title = st.text_input("Title", value=doc.title, max_chars=200, key=f"edit-title-{doc_id}")
        kinds = KINDS if doc.kind in KINDS else [doc.kind, *KINDS]
        kind = st.selectbox("Kind", kinds, index=kinds.index(doc.kind), key=f"edit-kind-{doc_id}",
                            help="Notes, mind maps and timelines are split line by line; the rest by paragraph.")
        reliability = st.text_area("Reliability note", value=doc.reliability, max_chars=2000,
                                   key=f"edit-reliability-{doc_id}",
                                   help="Shown beside every footnote into this document: who wrote it, how far "
                                        "to trust it.")
        if st.form_submit_button("Save", icon=":material/save:"):
            try:
                with st.spinner("Saving…"):
                    uploads.edit_document(doc_id, settings, title=title, kind=kind, reliability=reliability)
            except FootnoteError as e:
                st.error(ui.message(str(e)), icon=":material/error:")
                return
            st.session_state["sources_done"] = f"Saved the details of '{title.strip()}'."
            st.rerun()


def remove_box() -> None:
    st.markdown("Its passages leave the notebook's index; a file added here goes to the notebook's trash "
                "until the next ingest.")
    sure = st.checkbox("Yes, remove this document", key=f"remove-sure-{doc_id}")
    if st.button("Remove", key=f"remove-{doc_id}", icon=":material/delete:", disabled=not sure):
        try:
            with st.spinner("Removing…"):
                said = uploads.remove_document(doc_id, settings)
        except FootnoteError as e:
            st.error(ui.message(str(e)), icon=":material/error:")
            return
        st.session_state["sources_done"] = said
        st.session_state.pop("upload_result", None)
        st.query_params.clear()
        st.rerun()


if ui.teacher():
    with st.expander("Edit title, kind and reliability note", icon=":material/edit:"):
        edit_form()
    with st.expander("Remove this document", icon=":material/delete:"):
        remove_box()

if target:
    st.markdown("##### The passage your footnote cites")
    passage_box(target, True)

text_tab, removed_tab, questions_tab = st.tabs([
    f"Clean text ({len(doc.passage_ids)} passages)", "What cleaning removed",
    f"Study questions ({len(doc.questions)})",
])
with text_tab:
    for pid in doc.passage_ids:
        passage_box(pid, pid == target)

with removed_tab:
    reports = [r for r in doc.removed if r.get("removed") or r.get("changed")]
    if not reports:
        st.markdown("Cleaning removed nothing from this file.")
    else:
        total = sum(len(r.get("removed", [])) for r in reports)
        changed = sum(len(r.get("changed", [])) for r in reports)
        st.markdown(f"From **{ui.md(doc.file)}**, cleaning removed {ui.plural(total, 'line', bold=True)} and "
                    f"repaired {ui.plural(changed, 'line', bold=True)}, by these rules in order:")
        descriptions = ui.rule_descriptions()
        for j, r in enumerate(reports):
            gone, fixed = r.get("removed", []), r.get("changed", [])
            counts = ", ".join(x for x in (ui.plural(len(gone), "line") + " removed" if gone else "",
                                           f"{len(fixed)} repaired" if fixed else "") if x)
            with st.expander(f"**{ui.md(r['rule'])}** · {counts}", key=f"rule-{doc_id}-{j}"):
                if r["rule"] in descriptions:
                    st.caption(ui.md(descriptions[r["rule"]]))
                if gone:
                    st.code(ui.shown("\n".join(gone)), language=None, wrap_lines=True)
                for before, after in fixed:
                    st.markdown(ui.change_html(before, after), unsafe_allow_html=True)

with questions_tab:
    if doc.questions:
        st.caption("Study questions printed in this document. Cleaning keeps them out of the passages "
                   "Footnote answers from.")
        st.markdown(ui.plain("\n".join(doc.questions)), unsafe_allow_html=True)
    else:
        st.markdown("This document carries no study questions.")
