"""Hypothesis strategies for the worlds, records, faults and timelines of any integration.

Every strategy draws DSL values (:mod:`spmkit_testing.scenario`, :mod:`spmkit_testing.faults`),
so whatever Hypothesis finds prints, and is written out, as a scenario. For example::

    from hypothesis import given
    from spmkit_testing import strategies as sst
    from spmkit_testing.scenario import run_scenario

    @given(sst.scenarios(integration, adapter=adapter, max_steps=20))
    def test_any_scenario_keeps_the_golden_rule(scenario):
        result = run_scenario(scenario, integration=integration, adapter=adapter)
        assert not result.violations, result.message()

Strategies are plural nouns with keyword-only options; an impossible combination is an
error, not an empty strategy. They shrink towards fewer records and steps, no faults,
the strict policy and short durations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from spmkit import BULK_RESOURCES, InvalidArgument
from spmkit_testing._dsl import format_duration
from spmkit_testing.adapter import Adapter
from spmkit_testing.faults import CONSTRUCTORS, Fault
from spmkit_testing.partner import DEFAULT_SOURCES
from spmkit_testing.partner._payloads import fake_payload
from spmkit_testing.scenario import Scenario, World
from spmkit_testing.scenario import _timeline as t
from spmkit_testing.scenario._records import Record, record
from spmkit_testing.simulation import CRASH_POINTS, DEFAULT_START

__all__ = [
    "API_FAULT_KINDS",
    "faults",
    "LATENESS_SHARE",
    "PARTNER_FAULT_KINDS",
    "payloads",
    "policies",
    "records",
    "scenarios",
    "STARTS",
    "stream_refs",
    "timelines",
]

API_FAULT_KINDS = ("status", "rate_limited", "connect_error", "connection_reset",
                   "read_timeout", "latency", "failed_chunk", "refused_chunk", "poison",
                   "token_bucket")
PARTNER_FAULT_KINDS = ("status", "rate_limited", "connect_error", "connection_reset",
                       "read_timeout", "latency", "null_page", "error_page", "duplicate_page",
                       "reordered_page")
#: The share of the overlap each source of lateness may take (skew, lag, a clock step).
LATENESS_SHARE = 0.25
STARTS = (DEFAULT_START, datetime(2041, 6, 1, tzinfo=UTC))
"""Where a world's simulated time starts: today's year, and years after the machine's own
date, where a read of the wall clock instead of the simulated one shows."""
_BULK_KINDS = ("failed_chunk", "refused_chunk", "status")
_READ_KINDS = ("status", "null_page")
_INVALID = {"customers": {"email": "not-an-email"}, "orders": {"amount": "ten euros"},
            "products": {"price": "free"}}


def _seconds(low: int, high: int) -> st.SearchStrategy[str]:
    """A duration between ``low`` and ``high`` seconds, as DSL text (shrinks to ``low``)."""
    return st.integers(low, high).map(lambda s: format_duration(timedelta(seconds=s)))


def stream_refs(adapter: Adapter, *, sources: Sequence[str] = DEFAULT_SOURCES
                ) -> st.SearchStrategy[str]:
    """The stream-sources of ``adapter``'s world: ``"customers"``, ``"orders@store-1"``..."""
    refs = [s.name for s in adapter.streams if not s.per_source]
    refs += [f"{s.name}@{k}" for s in adapter.streams if s.per_source for k in sources]
    return st.sampled_from(refs)


