"""Fit the rereader (app/engine/reread.py), a small cross-encoder, on squad-train; choose how much it moves
the ranker's order on the tuning set; write `app/engine/reread.safetensors` and `app/engine/reread.json`.

    .venv/bin/python -m eval.fit_reread            # about 40 minutes on 2 cores
    .venv/bin/python -m eval.fit_reread --cached   # keep the fitted weights: choose TOP and WEIGHT, measure (9 min)

1. Training groups: up to PER_ARTICLE questions of every squad-train article that no ranker figure uses
   (not the tuning set's 18, not eval/squad_train.py's 118, which the ranker's and the reason model's
   held-out figures are measured on). Each group is the question, its gold sentence and NEGATIVES sentences
   of the same article that do not hold the answer, the ones BM25 puts highest: the near misses the
   ranker's best few are made of.
2. The model (reread.build: the shipped embedding model's first layers and a one-number head) is trained
   listwise, one pass over the groups (a softmax over each group, the gold sentence the target).
3. TOP (how many of the ranker's best are read again) and WEIGHT (how far a score moves one) are chosen on
   the tuning set's factoid questions (argued ones are not reread), read through the engine with the shipped
   models: six article-wise folds, each fold's choice made on the other five, so the printed figures are
   held out. The rereader never saw a tuning article.
4. The tuning set and a squad-train sample are asked through `Engine.ask` with and without the rereader.
"""

from __future__ import annotations

import json
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np

from app.engine import ranker, reread

from .tuning import build_index, default_dir, folds, load_questions

LAYERS = 3  # of all-MiniLM-L6-v2's 6: a pair costs about half of the full model; see docs/fitting.md
MAX_LENGTH = 64  # tokens of question and sentence together; the sentence is cut, the question never
PER_ARTICLE = 60  # questions per article: 18,682 groups on 315 articles, one pass in about 25 minutes
NEGATIVES = 5  # BM25's best sentences of the article that do not hold the answer
RANDOM_NEGATIVES = 2
VALIDATION = 400
PER_STEP = 6  # groups per optimiser step
LR = 1e-4  # peak learning rate (linear warm-up over 50 steps, linear decay)
# How many of the ranker's best are read again: each pair costs about 1.8 ms (int8, one thread, measured on
# two cores), and the answer's p50 budget is 25 ms. On the tuning set's factoid questions, 6 and 8 scored
# within 0.05 points of 4 (74.5% best sentence either way) for twice the time, so the grid stops at 4.
TOPS = (2, 3, 4)
WEIGHTS = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
WORK = Path(__file__).resolve().parent.parent / ".index" / "reread"


def training_articles() -> list[str]:
    from . import squad_train

    tuning = {p.stem for p in (default_dir() / "docs").glob("*.txt")}
    held = set(squad_train.reason_articles())
    return sorted({q["doc"] for q in squad_train.questions()} - tuning - held)


def groups() -> list[dict]:
    """Question, gold sentence and negatives (see the module's docstring), in a fixed order: articles by
    name, each article's questions shuffled. Each group also keeps RANDOM_NEGATIVES sentences drawn at
    random (the training reads only the BM25 ones; the random ones were tried and taught less)."""
    import bm25s

    from ingest.passages import sentence_spans

    from . import squad_train

    rng = random.Random(0)
    by_doc: dict[str, list[dict]] = {}
    for q in squad_train.questions():
        by_doc.setdefault(q["doc"], []).append(q)
    out = []
    for d in training_articles():
        text = (squad_train.DATA / "docs" / f"{d}.txt").read_text(encoding="utf-8")
        sents = [s for s in (text[a:b] for a, b in sentence_spans(text)) if len(s.split()) >= 3]
        index = bm25s.BM25()
        index.index(bm25s.tokenize(sents, stopwords="en", show_progress=False), show_progress=False)
        qs = list(by_doc[d])
        rng.shuffle(qs)
        for q in qs[:PER_ARTICLE]:
            answers = [a.lower() for a in q["answers"]]
            holds = [any(a in s.lower() for a in answers) for s in sents]
            gold = q["sentence"]
            pos = [i for i, s in enumerate(sents) if holds[i] and (gold[:40] in s or s[:40] in gold)]
            if not pos:
                continue
            found, _ = index.retrieve(bm25s.tokenize([q["q"]], stopwords="en", show_progress=False),
                                      k=min(30, len(sents)), show_progress=False)
            negs = [int(i) for i in found[0] if not holds[int(i)]][:NEGATIVES]
            others = [i for i in range(len(sents)) if not holds[i] and i not in negs]
            negs += rng.sample(others, min(RANDOM_NEGATIVES, len(others)))
            if len(negs) < 3:
                continue
            out.append({"q": q["q"], "pos": sents[pos[0]], "negs": [sents[i] for i in negs], "doc": d,
                        "fold": q["fold"]})
    return out


