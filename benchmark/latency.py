"""Warm answer latency: Footnote's full extractive answer vs llama-index's plain VectorStoreIndex
retriever on the same Chroma index, over the questions of eval/questions.yaml, in the same run; and
Footnote's answer without the rereader (app/engine/reread.py), which reads the ranker's best few
sentences again for factoid questions only, so its cost is also printed per reread question.

    .venv/bin/python benchmark/latency.py [--rounds 3]

Prints p50/p95 for both and their ratio. The target (MISSION.md) is a warm p50 of 50 ms or less for
the extractive answer on a 2-core machine. This is a benchmark, not a test: figures depend on the
machine and its load, so they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import Engine  # noqa: E402


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--questions", default=str(Path(__file__).resolve().parent.parent / "eval" / "questions.yaml"))
    args = ap.parse_args()
    questions = [q["question"] for q in yaml.safe_load(Path(args.questions).read_text())["questions"]]

    t = time.perf_counter()
    engine = Engine.load()
    load_s = time.perf_counter() - t

    from llama_index.core import VectorStoreIndex
    from llama_index.core.vector_stores import MetadataFilter, MetadataFilters
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=engine.library.index.collection)
    baseline = VectorStoreIndex.from_vector_store(store, embed_model=engine.model).as_retriever(
        similarity_top_k=engine.settings.top_k, filters=MetadataFilters(filters=[MetadataFilter(key="kind", value="passage")]))

    from app.engine.compose import analytic

    rereader = engine.rereader
    ours, base, plain, reread_ms = [], [], [], []
    for q in questions:  # warm both once
        engine.ask(q)
        baseline.retrieve(q)
    for _ in range(args.rounds):
        for q in questions:
            engine.rereader = rereader
            t = time.perf_counter()
            engine.ask(q)
            ours.append((time.perf_counter() - t) * 1000)
            engine.rereader = None
            t = time.perf_counter()
            engine.ask(q)
            plain.append((time.perf_counter() - t) * 1000)
            if rereader is not None and not analytic(q):
                reread_ms.append(ours[-1] - plain[-1])
            t = time.perf_counter()
            baseline.retrieve(q)
            base.append((time.perf_counter() - t) * 1000)
    engine.rereader = rereader

    print(f"engine load (index + model + BM25): {load_s:.1f} s")
    print(f"{len(questions)} questions x {args.rounds} rounds, warm")
    print(f"{'':38}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'Footnote answer (retrieve + compose)':38}{pct(ours, 50):>10.1f}{pct(ours, 95):>10.1f}")
    print(f"{'Footnote answer without the rereader':38}{pct(plain, 50):>10.1f}{pct(plain, 95):>10.1f}")
    print(f"{'llama-index VectorStoreIndex retrieve':38}{pct(base, 50):>10.1f}{pct(base, 95):>10.1f}")
    print(f"ratio Footnote / baseline: p50 {pct(ours, 50) / pct(base, 50):.2f}, p95 {pct(ours, 95) / pct(base, 95):.2f}")
    print(f"ratio with / without the rereader: p50 {pct(ours, 50) / pct(plain, 50):.2f}, "
          f"p95 {pct(ours, 95) / pct(plain, 95):.2f}")
    if reread_ms:
        print(f"the rereader's cost on the {len(reread_ms) // args.rounds} factoid questions it reads again: "
              f"median {statistics.median(reread_ms):.1f} ms")
    print(f"target warm p50 <= 50 ms: {'met' if statistics.median(ours) <= 50 else 'missed'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
