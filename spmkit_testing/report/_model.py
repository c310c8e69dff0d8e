"""The model behind a report's timeline: ticks bucketed into time columns, one lane each.

:meth:`Timeline.build` turns a trace into a run lane and one :class:`Lane` per
step-source (``entity@source``), each a dict of :class:`Bucket` by time column: the
worst state of the ticks in it, their counts, the window read and the cursor's lag.

The lag (``now - cursor``) is known at every tick where the step-source appears,
whatever happened: a failed, held or backoff-skipped step reports its cursor before
and after, and a step-source missing from a tick (its source listing failed) keeps
its last known cursor, so the lag keeps growing while the cursor is held. A cursor
that was never set has no lag; it is drawn as the time since the step-source was first
seen without one (:attr:`Bucket.unset_end`), which grows the same way.

Faults are attributed to the lanes they target (:func:`fault_lanes`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from spmkit_testing._dsl import InvalidScenario
from spmkit_testing._text import Rejects, parse_rejects, parse_time
from spmkit_testing.faults import FaultTarget
from spmkit_testing.scenario import ViolationLike

if TYPE_CHECKING:
    from spmkit_testing.sim import StepTrace, TickTrace

__all__ = [
    "RANK",
    "STATES",
    "Bucket",
    "Lane",
    "Timeline",
    "ViolationLike",
    "fault_lanes",
    "step_state",
]

# States of a step-source in a tick, least to most severe: a bucket shows its worst.
STATES = ("ok", "skipped", "backoff", "held", "crashed")
RANK = {name: rank for rank, name in enumerate(STATES)}
_RUN_STATE = {"ok": "ok", "partial": "held", "failed": "crashed", "crashed": "crashed"}


@dataclass
class Bucket:
    """The ticks of one lane that fall into one time column.

    A bucket can hold lag points and no state (``counts`` empty) when the step-source
    was missing from its ticks: the strip shows nothing there, the lag line goes on.
    """

    first: int
    last: int
    t_first: datetime
    t_last: datetime
    worst: str = "ok"
    counts: dict[str, int] = field(default_factory=dict)
    attempted: int = 0
    rejected: int = 0
    dead: int = 0
    since: datetime | None = None
    until: datetime | None = None
    cursor: datetime | None = None
    # Lags in seconds (now - a time): the widest window, the cursor before and after.
    reach: float | None = None
    lag_max: float | None = None
    lag_end: float | None = None
    # lag_end counts from when the step-source was first seen without a cursor.
    unset_end: bool = False
    error: str | None = None
    rejects: Rejects | None = None

    def add(self, index: int, when: datetime, state: str) -> None:
        self.last, self.t_last = index, when
        self.counts[state] = self.counts.get(state, 0) + 1
        if RANK[state] > RANK[self.worst]:
            self.worst = state

    def lag(self, peak: float | None, end: float | None, *, unset: bool) -> None:
        """Record one tick's lag: ``peak`` before it ran, ``end`` after."""
        self.lag_max = _max(self.lag_max, _max(peak, end))
        self.lag_end, self.unset_end = end, unset

    def merge(self, other: Bucket) -> None:
        self.last, self.t_last = other.last, other.t_last
        for state, n in other.counts.items():
            self.counts[state] = self.counts.get(state, 0) + n
        self.attempted += other.attempted
        self.rejected += other.rejected
        self.dead += other.dead
        self.error = self.error or other.error
        self.rejects = self.rejects or other.rejects
        self.cursor, self.lag_end, self.unset_end = other.cursor, other.lag_end, other.unset_end
        self.lag_max = _max(self.lag_max, other.lag_max)
        self.reach = _max(self.reach, other.reach)


@dataclass
class Lane:
    """One step-source: its buckets by column, totals, and its cursor as last known."""

    key: tuple[str, str]
    buckets: dict[int, Bucket] = field(default_factory=dict)
    cursor: datetime | None = None
    # When the lane was first seen without a cursor (None once it has one).
    unset_since: datetime | None = None
    attempted: int = 0
    rejected: int = 0
    dead: int = 0

    @property
    def label(self) -> str:
        entity, source = self.key
        return f"{entity}@{source}" if source else entity

    def bucket(self, col: int, index: int, when: datetime) -> Bucket:
        if col not in self.buckets:
            self.buckets[col] = Bucket(index, index, when, when)
        return self.buckets[col]

    def lag_now(self, when: datetime) -> tuple[float | None, bool]:
        """The lag at ``when`` from the cursor as last known, and whether it is unset."""
        if self.cursor is not None:
            return _lag(when, self.cursor), False
        return _lag(when, self.unset_since), self.unset_since is not None

    def move_cursor(self, value: datetime | None, when: datetime) -> None:
        self.cursor = value
        if value is not None:
            self.unset_since = None
        elif self.unset_since is None:
            self.unset_since = when