def split(data: list[dict]) -> tuple[list[dict], list[dict]]:
    """Training groups (squad-train folds 1-5, shuffled) and VALIDATION groups of fold 0, to watch the fit."""
    val = [g for g in data if g["fold"] == 0][:VALIDATION]
    train = [g for g in data if g["fold"] != 0]
    random.Random(0).shuffle(train)
    return train, val


def train(data: list[dict], log=print):
    """One listwise pass over the training groups (`split`); returns the trained torch model and its
    accuracy on the validation groups (the gold sentence scored above its group's negatives)."""
    import torch
    from transformers import AutoTokenizer

    from ingest.settings import Settings

    torch.manual_seed(0)
    torch.set_num_threads(2)
    model_path = Settings.from_env().embed_model
    tok = AutoTokenizer.from_pretrained(model_path)
    model = reread.build(model_path, LAYERS)
    train_groups, val = split(data)

    def scores(batch):
        qs = [g["q"] for g in batch for _ in range(1 + len(g["negs"][:NEGATIVES]))]
        ss = [s for g in batch for s in [g["pos"], *g["negs"][:NEGATIVES]]]
        # padded to one length: a new shape per batch costs the CPU kernels their set-up again
        enc = tok(qs, ss, truncation="only_second", max_length=MAX_LENGTH, padding="max_length", return_tensors="pt")
        return torch.split(model(**enc).logits[:, 0], [1 + len(g["negs"][:NEGATIVES]) for g in batch])

    def accuracy() -> float:
        model.eval()
        with torch.no_grad():
            hits = sum(int(s.argmax() == 0) for i in range(0, len(val), 16) for s in scores(val[i:i + 16]))
        model.train()
        return hits / max(1, len(val))

    steps = len(train_groups) // PER_STEP
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.02, 1 - s / steps))
    model.train()
    log(f"  validation before: {accuracy():.1%}")
    t0, avg = time.time(), 0.0
    for step in range(steps):
        per_group = scores(train_groups[step * PER_STEP:(step + 1) * PER_STEP])
        loss = sum(torch.logsumexp(s, 0) - s[0] for s in per_group) / len(per_group)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad()
        avg = 0.98 * avg + 0.02 * loss.item()
        if step and step % 400 == 0:
            log(f"  step {step}/{steps}, loss {avg:.3f}, validation {accuracy():.1%}, {time.time() - t0:.0f} s")
    final = accuracy()
    log(f"  validation after: {final:.1%}")
    return model.eval(), final


def tuning_rows(engine) -> list[dict]:
    """The tuning set's answerable questions read through the engine, with the shipped ranker's logits."""
    from .fit_ranker import read_all

    qs = [q for q in load_questions(default_dir() / "questions.jsonl") if q.answerable]
    rows = read_all(engine, qs)
    models = engine.models or ranker.load()
    for r in rows:
        r["z"] = models.ranker.logit(r["X"])
        r["texts"] = [engine.library.sentences[i].text for i in r["cands"]]
    return rows


def score_rows(rows: list[dict], rereader) -> None:
    for r in rows:
        r["read"] = reread.read_again(rereader, r["q"].q, r["texts"].__getitem__, r["z"], max(TOPS))


def _held(r: dict, top: int, weight: float, n: int = 1) -> bool:
    probs = np.exp(r["z"] - r["z"].max())
    probs /= probs.sum()
    read = reread.Reread(r["read"].top[:top], r["read"].scores[:top])
    p = reread.adjust(probs, read, weight) if weight else probs
    return bool(r["y"][np.argsort(-p, kind="stable")[:n]].any())


def choose(rows: list[dict]) -> tuple[dict, list[dict]]:
    """TOP and WEIGHT by article-wise folds on the questions the engine rereads (not argued ones): the
    held-out figures, each fold's choice made on the other five."""
    grid = [(t, w) for t in TOPS for w in WEIGHTS]
    articles = sorted({r["q"].doc for r in rows})
    fold_of = {d: i for i, f in enumerate(folds(articles)) for d in f}
    held = {"ranker_top1": [], "ranker_top3": [], "reread_top1": [], "reread_top3": []}
    chosen = []
    for k in range(6):
        train = [r for r in rows if fold_of[r["q"].doc] != k]
        test = [r for r in rows if fold_of[r["q"].doc] == k]
        top, weight = max(grid, key=lambda g: (np.mean([_held(r, *g) for r in train]), -g[0]))
        chosen.append({"fold": k, "top": top, "weight": weight})
        for r in test:
            held["ranker_top1"].append(_held(r, 1, 0.0))
            held["ranker_top3"].append(_held(r, 1, 0.0, 3))
            held["reread_top1"].append(_held(r, top, weight))
            held["reread_top3"].append(_held(r, top, weight, 3))
    return {k: round(float(np.mean(v)), 4) for k, v in held.items()}, chosen


