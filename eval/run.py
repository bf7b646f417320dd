"""`footnote eval`: put every question of the evaluation set to Footnote and to two baselines, score
them the same way, and write a run folder: report.md (for a teacher), results.json (everything, for
tools and the CI gate) and charts.

    footnote eval [--questions FILE] [--out DIR] [--limit N]

The run folder defaults to eval/runs/<YYYYmmdd-HHMMSS>/ (ignored by git). The metrics are defined in
metrics.py; this module only drives the systems and collects what they return.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.settings import Settings

from . import charts, report
from .baselines import BM25Baseline, DenseBaseline, first_sentence_answer
from .diagnose import diagnose, thresholds
from .evalset import DEFAULT_QUESTIONS, EvalSetError, Question, load, locate
from .metrics import KS, TARGETS, Span, Support, misses, retrieval, score_answer, summarise

RUNS = Path(__file__).with_name("runs")
DEEP = 20  # how far down Footnote's ranking the diagnosis looks for evidence missing from the top 5
SYSTEMS = {"footnote": "Footnote", "bm25": BM25Baseline.label, "dense": DenseBaseline.label}


def main(questions: str | Path | None = None, out: str | Path | None = None, settings: Settings | None = None,
         limit: int | None = None, articles: list[str] | None = None, work: Path | None = None) -> int:
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    path = Path(questions) if questions else DEFAULT_QUESTIONS
    from .tuning import is_tuning_format

    if is_tuning_format(path):  # the public tuning set's format: its own articles, its own report
        from . import tuning_eval

        return tuning_eval.main(path, out=Path(out) if out else None, limit=limit, articles=articles, work=work)
    qs = load(path)
    if limit is not None:
        if limit < 1:
            raise EvalSetError("--limit must be at least 1.")
        qs = qs[:limit]

    from app.engine import Engine

    print("Loading Footnote (index, model)…", file=sys.stderr, flush=True)
    engine = Engine.load(settings)
    load_s = time.perf_counter() - started
    qs = locate(qs, {d: doc.text for d, doc in engine.library.docs.items()})

    folder = Path(out) if out else RUNS / stamp()
    results = record(engine, qs, folder, settings, path, load_s, started)
    print_summary(results, folder)
    return 0


def stamp() -> str:
    """A run folder's name: the time it started."""
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def runs_beside(settings: Settings) -> Path:
    """Where the app keeps the runs it starts: a folder beside the index, so a class's runs travel with it."""
    return settings.index_dir.parent / "eval-runs"


def list_runs(*folders: Path) -> list[Path]:
    """Evaluation-set run folders (each holding a results.json with its systems) under these folders,
    newest first. A folder of another shape (a tuning-set run written there by an older version, a
    damaged file) is left out rather than breaking the page that lists them."""
    found = {p.parent.resolve() for f in folders if f.is_dir() for p in f.glob("*/results.json") if _a_run(p)}
    return sorted(found, key=lambda p: (p.name, str(p)), reverse=True)


def _a_run(results: Path) -> bool:
    try:
        return "systems" in json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def record(engine, qs: list[Question], folder: Path, settings: Settings, path: Path, load_s: float = 0.0,
           started: float | None = None, progress=None) -> dict:
    """Evaluate and write the run folder (results.json, report.md, charts); returns the results.
    `progress(done, total)` is called after each question (the app's progress bar)."""
    started = time.perf_counter() if started is None else started
    folder.mkdir(parents=True, exist_ok=True)
    results = evaluate(engine, qs, progress)
    results["meta"] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "questions_file": str(path),
        "index": settings.where,
        "model": settings.model_name,
        "top_k": settings.top_k,
        "load_seconds": round(load_s, 1),
        # Timings are only comparable between runs on a quiet machine; record how busy this one was.
        "cpu_count": os.cpu_count(),
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }
    pictures = charts.draw(results, folder)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    (folder / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "report.md").write_text(report.render(results, pictures), encoding="utf-8")
    return results


def evaluate(engine, qs: list[Question], progress=None) -> dict:
    """Run Footnote and the baselines on every question; score them; summarise."""
    from tqdm import tqdm

    lib = engine.library
    spans = {pid: Span(p.doc_id, p.start, p.end) for pid, p in lib.passages.items()}
    k = max(KS)
    baselines = [BM25Baseline(lib, k), DenseBaseline(lib, engine.model, k)]

    def embed(texts: list[str]) -> np.ndarray:
        v = np.asarray(engine.model.get_text_embedding_batch(texts), dtype=np.float32)
        return v / (np.linalg.norm(v, axis=1, keepdims=True) + 1e-9)

    support = Support(embed)
    th = thresholds()
    records = []
    with remembered_queries(engine):
        for q in tqdm(qs, desc="Evaluating", unit="question", file=sys.stderr, disable=progress is not None):
            records.append(evaluate_one(engine, q, baselines, spans, support, th))
            if progress is not None:
                progress(len(records), len(qs))

    systems = {}
    for name, label in SYSTEMS.items():
        systems[name] = {"label": label, "summary": summarise(qs, [r["runs"][name] for r in records])}
    return {
        "systems": systems,
        "targets": [{"metric": m, "target": t, "what": w} for m, t, w in TARGETS],
        "thresholds": th,
        "questions": records,
    }


