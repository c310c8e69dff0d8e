"""The invariant registry: each invariant of the golden rule is one declaration.

An invariant is a :class:`Check` subclass in a module of its own under
``spmkit_testing/oracle/invariants/``, declared with :func:`invariant`::

    @invariant("I7", rule="8", title="run status partial iff errors",
               checks="a run is `partial` exactly when it has errors",
               exercised_by="a run ended partial")
    class RunStatus(Check):
        def exercised(self, summary: SyncSummary) -> int:
            return summary.status == "partial"

        def tick(self, facts: TickFacts) -> Iterator[Violation]:
            ...

Everything else reads :data:`INVARIANTS`: the oracle runs every registered check after
each tick (and at the end of a settled run), the property check's coverage table counts
when each was exercised, the DSL's ``violates("I7")`` accepts the id, the reports and
the README's table name it. Adding one is one file; ``docs/extending.md`` shows how.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from spmkit_testing.oracle._violation import Violation

if TYPE_CHECKING:
    from spmkit import SyncSummary
    from spmkit_testing.oracle._facts import Memory, SettleFacts, TickFacts
    from spmkit_testing.oracle._ground import Ground

__all__ = ["INVARIANTS", "Check", "Invariant", "invariant", "invariants_table"]

C = TypeVar("C", bound=type["Check"])


class Check:
    """The check of one invariant over one simulated world (it may keep state between
    ticks, as the loss check does). Override what applies."""

    def __init__(self, ground: Ground, memory: Memory) -> None:
        self.ground = ground
        self.memory = memory

    def exercised(self, summary: SyncSummary) -> int:
        """How many times this run made the check meaningful (the coverage table)."""
        return 0

    def tick(self, facts: TickFacts) -> Iterable[Violation]:
        """The violations of one finished tick."""
        return ()

    def settled(self, facts: SettleFacts) -> Iterable[Violation]:
        """The violations once the world has settled (faults off, partner quiet)."""
        return ()


@dataclass(frozen=True, slots=True)
class Invariant:
    """One invariant: its ``id``, the ``rule`` of the golden rule it checks (``-``: the goal
    itself), a short ``title``, what it ``checks`` (a sentence for the docs table), what
    ``exercised_by`` means for it, and its :class:`Check`."""

    id: str
    rule: str
    title: str
    checks: str
    exercised_by: str
    check: type[Check]

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> int:
        return int(self.id[1:])


#: Every invariant, by id, in id order (``I1``, ``I2``, ... ``I10``).
INVARIANTS: dict[str, Invariant] = {}


def invariant(id: str, *, rule: str, title: str, checks: str,
              exercised_by: str) -> Callable[[C], C]:
    """Register the :class:`Check` it decorates as invariant ``id`` (at import time)."""

    def register(check: C) -> C:
        if not (id.startswith("I") and id[1:].isdigit()):
            raise TypeError(f"an invariant id is I<number>, got {id!r}")
        if id in INVARIANTS:
            raise TypeError(f"invariant {id} is registered already")
        INVARIANTS[id] = Invariant(id, rule, title, checks, exercised_by, check)
        ordered = sorted(INVARIANTS.values(), key=lambda i: i.number)
        INVARIANTS.clear()
        INVARIANTS.update((i.id, i) for i in ordered)
        Violation.titles[id] = title
        return check

    return register


def invariants_table() -> str:
    """The registered invariants as the README's Markdown table (the README is checked
    against it)."""
    rows = ["| invariant | rule | what it checks |", "|---|---|---|"]
    rows += [f"| {i.id} | {'—' if i.rule == '-' else i.rule} | {i.checks} |"
             for i in INVARIANTS.values()]
    return "\n".join(rows)
