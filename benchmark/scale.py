"""Performance at a school's scale: one table, each figure beside its baseline and the ratio.

    .venv/bin/python benchmark/scale.py [--passages 20000] [--rounds 2] [--questions-n 50]

The generated corpus. The documents are the shipped clean corpus (corpus/clean/*.txt, study questions
left out) plus the articles of ../shared/datasets/squad-history/docs/. Copy k (k = 0, 1, ...) of
document d is written as `<d>-<k>.txt`: its paragraphs (blank-line separated) are rotated by k, and
the sentences inside each paragraph (split after . ! or ? followed by a space) are shuffled with
`random.Random(f"{k}:{d}")`, so every copy is a distinct document made only of real sentences, and the
same call always writes the same bytes. Copies are added, k by k, until the estimated passage count
(passages of copy 0, split as ingest splits them, times the copies) reaches --passages. The copies are
ingested with Footnote's own `ingest.pipeline.ingest`, file by file, into a project home of their
own, .index/bench/p<N>/ (never the project's own index), and kept there (out of git, like all of
.index/): a later run with the same --passages reuses them, and a larger size starts from a copy of the
largest smaller one built, so that only the copies it lacks are embedded. The ONNX query encoder is
copied in from the project's index when it is there.

What is measured, in one run:
- ingest throughput (texts/s): of the shipped corpus, ingested into a temporary home in this run, and
  of the generated corpus's build (from its record: a cached build reports the figure of the run that
  built it), each against the bare `SentenceTransformer.encode` of the very texts the index holds (all
  of the shipped corpus's; a seeded sample of 1,000 of the generated one's) at ingest's batch size (64),
  measured in this run;
- warm answer latency p50/p95 on the shipped corpus and on the generated one, against llama-index's
  `VectorStoreIndex` retriever on the same Chroma index (as benchmark/latency.py builds it);
- engine load time, with where the time goes (imports, index open, query encoder, BM25 and the other
  start-up tables), on the first start after an ingest (nothing stored yet) and on a later one, and
  the wall time of a cold `footnote ask` (a fresh process);
- peak resident memory (VmHWM) of a process that loads the engine and answers N questions.

Each corpus's answering figures come from a fresh process, so memory and load times are its own. This
is a benchmark, not a test: figures depend on the machine and its load, so they are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SQUAD_DOCS = ROOT.parent / "shared" / "datasets" / "squad-history" / "docs"
BENCH = ROOT / ".index" / "bench"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
RAW_SAMPLE = 1000
BATCH = 64  # ingest embeds 64 texts a batch (ingest/embed.py)


# --- the generated corpus ---------------------------------------------------------------------------

def source_documents(clean_dir: Path = ROOT / "corpus" / "clean", squad_dir: Path = SQUAD_DOCS) -> dict[str, str]:
    """The documents copies are made of: name -> text, in name order."""
    docs = {p.stem: p.read_text(encoding="utf-8") for p in sorted(clean_dir.glob("*.txt"))
            if not p.name.endswith(".questions.txt")}
    if squad_dir.is_dir():
        docs.update({p.stem: p.read_text(encoding="utf-8") for p in sorted(squad_dir.glob("*.txt"))})
    return dict(sorted(docs.items()))


def variant(name: str, text: str, k: int) -> str:
    """Copy k of one document: paragraphs rotated by k, sentences shuffled inside each paragraph with a
    generator seeded by (k, name). Deterministic; copy 0 is shuffled too, so no copy is the original."""
    rng = random.Random(f"{k}:{name}")
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if paragraphs:
        r = k % len(paragraphs)
        paragraphs = paragraphs[r:] + paragraphs[:r]
    out = []
    for p in paragraphs:
        lines = []
        for line in p.split("\n"):
            sentences = [s for s in SENTENCE_END.split(line.strip()) if s]
            rng.shuffle(sentences)
            lines.append(" ".join(sentences))
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def write_copies(folder: Path, docs: dict[str, str], copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k in range(copies):
        for name, text in docs.items():
            path = folder / f"{name}-{k:03d}.txt"
            body = variant(name, text, k)
            if not path.exists() or path.read_text(encoding="utf-8") != body:
                path.write_text(body, encoding="utf-8")
            written.append(path)
    return written


def passages_per_copy(docs: dict[str, str]) -> int:
    from ingest.clean import clean
    from ingest.passages import split_passages

    return sum(len(split_passages(name, clean(variant(name, text, 0)).text)) for name, text in docs.items())


def bench_home(passages: int) -> Path:
    return BENCH / f"p{passages}"


def settings_for(home: Path):
    from ingest.settings import Settings

    return Settings.from_env(home=home)


def build(passages: int, log=print) -> Path:
    """The generated corpus of about `passages` passages, ingested into its own home (cached).

    The copies live in one folder, .index/bench/docs/, whatever the size, and are ingested file by file:
    a larger corpus starts from a copy of the largest smaller one already built, so its ingest embeds
    only the copies that one lacks (the build record gives the throughput of those)."""
    home = bench_home(passages)
    record = home / "build.json"
    if record.exists():
        return home
    docs = source_documents()
    per_copy = passages_per_copy(docs)
    copies = max(1, math.ceil(passages / per_copy))
    log(f"generating {copies} copies of {len(docs)} documents (~{per_copy} passages each) for {home}")
    files = write_copies(BENCH / "docs", docs, copies)
    smaller = sorted((int(p.name[1:]), p) for p in BENCH.glob("p*") if (p / "build.json").exists()
                     and p.name[1:].isdigit() and int(p.name[1:]) < passages)
    if home.exists():
        shutil.rmtree(home)  # a build that did not finish
    if smaller:
        shutil.copytree(smaller[-1][1], home)
        (home / "build.json").unlink()
    (home / "corpus").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "corpus" / "aliases.toml", home / "corpus" / "aliases.toml")
    settings = settings_for(home)
    from ingest.encoder import onnx_file

    ours = onnx_file(settings_for(ROOT))
    if ours.exists() and not onnx_file(settings).exists():
        onnx_file(settings).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ours, onnx_file(settings))
    from ingest.pipeline import ingest

    t = time.perf_counter()
    summary = ingest(files, settings, progress=True, log=log)
    seconds = time.perf_counter() - t
    record.write_text(json.dumps({"copies": copies, "documents": summary.index_documents,
                                  "passages": summary.index_passages, "embedded": summary.embedded,
                                  "seconds": round(seconds, 1), "from": smaller[-1][1].name if smaller else None,
                                  "built": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}))
    log(f"built: {summary.index_passages} passages, {summary.embedded} texts embedded in {seconds:.0f} s")
    return home


# --- measuring ---------------------------------------------------------------------------------------

def questions(n: int) -> list[str]:
    """The shipped evaluation questions, then questions of the SQuAD tuning set (every k-th, so that
    all its articles are asked about), n in all: the same list for every corpus."""
    import yaml

    qs = [q["question"] for q in yaml.safe_load((ROOT / "eval" / "questions.yaml").read_text())["questions"]]
    squad = SQUAD_DOCS.parent / "questions.jsonl"
    if squad.exists():
        rows = [json.loads(line)["q"] for line in squad.read_text(encoding="utf-8").splitlines() if line.strip()]
        step = max(1, len(rows) // max(1, n))
        qs += rows[::step]
    return qs[:n]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries a parent's ru_maxrss
    over into a child it starts, so a worker started by this (model-loading) script would report ours."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux; elsewhere bytes


def answer_worker(home: Path, n: int, rounds: int) -> dict:
    """In a fresh process: import, load the engine, answer n questions `rounds` times (after one warm
    round), note the peak memory, then time llama-index's retriever on the same questions."""
    t = time.perf_counter()
    from app.engine import Engine

    imports = time.perf_counter() - t
    settings = settings_for(home)
    t = time.perf_counter()
    engine = Engine.load(settings)
    load = time.perf_counter() - t
    qs = questions(n)
    ours = timed(engine.ask, qs, rounds)
    rss = peak_mib()

    from llama_index.core import VectorStoreIndex
    from llama_index.core.vector_stores import MetadataFilter, MetadataFilters
    from llama_index.vector_stores.chroma import ChromaVectorStore

    store = ChromaVectorStore(chroma_collection=engine.library.index.collection)
    baseline = VectorStoreIndex.from_vector_store(store, embed_model=engine.model).as_retriever(
        similarity_top_k=settings.top_k, filters=MetadataFilters(filters=[MetadataFilter(key="kind", value="passage")]))
    base = timed(baseline.retrieve, qs, rounds)
    return {"imports_s": imports, "load_s": load, "load_ms": getattr(engine, "load_ms", {}), "ours": ours, "base": base,
            "rss_mib": rss, "passages": len(engine.library.passages), "sentences": len(engine.library.sentences),
            "questions": len(qs)}


