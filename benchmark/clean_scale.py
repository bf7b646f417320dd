"""Cleaning and splitting at scale: clean + split times and peak memory at 1, 4 and 20 MB.

    .venv/bin/python benchmark/clean_scale.py [--sizes 1 4 20] [--long-line 5]

The text is generated from the shipped clean corpus (corpus/clean/*.txt, questions left out), copied
until it reaches the size, each copy varied (its paragraphs rotated, its years shifted, a numbered
heading) so that lines repeat only as often as they would in a real long file. Every rule runs, every
repair included, because a scale bug in any rule would hang an ingest; then the clean text is split into
passages as prose. `--long-line N` adds an N MB line with no full stop, the case a sentence cap is for.

Each size runs in a fresh process so that its peak resident memory (ru_maxrss) is its own. This is a
benchmark, not a test: figures depend on the machine and its load, so they are printed, never asserted.
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.clean import RULES, clean  # noqa: E402
from ingest.passages import split_passages  # noqa: E402

MB = 1_000_000


def corpus_text(size: int) -> str:
    """About `size` characters of varied copies of the shipped clean corpus."""
    docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus" / "clean").glob("*.txt"))
            if not p.name.endswith(".questions.txt")]
    paragraphs = [p for d in docs for p in d.split("\n\n") if p.strip()]
    parts, total, i = [], 0, 0
    while total < size:
        k = i % len(paragraphs)
        rotated = paragraphs[k:] + paragraphs[:k]
        copy = f"Part {i + 1}\n\n" + "\n\n".join(rotated)
        copy = re.sub(r"\b1[89]\d\d\b", lambda m, shift=i % 37: str(int(m.group()) + shift), copy)
        parts.append(copy)
        total += len(copy) + 2
        i += 1
    return "\n\n".join(parts)[:size]


def long_line(size: int) -> str:
    words = "the delegates argued over the frontier and the guarantees and the timing of any treaty".split()
    out, n, i = [], 0, 0
    while n < size:
        w = words[i % len(words)]
        out.append(w)
        n += len(w) + 1
        i += 1
    return " ".join(out) + "\n"


def measure(kind: str, mb: float) -> None:
    text = corpus_text(int(mb * MB)) if kind == "corpus" else long_line(int(mb * MB))
    every_repair = [r.name for r in RULES if r.repair]
    # Load wordfreq and the sentence tokenizer first: the figures are about size, not start-up.
    split_passages("warm-up", clean("A warm-up line, split a ny way.\n", repairs=every_repair).text)
    t = time.perf_counter()
    cleaned = clean(text, repairs=every_repair)
    t_clean = time.perf_counter() - t
    t = time.perf_counter()
    passages = split_passages("bench", cleaned.text)
    t_split = time.perf_counter() - t
    longest = max((len(s.text) for p in passages for s in p.sentences), default=0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    label = f"{mb:g} MB" + (" one line, no full stop" if kind == "line" else "")
    print(f"{label:>28}  clean {t_clean:7.2f} s  split {t_split:7.2f} s  passages {len(passages):7d}  "
          f"longest sentence {longest:5d} chars  peak memory {peak:6.0f} MiB", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="*", default=[1, 4, 20], help="sizes in MB")
    ap.add_argument("--long-line", type=float, default=5, help="MB of one line with no full stop (0: skip)")
    ap.add_argument("--one", nargs=2, metavar=("KIND", "MB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        measure(args.one[0], float(args.one[1]))
        return 0
    runs = [("corpus", mb) for mb in args.sizes] + ([("line", args.long_line)] if args.long_line else [])
    for kind, mb in runs:
        subprocess.run([sys.executable, __file__, "--one", kind, str(mb)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
