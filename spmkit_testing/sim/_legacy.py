"""The deprecated spelling ``Simulation(integration, adapter, **options)``, read into a
:class:`World` and a :class:`Target` (one translation, kept until the next major release)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from spmkit import InvalidArgument
from spmkit_testing.sim._target import Target
from spmkit_testing.sim._world import World

__all__ = ["legacy_world"]

_WORLD = ("seed", "start", "tolerate_rejects", "batch_size", "overlap_seconds",
          "backfill_days", "skew", "sources", "store", "api_key", "webhook_secret")


def legacy_world(integration: Any, adapter: Any, options: dict[str, Any]
                 ) -> tuple[World, Target]:
    """``(world, target)`` of the old keyword form."""
    settings = options.pop("settings", None)
    options.pop("allow_backwards", None)  # a simulation's clock always may step back now
    unknown = sorted(set(options) - set(_WORLD))
    if unknown:
        raise InvalidArgument(f"Simulation() got unexpected keyword(s) {', '.join(unknown)}; "
                              f"a world is described by World({', '.join(_WORLD)}).")
    if "store" in options:
        options["store"] = str(options["store"])
    if isinstance(options.get("skew"), timedelta) and not options["skew"]:
        options.pop("skew")
    return World(**options), Target(integration, adapter, settings=settings)
