"""The Streamlit app (`footnote app`): navigation, the shared sidebar, and the pages in app/pages/views/.

The pages live in views/, not pages/: a folder named pages/ beside this script switches Streamlit to its
older automatic multipage mode, which on a first visit to a page's URL (and on every AppTest rerun)
runs that page without this script, so without the sidebar and this navigation.

The app only opens the index `footnote ingest` built; it never builds one. The engine loads once per
process (app/pages/ui.py) and every page renders what it returns.
"""

from pathlib import Path

import streamlit as st

from app.engine import preload
from app.pages import ui
from ingest.settings import Settings

# Runs once per server process (the module is cached after the first run): the engine starts loading
# while the page draws and the student types.
preload(Settings.from_env())

# The favicon is a file here: a ":material/...:" page icon makes the browser fetch it from
# fonts.gstatic.com, and Footnote asks nothing of the internet (the icons in pages use the font Streamlit
# serves itself).
st.set_page_config(page_title="Footnote", page_icon=str(Path(__file__).with_name("icon.svg")), layout="centered")
st.set_option("client.toolbarMode", "viewer")  # no "Deploy" button for students
st.set_option("client.showErrorDetails", "none")  # a bug shows a short notice, never a traceback

# Students study; the teacher also checks answers and measures Footnote (ui.teacher: `footnote app
# --teacher`, or the passphrase). A student who opens a teacher page's address gets the Ask page.
pages = {
    "Study": [
        st.Page("views/ask.py", title="Ask", icon=":material/forum:", default=True),
        st.Page("views/essay.py", title="Essay plan", icon=":material/edit_note:", url_path="essay"),
        st.Page("views/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
        st.Page("views/revise.py", title="Revise", icon=":material/style:", url_path="revise"),
        st.Page("views/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
    ],
}
if ui.teacher():
    pages["Teach"] = [
        st.Page("views/check.py", title="Check an answer", icon=":material/fact_check:", url_path="check"),
        st.Page("views/evaluation.py", title="Evaluation", icon=":material/monitoring:", url_path="evaluation"),
    ]
page = st.navigation(pages)

ui.sidebar()
page.run()
