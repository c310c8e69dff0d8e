"""Property test of the golden cursor rule for any integration: :func:`check_golden_rule`.

Hypothesis drives a state machine over the Simulation's verbs (partner writes, ticks,
time, faults on and off, clock steps, crashes, full backfills, webhooks, a second
worker), the oracle checks every tick, and once the run ends the world settles (faults
off, partner quiet) so that the progress invariant I10 is checked too. When a run
breaks the rule, Hypothesis shrinks it and the shrunk run is written as a scenario file
that replays the same failure::

    from spmkit_testing.stateful import check_golden_rule

    def test_my_integration_keeps_the_golden_rule():
        check_golden_rule(my_integration, adapter=my_adapter)

The machine is built inside the function, closed over the integration and its adapter;
nobody subclasses it. Select the budget with the usual ``--hypothesis-profile``
(``spmkit-dev``: fast, ``spmkit-ci``: more examples, derandomized) or ``settings=``.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import Phase, event
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.control import current_build_context
from hypothesis.database import ExampleDatabase
from hypothesis.internal.conjecture.data import Status
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from spmkit import Integration
from spmkit_testing import strategies as sst
from spmkit_testing._names import importable_name
from spmkit_testing._profiles import (
    CI_PROFILE,
    DEV_PROFILE,
    register_profiles,
    slow_health_checks,
)
from spmkit_testing.adapter import Adapter
from spmkit_testing.faults import Fault
from spmkit_testing.oracle import INVARIANTS, Violation
from spmkit_testing.partner import DEFAULT_SOURCES
from spmkit_testing.scenario import (
    Drawing,
    Rule,
    Scenario,
    Step,
    World,
    apply_step,
    rules,
    run_scenario,
    simulate,
)
from spmkit_testing.sim import CRASH_POINTS, Simulation, Target

__all__ = [
    "check_golden_rule",
    "CI_PROFILE",
    "Coverage",
    "DEFAULT_COUNTEREXAMPLES",
    "DERANDOMIZED_SEED",
    "DEV_PROFILE",
    "golden_rule_machine",
    "GoldenRuleBroken",
    "Proof",
    "register_profiles",
    "verb_names",
]

#: The seed of a derandomized run (``spmkit-ci``) when none is given.
DERANDOMIZED_SEED = 0
DEFAULT_COUNTEREXAMPLES = Path(".spmkit") / "counterexamples"
_SLOW = slow_health_checks()
_CUT_SHORT = (Status.OVERRUN, Status.INVALID)


@dataclass
class Coverage:
    """What the property run exercised: fault kinds that fired, crash points, verbs, and the
    situations that make each invariant's check meaningful (counts over all examples)."""

    faults: Counter[str] = field(default_factory=Counter)
    crash_points: Counter[str] = field(default_factory=Counter)
    #: The crash points the run could reach (the integration's own, then the engine's).
    points: tuple[str, ...] = CRASH_POINTS
    verbs: Counter[str] = field(default_factory=Counter)
    invariants: Counter[str] = field(default_factory=Counter)

    def note_trace(self, ticks: Sequence[Any]) -> None:
        """Count the crash points that fired in these ticks (not those only armed)."""
        for tick in ticks:
            if tick.crashed_at is not None and tick.status == "crashed":
                self.crash_points[tick.crashed_at] += 1

    def unreached(self, kinds: Sequence[str]) -> list[str]:
        """Everything that never happened, by name."""
        out = [f"fault {k}" for k in kinds if not self.faults[k]]
        out += [f"crash point {p}" for p in self.points if not self.crash_points[p]]
        out += [f"verb {v}" for v in verb_names() if not self.verbs[v]]
        out += [f"invariant {i} ({INVARIANTS[i].exercised_by})" for i in INVARIANTS
                if not self.invariants[i]]
        return out

    def table(self, kinds: Sequence[str]) -> str:
        """A text table of the fault space covered, then what was never reached."""
        rows = [("fault kinds", kinds, self.faults), ("crash points", self.points,
                                                     self.crash_points),
                ("verbs", verb_names(), self.verbs), ("invariant checks", tuple(INVARIANTS),
                                               self.invariants)]
        lines = []
        for title, names, counts in rows:
            reached = sum(1 for n in names if counts[n])
            lines.append(f"{title} ({reached}/{len(names)} reached):")
            lines += [f"  {n:<20} {counts[n]:>7,}" for n in names]
        missing = self.unreached(kinds)
        lines.append("never reached: " + (", ".join(missing) if missing else "nothing"))
        return "\n".join(lines)


