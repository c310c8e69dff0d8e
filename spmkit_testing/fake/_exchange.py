"""What crosses the fake's wire: a request as read (:class:`Incoming`), a request whose
faults are decided (:class:`Pending`), and an answer (:class:`Outgoing`).

Transport-neutral, so the httpx transport, the respx routes and the ASGI app share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpx

from spmkit_testing.fake._errors import FakeApiError
from spmkit_testing.fake._routes import Route
from spmkit_testing.faults import Decision, NetworkFailure, network_error

__all__ = ["MAX_BODY_BYTES", "Incoming", "Outgoing", "Pending", "api_key_header",
           "incoming_from_httpx"]

#: The largest body the fake reads (the SDK's own cap): above it, a 413.
MAX_BODY_BYTES = 25 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Incoming:
    """A request as the wire sees it. ``api_key`` is the ``spm-api-key`` header (see
    :func:`api_key_header`); ``size`` is the body's full size when ``body`` holds only
    its first ``MAX_BODY_BYTES + 1`` bytes (a way in that stops keeping a huge body)."""

    method: str
    path: str
    query: str
    api_key: str | None
    body: bytes
    size: int | None = None

    @property
    def body_size(self) -> int:
        return len(self.body) if self.size is None else self.size


def api_key_header(values: Iterable[bytes]) -> str | None:
    """The ``spm-api-key`` header from its raw values, read alike on every way in.

    As HTTP says (RFC 9110 §5.2-5.3), spaces and tabs around a value are not part of it,
    and a header sent several times means its values joined with ``", "``; ``None``
    when it is absent. Bytes are read as Latin-1, as ASGI servers hand them over.
    """
    found = [value.strip(b" \t") for value in values]
    return b", ".join(found).decode("latin-1") if found else None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """An answer: status, headers and bytes, or a network error (``network``)."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    network: tuple[NetworkFailure, str] | None = None

    def httpx_response(self, request: httpx.Request) -> httpx.Response:
        """The answer as an ``httpx.Response``, or the network error raised."""
        if self.network is not None:
            raise network_error(*self.network, request, "the fake ShopiMind API")
        return httpx.Response(self.status, headers=self.headers, content=self.body, request=request)


@dataclass(frozen=True, slots=True)
class Pending:
    """A request whose faults are decided; ``delay`` is the simulated latency to wait."""

    incoming: Incoming
    route: Route | None
    params: dict[str, str]
    decision: Decision
    error: FakeApiError | None

    @property
    def delay(self) -> float:
        """The simulated latency to wait, in seconds."""
        return self.decision.delay.total_seconds()


def incoming_from_httpx(request: httpx.Request) -> Incoming:
    """Read an ``httpx.Request`` (already read) into an :class:`Incoming`."""
    url = request.url
    return Incoming(
        request.method,
        url.path,
        url.query.decode("ascii", "replace"),
        api_key_header(v for k, v in request.headers.raw if k.lower() == b"spm-api-key"),
        request.content,
    )
