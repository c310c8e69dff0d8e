"""Expectations: what must hold once the timeline has run.

::

    cursor_at(3, "customers", "held")         # "held", "advanced", "unset", or an offset
    cursor_at(5, "orders@store-1", "10m")     #   from the world's start ("10m", "-1h")
    ran("customers", 1, 2, 4, 8)              # the step-source ran at these ticks
    skipped("customers", 3, 5, 6, 7)          # ... was skipped (reason="backoff") at these
    run_status(2, "partial")                  # "ok", "partial", "failed" or "crashed"
    error_mentions(2, "customers", "422")     # an error of that step-source says this
    dead_letters(3, entity="customers")       # rows in the dead-letter (all entities if None)
    present("customers", "c1", "c2")          # these keys are in the fake ShopiMind API
    absent("customers", "c7")                 # ... and these are not
    nothing_lost()                            # at the end, every live partner record is in
                                              #   the fake (latest version) or dead-lettered
    violates("I3")                            # the oracle must report this invariant
    webhooks("accepted", "replayed")          # the outcomes of the webhooks, in order
    crashed_at(1, "before_cursor_write")      # the engine died at that point in that tick
    stored_by(1, "customers", "c1")           # the fake had stored these keys by that tick's end

A step-source is named ``entity`` for a global cursor and ``entity@source_key``
for a per-source one (``"orders@store-1"``); ``"orders"`` alone is the step-level
row of a per-source step (where a ``sources()`` failure is recorded).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from spmkit_testing.oracle import INVARIANTS
from spmkit_testing.scenario._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    format_duration,
    format_instant,
    parse_duration,
)

__all__ = [
    "RUN_STATUSES",
    "Absent",
    "CrashedAt",
    "CursorAt",
    "DeadLetters",
    "ErrorMentions",
    "Evidence",
    "Expectation",
    "NothingLost",
    "Present",
    "Ran",
    "RunStatusAt",
    "Skipped",
    "StoredBy",
    "Violates",
    "Webhooks",
    "absent",
    "crashed_at",
    "cursor_at",
    "dead_letters",
    "error_mentions",
    "nothing_lost",
    "present",
    "ran",
    "run_status",
    "skipped",
    "split_source",
    "stored_by",
    "violates",
    "webhooks",
]

RUN_STATUSES = ("ok", "partial", "failed", "crashed")
CURSOR_STATES = ("held", "advanced", "unset")


def split_source(name: str) -> tuple[str, str]:
    """``"orders@store-1"`` -> ``("orders", "store-1")``; ``"customers"`` -> ``(.., "")``."""
    entity, _, key = name.partition("@")
    return entity, key


@dataclass
class Evidence:
    """What a run leaves behind for expectations to look at (filled by the runner)."""

    start: datetime
    trace: Sequence[Any]
    cursors: list[dict[tuple[str, str], datetime | None]]
    fake: Any
    store: Any
    reported: set[str]
    undelivered: list[str]
    final_cursors: dict[tuple[str, str], datetime | None] = field(default_factory=dict)
    webhooks: Sequence[Any] = ()
    journal_marks: Sequence[int] = ()
    partner_keys: dict[str, set[str]] | None = None

    def sources(self) -> set[str]:
        """Every step-source the run reported or holds a cursor for (``entity@key``)."""
        pairs = {(s.entity, s.source_key) for t in self.trace for s in t.steps}
        pairs |= {k for snapshot in self.cursors for k in snapshot}
        return {e + (f"@{k}" if k else "") for e, k in pairs}

    def unknown_source(self, source: str) -> str | None:
        """Why an expectation about ``source`` would hold vacuously, or ``None``."""
        known = self.sources()
        if source in known:
            return None
        return (f"no step-source {source!r} ran or holds a cursor in this run, so this would "
                f"hold vacuously (known: {', '.join(sorted(known)) or 'none'})")

    def tick(self, index: int) -> Any:
        if not 1 <= index <= len(self.trace):
            return None
        return self.trace[index - 1]

    def step(self, index: int, source: str) -> Any:
        t = self.tick(index)
        if t is None:
            return None
        entity, key = split_source(source)
        for s in t.steps:
            if s.entity == entity and s.source_key == key:
                return s
        return None

    def cursor(self, index: int, source: str) -> datetime | None:
        return self.cursors[index].get(split_source(source))

    def no_tick(self, index: int) -> str:
        return f"there is no tick {index} (the timeline ran {len(self.trace)} tick(s))"


def _ticks(ticks: Sequence[object], what: str) -> tuple[int, ...]:
    if not ticks:
        raise InvalidScenario(f"{what} needs at least one tick number, such as {what}(..., 1).")
    return tuple(check_int(t, "tick", minimum=1) for t in ticks)


@dataclass(frozen=True, slots=True)
class CursorAt:
    tick: int
    source: str
    state: str | timedelta

    def __repr__(self) -> str:
        state = format_duration(self.state) if isinstance(self.state, timedelta) else self.state
        return f"cursor_at({self.tick}, {self.source!r}, {state!r})"

    def check(self, ev: Evidence) -> str | None:
        if ev.tick(self.tick) is None:
            return f"{self!r}: {ev.no_tick(self.tick)}"
        unknown = ev.unknown_source(self.source)
        if unknown is not None:
            return f"{self!r}: {unknown}"
        before, after = ev.cursor(self.tick - 1, self.source), ev.cursor(self.tick, self.source)
        shown = "unset" if after is None else format_instant(after)
        if self.state == "held":
            ok = after == before
        elif self.state == "advanced":
            ok = after is not None and (before is None or after > before)
        elif self.state == "unset":
            ok = after is None
        else:
            assert isinstance(self.state, timedelta)
            ok = after == ev.start + self.state
            if after is not None:
                shown += f" (start{'+' if after >= ev.start else ''}"
                shown += f"{format_duration(after - ev.start)})"
        if ok:
            return None
        was = "unset" if before is None else format_instant(before)
        return f"{self!r} failed at tick {self.tick}: the cursor went {was} -> {shown}"


@dataclass(frozen=True, slots=True)
class Ran:
    source: str
    ticks: tuple[int, ...]

    def __repr__(self) -> str:
        return f"ran({self.source!r}, {', '.join(map(str, self.ticks))})"

    def check(self, ev: Evidence) -> str | None:
        bad = []
        for t in self.ticks:
            s = ev.step(t, self.source)
            if ev.tick(t) is None:
                bad.append(f"tick {t}: {ev.no_tick(t)}")
            elif s is None:
                bad.append(f"tick {t}: the step-source did not appear")
            elif s.skipped is not None:
                bad.append(f"tick {t}: skipped ({s.skipped})")
        return f"{self!r} failed: " + "; ".join(bad) if bad else None


@dataclass(frozen=True, slots=True)
class Skipped:
    source: str
    ticks: tuple[int, ...]
    reason: str = "backoff"

    def __repr__(self) -> str:
        extra = "" if self.reason == "backoff" else f", reason={self.reason!r}"
        return f"skipped({self.source!r}, {', '.join(map(str, self.ticks))}{extra})"

    def check(self, ev: Evidence) -> str | None:
        bad = []
        for t in self.ticks:
            s = ev.step(t, self.source)
            if ev.tick(t) is None:
                bad.append(f"tick {t}: {ev.no_tick(t)}")
            elif s is None:
                bad.append(f"tick {t}: the step-source did not appear")
            elif s.skipped != self.reason:
                seen = f"skipped ({s.skipped})" if s.skipped else "it ran"
                bad.append(f"tick {t}: {seen}")
        return f"{self!r} failed: " + "; ".join(bad) if bad else None


@dataclass(frozen=True, slots=True)
class RunStatusAt:
    tick: int
    status: str

    def __repr__(self) -> str:
        return f"run_status({self.tick}, {self.status!r})"

    def check(self, ev: Evidence) -> str | None:
        t = ev.tick(self.tick)
        if t is None:
            return f"{self!r}: {ev.no_tick(self.tick)}"
        if t.status == self.status:
            return None
        return f"{self!r} failed at tick {self.tick}: the run status was {t.status!r}"


@dataclass(frozen=True, slots=True)
class ErrorMentions:
    tick: int
    source: str
    text: str

    def __repr__(self) -> str:
        return f"error_mentions({self.tick}, {self.source!r}, {self.text!r})"

    def check(self, ev: Evidence) -> str | None:
        s = ev.step(self.tick, self.source)
        if ev.tick(self.tick) is None:
            return f"{self!r}: {ev.no_tick(self.tick)}"
        errors = list(s.errors) if s is not None else []
        if any(self.text in e for e in errors):
            return None
        return f"{self!r} failed at tick {self.tick}: the errors were {errors!r}"


@dataclass(frozen=True, slots=True)
class DeadLetters:
    count: int
    entity: str | None = None

    def __repr__(self) -> str:
        return call_repr("dead_letters", self, positional=("count",))

    def check(self, ev: Evidence) -> str | None:
        entities = {split_source(name)[0] for name in ev.sources()}
        if self.entity is not None and self.entity not in entities:
            return (f"{self!r}: no step of entity {self.entity!r} ran in this run, so this would "
                    f"hold vacuously (entities: {', '.join(sorted(entities)) or 'none'})")
        seen = ev.store.count_rejected(entity=self.entity)
        if seen == self.count:
            return None
        return f"{self!r} failed: the dead-letter holds {seen} row(s)"


@dataclass(frozen=True, slots=True)
class Present:
    resource: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"present({self.resource!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        held = ev.fake.records(self.resource)
        missing = [k for k in self.keys if k not in held]
        if not missing:
            return None
        return (f"{self!r} failed: missing from the fake API: {', '.join(missing)} "
                f"({len(held)} {self.resource} stored)")


@dataclass(frozen=True, slots=True)
class Absent:
    resource: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"absent({self.resource!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        if ev.partner_keys is not None:
            known = ev.partner_keys.get(self.resource, set())
            never = [k for k in self.keys if k not in known]
            if never:
                return (f"{self!r}: no partner record {', '.join(map(repr, never))} feeds "
                        f"{self.resource!r}, so this would hold vacuously")
        held = ev.fake.records(self.resource)
        there = [k for k in self.keys if k in held]
        return f"{self!r} failed: in the fake API: {', '.join(there)}" if there else None


@dataclass(frozen=True, slots=True)
class NothingLost:
    def __repr__(self) -> str:
        return "nothing_lost()"

    def check(self, ev: Evidence) -> str | None:
        if not ev.undelivered:
            return None
        shown = "; ".join(ev.undelivered[:10])
        more = f" (and {len(ev.undelivered) - 10} more)" if len(ev.undelivered) > 10 else ""
        return (f"nothing_lost() failed: {len(ev.undelivered)} record(s) neither delivered nor "
                f"dead-lettered: {shown}{more}")


@dataclass(frozen=True, slots=True)
class Violates:
    invariant: str

    def __repr__(self) -> str:
        return f"violates({self.invariant!r})"

    def check(self, ev: Evidence) -> str | None:
        if self.invariant in ev.reported:
            return None
        seen = ", ".join(sorted(ev.reported)) or "none"
        return (f"{self!r} failed: the oracle never reported {self.invariant} "
                f"({INVARIANTS[self.invariant]}); invariants reported: {seen}")


@dataclass(frozen=True, slots=True)
class CrashedAt:
    tick: int
    point: str

    def __repr__(self) -> str:
        return f"crashed_at({self.tick}, {self.point!r})"

    def check(self, ev: Evidence) -> str | None:
        t = ev.tick(self.tick)
        if t is None:
            return f"{self!r}: {ev.no_tick(self.tick)}"
        if t.crashed_at == self.point:
            return None
        seen = f"crashed at {t.crashed_at!r}" if t.crashed_at else f"ended {t.status!r}"
        return f"{self!r} failed: tick {self.tick} {seen}"


@dataclass(frozen=True, slots=True)
class StoredBy:
    tick: int
    resource: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"stored_by({self.tick}, {self.resource!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        if not 1 <= self.tick < len(ev.journal_marks):
            return f"{self!r}: {ev.no_tick(self.tick)}"
        stored: set[str] = set()
        for entry in ev.fake.journal[: ev.journal_marks[self.tick]]:
            if entry.method == "POST" and 200 <= entry.status < 300 and isinstance(
                    entry.request_body, list) and entry.path.rstrip("/").endswith(self.resource):
                rejected = {str(r.get("key")) for r in (entry.response_body or {}).get(
                    "rejected_items", []) if isinstance(r, dict)}
                for item in entry.request_body:
                    key = _natural_key(self.resource, item)
                    if key is not None and key not in rejected:
                        stored.add(key)
        missing = [k for k in self.keys if k not in stored]
        if not missing:
            return None
        return (f"{self!r} failed: by the end of tick {self.tick} the fake had not stored "
                f"{', '.join(map(repr, missing))}")


def _natural_key(resource: str, item: Any) -> str | None:
    from spmkit import BULK_RESOURCES

    spec = BULK_RESOURCES.get(resource)
    if spec is None or not isinstance(item, dict) or item.get(spec.natural_key) is None:
        return None
    return str(item[spec.natural_key])


@dataclass(frozen=True, slots=True)
class Webhooks:
    outcomes: tuple[str, ...]

    def __repr__(self) -> str:
        flat = f"webhooks({', '.join(repr(o) for o in self.outcomes)})"
        if len(flat) <= 80:
            return flat
        # One outcome per line, indented for its place in a scenario file's expect list.
        inner = "".join(f"            {o!r},\n" for o in self.outcomes)
        return f"webhooks(\n{inner}        )"

    def check(self, ev: Evidence) -> str | None:
        seen = tuple("accepted" if w.ok else str(w.reason) for w in ev.webhooks)
        if seen == self.outcomes:
            return None
        return f"{self!r} failed: the webhooks were {', '.join(seen) or 'none delivered'}"


Expectation = (CursorAt | Ran | Skipped | RunStatusAt | ErrorMentions | DeadLetters | Present
               | Absent | NothingLost | Violates | Webhooks | CrashedAt | StoredBy)


def cursor_at(tick: int, source: str, state: str | timedelta) -> CursorAt:
    """After tick ``tick`` the cursor of ``source`` is ``held``, ``advanced``, ``unset``,
    or equals the world's start plus an offset (``"10m"``, ``"-1h"``)."""
    check_int(tick, "tick", minimum=1)
    check_str(source, "source")
    value: str | timedelta
    if isinstance(state, str) and state in CURSOR_STATES:
        value = state
    else:
        try:
            value = parse_duration(state, "state")
        except InvalidScenario:
            raise InvalidScenario(
                f"cursor_at({tick}, {source!r}, state={state!r}): state must be one of "
                f"{', '.join(map(repr, CURSOR_STATES))} or an offset from the world's start "
                f"such as '10m'."
            ) from None
    return CursorAt(tick, source, value)


