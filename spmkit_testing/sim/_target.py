"""``Target``: the code under test, an integration and its adapter, resolved in one place.

For example::

    Target(my_integration, my_adapter)                      # objects
    Target("my_sync:integration", "my_adapter:adapter")     # MOD:ATTR, imported on use
    Target(build_my_integration, my_adapter)                # a builder: fresh each world
    Target()                                                 # the reference Demo POS

An integration is an :class:`~spmkit.Integration` or a builder (a function returning
one): a builder gives every simulated world a fresh integration, so an integration that
keeps state in memory does not carry it from one scenario or example to the next. The
world's policies (``batch_size=``, ``tolerate_rejects=``) go to a builder as keywords when
its signature takes them; the others (all of them, for an Integration object) are applied
with :func:`spmkit.with_step_policies`, which rebuilds the steps made with
``define_bulk_step`` (a hand-written ``SyncStep`` has no ``batch_size`` to change). Only
this module knows the reference integration (imported when no integration is named).
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from spmkit import Integration, IntegrationDefinitionError, InvalidArgument, with_step_policies
from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.adapter import Adapter, InvalidAdapter
from spmkit_testing.partner import Partner

__all__ = ["Target", "resolve_object"]

Builder = Callable[..., Integration]


def resolve_object(spec: str, what: str) -> Any:
    """``"package.module:attribute"`` -> the attribute; the current directory is importable
    (as pytest's rootdir is), so ``my_integration:adapter`` works from a project folder."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise InvalidScenario(f"{what}={spec!r} must be 'package.module:attribute', such as "
                              f"'my_integration.sync:integration'")
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InvalidScenario(f"{what}={spec!r}: cannot import {module_name!r} ({exc}); name "
                              f"an importable module, as in 'package.module:attribute'") from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise InvalidScenario(f"{what}={spec!r}: module {module_name!r} has no attribute "
                              f"{attr!r}") from None


