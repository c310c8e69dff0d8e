"""The one function that wires a world: :func:`wire` builds the parts of a simulation.

One :class:`~spmkit_testing.SimClock`, one fault registry for the fake ShopiMind API and
the partner, the fake itself, the partner served through the adapter (a REST route table
mounted on the simulation's network, or an in-process client), the store, the
integration's settings and the API client. :class:`~spmkit_testing.Simulation` and the
pytest fixtures both take their parts from here.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from spmkit import (
    Integration,
    InvalidArgument,
    ReplayGuard,
    SpmClient,
    Store,
    install_redaction,
    open_store,
)
from spmkit_testing.adapter import Adapter
from spmkit_testing.clock import SimClock
from spmkit_testing.fake import DEFAULT_BASE_URL, FakeShopimind
from spmkit_testing.faults import FaultRegistry
from spmkit_testing.network import MountedTransport, NetworkGuard, no_network
from spmkit_testing.partner import Partner, RestApi
from spmkit_testing.sim._origin import AdapterWatch
from spmkit_testing.sim._target import Target
from spmkit_testing.sim._world import MEMORY, World

__all__ = ["API_BASE_URL", "Parts", "wire"]

#: Where the simulation serves the fake ShopiMind API: the API's own base URL (a client
#: built with its defaults on the simulation's network reaches the fake).
API_BASE_URL = DEFAULT_BASE_URL


@dataclass
class Parts:
    """The parts of one simulated world, wired (see :func:`wire`)."""

    world: World
    target: Target
    clock: SimClock
    faults: FaultRegistry
    fake: FakeShopimind
    partner: Partner
    network: MountedTransport
    network_guard: NetworkGuard
    integration: Integration
    adapter: Adapter
    settings: Any
    db: Store
    store_location: str
    client: SpmClient
    replay_guard: ReplayGuard
    #: Watches an SDK adapter's fake for errors of its own (``None`` for a REST adapter).
    adapter_watch: AdapterWatch | None = None
    _folder: tempfile.TemporaryDirectory[str] | None = None
    _closed: bool = False

    def new_client(self) -> SpmClient:
        """A fresh API client on the simulation's network (a restarted engine's)."""
        return SpmClient(self.world.api_key, base_url=API_BASE_URL, transport=self.network,
                         clock=self.clock, seed=self.world.seed)

    def reopen_store(self) -> None:
        """Reopen a SQLite store (a restarted process); an in-memory store survives as is."""
        if self.store_location != MEMORY:
            self.db.close()
            self.db = open_store(self.store_location, clock=self.clock)

    async def aclose(self) -> None:
        """Close the client and the httpx clients the settings hold."""
        await self.client.aclose()
        settings = self.settings
        attributes = (vars(settings).values() if hasattr(settings, "__dict__")
                      else (getattr(settings, f.name) for f in dataclasses.fields(settings))
                      if dataclasses.is_dataclass(settings) else ())
        for value in attributes:
            if isinstance(value, httpx.AsyncClient):
                await value.aclose()

    def close(self) -> None:
        """Release everything (the store, and the folder of a ``"sqlite"`` store); once."""
        if self._closed:
            return
        self._closed = True
        with self.network_guard:
            self.clock.run(self.aclose())
        self.db.close()
        if self._folder is not None:
            self._folder.cleanup()


def wire(world: World, target: Target, *, clock: SimClock | None = None) -> Parts:
    """Build the parts of ``world`` around ``target`` (``clock``: a SimClock to share; its
    instant is the start)."""
    if clock is not None and not isinstance(clock, SimClock):
        raise InvalidArgument(f"clock={clock!r} must be a SimClock.")
    integration, adapter = target.build(tolerate_rejects=world.tolerate_rejects,
                                        batch_size=world.batch_size)
    # The API key must never reach a log line, whatever a failing tick logs (a key under 4
    # characters is a toy that redaction would mangle ordinary text with).
    if len(world.api_key) >= 4:
        install_redaction(secrets=[world.api_key])
    clock = clock if clock is not None else SimClock(world.start, allow_backwards=True)
    faults = FaultRegistry(random.Random(world.seed))
    fake = FakeShopimind(clock=clock, api_key=world.api_key, seed=world.seed, faults=faults)
    partner = Partner(clock, adapter.streams, sources=world.sources, skew=world.skew,
                      faults=faults, seed=world.seed, precision=adapter.stamp_step)
    network = MountedTransport()
    network.mount(f"{API_BASE_URL}/", fake.transport())
    partner.transport = network
    api = adapter.partner_api
    watch = None
    if isinstance(api, RestApi):
        network.mount(f"{api.base_url}/", api.transport(partner))
    else:
        partner.client = api(partner)
        watch = AdapterWatch(adapter, partner)
        watch.watch(partner.client)
    settings = (target.settings or adapter.settings)(partner)
    folder, location = _store(world)
    db = open_store(location, clock=clock)
    client = SpmClient(world.api_key, base_url=API_BASE_URL, transport=network, clock=clock,
                       seed=world.seed)
    return Parts(world, target, clock, faults, fake, partner, network, no_network(),
                 integration, adapter, settings, db, location, client, ReplayGuard(clock),
                 watch, folder)


def _store(world: World) -> tuple[tempfile.TemporaryDirectory[str] | None, str]:
    if world.store == "sqlite":
        folder = tempfile.TemporaryDirectory(prefix="spmkit-world-")
        return folder, str(Path(folder.name) / "spmkit.sqlite3")
    return None, world.store

