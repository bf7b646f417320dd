"""Evaluation of Footnote on a set of questions with key points and gold evidence (`footnote eval`).

    evalset.py    the questions file: load, check its shape, find every gold quote in the sources
    metrics.py    every metric, defined once (in words for the report, and in code)
    baselines.py  BM25-only and dense-only retrieval over the same passages, for comparison
    diagnose.py   why a question misses its targets (retrieval, the decline decision, composition)
    run.py        drives Footnote and the baselines over the set and writes the run folder
    report.py     report.md, for a teacher;  charts.py: the PNG charts it shows
"""