def timed(call, qs: list[str], rounds: int) -> list[float]:
    """Milliseconds per call over `rounds` rounds of the questions, after one untimed warm round."""
    for q in qs:
        call(q)
    out = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            call(q)
            out.append((time.perf_counter() - t) * 1000)
    return out


def first_start(home: Path) -> dict:
    """In a fresh process: the engine's load as on the first start after an ingest, without the start-up
    tables stored with the generation (removed first; this load stores them again)."""
    from ingest.store import live_generation

    try:
        from app.engine.library import DERIVED
    except ImportError:  # code from before the tables were stored (to measure a baseline with this script)
        DERIVED = "footnote-derived"

    settings = settings_for(home)
    shutil.rmtree(settings.index_dir / (live_generation(settings) or "-") / DERIVED, ignore_errors=True)
    from app.engine import Engine

    t = time.perf_counter()
    Engine.load(settings)
    return {"load_s": time.perf_counter() - t}


def in_fresh_process(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True,
                         env=_env(), cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(home: Path | None = None) -> dict:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if home is not None:
        env["FOOTNOTE_HOME"] = str(home)
    return env


def cold_ask(home: Path, question: str) -> tuple[float, float]:
    """Wall seconds of a fresh `footnote ask`, and of a fresh interpreter that only imports what it does."""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", "ask", question], capture_output=True, check=True,
                   env=_env(home), cwd=ROOT)
    ask = time.perf_counter() - t
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import app.cli, app.engine"], capture_output=True, check=True,
                   env=_env(home), cwd=ROOT)
    return ask, time.perf_counter() - t


