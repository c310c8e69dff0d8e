"""SpmClient over ``aiohttp_transport()`` (the ``aiohttp`` extra) answers as over httpx's.

``SpmClient(..., transport=aiohttp_transport())`` is the faster way over the network
(benchmarks/README.md, Over HTTP). These tests send the same calls over both transports
to a real ``spmkit serve`` on loopback and compare what SpmClient returns, and make each
network failure happen for real (a refused connection, a server that hangs up or never
answers) to check that both transports report it with the same envelope and error code.
httpx-aiohttp's own transport fails them: it reports a refused connection as a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from httpx_aiohttp import AiohttpTransport

from spmkit import RetryPolicy, SpmClient, aiohttp_transport
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind, serve_in_thread
from spmkit_testing.faults import status

KEY = "test-key"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.slow

ITEMS = [{"customer_id": f"c{i}", "email": f"user{i}@example.com"} for i in range(120)]
ITEMS[7] = {"customer_id": "c7", "email": "not-an-email"}


async def _calls(client: SpmClient) -> list[Any]:
    async with client:
        saved = await client.bulk_save("customers", ITEMS)
        listed = await client.customers.list()
        missing = await client.request("GET", "/v1/no-such-path")
        refused = await client.bulk_save("customers", [{"customer_id": "c1", "email": "x@y.io"}])
    return [
        (saved.ok, saved.status_code, saved.data.sent_count, saved.data.rejected_count,
         [(r.get("key"), r.get("reason")) for r in saved.data.rejected_items],
         [c.status_code for c in saved.data.chunks]),
        (listed.ok, listed.status_code, listed.data),
        (missing.ok, missing.status_code, missing.error.code if missing.error else None),
        (refused.ok, refused.status_code, refused.error.code if refused.error else None),
    ]


def _answers(network: httpx.AsyncBaseTransport | None) -> tuple[list[Any], FakeShopimind]:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    # The last call of _calls meets a 503: both transports must report it alike.
    fake.add_fault(status(503, method="POST", resource="customers", calls=4))
    with serve_in_thread(fake) as url:
        client = SpmClient(KEY, base_url=url, transport=network,
                           retry=RetryPolicy(max_retries=0))
        return asyncio.run(_calls(client)), fake


def test_the_same_calls_give_the_same_answers_over_both_transports() -> None:
    over_httpx, fake_a = _answers(None)
    over_aiohttp, fake_b = _answers(aiohttp_transport())
    assert over_aiohttp == over_httpx
    saved = over_httpx[0]
    assert saved[:4] == (True, 200, 119, 1) and saved[5] == [200, 200, 200]
    assert over_httpx[3][:2] == (False, 503)
    assert fake_b.state.records("customers") == fake_a.state.records("customers")
    assert [(e.method, e.path, e.status, e.request_body) for e in fake_b.journal] == [
        (e.method, e.path, e.status, e.request_body) for e in fake_a.journal]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _raw_server(on_request: Callable[[socket.socket], None]) -> Iterator[str]:
    """A loopback server that reads each request and then does ``on_request(connection)``."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            held.append(conn)
            on_request(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        listener.close()


def _hang_up(conn: socket.socket) -> None:
    conn.close()


def _say_nothing(conn: socket.socket) -> None:
    return None


def _half_an_answer(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 500\r\n\r\n{\"sent_count\":")
    conn.close()


def _not_http(conn: socket.socket) -> None:
    conn.sendall(b"HELLO WORLD\r\n\r\n")
    conn.close()


def _bad_length(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}")
    conn.close()


def _failure(url: str, network: httpx.AsyncBaseTransport | None) -> tuple[Any, ...]:
    async def main() -> Any:
        async with SpmClient(KEY, base_url=url, transport=network, timeout=0.5,
                             retry=RetryPolicy(max_retries=0)) as client:
            return await client.bulk_save("customers", ITEMS[:3])

    envelope = asyncio.run(main())
    chunk = envelope.data.chunks[0]
    assert chunk.error is not None
    return (envelope.ok, chunk.ok, chunk.status_code, chunk.failed_count, chunk.error.code,
            chunk.error.retryable)


@pytest.mark.parametrize(
    "behaviour", [None, _hang_up, _say_nothing, _half_an_answer, _not_http, _bad_length],
    ids=["refused", "hangs_up", "never_answers", "drops_mid_body", "not_http", "bad_length"])
def test_a_network_failure_is_the_same_envelope_over_both_transports(
    behaviour: Callable[[socket.socket], None] | None,
) -> None:
    if behaviour is None:
        url = f"http://127.0.0.1:{_closed_port()}"
        over_httpx, over_aiohttp = _failure(url, None), _failure(url, aiohttp_transport())
    else:
        with _raw_server(behaviour) as url:
            over_httpx, over_aiohttp = _failure(url, None), _failure(url, aiohttp_transport())
    assert over_httpx[:4] == (False, False, 0, 3)
    assert over_aiohttp == over_httpx
    codes: dict[Callable[[socket.socket], None] | None, str] = {
        None: "ECONNREFUSED", _hang_up: "ECONNRESET", _say_nothing: "ETIMEDOUT",
        _half_an_answer: "ECONNRESET", _not_http: "ECONNRESET", _bad_length: "ECONNRESET"}
    assert over_httpx[4] == codes[behaviour] and over_httpx[5] is True


def test_one_transport_serves_a_client_after_another_was_closed() -> None:
    fake = FakeShopimind(clock=SimClock(T0), api_key=KEY)
    network = aiohttp_transport()

    async def push(url: str, key: str) -> tuple[bool, int]:
        async with SpmClient(KEY, base_url=url, transport=network) as client:
            envelope = await client.bulk_save("customers", [{"customer_id": key}])
        return envelope.ok, envelope.data.sent_count

    with serve_in_thread(fake) as url:
        assert asyncio.run(push(url, "a")) == (True, 1)
        assert asyncio.run(push(url, "b")) == (True, 1)
    assert fake.state.keys("customers") == ["a", "b"]


def test_httpx_aiohttp_alone_reports_a_refused_or_dropped_connection_as_a_timeout() -> None:
    """Why aiohttp_transport() maps errors itself: the library's own map gets these wrong."""
    url = f"http://127.0.0.1:{_closed_port()}"
    assert _failure(url, AiohttpTransport())[4] == "ETIMEDOUT"
    assert _failure(url, aiohttp_transport())[4] == "ECONNREFUSED"
    with _raw_server(_hang_up) as url:
        assert _failure(url, AiohttpTransport())[4] == "ETIMEDOUT"
        assert _failure(url, aiohttp_transport())[4] == "ECONNRESET"


def test_without_the_extra_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from spmkit import InvalidArgument

    monkeypatch.setitem(sys.modules, "httpx_aiohttp", None)
    monkeypatch.delitem(sys.modules, "spmkit._aiohttp", raising=False)
    with pytest.raises(InvalidArgument, match=r"pip install 'spmkit-shopimind\[aiohttp\]'"):
        aiohttp_transport()
