"""The Streamlit app: streamlit_app.py (the entry point `footnote app` runs: navigation and the sidebar),
ui.py (what every page shares: the engine, the notebook picker, footnotes) and views/ (one script per
page).

The entry point lives in this folder, not in app/: a folder named pages/ beside Streamlit's main script
switches Streamlit to its older automatic multipage mode. Here the script's neighbour is views/.

May import: `app.jobs`, `app.engine`, `ingest` and `eval` (the Evaluation page runs and reads evaluations).
Nothing imports this room (tests/test_layers.py).
"""
