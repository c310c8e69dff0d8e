"""Route tables that serve a :class:`Partner` as the integration's own REST API.

A typical partner is a few lines::

    from spmkit_testing import rest

    acme = rest.api("https://api.acme.test/v2", [
        rest.records("/contacts", stream="contacts", paging=rest.cursor_token(),
                     since="modifiedSince", until=None,
                     fields={"key": "id", "updated_at": "modifiedAt", "email": "emailAddress"}),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=rest.page_number()),
        rest.sources("/workspaces", stream="deals", items="data", key="id"),
    ])

A records route serves one stream (``{source}`` in the path for a per-source stream):
items are the partner's records with the canonical field names renamed by
``fields`` (``key`` and ``updated_at`` included; default names ``id`` and
``updated_at``), the payload at the top level or under ``nest``, tombstones served
with a ``tombstones`` flag (or not at all), times in ``time_format`` (``"iso"`` or
``"epoch_ms"``). A sources route lists the partner's sources. Errors: 400 for a bad
query, 404 for another path or an unknown source, 405 for another method, each with
``{"error": {"code": ..., "message": ...}}``; faults come from the world's registry.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from spmkit import InvalidArgument, json_dumps
from spmkit_testing.faults import (
    BodyKind,
    Decision,
    NetworkFailure,
    network_error,
    non_json_body,
    retry_after_seconds,
)
from spmkit_testing.partner._paging import BadQuery, Paging, Position
from spmkit_testing.partner._partner import Partner
from spmkit_testing.partner._records import SourceRecord, iso

if TYPE_CHECKING:
    import respx

__all__ = ["RecordsRoute", "RestApi", "SourcesRoute", "api", "records", "sources"]

TIME_FORMATS = ("iso", "epoch_ms")
#: What a time format can tell apart: an API that serves epoch milliseconds stamps to the ms.
TIME_PRECISION = {"epoch_ms": timedelta(milliseconds=1)}


def _error(status: int, code: str, message: str,
           headers: Mapping[str, str] | None = None) -> httpx.Response:
    body = json_dumps({"error": {"code": code, "message": message}}, allow_nan=True)
    return httpx.Response(status, content=body, headers={"content-type": "application/json",
                                                         **(headers or {})})


def _template(path: str, per_source: bool, what: str) -> re.Pattern[str]:
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidArgument(f"{what}: path={path!r} must start with '/', such as '/contacts'.")
    has = "{source}" in path
    if per_source and not has:
        raise InvalidArgument(
            f"{what}: the stream is per-source, so the path needs a {{source}} placeholder, "
            f"such as '/stores/{{source}}/orders'; got path={path!r}.")
    if not per_source and has:
        raise InvalidArgument(f"{what}: path={path!r} has {{source}} but the stream is global.")
    parts = path.rstrip("/").split("{source}")
    pattern = "(?P<source>[^/]+)".join(re.escape(p) for p in parts)
    return re.compile(f"^{pattern}/?$")


@dataclass(frozen=True)
class RecordsRoute:
    """``GET path`` serves the records of ``stream`` (see :func:`records`)."""

    path: str
    stream: str
    paging: Paging
    since: str | None = "updated_after"
    until: str | None = "updated_before"
    fields: Mapping[str, str] = field(default_factory=dict)
    nest: str | None = None
    tombstones: str | None = None
    method: str = "GET"

    def wire(self, name: str) -> str:
        """The partner's name of canonical field ``name``."""
        return self.fields.get(name, _DEFAULT_NAMES.get(name, name))


_DEFAULT_NAMES = {"key": "id", "updated_at": "updated_at"}


@dataclass(frozen=True)
class SourcesRoute:
    """``GET path`` lists the partner's sources for ``stream`` (see :func:`sources`)."""

    path: str
    stream: str
    items: str | None = None
    key: str | None = None
    method: str = "GET"