def ran(source: str, *ticks: int) -> Ran:
    """``source`` ran (was not skipped) at each of ``ticks``."""
    return Ran(check_str(source, "source"), _ticks(ticks, "ran"))


def skipped(source: str, *ticks: int, reason: str = "backoff") -> Skipped:
    """``source`` was skipped at each of ``ticks`` (``reason``: backoff, clock_behind_cursor)."""
    return Skipped(check_str(source, "source"), _ticks(ticks, "skipped"),
                   check_str(reason, "reason", choices=("backoff", "clock_behind_cursor")))


def run_status(tick: int, status: str) -> RunStatusAt:
    """The run of tick ``tick`` ended with ``status`` (``"crashed"``: the engine died)."""
    return RunStatusAt(check_int(tick, "tick", minimum=1),
                       check_str(status, "status", choices=RUN_STATUSES))


def error_mentions(tick: int, source: str, text: str) -> ErrorMentions:
    """One error of ``source`` at tick ``tick`` contains ``text``."""
    return ErrorMentions(check_int(tick, "tick", minimum=1), check_str(source, "source"),
                         check_str(text, "text"))


def dead_letters(count: int, *, entity: str | None = None) -> DeadLetters:
    """The dead-letter holds exactly ``count`` rows (of ``entity``, or in all)."""
    if entity is not None:
        check_str(entity, "entity")
    return DeadLetters(check_int(count, "count"), entity)


