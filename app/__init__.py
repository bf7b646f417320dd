"""Footnote's answering side, in rooms that follow the data one way:

    app/cli.py, app/pages/  →  app/jobs/  →  app/engine/  →  ingest/

- `app/engine/`: the answering engine: retrieval, the ranker's features and fitted models, composing cited
  answers (factoid and argued), follow-up questions, the dated events the sources hold, and the `Engine`
  object every front end loads once.
- `app/jobs/`: the jobs built on the engine: essay plans, who argues what, the timeline's outputs, the answer
  checker, and the Markdown / Word exports.
- `app/pages/`: the Streamlit app (its entry point, the shared sidebar and one script per page).
- `app/cli.py`: the `footnote` command.

Nothing imports the pages; tests/test_layers.py holds every room to the arrows above.
"""
