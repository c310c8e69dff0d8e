"""The wire layer: an HTTP request in, a state call, an HTTP answer out.

Transport-neutral at its core (:class:`Incoming` -> :class:`Outgoing`) so the httpx
transport, the respx routes and the ASGI app share every decision. Handling is in two
steps so that a latency fault can be awaited in between: :meth:`Wire.prepare` asks the
fault rules, :meth:`Wire.complete` answers. Every request lands in the journal.

The order of checks: fault rules and rate limit, route (404/405), ``spm-api-key``
(401), body (400/413), then the state. The fake never answers a 5xx unless a fault rule
says so.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Protocol

import httpx

from spmkit import BULK_RESOURCES
from spmkit_testing.fake._clock import FakeClock
from spmkit_testing.fake._endpoints import ENDPOINTS
from spmkit_testing.fake._errors import (
    FakeApiError,
    InjectedStatus,
    PayloadTooLarge,
    Unauthorized,
    error_for_status,
)
from spmkit_testing.fake._exchange import (
    MAX_BODY_BYTES,
    Incoming,
    Outgoing,
    Pending,
    incoming_from_httpx,
)
from spmkit_testing.fake._journal import Journal, JournalEntry
from spmkit_testing.fake._json import read_json, write_json
from spmkit_testing.fake._routes import Route, resolve, unknown_base
from spmkit_testing.fake._state import BulkResult, FakeState
from spmkit_testing.faults import (
    NO_FAULT,
    ApiRequest,
    BodyKind,
    Decision,
    FaultRegistry,
    NetworkFailure,
    non_json_body,
    retry_after_seconds,
)

__all__ = ["Wire", "WireHost"]
_JSON_HEADERS = (("content-type", "application/json"),)
_NO_BODY = object()


class WireHost(Protocol):
    """What a way in (the httpx transport, the ASGI app) needs of the fake: its wire as it
    is now (a reset builds a new one) and a sleep on its clock for latency faults."""

    @property
    def _wire(self) -> Wire: ...

    async def _sleep(self, seconds: float) -> None: ...


class Wire:
    """Turns requests into state calls for one fake, journalling every exchange."""

    def __init__(
        self,
        state: FakeState,
        faults: FaultRegistry,
        journal: Journal,
        clock: FakeClock,
        api_key: str,
    ) -> None:
        self._state = state
        self._faults = faults
        self._journal = journal
        self._clock = clock
        self._api_key = api_key

    # -- the two steps ------------------------------------------------------------------

    def prepare(self, incoming: Incoming, route: Route | None = None,
                params: Mapping[str, str] | None = None) -> Pending:  # fmt: skip
        """Resolve the route and decide the faults (advancing the rules' counters)."""
        error: FakeApiError | None = None
        path = incoming.path
        rel = path[4:] if path.startswith("/v1/") else None
        if route is None:
            if rel is None:
                error = unknown_base(path)
            else:
                try:
                    route, params = resolve(incoming.method, rel)
                except FakeApiError as exc:
                    error = exc
        decision: Decision = NO_FAULT
        if self._faults.active:
            info = ApiRequest(
                incoming.method,
                rel if rel is not None else path,
                route.resource if route is not None else None,
                route is not None and route.bulk_write,
            )
            decision = self._faults.decide_api(info, self._clock.now())
        return Pending(incoming, route, dict(params or {}), decision, error)

    def complete(self, pending: Pending) -> Outgoing:
        """Answer a prepared request and journal it. Never raises."""
        body: Any = _NO_BODY
        try:
            status, body, out_body, headers = self._answer(pending)
            out = Outgoing(status, headers, write_json(out_body))
        except NetworkErrorAnswer as net:
            out_body = None
            out = Outgoing(0, (), b"", (net.failure, net.verb))
        except _RawAnswer as raw:
            out_body = raw.content.decode("utf-8", "replace")
            out = Outgoing(raw.status, raw.headers, raw.content)
        except Exception as exc:  # a bug of the fake itself or of a user's poison predicate
            detail = "".join(traceback.format_exception_only(exc)).strip()
            out_body = {
                "statusCode": 500,
                "message": f"The fake ShopiMind API crashed: {detail}. This is a bug in "
                "spmkit_testing (or in a fault rule's predicate); please report it with this "
                "request.",
                "error": "Internal Server Error",
            }
            out = Outgoing(500, _JSON_HEADERS, write_json(out_body))
        self._record(pending, body, out.status, out_body)
        return out

    def dispatch(self, incoming: Incoming) -> Outgoing:
        """Both steps without waiting for latency (for synchronous callers)."""
        return self.complete(self.prepare(incoming))

    def handle_httpx(
        self, request: httpx.Request, route: Route | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:  # fmt: skip
        """Synchronous httpx handler (respx side effects, ``httpx.MockTransport``)."""
        request.read()
        pending = self.prepare(incoming_from_httpx(request), route, params)
        return self.complete(pending).httpx_response(request)

    # -- answering ----------------------------------------------------------------------

    def _answer(self, pending: Pending) -> Answer:
        """Return ``(status, parsed request body, response body, headers)``."""
        body: Any = None
        try:
            effect = pending.decision.terminal
            if effect is not None:
                answer: Answer = effect.respond(_FaultAnswers(self, pending))
                return answer
            if pending.error is not None:
                raise pending.error
            route, body = self._read(pending)
            status, data = ENDPOINTS[route.endpoint](self._state, pending, body)
            return status, body, data, _JSON_HEADERS
        except _Refused as refused:
            exc, body = refused.error, refused.body
            return exc.status, body, exc.body(), (*_JSON_HEADERS, *exc.headers().items())
        except FakeApiError as exc:
            return exc.status, body, exc.body(), (*_JSON_HEADERS, *exc.headers().items())

    def _read(self, pending: Pending) -> tuple[Route, Any]:
        """The route and the parsed body of a request that passes the key check."""
        route = pending.route
        assert route is not None
        key = pending.incoming.api_key
        if key is None:
            raise Unauthorized(
                "Missing spm-api-key header: send your ShopiMind API key in the "
                "spm-api-key header."
            )
        if key != self._api_key and "," in key:
            raise Unauthorized(
                "The spm-api-key header holds several values (it was sent more than once, "
                "or its value has a comma): send it once, with the key the fake was started "
                "with (FakeShopimind(api_key=...) or spmkit serve --api-key)."
            )
        if key != self._api_key:
            raise Unauthorized(
                "Invalid API key in the spm-api-key header: use the key the fake was "
                "started with (FakeShopimind(api_key=...) or spmkit serve --api-key)."
            )
        body = self._parse(pending.incoming, route)
        return route, body

    def _batch(self, pending: Pending) -> tuple[Any, Any, list[Any]]:
        """The bulk resource, the parsed body and the checked items of a bulk write (a
        refused request raises the API's own error, keeping the body for the journal)."""
        route, body = self._read(pending)
        res = BULK_RESOURCES[route.resource or ""]
        try:
            return res, body, self._state.check_batch(res, body)
        except FakeApiError as exc:
            raise _Refused(exc, body) from None

    @staticmethod
    def _parse(incoming: Incoming, route: Route) -> Any:
        raw = incoming.body
        if not raw:
            return None
        size = incoming.body_size
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(
                f"The body has {size} bytes, above the limit of {MAX_BODY_BYTES}; "
                f"send smaller batches."
            )
        if route.method in ("GET", "DELETE"):
            return None
        return read_json(raw)

    def _record(self, pending: Pending, body: Any, status: int, out_body: Any) -> None:
        raw = pending.incoming.body
        # The entry keeps the bytes of a body read as JSON (it parses them again when
        # asked), not the parsed items: a backfill's journal then costs its bytes only.
        is_json = body is not _NO_BODY and body is not None
        if is_json:
            request: bytes | str | None = bytes(memoryview(raw))  # its size, not its buffer's
        else:
            request = raw[:2000].decode("utf-8", "replace") if raw else None
        journal = self._journal
        journal.append(
            JournalEntry(
                journal.total + 1,
                self._clock.now(),
                pending.incoming.method,
                pending.incoming.path,
                status,
                request,
                out_body,
                pending.decision.label,
                pending.delay,
                is_json,
            )
        )

Answer = tuple[int, Any, Any, tuple[tuple[str, str], ...]]


class _FaultAnswers:
    """How the fake ShopiMind API answers what a fault decided (the faults'
    :class:`~spmkit_testing.faults.Responder`): its own error objects, a dropped
    connection, or a batch answer after the key and body checks a real request gets."""

    def __init__(self, wire: Wire, pending: Pending) -> None:
        self._wire, self._pending = wire, pending

    def error(self, status: int, body: BodyKind, retry_after: timedelta | None,
              message: str | None) -> Answer:
        seconds = retry_after_seconds(retry_after)
        if body != "json":
            content, kind = non_json_body(status, body)
            headers: tuple[tuple[str, str], ...] = () if kind is None else (
                ("content-type", kind),)
            if seconds is not None:
                headers = (*headers, ("retry-after", str(seconds)))
            raise _RawAnswer(status, headers, content)
        text = message or (f"HTTP {status} injected by a fault of the fake API"
                           + (f"; retry after {seconds} s." if seconds is not None else "."))
        if status == 429:
            raise error_for_status(429, text, seconds)
        raise InjectedStatus(status, text, seconds)

    def no_answer(self, failure: NetworkFailure, verb: str) -> Answer:
        raise NetworkErrorAnswer(failure, verb)

    def failed_batch(self) -> Answer:
        _, body, items = self._wire._batch(self._pending)
        return 200, body, BulkResult(0, 0, len(items)).body(), _JSON_HEADERS

    def refused_batch(self, status: int, message: str | None) -> Answer:
        res, body, items = self._wire._batch(self._pending)
        error = error_for_status(
            status,
            message
            or f"The whole batch of {len(items)} {res.name} items was refused (fault "
            f"refused_chunk): nothing was stored. Find the item that poisons the batch, or "
            f"push smaller batches to isolate it.",
        )
        raise _Refused(error, body)


class _Refused(Exception):
    """Internal: the API's error for a request whose body was read (the journal keeps it)."""

    def __init__(self, error: FakeApiError, body: Any) -> None:
        super().__init__(error.status)
        self.error, self.body = error, body


class NetworkErrorAnswer(Exception):
    """Internal: the request gets no answer (a network fault)."""

    def __init__(self, failure: NetworkFailure, verb: str) -> None:
        super().__init__(verb)
        self.failure, self.verb = failure, verb


class _RawAnswer(Exception):
    """Internal: a fault answers with a body that is not JSON (empty, a proxy's page)."""

    def __init__(self, status: int, headers: tuple[tuple[str, str], ...], content: bytes) -> None:
        super().__init__(status)
        self.status, self.headers, self.content = status, headers, content


