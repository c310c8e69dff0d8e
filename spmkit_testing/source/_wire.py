"""The partner API over HTTP: request parsing, the three pagination styles, faults.

See :mod:`spmkit_testing.source` for the wire contract. :func:`serve` turns one
``httpx.Request`` into an :class:`Answer` (a response or an exception to raise);
:class:`SourceTransport` and :func:`mount` put it behind httpx and respx.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import TYPE_CHECKING, Any

import httpx

from spmkit_testing.source._faults import SourceFault, Style
from spmkit_testing.source._records import SourceRecord, iso

if TYPE_CHECKING:
    import respx

    from spmkit_testing.source._source import FakeSource

__all__ = ["Answer", "SourceCall", "SourceTransport", "mount", "serve"]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class SourceCall:
    """One request to the source, as journaled in ``FakeSource.calls``.

    ``status`` is ``None`` for a timeout; ``served`` counts the items in the answer.
    """

    number: int
    at: datetime
    style: Style | None
    query: dict[str, str]
    status: int | None
    served: int
    fault: SourceFault | None


@dataclass(frozen=True)
class Answer:
    response: httpx.Response | None
    error: Exception | None
    delay: float


class _BadRequest(Exception):
    pass


@dataclass(frozen=True)
class _Query:
    style: Style
    since: datetime | None
    until: datetime | None
    after: tuple[datetime, str] | None
    limit: int
    offset: int = 0
    page: int = 0


def _error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


_JSON_HEADERS = (("Content-Type", "application/json"),)
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    # Not ``json=body``: httpx sends no content at all for ``json=None``, and a null
    # page must be the JSON text ``null``.
    content = _dumps(body).encode()
    all_headers = _JSON_HEADERS if not headers else (*_JSON_HEADERS, *headers.items())
    return httpx.Response(status, content=content, headers=all_headers)


def _parse_time(params: httpx.QueryParams, name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise _BadRequest(
            f"{name}={raw!r} is not an ISO 8601 datetime; send e.g. 2024-01-01T00:00:00Z."
        ) from None
    if value.tzinfo is None:
        raise _BadRequest(f"{name}={raw!r} has no timezone; send e.g. 2024-01-01T00:00:00Z.")
    return value


def _parse_int(params: httpx.QueryParams, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _BadRequest(f"{name}={raw!r} is not an integer.") from None
    if not low <= value <= high:
        raise _BadRequest(f"{name}={value} is out of range: send {low} <= {name} <= {high}.")
    return value


def encode_cursor(query: _Query, last: SourceRecord) -> str:
    state = {
        "a": None if query.since is None else iso(query.since),
        "b": None if query.until is None else iso(query.until),
        "l": query.limit,
        "u": iso(last.updated_at),
        "k": last.key,
    }
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str) -> _Query:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        state = json.loads(raw)
        since = None if state["a"] is None else datetime.fromisoformat(state["a"])
        until = None if state["b"] is None else datetime.fromisoformat(state["b"])
        after = (datetime.fromisoformat(state["u"]), str(state["k"]))
        limit = int(state["l"])
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _BadRequest(
            f"cursor={token!r} is not a cursor this API issued; send back the next_cursor "
            f"of the previous page unchanged."
        ) from None
    return _Query("cursor", since, until, after, limit)


def parse(params: httpx.QueryParams) -> _Query:
    """The pagination style and window of a ``GET /records`` query."""
    if "cursor" in params:
        return _decode_cursor(params["cursor"])
    limit = _parse_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    if "updated_since" in params:
        since = _parse_time(params, "updated_since")
        if since is None:
            raise _BadRequest("updated_since is empty; send the last updated_at you read.")
        until = _parse_time(params, "updated_until")
        key = params.get("after_key")
        if key:
            return _Query("since", None, until, (since, key), limit)
        return _Query("since", since, until, None, limit)
    since = _parse_time(params, "updated_after")
    until = _parse_time(params, "updated_before")
    if "page" in params or "size" in params:
        page = _parse_int(params, "page", 1, 1, 10**9)
        size = _parse_int(params, "size", DEFAULT_LIMIT, 1, MAX_LIMIT)
        return _Query("page", since, until, None, size, offset=(page - 1) * size, page=page)
    return _Query("cursor", since, until, None, limit)


def _read(source: FakeSource, query: _Query, now: datetime) -> tuple[list[SourceRecord], bool]:
    """The page's records and whether more follow."""
    rows = source.index.scan(now, query.since, query.until, query.after)
    found = list(islice(rows, query.offset, query.offset + query.limit + 1))
    return found[: query.limit], len(found) > query.limit


