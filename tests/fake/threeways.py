"""One request, three ways in: the in-process transport, respx routes and a real server.

:class:`ThreeWays` keeps one fake per way (seeded alike) and sends the same
``httpx.Request`` through each: to ``fake.transport()`` (async, as ``SpmClient`` uses
it), to ``fake.mount(router)`` through ``httpx.MockTransport``, and as raw bytes over a
socket to ``serve_in_thread`` (raw, because httpx itself refuses to send some hostile
headers, such as a value with surrounding spaces, that another client can send).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import respx

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind, serve_in_thread

from .conftest import KEY, T0

BASE = "http://fake"
WAYS = ("transport", "respx", "server")


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def send_raw(address: tuple[str, int], request: httpx.Request) -> Answer:
    """Write ``request`` as HTTP/1.1 bytes (headers exactly as given) and read the answer."""
    lines = [request.method.encode() + b" " + request.url.raw_path + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in request.headers.raw]
    with socket.create_connection(address, timeout=60) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + request.content)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError(f"the server closed the connection: {data!r}")
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        status_line, *header_lines = head.split(b"\r\n")
        status = int(status_line.split()[1])
        headers = dict(line.lower().split(b": ", 1) for line in header_lines)
        length = 0 if request.method == "HEAD" else int(headers.get(b"content-length", b"0"))
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return Answer(status, body)


class ThreeWays:
    """Three fakes, one per way in, rebuilt alike by :meth:`reset`."""

    def __init__(
        self, seed: Callable[[FakeShopimind], None], server_url: str,
        fakes: dict[str, FakeShopimind], loop: asyncio.AbstractEventLoop,
    ) -> None:  # fmt: skip
        self._seed = seed
        self._loop = loop
        self.fakes = fakes
        host, port = server_url.removeprefix("http://").rsplit(":", 1)
        self._address = (host, int(port))
        router = respx.Router(assert_all_called=False)
        fakes["respx"].mount(router, base_url=BASE)
        self._respx = httpx.MockTransport(router.handler)
        self._transport = fakes["transport"].transport()
        self.reset()

    def reset(self) -> None:
        for fake in self.fakes.values():
            fake.reset()  # transports, routes and the server keep serving the new state
            self._seed(fake)

    def send(self, request: httpx.Request) -> dict[str, Answer]:
        """The answer of each way to the same request."""
        # The transport the async way, as SpmClient uses it; respx the sync way.
        response = self._loop.run_until_complete(self._transport.handle_async_request(request))
        out = {"transport": Answer(response.status_code, response.read())}
        response = self._respx.handle_request(request)
        out["respx"] = Answer(response.status_code, response.read())
        out["server"] = send_raw(self._address, request)
        return out

    def snapshots(self) -> dict[str, Any]:
        return {way: fake.snapshot() for way, fake in self.fakes.items()}

    def journals(self) -> dict[str, list[tuple[Any, ...]]]:
        return {way: [e.without_timing() for e in fake.journal]
                for way, fake in self.fakes.items()}  # fmt: skip


def request(method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> httpx.Request:
    """A request to the fakes' base URL (``httpx.InvalidURL`` when httpx refuses the path)."""
    return httpx.Request(method, BASE + path, headers=headers, content=body)


@contextmanager
def three_ways(seed: Callable[[FakeShopimind], None] = lambda fake: None) -> Iterator[ThreeWays]:
    fakes = {way: FakeShopimind(clock=SimClock(T0), api_key=KEY, seed=3) for way in WAYS}
    loop = asyncio.new_event_loop()
    try:
        with serve_in_thread(fakes["server"]) as url:
            yield ThreeWays(seed, url, fakes, loop)
    finally:
        loop.close()
