"""The fake ShopiMind API as an ASGI application, for a real HTTP server (uvicorn).

``spmkit serve`` runs it so that the official JS SDK, or any language, can talk to
the fake over loopback. A network fault rule drops the connection after the status
line (the client sees a reset / incomplete answer); latency is awaited on the fake's
clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from spmkit_testing.fake._exchange import MAX_BODY_BYTES, Incoming, api_key_header

if TYPE_CHECKING:
    from spmkit_testing.fake._wire import WireHost

__all__ = ["FakeAsgiApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class DroppedConnection(Exception):
    """Raised on purpose to make the server drop the connection (a network fault)."""


class FakeAsgiApp:
    """ASGI 3 app serving one :class:`~spmkit_testing.fake.FakeShopimind`."""

    def __init__(self, fake: WireHost) -> None:
        self._fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        # Keep at most MAX_BODY_BYTES + 1 bytes but read (and count) the whole body, so that
        # a huge body is a 413 naming its size, as on the other ways in, never a cut one.
        chunks: list[bytes] = []
        kept = size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if kept <= MAX_BODY_BYTES:
                chunks.append(chunk[: MAX_BODY_BYTES + 1 - kept])
                kept += len(chunks[-1])
            more = message.get("more_body", False)
        incoming = Incoming(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            api_key_header(v for k, v in scope["headers"] if k.lower() == b"spm-api-key"),
            b"".join(chunks),
            size if size != kept else None,
        )
        fake = self._fake
        wire = fake._wire
        pending = wire.prepare(incoming)
        if pending.delay > 0:
            await fake._sleep(pending.delay)
        out = wire.complete(pending)
        if out.network is not None:
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-length", b"1000")]})  # fmt: skip
            raise DroppedConnection(f"fault {out.network[1]}: dropping the connection")
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in out.headers]
        headers.append((b"content-length", str(len(out.body)).encode()))
        await send({"type": "http.response.start", "status": out.status, "headers": headers})
        await send({"type": "http.response.body", "body": out.body})
