"""Essay plan: a later issue builds it; until then this page says what it will do and shows nothing else."""

import streamlit as st

from app import ui

st.title("Essay plan")
st.markdown("Give an essay question, such as *How successful was Stalin's foreign policy 1928–41?*, and "
            "Footnote will plan the essay from its sources: thesis options, body sections each with a point "
            "and quoted evidence with footnotes, which historians argue what, a counter-argument and a "
            "conclusion. A section the sources cannot support will say so instead of inventing.")
st.info("Not available yet: this page arrives in a later version. Ask questions on the **Ask** page meanwhile.",
        icon=":material/construction:")
ui.index_status()
