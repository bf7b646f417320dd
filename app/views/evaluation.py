"""Evaluation: a later issue builds it; until then this page says what it will do and shows nothing else."""

import streamlit as st

from app import ui

st.title("Evaluation")
st.markdown("How well Footnote answers the study questions in its own sources: whether it finds the right "
            "passage, whether its citations hold the evidence, how many key points it covers, whether it "
            "declines questions the sources do not cover, and how fast it is, with charts and every answer "
            "to drill into.")
st.info("Not available yet: this page arrives in a later version.", icon=":material/construction:")
ui.index_status()
