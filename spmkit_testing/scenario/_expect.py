"""Expectations: what must hold once the timeline has run.

::

    cursor_at(3, "customers", "held")         # "held", "advanced", "unset", "backoff", or
    cursor_at(5, "orders@store-1", "10m")     #   an offset from the world's start ("10m")
    ran("customers", 1, 2, 4, 8)              # the step-source ran at these ticks
    skipped("customers", 3, 5, 6, 7)          # ... was skipped (reason="backoff") at these
    run_status(2, "partial")                  # "ok", "partial", "failed" or "crashed"
    error_mentions(2, "customers", "422")     # an error of that step-source says this
    dead_letters(3, stream="customers")       # rows in the dead-letter (all streams if None)
    present("customers", "c1", "c2")          # these records' items are in the fake API
    absent("customers", "c7")                 # ... and these are not
    nothing_lost()                            # at the end, every live partner record is in
                                              #   the fake (latest version) or dead-lettered
    violates("I3")                            # the oracle must report this invariant
    webhooks("accepted", "replayed")          # the outcomes of the webhooks, in order
    crashed_at(1, "before_cursor_write")      # the engine died at that point in that tick
    stored_by(1, "customers", "c1")           # the fake had stored these by that tick's end

A step-source is named after its stream: ``"customers"`` for a global cursor,
``"orders@store-1"`` for one source of a per-source stream; ``"orders"`` alone is the
step-level row of a per-source step (where a ``sources()`` failure is recorded). In
library scenarios ``"global"`` and ``"per-source"`` stand for the integration's first
global and first per-source stream, so one scenario applies to any integration.
Keys are the partner's record keys; the adapter's stream maps them to item keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from spmkit import BULK_RESOURCES
from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_int,
    check_str,
    format_duration,
    format_instant,
    parse_duration,
)
from spmkit_testing.oracle import INVARIANTS
from spmkit_testing.scenario._evidence import Evidence

__all__ = [
    "RUN_STATUSES",
    "Absent",
    "CrashedAt",
    "CursorAt",
    "DeadLetters",
    "ErrorMentions",
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
    "stored_by",
    "violates",
    "webhooks",
]

RUN_STATUSES = ("ok", "partial", "failed", "crashed")
SKIP_REASONS = ("backoff", "clock_behind_cursor", "leased")
CURSOR_STATES = ("held", "advanced", "unset", "backoff")


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
        elif self.state == "backoff":
            step = ev.step(self.tick, self.source)
            if step is None or step.skipped != "backoff":
                seen = "it did not appear" if step is None else (
                    "it ran" if step.skipped is None else f"skipped ({step.skipped})")
                return f"{self!r} failed at tick {self.tick}: not skipped for backoff ({seen})"
            return None
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
    stream: str | None = None

    def __repr__(self) -> str:
        return call_repr("dead_letters", self, positional=("count",))

    def check(self, ev: Evidence) -> str | None:
        entity = None
        if self.stream is not None:
            entity = ev.pair(self.stream)[0]
            if entity not in {e for e, _ in ev.sources()}:
                return (f"{self!r}: no step of stream {entity!r} ran in this run, so this would "
                        f"hold vacuously")
        seen = ev.store.count_rejected(entity=entity)
        if seen == self.count:
            return None
        return f"{self!r} failed: the dead-letter holds {seen} row(s)"


@dataclass(frozen=True, slots=True)
class Present:
    stream: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"present({self.stream!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        resource, items = ev.items(self.stream, self.keys)
        held = ev.fake.records(resource)
        missing = [k for k, item in zip(self.keys, items, strict=True) if item not in held]
        if not missing:
            return None
        return (f"{self!r} failed: missing from the fake API: {', '.join(missing)} "
                f"({len(held)} {resource} stored)")


@dataclass(frozen=True, slots=True)
class Absent:
    stream: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"absent({self.stream!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        known = ev.partner_keys(self.stream)
        never = [k for k in self.keys if k not in known]
        if never:
            return (f"{self!r}: the partner never had {', '.join(map(repr, never))} in "
                    f"{self.stream!r}, so this would hold vacuously")
        resource, items = ev.items(self.stream, self.keys)
        held = ev.fake.records(resource)
        there = [k for k, item in zip(self.keys, items, strict=True) if item in held]
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
        if self.point not in ev.sim.crash_points:
            return (f"{self!r}: {self.point!r} is not a crash point of this integration (its "
                    f"points: {', '.join(ev.sim.crash_points)})")
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
    stream: str
    keys: tuple[str, ...]

    def __repr__(self) -> str:
        return f"stored_by({self.tick}, {self.stream!r}, {', '.join(map(repr, self.keys))})"

    def check(self, ev: Evidence) -> str | None:
        if not 1 <= self.tick < len(ev.journal_marks):
            return f"{self!r}: {ev.no_tick(self.tick)}"
        resource, wanted = ev.items(self.stream, self.keys)
        spec = BULK_RESOURCES[resource]
        stored: set[str] = set()
        for entry in ev.fake.journal[: ev.journal_marks[self.tick]]:
            if entry.method != "POST" or not 200 <= entry.status < 300 \
                    or not entry.path.rstrip("/").endswith(spec.path):
                continue
            body = entry.request_body  # parsed again from the entry's bytes on each read
            if not isinstance(body, list):
                continue
            rejected = {str(r.get("key")) for r in (entry.response_body or {}).get(
                "rejected_items", []) if isinstance(r, dict)}
            for item in body:
                if isinstance(item, dict) and item.get(spec.natural_key) is not None \
                        and str(item[spec.natural_key]) not in rejected:
                    stored.add(str(item[spec.natural_key]))
        missing = [k for k, item in zip(self.keys, wanted, strict=True) if item not in stored]
        if not missing:
            return None
        return (f"{self!r} failed: by the end of tick {self.tick} the fake had not stored "
                f"{', '.join(map(repr, missing))}")


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
    in ``backoff`` (skipped for it at that tick), or equals the world's start plus an
    offset (``"10m"``, ``"-1h"``: for your own scenarios; library scenarios use states,
    so a safe but different cursor policy passes them)."""
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
    """``source`` was skipped at each of ``ticks`` (``reason``: backoff, clock_behind_cursor,
    leased)."""
    return Skipped(check_str(source, "source"), _ticks(ticks, "skipped"),
                   check_str(reason, "reason", choices=SKIP_REASONS))


