"""`footnote eval --questions FILE.jsonl` for a questions file in the tuning set's format: ingest the
articles beside it (`docs/`), ask every question, and report how often the answer is where a reader
looks first.

    footnote eval --questions ../shared/datasets/squad-history/questions.jsonl [--articles a,b] [--limit N]

Per answerable question: is a gold answer in the first cited sentence, in any cited sentence, and how
many sentences are cited (factoid and analytic questions apart); per kind of question: the share
answered and declined; latency p50. Beside it, on the same sentences and questions: plain BM25's top
sentence and top 6 (bm25s, English stemmer), and llama-index's starter (VectorStoreIndex with its default
chunking, top 2 chunks, same MiniLM model). Note: Footnote's models were fitted on the public tuning set
itself, so on it these figures are in-sample; the held-out ones are in app/engine/models.json (`report`).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from .tuning import Question, build_index, load_questions

WORK = Path(__file__).resolve().parent.parent / ".index" / "tuning-eval"


def _holds(text: str, answers: list[str]) -> bool:
    t = text.lower()
    return any(a.lower() in t for a in answers)


def _share(xs) -> float | None:
    xs = list(xs)
    return round(float(np.mean(xs)), 4) if xs else None


def bm25_baseline(library, questions: list[Question]) -> dict:
    """Plain BM25 over the library's sentences: is the answer in its top sentence, in its top 6?"""
    import bm25s
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([s.text for s in library.sentences], stemmer=stemmer, show_progress=False),
                    show_progress=False)
    top1, top6 = [], []
    for q in questions:
        tokens = bm25s.tokenize([q.q], stemmer=stemmer, show_progress=False)
        if not tokens.vocab:
            top1.append(False)
            top6.append(False)
            continue
        ids, _ = retriever.retrieve(tokens, k=min(6, len(library.sentences)), show_progress=False)
        texts = [library.sentences[int(i)].text for i in ids[0]]
        top1.append(_holds(texts[0], q.answers))
        top6.append(any(_holds(t, q.answers) for t in texts))
    return {"top1": _share(top1), "top6": _share(top6)}


def starter_baseline(docs_dir: Path, names: list[str], questions: list[Question], embed_model) -> dict:
    """llama-index's starter: VectorStoreIndex.from_documents (default SentenceSplitter), top 2 chunks."""
    from llama_index.core import Document, VectorStoreIndex

    documents = [Document(text=(docs_dir / f"{n}.txt").read_text(encoding="utf-8"), doc_id=n) for n in names]
    index = VectorStoreIndex.from_documents(documents, embed_model=embed_model)
    retriever = index.as_retriever(similarity_top_k=2)
    return {"top2_chunks": _share(any(_holds(n.node.get_content(), q.answers) for n in retriever.retrieve(q.q))
                                  for q in questions)}


def main(questions: Path, out: Path | None = None, limit: int | None = None, articles: list[str] | None = None,
         baselines: bool = True, work: Path | None = None) -> int:
    from app.engine import Engine
    from app.engine.compose import analytic

    qs = load_questions(questions)
    docs_dir = questions.parent / "docs"
    names = sorted(p.stem for p in docs_dir.glob("*.txt"))
    if articles:
        names = [n for n in names if n in set(articles)]
    keep = set(names)
    qs = [q for q in qs if q.doc in keep or q.kind == "offcorpus"]
    if limit:
        qs = qs[:limit]
    print(f"Ingesting {len(names)} articles and asking {len(qs)} questions…", file=sys.stderr, flush=True)
    work = (work or WORK) / ("all" if not articles else "-".join(names)[:80])
    engine = Engine.load(build_index(docs_dir, work, only=names))

    records = []
    for q in qs:
        a = engine.ask(q.q)
        quotes = [c.quote for c in a.citations]
        records.append({"id": q.id, "kind": q.kind, "q": q.q, "abstained": a.abstained, "analytic": analytic(q.q),
                        # sentences, not footnotes: one footnote may quote two adjacent sentences
                        "cited": sum(len(engine.library.rows_in(c.doc_id, c.start, c.end)) for c in a.citations),
                        "footnotes": len(quotes), "first": bool(quotes) and _holds(quotes[0], q.answers),
                        "any": any(_holds(t, q.answers) for t in quotes), "ms": a.timings_ms.get("total", 0.0),
                        "answer": a.text})
    ans = [r for r in records if r["kind"] == "answerable"]
    answered = [r for r in ans if not r["abstained"]]
    summary = {
        "articles": names, "questions": len(records),
        "first_cited_holds_answer": _share(r["first"] for r in ans),
        "any_cited_holds_answer": _share(r["any"] for r in ans),
        "mean_cited_factoid": _share(r["cited"] for r in answered if not r["analytic"]),
        "mean_cited_analytic": _share(r["cited"] for r in answered if r["analytic"]),
        "answered": {k: _share(not r["abstained"] for r in records if r["kind"] == k)
                     for k in sorted({r["kind"] for r in records})},
        "latency_p50_ms": round(float(np.percentile([r["ms"] for r in records], 50)), 2) if records else None,
        "in_sample": "Footnote's models were fitted on the public tuning set; held-out figures: app/engine/models.json",
    }
    if baselines and ans:
        answerable = [q for q in qs if q.answerable]
        summary["bm25"] = bm25_baseline(engine.library, answerable)
        summary["llama_index_starter"] = starter_baseline(docs_dir, names, answerable, engine.model)

    # under runs/tuning/, not beside the evaluation set's runs: these results have another shape, and the
    # Evaluation page and `footnote eval --compare` list only those
    folder = out or Path(__file__).with_name("runs") / "tuning" / datetime.now().strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"summary": summary, "questions": records}, indent=1),
                                         encoding="utf-8")
    print(render(summary))
    print(f"\nWrote {folder / 'results.json'}")
    return 0


def render(s: dict) -> str:
    def pct(x):
        return "—" if x is None else f"{x:.1%}"

    lines = [f"{'':38}{'Footnote':>10}",
             f"{'answer in the first cited sentence':38}{pct(s['first_cited_holds_answer']):>10}",
             f"{'answer in any cited sentence':38}{pct(s['any_cited_holds_answer']):>10}",
             f"{'cited sentences, factoid (mean)':38}{s['mean_cited_factoid'] or 0:>10.2f}",
             f"{'cited sentences, analytic (mean)':38}{s['mean_cited_analytic'] or 0:>10.2f}"]
    for k, v in s["answered"].items():
        lines.append(f"{k + ' answered':38}{pct(v):>10}")
    lines.append(f"{'latency p50 (ms)':38}{s['latency_p50_ms'] or 0:>10.1f}")
    if "bm25" in s:
        lines += [f"{'BM25 top sentence holds answer':38}{pct(s['bm25']['top1']):>10}",
                  f"{'BM25 top 6 sentences hold answer':38}{pct(s['bm25']['top6']):>10}",
                  f"{'llama-index starter, top 2 chunks':38}{pct(s['llama_index_starter']['top2_chunks']):>10}"]
    return "\n".join(lines)

