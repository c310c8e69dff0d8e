"""The live partner API, probed with a few read-only GETs and compared like a recording.

Opt-in (``spmkit check-adapter --live BASE_URL``). The credential comes from the
environment only (:data:`TOKEN_ENV`, sent where the adapter's ``auth`` says: a bearer
token, or an API key in its header or query parameter). Only ``GET`` is sent, at most
:data:`MAX_REQUESTS` of them; plain ``http://`` is refused for anything but a loopback
host. Nothing is written. The probes, for each records route (the first listed source of
a per-source stream):

1. every page, at the route's default page size, following the declared pagination
   (a page cap shows as a page shorter than asked with more to follow);
2. ``since`` (then ``until``) set to the stamp of a record read in 1 (is a record on the
   bound served?);
3. ``since`` set to something that is not a time (the partner's error body).

The exchanges are then compared with the adapter's simulated partner exactly as a
recording is (:func:`~spmkit_testing.fidelity.compare_exchanges`).
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from spmkit import InvalidArgument, is_loopback_host
from spmkit_testing.adapter import Adapter
from spmkit_testing.fidelity._replay import compare_exchanges, rest_api_of
from spmkit_testing.fidelity._report import AdapterReport
from spmkit_testing.fidelity._wire import (
    Exchange,
    credential,
    first_query,
    items_of,
    next_query,
    route_path,
)
from spmkit_testing.partner import RecordsRoute, RestApi, SourcesRoute

__all__ = ["MAX_REQUESTS", "TOKEN_ENV", "check_live", "live_base_url"]

#: The environment variable holding the partner's credential (never on the command line).
TOKEN_ENV = "SPMKIT_PARTNER_TOKEN"
#: At most this many requests reach the live partner.
MAX_REQUESTS = 200
_TIMEOUT_SECONDS = 15.0
_PAGES_PER_ROUTE = 20


def live_base_url(url: str) -> str:
    """``url`` as a base URL, refused when plain http would reach a remote host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgument(f"--live {url!r} is not a URL ({exc}).") from None
    if parsed.scheme not in ("http", "https") or not parsed.host or parsed.query:
        raise InvalidArgument(f"--live {url!r}: give the partner API's base URL, such as "
                              f"https://api.partner.example/v2.")
    if parsed.scheme == "http" and not is_loopback_host(parsed.host):
        raise InvalidArgument(f"--live {url}: plain http to a remote host ({parsed.host}) "
                              f"would send the credential in clear; use https:// (plain "
                              f"http only for a loopback host).")
    return url.rstrip("/")


class _Probe:
    def __init__(self, rest_api: RestApi, base_url: str, secret: str | None) -> None:
        self.api, self.base = rest_api, base_url
        headers, params = credential(rest_api.auth, secret)
        self.http = httpx.Client(headers=headers, params=params, timeout=_TIMEOUT_SECONDS)
        self.exchanges: list[Exchange] = []

    def get(self, route: RecordsRoute | SourcesRoute, source: str,
            query: dict[str, str]) -> Exchange | None:
        if len(self.exchanges) >= MAX_REQUESTS:
            return None
        path = route_path(self.api, route, source)[len(self.api.base_url):]
        answer = self.http.get(self.base + path, params=query)
        try:
            body = answer.json()
        except ValueError:
            body = None
        # Recorded on the adapter's base URL: the comparison matches routes by path.
        url = httpx.URL(self.api.base_url + path, params=answer.request.url.params)
        url = url.copy_remove_param(self.api.auth.query) if (
            self.api.auth and self.api.auth.query) else url
        found = Exchange("GET", url, answer.status_code, body)
        self.exchanges.append(found)
        return found

    def records(self, route: RecordsRoute, source: str) -> None:
        query: dict[str, str] | None = first_query(route, source=source,
                                                   limit=route.paging.default_limit)
        items: list[Any] = []
        for _ in range(_PAGES_PER_ROUTE):
            if query is None:
                break
            answer = self.get(route, source, query)
            if answer is None or not answer.ok:
                break
            items += items_of(route, answer.body) or []
            query = next_query(route, query, answer.body,
                               lambda item: item.get(route.wire("updated_at")))
        stamps = [i.get(route.wire("updated_at")) for i in items if isinstance(i, dict)]
        probe = stamps[len(stamps) // 2] if stamps else None
        for bound in ("since", "until"):
            if probe is not None and getattr(route, bound):
                self.get(route, source, first_query(route, source=source,
                                                    limit=route.paging.default_limit,
                                                    **{bound: probe}))
        if route.since:
            self.get(route, source, {**first_query(route, source=source, limit=None),
                                     route.since: "not-a-time"})


def check_live(adapter: Adapter, base_url: str, *, name: str = "the adapter",
               environ: Any = None) -> AdapterReport:
    """Probe the live partner at ``base_url`` (see the module docstring) and compare."""
    rest_api = rest_api_of(adapter)
    base = live_base_url(base_url)
    secret = (os.environ if environ is None else environ).get(TOKEN_ENV) or None
    if rest_api.auth is not None and secret is None:
        raise InvalidArgument(f"--live: the adapter's partner asks for {rest_api.auth}; put "
                              f"the live credential in the environment variable {TOKEN_ENV} "
                              f"(never on the command line).")
    probe = _Probe(rest_api, base, secret)
    try:
        sources: dict[str, str] = {}
        for route in rest_api.routes:
            if isinstance(route, SourcesRoute):
                answer = probe.get(route, "", {})
                listed = answer.body if answer is not None else None
                listed = listed.get(route.items) if route.items and isinstance(
                    listed, dict) else listed
                if isinstance(listed, list) and listed:
                    first = listed[0]
                    sources[route.stream] = str(first.get(route.key) if route.key and isinstance(
                        first, dict) else first)
        for route in rest_api.routes:
            if isinstance(route, RecordsRoute):
                if adapter.stream(route.stream).per_source and route.stream not in sources:
                    continue
                probe.records(route, sources.get(route.stream, ""))
    except httpx.TransportError as exc:
        raise InvalidArgument(f"--live {base}: the partner did not answer ({type(exc).__name__}"
                              f": {exc}).") from None
    finally:
        probe.http.close()
    return compare_exchanges(adapter, probe.exchanges, f"the live partner at {base}", name=name,
                             rest_api=rest_api, requests=len(probe.exchanges),
                             max_requests=MAX_REQUESTS)