def payloads(resource: str, *, invalid: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    """Faker payloads of ``resource`` (ShopiMind field names); ``invalid=True`` adds the
    value the fake refuses for a customer (an e-mail), an order or a product (an amount)."""
    if resource not in BULK_RESOURCES:
        raise InvalidArgument(f"payloads({resource!r}): not a bulk resource.")
    if invalid and resource not in _INVALID:
        raise InvalidArgument(f"payloads({resource!r}, invalid=True): there is no invalid "
                              f"variant for it; use records(..., poisoned=...) instead.")

    fakers: list[Any] = []  # one Faker per strategy (building one costs ~0.4 ms), reseeded

    def build(seed: int) -> dict[str, Any]:
        if not fakers:
            from faker import Faker

            fakers.append(Faker())
        faker = fakers[0]
        faker.seed_instance(seed)
        payload = fake_payload(resource, faker, f"k{seed}")
        return payload | (_INVALID[resource] if invalid else {})

    return st.integers(0, 2**16).map(build)


def records(adapter: Adapter, *, sources: Sequence[str] = DEFAULT_SOURCES, min_size: int = 0,
            max_size: int | None = 5, max_lag: int = 0, poisoned: float = 0.1
            ) -> st.SearchStrategy[list[Record]]:
    """Partner records with distinct keys (``r1``, ``r2``...) on the adapter's streams,
    stamped up to an hour back, readable up to ``max_lag`` seconds late, ShopiMind
    refusing a ``poisoned`` fraction of them (shrinks towards none)."""
    if max_size is not None and max_size < min_size:
        raise InvalidArgument(f"records(min_size={min_size}, max_size={max_size}): "
                              f"max_size must be >= min_size.")
    one = st.tuples(stream_refs(adapter, sources=sources), st.integers(-3600, 0),
                    st.integers(0, max_lag), st.floats(0, 1))

    def build(rows: list[tuple[str, int, int, float]]) -> list[Record]:
        return [record(f"r{i}", stream=ref, at=f"{at}s" if at else None, lag=f"{lag}s",
                       poisoned=roll < poisoned)
                for i, (ref, at, lag, roll) in enumerate(rows, start=1)]

    return st.lists(one, min_size=min_size, max_size=max_size).map(build)


def _targets(adapter: Adapter, sources: Sequence[str]) -> list[str]:
    out = ["partner"]
    for stream in adapter.streams:
        out.append(stream.name)
        if stream.per_source:
            out += [f"{stream.name}@{k}" for k in sources]
            if "sources-listing" in adapter.capabilities:
                out.append(f"{stream.name}/sources")
    return out


def faults(adapter: Adapter, *, side: str | None = None, kinds: Sequence[str] | None = None,
           sources: Sequence[str] = DEFAULT_SOURCES) -> st.SearchStrategy[Fault]:
    """Faults of the one vocabulary on the ShopiMind API (``side="api"``), the adapter's
    partner (``"partner"``) or both; ``kinds`` limits the constructors (see
    :data:`API_FAULT_KINDS`, :data:`PARTNER_FAULT_KINDS`). They fire on a range of calls,
    a few times, or with a seeded probability (shrinks towards every call)."""
    if side not in (None, "api", "partner"):
        raise InvalidArgument(f"faults(side={side!r}): use 'api', 'partner' or None.")
    chosen = set(kinds) if kinds is not None else None
    known = set(API_FAULT_KINDS) | set(PARTNER_FAULT_KINDS)
    if chosen is not None and chosen - known:
        raise InvalidArgument(f"faults(kinds=...): unknown kind(s) {sorted(chosen - known)}; "
                              f"choose from {', '.join(sorted(known))}.")
    resources = sorted({s.resource for s in adapter.streams})
    match = st.fixed_dictionaries({}, optional={
        "calls": st.tuples(st.integers(1, 3), st.integers(1, 4)).map(
            lambda c: (c[0], c[0] + c[1])),
        "times": st.integers(1, 3),
        "probability": st.sampled_from([0.25, 0.5]),
    })
    options: list[st.SearchStrategy[Fault]] = []
    if side in (None, "api"):
        options += [_api(kind, resources, match) for kind in API_FAULT_KINDS
                    if chosen is None or kind in chosen]
        # The bulk answers are where the golden rule is easiest to break: draw them twice
        # as often.
        options += [_api(kind, resources, match) for kind in _BULK_KINDS
                    if chosen is None or kind in chosen]
    if side in (None, "partner") and "pages" in adapter.capabilities:
        targets = st.sampled_from(_targets(adapter, sources))
        options += [_partner(kind, targets, match) for kind in PARTNER_FAULT_KINDS
                    if chosen is None or kind in chosen]
        # A read that fails or ends early half way is where an integration loses data
        # (an error caught as "no more pages"): twice as often too.
        options += [_partner(kind, targets, match) for kind in _READ_KINDS
                    if chosen is None or kind in chosen]
    if not options:
        raise InvalidArgument(f"faults(side={side!r}, kinds={kinds!r}) can draw nothing for "
                              f"this adapter.")
    return st.one_of(options)


def _api(kind: str, resources: Sequence[str],
         match: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Fault]:
    on = st.fixed_dictionaries({}, optional={"resource": st.sampled_from(resources)})
    extra: dict[str, st.SearchStrategy[Any]] = {
        "status": st.fixed_dictionaries({"code": st.sampled_from([503, 500, 502, 504, 408, 400]),
                                         "body": st.sampled_from(["json", "html", "empty"])}),
        "rate_limited": st.fixed_dictionaries({"retry_after": _seconds(1, 90)}),
        "latency": st.fixed_dictionaries({"delay": _seconds(1, 45)}),
        "refused_chunk": st.fixed_dictionaries({"status": st.sampled_from([422, 400, 409])}),
        "poison": st.fixed_dictionaries({"keys": st.lists(
            st.sampled_from([f"r{i}" for i in range(1, 6)] + [f"k{i}" for i in range(10)]),
            min_size=1, max_size=2, unique=True)}),
        "token_bucket": st.fixed_dictionaries({"capacity": st.integers(1, 3),
                                               "refill_per_second": st.sampled_from(
                                                   [0.01, 0.1, 1.0])}),
    }
    args = extra.get(kind, st.just({}))
    build = CONSTRUCTORS[kind]
    return st.builds(lambda a, m, o: build(**a, **m, **o), args, match, on)


def _partner(kind: str, targets: st.SearchStrategy[str],
             match: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Fault]:
    extra: dict[str, st.SearchStrategy[Any]] = {
        "status": st.fixed_dictionaries({"code": st.sampled_from([503, 500, 502, 429, 404]),
                                         "body": st.sampled_from(["json", "html", "text"])}),
        "rate_limited": st.fixed_dictionaries({"retry_after": _seconds(1, 90)}),
        "latency": st.fixed_dictionaries({"delay": _seconds(1, 45)}),
        "duplicate_page": st.fixed_dictionaries({"count": st.integers(1, 3)}),
    }
    args = extra.get(kind, st.just({}))
    build = CONSTRUCTORS[kind]
    page_effect = kind in ("null_page", "error_page", "duplicate_page", "reordered_page")
    # A page effect does not apply to a listing of sources: keep those to record streams.
    target = targets.filter(lambda x: not x.endswith("/sources")) if page_effect else targets
    return st.builds(lambda a, m, tgt: build(**a, **m, target=tgt), args, match, target)


def policies(*, max_lag: int | None = None, builder: bool = False
             ) -> st.SearchStrategy[dict[str, Any]]:
    """World policies: ``tolerate_rejects`` (strict, tolerant or a ratio), ``overlap_seconds``
    (at least 1 s, the stamp granularity), ``backfill_days``, a partner clock ``skew`` and
    ``lag`` the overlap covers, ``batch_size`` when the integration is a builder, and the
    ``start`` of simulated time (one of :data:`STARTS`).

    A record's lateness (the partner clock's lag, plus how late it becomes readable, plus
    a clock that steps back) stays within the overlap: beyond it is the known hazard
    ``clock_skew_loss`` shows, not a bug of the engine. Each of the three takes at most a
    quarter of the overlap (:data:`LATENESS_SHARE`).
    """
    def build(tolerate: Any, overlap: int, backfill: int, skew_part: float, lag_part: float,
              batch: int, start: datetime) -> dict[str, Any]:
        share = overlap * LATENESS_SHARE
        lag = min(int(share * lag_part), max_lag if max_lag is not None else overlap)
        out: dict[str, Any] = {
            "tolerate_rejects": tolerate, "overlap_seconds": overlap, "backfill_days": backfill,
            "skew": format_duration(timedelta(seconds=-int(share * skew_part))),
            "lag": f"{lag}s", "start": start,
        }
        if builder:
            out["batch_size"] = batch
        return out

    return st.builds(
        build,
        st.one_of(st.just(False), st.just(True), st.sampled_from([0.2, 0.5])),
        st.sampled_from([1, 60, 120, 600]),
        st.sampled_from([365, 30, 1]),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.sampled_from([500, 2, 3]),
        st.sampled_from(STARTS),
    )


def timelines(adapter: Adapter, *, max_steps: int = 20, sources: Sequence[str] = DEFAULT_SOURCES,
              overlap_seconds: int = 60) -> st.SearchStrategy[list[t.Step]]:
    """Timelines of DSL steps over the adapter's streams: ticks, time, faults on and off,
    writes, clock steps (back by no more than the overlap), crashes, full backfills,
    webhooks and a second worker (shrinks towards fewer, simpler steps)."""
    if max_steps < 1:
        raise InvalidArgument(f"timelines(max_steps={max_steps}) must be >= 1.")

    @st.composite
    def build(draw: st.DrawFn) -> list[t.Step]:
        steps: list[t.Step] = []
        on: list[str] = []
        keys: dict[str, str] = {}
        for n in range(draw(st.integers(1, max_steps))):
            step = draw(_step(adapter, sources, overlap_seconds, on, keys, n))
            steps.append(step)
        return steps

    return build()


def _step(adapter: Adapter, sources: Sequence[str], overlap: int, on: list[str],
          keys: dict[str, str], n: int) -> st.SearchStrategy[t.Step]:
    refs = stream_refs(adapter, sources=sources)

    def add(ref: str, lag: int, poisoned: bool) -> t.Step:
        key = f"k{n}"
        keys[key] = ref
        return t.add(record(key, stream=ref, lag=f"{lag}s", poisoned=poisoned))

    def fault_on(fault: Fault) -> t.Step:
        name = f"f{n}"
        on.append(name)
        return t.fault_on(name, fault)

    def fault_off(index: int) -> t.Step:
        return t.fault_off(on.pop(index % len(on)))

    options: list[st.SearchStrategy[t.Step]] = [
        st.just(t.tick()),
        st.integers(10, 600).map(lambda s: t.advance(f"{s}s")),
        st.integers(1, 5).map(lambda m: t.run_for(f"{m}m", every="1m")),
        st.builds(add, refs, st.integers(0, int(overlap * LATENESS_SHARE)),
                  st.integers(0, 9).map(lambda i: i == 0)),
        faults(adapter, sources=sources).map(fault_on),
        st.integers(1, max(1, int(overlap * LATENESS_SHARE))).map(
            lambda s: t.clock_step(f"-{s}s") if overlap * LATENESS_SHARE >= 1 else t.tick()),
        st.builds(lambda p, k: t.crash(at=p, nth=k), st.sampled_from(CRASH_POINTS),
                  st.integers(1, 2)),
        st.just(t.full_backfill()),
        st.just(t.webhook("sync")),
        st.just(t.tick(workers=2)),
    ]
    if on:
        options.append(st.integers(0, 10).map(fault_off))
    live = [k for k in keys]
    if live:
        options.append(st.builds(lambda k: t.update(k, stream=keys[k], first_name=f"v{n}"),
                                 st.sampled_from(live)))
    return st.one_of(options)


def scenarios(integration: Any = None, *, adapter: Adapter | None = None, max_steps: int = 20
              ) -> st.SearchStrategy[Scenario]:
    """Whole scenarios for ``integration`` + ``adapter`` (the reference Demo POS by default):
    a world from :func:`policies` and :func:`records`, and a :func:`timelines` timeline."""
    if adapter is None:
        from spmkit_testing.reference import build_reference_integration, reference_adapter

        adapter, integration = reference_adapter, integration or build_reference_integration
    builder = integration is not None and not hasattr(integration, "sync_steps")

    @st.composite
    def build(draw: st.DrawFn) -> Scenario:
        policy = draw(policies(builder=builder))
        world = World(seed=draw(st.integers(0, 2**16)),
                      records=draw(records(adapter, max_lag=0)), **policy)
        timeline = draw(timelines(adapter, max_steps=max_steps,
                                  overlap_seconds=int(world.overlap_seconds)))
        return Scenario("generated", "Drawn by spmkit_testing.strategies.scenarios().",
                        world=world, timeline=timeline)

    return build()
