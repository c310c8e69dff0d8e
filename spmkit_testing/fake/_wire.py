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

import math
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from spmkit import BULK_RESOURCES
from spmkit_testing.fake._clock import FakeClock
from spmkit_testing.fake._errors import (
    BadRequest,
    FakeApiError,
    InjectedStatus,
    PayloadTooLarge,
    Unauthorized,
    error_for_status,
)
from spmkit_testing.fake._journal import Journal, JournalEntry
from spmkit_testing.fake._json import read_json, write_json
from spmkit_testing.fake._routes import Route, resolve, unknown_base
from spmkit_testing.fake._schema import show
from spmkit_testing.fake._state import BulkResult, FakeState
from spmkit_testing.faults import (
    ApiRequest,
    ConnectError,
    ConnectionReset,
    Decision,
    FailedChunk,
    FaultRegistry,
    RateLimited,
    ReadTimeout,
    RefusedChunk,
    Status,
    non_json_body,
)
from spmkit_testing.faults._registry import NO_FAULT

__all__ = ["MAX_BODY_BYTES", "Incoming", "Outgoing", "Pending", "Wire", "api_key_header"]

#: The largest body the fake reads (the SDK's own cap): above it, a 413.
MAX_BODY_BYTES = 25 * 1024 * 1024
_JSON_HEADERS = (("content-type", "application/json"),)
_NO_BODY = object()


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
    network: NetworkEffect | None = None

    def httpx_response(self, request: httpx.Request) -> httpx.Response:
        """The answer as an ``httpx.Response``, or the network error raised."""
        if self.network is not None:
            raise network_error(self.network, request, "the fake ShopiMind API")
        return httpx.Response(self.status, headers=self.headers, content=self.body, request=request)


NetworkEffect = ConnectError | ConnectionReset | ReadTimeout


