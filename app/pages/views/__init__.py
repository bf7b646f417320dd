"""The Streamlit pages, one script each, listed in app/pages/streamlit_app.py (st.navigation)."""
