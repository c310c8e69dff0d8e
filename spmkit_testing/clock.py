"""A simulated clock whose sleeps are virtual: an hour of retries costs milliseconds.

:class:`SimClock` implements :class:`spmkit.Clock`. It starts at a given instant
and never moves by itself: a test moves it with :meth:`SimClock.advance` /
:meth:`SimClock.set`, and :meth:`SimClock.run` moves it when (and only when) every
task is waiting on time.

How :meth:`SimClock.run` works. It runs the coroutine on a fresh event loop (a
``SelectorEventLoop`` subclass, closed afterwards) whose ``time()`` *is* the
simulated clock, so ``clock.sleep``, ``asyncio.sleep``, ``asyncio.wait_for`` and
every other timer share one virtual timeline. The loop's selector is wrapped: when
the loop asks it to block (no ready callback), the wrapper instead jumps the clock
to the earliest wake-up (a ``clock.sleep`` sleeper or a loop timer) and returns at
once, so the wall clock never waits. ``clock.sleep`` sleepers live in a heap of
``(wake_time, seq, future)``: they wake in timestamp order and ties wake in FIFO
order. If nothing is ready, no timer or sleeper is pending and no executor thread
is running, no task can ever wake: :class:`DeadlockError` is raised, naming every
pending task and where it waits, instead of hanging.

Scope: ``run`` virtualises in-memory I/O (``httpx.MockTransport``, respx, the
fake API's and the fake source's transports). Work sent to threads through
``loop.run_in_executor`` / ``asyncio.to_thread`` is waited for in real time and takes
no virtual time. Real sockets are polled but time does not wait for them.

Outside ``run`` (for example under a plain ``asyncio.run``) ``clock.sleep(s)`` advances
the clock by ``s`` and returns after one cooperative yield.

For example::

    clock = SimClock(datetime(2024, 1, 1, tzinfo=UTC))

    async def main() -> datetime:
        for _ in range(60):
            await clock.sleep(60)  # a Retry-After of one minute, sixty times
        return clock.now()

    assert clock.run(main()) == datetime(2024, 1, 1, 1, tzinfo=UTC)  # in milliseconds
"""

from __future__ import annotations

import asyncio
import heapq
import math
import selectors
from collections.abc import Callable, Coroutine, Iterator, Mapping
from concurrent.futures import Executor
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar, TypeVarTuple

from spmkit import InvalidArgument, SpmkitError, ensure_aware_utc

