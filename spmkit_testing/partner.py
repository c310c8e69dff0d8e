"""The simulated partner system of the reference integration: several FakeSources and a store list.

:class:`Partner` groups the :class:`~spmkit_testing.FakeSource` of each stream the
Demo POS exposes (``customers``, and the ``orders`` of each store) behind one base
URL, plus ``GET /stores``, the list of stores, which can be made to fail (the
``sources()`` of the orders step then raises).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from spmkit import Clock
from spmkit_testing.network import MountedTransport
from spmkit_testing.oracle import StreamBinding
from spmkit_testing.source import FakeSource

__all__ = ["PARTNER_BASE_URL", "Partner", "reference_bindings"]

PARTNER_BASE_URL = "https://pos.test"


class Partner:
    """The Demo POS: one FakeSource per stream, and its store list.

    Streams are named ``"customers"`` and ``"orders@<store>"``; ``stream(name)`` gives
    the FakeSource. ``stores_fail`` makes ``GET /stores`` answer 503.
    """

    def __init__(self, clock: Clock, *, stores: tuple[str, ...], skew: timedelta = timedelta(0),
                 seed: int = 0) -> None:
        self.clock = clock
        self.stores = list(stores)
        self.stores_fail = False
        self.streams: dict[str, FakeSource] = {"customers": FakeSource(clock, skew=skew,
                                                                         seed=seed)}
        for index, store in enumerate(stores, start=1):
            self.streams[f"orders@{store}"] = FakeSource(clock, skew=skew, seed=seed + index)

    def stream(self, name: str) -> FakeSource:
        """The FakeSource of a stream, or an error listing the streams."""
        try:
            return self.streams[name]
        except KeyError:
            known = ", ".join(self.streams)
            raise KeyError(f"no partner stream {name!r}; streams: {known}") from None

    def __iter__(self) -> Iterator[tuple[str, FakeSource]]:
        return iter(self.streams.items())

    @property
    def skew(self) -> timedelta:
        return self.streams["customers"].skew

    @skew.setter
    def skew(self, value: timedelta) -> None:
        for source in self.streams.values():
            source.skew = value

    def mount(self, network: MountedTransport, base_url: str = PARTNER_BASE_URL) -> None:
        """Mount every stream and the store list on ``network`` under ``base_url``."""
        base = base_url.rstrip("/")
        network.mount(f"{base}/customers/", self.streams["customers"].transport())
        for store in self.stores:
            network.mount(f"{base}/stores/{store}/", self.streams[f"orders@{store}"].transport())
        network.mount(f"{base}/stores", httpx.MockTransport(self._stores))

    def _stores(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.rstrip("/") != "/stores":
            return httpx.Response(404, json={"error": f"no such path {request.url.path}"})
        if self.stores_fail:
            return httpx.Response(503, json={"error": "store directory unavailable"})
        return httpx.Response(200, content=json.dumps(self.stores).encode(),
                              headers={"content-type": "application/json"})


def _updated_at(item: Mapping[str, Any]) -> datetime | None:
    value = item.get("updated_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=UTC)


def _version_through(sim: Any, data_source: str) -> Callable[[Mapping[str, Any]], datetime | None]:
    """The item's ``updated_at``, but only if it was pushed through ``data_source``.

    Two stores may use the same order number: the API keys orders by ``order_id``, so
    the second store's push overwrites the first one's. Without this check that
    overwrite would count as the first store's order being delivered (a masked loss).
    """
    def version(item: Mapping[str, Any]) -> datetime | None:
        ids = getattr(getattr(sim, "provisioned", None), "data_sources", None)
        want = ids.get(data_source) if isinstance(ids, Mapping) else None
        if want is not None and item.get("id_data_source") != want:
            return None
        return _updated_at(item)

    return version


def reference_bindings(sim: Any) -> list[StreamBinding]:
    """The oracle's bindings for the Demo POS: where each step-source's records must land.

    ``customers`` <- stream ``"customers"`` into resource ``customers`` (data source
    ``pos``); ``orders/<store>`` <- stream ``"orders@<store>"`` into ``orders`` (data
    source ``<store>``); the item key is the record key and the version is the item's
    ``updated_at``, counted only when the item came through the step-source's own data
    source (when ``sim.provisioned`` knows it). ``sim`` is anything with a ``partner``.
    """
    partner: Partner = sim.partner
    out = [StreamBinding("customers", "", partner.stream("customers"), "customers", str,
                         _version_through(sim, "pos"))]
    out += [StreamBinding("orders", store, partner.stream(f"orders@{store}"), "orders", str,
                          _version_through(sim, store)) for store in partner.stores]
    return out
