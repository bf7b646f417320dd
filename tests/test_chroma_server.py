"""The index on a real Chroma server (`chroma run` on 127.0.0.1), as a deployment that outgrows one
machine would use it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import chromadb
import pytest
from conftest import DOC_IDS, make_home

from ingest.errors import IndexServerError
from ingest.pipeline import ingest
from ingest.settings import Settings
from ingest.store import GENERATION, Index, live_generation

pytestmark = pytest.mark.slow

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real Chroma server on a free local port, stopped at the end of the module."""
    if not CHROMA.exists():
        pytest.fail(f"the `chroma` command is missing beside {sys.executable}: install the project (`make setup`)")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    log = (data / "server.log").open("w")
    server = subprocess.Popen([str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(data / "db")],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(data / 'server.log').read_text()[-2000:]}")
                time.sleep(0.1)
        if server.poll() is not None:  # the heartbeat came from someone else's server on this port
            pytest.fail(f"chroma run exited: {(data / 'server.log').read_text()[-2000:]}")
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def served(chroma_server, tmp_path_factory):
    """The real corpus ingested into the server, through the environment a deployment would set."""
    home = make_home(tmp_path_factory.mktemp("served"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOOTNOTE_CHROMA_HOST", "127.0.0.1")
        mp.setenv("FOOTNOTE_CHROMA_PORT", str(chroma_server))
        mp.setenv("FOOTNOTE_COLLECTION", f"footnote-{uuid.uuid4().hex[:8]}")
        settings = Settings.from_env(home=home)
    assert settings.chroma_host == "127.0.0.1" and settings.chroma_port == chroma_server
    return settings, ingest(None, settings, progress=False)


def test_the_corpus_ingests_into_a_chroma_server(served):
    settings, summary = served
    assert sorted(summary.new) == DOC_IDS and summary.skipped == []
    index = Index.open(settings)
    manifest = index.manifest()
    assert sorted(manifest) == DOC_IDS
    assert sum(e.passages for e in manifest.values()) == summary.passages == len(index.records("passage")["ids"])
    assert summary.embedded == len(index.records("passage")["ids"]) + len(index.records("sentence")["ids"])
    assert index.info["embed_model"] == "all-MiniLM-L6-v2"
    assert not (settings.index_dir / "live.json").exists(), "a server index must not write a local one"
    assert not [p for p in settings.index_dir.glob("g*") if GENERATION.match(p.name)]


def test_a_server_index_holds_the_same_passages_as_a_local_one(served, corpus_index):
    settings, _ = served
    server, local = Index.open(settings), Index.open(corpus_index.settings)
    assert {d: e.key for d, e in server.manifest().items()} == {d: e.key for d, e in local.manifest().items()}
    for kind in ("passage", "sentence"):
        assert sorted(server.records(kind)["documents"]) == sorted(local.records(kind)["documents"])


def test_reingest_into_the_server_embeds_nothing(served):
    settings, _ = served
    count = Index.open(settings).collection.count()
    summary = ingest(None, settings, progress=False)
    assert summary.embedded == 0 and sorted(summary.unchanged) == DOC_IDS
    assert Index.open(settings).collection.count() == count


def test_a_query_on_the_server_finds_the_sentence_that_answers_as_the_local_index_does(served, corpus_index):
    from ingest.embed import embed_query, embedder

    settings, _ = served
    vector = embed_query(embedder(settings.embed_model), "Who headed the Commissariat for Foreign Affairs in the 1920s?")
    server = Index.open(settings).query(vector, "sentence", 3)
    local = Index.open(corpus_index.settings).query(vector, "sentence", 3)
    found = list(zip(server["distances"][0], server["documents"][0], strict=True))
    assert "headed by G.V. Chicherin from 1918 to 1930" in server["documents"][0][0], found
    assert server["documents"][0] == local["documents"][0], found


def test_an_unreachable_server_is_a_clear_error(tmp_path):
    port = free_port()  # nothing listens on it
    settings = Settings(chroma_host="127.0.0.1", chroma_port=port)
    with pytest.raises(IndexServerError) as e:
        Index.open(settings)
    message = str(e.value)
    assert message.startswith(f"Cannot reach the Chroma server at 127.0.0.1:{port} (")
    assert "Start it with `chroma run` or unset FOOTNOTE_CHROMA_HOST" in message
    assert "\n" not in message
    reading = tmp_path / "reading.txt"
    reading.write_text("Litvinov was dismissed in May 1939.\n", encoding="utf-8")
    with pytest.raises(IndexServerError):
        ingest([reading], settings, progress=False)


def server_generations(settings: Settings) -> list[str]:
    client = chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port)
    prefix = f"{settings.collection}--"
    names = [c if isinstance(c, str) else c.name for c in client.list_collections()]
    return sorted(n.removeprefix(prefix) for n in names if n.startswith(prefix) and GENERATION.match(n.removeprefix(prefix)))


def test_a_rebuild_on_the_server_that_crashes_leaves_the_old_index_served_and_the_next_one_switches(
        served, monkeypatch):
    settings, _ = served
    live = live_generation(settings)
    before = {d: e.key for d, e in Index.open(settings).manifest().items()}
    real_add, calls = Index.add, []

    def add_then_crash(self, nodes):
        calls.append(len(nodes))
        if len(calls) > 2:
            raise RuntimeError("simulated crash: the ingest machine lost power")
        real_add(self, nodes)

    monkeypatch.setattr(Index, "add", add_then_crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(None, settings, rebuild=True, progress=False)
    monkeypatch.undo()

    assert live_generation(settings) == live
    index = Index.open(settings)
    assert {d: e.key for d, e in index.manifest().items()} == before
    assert len(index.records("document")["ids"]) == len(DOC_IDS)
    assert len(server_generations(settings)) == 2  # the live one and the crashed build

    summary = ingest(None, settings, rebuild=True, progress=False)

    assert sorted(summary.new) == DOC_IDS
    assert live_generation(settings) != live
    assert server_generations(settings) == sorted([live, live_generation(settings)])
    assert {d: e.key for d, e in Index.open(settings).manifest().items()} == before