def records(path: str, *, stream: str, paging: Paging, since: str | None = "updated_after",
            until: str | None = "updated_before", fields: Mapping[str, str] | None = None,
            nest: str | None = None, tombstones: str | None = None,
            method: str = "GET") -> RecordsRoute:
    """A route serving one stream's records.

    ``since``/``until`` are the query parameters of the window (``None``: the partner
    has no such filter; a style that carries the window in its token ignores them
    after the first page). ``fields`` renames canonical fields to the partner's
    (``{"key": "id", "updated_at": "modifiedAt", "email": "emailAddress"}``); ``nest``
    puts the payload under one key; ``tombstones="deleted"`` serves deleted records
    with ``"deleted": true`` (by default they are not served at all).
    """
    if not isinstance(paging, Paging):
        raise InvalidArgument(
            f"records({path!r}): paging={paging!r} is not a pagination style; use "
            f"rest.page_number(), rest.offset(), rest.cursor_token(), rest.next_link() or "
            f"rest.keyset().")
    if paging.style == "keyset" and since is None:
        raise InvalidArgument(f"records({path!r}): keyset paging continues from since=, so "
                              f"since cannot be None.")
    return RecordsRoute(path, stream, paging, since, until, dict(fields or {}), nest,
                        tombstones, method.upper())


def sources(path: str, *, stream: str, items: str | None = None, key: str | None = None,
            method: str = "GET") -> SourcesRoute:
    """A route listing the sources of a per-source stream: a bare list of keys, or
    ``{items: [{key: ...}, ...]}`` with ``items="data", key="id"``."""
    return SourcesRoute(path, stream, items, key, method.upper())


class RestApi:
    """A partner REST API at ``base_url``: records and sources routes over a :class:`Partner`.

    Serve it with :meth:`transport` (httpx, in-process) or :meth:`mount` (your respx router).
    """

    def __init__(self, base_url: str, routes: Sequence[RecordsRoute | SourcesRoute], *,
                 time_format: str = "iso") -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise InvalidArgument(f"rest.api: base_url={base_url!r} must be an absolute URL such "
                                  f"as 'https://api.partner.test/v2'.")
        if time_format not in TIME_FORMATS:
            raise InvalidArgument(f"rest.api: time_format={time_format!r}; choose one of "
                                  f"{', '.join(TIME_FORMATS)}.")
        self.base_url = str(url).rstrip("/")
        self.prefix = url.path.rstrip("/")
        self.time_format = time_format
        self.routes = list(routes)
        for route in self.routes:
            if not isinstance(route, RecordsRoute | SourcesRoute):
                raise InvalidArgument(
                    f"rest.api: {route!r} is not a route; build routes with rest.records(...) "
                    f"and rest.sources(...).")

    def compile(self, per_source: Callable[[str], bool]) -> list[tuple[re.Pattern[str], Any]]:
        """The routes as ``(path regex, route)``, checked against the streams' scopes."""
        out = []
        for route in self.routes:
            listing = isinstance(route, SourcesRoute)
            what = f"rest.{'sources' if listing else 'records'}({route.path!r})"
            scoped = per_source(route.stream)
            if listing and not scoped:
                raise InvalidArgument(f"{what}: stream {route.stream!r} is global; only a "
                                      f"per-source stream has a listing of sources.")
            out.append((_template(route.path, scoped and not listing, what), route))
        return out

    @property
    def precision(self) -> timedelta | None:
        """The finest time the API serves (``None``: microseconds)."""
        return TIME_PRECISION.get(self.time_format)

    def streams(self) -> set[str]:
        """The streams that have a records route."""
        return {r.stream for r in self.routes if isinstance(r, RecordsRoute)}

    def listed(self) -> set[str]:
        """The streams that have a sources route."""
        return {r.stream for r in self.routes if isinstance(r, SourcesRoute)}

    def paginated(self) -> bool:
        return any(isinstance(r, RecordsRoute) for r in self.routes)

    def transport(self, partner: Partner) -> RestTransport:
        """An httpx transport (async and sync) serving this API from ``partner``."""
        return RestTransport(self, partner)

    def mount(self, router: respx.Router, partner: Partner) -> list[respx.Route]:
        """Add one respx route per table row to ``router`` (never the global ``respx.mock``)."""
        server = _Server(self, partner)
        out = []
        for pattern, route in server.table:
            regex = re.escape(self.base_url) + pattern.pattern[1:-1] + r"(\?.*)?$"
            out.append(router.route(method=route.method, url__regex="^" + regex).mock(
                side_effect=server.answer_sync))
        return out

    def __repr__(self) -> str:
        return f"rest.api({self.base_url!r}, {len(self.routes)} route(s))"


