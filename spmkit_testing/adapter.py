"""``Adapter`` and ``Stream``: what the harness needs to know to simulate *your* integration.

An adapter tells the harness, for one integration:

* its **streams** — one :class:`Stream` per sync step: the ShopiMind bulk resource the
  step's items land in, whether the step keeps one cursor per source, how to find the
  item a partner record became, and how to read the partner's ``updated_at`` back
  from it (so the oracle can tell the latest version from a stale one);
* how its **partner API** is served from the simulated records: a
  :func:`spmkit_testing.rest.api` route table (the integration reaches it over httpx
  at its own base URL and paths), or a function building an in-process client object
  for partners reached through an SDK;
* how to build the integration's **settings** pointed at the simulation.

For example::

    from spmkit_testing import Adapter, Stream, rest

    adapter = Adapter(
        streams=[Stream("contacts", resource="customers"),
                 Stream("deals", resource="orders", per_source=True)],
        partner_api=rest.api("https://api.acme.test/v2", [
            rest.records("/contacts", stream="contacts", paging=rest.cursor_token(),
                         fields={"updated_at": "modifiedAt", "email": "emailAddress"}),
            rest.records("/workspaces/{source}/deals", stream="deals",
                         paging=rest.page_number()),
            rest.sources("/workspaces", stream="deals"),
        ]),
        settings=lambda partner: AcmeSettings(base_url="https://api.acme.test/v2",
                                              transport=partner.transport),
    )

A wrong or incomplete adapter fails when it is built (or, for what only the
integration can tell, when a :class:`~spmkit_testing.Simulation` is built with it),
with a message that names the missing piece.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from spmkit import BULK_RESOURCES, Integration, InvalidArgument
from spmkit_testing._dsl import ROLES
from spmkit_testing.partner import PRECISIONS, Partner, RestApi

__all__ = ["ROLES", "Adapter", "InvalidAdapter", "Stream"]


EXAMPLE = """\
    Adapter(
        streams=[Stream("customers", resource="customers"),
                 Stream("orders", resource="orders", per_source=True)],
        partner_api=rest.api("https://partner.test", [
            rest.records("/customers", stream="customers", paging=rest.page_number()),
            rest.records("/stores/{source}/orders", stream="orders", paging=rest.page_number()),
            rest.sources("/stores", stream="orders"),
        ]),
        settings=lambda partner: MySettings(base_url="https://partner.test",
                                            transport=partner.transport),
    )"""


class InvalidAdapter(InvalidArgument):
    """An adapter is wrong or incomplete (the message names the piece and shows an example)."""


def _fail(problem: str) -> InvalidAdapter:
    return InvalidAdapter(f"{problem}\nA valid adapter looks like:\n{EXAMPLE}")


def _parse_time(value: object) -> datetime | None:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Epoch milliseconds (what an API with time_format="epoch_ms" serves).
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        return None
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Stream:
    """One partner stream, synced by the integration's step whose entity is ``name``.

    * ``resource`` — the ShopiMind bulk resource the items land in (``"customers"``...);
    * ``per_source`` — the step keeps one cursor per source key (``cursor_scope="per-source"``);
    * ``item_key(record_key, source_key)`` — the natural key of the item a partner record
      becomes (default: the record's own key);
    * ``version`` — the item field holding the partner's ``updated_at`` (default
      ``"updated_at"``), a function of the item, or ``None`` when the integration does
      not push it (the oracle then only checks presence, not freshness);
    * ``data_source`` — the provisioned data source the items go through: a key, or a
      function of the source key (``lambda source: source``); the oracle then counts an
      item only when its ``id_data_source`` is that source's;
    * ``deleted_as`` — what a deletion at the partner must become on the ShopiMind side,
      which has no delete: the item kept with these fields, such as
      ``{"is_active": False}`` (its version the tombstone's ``updated_at``); the oracle
      then follows deletions like any change and a lost one is a loss. ``None`` (the
      default): the integration does not sync deletions, and the oracle ignores them.
    """

    name: str
    resource: str
    per_source: bool = False
    item_key: Callable[[str, str], str] | None = None
    version: str | Callable[[Mapping[str, Any]], datetime | None] | None = "updated_at"
    data_source: str | Callable[[str], str] | None = None
    deleted_as: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or "@" in self.name \
                or "/" in self.name:
            raise _fail(f"Stream(name={self.name!r}): name it like the integration step's "
                        f"entity, such as Stream('customers', resource='customers').")
        if self.name in ROLES:
            raise _fail(f"Stream(name={self.name!r}): {', '.join(map(repr, ROLES))} are role "
                        f"names of library scenarios; name the stream after its step's entity.")
        if self.resource not in BULK_RESOURCES or self.resource == "custom-data-records":
            known = ", ".join(sorted(r for r in BULK_RESOURCES if r != "custom-data-records"))
            raise _fail(f"Stream({self.name!r}, resource={self.resource!r}): not a ShopiMind "
                        f"bulk resource; choose one of: {known}.")
        if not isinstance(self.per_source, bool):
            raise _fail(f"Stream({self.name!r}, per_source={self.per_source!r}): True or False.")
        for name in ("item_key", "data_source"):
            value = getattr(self, name)
            if value is not None and not callable(value) and not (
                    name == "data_source" and isinstance(value, str)):
                raise _fail(f"Stream({self.name!r}, {name}={value!r}) must be a function"
                            + (" or a data source key" if name == "data_source" else "") + ".")
        gone = self.deleted_as
        if gone is not None and (not isinstance(gone, Mapping) or not gone or not all(
                isinstance(k, str) for k in gone)):
            raise _fail(f"Stream({self.name!r}, deleted_as={gone!r}) must be the fields a "
                        f"deleted record's item carries, such as deleted_as={{'is_active': "
                        f"False}}, or None when the integration does not sync deletions.")
        if self.version is not None and not callable(self.version) \
                and not isinstance(self.version, str):
            raise _fail(f"Stream({self.name!r}, version={self.version!r}) must be an item field "
                        f"name such as 'updated_at', a function of the item, or None.")

    @property
    def natural_key(self) -> str:
        """The item field the resource is keyed by (``customer_id`` for customers)."""
        return BULK_RESOURCES[self.resource].natural_key

    def key_of(self, record_key: str, source_key: str = "") -> str:
        """The natural key of the item that partner record ``record_key`` becomes."""
        return record_key if self.item_key is None else str(self.item_key(record_key,
                                                                          source_key))

    def version_of(self, item: Mapping[str, Any]) -> datetime | None:
        """The partner ``updated_at`` an item carries (``None``: unknown or unreadable)."""
        if callable(self.version):
            return self.version(item)
        if self.version is None:
            return None
        return _parse_time(item.get(self.version))

    @property
    def follows_deletes(self) -> bool:
        """Whether the integration syncs this stream's deletions (``deleted_as`` is set)."""
        return self.deleted_as is not None

    def data_source_of(self, source_key: str) -> str | None:
        """The provisioned data source key items of ``source_key`` go through, if declared."""
        if self.data_source is None or isinstance(self.data_source, str):
            return self.data_source
        return str(self.data_source(source_key))


@dataclass(frozen=True)
class Adapter:
    """How the harness simulates one integration (see the module docstring).

    ``crash_points`` names the points where the integration's own steps call
    ``ctx.checkpoint(name)``: the harness may crash the engine there too, as at the
    engine's own points (:data:`spmkit_testing.CRASH_POINTS`).

    ``precision`` is what the partner stamps ``updated_at`` at: ``"microsecond"``,
    ``"millisecond"``, ``"second"`` or ``"day"``. A REST partner's ``time_format``
    implies the finest it can serve (``epoch_ms``: milliseconds); declare a coarser one
    when the partner stamps coarser than its format shows (ISO times that always end in
    ``.000000``: ``precision="second"``). An SDK partner stamps microseconds unless you
    say otherwise: declare what the real partner does, or the harness proves a world
    that does not exist (records written within one step share a stamp, and a stamp can
    fall up to one step before the write).

    ``partner_api`` is a :class:`~spmkit_testing.rest.RestApi` or a function
    ``partner -> client`` (an in-process SDK fake reading through
    :meth:`~spmkit_testing.Partner.fetch` and :meth:`~spmkit_testing.Partner.list_sources`,
    so faults apply); ``settings(partner)`` returns the integration's settings, pointed at
    ``partner.transport`` (HTTP) or ``partner.client`` (in-process). Attributes of the
    settings that are ``httpx.AsyncClient`` are closed with the simulation.
    """

    streams: Sequence[Stream]
    settings: Callable[[Partner], Any]
    partner_api: RestApi | Callable[[Partner], Any]
    name: str = ""
    crash_points: Sequence[str] = ()
    precision: str | None = None
    capabilities: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        streams = self.streams
        if isinstance(streams, Stream) or not isinstance(streams, Sequence) or not streams:
            raise _fail(f"Adapter(streams={streams!r}): give a non-empty list of Stream(...), "
                        f"one per sync step.")
        object.__setattr__(self, "streams", tuple(streams))
        for stream in self.streams:
            if not isinstance(stream, Stream):
                raise _fail(f"Adapter(streams=...): {stream!r} is not a Stream(...).")
        names = [s.name for s in self.streams]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise _fail(f"Adapter(streams=...): streams {twice} appear more than once.")
        if not callable(self.settings):
            raise _fail(f"Adapter(settings={self.settings!r}) must be a function partner -> "
                        f"settings that points the integration at the simulation.")
        points = self.crash_points
        if isinstance(points, str) or not all(isinstance(p, str) and p.isidentifier()
                                               for p in points):
            raise _fail(f"Adapter(crash_points={points!r}) lists the names your steps pass to "
                        f"ctx.checkpoint(...), such as crash_points=('after_fetch_page',).")
        object.__setattr__(self, "crash_points", tuple(points))
        if isinstance(self.partner_api, RestApi):
            self._check_routes(self.partner_api)
        elif not callable(self.partner_api):
            raise _fail(f"Adapter(partner_api={self.partner_api!r}) must be rest.api(...) or a "
                        f"function partner -> in-process client.")
        elif len(inspect.signature(self.partner_api).parameters) != 1:
            raise _fail("Adapter(partner_api=...): the function takes one argument, the "
                        "Partner, and returns your in-process client.")
        object.__setattr__(self, "precision", self._precision())
        caps = {"pages", "sources-listing"}
        if isinstance(self.partner_api, RestApi):
            caps = {"http", "pages"} | ({"sources-listing"} if self.partner_api.listed() else set())
        caps |= {f"checkpoint:{point}" for point in self.crash_points}
        caps |= {"global"} if any(not s.per_source for s in self.streams) else set()
        caps |= {"per-source"} if any(s.per_source for s in self.streams) else set()
        object.__setattr__(self, "capabilities", frozenset(caps))

    def _check_routes(self, rest_api: RestApi) -> None:
        by_name = {s.name: s for s in self.streams}
        for route_stream in sorted(rest_api.streams() | rest_api.listed()):
            if route_stream not in by_name:
                raise _fail(f"Adapter: a route of {rest_api!r} serves stream {route_stream!r}, "
                            f"which is not among the streams ({', '.join(by_name)}).")
        rest_api.compile(lambda name: by_name[name].per_source)
        for stream in self.streams:
            if stream.name not in rest_api.streams():
                raise _fail(f"Adapter: stream {stream.name!r} has no records route; add "
                            f"rest.records('/path', stream={stream.name!r}, paging=...).")
            if stream.per_source and stream.name not in rest_api.listed():
                raise _fail(f"Adapter: per-source stream {stream.name!r} has no sources route "
                            f"(how the integration lists its sources); add "
                            f"rest.sources('/path', stream={stream.name!r}).")

    def _precision(self) -> str:
        declared = self.precision
        if declared is not None and declared not in PRECISIONS:
            raise _fail(f"Adapter(precision={declared!r}): say what your partner stamps "
                        f"updated_at at, one of {', '.join(map(repr, PRECISIONS))}.")
        if not isinstance(self.partner_api, RestApi):
            return declared or "microsecond"
        served = self.partner_api.precision
        if declared is None:
            return served
        if PRECISIONS[declared] < PRECISIONS[served]:
            raise _fail(f"Adapter(precision={declared!r}): the partner's time_format="
                        f"{self.partner_api.time_format!r} cannot carry a stamp finer than a "
                        f"{served}; declare precision={served!r} or coarser.")
        return declared

    @property
    def stamp_step(self) -> timedelta:
        """The step of :attr:`precision` (``timedelta(milliseconds=1)`` for milliseconds)."""
        return PRECISIONS[self.precision or "microsecond"]

    def stream(self, name: str) -> Stream:
        """The stream named ``name`` (``"global"``/``"per-source"``: the first of that role)."""
        for stream in self.streams:
            if stream.name == name or (name == "global" and not stream.per_source) or (
                    name == "per-source" and stream.per_source):
                return stream
        known = ", ".join(s.name for s in self.streams)
        if name in ROLES:
            raise InvalidAdapter(f"the adapter has no {name} stream (streams: {known}).")
        raise InvalidAdapter(f"the adapter has no stream {name!r} (streams: {known}).")

    def check(self, integration: Integration) -> None:
        """Refuse an integration this adapter does not describe (a step without a stream,
        a stream without a step, a cursor scope that differs)."""
        steps = {s.entity: s for s in integration.sync_steps}
        for stream in self.streams:
            step = steps.get(stream.name)
            if step is None:
                raise _fail(f"the adapter's stream {stream.name!r} has no step in integration "
                            f"{integration.slug!r} (steps: {', '.join(steps) or 'none'}); a "
                            f"stream is named after its step's entity.")
            if (step.cursor_scope == "per-source") != stream.per_source:
                raise _fail(f"stream {stream.name!r}: the step's cursor_scope is "
                            f"{step.cursor_scope!r} but the stream says per_source="
                            f"{stream.per_source}; make them agree.")
        missing = sorted(set(steps) - {s.name for s in self.streams})
        if missing:
            raise _fail(f"integration {integration.slug!r} has step(s) {missing} that the "
                        f"adapter does not describe; add a Stream for each.")
