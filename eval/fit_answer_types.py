"""Fit the answer-type model (app/engine/answer_types.py): what kind of entity a question asks for.

    .venv/bin/python -m eval.fit_answer_types        # about 9 minutes on 2 cores, half of it parsing

1. Questions: squad-train's (../shared/datasets/squad-train/) on the articles that no other fit or figure
   uses: not the tuning set's 18 articles (the ranker's fit, eval/fit_ranker.py) and not the squad-train
   articles the ranker is fitted on (eval/squad_train.py). So every figure the ranker reports,
   with this model among its features, stays held out.
2. Labels: each question's gold sentence is read by the parser the ingest reads sentences with
   (ingest/reading.py, named entities only); the label is the entity the gold answer is (most of the
   answer inside one entity, or most of that entity inside the answer), else NONE. Labels with fewer than
   MIN_LABEL examples count as NONE.
3. A multinomial logistic regression over answer_types.question_features; article-wise folds (the
   dataset's `fold`) give the held-out accuracy printed, then the model on every article is written to
   app/engine/answer_type_model.json.
"""

from __future__ import annotations

import collections
import json
import time

import numpy as np

from app.engine.answer_types import MODEL, question_features

from . import squad_train

MIN_LABEL = 100  # rarer labels (LANGUAGE, ...) are too few to learn a question wording from
MIN_FEATURE = 5  # a wording seen fewer times is left out (keeps the model file small; held-out accuracy
# was the same within 0.2 points at 2)
PRUNE = 0.05
C = 1.0  # inverse regularisation; 0.3 and 3 gave held-out accuracy within 0.5 points


def excluded_articles() -> set[str]:
    from .tuning import default_dir

    tuning = {p.stem for p in (default_dir() / "docs").glob("*.txt")}
    return tuning | set(squad_train.reason_articles())


def label_of(doc, answer: str) -> str:
    text = doc.text
    at = text.find(answer)
    if at < 0:
        at = text.lower().find(answer.lower())
    if at < 0:
        return ""
    a0, a1 = at, at + len(answer)
    best, label = 0.0, "NONE"
    for e in doc.ents:
        inter = min(e.end_char, a1) - max(e.start_char, a0)
        if inter <= 0:
            continue
        share = max(inter / (a1 - a0), inter / (e.end_char - e.start_char))
        if share > 0.5 and share > best:
            best, label = share, e.label_
    return label


def labelled() -> list[tuple[dict, str]]:
    from ingest.reading import parser

    skip = excluded_articles()
    qs = [q for q in squad_train.questions() if q["doc"] not in skip and q.get("sentence") and q["answers"]]
    nlp = parser()
    only_ner = [p for p in nlp.pipe_names if p not in ("tok2vec", "ner")]
    sents = list(dict.fromkeys(q["sentence"] for q in qs))
    with nlp.select_pipes(disable=only_ner):
        docs = dict(zip(sents, nlp.pipe(sents, batch_size=256), strict=True))
    out = []
    for q in qs:
        lab = label_of(docs[q["sentence"]], q["answers"][0])
        if lab:
            out.append((q, lab))
    return out


def fit(rows: list[tuple[dict, str]], labels: list[str]):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = collections.Counter(f for q, _ in rows for f in question_features(q["q"]))
    keep = sorted(f for f, n in counts.items() if n >= MIN_FEATURE)
    vec = DictVectorizer()
    vec.fit([{f: 1 for f in keep}])
    X = vec.transform([{f: 1 for f in question_features(q["q"])} for q, _ in rows])
    y = np.array([labels.index(lab) for _, lab in rows])
    m = LogisticRegression(C=C, max_iter=2000).fit(X, y)
    return vec, m


def main() -> None:
    t0 = time.time()
    rows = labelled()
    freq = collections.Counter(lab for _, lab in rows)
    labels = sorted(lab for lab, n in freq.items() if n >= MIN_LABEL and lab != "NONE") + ["NONE"]
    rows = [(q, lab if lab in labels else "NONE") for q, lab in rows]
    print(f"{len(rows)} questions on {len({q['doc'] for q, _ in rows})} articles labelled in {time.time() - t0:.0f} s: "
          + ", ".join(f"{lab} {n}" for lab, n in collections.Counter(lab for _, lab in rows).most_common()))

    right, majority = [], []
    common = collections.Counter(lab for _, lab in rows).most_common(1)[0][0]
    for k in range(6):
        train = [r for r in rows if r[0]["fold"] != k]
        test = [r for r in rows if r[0]["fold"] == k]
        vec, m = fit(train, labels)
        pred = m.predict(vec.transform([{f: 1 for f in question_features(q["q"])} for q, _ in test]))
        right += [labels[int(p)] == lab for p, (_, lab) in zip(pred, test, strict=True)]
        majority += [lab == common for _, lab in test]
    acc = float(np.mean(right))
    print(f"held out (six article-wise folds): the most likely label is the gold answer's for {acc:.1%} "
          f"(always {common}: {np.mean(majority):.1%})")

    vec, m = fit(rows, labels)
    coef = m.coef_.T  # features x labels, in labels' order (classes_ are 0..n-1)
    assert list(m.classes_) == list(range(len(labels)))
    # Written small (about 500 KB): weights to two decimals, and a wording whose every weight is under
    # PRUNE left out (it moves no probability by more than 5%).
    keep = np.abs(coef).max(axis=1) >= PRUNE
    names, coef = vec.get_feature_names_out()[keep], coef[keep]
    MODEL.write_text(json.dumps({
        "fitted_by": "python -m eval.fit_answer_types", "labels": labels, "features": list(map(str, names)),
        "coef": [[round(float(x), 2) for x in row] for row in coef],
        "intercept": [round(float(x), 4) for x in m.intercept_],
        "report": {"questions": len(rows), "held_out_accuracy": round(acc, 4),
                   "majority_accuracy": round(float(np.mean(majority)), 4)},
    }, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {MODEL.name} ({MODEL.stat().st_size // 1024} KB, {len(names)} features) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
