"""Timeline: the dated events of the sources in time order, each with footnotes that open the passage with
the dated sentence highlighted; events the sources date differently are flagged with both dates' sources.

The page only filters and draws what app/jobs/timeline.py builds from the index (any index, uploaded documents
included): year range, documents, a search box, and a chart of events per year whose bars filter the list.
"""

import altair as alt
import pandas as pd
import streamlit as st

from app.jobs import timeline
from app.pages import ui

st.title("Timeline")
st.markdown("Every dated event in the sources, **in time order**, with a footnote to the sentence that dates "
            "it. The same event in several documents is one entry with all their footnotes; where the sources "
            "give it different dates, the entry is flagged.")

engine = ui.engine_or_stop()
entries = timeline.timeline(engine)
docs = engine.library.docs
if not entries:
    st.info("The indexed documents give no dates, so there is no timeline to draw.", icon=":material/event_busy:")
    st.stop()

first = min(e.when.first.year for e in entries)
last = max(e.when.last.year for e in entries)
left, right = st.columns([3, 2])
with left:
    years = st.slider("Years", first, last, (first, last), key="tl_years") if first < last else (first, last)
with right:
    query = st.text_input("Search", key="tl_query", placeholder="e.g. Rapallo, Molotov, pact")
chosen = st.multiselect("Documents", sorted(docs), key="tl_docs", format_func=lambda d: ui.shown(docs[d].title),
                        placeholder="All documents")

shown = timeline.select(entries, years[0], years[1], chosen or None, query)

# Okabe and Ito's palette for colour-blind readers, in an order whose neighbours also differ in lightness
# (told apart in greyscale too): orange, dark blue, bluish green, vermilion, sky blue, reddish purple, yellow.
OKABE_ITO = ["#E69F00", "#0072B2", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"]

# Events per year by document: an entry counts once for each document that dates it, in the year it starts.
def _short_title(title: str, n: int = 48) -> str:
    """A legend label that fits beside its swatch on a phone (390 px): a long title cut at a word."""
    return title if len(title) <= n else title[:n].rsplit(" ", 1)[0] + "…"


titles = {d: ui.shown(doc.title) for d, doc in docs.items()}
short = {d: _short_title(t) for d, t in titles.items()}
if len(set(short.values())) < len(set(titles.values())):  # two titles cut alike: keep them whole
    short = titles
rows = [{"year": e.when.first.year, "document": short.get(c.doc_id, c.doc_id)}
        for e in shown for c in {c.doc_id: c for c in e.citations}.values()]
picked_year = None
if rows:
    pick = alt.selection_point(name="pick", fields=["year"])
    chart = (alt.Chart(pd.DataFrame(rows)).mark_bar()
             .encode(x=alt.X("year:O", title=None), y=alt.Y("count():Q", title="events"),
                     color=alt.Color("document:N", scale=alt.Scale(range=OKABE_ITO),
                                     legend=alt.Legend(orient="bottom", columns=1, title=None, labelLimit=0,
                                                       symbolType="square", labelFontSize=12)),
                     opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
                     tooltip=["year:O", "document:N", "count():Q"])
             .add_params(pick).properties(height=200))
    event = st.altair_chart(chart, on_select="rerun", key="tl_chart", width="stretch", height=340)
    points = (event or {}).get("selection", {}).get("pick") or []
    picked = sorted({p["year"] for p in points if "year" in p})
    if picked:
        picked_year = picked[0]
        shown = [e for e in shown if e.when.first.year == picked_year]  # what the bar counts
        st.caption(f"Showing {picked_year} only: click the bar again, or elsewhere in the chart, to show every year.")

numbered, citations = timeline.numbered(shown)
conflicts = sum(1 for e in numbered if e.conflicts)
st.caption(f"{ui.plural(len(numbered), 'event', bold=True)} · {ui.plural(len(citations), 'footnote')}"
           + (f" · **{ui.plural(conflicts, 'conflict')}** between sources" if conflicts else ""))
if not numbered:
    st.info("No dated events match these filters.", icon=":material/filter_alt_off:")

for i, e in enumerate(numbered):
    flag = " :orange[⚠ sources disagree]" if e.conflicts else ""
    marks = "".join(f"\\[{c.n}\\]" for c in e.citations)
    with st.expander(f"**{ui.md(e.when.iso())}**  {ui.md(e.label)} {marks}{flag}", key=f"tl-{i}"):
        if e.conflicts:
            st.warning(ui.md(f"The sources date this differently: {e.when.iso()} "
                             f"{timeline.marks(e.citations)}; {timeline.conflict_note(e)}."),
                       icon=":material/report:")
        for c in e.citations + [c for k in e.conflicts for c in k.citations]:
            where = ui.passage_position(docs.get(c.doc_id), c.passage_id)
            st.markdown(f"**\\[{c.n}\\]** {ui.md(c.label)}{where} · dates it {ui.md(timeline.given(e, c))}")
            st.markdown(ui.citation_html(c), unsafe_allow_html=True)
            st.caption(f"{ui.md(c.kind)} · {ui.md(c.passage_id)} · characters {c.start:,}–{c.end:,}")
            ui.sources_link(c.doc_id, c.passage_id, c.start, c.end, label="Read it in the document")

if numbered:
    markdown = timeline.to_markdown(numbered, citations)
    a, b = st.columns(2)
    a.download_button("Download as Markdown", markdown, file_name="timeline.md", mime="text/markdown",
                      icon=":material/download:", key="tl_md")
    b.download_button("Download as CSV", timeline.to_csv(numbered, citations), file_name="timeline.csv",
                      mime="text/csv", icon=":material/table:", key="tl_csv")
