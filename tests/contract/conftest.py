"""Two stand-ins for "the real API": ``spmkit serve`` (no drift) and a drifted server.

The drifted server is the fake behind an ASGI middleware that changes three things
and nothing else: the bulk counter ``sent_count`` is renamed ``sent``, every 422 is a
400, and batches of more than 40 customers are refused with a 413 (the fake: 50).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind

ROOT = Path(__file__).resolve().parents[2]
KEY = "contract-key"
RUN_ID = "test0001"
DRIFTED_LIMIT = 40


class Drifted:
    """An ASGI app: the fake's answers with three deliberate drifts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        if scope["method"] in ("POST", "PUT") and scope["path"] == "/v1/customers":
            try:
                items = json.loads(body)
            except ValueError:
                items = None
            if isinstance(items, list) and len(items) > DRIFTED_LIMIT:
                await _reply(send, 413, {
                    "statusCode": 413, "error": "Payload Too Large",
                    "message": f"A batch of {len(items)} customers exceeds the limit of "
                               f"{DRIFTED_LIMIT} per request.",
                })  # fmt: skip
                return
        replayed: list[bool] = []

        async def replay() -> dict[str, Any]:
            if replayed:
                return {"type": "http.disconnect"}
            replayed.append(True)
            return {"type": "http.request", "body": body, "more_body": False}

        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        status, answer = start["status"], json.loads(b"".join(chunks) or b"null")
        if status == 422:
            status, answer = 400, {**answer, "statusCode": 400, "error": "Bad Request"}
        elif isinstance(answer, dict) and "sent_count" in answer:
            answer = {("sent" if k == "sent_count" else k): v for k, v in answer.items()}
        await _reply(send, status, answer)


async def _reply(send: Any, status: int, answer: Any) -> None:
    raw = json.dumps(answer).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]})
    await send({"type": "http.response.body", "body": raw})


@contextmanager
def serve_app(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread."""
    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as spmkit serve does
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):  # wait for it to accept connections (at most ~10 s)
        if server.started or not thread.is_alive():
            break
        time.sleep(0.01)
    try:
        assert server.started, "the drifted server did not start"
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def _loopback(host: object) -> bool:
    return str(host) in ("127.0.0.1", "::1", "localhost") or str(host).startswith("127.")


@pytest.fixture(autouse=True)
def no_request_leaves_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every contract test runs with sockets that refuse any host but loopback."""
    connect, resolve = socket.socket.connect, socket.getaddrinfo

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise AssertionError(f"a contract test tried to connect to {address!r}")
        connect(sock, address)

    def guarded_resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host):
            raise AssertionError(f"a contract test tried to resolve {host!r}")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_resolve)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_fake() -> FakeShopimind:
    return FakeShopimind(clock=SimClock(datetime(2026, 1, 1, tzinfo=UTC)), api_key=KEY)


@pytest.fixture
def drifted_url() -> Iterator[str]:
    with serve_app(Drifted(new_fake().asgi_app())) as url:
        yield url


@contextmanager
def spmkit_serve() -> Iterator[str]:
    """A real ``spmkit serve`` process on a free loopback port; its base URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "spmkit_testing.cli", "serve", "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("SPMKIT_FAKE_API=http://127.0.0.1:"), (line, proc.stderr)
        yield line.strip().split("=", 1)[1]
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


@pytest.fixture
def served_url() -> Iterator[str]:
    with spmkit_serve() as url:
        yield url