@contextmanager
def remembered_queries(engine):
    """engine.retrieve() embeds the question on every call, and a run ranks each question twice (top 5,
    and top 20 for the diagnosis); remember the vectors meanwhile. ask() embeds on its own, so its
    latency is still measured as a user meets it."""
    retriever = engine.retriever
    original = getattr(retriever, "embed_query", None)
    if original is None:
        yield
        return
    retriever.embed_query = lru_cache(maxsize=512)(original)
    try:
        yield
    finally:
        retriever.embed_query = original


def evaluate_one(engine, q: Question, baselines, spans: dict[str, Span], support: Support, th: dict) -> dict:
    """One question through Footnote and the baselines, scored and diagnosed."""
    k = max(KS)
    a = engine.ask(q.question)  # first, so that its latency is not flattered by anything cached below
    runs = {"footnote": run_footnote(engine, q, a, spans, support)}
    for b in baselines:
        t0 = time.perf_counter()
        ranked = b.retrieve(q.question)[:k]
        ms = (time.perf_counter() - t0) * 1000
        runs[b.name] = {
            "label": b.label, "retrieved": ranked, "latency_ms": ms,
            "retrieval": retrieval(q, ranked, spans) if q.answerable else None,
            "answer": score_answer(q, first_sentence_answer(engine.library, ranked), support),
        }
    record = {
        "id": q.id, "question": q.question, "origin": q.origin, "answerable": q.answerable, "note": q.note,
        "key_points": [{"point": kp.point, "phrasings": list(kp.phrasings),
                        "evidence": [asdict(e) for e in kp.evidence]}
                       for kp in q.key_points],
        "runs": runs,
    }
    record["misses"] = misses(q, runs["footnote"])
    record["diagnosis"] = diagnose(q, record, th)
    return record


def run_footnote(engine, q: Question, a, spans: dict[str, Span], support: Support) -> dict:
    """Score Footnote's answer `a`. The retrieval metrics score engine.retrieve(), the same ranking ask()
    used (retrieval is deterministic); it is asked again because an Answer does not carry its ranking."""
    ranked = engine.retrieve(q.question, max(KS))
    answer = {
        "abstained": a.abstained,
        "text": a.text,
        "mode": a.mode,
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in a.sentences],
        "citations": [{"n": c.n, "doc_id": c.doc_id, "passage_id": c.passage_id, "start": c.start, "end": c.end,
                       "quote": c.quote} for c in a.citations],
        "nearest": [n.passage_id for n in a.nearest],
        "warnings": list(a.warnings),
    }
    run = {
        "label": "Footnote", "retrieved": ranked, "latency_ms": a.timings_ms.get("total", 0.0),
        "timings_ms": {k: round(v, 2) for k, v in a.timings_ms.items()},
        "evidence": {k: sorted(v) if isinstance(v, (set, frozenset, tuple, list)) else v
                     for k, v in a.evidence.items()},  # the decision's features, as the engine gave them
        "retrieval": retrieval(q, ranked, spans) if q.answerable else None,
        "answer": score_answer(q, answer, support),
    }
    if q.answerable and not all(run["retrieval"]["kp_found_at"]):  # where the rest sits, for the diagnosis
        deep = retrieval(q, engine.retrieve(q.question, DEEP), spans)
        run["deep"] = {"k": DEEP, "gold_rank": deep["gold_rank"], "kp_found_at": deep["kp_found_at"]}
    return run


# --- the terminal summary -------------------------------------------------------------------------


def print_summary(results: dict, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    targets = {t["metric"]: t["target"] for t in results["targets"]}
    s = results["systems"]
    table = Table(title=f"Footnote evaluation: {s['footnote']['summary']['questions']} questions")
    table.add_column("metric", no_wrap=True)
    for name in SYSTEMS:
        table.add_column(s[name]["label"], justify="right")
    table.add_column("÷ best baseline", justify="right")
    table.add_column("target", justify="right")
    for key, label, _ in report.ROWS:
        fn = s["footnote"]["summary"].get(key)
        cells = [report.fmt(s[name]["summary"].get(key), key) for name in SYSTEMS]
        if key in targets and fn is not None:
            cells[0] = f"[{'green' if fn >= targets[key] else 'red'}]{cells[0]}[/]"
        table.add_row(label, *cells, report.ratio(s, key), f"≥ {report.fmt(targets[key], key)}" if key in targets
                      else "")
    console = Console()
    console.print(table)
    missing = [r["id"] for r in results["questions"] if r["misses"]]
    console.print(f"{len(missing)} question(s) miss a target" + (f": {', '.join(missing)}" if missing else ""))
    console.print(f"Report: {folder / 'report.md'}  ({results['meta']['seconds']:.0f} s)")