def api(base_url: str, routes: Sequence[RecordsRoute | SourcesRoute], *,
        time_format: str = "iso") -> RestApi:
    """A partner REST API: ``base_url`` and its route table (see the module docstring)."""
    return RestApi(base_url, routes, time_format=time_format)


class _Server:
    """Answers requests for one RestApi over one Partner."""

    def __init__(self, rest_api: RestApi, partner: Partner) -> None:
        self.api = rest_api
        self.partner = partner

        def scoped(name: str) -> bool:
            stream = partner.streams.get(name)
            if stream is None:
                raise InvalidArgument(
                    f"rest route for stream {name!r}: the adapter has no such stream (streams: "
                    f"{', '.join(partner.streams)}).")
            return stream.per_source

        self.table = rest_api.compile(scoped)

    def _format(self, value: datetime) -> Any:
        if self.api.time_format == "epoch_ms":
            return math.floor(value.timestamp() * 1000)
        return iso(value)

    def _parse(self, raw: str, name: str) -> datetime:
        if self.api.time_format == "epoch_ms":
            try:
                return datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
            except (ValueError, OverflowError, OSError):
                raise BadQuery(f"{name}={raw!r} is not a time in epoch milliseconds.") from None
        try:
            value = datetime.fromisoformat(raw.replace(" ", "+"))
        except ValueError:
            raise BadQuery(f"{name}={raw!r} is not an ISO 8601 time; send e.g. "
                           f"2024-01-01T00:00:00Z.") from None
        if value.utcoffset() is None:
            raise BadQuery(f"{name}={raw!r} has no timezone; send e.g. 2024-01-01T00:00:00Z.")
        return value.astimezone(UTC)

    def _time(self, query: httpx.QueryParams, name: str | None) -> datetime | None:
        if name is None:
            return None
        raw = query.get(name)
        return None if raw is None or raw == "" else self._parse(raw, name)

    def resolve(self, request: httpx.Request) -> tuple[Any, str] | httpx.Response:
        path = request.url.path
        if not path.startswith(self.api.prefix):
            return _error(404, "not_found", f"no such path {path!r}")
        rel = path[len(self.api.prefix):] or "/"
        allowed = []
        for pattern, route in self.table:
            match = pattern.match(rel)
            if match is None:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            source = unquote(match.groupdict().get("source") or "")
            return route, source
        if allowed:
            return _error(405, "method_not_allowed", f"{request.method} is not allowed on "
                          f"{path}; use {', '.join(sorted(set(allowed)))}.")
        return _error(404, "not_found", f"no such path {path!r}")

    def prepare(self, request: httpx.Request) -> tuple[Any, str, Decision] | httpx.Response:
        found = self.resolve(request)
        if isinstance(found, httpx.Response):
            return found
        route, source = found
        listing = isinstance(route, SourcesRoute)
        if not listing and self.partner.streams[route.stream].per_source \
                and source not in self.partner.sources:
            return _error(404, "not_found", f"no source {source!r}; the partner has: "
                          f"{', '.join(self.partner.sources)}.")
        by_offset = not listing and route.paging.style in ("page", "offset")
        decision = self.partner.decide(route.stream, source, listing=listing,
                                       method=request.method, path=request.url.path,
                                       by_offset=by_offset)
        return route, source, decision

    def answer(self, request: httpx.Request, route: Any, source: str,
               decision: Decision) -> httpx.Response:
        listing = isinstance(route, SourcesRoute)
        # One string per route and source, shared by every call the journal keeps.
        what = sys.intern(f"{request.method} {request.url.path}")
        failed = _fault_response(decision, request)
        if failed is not None:
            self.partner.journal(route.stream, source, what, failed.status_code, 0, decision)
            return failed
        try:
            if listing:
                body: object = self._listing(route)
                served = len(self.partner.sources)
            else:
                body, served = self._records(request, route, source, decision)
        except BadQuery as exc:
            self.partner.journal(route.stream, source, what, 400, 0, decision)
            return _error(400, "bad_request", str(exc))
        self.partner.journal(route.stream, source, what, 200, served, decision)
        return _json_response(json_dumps(body, allow_nan=True))

    def answer_sync(self, request: httpx.Request) -> httpx.Response:
        prepared = self.prepare(request)
        if isinstance(prepared, httpx.Response):
            return prepared
        return self.answer(request, *prepared)

    def _listing(self, route: SourcesRoute) -> object:
        keys: list[Any] = list(self.partner.sources)
        if route.key is not None:
            keys = [{route.key: k} for k in keys]
        return keys if route.items is None else {route.items: keys}

    def _records(self, request: httpx.Request, route: RecordsRoute, source: str,
                 decision: Decision) -> tuple[object, int]:
        query = request.url.params
        since, until = self._time(query, route.since), self._time(query, route.until)
        position: Position = route.paging.position(query, since, until, self._parse)
        include_deleted = route.tombstones is not None
        page = self.partner.page(route.stream, source, decision, since=position.since,
                                 until=position.until, after=position.after,
                                 offset=position.offset, limit=position.limit,
                                 include_deleted=include_deleted)
        if page.error:
            return {"error": {"code": "internal", "message": "simulated error page "
                              f"({decision.label})"}}, 0
        served = page.records or []
        total = None
        if route.paging.style == "offset" and route.paging.marker is not None:
            total = self.partner.count(route.stream, source, since=position.since,
                                       until=position.until, include_deleted=include_deleted)
        items = None if page.records is None else [self._item(route, r) for r in served]
        body = route.paging.body(items, position, page.more, page.last, request.url, self._format,
                                 total)
        return body, len(served)

    def _item(self, route: RecordsRoute, record: SourceRecord) -> dict[str, Any]:
        out: dict[str, Any] = {route.wire("key"): record.key,
                               route.wire("updated_at"): self._format(record.updated_at)}
        if route.tombstones is not None:
            out[route.tombstones] = record.deleted
        payload = {route.wire(k): v for k, v in record.payload.items()}
        if route.nest is not None:
            out[route.nest] = payload
        else:
            out.update(payload)
        return out


