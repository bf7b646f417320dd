"""The Streamlit pages, one script each, listed in app/streamlit_app.py (st.navigation)."""