__all__ = ["DeadlockError", "SimClock", "SkewedClock"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

# Virtual timers are rounded to the microsecond resolution of ``datetime``.
_RESOLUTION = 1e-6
_ZERO = timedelta(0)


class DeadlockError(SpmkitError, RuntimeError):
    """Every task waits on something other than the clock: nothing can ever wake them."""


def _seconds(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidArgument(
            f"Expected a number of seconds for {name} but got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds):
        raise InvalidArgument(f"{name}={value!r} is not a finite number of seconds.")
    return seconds


def _delta(value: object, name: str) -> timedelta:
    if not isinstance(value, timedelta):
        raise InvalidArgument(
            f"Expected a timedelta for {name} but got {name}={value!r} "
            f"(type={type(value).__name__}); for example timedelta(minutes=5)."
        )
    return value


class SimClock:
    """A controllable clock for tests; implements :class:`spmkit.Clock`.

    Verbs: ``now()``, ``advance(delta)``, ``set(when)``, ``await sleep(seconds)``,
    ``run(coro)``, ``skewed(delta)``, ``freeze()``. ``iterations`` and ``jumps`` count
    the event-loop iterations and the idle time jumps of :meth:`run`, for tests that
    want to check that waiting was cheap.

    The clock only moves forward unless ``allow_backwards=True``.
    """

    def __init__(self, start: datetime, *, allow_backwards: bool = False) -> None:
        self._now = ensure_aware_utc(start, "start")
        self._latest = self._now
        self._allow_backwards = bool(allow_backwards)
        self._loop: _VirtualLoop | None = None
        self._listeners: list[Callable[[datetime], None]] = []
        self.iterations = 0
        self.jumps = 0

    # -- reading and moving ----------------------------------------------------------
    def now(self) -> datetime:
        """The simulated instant (aware UTC)."""
        return self._now

    @property
    def latest(self) -> datetime:
        """The latest instant the clock has shown: ``now()`` unless it stepped back since.
        What a partner has published by then stays published (see ``FakeSource``)."""
        return self._latest

    @property
    def allow_backwards(self) -> bool:
        return self._allow_backwards

    def advance(self, delta: timedelta) -> datetime:
        """Move the clock by ``delta`` and return the new instant; sleepers now due wake."""
        delta = _delta(delta, "delta")
        if delta < timedelta(0) and not self._allow_backwards:
            raise InvalidArgument(
                f"advance(delta={delta!r}) would move the clock backwards. A SimClock moves "
                f"forward only: pass a positive delta, or build SimClock(..., "
                f"allow_backwards=True) to simulate a clock that steps back."
            )
        self._move(self._now + delta)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when`` (aware); backwards only if ``allow_backwards``."""
        target = ensure_aware_utc(when, "when")
        if target < self._now and not self._allow_backwards:
            raise InvalidArgument(
                f"set(when={target.isoformat()}) is before now={self._now.isoformat()}: a "
                f"SimClock moves forward only. Pass a later instant, or build SimClock(..., "
                f"allow_backwards=True) to simulate a clock that steps back."
            )
        self._move(target)
        return self._now

    def _move(self, target: datetime) -> None:
        self._now = target
        if target > self._latest:
            self._latest = target
        for listener in self._listeners:
            listener(target)

    # -- waiting ---------------------------------------------------------------------
    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time (never wall time); negative means 0.

        Inside :meth:`run` the task is parked until the clock reaches its wake-up
        time. Outside it the clock advances by ``seconds`` and the call returns.
        """
        delay = max(0.0, _seconds(seconds, "seconds"))
        loop = asyncio.get_running_loop()
        if self._loop is None or loop is not self._loop:
            if delay:
                self._move(self._now + _ceil_delta(delay))
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = loop.create_future()
        self._loop.selector.add_sleeper(self._now + _ceil_delta(delay), future)
        await future

    def run(self, coro: Coroutine[Any, Any, T], *, timeout: timedelta | None = None) -> T:
        """Run ``coro`` to completion in virtual time and return its result.

        When every task waits on time, the clock jumps to the earliest wake-up. Raises
        :class:`DeadlockError` when tasks wait forever on something else, and
        ``TimeoutError`` when ``timeout`` (simulated time) passes first: a guard for
        code whose background tasks keep sleeping while the main one never finishes.
        """
        if timeout is not None and (not isinstance(timeout, timedelta) or timeout <= _ZERO):
            if asyncio.iscoroutine(coro):
                coro.close()
            raise InvalidArgument(
                f"timeout must be a positive timedelta or None, got timeout={timeout!r}."
            )
        if not asyncio.iscoroutine(coro):
            raise InvalidArgument(
                f"SimClock.run() expects a coroutine, got {coro!r} (type="
                f"{type(coro).__name__}); call the async function: clock.run(main())."
            )
        if self._loop is not None:
            coro.close()
            raise InvalidArgument(
                "SimClock.run() is already running on this clock: await the coroutine "
                "instead of nesting clock.run() calls."
            )
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise InvalidArgument(
                "SimClock.run() cannot be called from a running event loop: await the "
                "coroutine directly (clock.sleep still works there) or call run() from "
                "synchronous code."
            )
        started = self._now
        main = coro if timeout is None else asyncio.wait_for(coro, timeout.total_seconds())
        try:
            with asyncio.Runner(loop_factory=self._new_loop) as runner:
                return runner.run(main)
        except TimeoutError as exc:
            if timeout is None or self._now - started < timeout:
                raise
            raise TimeoutError(
                f"SimClock.run(timeout={timeout}): the coroutine did not finish within "
                f"{timeout} of simulated time (started {started.isoformat()}, now "
                f"{self._now.isoformat()}). Something keeps the clock moving while the "
                f"awaited work never completes; raise the timeout if the work is just long."
            ) from exc
        finally:
            self._loop = None

    def _new_loop(self) -> _VirtualLoop:
        loop = _VirtualLoop(self)
        self._loop = loop
        return loop

    # -- views and bridges -----------------------------------------------------------
    def skewed(self, skew: timedelta) -> SkewedClock:
        """A view that reads ``now() + skew`` and sleeps on this clock's timeline."""
        return SkewedClock(self, _delta(skew, "skew"))

    @contextmanager
    def freeze(self) -> Iterator[SimClock]:
        """Make ``datetime.now()``, ``date.today()`` and ``time.time()`` follow this clock.

        Needed only for code that reads the wall clock instead of ``ctx.clock`` (a
        partner SDK, a legacy integration). It uses ``freezegun.freeze_time(...,
        real_asyncio=True)`` and re-freezes at every move of the clock, including the
        jumps made by :meth:`run`. freezegun patches modules process-wide while active,
        so keep the block short and do not use it across threads.
        """
        import freezegun

        freezer = freezegun.freeze_time(self._now, real_asyncio=True)
        factory = freezer.start()

        def follow(when: datetime) -> None:
            factory.move_to(when)

        self._listeners.append(follow)
        try:
            yield self
        finally:
            self._listeners.remove(follow)
            freezer.stop()

    def __repr__(self) -> str:
        extra = ", allow_backwards=True" if self._allow_backwards else ""
        return f"SimClock(now={self._now.isoformat()}{extra})"


class SkewedClock:
    """A view of a :class:`SimClock` shifted by ``skew``: a partner system's clock.

    ``now()`` is ``base.now() + skew``; ``sleep`` waits on the base timeline.
    """

    def __init__(self, base: SimClock | SkewedClock, skew: timedelta) -> None:
        self._base = base
        self._skew = _delta(skew, "skew")

    @property
    def base(self) -> SimClock | SkewedClock:
        return self._base

    @property
    def skew(self) -> timedelta:
        return self._skew

    def now(self) -> datetime:
        return self._base.now() + self._skew

    async def sleep(self, seconds: float) -> None:
        await self._base.sleep(seconds)

    def skewed(self, skew: timedelta) -> SkewedClock:
        return SkewedClock(self, _delta(skew, "skew"))

    def __repr__(self) -> str:
        sign = "-" if self._skew < timedelta(0) else "+"
        return f"SkewedClock(now={self.now().isoformat()}, skew={sign}{abs(self._skew)})"


def _ceil_delta(seconds: float) -> timedelta:
    """``seconds`` as a timedelta rounded *up* to the microsecond (at least 1 us if > 0)."""
    if seconds <= 0:
        return timedelta(0)
    micro = math.ceil(seconds * 1e6 - 1e-3)  # tolerate float noise such as 0.1 * 1e6
    return timedelta(microseconds=max(1, micro))


class _VirtualSelector(selectors.BaseSelector):
    """Wraps a real selector; where the loop would block, it jumps the simulated clock."""

    def __init__(self, clock: SimClock) -> None:
        self._real = selectors.DefaultSelector()
        self._clock = clock
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = 0
        self._baseline_fds = 0
        self.loop: _VirtualLoop | None = None

    # -- the selector interface, delegated -------------------------------------------
    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def get_map(self) -> Mapping[Any, selectors.SelectorKey]:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()

    # -- virtual time -----------------------------------------------------------------
    def mark_baseline(self) -> None:
        """Remember the loop's own file descriptors (the self-pipe): not real I/O."""
        self._baseline_fds = len(self._real.get_map())

    def add_sleeper(self, wake: datetime, future: asyncio.Future[None]) -> None:
        self._seq += 1
        heapq.heappush(self._sleepers, (wake, self._seq, future))

    def _earliest_sleeper(self) -> datetime | None:
        while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    def _wake_due(self) -> bool:
        now = self._clock.now()
        woke = False
        while self._sleepers and self._sleepers[0][0] <= now:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)  # schedules the task: FIFO among equal times
                woke = True
        return woke

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        clock = self._clock
        loop = self.loop
        assert loop is not None, "_VirtualSelector used before its loop was attached"
        clock.iterations += 1
        if self._wake_due() or timeout == 0:
            return self._real.select(0)
        # The loop would block here: nothing is ready.
        events = self._real.select(0)
        if events:
            return events
        if loop.pending_threads:
            # A thread will post back through the self-pipe: wait for it in real time
            # (executor work takes no virtual time, so its result comes first).
            return self._real.select(None)
        targets: list[datetime] = []
        if timeout is not None:
            targets.append(clock.now() + _ceil_delta(timeout))
        sleeper = self._earliest_sleeper()
        if sleeper is not None:
            targets.append(sleeper)
        if not targets:
            if len(self._real.get_map()) > self._baseline_fds:
                return self._real.select(None)  # real sockets are registered: let them speak
            raise DeadlockError(_deadlock_message(loop, clock))
        target = min(targets)
        if target > clock.now():
            clock.jumps += 1
            clock._move(target)
        self._wake_due()
        return []


class _VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop whose ``time()`` is the simulated clock (see the module docstring)."""

    def __init__(self, clock: SimClock) -> None:
        self.selector = _VirtualSelector(clock)
        self._sim_clock = clock
        self._origin = clock.now()
        self.pending_threads = 0
        super().__init__(self.selector)
        self.selector.loop = self
        self.selector.mark_baseline()
        # Loop internal: timers within this of now are due. Virtual time has microsecond
        # steps, so use that instead of the monotonic clock's resolution.
        self._clock_resolution = _RESOLUTION

    def time(self) -> float:
        return (self._sim_clock.now() - self._origin).total_seconds()

    def run_in_executor(
        self, executor: Executor | None, func: Callable[[*Ts], T], *args: *Ts
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        self._track_thread(future)
        return future

    async def shutdown_default_executor(self) -> None:
        self.pending_threads += 1
        try:
            await super().shutdown_default_executor()
        finally:
            self.pending_threads -= 1

    def _track_thread(self, future: asyncio.Future[Any]) -> None:
        self.pending_threads += 1

        def done(_: asyncio.Future[Any]) -> None:
            self.pending_threads -= 1

        future.add_done_callback(done)

    def __repr__(self) -> str:
        return f"<SimClock event loop now={self._sim_clock.now().isoformat()}>"


def _where(task: asyncio.Task[Any]) -> str:
    """The chain of coroutines the task is suspended in, innermost last, and what it awaits."""
    steps: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None and getattr(coro, "cr_frame", None) is not None:
        code = coro.cr_frame.f_code
        steps.append(f"{code.co_qualname}() at {code.co_filename}:{coro.cr_frame.f_lineno}")
        coro = getattr(coro, "cr_await", None)
    # Loop internal, for the message only: the future the task is blocked on.
    waiter = getattr(task, "_fut_waiter", None)
    shown = repr(waiter) if waiter is not None else "nothing the clock can wake"
    if len(shown) > 160:
        shown = shown[:160] + "..."
    chain = " -> ".join(steps) if steps else repr(task.get_coro())
    return f"{chain}, awaiting {shown}"


def _deadlock_message(loop: asyncio.AbstractEventLoop, clock: SimClock) -> str:
    tasks = sorted(asyncio.all_tasks(loop), key=lambda t: t.get_name())
    lines = [f"  - task {t.get_name()!r}: {_where(t)}" for t in tasks if not t.done()]
    listing = "\n".join(lines) if lines else "  (no pending task)"
    return (
        f"SimClock.run() deadlock at {clock.now().isoformat()}: every task waits on something "
        f"other than the clock (a future, event, lock or queue that nothing will set), so "
        f"no amount of simulated time can wake them. Pending tasks:\n{listing}\n"
        f"Fix the missing set()/release()/put(), or wait with clock.sleep(...) or "
        f"asyncio.wait_for(..., timeout) so that time can end the wait."
    )
