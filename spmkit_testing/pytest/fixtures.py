"""pytest fixtures of the spmkit plugin: the parts of one simulated world, and its simulation.

One wiring builds the world (:func:`spmkit_testing.sim.wire`); the fixtures hand out its
parts, so ``spm_fake`` is the fake ``spm_simulation`` pushes to::

    spmkit_clock -> spm_parts -> spm_fake, spm_network, spm_client, spm_partner, spm_store
    spm_parts -> spm_simulation   (the configured integration + adapter, the oracle on)

Each can be overridden alone in a ``conftest.py``. Configure them with markers, the
closest one winning (on a test, a class, a module's ``pytestmark``, or for the whole
suite through ``pytest_collection_modifyitems``)::

    @pytest.mark.spmkit_clock(start=datetime(2026, 3, 1, tzinfo=UTC))
    @pytest.mark.spm_world(overlap_seconds=120, skew="-30s", sources=["paris"])
    @pytest.mark.spm_fake(api_key="k", seed=7, assert_all_fired=True)
    @pytest.mark.spm_partner(sources=("store-1",), skew=timedelta(seconds=30))
    @pytest.mark.spm_store(kind="sqlite")
    @pytest.mark.spm_simulation(allow_violations=True, strict=False)

``spm_world`` takes any :class:`~spmkit_testing.World` field; ``spm_fake``,
``spm_partner`` and ``spm_store`` name the fields of their part. A misspelt keyword is a
usage error naming the valid ones. Seeds default to ``--spmkit-seed`` (0 when not given).
Everything is built per test: no state leaks between tests or xdist workers. The harness
is imported inside the fixtures, so loading the plugin costs nothing in a project that
does not use them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from spmkit import SpmClient, Store
    from spmkit_testing import FakeShopimind, MountedTransport, Partner, SimClock, Simulation
    from spmkit_testing.sim import Parts

__all__ = [
    "MARKERS",
    "spm_client",
    "spm_fake",
    "spm_network",
    "spm_partner",
    "spm_parts",
    "spm_simulation",
    "spm_store",
    "spmkit_clock",
]

DOCS = "see the README, section 'Test your own integration'"
_SIMULATION = ("allow_violations", "assert_all_fired", "strict", "oracle", "keep_ticks")

#: Each marker, its keywords (``None``: the World's fields) and the line it registers.
MARKERS: dict[str, tuple[tuple[str, ...] | None, str]] = {
    "spmkit_clock": (("start", "allow_backwards"),
                     "spmkit_clock(start=datetime, allow_backwards=False): configure the "
                     "spmkit_clock fixture"),
    "spm_world": (None, "spm_world(**World fields): configure the world of spm_parts and "
                        "spm_simulation (seed, overlap_seconds, skew, sources, store...)"),
    "spm_fake": (("api_key", "seed", "assert_all_fired"),
                 "spm_fake(api_key='spm-test-key-0000', seed=None, assert_all_fired=False): "
                 "configure the spm_fake fixture"),
    "spm_partner": (("sources", "skew"),
                    "spm_partner(sources=('store-1', 'store-2'), skew=timedelta(0)): configure "
                    "the spm_partner fixture"),
    "spm_store": (("kind",),
                  "spm_store(kind='memory'): configure the spm_store fixture ('memory' or "
                  "'sqlite', a file under tmp_path)"),
    "spm_simulation": (_SIMULATION, "spm_simulation(allow_violations=False, "
                       "assert_all_fired=False, strict=False, **World fields): configure "
                       "the spm_simulation fixture"),
}


def _world_fields() -> tuple[str, ...]:
    from spmkit_testing import World

    return tuple(f.name for f in dataclasses.fields(World))


def _options(request: pytest.FixtureRequest, marker: str) -> dict[str, Any]:
    """Merge the kwargs of every ``marker`` on the test, the closest one winning; an
    unknown keyword is a usage error."""
    declared = MARKERS[marker][0]
    allowed = (*(declared or ()), *(_world_fields() if declared in (None, _SIMULATION)
                                    else ()))
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


def _world(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """The World the markers describe (``spm_world`` first, then each part's marker)."""
    from spmkit_testing import World

    fields: dict[str, Any] = {}
    seed = request.config.getoption("spmkit_seed", default=None)
    if seed is not None:
        fields["seed"] = int(seed)
    fake = _options(request, "spm_fake")
    fields |= {k: v for k, v in fake.items() if k in ("api_key", "seed")}
    fields |= _options(request, "spm_partner")
    kind = _options(request, "spm_store").get("kind", "memory")
    if kind not in ("memory", "sqlite"):
        raise pytest.UsageError(f"@pytest.mark.spm_store(kind={kind!r}): use 'memory' or "
                                f"'sqlite'.")
    if kind == "sqlite":
        fields["store"] = str(tmp_path / "spmkit.sqlite3")
    simulation = _options(request, "spm_simulation")
    fields |= {k: v for k, v in simulation.items() if k not in _SIMULATION}
    fields |= _options(request, "spm_world")
    return World(**fields)


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
    from spmkit_testing.sim import DEFAULT_START

    options = _options(request, "spmkit_clock")
    return SimClock(options.pop("start", DEFAULT_START), **options)


@pytest.fixture
def spm_parts(request: pytest.FixtureRequest, spmkit_clock: SimClock,
              tmp_path: Path) -> Iterator[Parts]:
    """The wired parts of one simulated world of the configured integration (the
    ``spmkit_integration`` / ``spmkit_adapter`` ini lines; the reference Demo POS
    otherwise): ``fake``, ``partner``, ``network``, ``db``, ``client``, ``settings``.

    Its teardown fails naming every request that went to a URL nothing serves.
    """
    from spmkit_testing.pytest._target import target
    from spmkit_testing.sim import wire

    parts = wire(_world(request, tmp_path), target(request.config), clock=spmkit_clock)
    try:
        yield parts
    finally:
        parts.close()
    if parts.network.refused:
        pytest.fail("spm_network: requests went to URLs nothing is mounted at (mount a fake "
                    "or point the code at a mounted base URL):\n"
                    + "\n".join(f"  - {r}" for r in parts.network.refused), pytrace=False)


@pytest.fixture
def spm_fake(request: pytest.FixtureRequest, spm_parts: Parts) -> Iterator[FakeShopimind]:
    """FakeShopimind on spmkit_clock: transport(), records(), journal, add_fault(), ...

    Verbs: ``transport()``, ``mount(router, base_url=...)``, ``records(resource)``,
    ``data_sources()``, ``journal``, ``add_fault(status(503))``, ``clear_faults()``,
    ``faults.stats()``, ``sign_webhook(payload)``, ``reset()``. With
    ``@pytest.mark.spm_fake(assert_all_fired=True)`` the teardown fails if a fault added
    during the test never fired.
    """
    yield spm_parts.fake
    if _options(request, "spm_fake").get("assert_all_fired"):
        _never_fired(spm_parts.fake.faults.never_fired(), "spm_fake")


@pytest.fixture
def spm_network(spm_parts: Parts) -> MountedTransport:
    """MountedTransport serving spm_fake and the partner API: mount(), mounts, refused.

    Verbs: ``mount(prefix, transport)`` to serve another URL, ``mounts``, ``refused``.
    Hand it to httpx as ``transport=``. The teardown fails naming every request that went
    to a URL nothing is mounted at (such a request never leaves the process).
    """
    return spm_parts.network


@pytest.fixture
def spm_client(spm_parts: Parts) -> SpmClient:
    """SpmClient on spm_network (spm_fake): bulk_save(resource, items), customers.list()...

    Closed after the test. Drive it with
    ``spmkit_clock.run(spm_client.bulk_save("customers", items))``.
    """
    return spm_parts.client


@pytest.fixture
def spm_partner(spm_parts: Parts) -> Partner:
    """Partner of the configured adapter's streams (the Demo POS's by default), its API
    served on spm_network: source(stream, key).put(key, fields), sources, add_source()...

    Verbs: ``source("customers").put("c1", {...})`` (``source("orders", "store-1")`` for a
    per-source stream), ``.update()``, ``.delete()``, ``.records()``, ``add_source(key)``,
    ``faults.add(status(503, target="customers"))``, ``calls``. A REST partner API is
    mounted at its base URL on spm_network; an in-process one is ``spm_partner.client``.
    """
    return spm_parts.partner


@pytest.fixture
def spm_store(spm_parts: Parts) -> Store:
    """Store on spmkit_clock: get_cursor(), set_cursor(), list_rejected(), list_runs()...

    In memory by default; ``@pytest.mark.spm_store(kind="sqlite")`` puts a SQLite file at
    ``tmp_path / "spmkit.sqlite3"`` (one per test, safe under xdist). Closed after the test.
    """
    return spm_parts.db


@pytest.fixture
def spm_simulation(request: pytest.FixtureRequest, spm_parts: Parts) -> Iterator[Simulation]:
    """Simulation of the world of spm_parts (the configured integration), the oracle on.

    Verbs: ``tick()``, ``advance(timedelta)``, ``run_for(...)``, ``put(stream, key, fields)``,
    ``fault_on(name, fault)``, ``crash_at(point)``, ``deliver_webhook(event)``, ``settle()``,
    ``cursor(stream)``, ``undelivered()``, ``fake.records(resource)``, ``trace_lines()``.
    Its teardown fails with the oracle's violations (``spm_simulation(allow_violations=True)``
    for a test that demonstrates one), with any request to a host the simulation does
    not serve, and, with ``assert_all_fired=True``, with the faults that never fired.
    """
    from spmkit_testing import Simulation

    options = {k: v for k, v in _options(request, "spm_simulation").items() if k in _SIMULATION}
    allow_violations = options.pop("allow_violations", False)
    assert_all_fired = options.pop("assert_all_fired", False)
    sim = Simulation(parts=spm_parts, **options)
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
