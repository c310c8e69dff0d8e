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
from datetime import datetime, timedelta
from typing import Any

from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    parse_duration,
    parse_instant,
    show,
)
from spmkit_testing.partner import DEFAULT_SOURCES
from spmkit_testing.scenario._expect import Expectation
from spmkit_testing.scenario._records import Factory, Record
from spmkit_testing.scenario._timeline import STEP_TYPES, Step
from spmkit_testing.simulation import DEFAULT_START

__all__ = ["CAPABILITIES", "DEFAULT_START", "STORE_KINDS", "Scenario", "World"]

STORE_KINDS = ("memory", "sqlite")
#: What a scenario may need of the integration (what an adapter says it has).
CAPABILITIES = ("global", "per-source", "sources-listing", "pages", "http")


@dataclass(frozen=True)
class World:
    """The world a scenario starts from.

    * ``seed`` — every random choice (Faker factories, probabilistic faults);
    * ``start`` — the simulated instant of the first moment (ISO string or datetime);
    * ``records`` — the partner's records at ``start`` (records and factories);
    * ``skew`` — the partner clock minus ours (``"-2m"``: it lags two minutes);
      ``lag`` — every write becomes readable this late (on top of a record's own lag);
    * policies — ``tolerate_rejects`` (``None``: each step keeps its own),
      ``overlap_seconds``, ``backfill_days``, ``batch_size`` (``None``: the integration's);
    * ``store`` — ``"memory"`` or ``"sqlite"``; ``sources`` — the partner's source keys;
    * ``integration`` — ``None`` for the integration the scenario is run against (the
      reference Demo POS unless told otherwise), or ``"module:attr"`` naming an
      :class:`~spmkit.Integration` or a builder: such a scenario runs its own integration
      only (a planted bug of the reference, for example); ``adapter`` likewise
      (``"module:attr"`` of an :class:`~spmkit_testing.Adapter`).
    """

    seed: int = 0
    start: datetime = DEFAULT_START
    records: Sequence[Record | Factory] = ()
    skew: timedelta = timedelta(0)
    lag: timedelta = timedelta(0)
    tolerate_rejects: bool | float | None = None
    overlap_seconds: float = 0
    backfill_days: float = 365
    batch_size: int | None = None
    store: str = "memory"
    sources: Sequence[str] = DEFAULT_SOURCES
    integration: str | None = None
    adapter: str | None = None

    def __post_init__(self) -> None:
        put = object.__setattr__
        check_int(self.seed, "seed")
        put(self, "start", parse_instant(self.start, "start"))
        put(self, "skew", parse_duration(self.skew, "skew"))
        put(self, "lag", parse_duration(self.lag, "lag"))
        if self.lag < timedelta(0):
            raise InvalidScenario(f"World(lag={self.lag!r}) must be >= 0s (a late arrival).")
        for r in self.records:
            if not isinstance(r, Record | Factory):
                raise InvalidScenario(
                    f"World(records=...) takes records such as record('c1') or records(5); "
                    f"got {r!r} (type={type(r).__name__})."
                )
        put(self, "records", tuple(self.records))
        tol = self.tolerate_rejects
        if tol is not None and not isinstance(tol, bool) and not (
                isinstance(tol, int | float) and 0 <= tol <= 1):
            raise InvalidScenario(
                f"tolerate_rejects must be None, False, True or a ratio in [0, 1], got "
                f"tolerate_rejects={tol!r}."
            )
        for name in ("overlap_seconds", "backfill_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise InvalidScenario(f"{name} must be a number >= 0, got {name}={value!r}.")
        if self.batch_size is not None:
            check_int(self.batch_size, "batch_size", minimum=1)
        check_str(self.store, "store", choices=STORE_KINDS)
        if isinstance(self.sources, str) or not self.sources:
            raise InvalidScenario(
                f"sources must be a list of source keys such as ['store-1'], got "
                f"sources={self.sources!r}."
            )
        put(self, "sources", tuple(check_str(s, "sources[]") for s in self.sources))
        for name in ("integration", "adapter"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or value.count(":") != 1):
                raise InvalidScenario(
                    f"{name} must be 'package.module:attribute', got {name}={value!r}; for "
                    f"example 'spmkit_testing.reference:build_forgetful_integration'."
                )

    def __repr__(self) -> str:
        return call_repr("World", self)


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
            if not isinstance(step, STEP_TYPES):
                raise InvalidScenario(
                    f"Scenario({self.name!r}, timeline=...): {step!r} is not a timeline step; use "
                    f"tick(), advance('1m'), run_for('5m'), fault_on(...), add(...)...")
        needs = _as_tuple(self.needs, "needs")
        for need in needs:
            check_str(need, "needs[]", choices=CAPABILITIES)
        object.__setattr__(self, "needs", needs)
        if not isinstance(self.settle, bool):
            raise InvalidScenario(f"settle must be True or False, got {self.settle!r}.")

    def requirements(self) -> tuple[str, ...]:
        """What the integration must have: ``needs`` plus what the scenario text uses."""
        text = repr((self.world.records, self.timeline, self.expect))
        found = set(self.needs)
        if re.search(r"'global(@|'|/)", text):
            found.add("global")
        if re.search(r"'per-source(@|'|/)", text):
            found.add("per-source")
        if "/sources'" in text:
            found.add("sources-listing")
        if re.search(r"\b(null_page|error_page|duplicate_page|reordered_page)\(", text):
            found.add("pages")
        return tuple(c for c in CAPABILITIES if c in found)

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
