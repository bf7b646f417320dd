"""Ingest is atomic per run, `--rebuild` included: `footnote ingest --rebuild` killed with SIGKILL at
random moments leaves the old index or the new one, whole, and a running engine follows the live
generation between questions.

The real corpus in two versions: as shipped, and with one reading given an extra sentence (about
Zhdanov, whom no shipped source names), so a reader can tell which version it is serving.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SOURCES, make_home

from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import GENERATION, Index, live_generation

pytestmark = pytest.mark.slow

KILLS = 8  # random moments, plus one at the switch
SEED = 20261126
REBUILD_LIMIT_S = 120  # one rebuild of the five readings takes 10-20 s on two busy cores
EXTRA = "\n\nZhdanov told the Politburo in August 1939 that the pact with Germany bought the Soviet Union time.\n"
OPENING = SOURCES["stalin-fp-1925-1945-opening"]


def cli_env(settings: Settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    return env | {"PYTHONPATH": str(ROOT), "FOOTNOTE_HOME": str(settings.home),
                  "FOOTNOTE_INDEX_DIR": str(settings.index_dir)}


def rebuild(settings: Settings) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "ingest", "--rebuild"], env=cli_env(settings),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def set_version(settings: Settings, extra: bool) -> None:
    original = (ROOT / "corpus" / "raw" / OPENING.file).read_text(encoding="utf-8")
    (settings.raw_dir / OPENING.file).write_text(original + EXTRA if extra else original, encoding="utf-8")


def served(settings: Settings) -> dict[str, str]:
    """The live manifest (doc id -> version key), after checking that the index is whole: every
    document it lists has its document record and exactly the passages the manifest says."""
    index = Index.open(settings)
    manifest = index.manifest()
    assert manifest, "the index is empty"
    docs = index.records("document")["metadatas"]
    assert sorted(m["doc_id"] for m in docs) == sorted(manifest)
    passages = index.records("passage")["metadatas"]
    for doc_id, entry in manifest.items():
        assert sum(m["doc_id"] == doc_id for m in passages) == entry.passages, f"{doc_id} is half there"
    return {d: e.key for d, e in manifest.items()}


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    """An index of the corpus, and the manifests of both versions: (settings, plain, extra)."""
    home = make_home(tmp_path_factory.mktemp("atomic"))
    settings = Settings.from_env(home=home, index_dir=home / ".index")
    set_version(settings, extra=True)
    ingest(None, settings, progress=False)
    extra = served(settings)
    set_version(settings, extra=False)
    ingest(None, settings, progress=False)
    plain = served(settings)
    assert plain != extra
    return settings, plain, extra


def test_a_rebuild_killed_at_random_moments_leaves_the_old_or_the_new_index_whole(versions):
    from app.engine import Engine

    settings, plain, extra = versions
    engine = Engine.load(settings)
    question = "What did Zhdanov tell the Politburo in August 1939?"

    # How long a whole rebuild takes here, so that the kills fall across all of it, the switch included.
    set_version(settings, extra=True)
    started = time.monotonic()
    proc = rebuild(settings)
    assert proc.wait(timeout=REBUILD_LIMIT_S) == 0, proc.stderr.read().decode()
    whole = time.monotonic() - started
    assert served(settings) == extra

    rng = random.Random(SEED)
    # KILLS random moments, one in each eighth of the run and a little past it (so the last may finish),
    # then one kill the instant the pointer switches: the moment an ingest is most exposed.
    span = whole * 1.2
    moments = [span * (k + rng.random()) / KILLS for k in range(KILLS)] + ["at the switch"]
    outcomes = []
    before = extra
    for i, moment in enumerate(moments):
        target = plain if before == extra else extra  # always the other version, so the outcome is plain to see
        set_version(settings, extra=target is extra)
        pointer = (settings.index_dir / "live.json").read_text(encoding="utf-8")
        proc = rebuild(settings)
        killed = False
        if moment == "at the switch":
            deadline = time.monotonic() + REBUILD_LIMIT_S
            while proc.poll() is None and time.monotonic() < deadline:
                if (settings.index_dir / "live.json").read_text(encoding="utf-8") != pointer:
                    proc.send_signal(signal.SIGKILL)
                    killed = True
                    break
                time.sleep(0.002)
            proc.wait(timeout=30)
        else:
            try:
                proc.wait(timeout=moment)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait(timeout=30)
                killed = True
        assert killed or proc.returncode == 0, proc.stderr.read().decode()
        proc.stderr.close()
        after = served(settings)
        assert after in (before, target), f"kill {i} ({moment}) left a mixed index"
        if moment == "at the switch":
            assert after == target, "the pointer had switched, yet the old index is served"
        outcomes.append((moment if isinstance(moment, str) else round(moment, 1), killed,
                         "new" if after == target else "old"))

        # The running engine moves to whatever is live before its next question, and answers from it.
        answer = engine.ask(question)
        assert engine.library.index.generation == live_generation(settings)
        zhdanov = any("Zhdanov" in c.quote for c in answer.citations)
        assert zhdanov == (after == extra), f"kill {i}: the engine answered from the other version"
        for c in answer.citations:
            assert engine.library.docs[c.doc_id].text[c.start : c.end] == c.quote
        before = after

    print("kill -9 outcomes (seconds into the rebuild, killed, index served):", outcomes, f"whole {whole:.1f} s")
    assert sum(killed for _, killed, _ in outcomes) >= KILLS // 2, f"too few runs were killed: {outcomes}"
    generations = [p.name for p in settings.index_dir.iterdir() if GENERATION.match(p.name)]
    proc = rebuild(settings)
    assert proc.wait(timeout=REBUILD_LIMIT_S) == 0
    proc.stderr.close()
    left = [p.name for p in settings.index_dir.iterdir() if GENERATION.match(p.name)]
    assert len(left) == 2, f"killed runs' generations were not dropped: {generations} -> {left}"


def test_an_unchanged_reingest_writes_no_new_generation(versions):
    settings, _, _ = versions
    live = live_generation(settings)
    folders = sorted(p.name for p in settings.index_dir.iterdir())
    summary = ingest(None, settings, progress=False)
    assert summary.embedded == 0 and summary.new == summary.updated == summary.removed == []
    assert live_generation(settings) == live
    assert sorted(p.name for p in settings.index_dir.iterdir()) == folders


def test_an_engine_keeps_answering_from_its_generation_until_its_next_question(versions, tmp_path):
    from app.engine import Engine

    settings, plain, extra = versions
    set_version(settings, extra=False)
    ingest(None, settings, progress=False)
    engine = Engine.load(settings)
    old_library = engine.library
    set_version(settings, extra=True)
    ingest(None, settings, progress=False)

    # The replaced generation is still there for a reader that is mid-answer.
    assert old_library.index.collection.count() > 0
    assert engine.library is old_library  # nothing moves until a question is asked
    answer = engine.ask("What did Zhdanov tell the Politburo in August 1939?")
    assert engine.library is not old_library
    assert any("Zhdanov" in c.quote for c in answer.citations)
    assert served(settings) == extra
    assert Path(settings.index_dir / old_library.index.generation).exists()