def present(resource: str, *keys: str) -> Present:
    """Each of ``keys`` is stored in the fake ShopiMind API's ``resource``."""
    return Present(check_str(resource, "resource"), _keys(keys, "present"))


def absent(resource: str, *keys: str) -> Absent:
    """None of ``keys`` is stored in the fake ShopiMind API's ``resource``."""
    return Absent(check_str(resource, "resource"), _keys(keys, "absent"))


def _keys(keys: Sequence[object], what: str) -> tuple[str, ...]:
    if not keys:
        raise InvalidScenario(f"{what}() needs at least one key, such as {what}('customers', "
                              f"'c1').")
    return tuple(check_str(k, "key") for k in keys)


def nothing_lost() -> NothingLost:
    """At the end every live partner record is in the fake (latest version) or dead-lettered."""
    return NothingLost()


def violates(invariant: str) -> Violates:
    """The oracle must report ``invariant`` (a scenario that demonstrates a hazard)."""
    return Violates(check_str(invariant, "invariant", choices=tuple(INVARIANTS)))



def webhooks(*outcomes: str) -> Webhooks:
    """The lifecycle webhooks delivered had these outcomes, in order: ``"accepted"`` or a
    refusal reason (``"replayed"``, ``"timestamp_out_of_tolerance"``, ...)."""
    if not outcomes:
        raise InvalidScenario("webhooks() needs at least one outcome, such as "
                              "webhooks('accepted', 'replayed').")
    return Webhooks(tuple(check_str(o, "outcome") for o in outcomes))


def crashed_at(tick: int, point: str) -> CrashedAt:
    """The engine died at crash point ``point`` during tick ``tick`` (see ``crash(at=...)``)."""
    from spmkit_testing.simulation import CRASH_POINTS

    return CrashedAt(check_int(tick, "tick", minimum=1),
                     check_str(point, "point", choices=CRASH_POINTS))


def stored_by(tick: int, resource: str, *keys: str) -> StoredBy:
    """By the end of tick ``tick`` the fake had accepted (2xx, not rejected) these keys."""
    return StoredBy(check_int(tick, "tick", minimum=1), check_str(resource, "resource"),
                    _keys(keys, "stored_by"))