@dataclass(frozen=True)
class Proof:
    """What a passing property run did: examples, wall seconds, the coverage."""

    examples: int
    seconds: float
    coverage: Coverage
    fault_kinds: tuple[str, ...]
    #: Of ``examples``, those Hypothesis cut short while drawing (not in ``max_examples``).
    discarded: int = 0

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds if self.seconds > 0 else math.inf


class GoldenRuleBroken(AssertionError):
    """The property run found a run that breaks the golden rule; ``path`` is the shrunk
    counterexample written as a scenario file and ``replay`` the command that replays it."""

    def __init__(self, message: str, *, path: Path, replay: str, violation: BaseException,
                 proof: Proof) -> None:
        super().__init__(message)
        self.path, self.replay, self.violation, self.proof = path, replay, violation, proof


@contextmanager
def _same_draws_in_any_process() -> Iterator[None]:
    """Hypothesis mixes into its draws the literal constants of every "local" module it
    finds in ``sys.modules`` (code outside site-packages), so the same seed drew other
    durations in a pytest worker that had imported other test files than in a fresh
    process. Pin that pool to empty for the run: same seed, same examples, anywhere."""
    from hypothesis.internal.conjecture import providers

    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # a Hypothesis without the feature: nothing to pin
        yield
        return
    empty = type(providers.GLOBAL_CONSTANTS)()
    setattr(providers, "_get_local_constants", lambda: empty)  # noqa: B010
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        setattr(providers, "_get_local_constants", original)  # noqa: B010
        providers.CONSTANTS_CACHE.cache.clear()


@dataclass
class _Holder:
    coverage: Coverage
    examples: int = 0
    discarded: int = 0
    failure: tuple[World, list[Step], BaseException] | None = None


def _machine(integration: Any, adapter: Adapter, holder: _Holder, *, builder: bool,
             progress: Callable[[int], None] | None) -> type[RuleBasedStateMachine]:
    sources = DEFAULT_SOURCES
    target = Target(integration, adapter)

    class SyncMachine(RuleBasedStateMachine):
        """A world of the integration under test, driven one Simulation verb at a time."""

        def __init__(self) -> None:
            super().__init__()
            holder.examples += 1
            if progress is not None:
                progress(holder.examples)
            self.sim: Simulation | None = None
            self.world: World | None = None
            self.steps: list[Step] = []
            self.broken = False
            self.data: st.DataObject | None = None
            self.drawing = Drawing(1, self._pick)

        def _pick(self, values: Sequence[Any]) -> Any:
            assert self.data is not None, "a rule that picks draws with data=st.data()"
            return self.data.draw(st.sampled_from(values))

        @initialize(seed=st.integers(0, 2**16), policy=sst.policies(builder=builder, max_lag=0),
                    initial=sst.records(adapter, sources=sources, min_size=2, max_size=6),
                    flaky=st.lists(sst.faults(adapter, sources=sources), max_size=2))
        def world_(self, seed: int, policy: dict[str, Any], initial: list[Any],
                   flaky: list[Fault]) -> None:
            self.world = World(seed=seed, records=initial, **policy)
            self.drawing.overlap = int(self.world.overlap_seconds)
            self.drawing.keys.update({r.key: r.stream for r in initial})
            self.sim = simulate(self.world, target, label="the property run")
            # A world may start with faults on: they meet the first backfill's records.
            for fault in flaky:
                self.fault_on(fault=fault)  # type: ignore[attr-defined]

        def _do(self, verb: str, step: Step) -> None:
            assert self.sim is not None
            holder.coverage.verbs[verb] += 1
            event(f"verb: {verb}")
            self.steps.append(step)
            before = len(self.sim.trace)
            try:
                apply_step(self.sim, step)
            finally:
                holder.coverage.note_trace(self.sim.trace[before:])

        @invariant()
        def golden_rule(self) -> None:
            # A loss the overlap cannot cover (lateness beyond it) is the configuration's
            # known hazard, not a broken rule: the strategies keep it rare, this ignores it.
            broken = [v for v in self.sim.violations if not v.hazard] if self.sim else []
            if broken:
                self._broken(broken[0])

        def _broken(self, violation: BaseException) -> None:
            self.broken = True
            if current_build_context().is_final and self.world is not None:
                holder.failure = (self.world, list(self.steps), violation)
            raise violation

        def teardown(self) -> None:
            if self.sim is None:
                return
            sim = self.sim
            if current_build_context().data.status in _CUT_SHORT:
                holder.discarded += 1
            if sim.oracle is not None:
                holder.coverage.invariants.update(sim.oracle.exercised)
            data = sim.data_faults
            for stat in sim.faults.stats():
                if stat.fired and stat.handle.name and stat.handle not in data:
                    holder.coverage.faults[stat.handle.fault.effect.verb] += 1
                    event(f"fault fired: {stat.handle.fault.effect.verb}")
            try:
                if not self.broken:
                    found = [v for v in sim.settle() if not v.hazard]
                    holder.coverage.invariants["I10"] += 1
                    if found:
                        self._broken(found[0])
            finally:
                sim.close()

    for declared in rules():
        setattr(SyncMachine, declared.name, _rule(declared, adapter, sources))
    return SyncMachine


