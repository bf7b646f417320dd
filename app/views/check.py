"""Check an answer: a later issue builds it; until then this page says what it will do and shows nothing else."""

import streamlit as st

from app import ui

st.title("Check an answer")
st.markdown("Paste a student's answer to a question and Footnote will go through it sentence by sentence: "
            "which claims the sources support (with the passage), which they do not mention, which numbers "
            "or dates disagree with them, and which key points are missing.")
st.info("Not available yet: this page arrives in a later version.", icon=":material/construction:")
ui.index_status()
