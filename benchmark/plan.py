"""How long an essay plan takes, warm, on the shipped corpus: with the claim read (app/jobs/sides.py: the
side of each sentence; points.py: each point's main clause, parsed; the key dates inside the span) and, as
the baseline in the same run, without it (no sides, the lead sentence as the point, no key dates: the
planner as it was before).

    .venv/bin/python benchmark/plan.py [--runs 5]

Prints the median over the questions and runs each way, the slowest question, and the ratio. The issue's
target: under 1 s warm on two cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

QUESTIONS = [
    "To what extent was Stalin's foreign policy between 1933 and 1941 driven by fear of Germany?",
    "How successful was Stalin's foreign policy 1928-41?",
    "Why did Stalin sign the Nazi-Soviet Pact?",
    "How far was the USSR responsible for the failure of collective security?",
    "To what extent was Soviet foreign policy in the 1920s driven by the desire to spread revolution?",
]


def timed(engine, runs: int) -> tuple[float, float]:
    from app.jobs.plan import make_plan

    times = {q: [] for q in QUESTIONS}
    for _ in range(runs):
        for q in QUESTIONS:
            t = time.perf_counter()
            make_plan(engine, q)
            times[q].append(time.perf_counter() - t)
    medians = [statistics.median(ts) for ts in times.values()]
    return statistics.median(medians), max(medians)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from app.engine import Engine
    from app.engine.compose import display
    from app.jobs import plan
    from ingest.settings import Settings

    engine = Engine.load(Settings.from_env())
    for q in QUESTIONS:  # warm: the parser, the encoder, the timeline, the debate
        plan.make_plan(engine, q)
    median, slowest = timed(engine, args.runs)
    with mock.patch.object(plan, "read_sides", lambda *a, **k: None), \
            mock.patch.object(plan, "main_clause", lambda text, **k: display(text)), \
            mock.patch.object(plan.Planner, "chronology", lambda self: []):
        base_median, base_slowest = timed(engine, args.runs)
    print(f"essay plan, warm, {len(QUESTIONS)} questions, median of {args.runs} runs each: "
          f"{median * 1000:.0f} ms with the claim read (slowest question {slowest * 1000:.0f} ms); "
          f"{base_median * 1000:.0f} ms without (baseline, same run; slowest {base_slowest * 1000:.0f} ms); "
          f"ratio {median / base_median:.2f}x")


if __name__ == "__main__":
    main()
