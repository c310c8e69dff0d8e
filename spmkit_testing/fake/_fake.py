"""``FakeShopimind``: the stateful fake ShopiMind API, with three ways in.

One model (:mod:`._state`), one wire (:mod:`._wire`), faults (:mod:`spmkit_testing.faults`),
and three ways in: :meth:`FakeShopimind.transport` (httpx, in-process),
:meth:`FakeShopimind.mount` (routes on your ``respx.Router``) and
:meth:`FakeShopimind.asgi_app` (a real server, ``spmkit serve``).
"""

from __future__ import annotations

import inspect
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from spmkit import DEFAULT_BASE_URL as SPMKIT_BASE_URL
from spmkit import InvalidArgument
from spmkit_testing.fake._asgi import FakeAsgiApp
from spmkit_testing.fake._clock import FakeClock
from spmkit_testing.fake._journal import Journal, JournalEntry
from spmkit_testing.fake._routes import mount as mount_routes
from spmkit_testing.fake._state import FakeState
from spmkit_testing.fake._transport import FakeTransport
from spmkit_testing.fake._wire import Wire
from spmkit_testing.faults import Fault, FaultHandle, FaultRegistry

if TYPE_CHECKING:
    import httpx
    import respx

__all__ = ["DEFAULT_API_KEY", "DEFAULT_BASE_URL", "FakeShopimind"]

#: The base URL the fake is served at by default: the API's own (``SpmClient``'s default).
DEFAULT_BASE_URL = SPMKIT_BASE_URL
#: The API key a fake accepts unless told otherwise (a test key, never a real one).
DEFAULT_API_KEY = "spm-test-key-0000"


