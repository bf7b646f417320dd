"""Fit the reason model (app/engine/reasons.py) on squad-train's reason questions; write
`app/engine/reason_model.json` and print held-out figures beside today's engine and plain BM25.

    .venv/bin/python -m eval.fit_reasons [--min-reasons 8]

1. The articles of `../shared/datasets/squad-train/` with at least --min-reasons questions flagged `reason`
   (the dataset's own rule for "asks for a cause, motive or purpose") are ingested with Footnote's own
   ingest into .index/squad-reason/ (cached; about 10 minutes on 2 cores the first time, most of it
   embedding), so every sentence has its reading.
2. Every reason question is read through the engine (`Engine.read`): candidate sentences, the ranker's
   probabilities, and reasons.features of each candidate; the label is "the sentence holds a gold answer".
3. A logistic regression on those rows, six article-wise folds (the dataset's `fold`): every figure
   printed is on articles the fold's model never saw, with the ranker's own order (today's engine) and
   BM25's best sentence in the same run, and end to end through `Engine.ask` (first footnote, any
   footnote, footnotes per answer) with and without the fold's model.
4. The model fitted on every fold is written for the engine.
Also printed: how the question test reasons.asks_reason agrees with the dataset's `reason` flags over all
87,311 questions (the engine uses the model only where the test says a question asks for a reason).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from app.engine import reasons
from app.engine.reasons import FEATURES, FITTED, ReasonModel, asks_reason

from .squad_train import DATA, MIN_REASONS, build, reason_articles

C = 1.0  # inverse regularisation of the logistic regression


def holds(text: str, answers: list[str]) -> bool:
    t = text.lower()
    return any(a.lower() in t for a in answers)


def fit(X: np.ndarray, y: np.ndarray) -> ReasonModel:
    from sklearn.linear_model import LogisticRegression

    mean, std = X.mean(axis=0), X.std(axis=0)
    std[std < 1e-9] = 1.0
    m = LogisticRegression(C=C, max_iter=3000).fit((X - mean) / std, y)
    return ReasonModel(m.coef_[0].astype(np.float32), float(m.intercept_[0]), mean.astype(np.float32),
                       std.astype(np.float32), list(FEATURES))


def agreement() -> dict:
    tp = fp = fn = 0
    for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        pred = asks_reason(q["q"])
        tp += pred and q["reason"]
        fp += pred and not q["reason"]
        fn += (not pred) and q["reason"]
    return {"precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-reasons", type=int, default=MIN_REASONS)
    args = ap.parse_args()
    from app.engine import Engine

    questions = [json.loads(line) for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    docs = reason_articles(args.min_reasons)
    qs = [q for q in questions if q["reason"] and q["doc"] in set(docs)]
    t = time.time()
    settings = build(args.min_reasons)
    print(f"{len(docs)} articles, {len(qs)} reason questions; index ready in {time.time() - t:.0f} s")
    engine = Engine.load(settings)
    lib = engine.library
    models = engine.models

    rows = []
    for q in qs:
        r = engine.read(q["q"])
        if not r.cands:
            continue
        probs = models.ranker.prob(r.X)
        y = np.array([holds(lib.sentences[i].text, q["answers"]) for i in r.cands], dtype=np.int8)
        bm_best = int(np.argmax(r.bm)) if len(r.bm) else -1
        rows.append({"q": q, "cands": r.cands, "probs": probs, "X": reasons.features(lib, q["q"], r.cands, probs),
                     "y": y, "bm_holds": bm_best >= 0 and holds(lib.sentences[bm_best].text, q["answers"])})
    print(f"read {len(rows)} questions in {time.time() - t:.0f} s")

    held = {"ranker": [], "model": [], "bm25": [], "any_cand": []}
    fold_models = {}
    for fold in range(6):
        train = [r for r in rows if r["q"]["fold"] != fold]
        test = [r for r in rows if r["q"]["fold"] == fold]
        m = fit(np.vstack([r["X"] for r in train]), np.concatenate([r["y"] for r in train]))
        fold_models[fold] = m
        for r in test:
            asked = asks_reason(r["q"]["q"])
            p = m.prob(r["X"]) if asked else r["probs"]
            held["ranker"].append(bool(r["y"][int(np.argmax(r["probs"]))]))
            held["model"].append(bool(r["y"][int(np.argmax(p))]))
            held["bm25"].append(bool(r["bm_holds"]))
            held["any_cand"].append(bool(r["y"].any()))
    n = len(rows)
    print("held out, the candidate the order puts first holds the answer:")
    for k, v in held.items():
        print(f"  {k:10s} {np.mean(v):.1%}")

    # End to end: Engine.ask, first footnote and any footnote, with the fold's model and without.
    print("held out, end to end (Engine.ask):")
    for name in ("today", "reading, the composer's opening", "reading"):
        first = anyc = cited = answered = 0
        engine.reason_opens = name == "reading"
        for r in rows:
            engine.reason_model = False if name == "today" else fold_models[r["q"]["fold"]]
            a = engine.ask(r["q"]["q"])
            if a.abstained or not a.citations:
                continue
            answered += 1
            first += holds(a.citations[0].quote, r["q"]["answers"])
            anyc += any(holds(c.quote, r["q"]["answers"]) for c in a.citations)
            cited += len(a.citations)
        print(f"  {name:33s} first footnote {first / n:.1%}, any footnote {anyc / n:.1%}, "
              f"{cited / max(1, answered):.2f} footnotes per answer, answered {answered / n:.1%} (of {n})")
    engine.reason_model, engine.reason_opens = None, True

    final = fit(np.vstack([r["X"] for r in rows]), np.concatenate([r["y"] for r in rows]))
    FITTED.write_text(json.dumps(final.to_json(), indent=1) + "\n", encoding="utf-8")
    print("weights:", ", ".join(f"{f} {w:+.2f}" for f, w in zip(FEATURES, final.weights, strict=True)))
    a = agreement()
    print(f"asks_reason against squad-train's reason flags: precision {a['precision']:.1%}, recall {a['recall']:.1%}")
    print(f"wrote {FITTED}")


if __name__ == "__main__":
    main()
