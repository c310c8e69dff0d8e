"""A timeline verb, declared once: its DSL step, the Simulation verb it applies, and the
rules by which the property check draws it.

A verb is a :class:`Step` subclass (a frozen dataclass whose ``repr`` is the DSL call that
builds it) registered with :func:`verb`, next to its DSL constructor. Its ``rules`` say how
the prover draws it: the arguments it draws (declared as plain values, turned into
Hypothesis strategies by :mod:`spmkit_testing.strategies`), when it applies, and how the
drawn values become a step, given the :class:`Drawing` so far (the keys written, the faults
on). :mod:`spmkit_testing.stateful` builds its state machine's rules from :data:`STEPS`,
and :func:`spmkit_testing.strategies.timelines` draws timelines from the same rules.

For example, the whole of ``advance``::

    @verb
    @dataclass(frozen=True, slots=True)
    class Advance(Step):
        delta: timedelta
        rules = (Rule("advance", {"seconds": Ints(1, 600)},
                      lambda drawing, seconds: advance(f"{seconds}s")),)

        def __repr__(self) -> str:
            return f"advance({format_duration(self.delta)!r})"

        def apply(self, sim: Simulation) -> None:
            sim.advance(self.delta)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from spmkit_testing.faults import Draw

if TYPE_CHECKING:
    from spmkit_testing.sim import Simulation

__all__ = ["LATENESS_SHARE", "STEPS", "AnyFault", "Arg", "CrashPoint", "Drawing", "Rule", "Step",
           "StreamRef", "rules", "verb"]

S = TypeVar("S", bound=type["Step"])
T = TypeVar("T")

#: The share of the overlap each source of lateness may take in a drawn world (the partner
#: clock's lag, how late a record becomes readable, a clock that steps back): beyond the
#: overlap is the known hazard ``clock_skew_loss`` shows, not a bug of the engine.
LATENESS_SHARE = 0.25


class Step:
    """A timeline step: one Simulation verb (see the module docstring)."""

    __slots__ = ()
    #: How the property check draws this verb (none: it is never drawn).
    rules: ClassVar[tuple[Rule, ...]] = ()

    def apply(self, sim: Simulation) -> None:
        """Apply the step to ``sim``."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class StreamRef:
    """A drawn argument: one stream-source of the adapter (``"customers"``, ``"orders@s1"``)."""


@dataclass(frozen=True, slots=True)
class AnyFault:
    """A drawn argument: a fault of the vocabulary, on the API or the adapter's partner."""


@dataclass(frozen=True, slots=True)
class CrashPoint:
    """A drawn argument: a crash point of the integration or the engine; ``often`` are drawn
    that many times more (a crash while dead-lettering needs rejects under a tolerant
    policy in the same tick, so it is armed more often)."""

    often: tuple[str, ...] = ()


Arg = Draw | StreamRef | AnyFault | CrashPoint


class Drawing:
    """The timeline drawn so far, as a rule sees it: ``steps`` (how many), the live record
    ``keys`` (key -> stream-source), the faults ``on`` (by name), the world's ``overlap``;
    :meth:`pick` lets the prover choose one of some values."""

    def __init__(self, overlap: int, pick: Callable[[Sequence[Any]], Any]) -> None:
        self.overlap = overlap
        self.steps = 0
        self.keys: dict[str, str] = {}
        self.on: list[str] = []
        self._pick = pick

    def pick(self, values: Sequence[T]) -> T:
        """One of ``values``, as the prover chooses (it shrinks towards the first)."""
        chosen: T = self._pick(values)
        return chosen

    @property
    def lateness(self) -> int:
        """The lateness a drawn step may add, in whole seconds (a share of the overlap)."""
        return int(self.overlap * LATENESS_SHARE)


def _always(drawing: Drawing) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """One way the prover draws a verb: a ``name`` (the coverage table's), the ``args`` it
    draws, ``build(drawing, **args)`` making the step (and noting what it writes or
    switches on), and ``when`` it applies. ``picks``: ``build`` calls
    :meth:`Drawing.pick`."""

    name: str
    args: Mapping[str, Arg]
    build: Callable[..., Step]
    when: Callable[[Drawing], bool] = _always
    picks: bool = False
    event: Callable[..., str] | None = field(default=None)


#: Every step type of the DSL, in the order registered.
STEPS: list[type[Step]] = []


def verb(step: S) -> S:
    """Register the :class:`Step` it decorates (at import time)."""
    if step in STEPS:
        raise TypeError(f"{step.__name__} is registered already")
    STEPS.append(step)
    return step


def rules() -> list[Rule]:
    """Every rule of every registered verb: how the property check draws a timeline."""
    return [r for step in STEPS for r in step.rules]
