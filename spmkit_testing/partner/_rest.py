"""A partner REST API served from a :class:`Partner`: :class:`RestApi` (built with
:func:`spmkit_testing.rest.api`) and the transport that answers its requests.

The route table (records and sources routes, the window's bounds, sources in the path or
the query, authentication, strict query parameters) is described in
:mod:`spmkit_testing.partner._routes`; the time formats in
:mod:`spmkit_testing.partner._time`; the pagination styles in
:mod:`spmkit_testing.partner._paging`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
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
from spmkit_testing.partner._paging import Answer, BadQuery, Position
from spmkit_testing.partner._partner import Partner
from spmkit_testing.partner._records import SourceRecord
from spmkit_testing.partner._routes import (
    Auth,
    RecordsRoute,
    Route,
    SourcesRoute,
    compile_routes,
)
from spmkit_testing.partner._time import TIME_FORMATS, BadTime, format_time, parse_time

if TYPE_CHECKING:
    import respx

__all__ = ["RestApi", "RestTransport", "api"]


def _error(status: int, code: str, message: str,
           headers: Mapping[str, str] | None = None) -> httpx.Response:
    body = json_dumps({"error": {"code": code, "message": message}}, allow_nan=True)
    return httpx.Response(status, content=body, headers={"content-type": "application/json",
                                                         **(headers or {})})


class RestApi:
    """A partner REST API at ``base_url``: records and sources routes over a :class:`Partner`.

    Serve it with :meth:`transport` (httpx, in-process) or :meth:`mount` (your respx router).
    """

    def __init__(self, base_url: str, routes: Sequence[Route], *, time_format: str = "iso",
                 auth: Auth | None = None, reject_unknown_params: bool = False) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise InvalidArgument(f"rest.api: base_url={base_url!r} must be an absolute URL such "
                                  f"as 'https://api.partner.test/v2'.")
        if time_format not in TIME_FORMATS:
            raise InvalidArgument(f"rest.api: time_format={time_format!r}; choose one of "
                                  f"{', '.join(TIME_FORMATS)}.")
        if auth is not None and not isinstance(auth, Auth):
            raise InvalidArgument(f"rest.api: auth={auth!r}; use rest.bearer('token') or "
                                  f"rest.api_key('key', header='X-Api-Key').")
        self.base_url = str(url).rstrip("/")
        self.prefix = url.path.rstrip("/")
        self.time_format = time_format
        self.auth = auth
        self.reject_unknown_params = bool(reject_unknown_params)
        self.routes = list(routes)
        for route in self.routes:
            if not isinstance(route, RecordsRoute | SourcesRoute):
                raise InvalidArgument(
                    f"rest.api: {route!r} is not a route; build routes with rest.records(...) "
                    f"and rest.sources(...).")

    def compile(self, per_source: Callable[[str], bool]) -> list[tuple[re.Pattern[str], Route]]:
        """The routes as ``(path regex, route)``, checked against the streams' scopes."""
        return compile_routes(self.routes, per_source)

    @property
    def precision(self) -> str:
        """The finest precision the API's time format carries (``"microsecond"``...)."""
        return TIME_FORMATS[self.time_format]

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


