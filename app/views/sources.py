"""Sources: each document as Footnote holds it (clean text split into passages), what it is, and what
cleaning removed from the file it came from, so a teacher can see exactly what answers are built from.

A footnote links here with ?doc=<id>&passage=<id>&start=<n>&end=<n>: that passage is shown first and
highlighted, with the quoted words marked.
"""

import streamlit as st

from app import ui

st.title("Sources")
st.markdown("Every document Footnote answers from, **as it was cleaned and split into passages**. "
            "Footnotes point into these passages; below each document is what cleaning took out of the "
            "original file.")

engine = ui.engine_or_stop()
docs = engine.library.docs
passages = engine.library.passages
if not docs:
    st.info("The index holds no documents. Run `footnote ingest` on a folder of readings.", icon=":material/info:")
    st.stop()


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
st.session_state.setdefault("sources_doc", ids[0])
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
        st.caption(f"**{ui.md(pid)}** · passage {n} of {len(doc.passage_ids)} · "
                   f"characters {p.start:,}–{p.end:,}{heading}")
        st.markdown(ui.highlight(p.text, spans, target=is_target), unsafe_allow_html=True)


st.subheader(ui.md(doc.title))
rows = [("Kind", doc.kind), ("Original file", doc.file), ("Passages", f"{len(doc.passage_ids)}"),
        ("Clean text", f"{len(doc.text):,} characters")]
rows += [(key.replace("_", " ").capitalize(), str(value)) for key, value in doc.extra.items()]
st.markdown(ui.table_html(rows), unsafe_allow_html=True)
if doc.reliability:
    st.info(f"**Keep in mind:** {ui.md(doc.reliability)}", icon=":material/info:")

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
