"""`footnote serve`: one token-protected Chroma server, several app processes answering from it, as a
class would be served. The server is the real command (`python -m app.cli serve`), the index is the
real corpus, the answers come from real `footnote ask` processes."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import DOC_IDS, ROOT, make_home

from ingest.errors import IndexServerAuthError
from ingest.pipeline import ingest
from ingest.serve import free_port
from ingest.settings import Settings
from ingest.store import Index

pytestmark = pytest.mark.slow

QUESTION = "Who headed the Commissariat for Foreign Affairs in the 1920s?"
ANSWER = "headed by G.V. Chicherin from 1918 to 1930"
STARTUP = 90  # seconds: Python's imports and `chroma run`, on a busy 2-core machine
ANSWERING = 180  # seconds: a cold `footnote ask` (imports, the model, the index over HTTP), two at once


def environment(**extra: str) -> dict[str, str]:
    """The environment of a child process: this project first on the path, no developer FOOTNOTE_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOOTNOTE_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra)
    return env


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.05)


class Served:
    """`footnote serve` as a child process, its stdout and stderr in one log file."""

    def __init__(self, data: Path, port: int, token: str, log: Path):
        self.data, self.port, self.token, self.log = data, port, token, log
        self.process: subprocess.Popen | None = None
        self.private: int | None = None
        self.home: Path | None = None  # the project home the corpus was ingested from

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--path", str(self.data), "--port", str(self.port),
                 "--log-requests"], stdout=out, stderr=subprocess.STDOUT,
                env=environment(FOOTNOTE_CHROMA_TOKEN=self.token))
        starts = self.text().count("footnote: serving")

        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"footnote serve exited with {self.process.returncode}: {self.text()[-2000:]}")
            lines = [ln for ln in self.text().splitlines() if ln.startswith("footnote: serving")]
            return lines[-1] if len(lines) > starts else None

        line = wait_for(ready, STARTUP, "footnote serve to say where it serves")
        assert f"on http://127.0.0.1:{self.port} " in line, line
        found = re.search(r"Chroma itself on 127\.0\.0\.1:(\d+)", line)
        self.private = int(found.group(1)) if found else None  # None: on a network of its own (Linux)

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail("footnote serve did not stop within 30 s of SIGTERM")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def count(self, word: str) -> int:
        return sum(1 for ln in self.text().splitlines() if ln.startswith(f"footnote serve: {word} "))

    def settings(self, home: Path, token: str | None) -> Settings:
        return replace(Settings.from_env(home=home), chroma_host="127.0.0.1", chroma_port=self.port,
                       chroma_token=token)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`footnote serve` with a token on a free port, the real corpus ingested through it."""
    root = tmp_path_factory.mktemp("serve")
    server = Served(root / "chroma", free_port(), secrets.token_urlsafe(24), root / "serve.log")
    server.start()
    try:
        home = make_home(root)
        summary = ingest(None, server.settings(home, server.token), progress=False)
        assert sorted(summary.new) == DOC_IDS
        server.home = home
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def ask(server: Served, token: str | None) -> subprocess.Popen:
    extra = {"FOOTNOTE_HOME": str(server.home), "FOOTNOTE_CHROMA_HOST": "127.0.0.1",
             "FOOTNOTE_CHROMA_PORT": str(server.port)}
    if token is not None:
        extra["FOOTNOTE_CHROMA_TOKEN"] = token
    return subprocess.Popen([sys.executable, "-m", "app.cli", "ask", "--json", QUESTION], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=environment(**extra))


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=ANSWERING)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"footnote ask did not finish within {ANSWERING} s: {err[-2000:]}")
    return process.returncode, out, err


def assert_cites_the_answer(result: tuple[int, str, str]) -> None:
    code, out, err = result
    assert code == 0, err[-2000:]
    answer = json.loads(out)
    assert not answer["abstained"], answer["answer"]
    assert any(ANSWER in c["quote"] for c in answer["citations"]), answer["citations"]


def heartbeat(port: int, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/heartbeat", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code


def test_footnote_serve_refuses_a_short_token_in_one_line(tmp_path):
    short = tmp_path / "token"
    short.write_text("hunter\n", encoding="utf-8")
    for extra, env in (([], environment(FOOTNOTE_CHROMA_TOKEN="12345")), (["--token-file", str(short)], environment())):
        run = subprocess.run([sys.executable, "-m", "app.cli", "serve", "--path", str(tmp_path / "chroma"),
                              "--port", str(free_port()), *extra], capture_output=True, text=True, env=env,
                             timeout=STARTUP)
        assert run.returncode == 2 and run.stdout == "", run
        assert len(run.stderr.strip().splitlines()) == 1 and "needs at least 16" in run.stderr, run.stderr
    assert not (tmp_path / "chroma").exists()


def test_footnote_serve_refuses_to_start_without_a_token_in_one_line(tmp_path):
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    for extra in ([], ["--token-file", str(empty)]):
        run = subprocess.run([sys.executable, "-m", "app.cli", "serve", "--path", str(tmp_path / "chroma"),
                              "--port", str(free_port()), *extra], capture_output=True, text=True,
                             env=environment(), timeout=STARTUP)
        assert run.returncode == 2, run
        assert run.stdout == "" and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert ("FOOTNOTE_CHROMA_TOKEN" if not extra else "empty") in run.stderr
        assert "Traceback" not in run.stderr
    assert not (tmp_path / "chroma").exists(), "no Chroma server may start without a token"


def test_the_proxy_forwards_only_requests_that_carry_the_token(served):
    forwarded, refused = served.count("forwarded"), served.count("refused")
    assert heartbeat(served.port) == 401
    assert heartbeat(served.port, {"Authorization": f"Bearer {served.token}x"}) == 401
    assert heartbeat(served.port, {"Authorization": served.token}) == 401  # no scheme
    assert heartbeat(served.port, {"X-Chroma-Token": ""}) == 401
    assert (served.count("forwarded"), served.count("refused")) == (forwarded, refused + 4)
    assert heartbeat(served.port, {"Authorization": f"Bearer {served.token}"}) == 200
    assert heartbeat(served.port, {"X-Chroma-Token": served.token}) == 200
    assert served.count("forwarded") == forwarded + 2


def test_two_app_processes_answer_at_once_from_one_served_index(served):
    forwarded = served.count("forwarded")
    first, second = ask(served, served.token), ask(served, served.token)  # both running before either is read
    assert_cites_the_answer(finished(first))
    assert_cites_the_answer(finished(second))
    assert served.count("forwarded") > forwarded, "the answers did not come through footnote serve"


@pytest.mark.parametrize("token", ["wrong", "missing"])
def test_a_wrong_or_missing_token_is_one_line_and_reaches_nothing(served, token):
    count = Index.open(served.settings(served.home, served.token)).collection.count()
    forwarded, refused = served.count("forwarded"), served.count("refused")
    code, out, err = finished(ask(served, "not-" + served.token if token == "wrong" else None))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert "FOOTNOTE_CHROMA_TOKEN" in err and "Traceback" not in err
    assert f"Chroma server at 127.0.0.1:{served.port}" in err and "Cannot reach" not in err
    # and an ingest with that token writes nothing
    reading = served.home / "reading.txt"
    reading.write_text("Litvinov was dismissed in May 1939.\n", encoding="utf-8")
    with pytest.raises(IndexServerAuthError):
        ingest([reading], served.settings(served.home, "not-" + served.token if token == "wrong" else None),
               progress=False)
    assert served.count("forwarded") == forwarded, "a request without the token reached Chroma"
    assert served.count("refused") > refused
    assert Index.open(served.settings(served.home, served.token)).collection.count() == count


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return found


def listening_ports(pids: list[int]) -> set[int]:
    """The TCP ports these processes listen on in this test's network namespace (the machine's)."""
    inodes = set()
    for p in pids:
        for fd in Path(f"/proc/{p}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            cols = row.split()
            if cols[3] == "0A" and cols[9] in inodes:  # LISTEN, owned by one of them
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def test_every_port_footnote_serve_opens_refuses_a_request_without_the_token(served):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("finding a process's ports needs Linux's /proc")
    pids = process_tree(served.process.pid)
    assert len(pids) >= 2, "the Chroma child is part of footnote serve"
    ports = listening_ports(pids)
    assert served.port in ports
    for port in ports:  # a local account's tokenless write: create a collection
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/tenants/default_tenant/databases/"
                                         "default_database/collections", method="POST",
                                         data=json.dumps({"name": "sneaked-in"}).encode(),
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401, port
    assert ports == {served.port}, "Chroma's own port is reachable from this machine's network"
    assert served.private is None


def test_the_served_index_answers_again_after_the_server_restarts_on_the_same_port(served):
    children = [p for p in process_tree(served.process.pid) if p != served.process.pid]
    assert served.stop() == 0
    for child in children:  # the Chroma child stopped with it
        wait_for(lambda c=child: not Path(f"/proc/{c}").exists() or " Z " in Path(f"/proc/{c}/stat").read_text(),
                 30, f"the Chroma child {child} to stop")
    served.start()
    assert_cites_the_answer(finished(ask(served, served.token)))


class _Refusing(BaseHTTPRequestHandler):
    """Another reverse proxy's refusal: 401 with an HTML page, not Chroma's error body."""

    def do_GET(self):
        body = b"<html><body><h1>401 Authorization Required</h1></body></html>"
        self.send_response(401)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_a_401_from_any_reverse_proxy_is_the_token_error(tmp_path):
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        port = proxy.server_address[1]
        for token in ("some-token", None):
            with pytest.raises(IndexServerAuthError) as e:
                Index.open(Settings(home=tmp_path, index_dir=tmp_path / ".index", chroma_host="127.0.0.1",
                                    chroma_port=port, chroma_token=token))
            assert str(e.value) == (f"The Chroma server at 127.0.0.1:{port} refused Footnote's token: set "
                                    "FOOTNOTE_CHROMA_TOKEN to the server's token." if token else
                                    f"The Chroma server at 127.0.0.1:{port} wants a token: set "
                                    "FOOTNOTE_CHROMA_TOKEN to the server's token.")
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_footnote_serve_says_so_in_one_line_and_exits_non_zero_when_chroma_dies(tmp_path):
    server = Served(tmp_path / "chroma", free_port(), secrets.token_urlsafe(24), tmp_path / "serve.log")
    server.start()
    try:
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        if not children.exists():
            pytest.skip("finding the Chroma child needs Linux's /proc")
        (chroma,) = [int(p) for p in children.read_text().split()]
        os.kill(chroma, 9)
        code = server.process.wait(timeout=30)
    finally:
        if server.process.poll() is None:
            server.stop()
    assert code == 2
    last = server.text().strip().splitlines()[-1]
    assert last == "footnote: The Chroma server (chroma run) was stopped by SIGKILL; footnote serve stops too.", last
    assert "Traceback" not in server.text()
