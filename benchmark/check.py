"""How long `footnote check` takes on a 300-word answer, warm, on the shipped corpus: with the comparison of
events (app/jobs/claims.py: each sentence parsed, its events compared with the sources') and, as the
baseline in the same run, without it (the checker as it was before: cosine, words, dates, numbers, names).

    .venv/bin/python benchmark/check.py [--runs 5]

Prints the median of --runs checks each way and the ratio. The issue's target: under 5 s warm on two cores.
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

# About 300 words: true sentences, false ones and invented ones, as a student writes them.
ANSWER = " ".join([
    "Stalin signed the Nazi-Soviet Pact in August 1939 because he wanted to buy time to rearm.",
    "Britain and France had shown at Munich in 1938 that they would not stand up to Hitler.",
    "Stalin was not invited to the Munich Conference, so he stopped trusting the West.",
    "In May 1939 Litvinov was replaced as commissar for foreign affairs by Molotov.",
    "Litvinov was Jewish and had been the face of collective security.",
    "A pact with Germany would also prevent a war on two fronts, as the Soviets were fighting Japan.",
    "The pact let Stalin regain parts of Poland that Russia had lost in the First World War.",
    "When Hitler came to power in 1933 he renewed the Rapallo Treaty with the USSR.",
    "In 1934 the Soviet Union joined the League of Nations.",
    "In 1935 the USSR signed mutual assistance pacts with France and Czechoslovakia.",
    "In 1936 Britain accepted Stalin's offer of an anti-Nazi alliance.",
    "In the Spanish Civil War Soviet help allowed the Republicans to defeat Franco.",
    "The Winter War with Finland exposed how weak the Red Army was after the purges.",
    "Hitler invaded the Soviet Union in June 1941 in Operation Barbarossa.",
    "Stalin visited London in 1937 to sign an alliance with Britain.",
    "Stalin secretly admired Hitler and wanted to copy the Nazi economy.",
    "Historians such as A. J. P. Taylor argue that the pact was a defensive move.",
    "Others argue that Stalin was an opportunist who wanted to expand Soviet territory.",
    "In the end the pact gave the Soviet Union almost two years to prepare for war.",
    "However, the purges had weakened the army so much that the first months of the war were a disaster.",
])
QUESTION = "Why did Stalin sign the Nazi-Soviet Pact?"


def timed(engine, runs: int) -> float:
    from app.jobs import check

    times = []
    for _ in range(runs):
        t = time.perf_counter()
        check.check(engine, QUESTION, ANSWER)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    from app.engine import Engine
    from app.jobs import check, claims
    from ingest.settings import Settings

    engine = Engine.load(Settings.from_env())
    print(f"answer: {len(ANSWER.split())} words, {len(check.split_sentences(ANSWER))} sentences")
    check.check(engine, QUESTION, ANSWER)  # warm: the parser, the encoder, the lexicon
    with_events = timed(engine, args.runs)
    with mock.patch.object(claims, "read_claim", lambda text: {}), mock.patch.object(claims, "compare",
                                                                                   lambda a, b: []):
        without = timed(engine, args.runs)
    print(f"check, warm, median of {args.runs}: {with_events:.2f} s with events compared; "
          f"{without:.2f} s without (baseline, same run); ratio {with_events / without:.2f}x")


if __name__ == "__main__":
    main()
