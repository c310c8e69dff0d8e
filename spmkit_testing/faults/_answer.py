"""How a side answers a request a fault decided: the :class:`Responder` each side offers.

An effect that decides the answer (``slot = "answer"``) calls the responder verb it
means: ``status(503)`` calls :meth:`Responder.error`, ``connect_error()`` calls
:meth:`Responder.no_answer`, ``failed_chunk()`` calls :meth:`Responder.failed_batch`.
The fake ShopiMind API, the partner's REST routes and the partner's in-process (SDK)
serving each implement the verbs in their own wire format (the fake's error object is
ShopiMind's, a partner route's is ``{"error": {"code", "message"}}``, an SDK partner
raises :class:`~spmkit_testing.partner.PartnerFailure`), so an effect is written once
for every way in.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Literal, Protocol, TypeVar

import httpx

__all__ = [
    "BODY_KINDS",
    "BodyKind",
    "NetworkFailure",
    "Responder",
    "network_error",
    "non_json_body",
    "retry_after_seconds",
]

R = TypeVar("R", covariant=True)
BodyKind = Literal["json", "empty", "html", "text"]
BODY_KINDS: tuple[str, ...] = ("json", "empty", "html", "text")
NetworkFailure = Literal["connect", "reset", "timeout"]


class Responder(Protocol[R]):
    """The answers one side can give instead of handling a request."""

    def error(self, status: int, body: BodyKind, retry_after: timedelta | None,
              message: str | None) -> R:
        """Answer ``status`` with a ``body`` of that kind (JSON: the side's error object)."""
        ...

    def no_answer(self, failure: NetworkFailure, verb: str) -> R:
        """No answer at all: the client sees a network error (raised, never returned)."""
        ...

    def failed_batch(self) -> R:
        """A bulk write answered 2xx with ``failed_count`` = the whole batch (the API only)."""
        ...

    def refused_batch(self, status: int, message: str | None) -> R:
        """A bulk write refused as a whole with a 4xx (the API only)."""
        ...


def retry_after_seconds(delay: timedelta | None) -> int | None:
    """``Retry-After`` in whole seconds, rounded up, at least 1 (``None`` without one)."""
    if delay is None:
        return None
    return max(1, math.ceil(delay.total_seconds()))


def non_json_body(status: int, kind: str) -> tuple[bytes, str | None]:
    """``(content, content type)`` of a non-JSON answer: empty, a proxy's HTML page, text."""
    if kind == "empty":
        return b"", None
    if kind == "html":
        page = (f"<html><head><title>{status}</title></head><body><center><h1>{status}</h1>"
                f"</center><hr><center>nginx</center></body></html>")
        return page.encode(), "text/html"
    return f"HTTP {status} (simulated)".encode(), "text/plain"


def network_error(failure: NetworkFailure, verb: str, request: httpx.Request,
                  who: str) -> httpx.TransportError:
    """The httpx exception a client sees for a network fault (the same on every side)."""
    if failure == "connect":
        return httpx.ConnectError(f"Connection refused by {who} (fault {verb})", request=request)
    if failure == "reset":
        return httpx.ReadError(f"Connection reset by {who} (fault {verb})", request=request)
    return httpx.ReadTimeout(f"Timed out reading the answer of {who} (fault {verb})",
                             request=request)
