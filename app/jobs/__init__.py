"""The jobs built on the engine: what a student or teacher asks Footnote to make.

Holds essay plans (plan.py, reading the question in brief.py, Markdown in plan_markdown.py), who argues
what (debate.py), the timeline's numbered footnotes and its JSON / Markdown / CSV (timeline.py; the events
themselves are app/engine/events.py), the answer checker (check.py, check_model.json), plain-text and
Markdown answers (render.py) and Word exports (export.py).

May import: `app.engine`, `ingest`, and of `eval` only `eval.evalset` (the evaluation set's reader, which
imports nothing of app; the checker takes its key points from it). Never `app.pages` or `app.cli`
(tests/test_layers.py).
"""
