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

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from hypothesis import strategies as st

from spmkit import BULK_RESOURCES, InvalidArgument
from spmkit_testing._dsl import format_duration
from spmkit_testing.adapter import Adapter
from spmkit_testing.faults import EFFECTS, Draw, Fault, Ints, Sample, Seconds, Side
from spmkit_testing.partner import DEFAULT_SOURCES, fake_payload
from spmkit_testing.scenario import (
    LATENESS_SHARE,
    AnyFault,
    Arg,
    CrashPoint,
    Drawing,
    Scenario,
    Step,
    StreamRef,
    World,
    rules,
)
from spmkit_testing.sim import CRASH_POINTS, DEFAULT_START, Record, record

__all__ = [
    "API_FAULT_KINDS",
    "argument",
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

_T = TypeVar("_T")
#: The fault kinds the property check draws on the ShopiMind API, in registry order.
API_FAULT_KINDS = tuple(verb for verb, kind in EFFECTS.items() if kind.drawn_on("api"))
#: The fault kinds it draws on the partner, in registry order.
PARTNER_FAULT_KINDS = tuple(verb for verb, kind in EFFECTS.items() if kind.drawn_on("partner"))
STARTS = (DEFAULT_START, datetime(2041, 6, 1, tzinfo=UTC))
"""Where a world's simulated time starts: the harness's default start (2026-01-01), and a
date in 2041, years after any machine's own date, where a read of the wall clock
instead of the simulated one shows."""
_INVALID = {"customers": {"email": "not-an-email"}, "orders": {"amount": "ten euros"},
            "products": {"price": "free"}}


class _Named(st.SearchStrategy[_T]):
    """A strategy whose repr is the call that made it (``faults(adapter='acme', ...)``),
    not the tree of maps and lambdas inside."""

    def __init__(self, inner: st.SearchStrategy[_T], call: str) -> None:
        super().__init__()
        self._inner, self._call = inner, call

    def do_draw(self, data: Any) -> _T:
        drawn: _T = data.draw(self._inner)
        return drawn

    def __repr__(self) -> str:
        return self._call


def _named(inner: st.SearchStrategy[_T], name: str, *args: Any, **options: Any
           ) -> st.SearchStrategy[_T]:
    shown = [repr(_shown(a)) for a in args]
    shown += [f"{k}={_shown(v)!r}" for k, v in options.items()]
    return _Named(inner, f"{name}({', '.join(shown)})")


def _shown(value: Any) -> Any:
    if isinstance(value, Adapter):
        return value.name or "adapter"
    if isinstance(value, tuple | list):
        return list(value)
    return value


def _check_non_negative(call: str, **values: float) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InvalidArgument(f"{call}({name}={value!r}): {name} must be a number >= 0.")


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
    _check_adapter("records", adapter)
    _check_non_negative("records", min_size=min_size, max_lag=max_lag, poisoned=poisoned)
    if poisoned > 1:
        raise InvalidArgument(f"records(poisoned={poisoned!r}): a fraction between 0 and 1.")
    if max_size is not None and max_size < min_size:
        raise InvalidArgument(f"records(min_size={min_size}, max_size={max_size}): "
                              f"max_size must be >= min_size.")
    one = st.tuples(stream_refs(adapter, sources=sources), st.integers(-3600, 0),
                    st.integers(0, max_lag), st.floats(0, 1))

    def build(rows: list[tuple[str, int, int, float]]) -> list[Record]:
        # roll shrinks towards 0: a record is poisoned only when it rolled near 1.
        return [record(f"r{i}", stream=ref, at=f"{at}s" if at else None, lag=f"{lag}s",
                       poisoned=roll > 1 - poisoned)
                for i, (ref, at, lag, roll) in enumerate(rows, start=1)]

    return _named(st.lists(one, min_size=min_size, max_size=max_size).map(build), "records",
                  adapter, sources=sources, min_size=min_size, max_size=max_size,
                  max_lag=max_lag, poisoned=poisoned)


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
    _check_adapter("faults", adapter)
    if side not in (None, "api", "partner"):
        raise InvalidArgument(f"faults(side={side!r}): use 'api', 'partner' or None.")
    if isinstance(kinds, str):
        raise InvalidArgument(f"faults(kinds={kinds!r}): pass a list of kinds, such as "
                              f"kinds=[{kinds!r}].")
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
        options += _weighted("api", chosen, lambda kind: _api(kind, resources, match))
    if side in (None, "partner") and "pages" in adapter.capabilities:
        targets = st.sampled_from(_targets(adapter, sources))
        options += _weighted("partner", chosen, lambda kind: _partner(kind, targets, match))
    if not options:
        raise InvalidArgument(f"faults(side={side!r}, kinds={kinds!r}) can draw nothing for "
                              f"this adapter.")
    return _named(st.one_of(options), "faults", adapter, side=side, kinds=kinds,
                  sources=sources)


def _weighted(side: Side, chosen: set[str] | None,
              build: Callable[[str], st.SearchStrategy[Fault]]) -> list[st.SearchStrategy[Fault]]:
    """One option per kind drawn on ``side`` (of ``chosen``), then one more for each kind
    whose ``weight`` asks to be drawn more often."""
    kinds = [verb for verb, kind in EFFECTS.items() if kind.drawn_on(side)
             and (chosen is None or verb in chosen)]
    options = [build(kind) for kind in kinds]
    for round_ in range(2, 1 + max((EFFECTS[k].effect.weight.get(side, 1) for k in kinds),
                                   default=1)):
        options += [build(kind) for kind in kinds
                    if EFFECTS[kind].effect.weight.get(side, 1) >= round_]
    return options


def _arguments(kind: str, side: Side) -> st.SearchStrategy[dict[str, Any]]:
    """The constructor arguments of ``kind`` the effect declares for ``side``."""
    declared = EFFECTS[kind].effect.draws.get(side, {})
    if not declared:
        return st.just({})
    return st.fixed_dictionaries({name: _strategy(draw) for name, draw in declared.items()})


def _strategy(draw: Draw) -> st.SearchStrategy[Any]:
    if isinstance(draw, Sample):
        return st.sampled_from(list(draw.values))
    if isinstance(draw, Ints):
        return st.integers(draw.low, draw.high)
    if isinstance(draw, Seconds):
        return _seconds(draw.low, draw.high)
    return st.lists(st.sampled_from(list(draw.values)), min_size=draw.min_size,
                    max_size=draw.max_size, unique=True)


def _api(kind: str, resources: Sequence[str],
         match: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Fault]:
    on = st.fixed_dictionaries({}, optional={"resource": st.sampled_from(resources)})
    build = EFFECTS[kind].constructor
    return st.builds(lambda a, m, o: build(**a, **m, **o), _arguments(kind, "api"), match, on)


def _partner(kind: str, targets: st.SearchStrategy[str],
             match: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Fault]:
    build = EFFECTS[kind].constructor
    # An effect that does not apply to a listing of sources keeps to record streams.
    target = targets if EFFECTS[kind].effect.on_listings else targets.filter(
        lambda x: not x.endswith("/sources"))
    return st.builds(lambda a, m, tgt: build(**a, **m, target=tgt), _arguments(kind, "partner"),
                     match, target)


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
    if max_lag is not None:
        _check_non_negative("policies", max_lag=max_lag)

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

    return _named(st.builds(
        build,
        st.one_of(st.just(False), st.just(True), st.sampled_from([0.2, 0.5])),
        st.sampled_from([1, 60, 120, 600]),
        st.sampled_from([365, 30, 1]),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.sampled_from([0.0, 0.5, 1.0]),
        st.sampled_from([500, 2, 3]),
        st.sampled_from(STARTS),
    ), "policies", max_lag=max_lag, builder=builder)


def argument(arg: Arg, adapter: Adapter, *, sources: Sequence[str] = DEFAULT_SOURCES
             ) -> st.SearchStrategy[Any]:
    """The strategy of one argument a verb's :class:`~spmkit_testing.scenario.Rule` draws."""
    if isinstance(arg, StreamRef):
        return stream_refs(adapter, sources=sources)
    if isinstance(arg, AnyFault):
        return faults(adapter, sources=sources)
    if isinstance(arg, CrashPoint):
        return st.sampled_from((*adapter.crash_points, *CRASH_POINTS, *arg.often))
    return _strategy(arg)


def timelines(adapter: Adapter, *, max_steps: int = 20, sources: Sequence[str] = DEFAULT_SOURCES,
              overlap_seconds: int = 60) -> st.SearchStrategy[list[Step]]:
    """Timelines of DSL steps over the adapter's streams, drawn by the same rules as the
    property check (:func:`spmkit_testing.scenario.rules`): ticks, time, faults on and off,
    writes, clock steps (back by no more than a share of the overlap), crashes, full
    backfills, webhooks and a second worker (shrinks towards fewer, simpler steps)."""
    _check_adapter("timelines", adapter)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise InvalidArgument(f"timelines(max_steps={max_steps!r}) must be an int >= 1.")
    _check_non_negative("timelines", overlap_seconds=overlap_seconds)
    table = rules()
    # Built once: a strategy tree is costly.
    drawn = {r.name: {name: argument(arg, adapter, sources=sources)
                      for name, arg in r.args.items()} for r in table}

    @st.composite
    def build(draw: st.DrawFn) -> list[Step]:
        drawing = Drawing(overlap_seconds, lambda values: draw(st.sampled_from(values)))
        steps: list[Step] = []
        for n in range(draw(st.integers(1, max_steps))):
            drawing.steps = n
            chosen = draw(st.sampled_from([r for r in table if r.when(drawing)]))
            values = {name: draw(strategy) for name, strategy in drawn[chosen.name].items()}
            steps.append(chosen.build(drawing, **values))
        return steps

    return _named(build(), "timelines", adapter, max_steps=max_steps, sources=sources,
                  overlap_seconds=overlap_seconds)


def scenarios(integration: Any = None, *, adapter: Adapter | None = None, max_steps: int = 20
              ) -> st.SearchStrategy[Scenario]:
    """Whole scenarios for ``integration`` + ``adapter`` (the reference Demo POS by default):
    a world from :func:`policies` and :func:`records`, and a :func:`timelines` timeline."""
    if adapter is None:
        from spmkit_testing.reference import build_reference_integration, reference_adapter

        if integration is not None:
            raise InvalidArgument("scenarios(integration, adapter=...): name the adapter of "
                                  "your integration (spmkit_testing.Adapter).")
        adapter, integration = reference_adapter, build_reference_integration
    _check_adapter("scenarios", adapter)
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

    return _named(build(), "scenarios", integration=getattr(
        integration, "slug", None) or getattr(integration, "__name__", None),
        adapter=adapter, max_steps=max_steps)


def _check_adapter(call: str, adapter: Any) -> None:
    if not isinstance(adapter, Adapter):
        raise InvalidArgument(f"{call}(adapter): expected a spmkit_testing.Adapter, got "
                              f"{type(adapter).__name__} {adapter!r:.60}.")
