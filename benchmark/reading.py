"""What reading every sentence at ingest costs: `footnote ingest` of the shipped corpus with the reading
and without it (today's ingest before readings), in the same run, and the parser's throughput, from
which the 20,000-passage bench corpus's share is worked out.

    .venv/bin/python benchmark/reading.py [--rounds 2]

Each round ingests the shipped corpus into a fresh temporary home twice, once with ingest/reading.py
turned off (the records are then what ingest wrote before readings) and once as shipped, alternating
which goes first. A benchmark, not a test: figures depend on the machine and its load; they are printed,
never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ingest.pipeline as pipeline  # noqa: E402
from ingest.pipeline import ingest  # noqa: E402
from ingest.settings import HOME, Settings  # noqa: E402


def one(with_reading: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        (home / "corpus").mkdir(parents=True)
        shutil.copytree(HOME / "corpus" / "raw", home / "corpus" / "raw")
        for name in ("sources.toml", "aliases.toml"):
            shutil.copy(HOME / "corpus" / name, home / "corpus" / name)
        settings = Settings.from_env(home=home, index_dir=home / ".index")
        real = pipeline._readings
        if not with_reading:
            pipeline._readings = lambda p: {}
        try:
            t = time.perf_counter()
            summary = ingest(None, settings, progress=False, log=lambda *a: None)
            return time.perf_counter() - t, summary.embedded
        finally:
            pipeline._readings = real


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    from ingest.reading import parser, read

    t = time.perf_counter()
    parser()
    load = time.perf_counter() - t
    one(True)  # warm: the embedding model, the parser, the disk cache
    plain, reading = [], []
    for r in range(args.rounds):
        order = [False, True] if r % 2 == 0 else [True, False]
        for w in order:
            seconds, texts = one(w)
            (reading if w else plain).append(seconds)
    p, q = statistics.median(plain), statistics.median(reading)
    print(f"parser load (first in this process): {load:.1f} s")
    print(f"ingest, shipped corpus ({texts} texts): without reading {p:.1f} s, with reading {q:.1f} s, ratio {q / p:.2f}x")

    text = (HOME / "corpus" / "clean" / "soviet-fp-1919-1945.txt").read_text(encoding="utf-8")
    from ingest.passages import split_passages

    sentences = [s.text for ps in split_passages("x", text) for s in ps.sentences if not s.heading] * 20
    t = time.perf_counter()
    read(sentences)
    rate = len(sentences) / (time.perf_counter() - t)
    # The 20,000-passage bench corpus: about 4.4 texts a passage embedded at ~112 texts/s (docs/performance.md),
    # of which about 3.4 are sentences that are read.
    embed_s, read_s = 20_000 * 4.4 / 112, 20_000 * 3.4 / rate
    print(f"parser: {rate:.0f} sentences/s; 20,000 passages: embedding ~{embed_s / 60:.0f} min, reading "
          f"~{read_s / 60:.0f} min, ingest ratio ~{(embed_s + read_s) / embed_s:.2f}x")


if __name__ == "__main__":
    main()