def end_to_end(engine, rows: list[dict], rereader) -> dict:
    """Every row's question asked through `Engine.ask` with the shipped models, with `rereader` (or None)."""
    from .fit_ranker import _end_to_end

    m = engine.models or ranker.load()
    engine.rereader = rereader
    try:
        return _end_to_end(engine, rows, [m.ranker] * 6, [m.abstain] * 6, [0] * len(rows), m.answer_threshold,
                           m.keep_ratio, m.max_factoid)
    finally:
        engine.rereader = None


def main() -> None:
    from safetensors.torch import save_file

    from app.engine import Engine
    from app.engine.compose import analytic

    from . import squad_train
    from .fit_ranker import WORK as TUNING_WORK
    from .fit_ranker import _holds, read_all, squad_sample

    t0 = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    if "--cached" not in sys.argv or not reread.WEIGHTS.exists():
        data = groups()
        print(f"{len(data)} training groups from {len(training_articles())} squad-train articles "
              f"({time.perf_counter() - t0:.0f} s)")
        model, validation = train(data)
        save_file(reread.trained_state(model), str(reread.WEIGHTS))
        (WORK / "validation.json").write_text(json.dumps({"groups": VALIDATION, "accuracy": validation}))
        print(f"trained in {time.perf_counter() - t0:.0f} s; wrote {reread.WEIGHTS.name}")
    # Provisional settings so that the export can be built; the chosen ones are written below.
    cfg = {"layers": LAYERS, "max_length": MAX_LENGTH, "top": max(TOPS), "weight": 1.0}
    reread.CONFIG.write_text(json.dumps(cfg) + "\n", encoding="utf-8")
    reread.config.cache_clear()

    engines = {"tuning": Engine.load(build_index(default_dir() / "docs", TUNING_WORK)),
               "squad-train sample": Engine.load(squad_train.build())}
    rereaders = {name: reread.load(e.settings) for name, e in engines.items()}
    for e in engines.values():
        e.rereader = None
    cache = WORK / "tuning_rows.pkl"
    rows = pickle.loads(cache.read_bytes()) if "--cached" in sys.argv and cache.exists() else \
        tuning_rows(engines["tuning"])
    cache.write_bytes(pickle.dumps(rows))
    rows = [r for r in rows if len(r["cands"])]
    score_rows(rows, rereaders["tuning"])
    factoid = [r for r in rows if not analytic(r["q"].q)]
    figures, chosen = choose(factoid)
    argued, _ = choose([r for r in rows if analytic(r["q"].q)])
    top, weight = max(((t, w) for t in TOPS for w in WEIGHTS),
                      key=lambda g: (np.mean([_held(r, *g) for r in factoid]), -g[0]))
    cfg.update(top=top, weight=weight)
    reread.CONFIG.write_text(json.dumps(cfg) + "\n", encoding="utf-8")
    reread.config.cache_clear()
    print(f"chose top {top}, weight {weight}; held out on {len(factoid)} factoid questions: {figures}")

    # The whole answer through Engine.ask, with and without the rereader, on the tuning set and on a
    # squad-train sample (40 questions of each of 109 articles, eval/fit_ranker.py) that neither the
    # rereader nor the choice above saw.
    sample, _ = squad_sample()
    asked = {"tuning": rows, "squad-train sample": read_all(engines["squad-train sample"], sample)}
    e2e = {}
    for name, engine in engines.items():
        these = asked[name]
        bm25 = [bool(r["bm_top"]) and _holds(engine.library.sentences[r["bm_top"][0]].text, r["q"].answers)
                for r in these]
        e2e[name] = {"questions": len(these), "bm25_top1": round(float(np.mean(bm25)), 4),
                     "ranker": end_to_end(engine, these, None),
                     "ranker and rereader": end_to_end(engine, these, rereaders[name])}
        print(name, json.dumps(e2e[name]))
    cfg.update(fitted_by="python -m eval.fit_reread", report={
        "held_out": "TOP and WEIGHT: the tuning set's factoid questions, six article-wise folds (each fold's "
                    "choice made on the other five); the rereader was trained on squad-train articles that "
                    "neither the tuning set nor the squad-train sample holds",
        "factoid_questions": len(factoid), **figures, "fold_choices": chosen, "argued_questions": argued,
        "end_to_end": e2e})
    reread.CONFIG.write_text(json.dumps(cfg, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {reread.CONFIG.name} in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