def golden_rule_machine(integration: Integration | Any, *, adapter: Adapter,
                        max_steps: int = 20, database_key: str | None = None,
                        settings: Settings | None = None) -> type[RuleBasedStateMachine]:
    """The property check's state machine, for a runner that drives it itself: HypoFuzz
    collects ``golden_rule_machine(integration, adapter=adapter).TestCase`` as a test.

    It breaks on the first violation of the golden rule (no shrinking into a scenario file:
    :func:`check_golden_rule` replays what the example database kept and writes that).
    ``database_key`` is the one :func:`check_golden_rule` was given, so both read the same
    failures; ``settings`` (default: the loaded profile) gets ``max_steps`` steps a run.
    """
    holder = _Holder(Coverage(points=(*adapter.crash_points, *CRASH_POINTS)))
    machine = _machine(integration, adapter, holder,
                       builder=not isinstance(integration, Integration), progress=None)
    if database_key is not None:
        machine._hypothesis_internal_add_digest = database_key.encode()
    base = settings if settings is not None else Settings()
    machine.TestCase.settings = Settings(
        base, stateful_step_count=max_steps, deadline=None,
        suppress_health_check=[*base.suppress_health_check, *_SLOW])
    return machine


def verb_names() -> tuple[str, ...]:
    """The names of the prover's rules, sorted (the coverage table's verbs)."""
    return tuple(sorted(r.name for r in rules()))


def _rule(declared: Rule, adapter: Adapter, sources: Sequence[str]) -> Any:
    """The state machine's rule for one verb's :class:`~spmkit_testing.scenario.Rule`."""
    drawn: dict[str, Any] = {name: sst.argument(arg, adapter, sources=sources)
                             for name, arg in declared.args.items()}
    if declared.picks:
        drawn["data"] = st.data()

    def run(self: Any, **values: Any) -> None:
        self.data = values.pop("data", None)
        self.drawing.steps = len(self.steps)
        if declared.event is not None:
            event(declared.event(**values))
        self._do(declared.name, declared.build(self.drawing, **values))

    run.__name__ = run.__qualname__ = declared.name
    when = declared.when
    decorate: Callable[[Callable[..., None]], Callable[..., None]] = rule(**drawn)
    return precondition(lambda self: when(self.drawing))(decorate(run))


