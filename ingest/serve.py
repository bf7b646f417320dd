"""`footnote serve`: one Chroma server for a class, which only holders of its token can use.

Chroma 1.x runs a Rust server (`chroma run`) that checks no token: the Python server's token auth
(CHROMA_SERVER_AUTH_*) went with the move to Rust, and Chroma's own answer for 1.0.x is a proxy in
front of it (the cookbook's "Authentication in Chroma v1.0.x",
https://cookbook.chromadb.dev/security/auth-1.0.x, puts Envoy there; the request for native token auth,
https://github.com/chroma-core/chroma/issues/4965, is still open; `chroma run` listens on TCP only, no
Unix socket). So this module starts `chroma run` as a child process, and in front of it a small reverse
proxy (aiohttp) that forwards a request only when it carries the token, as `Authorization: Bearer TOKEN`
or as Chroma's client header `X-Chroma-Token: TOKEN`. Anything else gets 401 and is never forwarded: its
body is not even read.

Chroma's own port must not be a way round the token: on 127.0.0.1 any account on the machine could reach
it. So the process first opens its public socket, then moves into a network namespace of its own (Linux;
`private_network`), where it starts Chroma: Chroma's port is on a loopback no other process has, and the
proxy is the only thing that can reach it. Where Linux refuses (user namespaces turned off), it says so
when it starts and runs as before, with Chroma on 127.0.0.1.

It does not do TLS: the token travels in the clear, so beyond one machine or a trusted network put a
TLS-terminating proxy (nginx, Caddy) in front of it. It does not stream: each request and response is
read whole, which is what Chroma's JSON API needs.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import signal
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import ServeError

# Generous: `chroma run` answers its heartbeat within a second or two, but a cold disk on a school
# laptop can be slow, and a server that never comes up must still end in a message, not a hang.
STARTUP_SECONDS = 60
STOP_SECONDS = 10
# Chroma's `add` of one batch (records with their 384-float vectors) is a few megabytes; aiohttp's
# default limit (1 MiB) would refuse it. Only requests that carry the token are ever read.
MAX_REQUEST_BYTES = 512 * 1024 * 1024
# Not passed on, either way: the headers of one connection, not of the request (RFC 9110, 7.6.1), and
# Host and Content-Length, which aiohttp sets itself for the request or response it makes.
NOT_FORWARDED = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                           "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length"})
TOKEN_HEADERS = frozenset({"authorization", "x-chroma-token"})
UNANSWERED = json.dumps({"error": "InternalError",
                         "message": "The Chroma server behind footnote serve did not answer."})
# Chroma's own error body: chromadb's client raises it as AuthorizationError (code 401), which Footnote
# turns into "refused Footnote's token" (store._refused).
REFUSED = json.dumps({"error": "AuthorizationError",
                      "message": "This Chroma server needs its token: send Authorization: Bearer TOKEN."})


# A token shorter than this is refused: 16 random letters and digits are about 95 bits, out of reach of
# guessing over a network, while a 5-character one is not. `secrets.token_urlsafe(24)` gives 32.
MIN_TOKEN_CHARS = 16


def read_token(path: Path | None, env_token: str | None) -> str:
    """The token: the first line of `path` if given, else FOOTNOTE_CHROMA_TOKEN. ServeError if neither
    gives one (a server anyone can write to is never started), or if it is shorter than MIN_TOKEN_CHARS."""
    token = _given_token(path, env_token)
    if len(token) < MIN_TOKEN_CHARS:
        raise ServeError(f"The token is {len(token)} characters long; footnote serve needs at least "
                         f"{MIN_TOKEN_CHARS}, so that it cannot be guessed. Make one with: python3 -c "
                         "\"import secrets; print(secrets.token_urlsafe(24))\"")
    return token


def _given_token(path: Path | None, env_token: str | None) -> str:
    if path is not None:
        try:
            with path.open("rb") as f:  # a token is one short line: no more is read (a FIFO, /dev/zero)
                token = f.read(4096).decode("utf-8").strip().splitlines()[0:1]
        except (OSError, UnicodeDecodeError) as e:
            raise ServeError(f"Cannot read the token file {path} ({getattr(e, 'strerror', None) or e}).") from None
        if not token or not token[0].strip():
            raise ServeError(f"The token file {path} is empty: write the token on its first line.")
        return token[0].strip()
    if not env_token:
        raise ServeError("No token to serve with: set FOOTNOTE_CHROMA_TOKEN (or give --token-file FILE), and "
                         "the same FOOTNOTE_CHROMA_TOKEN for every app process; a server anyone can write to "
                         "is never started.")
    return env_token


def free_port() -> int:
    """A port nothing on 127.0.0.1 listens on now, for the private Chroma server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def carries(headers, token: bytes) -> bool:
    """Whether the request carries the token, compared in constant time."""
    presented = []
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        presented.append(value.strip())
    presented.extend(v.strip() for v in headers.getall("X-Chroma-Token", []))
    # compare_digest on every candidate (no early exit), so the time says nothing about which one matched
    return any([hmac.compare_digest(p.encode("utf-8", "replace"), token) for p in presented if p])


