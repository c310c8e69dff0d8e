"""aiohttp's network transport for SpmClient, failing as httpx's own transport fails.

``httpx-aiohttp`` (the ``spmkit-shopimind[aiohttp]`` extra) sends httpx requests with aiohttp, whose
HTTP machinery costs a fraction of httpcore's per request (benchmarks/README.md, Over
HTTP). Its own exception map reports a refused connection, and a server that hangs up
before it answers, as a ``ConnectTimeout``, and lets aiohttp errors outside its map
through as they are, so SpmClient would name the wrong error code or, worse, raise.
This transport maps every aiohttp failure, while sending and while reading the answer,
to the httpx exception httpx's own transport raises for it: the same envelope, the same
error code, the same retries.

This module imports aiohttp: ``spmkit.aiohttp_transport`` imports it on first call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

__all__ = ["MappedAiohttpTransport", "httpx_error"]


def httpx_error(exc: BaseException, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure (``exc`` or the aiohttp error under it)."""
    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) and exc.__cause__ else exc
    message = str(cause) or type(cause).__name__
    kind: type[httpx.TransportError]
    if isinstance(cause, aiohttp.ConnectionTimeoutError):
        kind = httpx.ConnectTimeout
    elif isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        kind = httpx.ReadTimeout
    elif isinstance(cause, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        kind = httpx.ProxyError
    elif isinstance(cause, aiohttp.ClientConnectorError):
        kind = httpx.ConnectError  # refused, unreachable, DNS (its text names it), TLS
    elif isinstance(cause, aiohttp.ServerDisconnectedError | aiohttp.ClientResponseError):
        # httpx: "Server disconnected without sending a response", or an answer it cannot
        # read (a bad status line, Content-Length or chunk size)
        kind = httpx.RemoteProtocolError
    elif isinstance(cause, aiohttp.ClientPayloadError | aiohttp.ClientConnectionError | OSError):
        kind = httpx.ReadError
    elif isinstance(cause, aiohttp.InvalidURL):
        kind = httpx.UnsupportedProtocol
    elif isinstance(exc, httpx.TransportError):
        kind = type(exc)  # httpx-aiohttp mapped it; the same kind, for this request
    else:
        kind = httpx.TransportError
    return kind(message, request=request)


_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError, OSError, httpx.TransportError)


class _MappedStream(httpx.AsyncByteStream):
    """An answer's body, read with the same mapping (a connection can drop mid-body)."""

    def __init__(self, stream: httpx.AsyncByteStream, request: httpx.Request) -> None:
        self._stream, self._request = stream, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except _FAILURES as exc:
            raise httpx_error(exc, self._request) from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        except _FAILURES as exc:
            raise httpx_error(exc, self._request) from exc


class MappedAiohttpTransport(AiohttpTransport):
    """``httpx_aiohttp.AiohttpTransport`` whose failures are httpx's own exceptions."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except _FAILURES as exc:
            raise httpx_error(exc, request) from exc
        stream: Any = response.stream
        response.stream = _MappedStream(stream, request)
        return response

    async def aclose(self) -> None:
        await super().aclose()
        self.client = None  # a client used after this one opens a new session