def check_golden_rule(integration: Integration | Any = None, *, adapter: Adapter | None = None,
                      settings: Settings | None = None, max_steps: int = 20,
                      counterexamples: str | Path = DEFAULT_COUNTEREXAMPLES,
                      replay_integration: str | None = None, replay_adapter: str | None = None,
                      seed: int | None = None, shrink: str = "scenario",
                      progress: Callable[[int], None] | None = None,
                      database: ExampleDatabase | None = None,
                      database_key: str | None = None) -> Proof:
    """Search the fault space for a run of ``integration`` that breaks the golden rule.

    For example::

        def test_my_integration_keeps_the_golden_rule():
            check_golden_rule(my_integration, adapter=my_adapter)

    Without arguments it checks the reference Demo POS. ``settings`` defaults to the
    loaded Hypothesis profile (use ``--hypothesis-profile spmkit-ci``); every example runs
    up to ``max_steps`` verbs. Returns the :class:`Proof` (examples, time, coverage) when
    nothing broke; otherwise raises :class:`GoldenRuleBroken` after writing the shrunk run
    to ``counterexamples/<name>.py`` with its replay command (``replay_integration`` and
    ``replay_adapter`` are the ``module:attr`` names to show in it).

    ``shrink="scenario"`` (the default) reduces the failing run as a scenario (steps,
    records, policies and faults removed or made plainer while a replay still fails the
    same way): a few dozen replays. ``shrink="hypothesis"`` keeps Hypothesis' own shrinker
    of the whole choice sequence, which is thorough but takes minutes on these runs.
    ``database``: Hypothesis' example database (none by default: the verdict depends on the
    seed alone); ``database_key`` names the run in it (two integrations never share one).
    """
    if shrink not in ("scenario", "hypothesis"):
        raise ValueError(f"check_golden_rule(shrink={shrink!r}): use 'scenario' or "
                         f"'hypothesis'.")
    register_profiles()
    if adapter is None:
        from spmkit_testing.reference import build_reference_integration, reference_adapter

        if integration is not None:
            raise ValueError("check_golden_rule(integration, adapter=...): name the adapter "
                             "of your integration (spmkit_testing.Adapter).")
        integration, adapter = build_reference_integration, reference_adapter
        replay_integration = replay_integration or (
            "spmkit_testing.reference:build_reference_integration")
    if not isinstance(adapter, Adapter):
        raise ValueError(f"check_golden_rule(adapter=...): expected a spmkit_testing.Adapter, "
                         f"got {type(adapter).__name__} {adapter!r:.60}.")
    if not isinstance(integration, Integration) and not callable(integration):
        raise ValueError(f"check_golden_rule(integration): expected an spmkit Integration or "
                         f"a function that builds one, got {type(integration).__name__} "
                         f"{integration!r:.60}.")
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"check_golden_rule(max_steps={max_steps!r}): an int >= 1.")
    folder = Path(counterexamples)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"check_golden_rule(counterexamples={str(folder)!r}): that is a "
                         f"file; name a folder to write counterexample scenarios into.")
    base = settings if settings is not None else Settings()
    phases = [p for p in base.phases if shrink == "hypothesis" or p is not Phase.shrink]
    # No example database unless asked: a verdict must not depend on earlier runs on this
    # machine (a failure is kept as a scenario file instead).
    chosen = Settings(base, stateful_step_count=max_steps, deadline=None, phases=phases,
                      database=database,
                      suppress_health_check=[*base.suppress_health_check, *_SLOW])
    holder = _Holder(Coverage(points=(*adapter.crash_points, *CRASH_POINTS)))
    builder = not isinstance(integration, Integration)
    machine = _machine(integration, adapter, holder, builder=builder, progress=progress)
    if database_key is not None:  # what Hypothesis keys the example database by
        machine._hypothesis_internal_add_digest = database_key.encode()
    if seed is None and chosen.derandomize:
        # Derandomized Hypothesis seeds itself from the property's source code, so the same
        # examples would change with any edit of this module: seed it with a constant.
        seed = DERANDOMIZED_SEED
    if seed is not None:
        machine._hypothesis_internal_use_seed = seed
    kinds = tuple(sst.API_FAULT_KINDS) + tuple(
        k for k in sst.PARTNER_FAULT_KINDS if k not in sst.API_FAULT_KINDS)
    started = time.perf_counter()  # reporting only: never feeds the simulation
    try:
        with _same_draws_in_any_process():
            run_state_machine_as_test(machine, settings=chosen)
    except Exception as exc:
        proof = Proof(holder.examples, time.perf_counter() - started, holder.coverage, kinds,
                      holder.discarded)
        if holder.failure is None:
            raise
        world, steps, violation = holder.failure
        slug = str(getattr(integration, "slug", None) or getattr(integration, "__name__", "it"))
        found = Scenario("counterexample", world=world, timeline=steps)
        found, violation, replays = _reduce(found, violation, integration, adapter,
                                            shrink=shrink == "scenario")
        names = (replay_integration or importable_name(integration),
                 replay_adapter or importable_name(adapter))
        path, replay, pytest_line = _write(found, violation, slug, folder, *names)
        how = (f"replay it with:\n  {replay}\n  {pytest_line}" if replays else
               f"WARNING: replaying the written run did NOT break the rule again: something "
               f"the simulation does not control decides it (the wall clock, global state, "
               f"randomness of your own). Replay it with:\n  {replay}\n  {pytest_line}")
        if None in names:
            how += ("\n(replace MOD:ATTR with where your integration and adapter are defined, "
                    "or pass replay_integration= and replay_adapter=)")
        raise GoldenRuleBroken(
            f"the golden rule broke for {slug}: {_headline(violation)}\n"
            f"shrunk to {len(found.timeline)} timeline step(s), written to {path}\n{how}",
            path=path, replay=replay, violation=violation, proof=proof) from exc
    return Proof(holder.examples, time.perf_counter() - started, holder.coverage, kinds,
                 holder.discarded)