def network_error(effect: NetworkEffect, request: httpx.Request, who: str) -> httpx.TransportError:
    """The httpx exception a client sees for a network fault (the same for API and partner)."""
    if isinstance(effect, ConnectError):
        return httpx.ConnectError(f"Connection refused by {who} (fault {effect.verb})",
                                  request=request)
    if isinstance(effect, ConnectionReset):
        return httpx.ReadError(f"Connection reset by {who} (fault {effect.verb})", request=request)
    return httpx.ReadTimeout(f"Timed out reading the answer of {who} (fault {effect.verb})",
                             request=request)


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
        self._handlers: dict[str, Callable[[Pending, Any], tuple[int, Any]]] = {
            name[4:]: getattr(self, name) for name in dir(self) if name.startswith("_on_")
        }

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
            out = Outgoing(0, (), b"", net.effect)
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

    def _answer(self, pending: Pending) -> tuple[int, Any, Any, tuple[tuple[str, str], ...]]:
        """Return ``(status, parsed request body, response body, headers)``."""
        body: Any = None
        incoming = pending.incoming
        try:
            effect = pending.decision.terminal
            if isinstance(effect, ConnectError | ConnectionReset | ReadTimeout):
                raise NetworkErrorAnswer(effect)
            if isinstance(effect, Status | RateLimited):
                raise _http_fault(effect)
            if pending.error is not None:
                raise pending.error
            route = pending.route
            assert route is not None
            key = incoming.api_key
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
            body = self._parse(incoming, route)
            if isinstance(effect, (FailedChunk, RefusedChunk)):
                return self._chunk_fault(pending, route, body, effect)
            status, data = self._handlers[route.endpoint](pending, body)
            return status, body, data, _JSON_HEADERS
        except FakeApiError as exc:
            return exc.status, body, exc.body(), (*_JSON_HEADERS, *exc.headers().items())

    def _chunk_fault(
        self, pending: Pending, route: Route, body: Any, effect: FailedChunk | RefusedChunk
    ) -> tuple[int, Any, Any, tuple[tuple[str, str], ...]]:
        res = BULK_RESOURCES[route.resource or ""]
        items = self._state.check_batch(res, body)
        if isinstance(effect, FailedChunk):
            data = BulkResult(0, 0, len(items)).body()
            return 200, body, data, _JSON_HEADERS
        raise error_for_status(
            effect.status,
            effect.message
            or f"The whole batch of {len(items)} {res.name} items was refused (fault "
            f"refused_chunk): nothing was stored. Find the item that poisons the batch, or "
            f"push smaller batches to isolate it.",
        )

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

    # -- endpoints ----------------------------------------------------------------------

    def _on_bulk_write(self, pending: Pending, body: Any) -> tuple[int, Any]:
        route = pending.route
        assert route is not None and route.resource is not None
        result = self._state.bulk_upsert(
            route.resource,
            body,
            merge=route.method == "PUT",
            poisons=pending.decision.poisons,
            copy=False,
            wire=True,
        )
        return 200, result.body()

    def _on_records_write(self, pending: Pending, body: Any) -> tuple[int, Any]:
        result = self._state.upsert_custom_data_records(
            int(pending.params["id_definition"]),
            body,
            poisons=pending.decision.poisons,
            copy=False,
            wire=True,
        )
        return 200, result.body()

    def _on_bulk_list(self, pending: Pending, body: Any) -> tuple[int, Any]:
        route = pending.route
        assert route is not None and route.resource is not None
        limit, offset = _paging(pending.incoming.query)
        return 200, _ok(200, self._state.list_records(route.resource, limit=limit, offset=offset))

    def _on_records_list(self, pending: Pending, body: Any) -> tuple[int, Any]:
        limit, offset = _paging(pending.incoming.query)
        records = self._state.custom_data_records(int(pending.params["id_definition"]))
        return 200, _ok(200, list(records.values())[offset : offset + limit])

    def _on_sources_list(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 200, _ok(200, self._state.data_sources())

    def _on_sources_create(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 201, _ok(201, self._state.create_data_source(body))

    def _on_sources_update(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 200, _ok(200, self._state.update_data_source(int(pending.params["id"]), body))

    def _on_sources_delete(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 200, _ok(200, self._state.delete_data_source(int(pending.params["id"])))

    def _on_definitions_list(self, pending: Pending, body: Any) -> tuple[int, Any]:
        limit, offset = _paging(pending.incoming.query, default=10)
        return 200, _ok(200, self._state.custom_data_definitions()[offset : offset + limit])

    def _on_definitions_create(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 201, _ok(201, self._state.create_custom_data_definition(body))

    def _on_definitions_get(self, pending: Pending, body: Any) -> tuple[int, Any]:
        id_definition = int(pending.params["id_definition"])
        return 200, _ok(200, self._state.custom_data_definition(id_definition))

    def _on_definitions_extend(self, pending: Pending, body: Any) -> tuple[int, Any]:
        id_definition = int(pending.params["id_definition"])
        return 200, _ok(200, self._state.extend_custom_data_definition(id_definition, body))

    def _on_definitions_activate(self, pending: Pending, body: Any) -> tuple[int, Any]:
        id_definition = int(pending.params["id_definition"])
        return 200, _ok(200, self._state.set_custom_data_definition_status(id_definition, True))

    def _on_definitions_deactivate(self, pending: Pending, body: Any) -> tuple[int, Any]:
        id_definition = int(pending.params["id_definition"])
        return 200, _ok(200, self._state.set_custom_data_definition_status(id_definition, False))

    def _on_events_list(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 200, _ok(200, self._state.events())

    def _on_events_create(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 201, _ok(201, self._state.create_event(body))

    def _on_events_trigger(self, pending: Pending, body: Any) -> tuple[int, Any]:
        return 201, _ok(201, self._state.trigger_event(pending.params["code_name"], body))


class NetworkErrorAnswer(Exception):
    """Internal: the request gets no answer (a network fault)."""

    def __init__(self, effect: NetworkEffect) -> None:
        super().__init__(effect.verb)
        self.effect = effect


class _RawAnswer(Exception):
    """Internal: a fault answers with a body that is not JSON (empty, a proxy's page)."""

    def __init__(self, status: int, headers: tuple[tuple[str, str], ...], content: bytes) -> None:
        super().__init__(status)
        self.status, self.headers, self.content = status, headers, content


def _ok(status: int, data: Any) -> dict[str, Any]:
    return {"statusCode": status, "data": data}


def _http_fault(effect: Status | RateLimited) -> FakeApiError:
    status = effect.status if isinstance(effect, Status) else 429
    delay = effect.retry_after
    retry_after = None if delay is None else max(1, math.ceil(delay.total_seconds()))
    if effect.body != "json":
        content, kind = non_json_body(status, effect.body)
        headers: tuple[tuple[str, str], ...] = () if kind is None else (("content-type", kind),)
        if retry_after is not None:
            headers = (*headers, ("retry-after", str(retry_after)))
        raise _RawAnswer(status, headers, content)
    message = (effect.message if isinstance(effect, Status) else None) or (
        f"HTTP {status} injected by a fault of the fake API"
        + (f"; retry after {retry_after} s." if retry_after is not None else ".")
    )
    if status == 429:
        return error_for_status(429, message, retry_after)
    return InjectedStatus(status, message, retry_after)


def _paging(query: str, *, default: int = 100) -> tuple[int, int]:
    values = {"limit": default, "offset": 0}
    for part in query.split("&") if query else ():
        name, _, raw = part.partition("=")
        if name in values:
            if not raw.isdigit() or len(raw) > 9:
                raise BadRequest(f"Query parameter {name} must be a whole number, got {show(raw)}.")
            values[name] = int(raw)
    if not 1 <= values["limit"] <= 100:
        raise BadRequest(f"limit must be between 1 and 100, got {values['limit']}.")
    return values["limit"], values["offset"]
