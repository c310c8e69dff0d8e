"""The fast way in: an httpx transport that calls the fake in-process.

It is both an ``httpx.AsyncBaseTransport`` and an ``httpx.BaseTransport``, so
``httpx.AsyncClient(transport=...)``, ``httpx.Client(transport=...)`` and
``SpmClient(transport=...)`` all take it. Latency faults are awaited on the fake's
clock (``await clock.sleep(seconds)``) by the async side only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from spmkit_testing.fake._exchange import incoming_from_httpx

if TYPE_CHECKING:
    from spmkit_testing.fake._wire import WireHost

__all__ = ["FakeTransport"]


class FakeTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Serve requests from a :class:`~spmkit_testing.fake.FakeShopimind`, without sockets.

    For example::

        async with httpx.AsyncClient(transport=fake.transport(), base_url="https://x") as c:
            await c.get("/v1/data-sources", headers={"spm-api-key": fake.api_key})
    """

    def __init__(self, fake: WireHost) -> None:
        self._fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            request.content  # noqa: B018 - raises when a streamed body was not read yet
        except httpx.RequestNotRead:
            await request.aread()
        fake = self._fake
        wire = fake._wire
        pending = wire.prepare(incoming_from_httpx(request))
        if pending.delay > 0:
            await fake._sleep(pending.delay)
        return wire.complete(pending).httpx_response(request)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._fake._wire.handle_httpx(request)

    def __repr__(self) -> str:
        return f"FakeTransport({self._fake!r})"
