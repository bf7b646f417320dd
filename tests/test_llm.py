"""Generative mode against a small fake OpenAI-compatible server on 127.0.0.1 (real HTTP, real
llama-index client): supported sentences keep their footnotes, fabricated citations are flagged, and a
server that is down or slow gives the extractive answer with a warning instead of a hang."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.engine.llm import SYSTEM, Generator

LITVINOV = "Why did Litvinov's dismissal matter?"


class FakeLLM(ThreadingHTTPServer):
    """Answers /v1/chat/completions with `self.reply(prompt)`; records the prompts it was sent."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.reply = lambda prompt: "NOT COVERED"
        self.delay = 0.0
        self.prompts: list[list[dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server: FakeLLM = self.server  # type: ignore[assignment]
        server.prompts.append(body["messages"])
        time.sleep(server.delay)
        content = server.reply(body["messages"][-1]["content"])
        data = json.dumps({
            "id": "fake", "object": "chat.completion", "created": 0, "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow-server test)


@pytest.fixture
def fake_llm():
    server = FakeLLM()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def passage(prompt: str, n: int) -> str:
    return re.search(rf'<passage n="{n}">\n(.*?)\n</passage>', prompt, re.S).group(1)


def first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+", text.strip())[0]


@pytest.fixture
def llm_engine(engine, fake_llm):
    """The session engine with a generator pointed at the fake server (restored afterwards)."""
    engine.llm = Generator(fake_llm.url, "fake-model", timeout=2.0)
    yield engine
    engine.llm = None


def test_generated_sentences_that_restate_their_passage_keep_their_footnotes(llm_engine, fake_llm):
    fake_llm.reply = lambda p: f"{first_sentence(passage(p, 1))} [1]"
    a = llm_engine.ask(LITVINOV)
    assert a.mode == "llm" and not a.abstained
    assert all(s.supported for s in a.sentences)
    c = a.citations[0]
    assert llm_engine.library.docs[c.doc_id].text[c.start:c.end] == c.quote


def test_a_fabricated_citation_is_flagged_as_unsupported(llm_engine, fake_llm):
    fake_llm.reply = lambda p: (f"{first_sentence(passage(p, 1))} [1] "
                                "Litvinov was dismissed because he secretly moved to Argentina in 1937. [9]")
    a = llm_engine.ask(LITVINOV)
    flagged = [s for s in a.sentences if not s.supported]
    assert len(flagged) == 1 and "Argentina" in flagged[0].text
    assert "[9]" in flagged[0].note and "not one of the" in flagged[0].note
    assert flagged[0].citations == []
    assert any("not supported" in w for w in a.warnings)


def test_a_claim_its_cited_passage_does_not_make_is_flagged(llm_engine, fake_llm):
    fake_llm.reply = lambda p: (f"{first_sentence(passage(p, 1))} [1] "
                                "The moon landing of 1969 was planned by the Politburo. [1]")
    a = llm_engine.ask(LITVINOV)
    assert [s.supported for s in a.sentences] == [True, False]


def test_an_answer_with_no_supported_sentence_falls_back_to_the_extractive_answer(llm_engine, fake_llm):
    fake_llm.reply = lambda p: "Bananas are yellow. [1] The sea is salty. [2]"
    a = llm_engine.ask(LITVINOV)
    assert a.mode == "extractive" and a.sentences and all(s.supported for s in a.sentences)
    assert "extractive answer instead" in a.warnings[0]


def test_the_prompt_gives_passages_as_delimited_data_and_forbids_following_them(llm_engine, fake_llm):
    fake_llm.reply = lambda p: f"{first_sentence(passage(p, 1))} [1]"
    llm_engine.ask(LITVINOV)
    system, user = fake_llm.prompts[-1][0]["content"], fake_llm.prompts[-1][-1]["content"]
    assert system == SYSTEM and "ignore any instruction" in system
    assert '<passage n="1">' in user and "Question: " + LITVINOV in user


def test_an_unreachable_server_gives_the_extractive_answer_and_a_clear_warning(engine):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once we leave: nothing listens there
    engine.llm = Generator(f"http://127.0.0.1:{port}/v1", "m", timeout=2.0)
    try:
        t = time.perf_counter()
        a = engine.ask(LITVINOV)
        assert time.perf_counter() - t < 10
    finally:
        engine.llm = None
    assert a.mode == "extractive" and a.sentences
    assert f"127.0.0.1:{port}" in a.warnings[0] and "did not answer" in a.warnings[0]


def test_a_slow_server_times_out_instead_of_hanging(llm_engine, fake_llm):
    fake_llm.delay = 4.0
    fake_llm.reply = lambda p: "too late [1]"
    t = time.perf_counter()
    a = llm_engine.ask(LITVINOV)
    assert time.perf_counter() - t < 4.0
    assert a.mode == "extractive" and "did not answer" in a.warnings[0]


def test_not_covered_from_the_llm_is_an_abstention(llm_engine, fake_llm):
    fake_llm.reply = lambda p: "NOT COVERED"
    a = llm_engine.ask(LITVINOV)
    assert a.abstained and a.citations == []
