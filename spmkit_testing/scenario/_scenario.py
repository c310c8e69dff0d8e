"""``Scenario`` and ``World``: a whole scenario as data, and its file form.

For example::

    scenario = Scenario(
        "poison_pill",
        "One refused record among good ones: the cursor holds, the rest arrive.",
        world=World(records=[record("c1"), record("c2", poisoned=True)],
                    tolerate_rejects=False),
        timeline=[advance("1m"), tick()],
        expect=[cursor_at(1, "global", "held"), present("global", "c1")],
    )
    print(scenario.to_source())   # a complete scenario file that replays identically
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from spmkit import StepSource
from spmkit_testing._dsl import ROLES, InvalidScenario, call_repr, check_str, show
from spmkit_testing.faults import Fault
from spmkit_testing.scenario._expect import Expectation, Violates
from spmkit_testing.scenario._verb import Step
from spmkit_testing.scenario._verbs_engine import Crash, FaultOn
from spmkit_testing.scenario._verbs_partner import Add
from spmkit_testing.sim import CRASH_POINTS, Factory, Record, Target, World

__all__ = ["CAPABILITIES", "Scenario"]

#: What a scenario may need of the integration (what an adapter says it has); a crash
#: point of the integration's own steps is needed as ``checkpoint:<name>``.
CAPABILITIES = ("global", "per-source", "sources-listing", "pages", "http")


def _as_tuple(value: Any, name: str) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidScenario(
            f"Scenario({name}=...) must be a list, got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    return tuple(value)


@dataclass(frozen=True)
class Scenario:
    """A named scenario: a world, a timeline of steps and the expectations.

    ``needs`` lists what the integration must have for the scenario to apply (see
    :data:`CAPABILITIES`; what the scenario's own text uses is added); one that does not
    apply is skipped with the reason. After the timeline the run settles (faults off,
    partner quiet) and the oracle's progress invariant I10 is checked, unless
    ``settle=False``. Run it with :func:`run_scenario`; write it out with :meth:`to_source`.
    """

    name: str
    description: str = ""
    world: World = field(default_factory=World)
    timeline: Sequence[Step] = ()
    expect: Sequence[Expectation] = ()
    needs: Sequence[str] = ()
    settle: bool = True
    target: Target | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InvalidScenario(
                f"Scenario name must be a snake_case identifier (it names the file), got "
                f"name={self.name!r}."
            )
        if not isinstance(self.description, str):
            raise InvalidScenario(f"description must be a str, got {self.description!r}.")
        if not isinstance(self.world, World):
            raise InvalidScenario(f"world must be World(...), got {self.world!r}.")
        object.__setattr__(self, "timeline", _as_tuple(self.timeline, "timeline"))
        object.__setattr__(self, "expect", _as_tuple(self.expect, "expect"))
        for step in self.timeline:
            if not isinstance(step, Step):
                raise InvalidScenario(
                    f"Scenario({self.name!r}, timeline=...): {step!r} is not a timeline step; use "
                    f"tick(), advance('1m'), run_for('5m'), fault_on(...), add(...)...")
        needs = _as_tuple(self.needs, "needs")
        for need in needs:
            check_str(need, "needs[]", choices=CAPABILITIES)
        object.__setattr__(self, "needs", needs)
        if not isinstance(self.settle, bool):
            raise InvalidScenario(f"settle must be True or False, got {self.settle!r}.")
        if self.target is not None and not isinstance(self.target, Target):
            raise InvalidScenario(f"target must be Target('package.module:attribute', ...), "
                                  f"got {self.target!r}.")

    def requirements(self) -> tuple[str, ...]:
        """What the integration must have: ``needs`` plus what the scenario uses (the stream
        roles it names, what its faults need, the crash points of the integration's own)."""
        found = set(self.needs)
        refs: list[str] = []
        faults: list[Fault] = list(self.world.faults)
        refs += _record_refs(self.world.records)
        for step in self.timeline:
            if isinstance(step, Add):
                refs += _record_refs(step.records)
            elif isinstance(step, FaultOn):
                faults.append(step.fault)
            elif isinstance(step, Crash) and step.at not in CRASH_POINTS:
                found.add(f"checkpoint:{step.at}")
            refs += _refs(step)
        for expectation in self.expect:
            refs += _refs(expectation)
        for fault in faults:
            found |= fault.needs()
        found |= {role for role in (_role(ref) for ref in refs) if role is not None}
        return tuple(sorted(found, key=lambda c: (CAPABILITIES.index(c)
                                                  if c in CAPABILITIES else len(CAPABILITIES), c)))

    @property
    def demonstrates(self) -> frozenset[str]:
        """The invariants the scenario expects the oracle to report (``violates(...)``): the
        hazard it demonstrates (none for a scenario that expects no violation)."""
        return frozenset(e.invariant for e in self.expect if isinstance(e, Violates))

    @property
    def summary(self) -> str:
        """The first line of the description."""
        return self.description.strip().splitlines()[0] if self.description.strip() else ""

    def __repr__(self) -> str:
        return call_repr("Scenario", self, positional=("name",))

    def to_source(self) -> str:
        """A complete scenario file (docstring, imports, ``scenario = Scenario(...)``).

        Loading it with :func:`load_scenario` gives a scenario equal to this one.
        """
        doc = _docstring(self.description)
        body = [f"    {self.name!r},"]
        body.append("    description=__doc__," if doc.startswith('"""') and self.description
                    else f"    description={self.description!r},")
        if self.world != World():
            body.append(f"    world={_world_source(self.world)},")
        if self.target is not None:
            body.append(f"    target={self.target!r},")
        if self.needs:
            body.append(f"    needs={show(list(self.needs))},")
        for name, items in (("timeline", self.timeline), ("expect", self.expect)):
            body.append(f"    {name}=[")
            body.extend(f"        {show(item)}," for item in items)
            body.append("    ],")
        if not self.settle:
            body.append("    settle=False,")
        text = "\n".join(body)
        import spmkit_testing.scenario as dsl

        exported = set(dsl.__all__)
        used = {n for n in re.findall(r"\b([A-Za-z_]\w*)\(", text) if n in exported}
        used.add("Scenario")
        names = sorted(used, key=lambda n: (not n[0].isupper(), n))
        imports = "".join(f"    {n},\n" for n in names)
        return (f"{doc}\n\nfrom __future__ import annotations\n\n"
                f"from spmkit_testing.scenario import (\n{imports})\n\n"
                f"scenario = Scenario(\n{text}\n)\n")


def _record_refs(items: Sequence[Record | Factory]) -> list[str]:
    return [item.stream for item in items if item.stream is not None]


def _refs(element: object) -> list[str]:
    """The stream-sources a step or an expectation names (its ``stream``/``source`` fields)."""
    return [value for f in fields(element)  # type: ignore[arg-type]
            if f.name in ("stream", "source") and isinstance(value := getattr(element, f.name),
                                                             str)]


def _role(ref: str) -> str | None:
    """``"global"`` for ``"global"``, ``"per-source"`` for ``"per-source@store-1"``."""
    try:
        entity = StepSource.parse(ref).entity
    except ValueError:
        return None
    return entity if entity in ROLES else None


def _world_source(world: World) -> str:
    """``World(...)`` over several lines, one record per line."""
    lines = ["World("]
    for f in fields(world):
        value = getattr(world, f.name)
        if value == f.default:
            continue
        if f.name == "records":
            lines.append("        records=[")
            lines.extend(f"            {r!r}," for r in value)
            lines.append("        ],")
        else:
            lines.append(f"        {f.name}={show(value)},")
    lines.append("    )")
    return "\n".join(lines)


def _docstring(text: str) -> str:
    safe = '"""' not in text and "\\" not in text and not text.endswith('"')
    if safe and text:
        return f'"""{text}"""'
    return repr(text) if text else '"""(no description)"""'
