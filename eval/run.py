"""`footnote eval`: put every question of the evaluation set to Footnote and to two baselines, score
them the same way, and write a run folder: report.md (for a teacher), results.json (everything, for
tools and the CI gate) and charts.

    footnote eval [--questions FILE] [--out DIR] [--limit N]

The run folder defaults to eval/runs/<YYYYmmdd-HHMMSS>/ (ignored by git). The metrics are defined in
metrics.py; this module only drives the systems and collects what they return.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from ingest.settings import Settings

from . import charts, report
from .baselines import BM25Baseline, DenseBaseline, first_sentence_answer
from .diagnose import diagnose, thresholds
from .evalset import DEFAULT_QUESTIONS, EvalSetError, Question, load, locate
from .metrics import KS, TARGETS, Span, Support, misses, retrieval, score_answer, summarise

RUNS = Path(__file__).with_name("runs")
SYSTEMS = {"footnote": "Footnote", "bm25": BM25Baseline.label, "dense": DenseBaseline.label}


def main(questions: str | Path | None = None, out: str | Path | None = None, settings: Settings | None = None,
         limit: int | None = None) -> int:
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    path = Path(questions) if questions else DEFAULT_QUESTIONS
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

    folder = Path(out) if out else RUNS / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)

    results = evaluate(engine, qs)
    results["meta"] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "questions_file": str(path),
        "index": settings.where,
        "model": settings.model_name,
        "top_k": settings.top_k,
        "load_seconds": round(load_s, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }
    pictures = charts.draw(results, folder)
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    (folder / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "report.md").write_text(report.render(results, pictures), encoding="utf-8")
    print_summary(results, folder)
    return 0


def evaluate(engine, qs: list[Question]) -> dict:
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
    for q in tqdm(qs, desc="Evaluating", unit="question", file=sys.stderr):
        runs = {"footnote": run_footnote(engine, q, spans, support)}
        for b in baselines:
            t0 = time.perf_counter()
            ranked = b.retrieve(q.question)[:k]
            ms = (time.perf_counter() - t0) * 1000
            runs[b.name] = {
                "label": b.label, "retrieved": ranked, "latency_ms": ms,
                "retrieval": retrieval(q, ranked, spans) if q.answerable else None,
                "answer": score_answer(q, first_sentence_answer(lib, ranked), support),
            }
        record = {
            "id": q.id, "question": q.question, "origin": q.origin, "answerable": q.answerable, "note": q.note,
            "key_points": [{"point": kp.point, "phrasings": list(kp.phrasings),
                            "evidence": [_ev(e) for e in kp.evidence]}
                           for kp in q.key_points],
            "runs": runs,
        }
        record["misses"] = misses(q, runs["footnote"])
        record["diagnosis"] = diagnose(q, record, th)
        records.append(record)

    systems = {}
    for name, label in SYSTEMS.items():
        systems[name] = {"label": label, "summary": summarise(qs, [r["runs"][name] for r in records])}
    return {
        "systems": systems,
        "targets": [{"metric": m, "target": t, "what": w} for m, t, w in TARGETS],
        "thresholds": th,
        "questions": records,
    }


def _ev(e) -> dict:
    return {"doc": e.doc, "quote": e.quote, "start": e.start, "end": e.end}


def run_footnote(engine, q: Question, spans: dict[str, Span], support: Support) -> dict:
    a = engine.ask(q.question)  # first, so that its latency is not flattered by the retrieve() below
    ranked = engine.retrieve(q.question, max(KS))
    answer = {
        "abstained": a.abstained,
        "text": a.text,
        "mode": a.mode,
        "sentences": [{"text": s.text, "citations": list(s.citations)} for s in a.sentences],
        "citations": [{"n": c.n, "doc_id": c.doc_id, "passage_id": c.passage_id, "start": c.start, "end": c.end,
                       "quote": c.quote} for c in a.citations],
        "nearest": [n.passage_id for n in a.nearest],
    }
    run = {
        "label": "Footnote", "retrieved": ranked, "latency_ms": a.timings_ms.get("total", 0.0),
        "timings_ms": {k: round(v, 2) for k, v in a.timings_ms.items()},
        "evidence": dict(a.evidence),
        "retrieval": retrieval(q, ranked, spans) if q.answerable else None,
        "answer": score_answer(q, answer, support),
    }
    if q.answerable and not run["retrieval"]["hit"]["5"]:
        hits, _, _ = engine.retriever.rank(q.question, 20)
        run["gold_rank_20"] = retrieval(q, [h.passage_id for h in hits], spans)["gold_rank"]
    return run


# --- the terminal summary -------------------------------------------------------------------------

ROWS = [  # (metric key, label, kind) - kind: "share", "score" or "ms"
    ("hit@1", "gold in top 1", "share"), ("hit@3", "gold in top 3", "share"), ("hit@5", "gold in top 5", "share"),
    ("recall@1", "key-point recall@1", "share"), ("recall@3", "key-point recall@3", "share"),
    ("recall@5", "key-point recall@5", "share"), ("mrr", "MRR@5", "score"),
    ("kp_coverage", "key points stated", "share"), ("citation_precision", "citation precision", "share"),
    ("citation_on_gold", "citations on gold evidence", "share"), ("citation_recall", "citation recall", "share"),
    ("answered", "in-corpus answered", "share"), ("declined", "out-of-corpus declined", "share"),
    ("latency_p50_ms", "latency p50", "ms"), ("latency_p95_ms", "latency p95", "ms"),
]


def fmt(value, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "share":
        return f"{100 * value:.0f}%"
    if kind == "ms":
        return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"
    return f"{value:.2f}"


def ratio(results: dict, key: str, kind: str) -> str:
    """Footnote ÷ the better baseline (for latency, the lower one); blank when not meaningful."""
    s = results["systems"]
    fn = s["footnote"]["summary"].get(key)
    base = [s[b]["summary"].get(key) for b in ("bm25", "dense")]
    base = [b for b in base if b is not None]
    if fn is None or not base or kind == "ms" or key in {"answered", "declined"}:
        return ""
    best = max(base)
    return f"×{fn / best:.2f}" if best > 0 else ("=" if fn == 0 else "new")


def print_summary(results: dict, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    targets = {t["metric"]: t["target"] for t in results["targets"]}
    s = results["systems"]
    table = Table(title=f"Footnote evaluation: {s['footnote']['summary']['questions']} questions")
    table.add_column("metric")
    for name in SYSTEMS:
        table.add_column(s[name]["label"], justify="right")
    table.add_column("Footnote ÷ best baseline", justify="right")
    table.add_column("target", justify="right")
    for key, label, kind in ROWS:
        fn = s["footnote"]["summary"].get(key)
        cells = [fmt(s[name]["summary"].get(key), kind) for name in SYSTEMS]
        if key in targets and fn is not None:
            ok = fn >= targets[key]
            cells[0] = f"[{'green' if ok else 'red'}]{cells[0]}[/]"
        table.add_row(label, *cells, ratio(results, key, kind), f"≥ {fmt(targets[key], 'share')}" if key in targets
                      else "")
    console = Console()
    console.print(table)
    missing = [r["id"] for r in results["questions"] if r["misses"]]
    console.print(f"{len(missing)} question(s) miss a target" + (f": {', '.join(missing)}" if missing else ""))
    console.print(f"Report: {folder / 'report.md'}  ({results['meta']['seconds']:.0f} s)")