def _forwarded_headers(headers) -> list[tuple[str, str]]:
    """The headers to pass on: without those of one connection, those the Connection header names, and
    the token (Chroma needs none, and it should not reach anything behind the proxy)."""
    named = {h.strip().lower() for v in headers.getall("Connection", []) for h in v.split(",")}
    drop = NOT_FORWARDED | TOKEN_HEADERS | named
    return [(k, v) for k, v in headers.items() if k.lower() not in drop]  # pairs: a repeated header stays


def proxy_app(upstream: str, token: str, log: Callable[[str], None], log_requests: bool):
    """The aiohttp application: every method and path, forwarded to `upstream` when the token is there."""
    import aiohttp
    from aiohttp import web
    from multidict import CIMultiDict

    secret = token.encode("utf-8")

    async def forward(request: web.Request) -> web.StreamResponse:
        if not carries(request.headers, secret):
            log(f"refused {request.method} {request.path} from {request.remote}: no valid token")
            return web.Response(status=401, text=REFUSED, content_type="application/json",
                                headers={"WWW-Authenticate": "Bearer"})
        body = await request.read()
        session: aiohttp.ClientSession = request.app["session"]
        try:
            async with session.request(request.method, upstream + request.path_qs, data=body,
                                       headers=_forwarded_headers(request.headers)) as reply:
                content = await reply.read()
                headers = CIMultiDict((k, v) for k, v in reply.headers.items() if k.lower() not in NOT_FORWARDED)
                status = reply.status
        except aiohttp.ClientError as e:
            log(f"the Chroma server did not answer {request.method} {request.path}: {type(e).__name__}")
            return web.Response(status=502, content_type="application/json", text=UNANSWERED)
        if log_requests:
            log(f"forwarded {request.method} {request.path} -> {status}")
        return web.Response(status=status, body=content, headers=headers)

    async def open_session(app: web.Application):
        # auto_decompress off: a compressed reply is passed on as it came, with its Content-Encoding.
        app["session"] = aiohttp.ClientSession(auto_decompress=False,
                                               timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        yield
        await app["session"].close()

    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app.cleanup_ctx.append(open_session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


def _chroma_command(data: Path, port: int) -> list[str]:
    # chromadb's own `chroma` entry point, run by this Python: no reliance on a script on PATH.
    return [sys.executable, "-c", "import sys; from chromadb.cli.cli import app; sys.argv[0] = 'chroma'; app()",
            "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, the kernel stops it when `footnote serve` dies, even by
    SIGKILL, so no orphaned Chroma server keeps the data folder."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _ended(code: int, log) -> str:
    """How the child ended, in words: a signal says enough; an exit code comes with its last words."""
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was stopped by {name}"
    return f"exited with code {code} ({_last_line(log)})"


def _last_line(log) -> str:
    log.seek(0)
    lines = [ln.strip() for ln in log.read().decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:200] if lines else "it wrote nothing"


async def _wait_ready(child, port: int, stop: asyncio.Event, log) -> None:
    """Until `chroma run` answers its heartbeat on the private port; ServeError if it exits or the
    deadline passes first."""
    import aiohttp

    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while not stop.is_set():
            if child.returncode is not None:
                raise ServeError(f"The Chroma server (chroma run) {_ended(child.returncode, log)} while "
                                 "starting.")
            try:
                async with session.get(f"http://127.0.0.1:{port}/api/v2/heartbeat") as reply:
                    if reply.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            if loop.time() > deadline:
                raise ServeError(f"The Chroma server (chroma run) did not answer within {STARTUP_SECONDS} s: "
                                 f"{_last_line(log)}")
            try:
                await asyncio.wait_for(stop.wait(), 0.1)
            except TimeoutError:
                pass


async def _stop(child) -> None:
    if child.returncode is not None:
        return
    child.terminate()
    try:
        await asyncio.wait_for(child.wait(), STOP_SECONDS)
    except TimeoutError:
        child.kill()
        await child.wait()


CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000


def private_network() -> str | None:
    """Move this process, and every child it starts after, into a network namespace of its own with only a
    loopback interface: a port Chroma opens there is on no address any other process can reach, however
    it is asked. Root needs only the namespace; any other account makes a user namespace too, mapped to
    itself (Linux's unprivileged user namespaces). Must run before any thread starts. Returns None, or
    why it could not (not Linux, or user namespaces turned off)."""
    if sys.platform != "linux":
        return "network namespaces are Linux's"
    import ctypes
    import errno
    import fcntl
    import os
    import struct

    libc = ctypes.CDLL(None, use_errno=True)
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWUSER | CLONE_NEWNET
    if libc.unshare(flags) != 0:
        return f"unshare: {os.strerror(ctypes.get_errno() or errno.EPERM)}"
    try:
        if uid != 0:
            for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
                with open(f"/proc/self/{name}", "w") as f:
                    f.write(text)
        # The new namespace's loopback starts down: bring it up (SIOCGIFFLAGS / SIOCSIFFLAGS, IFF_UP).
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
            request = struct.pack("16sH14x", b"lo", 0)
            current = struct.unpack("16sH14x", fcntl.ioctl(sk, 0x8913, request))[1]
            fcntl.ioctl(sk, 0x8914, struct.pack("16sH14x", b"lo", current | 0x1))
    except OSError as e:
        return f"loopback in the new namespace: {e.strerror or e}"
    return None


def listen(host: str, port: int) -> socket.socket:
    """The public socket, made before the process leaves the machine's network (it stays on it)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family, backlog=128)
    except OSError as e:
        raise ServeError(f"Cannot listen on {host}:{port} ({e.strerror or e}): "
                         "choose another --port, or stop what uses it.") from None


async def _serve(data: Path, host: str, port: int, token: str, announce: Callable[[str], None],
                 log: Callable[[str], None], log_requests: bool, public: socket.socket | None = None,
                 isolated: str | None = "not asked") -> None:
    from aiohttp import web

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not here: Ctrl+C still raises KeyboardInterrupt
            pass
    private = free_port()
    with tempfile.TemporaryFile() as chroma_log:
        child = await asyncio.create_subprocess_exec(
            *_chroma_command(data, private), stdin=asyncio.subprocess.DEVNULL, stdout=chroma_log,
            stderr=chroma_log, preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        runner = web.AppRunner(proxy_app(f"http://127.0.0.1:{private}", token, log, log_requests),
                               access_log=None, handle_signals=False)
        try:
            await _wait_ready(child, private, stop, chroma_log)
            if stop.is_set():
                return
            await runner.setup()
            await web.SockSite(runner, public if public is not None else listen(host, port)).start()
            where = ("Chroma itself on a private network of this process, reachable only through the token check"
                     if isolated is None else
                     f"Chroma itself on 127.0.0.1:{private}, which accounts on this machine can reach without "
                     f"the token: a private network was not possible here ({isolated})")
            announce(f"serving the Chroma index in {data} on http://{host}:{port} to holders of the token "
                     f"({where}); Ctrl+C stops it")
            waiting = {asyncio.ensure_future(child.wait()), asyncio.ensure_future(stop.wait())}
            done, pending = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
            if child.returncode is not None and not stop.is_set():
                raise ServeError(f"The Chroma server (chroma run) {_ended(child.returncode, chroma_log)}; "
                                 "footnote serve stops too.")
        finally:
            await runner.cleanup()
            await _stop(child)


def serve(data: Path, host: str, port: int, token: str, *, announce: Callable[[str], None] = print,
          log: Callable[[str], None] = print, log_requests: bool = False) -> None:
    """Serve the Chroma index in `data` on host:port to holders of `token`, until SIGINT or SIGTERM.
    Raises ServeError if the Chroma server cannot start or stops on its own."""
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ServeError(f"Cannot make the data folder {data} ({e.strerror or e}).") from None
    public = listen(host, port)  # on the machine's network, before this process leaves it
    isolated = private_network()
    with public:
        asyncio.run(_serve(data, host, port, token, announce, log, log_requests, public, isolated))