class FakeShopimind:
    """A stateful in-memory ShopiMind API: bulk upserts by natural key, data sources,
    custom data, events, a journal and seeded faults.

    For example::

        fake = FakeShopimind(clock=clock, api_key="k", seed=7)
        fake.add_fault(status(503, resource="customers", calls=2))
        client = SpmClient(api_key="k", transport=fake.transport(), clock=clock)
        ...
        assert set(fake.records("customers")) == {"c1", "c2"}
        assert [e.status for e in fake.journal] == [200, 503, 200]

    ``clock`` is anything with ``now() -> aware datetime``; when it also has
    ``async sleep(seconds)``, latency faults await it. Randomness (fault
    probabilities) comes only from ``random.Random(seed)``. ``faults`` shares a
    :class:`~spmkit_testing.faults.FaultRegistry` with others (a Simulation gives the
    fake and the partner one registry); by default the fake has its own.
    """

    def __init__(self, *, clock: FakeClock, api_key: str = DEFAULT_API_KEY, seed: int = 0,
                 faults: FaultRegistry | None = None) -> None:
        now = getattr(clock, "now", None)
        if not callable(now):
            raise InvalidArgument(
                f"clock must have a now() method returning an aware datetime, got clock={clock!r} "
                f"(type={type(clock).__name__}); use spmkit_testing.SimClock(start=...)."
            )
        probe = now()
        if not isinstance(probe, datetime) or probe.utcoffset() is None:
            raise InvalidArgument(
                f"clock.now() must return an aware datetime, got {probe!r}; "
                f"use datetime(..., tzinfo=UTC)."
            )
        if not isinstance(api_key, str) or not api_key:
            raise InvalidArgument(f"api_key must be a non-empty string, got api_key={api_key!r}.")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise InvalidArgument(
                f"Expected int but got seed={seed!r} (type={type(seed).__name__})."
            )
        self.clock = clock
        self.api_key = api_key
        self.seed = seed
        self.state = FakeState(clock)
        self._shared_faults = faults is not None
        self._faults = faults if faults is not None else FaultRegistry(random.Random(seed))
        self._journal = Journal()
        self._wire = Wire(self.state, self._faults, self._journal, clock, api_key)

    def reset(self) -> None:
        """Forget everything (records, journal, faults): a re-construction.

        Transports, mounts and apps made earlier keep working on the new state.
        """
        clock, api_key, seed = self.clock, self.api_key, self.seed
        limit = self._journal.limit
        # A registry shared with a Simulation stays shared: it forgets its faults instead.
        shared = self._faults if self._shared_faults else None
        if shared is not None:
            shared.clear()
        self.__dict__.clear()
        self.__init__(clock=clock, api_key=api_key, seed=seed, faults=shared)  # type: ignore[misc]
        self._journal.limit = limit

    def __repr__(self) -> str:
        return (
            f"FakeShopimind(seed={self.seed}, requests={self._journal.total}, "
            f"faults={len(self._faults.active)})"
        )

    # -- ways in ------------------------------------------------------------------------

    def transport(self) -> FakeTransport:
        """An httpx transport (async and sync) serving this fake in-process."""
        return FakeTransport(self)

    def mount(self, router: respx.Router, base_url: str = DEFAULT_BASE_URL) -> list[respx.Route]:
        """Add this fake's routes to your ``respx.Router`` (never the global ``respx.mock``).

        For example::

            router = respx.Router(assert_all_called=False)
            fake.mount(router, base_url="https://core.shopimind.com")
            client = httpx.Client(transport=httpx.MockTransport(router.handler))

        Latency faults are not waited for on this path (respx calls handlers
        synchronously); they are still recorded in the journal.
        """
        return mount_routes(router, base_url, self._handle_routed)

    def asgi_app(self) -> FakeAsgiApp:
        """An ASGI app serving this fake (``uvicorn.run(fake.asgi_app())``)."""
        return FakeAsgiApp(self)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request synchronously (for ``httpx.MockTransport(fake.handle)``)."""
        return self._wire.handle_httpx(request)

    def _handle_routed(
        self, request: httpx.Request, route: Any, params: dict[str, str]
    ) -> httpx.Response:
        return self._wire.handle_httpx(request, route, params)

    async def _sleep(self, seconds: float) -> None:
        sleep = getattr(self.clock, "sleep", None)
        if sleep is not None and inspect.iscoroutinefunction(sleep):
            await sleep(seconds)

    # -- faults -------------------------------------------------------------------------

    def add_fault(self, fault: Fault, *, name: str = "") -> FaultHandle:
        """Activate a fault (also while requests run); returns its handle.

        For example ``fake.add_fault(token_bucket(5, refill_per_second=0.5))``.
        """
        return self._faults.add(fault, name=name)

    def remove_fault(self, handle: FaultHandle) -> bool:
        """Deactivate a fault; ``False`` when it was not active (already removed)."""
        return self._faults.remove(handle)

    def clear_faults(self) -> None:
        """Deactivate every fault."""
        self._faults.clear()

    @property
    def faults(self) -> FaultRegistry:
        """The fault registry: ``faults.active``, ``faults.stats()``, ``faults.never_fired()``."""
        return self._faults

    # -- reading the state --------------------------------------------------------------

    @property
    def journal(self) -> list[JournalEntry]:
        """Every request and answer so far, in order (a copy)."""
        return list(self._journal)

    def journal_since(self, index: int) -> list[JournalEntry]:
        """The journal from entry ``index`` on (0-based; without copying the earlier ones)."""
        return self._journal[index:]

    @property
    def journal_length(self) -> int:
        """How many requests were journaled (without copying the journal; with a
        ``journal_limit``, the forgotten ones included)."""
        return self._journal.total

    @property
    def journal_limit(self) -> int | None:
        """Keep at most about this many journal entries (the newest; ``None``: all).

        For a long soak: the journal forgets its oldest entries in batches, so memory
        stays bounded while ``journal_length`` and each entry's ``seq`` still count
        every request. Set it before the requests you want bounded.
        """
        return self._journal.limit

    @journal_limit.setter
    def journal_limit(self, limit: int | None) -> None:
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 1):
            raise InvalidArgument(
                f"journal_limit={limit!r} must be an int >= 1, or None to keep every entry.")
        self._journal.limit = limit

    def records(self, resource: str) -> dict[str, dict[str, Any]]:
        """The stored items of a bulk resource (``"customers"``...) by natural key."""
        return self.state.records(resource)

    def data_sources(self) -> list[dict[str, Any]]:
        """Every data source, by id."""
        return self.state.data_sources()

    def custom_data_definitions(self) -> list[dict[str, Any]]:
        """Every custom-data definition, by id."""
        return self.state.custom_data_definitions()

    def custom_data_records(self, id_definition: int) -> dict[str, dict[str, Any]]:
        """The records of one custom-data definition, by key."""
        return self.state.custom_data_records(id_definition)

    def events(self) -> list[dict[str, Any]]:
        """Every declared event type."""
        return self.state.events()

    def event_triggers(self) -> list[dict[str, Any]]:
        """Every fired event instance, in order."""
        return self.state.event_triggers()

    def snapshot(self) -> dict[str, Any]:
        """The whole state as plain data (for comparing two fakes)."""
        return self.state.snapshot()

    def sign_webhook(
        self, payload: Any, secret: str | None = None, *, skew: timedelta = timedelta(0)
    ) -> tuple[bytes, dict[str, str]]:
        """``(body, headers)`` of a webhook signed now on this fake's clock (see
        :func:`spmkit_testing.webhooks.sign_webhook_request`); ``secret`` defaults to
        ``DEFAULT_WEBHOOK_SECRET``."""
        from spmkit_testing.webhooks import DEFAULT_WEBHOOK_SECRET, sign_webhook_request

        return sign_webhook_request(payload, secret or DEFAULT_WEBHOOK_SECRET, clock=self.clock,
                                    skew=skew)
