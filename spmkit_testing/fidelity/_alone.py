"""An adapter alone: its simulated partner, driven through its own routes, does what the
adapter declares.

A :class:`~spmkit_testing.Partner` is built as a simulation builds it (the adapter's
streams and precision, two sources, one of them with a space in its key), a few records
are written into each stream-source (a tie on one stamp, a deletion), and every records
route is read over the adapter's transport as a client of its declared pagination
reads it. The checks:

* ``paging`` — every record is reached, once, at page sizes 1, 2, 3 and the default;
  each comes back with the key and ``updated_at`` it was written with;
* ``bounds`` — ``since`` / ``until`` on a record's stamp, and on a tie, behave as
  declared (exclusive or inclusive); stamps are at the declared precision;
* ``sources`` — the sources route lists every source;
* ``tombstones`` — a stream that syncs deletions (``deleted_as``) gets its deleted
  records as tombstones;
* ``faults`` — every fault kind of the partner side fires, and answers, on each route.

An SDK adapter's reads go through its own client, whose interface spmkit does not know:
only ``client`` is checked (the client and the settings build from a Partner); in a run,
an exception its fake raises is an adapter error (:class:`~spmkit_testing.AdapterError`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from spmkit_testing.adapter import Adapter
from spmkit_testing.clock import SimClock
from spmkit_testing.conformance import StaticCheck
from spmkit_testing.contract import CheckVerdict
from spmkit_testing.faults import (
    EFFECTS,
    FaultRegistry,
    Ints,
    PartnerRequest,
    Sample,
    Seconds,
    Subset,
)
from spmkit_testing.faults import Fault as FaultValue
from spmkit_testing.fidelity._report import AdapterReport, Observation, verdict
from spmkit_testing.fidelity._wire import (
    credential,
    first_query,
    items_of,
    next_query,
    parse_stamp,
    route_path,
)
from spmkit_testing.partner import (
    Partner,
    RecordsRoute,
    RestApi,
    SourcesRoute,
    default_payload,
    format_time,
)

__all__ = ["ADAPTER_CHECK", "SOURCES", "TARGET", "check_alone", "problems"]

#: The sources of the checked partner (a space in one: its key travels escaped).
SOURCES = ("store-1", "store 2")
TARGET = "its simulated partner (records written by check-adapter)"
_START = datetime(2026, 1, 1, tzinfo=UTC)
_MAX_PAGES = 200


def check_alone(adapter: Adapter, name: str = "the adapter") -> AdapterReport:
    """Check ``adapter`` alone (see the module docstring)."""
    if not isinstance(adapter.partner_api, RestApi):
        return AdapterReport(name, TARGET, (_client(adapter),))
    world = _World(adapter)
    try:
        checks = (world.paging(), world.bounds(), world.sources(), world.tombstones(),
                  world.faults())
    finally:
        world.http.close()
    return AdapterReport(name, TARGET, checks, world.requests)


def problems(integration: object, adapter: Adapter) -> list[str]:
    """What :func:`check_alone` found wrong, one line per difference (the conformance
    suite's ``conformance::static::adapter``)."""
    report = check_alone(adapter)
    return [f"{check.name}: {d.detail}" for check in report.failed_checks()
            for d in check.differences] + [f"{c.name}: {c.note}" for c in report.failed_checks()
                                           if not c.differences and c.note]


#: The conformance suite's check of the adapter alone (``spmkit check-adapter``).
ADAPTER_CHECK = StaticCheck(
    "adapter", "the adapter's simulated partner, read through its own routes, pages every "
    "record, honours since/until as declared, lists every source, serves tombstones when "
    "deletions are synced and answers every fault kind (spmkit check-adapter)",
    problems)


def _client(adapter: Adapter) -> CheckVerdict:
    partner = Partner(SimClock(_START), adapter.streams, sources=SOURCES,
                      precision=adapter.stamp_step)
    try:
        built = adapter.partner_api(partner)  # type: ignore[operator]
        partner.client = built
        adapter.settings(partner)
        seen = [Observation("the client and the settings build from a Partner", "yes", "yes")]
    except Exception as exc:
        seen = [Observation("the client and the settings build from a Partner",
                            f"no: {type(exc).__name__}: {exc}", "yes",
                            detail=f"partner_api(partner) or settings(partner) raised "
                                   f"{type(exc).__name__}: {exc}")]
    return verdict("client", "an SDK adapter's client and settings build from a Partner",
                   seen, note="an SDK adapter's reads go through its own client, whose "
                   "interface spmkit does not know; in a run, an exception its fake raises "
                   "is an adapter error")


class _World:
    """The simulated partner of one adapter, its records, and a client of its routes."""

    def __init__(self, adapter: Adapter) -> None:
        assert isinstance(adapter.partner_api, RestApi)
        self.adapter, self.api = adapter, adapter.partner_api
        self.registry = FaultRegistry(random.Random(0))
        self.partner = Partner(SimClock(_START + timedelta(days=1)), adapter.streams,
                               sources=SOURCES, faults=self.registry,
                               precision=adapter.stamp_step)
        self.step = adapter.stamp_step
        self.written: dict[tuple[str, str], list[tuple[datetime, str, bool]]] = {}
        for stream, source, data in self.partner:
            resource = adapter.stream(stream).resource
            stamps = [0, 1, 1, 2, 3, 4, 5]
            for n, at in enumerate(stamps, start=1):
                key = f"{stream[:1]}{n}"
                data.put(key, default_payload(resource, key), updated_at=self._at(at))
            data.delete(f"{stream[:1]}6", updated_at=self._at(6))
            self.written[(stream, source)] = [(r.updated_at, r.key, r.deleted)
                                              for r in data.records()]
        headers, params = credential(self.api.auth)
        self.http = httpx.Client(transport=self.api.transport(self.partner), headers=headers,
                                 params=params)
        self.requests = 0

    def _at(self, steps: int) -> datetime:
        return _START + steps * max(self.step, timedelta(milliseconds=1))

    def routes(self) -> Iterator[tuple[RecordsRoute, str, str]]:
        """Every records route with each of its sources, and its label."""
        for route in self.api.routes:
            if isinstance(route, RecordsRoute):
                scoped = self.adapter.stream(route.stream).per_source
                for source in (SOURCES if scoped else ("",)):
                    shown = f"{route.method} {self.api.prefix}{route.path}"
                    yield route, source, shown + (f" ({source})" if source else "")

    def get(self, url: str, query: dict[str, str]) -> httpx.Response:
        self.requests += 1
        return self.http.get(url, params=query)

    def read(self, route: RecordsRoute, source: str, **window: Any) -> tuple[list[Any], str]:
        """Every item a client of the declared pagination reads, and what stopped it early
        (``""`` when it read to the end)."""
        query: dict[str, str] | None = first_query(route, source=source, **window)
        path, out = route_path(self.api, route, source), list[Any]()
        for _ in range(_MAX_PAGES):
            if query is None:
                return out, ""
            answer = self.get(path, query)
            body = answer.json() if answer.status_code == 200 else None
            items = items_of(route, body)
            if items is None:
                return out, f"answered {answer.status_code}: {answer.text[:200]}"
            out += items
            query = next_query(route, query, body, lambda item: item.get(
                route.wire("updated_at")))
        return out, f"more than {_MAX_PAGES} pages"

    def expected(self, route: RecordsRoute, source: str, keep: Any = None) -> list[str]:
        rows = self.written[(route.stream, source)]
        return [key for at, key, deleted in rows if (route.tombstones or not deleted)
                and (keep is None or keep(at))]

    def keys(self, route: RecordsRoute, items: list[Any]) -> list[str]:
        return [str(item.get(route.wire("key"))) if isinstance(item, dict) else repr(item)
                for item in items]

    def paging(self) -> CheckVerdict:
        seen = []
        for route, source, label in self.routes():
            paging = route.paging
            sizes = sorted({n for n in (1, 2, 3, paging.default_limit) if n <= paging.max_limit})
            for size in sizes:
                items, stopped = self.read(route, source, limit=size)
                got, want = self.keys(route, items), self.expected(route, source)
                missing = [k for k in want if k not in got]
                twice = sorted({k for k in got if got.count(k) > 1})
                fact = f"{label}: records reached at page size {size}"
                seen.append(Observation(fact, got, want, detail=(
                    f"{fact}: {len(set(got) & set(want))} of {len(want)}"
                    + (f"; missing {missing}" if missing else "")
                    + (f"; read more than once {twice}" if twice else "")
                    + (f"; the read stopped: {stopped}" if stopped else ""))))
            stamps = {key: at for at, key, _ in self.written[(route.stream, source)]}
            items, _ = self.read(route, source, limit=paging.default_limit)
            wrong = [f"{item.get(route.wire('key'))!r} came back with updated_at "
                     f"{item.get(route.wire('updated_at'))!r}" for item in items
                     if parse_stamp(item.get(route.wire("updated_at")), self.api.time_format)
                     != stamps.get(str(item.get(route.wire("key"))))]
            fact = f"{label}: each record read back with its key and updated_at"
            seen.append(Observation(fact, wrong, [], detail=f"{fact}: " + "; ".join(wrong[:3])
                                    + f" (fields={dict(route.fields)!r})"))
        return verdict("paging", "every record is reached, once, by paging at sizes 1, 2, "
                       "3 and the default, with its key and updated_at", seen,
                       requests=self.requests)

    def bounds(self) -> CheckVerdict:
        seen, fmt = [], self.api.time_format
        for route, source, label in self.routes():
            rows = self.written[(route.stream, source)]
            for bound, name, inclusive in (("since", route.since, route.since_inclusive),
                                           ("until", route.until, route.until_inclusive)):
                if name is None:
                    continue
                for what, index in (("a record's stamp", 3), ("a tie (two records)", 1)):
                    at = self._at(index)
                    wire = format_time(at, fmt)
                    items, stopped = self.read(route, source, limit=route.paging.default_limit,
                                               **{bound: wire})
                    on_bound = [k for k in self.keys(route, items)
                                if any(a == at and key == k for a, key, _ in rows)]
                    want = [k for a, k, gone in rows if a == at and (route.tombstones
                                                                      or not gone)]
                    served = ("inclusive" if on_bound and on_bound == want else
                              "exclusive" if not on_bound else f"partly ({on_bound})")
                    declared = "inclusive" if inclusive else "exclusive"
                    fact = f"{label}: {bound} ({name}={wire!r}) on {what}"
                    seen.append(Observation(fact, served + (f"; {stopped}" if stopped else ""),
                                            declared))
            finest = min((at - _START) % self.step == timedelta(0) for at, _, _ in rows)
            seen.append(Observation(f"{label}: stamps at the declared precision "
                                    f"({self.adapter.precision})", finest, True))
        return verdict("bounds", "since / until on a stamp and on a tie behave as declared "
                       "(exclusive or inclusive), at the declared precision", seen)

    def sources(self) -> CheckVerdict:
        seen = []
        for route in self.api.routes:
            if not isinstance(route, SourcesRoute):
                continue
            answer = self.get(route_path(self.api, route, ""), {})
            body = answer.json() if answer.status_code == 200 else answer.text
            listed = body.get(route.items) if route.items and isinstance(body, dict) else body
            keys = [k.get(route.key) if route.key and isinstance(k, dict) else k
                    for k in listed] if isinstance(listed, list) else listed
            label = f"{route.method} {self.api.prefix}{route.path}"
            seen.append(Observation(f"{label}: the sources listed", keys, list(SOURCES)))
        return verdict("sources", "the sources route lists every source", seen)

    def tombstones(self) -> CheckVerdict:
        seen = []
        for route, source, label in self.routes():
            stream = self.adapter.stream(route.stream)
            if stream.deleted_as is None:
                continue
            items, _ = self.read(route, source, limit=route.paging.default_limit)
            flag = route.tombstones
            found = [i for i in items if flag and i.get(flag) is True]
            served = "as a tombstone" if found else "not at all"
            fact = f"{label}: a deleted record (the stream syncs deletions: deleted_as=" \
                   f"{dict(stream.deleted_as)!r})"
            seen.append(Observation(fact, served, "as a tombstone", detail=(
                f"{fact} comes through {served}: declare tombstones='deleted' (the partner's "
                f"flag) on the route, or drop deleted_as if the partner never serves "
                f"deletions")))
        return verdict("tombstones", "a stream that syncs deletions gets its deleted records "
                       "as tombstones", seen)

    def faults(self) -> CheckVerdict:
        seen = []
        for route, source, label in self.routes():
            for verb, kind in EFFECTS.items():
                if "partner" not in kind.effect.sides:
                    continue
                fault = kind.constructor(**_simplest(kind.effect.draws), target=route.stream)
                by_offset = route.paging.style in ("page", "offset")
                if not fault.effect.applies(PartnerRequest(route.stream, source, False, "GET",
                                                           route.path, by_offset)):
                    continue  # such as a duplicated page on an API paged by offset
                answered = self._fire(route, source, fault)
                seen.append(Observation(f"{label}: {verb}()", answered[0], "fired",
                                        detail=f"{label}: {fault!r} {answered[1]}"))
        return verdict("faults", "every fault kind of the partner side fires and answers "
                       "on each route", seen)

    def _fire(self, route: RecordsRoute, source: str, fault: FaultValue) -> tuple[str, str]:
        self.registry.clear()
        handle = self.registry.add(fault)
        answer = "did not answer"
        try:
            for _ in range(3):  # a token bucket lets its first requests through
                try:
                    # A window that leaves records before the page (a duplicate repeats them).
                    query = first_query(route, source=source, limit=1,
                                        since=format_time(self._at(2), self.api.time_format))
                    status = self.get(route_path(self.api, route, source), query).status_code
                    answer = f"answered {status}"
                except httpx.TransportError as exc:
                    answer = f"failed as a network error ({type(exc).__name__})"
                if any(s.fired for s in self.registry.stats() if s.handle == handle):
                    return "fired", answer
            return "did not fire", f"never fired ({answer})"
        finally:
            self.registry.clear()


def _simplest(draws: Any) -> dict[str, Any]:
    """The plainest arguments of an effect: the first of what the prover draws."""
    side = draws.get("partner") or draws.get("api") or {}
    out: dict[str, Any] = {}
    for name, draw in side.items():
        if isinstance(draw, Sample):
            out[name] = draw.values[0]
        elif isinstance(draw, Ints):
            out[name] = draw.low
        elif isinstance(draw, Seconds):
            out[name] = f"{draw.low}s"
        elif isinstance(draw, Subset):
            out[name] = list(draw.values[: draw.min_size])
    return out