def _already_served(
    source: FakeSource, query: _Query, page: list[SourceRecord], now: datetime, count: int
) -> list[SourceRecord]:
    """Up to ``count`` records just before ``page`` in the same read (oldest first)."""
    if query.style == "page":
        start = max(0, query.offset - count)
        rows = source.index.scan(now, query.since, query.until, query.after)
        before = list(islice(rows, start, query.offset))
    else:
        first = page[0] if page else None
        edge = (first.updated_at, first.key) if first else query.after
        if edge is None:
            return []  # an empty first page: nothing was served before it
        since = query.since if query.style != "since" else None
        back = source.index.scan_back(now, since, edge)
        before = list(islice(back, count))[::-1]
    return before or page[:count]


def _items_body(query: _Query, items: object, page: list[SourceRecord], more: bool) -> object:
    if query.style == "page":
        return {"items": items, "page": query.page, "size": query.limit, "has_more": more}
    if query.style == "cursor":
        token = encode_cursor(query, page[-1]) if more and page else None
        return {"items": items, "next_cursor": token}
    return items


def serve(source: FakeSource, request: httpx.Request) -> Answer:
    """Answer one request to the partner API (see the package docstring)."""
    now = source.clock.now()
    params = request.url.params  # parsed on every access: parse once
    query_dict = dict(params)
    number = source.next_call_number()

    def journal(style: Style | None, status: int | None, served: int, fault: Any) -> None:
        source.calls.append(SourceCall(number, now, style, query_dict, status, served, fault))

    if not request.url.path.rstrip("/").endswith("/records"):
        message = f"no such path {request.url.path!r}: the fake source serves GET .../records."
        journal(None, 404, 0, None)
        return Answer(_json(404, _error_body("not_found", message)), None, 0.0)
    if request.method != "GET":
        message = f"{request.method} is not allowed on /records: the fake source is read-only."
        journal(None, 405, 0, None)
        return Answer(_json(405, _error_body("method_not_allowed", message)), None, 0.0)
    try:
        query = parse(params)
    except _BadRequest as exc:
        journal(None, 400, 0, None)
        return Answer(_json(400, _error_body("bad_request", str(exc))), None, 0.0)

    fault = source.pick_fault(number, now, query.style)
    delay = fault.delay if fault else 0.0
    if fault is not None and fault.kind == "timeout":
        journal(query.style, None, 0, fault)
        error = httpx.ReadTimeout(
            f"fake source: simulated read timeout ({fault!r})", request=request
        )
        return Answer(None, error, delay)
    if fault is not None and fault.kind == "server_error":
        journal(query.style, fault.status, 0, fault)
        outage = _error_body("server_error", f"simulated outage ({fault!r})")
        return Answer(_json(fault.status, outage), None, delay)
    if fault is not None and fault.kind == "rate_limit":
        journal(query.style, 429, 0, fault)
        seconds = str(math.ceil(fault.retry_after))
        limited = _error_body("rate_limited", f"too many requests: retry after {seconds} s")
        return Answer(_json(429, limited, {"Retry-After": seconds}), None, delay)

    page, more = _read(source, query, now)
    served = page
    if fault is not None and fault.kind == "duplicate_page":
        served = _already_served(source, query, page, now, fault.count) + page
    elif fault is not None and fault.kind == "reordered_page" and len(page) > 1:
        shift = source.rng.randrange(1, len(page))
        served = page[shift:] + page[:shift]
    items: object = [record.to_item() for record in served]
    if fault is not None and fault.kind == "null_page":
        items, served = None, []
    body: object = _items_body(query, items, page, more)
    if fault is not None and fault.kind == "error_page":
        body, served = _error_body("internal", f"simulated error page ({fault!r})"), []
    journal(query.style, 200, len(served), fault)
    return Answer(_json(200, body), None, delay)


class SourceTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """An httpx transport (sync and async) in front of a :class:`FakeSource`.

    The async path awaits a fault's ``delay`` on the source's clock before answering.
    """

    def __init__(self, source: FakeSource) -> None:
        self._source = source

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return _unwrap(serve(self._source, request))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = serve(self._source, request)
        if answer.delay > 0:
            sleep = getattr(self._source.clock, "sleep", None)
            if sleep is not None:
                await sleep(answer.delay)
        return _unwrap(answer)

    def __repr__(self) -> str:
        return f"SourceTransport({self._source!r})"


def _unwrap(answer: Answer) -> httpx.Response:
    if answer.error is not None:
        raise answer.error
    assert answer.response is not None
    return answer.response


def mount(source: FakeSource, router: respx.Router, base_url: str) -> respx.Route:
    """Route ``GET {base_url}/records`` of ``router`` to ``source`` (sync side effect)."""
    base = base_url.rstrip("/")
    pattern = rf"^{re.escape(base)}/records/?(\?.*)?$"

    def side_effect(request: httpx.Request) -> httpx.Response:
        return _unwrap(serve(source, request))

    handler: Callable[[httpx.Request], httpx.Response] = side_effect
    return router.route(method="GET", url__regex=pattern).mock(side_effect=handler)