@dataclass
class Timeline:
    """A run bucketed for drawing: timed ticks, the run lane and one lane per step-source,
    violations by tick, a number for each distinct fault set (F1, F2…) and, per fault
    set, the lanes it targets (None: every lane)."""

    ticks: list[tuple[TickTrace, datetime]]
    d0: datetime
    d1: datetime
    columns: int
    lanes: list[Lane]
    run: Lane
    violations: dict[int, list[ViolationLike]]
    fault_ids: dict[tuple[str, ...], int]
    fault_hits: dict[tuple[str, ...], frozenset[int] | None] = field(default_factory=dict)

    @property
    def top(self) -> int:
        """Where the lanes start: below the axis, and below the violation labels if any."""
        return 92 if self.violations else 48

    @classmethod
    def build(cls, trace: Sequence[TickTrace], violations: Sequence[ViolationLike],
              max_columns: int, *, resources: Mapping[str, str] | None = None) -> Timeline:
        """Bucket ``trace``; ``resources`` maps a lane's entity to the ShopiMind resource
        its stream lands in, so an API fault with ``resource=`` shades only those lanes."""
        ticks = list(_timed(trace))
        times = [when for _, when in ticks] or [datetime(1970, 1, 1, tzinfo=UTC)]
        lo, hi = min(times), max(times)
        # A little room on both sides; a lone instant gets a minute either side.
        pad = max((hi - lo) / 60, timedelta(seconds=30)) if hi > lo else timedelta(minutes=1)
        by_tick: dict[int, list[ViolationLike]] = {}
        for v in violations:
            by_tick.setdefault(v.tick, []).append(v)
        model = cls(ticks, lo - pad / 2, hi + pad, max_columns, [], Lane(("(run)", "")),
                    by_tick, {})
        model._fill()
        model.fault_hits = {faults: _fault_set_lanes(faults, model.lanes, resources or {})
                            for faults in model.fault_ids}
        return model

    def col(self, when: datetime) -> int:
        span = (self.d1 - self.d0).total_seconds()
        raw = int((when - self.d0).total_seconds() / span * self.columns)
        return min(max(raw, 0), self.columns - 1)

    def frac(self, when: datetime) -> float:
        """Where ``when`` falls on the time axis, from 0 (``d0``) to 1 (``d1``)."""
        span = (self.d1 - self.d0).total_seconds()
        return min(max((when - self.d0).total_seconds() / span, 0.0), 1.0)

    def _fill(self) -> None:
        lanes: dict[tuple[str, str], Lane] = {}
        for tick, when in self.ticks:
            if tick.faults and tick.faults not in self.fault_ids:
                self.fault_ids[tick.faults] = len(self.fault_ids) + 1
            self._fill_tick(lanes, tick, when)
        self.lanes = list(lanes.values())

    def _fill_tick(self, lanes: dict[tuple[str, str], Lane], tick: TickTrace,
                   when: datetime) -> None:
        col = self.col(when)
        states = []
        for step in tick.steps:
            key = (step.entity, step.source_key)
            if key not in lanes:
                lanes[key] = Lane(key)
            state = step_state(step)
            states.append(state)
            _add_step(lanes[key].bucket(col, tick.index, when), lanes[key], step, tick.index,
                      when, state)
        if tick.crashed_at is not None:
            for lane in lanes.values():
                _add_crash(lane.bucket(col, tick.index, when), lane, tick.index, when)
        else:
            present = {(s.entity, s.source_key) for s in tick.steps}
            for key, lane in lanes.items():
                if key not in present:
                    _carry(lane, col, tick.index, when)
        run_state = max([_RUN_STATE.get(tick.status, "held"), *states], key=RANK.__getitem__)
        bucket = self.run.bucket(col, tick.index, when)
        bucket.add(tick.index, when, run_state)
        bucket.error = bucket.error or (f"crash at {tick.crashed_at}" if tick.crashed_at
                                        else None)


def _timed(trace: Sequence[TickTrace]) -> Iterator[tuple[TickTrace, datetime]]:
    last = None
    for tick in trace:
        when = parse_time(tick.now) or last
        if when is None:
            continue
        last = when
        yield tick, when


def step_state(step: StepTrace) -> str:
    """The state of one step in one tick: ``ok``, ``skipped``, ``backoff`` or ``held``."""
    if step.skipped == "backoff":
        return "backoff"
    if step.skipped:
        return "skipped"
    return "held" if step.errors else "ok"


