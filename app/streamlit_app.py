"""The Streamlit app (`footnote app`): navigation, the shared sidebar, and the pages in app/pages/.

The app only opens the index `footnote ingest` built; it never builds one. The engine loads once per
process (app/ui.py) and every page renders what it returns.
"""

import streamlit as st

from app import ui
from ingest.errors import FootnoteError

st.set_page_config(page_title="Footnote", page_icon=":material/format_quote:", layout="centered")

pages = {
    "Study": [
        st.Page("pages/ask.py", title="Ask", icon=":material/forum:", default=True),
        st.Page("pages/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
        st.Page("pages/essay.py", title="Essay plan", icon=":material/edit_note:", url_path="essay"),
        st.Page("pages/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
    ],
    "Teach": [
        st.Page("pages/check.py", title="Check an answer", icon=":material/fact_check:", url_path="check"),
        st.Page("pages/evaluation.py", title="Evaluation", icon=":material/monitoring:", url_path="evaluation"),
    ],
}
page = st.navigation(pages)

# The first visit of a process pays for the model once; say so rather than show a blank page.
try:
    with st.spinner("Opening the index and loading the embedding model (once, about 10 seconds)…"):
        ui.engine()
except FootnoteError:
    pass  # the sidebar and the page say what to do
ui.sidebar()
page.run()
