"""How an integration is declared: :class:`Integration`, :class:`SyncStep`, :class:`StepResult`.

Names mirror the JS kit (``defineIntegration``, ``SyncStep``...) in snake_case.
Everything is validated when it is defined, so a mistake is reported at import
time with the field and the fix, not in the middle of a sync.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from spmkit._errors import IntegrationDefinitionError, InvalidArgument
from spmkit._window import TolerancePolicy, check_tolerance_policy

if TYPE_CHECKING:
    from spmkit._context import StepContext, SyncContext

__all__ = [
    "HOOK_NAMES",
    "CursorScope",
    "Integration",
    "StepResult",
    "SyncStep",
    "always_enabled",
    "define_integration",
]

CursorScope = Literal["global", "per-source"]
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
HOOK_NAMES: tuple[str, ...] = (
    "install", "activate", "deactivate", "uninstall", "config_updated", "sync",
)
"""The lifecycle hooks an integration may declare (``define_integration(hooks=...)``)."""


def always_enabled(settings: Any) -> bool:
    """The default ``enabled`` of a step: on, whatever the settings (the JS kit's default)."""
    return True


def is_async_callable(fn: object) -> bool:
    """True for ``async def`` functions and methods, partials of them, and objects whose
    ``__call__`` is ``async def``."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    if inspect.iscoroutinefunction(fn):
        return True
    if inspect.isfunction(fn) or inspect.ismethod(fn) or inspect.isbuiltin(fn):
        return False
    call = inspect.getattr_static(type(fn), "__call__", None) if callable(fn) else None
    return inspect.iscoroutinefunction(call)


@dataclass(frozen=True, slots=True)
class StepResult:
    """What a step's ``run`` returns.

    ``items`` is the step's own count (informational: the engine counts what the
    pushes reported). ``errors`` hold the cursor. ``advance_cursor_to`` is where the
    cursor may go on a clean run (clamped to ``window.until``); leave it ``None`` and
    the window replays next time (the engine warns, once per step-source of a store).
    """

    items: int = 0
    errors: Sequence[str] = ()
    advance_cursor_to: datetime | None = None


@dataclass(frozen=True, slots=True)
class SyncStep:
    """One entity to sync, with its own cursor(s).

    ``cursor_scope="global"`` keeps one cursor ``(entity, "")``; ``"per-source"``
    keeps one per key returned by ``sources(ctx)``. ``tolerate_rejects`` is ``False``
    (strict), ``True`` or a max reject ratio in [0, 1]. ``enabled(settings)`` says
    whether the step runs; by default it always does (``None`` means the default).
    ``rebuild(**policies)``, set by ``define_bulk_step``, builds the same step again from
    its own arguments with other policies (``batch_size``, ``tolerate_rejects``; see
    ``spmkit.with_step_policies``); ``None`` for a hand-written step.

    For example::

        async def run(ctx):
            ...
            return StepResult(items=n, advance_cursor_to=ctx.window.until)

        customers = SyncStep(entity="customers", run=run)
    """

    entity: str
    run: Callable[[StepContext], Awaitable[StepResult]]
    cursor_scope: CursorScope = "global"
    sources: Callable[[SyncContext], Awaitable[Sequence[str]] | Sequence[str]] | None = None
    enabled: Callable[[Any], bool] = always_enabled
    tolerate_rejects: TolerancePolicy = False
    rebuild: Callable[..., SyncStep] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.entity, str) or not self.entity.strip():
            raise IntegrationDefinitionError(
                f"SyncStep needs an entity: got entity={self.entity!r}. Name the entity the step "
                f"syncs, e.g. SyncStep(entity='customers', run=...); it also names the cursor."
            )
        where = f"step '{self.entity}'"
        if not callable(self.run):
            raise IntegrationDefinitionError(
                f"{where}: run={self.run!r} is not callable. Pass an async function "
                f"`async def run(ctx) -> StepResult`."
            )
        if not is_async_callable(self.run):
            raise IntegrationDefinitionError(
                f"{where}: run={self.run!r} is not an async function. The engine awaits "
                f"run(ctx): write it as `async def run(ctx) -> StepResult` (a plain function, "
                f"or a lambda returning a coroutine, is refused here rather than at run time)."
            )
        if self.cursor_scope not in ("global", "per-source"):
            raise IntegrationDefinitionError(
                f"{where}: cursor_scope={self.cursor_scope!r} is not valid; use 'global' (one "
                f"cursor) or 'per-source' (one cursor per key returned by sources(ctx))."
            )
        if self.cursor_scope == "per-source" and self.sources is None:
            raise IntegrationDefinitionError(
                f"{where}: cursor_scope='per-source' needs sources: pass "
                f"sources=lambda ctx: [...] returning the source keys (one cursor each), or use "
                f"cursor_scope='global'."
            )
        if self.enabled is None:  # the JS kit's `enabled: undefined`
            object.__setattr__(self, "enabled", always_enabled)
        for name in ("sources", "enabled", "rebuild"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise IntegrationDefinitionError(
                    f"{where}: {name}={value!r} is not callable; pass a function or leave it None."
                )
        try:
            policy = check_tolerance_policy(self.tolerate_rejects, where)
        except InvalidArgument as exc:
            raise IntegrationDefinitionError(str(exc)) from None
        object.__setattr__(self, "tolerate_rejects", policy)


@dataclass(frozen=True, slots=True)
class Integration:
    """An integration: a slug, its sync steps and optional provisioning, settings and hooks."""

    slug: str
    sync_steps: tuple[SyncStep, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    parse_settings: Callable[[Mapping[str, Any]], Any] | None = None
    provisioning: Callable[[SyncContext], Any] | None = None
    hooks: Mapping[str, Callable[..., Any]] = field(default_factory=dict)

    def step(self, entity: str) -> SyncStep:
        """Return the step syncing ``entity``, or raise listing the known entities."""
        for step in self.sync_steps:
            if step.entity == entity:
                return step
        known = ", ".join(s.entity for s in self.sync_steps) or "(none)"
        raise InvalidArgument(f"Integration {self.slug!r} has no step {entity!r}; known: {known}.")


def define_integration(
    *,
    slug: str,
    sync_steps: Sequence[SyncStep],
    meta: Mapping[str, Any] | None = None,
    parse_settings: Callable[[Mapping[str, Any]], Any] | None = None,
    provisioning: Callable[[SyncContext], Any] | None = None,
    hooks: Mapping[str, Callable[..., Any]] | None = None,
) -> Integration:
    """Declare an integration, validating everything up front.

    For example::

        integration = define_integration(
            slug="my-pos",
            sync_steps=[define_bulk_step(entity="customers", stream=..., map=...)],
        )
    """
    if not isinstance(slug, str) or not _SLUG.match(slug):
        raise IntegrationDefinitionError(
            f"define_integration: slug={slug!r} is not valid; use lowercase letters, digits, "
            f"'-' or '_' such as 'my-pos'."
        )
    steps = tuple(sync_steps)
    for step in steps:
        if not isinstance(step, SyncStep):
            raise IntegrationDefinitionError(
                f"define_integration({slug!r}): sync_steps must hold SyncStep objects (from "
                f"SyncStep(...) or define_bulk_step(...)); got {step!r}."
            )
    entities = [s.entity for s in steps]
    duplicates = sorted({e for e in entities if entities.count(e) > 1})
    if duplicates:
        raise IntegrationDefinitionError(
            f"define_integration({slug!r}): entities {duplicates} appear in more than one step. "
            f"Each step owns the cursors of its entity; merge the steps or rename one."
        )
    hooks = dict(hooks or {})
    unknown = sorted(set(hooks) - set(HOOK_NAMES))
    if unknown:
        raise IntegrationDefinitionError(
            f"define_integration({slug!r}): unknown hooks {unknown}; known hooks: "
            f"{', '.join(HOOK_NAMES)}."
        )
    return Integration(
        slug=slug,
        sync_steps=steps,
        meta=dict(meta or {}),
        parse_settings=parse_settings,
        provisioning=provisioning,
        hooks=hooks,
    )