def _add_step(bucket: Bucket, lane: Lane, step: StepTrace, index: int, when: datetime,
              state: str) -> None:
    bucket.add(index, when, state)
    bucket.attempted += step.attempted
    bucket.rejected += step.rejected
    bucket.dead += step.dead_lettered
    lane.attempted += step.attempted
    lane.rejected += step.rejected
    lane.dead += step.dead_lettered
    for error in step.errors:
        rejects = parse_rejects(error)
        if rejects is not None:
            bucket.rejects = bucket.rejects or rejects
        elif bucket.error is None:
            bucket.error = error
    if step.window is not None:
        since, until = parse_time(step.window[0]), parse_time(step.window[1])
        if since is not None and (bucket.since is None or since < bucket.since):
            bucket.since = since
        if until is not None and (bucket.until is None or until > bucket.until):
            bucket.until = until
        bucket.reach = _max(bucket.reach, _lag(when, since))
    before, after = parse_time(step.cursor_before), parse_time(step.cursor_after)
    lane.move_cursor(before, when)
    peak, _ = lane.lag_now(when)
    # A step that did not move the cursor reports it unchanged in cursor_after.
    lane.move_cursor(after or before, when)
    end, unset = lane.lag_now(when)
    bucket.cursor = lane.cursor
    bucket.lag(peak, end, unset=unset)


def _add_crash(bucket: Bucket, lane: Lane, index: int, when: datetime) -> None:
    bucket.add(index, when, "crashed")
    _carried_lag(bucket, lane, when)


def _carry(lane: Lane, col: int, index: int, when: datetime) -> None:
    """A step-source missing from a tick keeps its last known cursor: the lag goes on."""
    if lane.cursor is None:
        return  # never set (a source listing's pseudo lane has none either): no lag to carry
    _carried_lag(lane.bucket(col, index, when), lane, when)


def _carried_lag(bucket: Bucket, lane: Lane, when: datetime) -> None:
    lag, unset = lane.lag_now(when)
    bucket.cursor = lane.cursor
    bucket.lag(lag, lag, unset=unset)


def _lag(now: datetime, value: datetime | None) -> float | None:
    return None if value is None else max((now - value).total_seconds(), 0.0)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


# -- which lanes a fault targets -------------------------------------------------------


def _fault_set_lanes(faults: Sequence[str], lanes: Sequence[Lane],
                    resources: Mapping[str, str]) -> frozenset[int] | None:
    """The lanes (indices) any fault of a set targets; None when one of them hits all."""
    hit: set[int] = set()
    for fault in faults:
        lanes_hit = fault_lanes(fault, lanes, resources)
        if lanes_hit is None:
            return None
        hit |= lanes_hit
    return frozenset(hit)


def fault_lanes(fault: str, lanes: Sequence[Lane],
                resources: Mapping[str, str]) -> frozenset[int] | None:
    """The lanes one trace fault (``"<name>: <fault repr>"``) targets; None for every lane.

    A partner stream, source or source listing shades that stream's lanes (or the one
    source); an API fault with ``resource=`` the lanes whose entity ``resources`` maps
    to it. An API fault on every resource, a ``"partner"`` fault, and anything that
    cannot be attributed to a lane here shade every lane.
    """
    options = _fault_options(fault)
    if options is None:
        return None
    target, resource = options.get("target", "api"), options.get("resource")
    try:
        where = FaultTarget.parse(target) if isinstance(target, str) else None
    except InvalidScenario:
        where = None
    if where is None:
        return None
    if where.api:
        hit = {i for i, lane in enumerate(lanes)
               if isinstance(resource, str) and resources.get(lane.key[0]) == resource}
    else:
        hit = {i for i, lane in enumerate(lanes) if lane.key[0] == where.stream
               and (where.source is None or lane.key[1] == where.source)}
    return frozenset(hit) or None


def _fault_options(fault: str) -> dict[str, object] | None:
    """The keyword arguments of the fault's repr (a constructor call); None if unreadable.

    The fault's name comes first and may hold ``": "`` itself, so each split is tried.
    """
    rest = fault
    while ": " in rest:
        rest = rest.split(": ", 1)[1]
        try:
            call = ast.parse(rest, mode="eval").body
        except SyntaxError:
            continue
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            options: dict[str, object] = {}
            for keyword in call.keywords:
                if keyword.arg is not None and isinstance(keyword.value, ast.Constant):
                    options[keyword.arg] = keyword.value.value
            return options
    return None
