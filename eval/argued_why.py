"""The argued questions of eval/argued.yaml with and without the reason model's opening: how a why-answer's
first citation and key points change when the reason model chooses the opening (app/engine/reasons.py,
`Engine.reason_opens`) instead of the argued composer.

    .venv/bin/python -m eval.argued_why      # about 3 minutes on 2 cores, the tuning index cached

Every question is asked through `Engine.ask` on the tuning index (eval/fit_ranker.py's, under .index/tuning),
with the sentence ranker of the fold that never saw its article (eval/fit_argued.py's `Judge` and
`held_out_engine`), so the opening is chosen as on an unseen document. Printed for the why-questions
(`reasons.asks_reason`) and for all 104: key points stated, first citation on gold evidence, citations on
gold, sources per answer. The figures are quoted in docs/reading.md.
"""

from __future__ import annotations

import time

from app.engine import argue
from app.engine.reasons import asks_reason

from .evalset import load
from .fit_argued import QUESTIONS, Judge, held_out_engine


def main() -> None:
    t0 = time.perf_counter()
    engine, held_out_models = held_out_engine()
    everything = load(QUESTIONS)
    constants = {k: getattr(argue, k) for k in argue.TUNABLE}  # as the engine answers (the fitted ones)
    for name, questions in (("why-questions", [q for q in everything if asks_reason(q.question)]),
                            ("all argued questions", everything)):
        judge = Judge(engine, questions, held_out_models)
        for opens in (False, True):
            engine.reason_opens = opens
            r = judge(constants)
            print(f"{name} ({r['questions']}), {'reason model' if opens else 'argued composer'} opens: "
                  f"key points stated {r['key_points']:.1%}, first citation on gold {r['first_on_gold']:.1%}, "
                  f"citations on gold {r['citations_on_gold']:.1%}, {r['sources']:.2f} sources", flush=True)
    engine.reason_opens = True
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
