"""The simulated partner of a recording: the records and sources the recording shows.

Each recorded exchange is matched to the adapter's route (by method and path); the
records of its answers are written into a :class:`~spmkit_testing.Partner` as the
adapter reads them (its key, ``updated_at``, tombstone and field names), so that
replaying a recorded request against the simulated partner serves the same records if,
and only if, the adapter models the partner truly. A field the adapter renames is
written under its canonical name only when the recording carries the partner's name for
it: a declared name the partner does not use shows up as a difference of shape.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from spmkit_testing.adapter import Adapter
from spmkit_testing.clock import SimClock
from spmkit_testing.faults import FaultRegistry
from spmkit_testing.fidelity._wire import Exchange, items_of, parse_stamp
from spmkit_testing.partner import DEFAULT_SOURCES, Partner, RecordsRoute, RestApi, SourcesRoute

__all__ = ["Matched", "match", "seeded_partner"]

_FALLBACK = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Matched:
    """A recorded exchange and the route of the adapter that serves it (``None``: none)."""

    exchange: Exchange
    route: RecordsRoute | SourcesRoute | None
    source: str = ""
    #: ``GET /v3/contacts`` (the route's path template), or the recorded path.
    label: str = ""


def match(adapter: Adapter, rest_api: RestApi, exchanges: list[Exchange]) -> list[Matched]:
    """Each exchange with the route that serves its method and path."""
    table = rest_api.compile(lambda name: adapter.stream(name).per_source)
    out = []
    for exchange in exchanges:
        path = exchange.url.path
        found = Matched(exchange, None, "", f"{exchange.method} {path}")
        if path.startswith(rest_api.prefix):
            rel = path[len(rest_api.prefix):] or "/"
            for pattern, route in table:
                hit = pattern.match(rel)
                if hit is None or route.method != exchange.method:
                    continue
                source = unquote(hit.groupdict().get("source") or "")
                if isinstance(route, RecordsRoute) and route.source is not None:
                    source = exchange.url.params.get(route.source, "")
                found = Matched(exchange, route, source,
                                f"{route.method} {rest_api.prefix}{route.path}")
                break
        out.append(found)
    return out


def _listed(route: SourcesRoute, body: Any) -> list[str]:
    listed = body.get(route.items) if route.items and isinstance(body, dict) else body
    if not isinstance(listed, list):
        return []
    return [str(k.get(route.key) if route.key and isinstance(k, dict) else k) for k in listed]


def _record(route: RecordsRoute, item: Any, time_format: str,
            n: int) -> tuple[str, datetime, bool, dict[str, Any]] | None:
    if not isinstance(item, dict):
        return None
    renamed = {wire: name for name, wire in route.fields.items()}
    own = {route.wire("key"), route.wire("updated_at"), route.tombstones, route.nest,
           route.fields.get("created_at")}
    key = item.get(route.wire("key"))
    stamp = parse_stamp(item.get(route.wire("updated_at")), time_format)
    payload_in = item.get(route.nest) if route.nest else item
    payload: dict[str, Any] = {}
    for wire, value in (payload_in.items() if isinstance(payload_in, dict) else ()):
        wire = str(wire)
        if route.nest is None and wire in own:
            continue
        name: str = renamed.get(wire, wire)
        if name in route.fields and route.fields[name] != wire:
            continue  # the partner's own name for a field the adapter renames: not served
        payload[name] = value
    for name in route.fields:
        if name not in ("key", "updated_at", "created_at"):
            payload.setdefault(name, None)
    deleted = bool(route.tombstones and item.get(route.tombstones) is True)
    fallback = _FALLBACK + timedelta(microseconds=n)
    return (str(key) if key is not None else f"recorded-{n}", stamp or fallback, deleted,
            payload)


def _records(matched: list[Matched], time_format: str) -> Iterator[
        tuple[str, str, str, datetime, bool, dict[str, Any]]]:
    n = 0
    for one in matched:
        route = one.route
        if not isinstance(route, RecordsRoute) or not one.exchange.ok:
            continue
        for item in items_of(route, one.exchange.body) or ():
            n += 1
            found = _record(route, item, time_format, n)
            if found is not None:
                yield (route.stream, one.source, *found)


def seeded_partner(adapter: Adapter, rest_api: RestApi, matched: list[Matched]) -> Partner:
    """A partner holding the newest recorded version of every record, and the recorded
    sources (stamps kept as recorded: a precision drift is reported, not hidden)."""
    sources: list[str] = []
    for one in matched:
        if isinstance(one.route, SourcesRoute) and one.exchange.ok:
            sources += _listed(one.route, one.exchange.body)
        elif one.source:
            sources.append(one.source)
    newest: dict[tuple[str, str, str], tuple[datetime, bool, dict[str, Any]]] = {}
    for stream, source, key, stamp, deleted, payload in _records(matched,
                                                                 rest_api.time_format):
        if source:
            sources.append(source)
        kept = newest.get((stream, source, key))
        if kept is None or stamp >= kept[0]:
            newest[(stream, source, key)] = (stamp, deleted, payload)
    latest = max((v[0] for v in newest.values()), default=_FALLBACK)
    known = list(dict.fromkeys(s for s in sources if s and "@" not in s and "/" not in s))
    partner = Partner(SimClock(latest + timedelta(days=1)), adapter.streams,
                      sources=known or DEFAULT_SOURCES, faults=FaultRegistry(random.Random(0)))
    for (stream, source, key), (stamp, deleted, payload) in sorted(
            newest.items(), key=lambda kv: (kv[1][0], kv[0])):
        if (stream, source) not in {(s, k) for s, k, _ in partner}:
            continue
        data = partner.source(stream, source)
        if deleted:
            data.put(key, payload, updated_at=stamp - timedelta(microseconds=1))
            data.delete(key, updated_at=stamp)
        else:
            data.put(key, payload, updated_at=stamp)
    return partner
