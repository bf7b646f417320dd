"""Calibrate the two thresholds Footnote decides with, on the evaluation set, and print the figures.

    .venv/bin/python -m eval.calibrate

1. Abstention (app/engine/compose.py): for every question, the evidence features (best sentence similarity,
   question-word coverage, names the sources never mention) and whether the current rule answers it.
2. Support check for generated sentences (app/engine/llm.py): each key point (a teacher's paraphrase) against
   its own gold quotes (should pass) and against gold quotes of other questions (should fail).

"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from app.engine import Engine
from app.engine.llm import SUPPORT_OVERLAP, SUPPORT_SIM, overlap, supports
from ingest.embed import embed_texts

QUESTIONS = Path(__file__).with_name("questions.yaml")


def main() -> None:
    engine = Engine.load()
    qs = yaml.safe_load(QUESTIONS.read_text())["questions"]

    print("1. Abstention features (answerable?, answered?, top_sim, coverage, unknown names, id)")
    wrong = 0
    for q in qs:
        a = engine.ask(q["question"])
        ok = (not a.abstained) == q["answerable"]
        wrong += not ok
        print(f"  {'ok ' if ok else 'BAD'} {q['answerable']!s:5} {not a.abstained!s:5} "
              f"{a.evidence['top_sim']:.3f} {a.evidence['coverage']:.2f} {a.evidence['unknown_names']} {q['id']}")
    print(f"  {len(qs) - wrong}/{len(qs)} decided correctly")

    print(f"\n2. Support check (SUPPORT_SIM={SUPPORT_SIM}, SUPPORT_OVERLAP={SUPPORT_OVERLAP})")
    pairs = [(kp["point"], ev["quote"], q["id"]) for q in qs if q["answerable"] for kp in q["key_points"]
             for ev in kp["evidence"]]
    points = embed_texts(engine.model, [p for p, _, _ in pairs])
    quotes = embed_texts(engine.model, [x for _, x, _ in pairs])
    P = np.asarray(points) / np.linalg.norm(points, axis=1, keepdims=True)
    Q = np.asarray(quotes) / np.linalg.norm(quotes, axis=1, keepdims=True)
    pos = [(float(P[i] @ Q[i]), overlap(pairs[i][0], pairs[i][1])) for i in range(len(pairs))]
    neg = [(float(P[i] @ Q[j]), overlap(pairs[i][0], pairs[j][1]))
           for i in range(len(pairs)) for j in range(len(pairs)) if pairs[i][2] != pairs[j][2]]
    for name, data in (("own gold quote", pos), ("another question's quote", neg)):
        sims = np.array([s for s, _ in data])
        ovs = np.array([o for _, o in data])
        passed = sum(supports(s, o) for s, o in data)
        print(f"  {name:26} n={len(data):3}  sim p10/p50/p90 {np.percentile(sims, 10):.2f}/{np.median(sims):.2f}/"
              f"{np.percentile(sims, 90):.2f}  overlap p50 {np.median(ovs):.2f}  pass {passed / len(data):.0%}")


if __name__ == "__main__":
    main()
