"""Timeline: a later issue builds it; until then this page says what it will do and shows nothing else."""

import streamlit as st

from app import ui

st.title("Timeline")
st.markdown("Footnote will lay out the dated events its sources mention, each with a footnote to the passage "
            "it comes from, flag events the sources date differently, and show who argues what about them.")
st.info("Not available yet: this page arrives in a later version. Ask questions on the **Ask** page meanwhile.",
        icon=":material/construction:")
ui.index_status()