def api(base_url: str, routes: Sequence[Route], *, time_format: str = "iso",
        auth: Auth | None = None, reject_unknown_params: bool = False) -> RestApi:
    """A partner REST API: ``base_url`` and its route table (see the module docstring).

    ``time_format`` is how it writes and reads times (``"iso"``, ``"iso_ms"``,
    ``"iso_s"``, ``"epoch_ms"``, ``"epoch_s"``, ``"date"``); ``auth`` the credential
    every request must carry (:func:`bearer`, :func:`api_key`);
    ``reject_unknown_params=True`` answers 400 to a query parameter a route does not
    know, as strict APIs do.
    """
    return RestApi(base_url, routes, time_format=time_format, auth=auth,
                   reject_unknown_params=reject_unknown_params)


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
        return format_time(value, self.api.time_format)

    def _parse(self, raw: str, name: str) -> datetime:
        try:
            return parse_time(raw, self.api.time_format, name)
        except BadTime as exc:
            raise BadQuery(str(exc)) from None

    def _time(self, query: httpx.QueryParams, name: str | None) -> datetime | None:
        if name is None:
            return None
        raw = query.get(name)
        return None if raw is None or raw == "" else self._parse(raw, name)

    def resolve(self, request: httpx.Request) -> tuple[Route, str] | httpx.Response:
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
            if isinstance(route, RecordsRoute) and route.source is not None:
                source = request.url.params.get(route.source, "")
                if not source:
                    return _error(400, "bad_request", f"{route.source} is required: the "
                                  f"source to read, one of {', '.join(self.partner.sources)}.")
            return route, source
        if allowed:
            return _error(405, "method_not_allowed", f"{request.method} is not allowed on "
                          f"{path}; use {', '.join(sorted(set(allowed)))}.")
        return _error(404, "not_found", f"no such path {path!r}")

    def _refusal(self, request: httpx.Request, route: Route) -> httpx.Response | None:
        """The 401 or 400 a strict API answers before reading anything, if any."""
        auth = self.api.auth
        if auth is not None and not auth.accepts(request):
            return _error(401, "unauthorized", f"missing or wrong credentials: send {auth}.")
        if self.api.reject_unknown_params:
            known = route.query_names() | ({auth.query} if auth and auth.query else set())
            unknown = sorted(set(request.url.params) - known)
            if unknown:
                return _error(400, "bad_request", f"unknown query parameter(s) "
                              f"{', '.join(map(repr, unknown))}; this route accepts: "
                              f"{', '.join(sorted(known)) or 'none'}.")
        return None

    def prepare(self, request: httpx.Request) -> tuple[Route, str, Decision] | httpx.Response:
        found = self.resolve(request)
        if isinstance(found, httpx.Response):
            return found
        route, source = found
        refused = self._refusal(request, route)
        if refused is not None:
            return refused
        listing = isinstance(route, SourcesRoute)
        if not listing and self.partner.streams[route.stream].per_source \
                and source not in self.partner.sources:
            return _error(404, "not_found", f"no source {source!r}; the partner has: "
                          f"{', '.join(self.partner.sources)}.")
        by_offset = isinstance(route, RecordsRoute) and route.paging.style in ("page", "offset")
        decision = self.partner.decide(route.stream, source, listing=listing,
                                       method=request.method, path=request.url.path,
                                       by_offset=by_offset)
        return route, source, decision

    def answer(self, request: httpx.Request, route: Route, source: str,
               decision: Decision) -> httpx.Response:
        # One string per route and source, shared by every call the journal keeps.
        what = sys.intern(f"{request.method} {request.url.path}")
        failed = _fault_response(decision, request)
        if failed is not None:
            self.partner.journal(route.stream, source, what, failed.status_code, 0, decision)
            return failed
        try:
            if isinstance(route, SourcesRoute):
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
        deleted, created = route.tombstones is not None, self._time(query, route.created_since)
        position: Position = route.paging.position(query, since, until, self._parse)
        page = self.partner.page(route.stream, source, decision, since=position.since,
                                 until=position.until, after=position.after,
                                 offset=position.offset, limit=position.limit,
                                 include_deleted=deleted, since_inclusive=route.since_inclusive,
                                 until_inclusive=route.until_inclusive, created_since=created)
        if page.error:
            return {"error": {"code": "internal", "message": "simulated error page "
                              f"({decision.label})"}}, 0
        served = page.records or []
        total = None
        if route.paging.marker("total") is not None:
            total = self.partner.count(route.stream, source, since=position.since,
                                       until=position.until, include_deleted=deleted,
                                       since_inclusive=route.since_inclusive,
                                       until_inclusive=route.until_inclusive,
                                       created_since=created)
        items = None if page.records is None else [self._item(route, r) for r in served]
        body = route.paging.body(items, position, Answer(page.more, page.last, total),
                                 request.url, self._format)
        return body, len(served)

    def _item(self, route: RecordsRoute, record: SourceRecord) -> dict[str, Any]:
        out: dict[str, Any] = {route.wire("key"): record.key,
                               route.wire("updated_at"): self._format(record.updated_at)}
        if "created_at" in route.fields and record.created_at is not None:
            out[route.fields["created_at"]] = self._format(record.created_at)
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
