"""``Partner``: the simulated partner system of one integration, whatever its API looks like.

It holds a :class:`FakeSource` per stream (per source of a per-source stream), the
list of sources the partner has, the partner clock's skew, and asks the world's one
:class:`~spmkit_testing.faults.FaultRegistry` what goes wrong with each read. An
adapter serves it to the integration: over HTTP with :mod:`spmkit_testing.rest`
route tables, or through an in-process client object that calls :meth:`Partner.fetch`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from typing import Any, Protocol

import httpx

from spmkit import Clock, InvalidArgument, SpmkitError
from spmkit_testing.faults import (
    BodyKind,
    Decision,
    FaultRegistry,
    NetworkFailure,
    Page,
    PartnerRequest,
)
from spmkit_testing.partner._records import SourceRecord, iso
from spmkit_testing.partner._source import FakeSource

__all__ = ["DEFAULT_SOURCES", "Partner", "PartnerCall", "PartnerFailure", "PartnerPage",
           "PartnerStream", "failure_of", "record_dict"]

DEFAULT_SOURCES = ("store-1", "store-2")


class PartnerStream(Protocol):
    """What the partner needs to know of a stream (an adapter's
    :class:`~spmkit_testing.Stream` is one): its name and whether it has sources."""

    @property
    def name(self) -> str: ...

    @property
    def per_source(self) -> bool: ...


class PartnerFailure(SpmkitError):
    """A simulated partner failure seen by an in-process client (:meth:`Partner.fetch`):
    ``status`` (``None`` for a network failure) and the fault that caused it."""

    def __init__(self, message: str, *, status: int | None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class PartnerPage:
    """One page an SDK fake reads with :meth:`Partner.fetch_page`: its ``rows`` (``None``
    for a null page), an ``error`` object instead of a page, whether more rows follow
    (``has_more``), and ``after``, the ``(updated_at, key)`` to pass back as ``after=``
    for the next page."""

    rows: list[dict[str, Any]] | None
    has_more: bool
    after: tuple[datetime, str] | None
    error: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PartnerCall:
    """One request to the partner, as journaled in :attr:`Partner.calls`."""

    number: int
    at: datetime
    stream: str
    source: str
    what: str
    status: int | None
    served: int
    fault: str | None


class Partner:
    """The simulated partner: a FakeSource per stream-source, its sources, its faults.

    ``streams`` are the adapter's; ``sources`` the keys a per-source stream's listing
    returns. ``transport`` is how the integration reaches it in a simulation (the
    simulation's network: partner routes and the fake ShopiMind API, nothing else);
    ``client`` is the in-process client an adapter built for it, if any.
    """

    def __init__(self, clock: Clock, streams: Sequence[PartnerStream], *,
                 sources: Sequence[str] = DEFAULT_SOURCES, skew: timedelta = timedelta(0),
                 faults: FaultRegistry | None = None, seed: int = 0,
                 precision: timedelta | None = None) -> None:
        self.clock = clock
        self.streams: dict[str, PartnerStream] = {s.name: s for s in streams}
        self.faults = faults if faults is not None else FaultRegistry(random.Random(seed))
        self.rng = random.Random(seed)
        self._skew = skew
        self._precision = precision
        self._sources: list[str] = []
        self._data: dict[tuple[str, str], FakeSource] = {}
        for stream in self.streams.values():
            if not stream.per_source:
                self._data[(stream.name, "")] = FakeSource(clock, skew=skew, precision=precision)
        for key in sources:
            self.add_source(key)
        self.transport: httpx.AsyncBaseTransport | None = None
        self.client: Any = None
        self.calls: list[PartnerCall] = []
        #: Every request ever journaled (``calls`` keeps the newest ``keep_calls`` of them
        #: when that is set: a long soak's journal stays bounded).
        self.call_count = 0
        self.keep_calls: int | None = None

    # -- the world ----------------------------------------------------------------------

    @property
    def sources(self) -> list[str]:
        """The source keys the partner has (what every per-source stream's listing returns)."""
        return list(self._sources)

    def add_source(self, key: str) -> None:
        """A new source appears at the partner (a store opens)."""
        if not isinstance(key, str) or not key or "@" in key or "/" in key:
            raise InvalidArgument(
                f"a source key must be a non-empty str without '@' or '/', got {key!r}."
            )
        if key in self._sources:
            raise InvalidArgument(f"the partner already has source {key!r}.")
        self._sources.append(key)
        for stream in self.streams.values():
            if stream.per_source:
                self._data[(stream.name, key)] = FakeSource(self.clock, skew=self._skew,
                                                           precision=self._precision)

    @property
    def skew(self) -> timedelta:
        """The partner clock minus ours (negative: it lags)."""
        return self._skew

    @skew.setter
    def skew(self, value: timedelta) -> None:
        self._skew = value
        for data in self._data.values():
            data.skew = value

    def source(self, stream: str, key: str = "") -> FakeSource:
        """The records of one stream-source (``key`` only for a per-source stream)."""
        try:
            return self._data[(stream, key)]
        except KeyError:
            raise InvalidArgument(
                f"the partner has no stream-source {stream + ('@' + key if key else '')!r}; it "
                f"has: {', '.join(self.names())}."
            ) from None

    def names(self) -> list[str]:
        """Every stream-source as ``stream`` or ``stream@source``."""
        return [s + (f"@{k}" if k else "") for s, k in self._data]

    def __iter__(self) -> Iterator[tuple[str, str, FakeSource]]:
        """``(stream, source key, FakeSource)`` for every stream-source."""
        return iter([(s, k, d) for (s, k), d in self._data.items()])

    # -- reads --------------------------------------------------------------------------

    def decide(self, stream: str, source: str = "", *, listing: bool = False,
               method: str = "GET", path: str = "", by_offset: bool = False) -> Decision:
        """Ask the faults what happens to one request (advances their counters);
        ``by_offset`` for an API paged by offset or page number."""
        return self.faults.decide_partner(
            PartnerRequest(stream, source, listing, method, path, by_offset), self.clock.now())

    def page(self, stream: str, source: str, decision: Decision, *, since: datetime | None,
             until: datetime | None, after: tuple[datetime, str] | None = None,
             offset: int = 0, limit: int = 100, include_deleted: bool = True,
             since_inclusive: bool = False, until_inclusive: bool = True,
             created_since: datetime | None = None) -> Page:
        """Read one page (``since < updated_at <= until``, or inclusive bounds as given;
        after ``after``; from ``offset``; created after ``created_since``) and let the
        decision's page effect reshape it (null, error object, duplicates, order)."""
        data = self.source(stream, source)
        now = data.read_instant()
        rows = _filtered(data.index.scan(now, since, until, after,
                                         (since_inclusive, until_inclusive)),
                         include_deleted, created_since)
        found = list(islice(rows, offset, offset + limit + 1))
        records, more = found[:limit], len(found) > limit
        last = (records[-1].updated_at, records[-1].key) if records else None
        page = Page(records, more, last)
        effect = decision.page
        if effect is None:
            return page
        edge = (records[0].updated_at, records[0].key) if records else after
        return effect.shape(page, _Read(self.rng, data, now, since, edge, include_deleted))

    def count(self, stream: str, source: str = "", *, since: datetime | None,
              until: datetime | None, include_deleted: bool = True,
              since_inclusive: bool = False, until_inclusive: bool = True,
              created_since: datetime | None = None) -> int:
        """How many records a read of that window sees now (an API's ``total``)."""
        data = self.source(stream, source)
        rows = data.index.scan(data.read_instant(), since, until, None,
                               (since_inclusive, until_inclusive))
        return sum(1 for _ in _filtered(rows, include_deleted, created_since))

    def journal(self, stream: str, source: str, what: str, status: int | None, served: int,
                decision: Decision) -> None:
        """Record one request in :attr:`calls`."""
        self.call_count += 1
        self.calls.append(PartnerCall(self.call_count, self.clock.now(), stream, source,
                                      what, status, served, decision.label))
        keep = self.keep_calls
        if keep is not None and len(self.calls) >= keep + max(1, keep // 4):
            del self.calls[:-keep]

    async def fetch_page(self, stream: str, source: str = "", *, since: datetime | None,
                         until: datetime | None = None,
                         after: tuple[datetime, str] | None = None, limit: int = 100,
                         since_inclusive: bool = False, until_inclusive: bool = True,
                         include_deleted: bool = True) -> PartnerPage:
        """One page for an in-process partner client (an SDK fake), faults applied.

        Reads the records of ``stream`` (of source ``source`` for a per-source stream)
        with ``since < updated_at <= until`` (``since_inclusive=True``: ``since <=``;
        ``until_inclusive=False``: ``< until``; ``None``: unbounded), strictly after
        ``after``, at most ``limit`` of them, ordered by ``(updated_at, key)``.

        Each row is a plain dict: ``key``, ``updated_at`` (ISO 8601 in UTC with
        microseconds, ``"2024-01-01T10:00:00.123000Z"``, stamped at the adapter's
        ``precision``: convert it to what your SDK returns), ``deleted`` (``True`` for a
        tombstone, whose payload is empty; ``include_deleted=False`` leaves them out) and
        the payload's fields. The page says whether more follow (``has_more``) and where
        the next page starts (``after``: pass it back as ``after=``; it is the partner's
        own position, right even when a fault reordered the page), as an SDK's page
        object or continuation token would. A null page has ``rows=None`` and an error
        page an ``error`` object: hand both to your integration as your SDK would. A
        status, rate-limit or network fault raises :class:`PartnerFailure`; latency is
        waited for on the simulated clock.
        """
        decision = self.decide(stream, source, path=f"{stream}/{source}")
        if decision.delay > timedelta(0):
            await self.clock.sleep(decision.delay.total_seconds())
        failure = failure_of(decision)
        if failure is not None:
            self.journal(stream, source, "fetch", failure.status, 0, decision)
            raise failure
        page = self.page(stream, source, decision, since=since, until=until, after=after,
                         limit=limit, since_inclusive=since_inclusive,
                         until_inclusive=until_inclusive, include_deleted=include_deleted)
        self.journal(stream, source, "fetch", 200, len(page.records or ()), decision)
        if page.error:
            return PartnerPage(None, False, None, {"error": {
                "code": "internal", "message": "simulated error page"}})
        rows = None if page.records is None else [record_dict(r) for r in page.records]
        return PartnerPage(rows, page.more, page.last)

    async def fetch(self, stream: str, source: str = "", *, since: datetime | None,
                    until: datetime | None = None, after: tuple[datetime, str] | None = None,
                    limit: int = 100, since_inclusive: bool = False,
                    until_inclusive: bool = True,
                    include_deleted: bool = True) -> list[dict[str, Any]] | dict[str, Any] | None:
        """The rows of one page (see :meth:`fetch_page`, which takes the same arguments):
        a list of rows, ``None`` for a null page, the error object of an error page. A
        page of ``limit`` rows may be followed by more (continue with ``after=`` the
        ``(updated_at, key)`` of its newest row); a shorter one is the last, unless a
        fault capped it."""
        page = await self.fetch_page(stream, source, since=since, until=until, after=after,
                                     limit=limit, since_inclusive=since_inclusive,
                                     until_inclusive=until_inclusive,
                                     include_deleted=include_deleted)
        return page.error if page.error is not None else page.rows

    async def list_sources(self, stream: str) -> list[str]:
        """The source keys, for an in-process partner client, faults applied (see :meth:`fetch`)."""
        decision = self.decide(stream, listing=True, path=f"{stream}/sources")
        if decision.delay > timedelta(0):
            await self.clock.sleep(decision.delay.total_seconds())
        failure = failure_of(decision)
        self.journal(stream, "", "list_sources", failure.status if failure else 200,
                     0 if failure else len(self._sources), decision)
        if failure is not None:
            raise failure
        return self.sources

    def __repr__(self) -> str:
        return f"Partner(streams={list(self.streams)}, sources={self._sources})"


def _live(rows: Iterator[SourceRecord], include_deleted: bool) -> Iterator[SourceRecord]:
    return rows if include_deleted else (r for r in rows if not r.deleted)


def _filtered(rows: Iterator[SourceRecord], include_deleted: bool,
              created_since: datetime | None) -> Iterator[SourceRecord]:
    rows = _live(rows, include_deleted)
    if created_since is None:
        return rows
    return (r for r in rows if r.created_at is not None and r.created_at > created_since)


def record_dict(record: SourceRecord) -> dict[str, Any]:
    """A record as a plain dict: ``key``, ``updated_at`` (ISO), ``deleted`` and the payload."""
    return {"key": record.key, "updated_at": iso(record.updated_at), "deleted": record.deleted,
            **dict(record.payload)}


def failure_of(decision: Decision) -> PartnerFailure | None:
    """The :class:`PartnerFailure` an in-process client sees for the fault that answers
    instead of the partner (``None`` when none does)."""
    effect = decision.terminal
    if effect is None:
        return None
    failure: PartnerFailure = effect.respond(_Failures(decision.label or ""))
    return failure


class _Failures:
    """How an in-process partner fails (the faults' :class:`~spmkit_testing.faults.Responder`)."""

    def __init__(self, label: str) -> None:
        self.label = label

    def error(self, status: int, body: BodyKind, retry_after: timedelta | None,
              message: str | None) -> PartnerFailure:
        if status == 429:
            seconds = (retry_after or timedelta(0)).total_seconds()
            return PartnerFailure(f"partner answered 429, retry after {seconds:g} s "
                                  f"({self.label})", status=429, retry_after=seconds)
        return PartnerFailure(f"partner answered {status} ({self.label})", status=status)

    def no_answer(self, failure: NetworkFailure, verb: str) -> PartnerFailure:
        return PartnerFailure(f"partner unreachable: {verb} ({self.label})", status=None)

    def failed_batch(self) -> PartnerFailure:
        raise AssertionError("failed_chunk() applies to the ShopiMind API only")

    def refused_batch(self, status: int, message: str | None) -> PartnerFailure:
        raise AssertionError("refused_chunk() applies to the ShopiMind API only")


class _Read:
    """One partner read, as a page effect sees it (a :class:`~spmkit_testing.faults.PageRead`)."""

    def __init__(self, rng: random.Random, data: FakeSource, now: datetime,
                 since: datetime | None, edge: tuple[datetime, str] | None,
                 include_deleted: bool) -> None:
        self.rng = rng
        self._data, self._now, self._since, self._edge = data, now, since, edge
        self._include_deleted = include_deleted

    def earlier(self, count: int) -> list[SourceRecord]:
        if self._edge is None:
            return []
        back = self._data.index.scan_back(self._now, self._since, self._edge)
        return list(islice(_live(back, self._include_deleted), count))[::-1]
