"""The sync engine: :func:`run_integration_sync` runs the enabled steps of an integration.

It checks its arguments at the door, opens a run row in the store, walks the steps
with a :class:`~spmkit._step_runner.StepRunner` (which owns every cursor and keeps the
golden cursor rule, step-source by step-source), and finishes the run ``ok`` or
``partial`` with its :class:`~spmkit.SyncSummary`. A crash of the engine itself (the
store down, a bug) or a cancelled run marks the run ``failed`` and re-raises.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, Literal, TypeGuard

from spmkit._clock import Clock, SystemClock
from spmkit._context import SyncContext
from spmkit._errors import InvalidArgument
from spmkit._integration import Integration
from spmkit._memory_store import MemoryStore
from spmkit._provisioning_plan import load_provisioned
from spmkit._push import PushFn, client_pusher
from spmkit._sqlite_store import SqliteStore
from spmkit._step_runner import StepRunner
from spmkit._store import Store
from spmkit._summary import SyncOptions, SyncSummary

__all__ = ["default_worker_id", "run_integration_sync"]

_LOGGER = "spmkit.engine"
_DEFAULT_OPTIONS = SyncOptions()
_OWN_STORES = (MemoryStore, SqliteStore)
_ENGINE_LOG = logging.getLogger(_LOGGER)
# Classes whose instances passed the Clock protocol check: a runtime Protocol check
# walks every member of the protocol on every call, on every run.
_CLOCK_TYPES: set[type] = set()


def _is_clock(value: object) -> TypeGuard[Clock]:
    kind = type(value)
    if kind in _CLOCK_TYPES:
        return True
    if not isinstance(value, Clock):
        return False
    if callable(getattr(kind, "now", None)) and callable(getattr(kind, "sleep", None)):
        _CLOCK_TYPES.add(kind)  # the class itself has the methods, so every instance does
    return True


async def run_integration_sync(
    integration: Integration,
    *,
    store: Store,
    clock: Clock | None = None,
    client: Any = None,
    push: PushFn | None = None,
    settings: Any = None,
    options: SyncOptions | None = None,
    provisioned: Any = None,
    logger: logging.Logger | None = None,
) -> SyncSummary:
    """Run every enabled step of ``integration`` once and return what happened.

    The engine, never the integration, reads and writes the cursors. Pushes go
    through ``push`` (the push protocol) or, when only ``client`` is given, the safe
    push over ``client.bulk_save``. ``settings`` is passed to ``enabled`` and to the
    steps as ``ctx.settings``. Without ``clock``, the store's clock is used (one clock).

    For example::

        summary = await run_integration_sync(integration, store=open_store(":memory:"),
                                             client=client, clock=SystemClock())
        summary.status  # "ok" or "partial"
    """
    if not isinstance(integration, Integration):
        raise InvalidArgument(
            f"run_integration_sync expects an Integration from define_integration(...); "
            f"got {integration!r} (type={type(integration).__name__})."
        )
    # The two stores first: a runtime Protocol check walks every member, on every run.
    if not isinstance(store, _OWN_STORES) and not isinstance(store, Store):
        raise InvalidArgument(
            f"run_integration_sync expects store=open_store(...) (a Store); got {store!r:.80} "
            f"(type={type(store).__name__}). For a file, pass open_store(path, clock=clock)."
        )
    if clock is not None and not _is_clock(clock):
        raise InvalidArgument(
            f"Expected a Clock (with now() and async sleep()) for clock but got clock={clock!r} "
            f"(type={type(clock).__name__}): pass SystemClock() or a simulated clock."
        )
    if options is not None and not isinstance(options, SyncOptions):
        raise InvalidArgument(
            f"Expected a SyncOptions for options but got options={options!r:.80} "
            f"(type={type(options).__name__}): pass SyncOptions(full_backfill=..., ...)."
        )
    if clock is None:
        # One clock: default to the store's, so cursor stamps and backoff agree.
        store_clock = getattr(store, "clock", None)
        clock = store_clock if _is_clock(store_clock) else SystemClock()
    options = options if options is not None else _DEFAULT_OPTIONS
    log = logger if logger is not None else _ENGINE_LOG
    if push is None and client is not None:
        push = client_pusher(client)
    if provisioned is None:
        provisioned = load_provisioned(store)
    mode: Literal["incremental", "full"] = "full" if options.full_backfill else "incremental"
    started_at = clock.now()
    run_id = store.start_run(mode)
    base = SyncContext(
        settings=settings,
        clock=clock,
        logger=log,
        store=store,
        run_id=run_id,
        client=client,
        provisioned=provisioned,
        checkpoint_hook=options.checkpoint,
    )
    runner = StepRunner(base, options, push, options.worker_id or default_worker_id())
    try:
        for step in integration.sync_steps:
            await runner.run_step(step)
        errors = tuple(e for s in runner.steps for e in s.errors)
        summary = SyncSummary(
            run_id=run_id,
            status="partial" if errors else "ok",
            mode=mode,
            steps=tuple(runner.steps),
            errors=errors,
            started_at=started_at,
            finished_at=clock.now(),
        )
        base.checkpoint("before_run_finish")
        # spmkit's own stores take the summary itself (immutable: the memory store keeps it
        # and writes its dict only when the run is read); another Store gets the dict.
        if isinstance(store, _OWN_STORES):
            store.finish_run(run_id, summary.status, summary)
        else:
            store.finish_run(run_id, summary.status, summary.to_dict())
        return summary
    except (Exception, asyncio.CancelledError) as exc:
        # A crash of the engine itself (store down, a bug) or a cancelled run (a timeout
        # around it): mark the run failed, re-raise. A killed process writes nothing, and
        # neither does the harness's SimulatedCrash (a BaseException that passes here).
        try:
            store.finish_run(run_id, "failed", {"errors": [f"{type(exc).__name__}: {exc}"]})
        except Exception:
            log.exception("could not mark run %s as failed", run_id)
        raise


_HOST = socket.gethostname()


def default_worker_id() -> str:
    """This run's lease owner when ``SyncOptions.worker_id`` is not set: host, pid, and a
    random part, so two runs never share one (not even in one process)."""
    return f"{_HOST}:{os.getpid()}:{os.urandom(4).hex()}"
