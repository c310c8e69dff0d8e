"""The static checks of the conformance suite: what an integration and its adapter declare.

Each check is a function ``(integration, adapter) -> problems`` (an empty list: it holds),
speaking to the integration's author. They read the declarations; the provisioning check
also runs one clean tick of a simulated world, because only the steps can tell which data
sources and custom-data definitions they push through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when a check runs: loading the plugin must stay cheap
    from spmkit import Integration
    from spmkit_testing.adapter import Adapter

__all__ = ["STATIC_CHECKS", "StaticCheck", "built_integration"]

Problems = list[str]


@dataclass(frozen=True)
class StaticCheck:
    """One static check: a stable ``name`` (the pytest id ``conformance::static::<name>``),
    what it ``checks`` in one sentence, and the function returning the problems found."""

    name: str
    checks: str
    run: Callable[[Integration, Adapter], Problems]

    def problems(self, integration: Integration, adapter: Adapter) -> Problems:
        """What is wrong (empty: the check holds)."""
        return self.run(integration, adapter)


def built_integration(integration: Integration | Callable[..., Integration]) -> Integration:
    """The :class:`~spmkit.Integration` itself, calling a builder with its defaults."""
    from spmkit import Integration, InvalidArgument

    if isinstance(integration, Integration):
        return integration
    built = integration()
    if not isinstance(built, Integration):
        raise InvalidArgument(f"the integration builder {integration!r} returned {built!r}, "
                              f"not an Integration from spmkit.define_integration(...)")
    return built


def _streams(adapter: Adapter) -> dict[str, Any]:
    return {s.name: s for s in adapter.streams}


def _entities_and_resources(integration: Integration, adapter: Adapter) -> Problems:
    from spmkit import BULK_RESOURCES

    out: Problems = []
    streams = _streams(adapter)
    pushable = sorted(r for r in BULK_RESOURCES if r != "custom-data-records")
    for step in integration.sync_steps:
        if not isinstance(step.entity, str) or not step.entity.strip():
            out.append(f"a step has no entity (entity={step.entity!r}); name the entity it "
                       f"syncs, such as SyncStep(entity='customers', ...)")
            continue
        stream = streams.get(step.entity)
        if stream is None:
            out.append(f"step {step.entity!r}: its bulk resource is unknown, because the "
                       f"adapter has no Stream({step.entity!r}, resource=...) for it")
        elif stream.resource not in pushable:
            out.append(f"step {step.entity!r}: resource {stream.resource!r} is not a ShopiMind "
                       f"bulk resource; choose one of: {', '.join(pushable)}")
    return out


def _sources_declared(integration: Integration, adapter: Adapter) -> Problems:
    out: Problems = []
    streams = _streams(adapter)
    for step in integration.sync_steps:
        if step.cursor_scope == "per-source" and not callable(step.sources):
            out.append(f"step {step.entity!r} keeps one cursor per source but declares no "
                       f"sources: pass sources=lambda ctx: [...] returning the source keys")
        if step.cursor_scope == "global" and step.sources is not None:
            out.append(f"step {step.entity!r} declares sources= but its cursor_scope is "
                       f"'global', so the engine never calls them: use "
                       f"cursor_scope='per-source' or drop sources=")
        stream = streams.get(step.entity)
        if stream is not None and stream.per_source != (step.cursor_scope == "per-source"):
            out.append(f"step {step.entity!r}: cursor_scope={step.cursor_scope!r} but the "
                       f"adapter's stream says per_source={stream.per_source}; make them agree")
    return out


def _policies(integration: Integration, adapter: Adapter) -> Problems:
    out: Problems = []
    for step in integration.sync_steps:
        policy = step.tolerate_rejects
        if isinstance(policy, bool):
            continue
        if not isinstance(policy, int | float) or not 0.0 <= float(policy) <= 1.0:
            out.append(f"step {step.entity!r}: tolerate_rejects={policy!r} is out of range; use "
                       f"False (strict), True, or a max reject ratio between 0.0 and 1.0")
    return out


def _provisioning(integration: Integration, adapter: Adapter) -> Problems:
    from spmkit import InvalidArgument
    from spmkit_testing.sim import Simulation, Target, World, records

    out: Problems = []
    try:
        sim = Simulation(World(records=[records(2)]), Target(integration, adapter))
    except InvalidArgument as exc:
        return [f"could not build a simulated world of the integration: {exc}"]
    try:
        ids = sim.provisioned
        declared = set(getattr(ids, "data_sources", {}) or {})
        for stream in adapter.streams:
            keys = sim.partner.sources if stream.per_source else [""]
            for key in keys:
                wanted = stream.data_source_of(key)
                if wanted is not None and wanted not in declared:
                    out.append(f"stream {stream.name!r}: the adapter says its items go through "
                               f"data source {wanted!r}, which provisioning does not declare "
                               f"(declared: {', '.join(sorted(declared)) or 'none'}); add "
                               f"DataSourceSpec({wanted!r}, ...) to Provisioning(...)")
        sim.tick()
        for tick_trace in sim.trace:
            for step in tick_trace.steps:
                out += [f"step-source {step.where}: {error}" for error in step.errors
                        if "not provisioned" in error]
    finally:
        sim.close()
    return sorted(set(out), key=out.index)


def _adapter_covers(integration: Integration, adapter: Adapter) -> Problems:
    from spmkit import InvalidArgument

    try:
        adapter.check(integration)
    except InvalidArgument as exc:
        return [str(exc).split("\nA valid adapter looks like:")[0]]
    return []


STATIC_CHECKS: tuple[StaticCheck, ...] = (
    StaticCheck("steps_have_entities_and_bulk_resources",
                "every step has an entity and pushes to a known ShopiMind bulk resource",
                _entities_and_resources),
    StaticCheck("per_source_steps_declare_sources",
                "every per-source step declares its sources, and only those do",
                _sources_declared),
    StaticCheck("policies_in_range",
                "every step's tolerate_rejects is False, True or a ratio in [0, 1]", _policies),
    StaticCheck("provisioning_declares_what_steps_use",
                "provisioning declares every data source and custom-data definition that "
                "the steps push through (with_source / custom_data)", _provisioning),
    StaticCheck("adapter_covers_every_step",
                "the adapter has one stream per step, with the same cursor scope",
                _adapter_covers),
)
"""The static checks, in the order the suite runs them."""