def run_status(tick: int, status: str) -> RunStatusAt:
    """The run of tick ``tick`` ended with ``status`` (``"crashed"``: the engine died)."""
    return RunStatusAt(check_int(tick, "tick", minimum=1),
                       check_str(status, "status", choices=RUN_STATUSES))


def error_mentions(tick: int, source: str, text: str) -> ErrorMentions:
    """One error of ``source`` at tick ``tick`` contains ``text``."""
    return ErrorMentions(check_int(tick, "tick", minimum=1), check_str(source, "source"),
                         check_str(text, "text"))


def dead_letters(count: int, *, stream: str | None = None) -> DeadLetters:
    """The dead-letter holds exactly ``count`` rows (of ``stream``'s step, or in all)."""
    if stream is not None:
        check_str(stream, "stream")
    return DeadLetters(check_int(count, "count"), stream)


def present(stream: str, *keys: str) -> Present:
    """The items of these partner records of ``stream`` are in the fake ShopiMind API."""
    return Present(check_str(stream, "stream"), _keys(keys, "present"))


def absent(stream: str, *keys: str) -> Absent:
    """The items of these partner records of ``stream`` are not in the fake ShopiMind API."""
    return Absent(check_str(stream, "stream"), _keys(keys, "absent"))


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
    if not check_str(point, "point").isidentifier():
        raise InvalidScenario(f"crashed_at({tick!r}, {point!r}): name a crash point, such as "
                              f"'before_cursor_write'.")
    return CrashedAt(check_int(tick, "tick", minimum=1), point)


def stored_by(tick: int, stream: str, *keys: str) -> StoredBy:
    """By the end of tick ``tick`` the fake had accepted (2xx, not rejected) the items of
    these records of ``stream``."""
    return StoredBy(check_int(tick, "tick", minimum=1), check_str(stream, "stream"),
                    _keys(keys, "stored_by"))