def _fault_response(decision: Decision, request: httpx.Request) -> httpx.Response | None:
    """The answer of the fault that answers instead of the partner, if one does."""
    effect = decision.terminal
    if effect is None:
        return None
    response: httpx.Response = effect.respond(_FaultAnswers(request, decision.label or ""))
    return response


class _FaultAnswers:
    """How a partner route answers what a fault decided (the faults'
    :class:`~spmkit_testing.faults.Responder`): its own error object, or no answer."""

    def __init__(self, request: httpx.Request, label: str) -> None:
        self.request, self.label = request, label

    def error(self, status: int, body: BodyKind, retry_after: timedelta | None,
              message: str | None) -> httpx.Response:
        seconds = retry_after_seconds(retry_after)
        headers = {} if seconds is None else {"Retry-After": str(seconds)}
        if body != "json":
            content, kind = non_json_body(status, body)
            if kind is not None:
                headers["content-type"] = kind
            return httpx.Response(status, content=content, headers=headers)
        return _error(status, "simulated", message or f"simulated partner failure "
                      f"({self.label})", headers)

    def no_answer(self, failure: NetworkFailure, verb: str) -> httpx.Response:
        raise network_error(failure, verb, self.request, "the partner")

    def failed_batch(self) -> httpx.Response:
        raise AssertionError("failed_chunk() applies to the ShopiMind API only")

    def refused_batch(self, status: int, message: str | None) -> httpx.Response:
        raise AssertionError("refused_chunk() applies to the ShopiMind API only")


class RestTransport(httpx.AsyncBaseTransport, httpx.BaseTransport):
    """Serve a :class:`RestApi` from a :class:`Partner`, without sockets; the async side
    waits latency faults on the partner's clock."""

    def __init__(self, rest_api: RestApi, partner: Partner) -> None:
        self._server = _Server(rest_api, partner)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        prepared = self._server.prepare(request)
        if isinstance(prepared, httpx.Response):
            return prepared
        delay = prepared[2].delay
        if delay > timedelta(0):
            await self._server.partner.clock.sleep(delay.total_seconds())
        return self._server.answer(request, *prepared)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._server.answer_sync(request)

    def __repr__(self) -> str:
        return f"RestTransport({self._server.api!r})"


def _json_response(body: bytes) -> httpx.Response:
    """A 200 page, built as httpx builds an answer it read (the headers as bytes and a
    byte stream): an eighth of the cost of ``httpx.Response(content=...)``, on every read."""
    return httpx.Response(200, stream=httpx.ByteStream(body), headers=[
        (b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))])