def _headline(violation: BaseException) -> str:
    return violation.one_line() if isinstance(violation, Violation) else (
        f"{type(violation).__name__}: {violation}")


def _reduce(found: Scenario, violation: BaseException, integration: Any, adapter: Adapter,
            *, shrink: bool) -> tuple[Scenario, BaseException, bool]:
    """The failing run as small as it goes, still breaking the same invariant on replay,
    and whether its replay breaks it at all."""
    from spmkit_testing._shrink import shrink_scenario

    want = getattr(violation, "invariant", None)
    last: list[BaseException] = [violation]

    def fails(candidate: Scenario) -> bool:
        result = run_scenario(candidate, integration=integration, adapter=adapter)
        broken = [v for v in result.violations if not v.hazard
                  and (want is None or v.invariant == want)]
        if broken:
            last[0] = broken[0]
        return bool(broken)

    if want is None or not fails(found):
        return found, violation, False  # it does not replay: keep it whole, say so
    if not shrink:
        return found, last[0], True
    smallest = shrink_scenario(found, fails)
    fails(smallest)  # the violation of the smallest, for the message
    return smallest, last[0], True


def _write(found: Scenario, violation: BaseException, slug: str, folder: Path,
           integration: str | None, adapter: str | None) -> tuple[Path, str, str]:
    label = getattr(violation, "invariant", "error")
    # The run's own digest in the name: two counterexamples (two pytest workers, two
    # integrations of one slug) never overwrite each other.
    digest = hashlib.sha256(Scenario("x", world=found.world, timeline=found.timeline)
                            .to_source().encode()).hexdigest()[:8]
    name = re.sub(r"\W+", "_", f"{slug}_{label}").strip("_").lower() or "counterexample"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}_{digest}.py"
    target = ""
    if adapter is not None or integration is not None:
        target = (f" --integration {integration or 'MOD:ATTR'}"
                  f" --adapter {adapter or 'MOD:ATTR'}")
    replay = f"spmkit run {path}{target}"
    pytest_line = f"pytest --scenario {path}" + (
        "" if not target else f" --spmkit-integration {integration or 'MOD:ATTR'}"
        f" --spmkit-adapter {adapter or 'MOD:ATTR'}")
    description = (f"A counterexample of the golden cursor rule found by spmkit's property "
                   f"check against {slug}, shrunk to {len(found.timeline)} step(s).\n\n"
                   f"{_headline(violation)}\n\nReplay: {replay}")
    scenario = Scenario(name, description, world=found.world, timeline=found.timeline)
    path.write_text(scenario.to_source(), encoding="utf-8")
    return path, replay, pytest_line
