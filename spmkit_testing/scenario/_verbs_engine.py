"""Timeline verbs of faults, crashes and webhooks: ``fault_on``, ``fault_off``, ``crash``,
``webhook``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from spmkit import HOOK_NAMES
from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    parse_duration,
)
from spmkit_testing.faults import Fault, Ints
from spmkit_testing.scenario._verb import AnyFault, CrashPoint, Drawing, Rule, Step, verb
from spmkit_testing.sim import CRASH_POINTS

if TYPE_CHECKING:
    from spmkit_testing.sim import Simulation

__all__ = ["Crash", "FaultOff", "FaultOn", "Webhook", "crash", "fault_off", "fault_on",
           "webhook"]


def _fault_on(drawing: Drawing, fault: Fault) -> FaultOn:
    name = f"f{drawing.steps}"
    drawing.on.append(name)
    return fault_on(name, fault)


@verb
@dataclass(frozen=True, slots=True)
class FaultOn(Step):
    """``fault_on("api", status(503))``: switch a fault on under a name."""

    name: str
    fault: Fault
    rules = (Rule("fault_on", {"fault": AnyFault()}, _fault_on),)

    def __repr__(self) -> str:
        return f"fault_on({self.name!r}, {self.fault!r})"

    def apply(self, sim: Simulation) -> None:
        sim.fault_on(self.name, self.fault)


def _fault_off(drawing: Drawing) -> FaultOff:
    name = drawing.pick(drawing.on)
    drawing.on.remove(name)
    return fault_off(name)


@verb
@dataclass(frozen=True, slots=True)
class FaultOff(Step):
    """``fault_off("api")``: switch off the fault switched on under that name."""

    name: str
    rules = (Rule("fault_off", {}, _fault_off, when=lambda drawing: bool(drawing.on),
                  picks=True),)

    def __repr__(self) -> str:
        return f"fault_off({self.name!r})"

    def apply(self, sim: Simulation) -> None:
        sim.fault_off(self.name)


@verb
@dataclass(frozen=True, slots=True)
class Crash(Step):
    """``crash(at="before_cursor_write")``: the next tick to reach that point dies; the engine
    restarts on the same store."""

    at: str = "before_cursor_write"
    nth: int = 1
    # A crash while dead-lettering needs rejects under a tolerant policy in the same tick:
    # armed three times as often, or it would almost never fire.
    rules = (Rule("crash", {"point": CrashPoint(often=("during_dead_letter",) * 2),
                            "nth": Ints(1, 2)},
                  lambda drawing, point, nth: crash(at=point, nth=nth),
                  event=lambda point, nth: f"crash armed: {point}"),)

    def __repr__(self) -> str:
        return call_repr("crash", self)

    def apply(self, sim: Simulation) -> None:
        sim.crash_at(self.at, nth=self.nth)


@verb
@dataclass(frozen=True, slots=True)
class Webhook(Step):
    """``webhook("sync", sent="-6m", times=2)``: a signed lifecycle webhook (late, early,
    replayed...)."""

    event: str
    sent: timedelta = timedelta(0)
    times: int = 1
    tamper: str | None = None
    rules = (Rule("webhook", {}, lambda drawing: webhook("sync")),)

    def __repr__(self) -> str:
        return call_repr("webhook", self, positional=("event",))

    def apply(self, sim: Simulation) -> None:
        sim.deliver_webhook(self.event, sent=self.sent, times=self.times, tamper=self.tamper)


def fault_on(name: str, fault: Fault) -> FaultOn:
    """Switch ``fault`` on under ``name`` (``fault_off(name)`` switches it off)."""
    check_str(name, "name")
    if not isinstance(fault, Fault):
        raise InvalidScenario(
            f"fault_on({name!r}, ...) expects a fault such as status(503), rate_limited('30s'), "
            f"null_page(target='customers') or status(503, target='orders/sources'); got "
            f"{fault!r} (type={type(fault).__name__}).")
    return FaultOn(name, fault)


def fault_off(name: str) -> FaultOff:
    """Switch off the fault switched on under ``name``."""
    return FaultOff(check_str(name, "name"))


def crash(*, at: str = "before_cursor_write", nth: int = 1) -> Crash:
    """The ``nth`` time a coming tick reaches point ``at`` the engine dies; it restarts."""
    if not check_str(at, "at").isidentifier():
        raise InvalidScenario(f"crash(at={at!r}): name a crash point, such as "
                              f"{', '.join(map(repr, CRASH_POINTS))}.")
    return Crash(at, check_int(nth, "nth", minimum=1))


def webhook(event: str, *, sent: str | timedelta = "0s", times: int = 1,
            tamper: str | None = None) -> Webhook:
    """ShopiMind delivers a signed lifecycle webhook for ``event`` (``sync``, ``activate``...).

    ``sent`` shifts the sender's timestamp from now: ``"-6m"`` is a late delivery (refused
    past 300 s), ``"30s"`` an early one (accepted up to 60 s). ``times=2`` delivers the
    same request twice (a replay); ``tamper="upper"`` or ``"trailing"`` alters the
    repeated signature. An accepted ``sync``/``activate`` runs the engine as a tick.
    """
    return Webhook(check_str(event, "event", choices=HOOK_NAMES),
                   parse_duration(sent, "sent"), check_int(times, "times", minimum=1),
                   None if tamper is None else check_str(tamper, "tamper",
                                                         choices=("upper", "trailing")))
