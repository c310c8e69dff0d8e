"""pytest fixtures of the spmkit plugin: a clock, the fake API, a client, a store, a simulation.

They compose; each can be overridden alone in a ``conftest.py``::

    spmkit_clock -> spm_fake -> spm_network -> spm_client
    spmkit_clock + spm_network -> spm_partner  (the configured adapter's partner API)
    spmkit_clock -> spm_store                  (memory, or SQLite under tmp_path)
    spmkit_clock -> spm_simulation             (the configured integration + adapter)

Configure them with markers, the closest one winning (on a test, a class, a module's
``pytestmark``, or for the whole suite through ``pytest_collection_modifyitems``)::

    @pytest.mark.spmkit_clock(start=datetime(2026, 3, 1, tzinfo=UTC))
    @pytest.mark.spm_fake(api_key="k", seed=7, assert_all_fired=True)
    @pytest.mark.spm_partner(sources=("store-1",), skew=timedelta(seconds=30))
    @pytest.mark.spm_store(kind="sqlite")
    @pytest.mark.spm_simulation(overlap_seconds=120, tolerate_rejects=0.05)

A misspelt keyword is a usage error naming the valid ones. Seeds default to
``--spmkit-seed`` (0 when not given). Everything is built per test: no state leaks
between tests or xdist workers. The harness is imported inside the fixtures, so
loading the plugin costs nothing in a project that does not use them.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from spmkit import SpmClient, Store
    from spmkit_testing import FakeShopimind, MountedTransport, Partner, SimClock, Simulation

__all__ = [
    "MARKERS",
    "spm_client",
    "spm_fake",
    "spm_network",
    "spm_partner",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

DEFAULT_START = datetime(2026, 1, 1, tzinfo=UTC)
DEFAULT_API_KEY = "spm-test-key-0000"
FAKE_BASE_URL = "https://core.shopimind.com"  # SpmClient's default base URL
DOCS = "see the README, section 'Test your own integration'"

#: Each marker, its keywords and what it configures (registered in ``pytest_configure``).
MARKERS: dict[str, tuple[tuple[str, ...], str]] = {
    "spmkit_clock": (("start", "allow_backwards"),
                     "spmkit_clock(start=datetime, allow_backwards=False): configure the "
                     "spmkit_clock fixture"),
    "spm_fake": (("api_key", "seed", "assert_all_fired"),
                 "spm_fake(api_key='spm-test-key-0000', seed=None, assert_all_fired=False): "
                 "configure the spm_fake fixture"),
    "spm_partner": (("sources", "skew"),
                    "spm_partner(sources=('store-1', 'store-2'), skew=timedelta(0)): configure "
                    "the spm_partner fixture"),
    "spm_store": (("kind",),
                  "spm_store(kind='memory'): configure the spm_store fixture ('memory' or "
                  "'sqlite', a file under tmp_path)"),
    "spm_simulation": ((), "spm_simulation(allow_violations=False, assert_all_fired=False, "
                           "**Simulation keywords): configure the spm_simulation fixture"),
}
_SIMULATION_ONLY = ("allow_violations", "assert_all_fired")


def _simulation_keywords() -> tuple[str, ...]:
    from spmkit_testing import Simulation

    params = inspect.signature(Simulation.__init__).parameters
    return tuple(n for n in params if n not in ("self", "clock")) + _SIMULATION_ONLY


def _options(request: pytest.FixtureRequest, marker: str) -> dict[str, Any]:
    """Merge the kwargs of every ``marker`` on the test, the closest one winning; an
    unknown keyword is a usage error."""
    allowed = MARKERS[marker][0] or _simulation_keywords()
    options: dict[str, Any] = {}
    for mark in request.node.iter_markers(marker):
        unknown = sorted(set(mark.kwargs) - set(allowed))
        if unknown or mark.args:
            bad = ", ".join(unknown) or f"positional {mark.args!r}"
            raise pytest.UsageError(
                f"@pytest.mark.{marker}: unknown keyword(s) {bad}; valid keywords: "
                f"{', '.join(allowed)} ({DOCS})")
        options = mark.kwargs | options
    return options


def _seed(request: pytest.FixtureRequest) -> int:
    seed = request.config.getoption("spmkit_seed", default=None)
    return 0 if seed is None else int(seed)


def _never_fired(handles: list[Any], what: str) -> None:
    if handles:
        listed = "\n".join(f"  - {h!r}" for h in handles)
        pytest.fail(f"{what}: these faults were declared but never fired, so the test did "
                    f"not exercise them:\n{listed}", pytrace=False)


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
def spm_fake(request: pytest.FixtureRequest, spmkit_clock: SimClock) -> Iterator[FakeShopimind]:
    """FakeShopimind on spmkit_clock: transport(), records(), journal, add_fault(), ...

    Verbs: ``transport()``, ``mount(router, base_url=...)``, ``records(resource)``,
    ``data_sources()``, ``journal``, ``add_fault(status(503))``, ``clear_faults()``,
    ``faults.stats()``, ``sign_webhook(payload)``, ``reset()``. With
    ``@pytest.mark.spm_fake(assert_all_fired=True)`` the teardown fails if a fault added
    during the test never fired.
    """
    from spmkit_testing import FakeShopimind

    options = _options(request, "spm_fake")
    fake = FakeShopimind(clock=spmkit_clock, api_key=options.get("api_key", DEFAULT_API_KEY),
                         seed=options.get("seed", _seed(request)))
    yield fake
    if options.get("assert_all_fired"):
        _never_fired(fake.faults.never_fired(), "spm_fake")


@pytest.fixture
def spm_network(spm_fake: FakeShopimind) -> Iterator[MountedTransport]:
    """MountedTransport serving spm_fake at https://core.shopimind.com/: mount(), refused.

    Verbs: ``mount(prefix, transport)`` to serve another URL, ``mounts``, ``refused``.
    Hand it to httpx as ``transport=``. Its teardown fails naming every request that went
    to a URL nothing is mounted at (such a request never leaves the process).
    """
    from spmkit_testing import MountedTransport

    network = MountedTransport()
    network.mount(f"{FAKE_BASE_URL}/", spm_fake.transport())
    yield network
    if network.refused:
        pytest.fail("spm_network: requests went to URLs nothing is mounted at (mount a fake "
                    "or point the code at a mounted base URL):\n"
                    + "\n".join(f"  - {r}" for r in network.refused), pytrace=False)


@pytest.fixture
def spm_client(spm_network: MountedTransport, spm_fake: FakeShopimind,
               spmkit_clock: SimClock) -> Iterator[SpmClient]:
    """SpmClient on spm_network (spm_fake): bulk_save(resource, items), customers.list()...

    Closed after the test.
    Drive it with ``spmkit_clock.run(spm_client.bulk_save("customers", items))``.
    """
    from spmkit import SpmClient

    client = SpmClient(spm_fake.api_key, transport=spm_network, clock=spmkit_clock)
    try:
        yield client
    finally:
        spmkit_clock.run(client.aclose())


@pytest.fixture
def spm_partner(request: pytest.FixtureRequest, spmkit_clock: SimClock,
                spm_network: MountedTransport) -> Partner:
    """Partner of the configured adapter's streams (the Demo POS's by default), its API
    served on spm_network: source(stream, key).put(key, fields), sources, add_source()...

    Verbs: ``source("customers").put("c1", {...})`` (``source("orders", "store-1")`` for a
    per-source stream), ``.update()``, ``.delete()``, ``.records()``, ``add_source(key)``,
    ``faults.add(status(503, target="customers"))``, ``calls``. A REST partner API is
    mounted at its base URL on spm_network; an in-process one is ``spm_partner.client``.
    """
    from spmkit_testing import Partner
    from spmkit_testing.partner import RestApi
    from spmkit_testing.plugin import target
    from spmkit_testing.reference import reference_adapter

    options = _options(request, "spm_partner")
    adapter = target(request.config)[1] or reference_adapter
    partner = Partner(spmkit_clock, adapter.streams, seed=_seed(request), **options)
    partner.transport = spm_network
    api = adapter.partner_api
    if isinstance(api, RestApi):
        spm_network.mount(f"{api.base_url}/", api.transport(partner))
    else:
        partner.client = api(partner)
    return partner


@pytest.fixture
def spm_store(request: pytest.FixtureRequest, spmkit_clock: SimClock,
              tmp_path: Path) -> Iterator[Store]:
    """Store on spmkit_clock: get_cursor(), set_cursor(), list_rejected(), list_runs()...

    In memory by default; ``@pytest.mark.spm_store(kind="sqlite")`` puts a SQLite file at
    ``tmp_path / "spmkit.sqlite3"`` (one per test, safe under xdist). Closed after the test.
    """
    from spmkit import open_store

    kind = _options(request, "spm_store").get("kind", "memory")
    if kind not in ("memory", "sqlite"):
        raise pytest.UsageError(f"@pytest.mark.spm_store(kind={kind!r}): use 'memory' or "
                                f"'sqlite'.")
    where: str | Path = ":memory:" if kind == "memory" else tmp_path / "spmkit.sqlite3"
    store = open_store(where, clock=spmkit_clock)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def spm_simulation(request: pytest.FixtureRequest, spmkit_clock: SimClock) -> Iterator[Simulation]:
    """Simulation of the configured integration (``spmkit_integration``/``spmkit_adapter``
    in the ini file; the reference Demo POS otherwise), on spmkit_clock, the oracle on.

    Verbs: ``tick()``, ``advance(timedelta)``, ``run_for(...)``, ``put(stream, key, fields)``,
    ``fault_on(name, fault)``, ``crash_at(point)``, ``deliver_webhook(event)``, ``settle()``,
    ``cursor(stream)``, ``undelivered()``, ``fake.records(resource)``, ``trace_lines()``.
    Its teardown fails with the oracle's violations (``spm_simulation(allow_violations=True)``
    for a test that demonstrates one), with any request to a host the simulation does
    not serve, and, with ``assert_all_fired=True``, with the faults that never fired.
    """
    from spmkit_testing import Simulation
    from spmkit_testing.plugin import target

    options = {"seed": _seed(request)} | _options(request, "spm_simulation")
    allow_violations = options.pop("allow_violations", False)
    assert_all_fired = options.pop("assert_all_fired", False)
    integration, adapter = target(request.config)
    sim = Simulation(integration, adapter, clock=spmkit_clock, **options)
    try:
        yield sim
    finally:
        sim.close()
    refused = sim.network.refused + [f"{h}:{p}" for h, p in sim.network_guard.blocked]
    if refused:
        pytest.fail("spm_simulation: requests went to hosts the simulation does not serve "
                    "(route them through the adapter's partner API or partner.transport):\n"
                    + "\n".join(f"  - {r}" for r in refused), pytrace=False)
    if sim.violations and not allow_violations:
        pytest.fail("spm_simulation: the oracle reported violations of the golden cursor "
                    "rule:\n" + "\n".join(f"  - {v.one_line()}" for v in sim.violations)
                    + f"\nseed={sim.seed}", pytrace=False)
    if assert_all_fired:
        _never_fired(sim.unfired(), "spm_simulation")