def indexed_texts(home: Path, limit: int) -> list[str]:
    """A seeded sample of the texts the index holds (passages and sentences), as ingest embedded them."""
    from ingest.store import Index

    index = Index.open(settings_for(home))
    texts = []
    for kind in ("passage", "sentence"):
        r = index.records(kind)
        for meta, text in zip(r["metadatas"], r["documents"], strict=True):
            heading = meta.get("heading", "") if kind == "passage" else ""
            texts.append(text if not heading or text.startswith(heading) else f"{heading}\n{text}")
    random.Random(0).shuffle(texts)
    return texts[:limit]


def raw_encode_rate(texts: list[str], model_path: str) -> float:
    """Texts per second of the bare SentenceTransformer.encode, same batch size as ingest."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path, device="cpu")
    model.encode(texts[:BATCH], batch_size=BATCH)  # warm
    t = time.perf_counter()
    model.encode(texts, batch_size=BATCH)
    return len(texts) / (time.perf_counter() - t)


def shipped_ingest(tmp: Path) -> tuple[float, int, Path]:
    """Ingest the shipped corpus into a fresh home (as tests/conftest.py's make_home does): seconds,
    texts embedded, the home."""
    from ingest.pipeline import ingest

    home = tmp / "home"
    (home / "corpus").mkdir(parents=True)
    shutil.copytree(ROOT / "corpus" / "raw", home / "corpus" / "raw")
    for name in ("sources.toml", "aliases.toml"):
        shutil.copy(ROOT / "corpus" / name, home / "corpus" / name)
    settings = settings_for(home)
    from ingest.encoder import onnx_file

    ours = onnx_file(settings_for(ROOT))
    if ours.exists():
        onnx_file(settings).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ours, onnx_file(settings))
    t = time.perf_counter()
    summary = ingest(None, settings, progress=False, log=lambda *a: None)
    return time.perf_counter() - t, summary.embedded, home


def row(label: str, ours: float, base: float | None, unit: str, base_label: str = "") -> str:
    ratio = f"{ours / base:6.2f}x" if base else "       "
    b = f"{base:10.1f}" if base is not None else f"{'':10}"
    return f"| {label:<56} | {ours:10.1f} | {b} | {ratio} | {unit:<6} | {base_label} |"


def report(args) -> None:
    import tempfile

    from ingest.settings import Settings

    home = build(args.passages)
    record = json.loads((home / "build.json").read_text())
    model_path = Settings.from_env().embed_model
    lines = [f"Footnote at scale, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
             f"{len(__import__('os').sched_getaffinity(0))} cores, load average {__import__('os').getloadavg()[0]:.1f}"]
    lines += [f"| {'figure':<56} | {'Footnote':>10} | {'baseline':>10} | {'ratio':>7} | {'unit':<6} | baseline is |",
              f"|{'-' * 58}|{'-' * 11}:|{'-' * 11}:|{'-' * 8}:|{'-' * 8}|---|"]

    with tempfile.TemporaryDirectory() as tmp:
        seconds, embedded, shipped_home = shipped_ingest(Path(tmp))
        shipped_texts = indexed_texts(shipped_home, RAW_SAMPLE)
        raw = raw_encode_rate(shipped_texts, model_path)
        lines.append(row(f"ingest, shipped corpus ({embedded} texts)", embedded / seconds, raw, "text/s",
                         "raw SentenceTransformer.encode, same texts, batch 64"))
        gen_raw = raw_encode_rate(indexed_texts(home, RAW_SAMPLE), model_path)
        rate = record["embedded"] / record["seconds"] if record["embedded"] else 0.0
        lines.append(row(f"ingest, generated (+{record['embedded']} texts, {record['built'][:10]})", rate, gen_raw,
                         "text/s", f"raw encode of {RAW_SAMPLE} of its texts, batch 64, this run"))

        corpora = [("shipped", ROOT), (f"{record['passages']} passages", home)]
        results = {}
        firsts = {}
        for name, h in corpora:
            firsts[name] = in_fresh_process("--first-start", str(h))["load_s"]
            results[name] = in_fresh_process("--answer", str(h), "--questions-n", str(args.questions_n),
                                             "--rounds", str(args.rounds))
        for name, _ in corpora:
            r = results[name]
            lines.append(row(f"answer p50, {name} ({r['sentences']} sentences)", pct(r["ours"], 50),
                             pct(r["base"], 50), "ms", "llama-index VectorStoreIndex retrieve, same index"))
            lines.append(row(f"answer p95, {name}", pct(r["ours"], 95), pct(r["base"], 95), "ms",
                             "llama-index VectorStoreIndex retrieve, same index"))
        base_p50 = pct(results["shipped"]["ours"], 50)
        for name, _ in corpora[1:]:
            lines.append(row(f"answer p50, {name}, against shipped", pct(results[name]["ours"], 50), base_p50, "ms",
                             "Footnote on the shipped corpus"))
        for name, h in corpora:
            r = results[name]
            lines.append(row(f"engine load, first start after ingest, {name}", firsts[name] * 1000, None, "ms"))
            lines.append(row(f"engine load, {name}", r["load_s"] * 1000, None, "ms"))
            for stage, ms in r["load_ms"].items():
                lines.append(row(f"  of which {stage}", ms, None, "ms"))
            lines.append(row(f"  imports (app.engine), {name}", r["imports_s"] * 1000, None, "ms"))
            ask, imports = cold_ask(h, "Why did Stalin sign the pact with Hitler?")
            lines.append(row(f"cold `footnote ask`, {name}", ask * 1000, None, "ms"))
            lines.append(row("  of which a fresh interpreter + imports", imports * 1000, None, "ms"))
            lines.append(row(f"peak RSS after {r['questions'] * (args.rounds + 1)} answers, {name}", r["rss_mib"],
                             None, "MiB"))
    print("\n".join(lines))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=20000, help="size of the generated corpus (default 20000)")
    ap.add_argument("--rounds", type=int, default=2, help="timed rounds over the questions (after one warm round)")
    ap.add_argument("--questions-n", type=int, default=50, help="questions asked of each corpus")
    ap.add_argument("--build-only", action="store_true", help="build (or find) the generated corpus and stop")
    ap.add_argument("--answer", metavar="HOME", help=argparse.SUPPRESS)
    ap.add_argument("--first-start", metavar="HOME", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.first_start:
        print(json.dumps(first_start(Path(args.first_start))))
        return 0
    if args.answer:
        print(json.dumps(answer_worker(Path(args.answer), args.questions_n, args.rounds)))
        return 0
    if args.build_only:
        print(build(args.passages))
        return 0
    report(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