@dataclass(frozen=True)
class Target:
    """The integration under test and its adapter (see the module docstring).

    ``settings`` replaces the adapter's ``settings(partner)`` function.
    """

    integration: Integration | Builder | str | None = None
    adapter: Adapter | str | None = None
    settings: Callable[[Partner], Any] | None = None

    def __post_init__(self) -> None:
        for name in ("integration", "adapter"):
            value = getattr(self, name)
            if isinstance(value, str) and (value.count(":") != 1 or value.startswith(":")
                                           or value.endswith(":")):
                raise InvalidScenario(
                    f"{name} must be 'package.module:attribute', got {name}={value!r}; for "
                    f"example 'my_package.sync:integration'.")
        if self.settings is not None and not callable(self.settings):
            raise InvalidArgument(
                f"Target(settings={self.settings!r}) must be a function partner -> settings "
                f"(the partner gives .transport and .client to point the integration at).")

    def __repr__(self) -> str:
        args = [repr(v) if isinstance(v, str) else self._shown(v)
                for v in (self.integration, self.adapter) if v is not None]
        return f"Target({', '.join(args)})"

    @staticmethod
    def _shown(value: Any) -> str:
        return str(getattr(value, "slug", None) or getattr(value, "name", None)
                   or getattr(value, "__name__", None) or type(value).__name__)

    @property
    def named(self) -> bool:
        """Whether an integration was named (else this is the reference Demo POS)."""
        return self.integration is not None

    def resolved(self) -> tuple[Integration | Builder, Adapter]:
        """The integration (or its builder) and the adapter, as objects."""
        integration = self.integration
        if isinstance(integration, str):
            integration = resolve_object(integration, "integration")
        adapter = self.adapter
        if isinstance(adapter, str):
            adapter = resolve_object(adapter, "adapter")
        if integration is None:
            from spmkit_testing.reference import build_reference_integration, reference_adapter

            if adapter is not None:
                raise InvalidAdapter("Target(adapter=...) needs the integration it describes: "
                                     "Target(my_integration, my_adapter).")
            return build_reference_integration, reference_adapter
        if not isinstance(integration, Integration) and not callable(integration):
            raise InvalidScenario(
                f"integration={self.integration!r} is a {type(integration).__name__}, not an "
                f"Integration from spmkit.define_integration(...) (nor a builder returning one)")
        if adapter is None:
            adapter = _reference_adapter_of(integration)
        if not isinstance(adapter, Adapter):
            raise InvalidAdapter(f"adapter={self.adapter!r} is a {type(adapter).__name__}, not "
                                 f"an spmkit_testing.Adapter.")
        return integration, adapter

    @property
    def slug(self) -> str:
        """The integration's slug (a builder's name when it was not built yet)."""
        integration = self.resolved()[0]
        return integration.slug if isinstance(integration, Integration) else getattr(
            integration, "__name__", repr(integration))

    def build(self, *, tolerate_rejects: bool | float | None = None,
              batch_size: int | None = None) -> tuple[Integration, Adapter]:
        """A fresh integration with these policies (``None``: its own), and its adapter,
        checked against each other: a builder gets the policies its signature takes, the
        rest are applied with :func:`spmkit.with_step_policies`."""
        integration, adapter = self.resolved()
        given: dict[str, Any] = {k: v for k, v in (("tolerate_rejects", tolerate_rejects),
                                                   ("batch_size", batch_size)) if v is not None}
        if not isinstance(integration, Integration):
            taken = _keywords(integration, given)
            built = integration(**{k: v for k, v in given.items() if k in taken})
            if not isinstance(built, Integration):
                raise InvalidArgument(f"the integration builder {integration!r} returned "
                                      f"{built!r}, not an Integration.")
            given = {k: v for k, v in given.items() if k not in taken}
            integration = built
        if given:
            try:
                integration = with_step_policies(integration, **given)
            except IntegrationDefinitionError as exc:
                raise InvalidArgument(f"{exc} {_HOW}") from None
        adapter.check(integration)
        return integration, adapter

    def refuses_batch_size(self) -> str | None:
        """Why a world's ``batch_size`` cannot be applied to this integration (a step of it
        is hand-written and the builder, if any, does not take ``batch_size``), or ``None``."""
        integration = self.resolved()[0]
        if not isinstance(integration, Integration):
            if "batch_size" in _keywords(integration, {"batch_size": 0}):
                return None
            integration = integration()
            if not isinstance(integration, Integration):
                return None  # build() says what is wrong with it
        step = next((s for s in integration.sync_steps if s.rebuild is None), None)
        if step is None:
            return None
        return (f"step '{step.entity}' of {integration.slug!r} is a hand-written SyncStep, "
                f"so it has no batch_size to change. {_HOW}")


_HOW = ("Build the step with spmkit.define_bulk_step(...), or name a builder that takes the "
        "policy: def build(*, batch_size=500, tolerate_rejects=False) -> Integration.")


def _keywords(builder: Callable[..., Any], given: dict[str, Any]) -> set[str]:
    """The policies of ``given`` that ``builder`` takes as keywords (all of them when it
    takes ``**kwargs``, or when its signature cannot be read)."""
    try:
        parameters = inspect.signature(builder).parameters.values()
    except (TypeError, ValueError):
        return set(given)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return set(given)
    return {p.name for p in parameters if p.name in given and p.kind in (
        inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)}


def _reference_adapter_of(integration: Integration | Builder) -> Adapter:
    """The reference adapter, when ``integration`` is the reference itself; else the error
    that asks for an adapter."""
    from spmkit_testing import reference

    if integration is reference.reference_integration \
            or integration is reference.build_reference_integration:
        return reference.reference_adapter
    name = integration.slug if isinstance(integration, Integration) else getattr(
        integration, "__name__", repr(integration))
    raise InvalidAdapter(
        f"Target(integration={name!r}) needs adapter=...: how the harness serves the "
        f"integration's partner API and builds its settings (see spmkit_testing.Adapter).")
