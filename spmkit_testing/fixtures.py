"""pytest fixtures of the spmkit plugin: a clock, the fake API, a client, a store, a simulation.

They compose (each one can be overridden alone in a ``conftest.py``)::

    spmkit_clock -> spm_fake -> spm_client
    spmkit_clock -> spm_store
    spm_simulation                      (its own clock, fake, partner and store)

Configure them with markers, the closest one winning::

    @pytest.mark.spmkit_clock(start=datetime(2026, 3, 1, tzinfo=UTC))
    @pytest.mark.spm_fake(api_key="k", seed=7)
    @pytest.mark.spm_simulation(overlap_seconds=120, tolerate_rejects=0.05)

Seeds default to ``--spmkit-seed`` (0 when not given). Everything is built per test:
no state leaks between tests or xdist workers. The harness is imported inside the
fixtures, so loading the plugin costs nothing in a project that does not use them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from spmkit import SpmClient, Store
    from spmkit_testing import FakeShopimind, SimClock, Simulation

__all__ = [
    "MARKERS",
    "spm_client",
    "spm_fake",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_API_KEY = "spm-test-key-0000"

MARKERS = (
    "spmkit_clock(start=datetime, allow_backwards=False): configure the spmkit_clock fixture",
    "spm_fake(api_key='spm-test-key-0000', seed=None): configure the spm_fake fixture",
    "spm_simulation(**Simulation kwargs): configure the spm_simulation fixture",
)


def _options(request: pytest.FixtureRequest, marker: str) -> dict[str, Any]:
    """Merge the kwargs of every ``marker`` on the test, the closest one winning."""
    options: dict[str, Any] = {}
    for mark in request.node.iter_markers(marker):
        options = mark.kwargs | options
    return options


def _seed(request: pytest.FixtureRequest) -> int:
    seed = request.config.getoption("spmkit_seed", default=None)
    return 0 if seed is None else int(seed)


@pytest.fixture
def spmkit_clock(request: pytest.FixtureRequest) -> SimClock:
    """SimClock at 2026-01-01 UTC: now(), advance(), set(), skewed(), freeze(), run(coro).

    Starts at the ``spmkit_clock(start=...)`` marker's instant when given. ``run(coro)``
    runs in virtual time: sleeps cost no wall time.
    """
    from spmkit_testing import SimClock

    options = _options(request, "spmkit_clock")
    return SimClock(options.pop("start", DEFAULT_START), **options)


@pytest.fixture
def spm_fake(request: pytest.FixtureRequest, spmkit_clock: SimClock) -> FakeShopimind:
    """FakeShopimind on spmkit_clock: transport(), records(), journal, add_fault(), ...

    Verbs: ``transport()``, ``mount(router, base_url=...)``, ``records(resource)``,
    ``data_sources()``, ``journal``, ``add_fault(FaultRule...)``, ``clear_faults()``,
    ``rate_limit(...)``, ``sign_webhook(payload)``, ``reset()``.
    """
    from spmkit_testing import FakeShopimind

    options = _options(request, "spm_fake")
    return FakeShopimind(clock=spmkit_clock, api_key=options.get("api_key", DEFAULT_API_KEY),
                         seed=options.get("seed", _seed(request)))


@pytest.fixture
def spm_client(spm_fake: FakeShopimind, spmkit_clock: SimClock) -> Iterator[SpmClient]:
    """SpmClient on spm_fake's transport: bulk_save(resource, items), customers.list()...

    Closed after the test.
    Drive it with ``spmkit_clock.run(spm_client.bulk_save("customers", items))``.
    """
    from spmkit import SpmClient

    client = SpmClient(spm_fake.api_key, transport=spm_fake.transport(), clock=spmkit_clock)
    try:
        yield client
    finally:
        spmkit_clock.run(client.aclose())


@pytest.fixture
def spm_store(spmkit_clock: SimClock) -> Iterator[Store]:
    """In-memory Store on spmkit_clock: get_cursor(), list_rejected(), list_runs()...

    Closed after the test.
    For the SQLite store use ``open_store(tmp_path / "spmkit.sqlite3", clock=spmkit_clock)``.
    """
    from spmkit import open_store

    store = open_store(":memory:", clock=spmkit_clock)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def spm_simulation(request: pytest.FixtureRequest) -> Iterator[Simulation]:
    """Simulation of the reference integration: tick(), advance(), run_for(), crash_at()...

    Verbs: ``tick()``, ``advance(timedelta)``, ``run_for(...)``, ``crash_at(point)``,
    ``deliver_webhook(event)``, ``cursor(entity)``, ``partner.stream(name).put(...)``,
    ``fake.records(resource)``, ``trace_lines()``.
    """
    from spmkit_testing import Simulation

    options = {"seed": _seed(request)} | _options(request, "spm_simulation")
    sim = Simulation(**options)
    try:
        yield sim
    finally:
        sim.close()
