"""The Hypothesis profiles ``spmkit-dev`` and ``spmkit-ci``, registered without importing the
harness.

They are registered whenever Hypothesis is imported in an environment where spmkit is
installed (the ``hypothesis`` entry point of ``pyproject.toml`` calls
:func:`register_profiles`), and on import of ``spmkit_testing`` when Hypothesis is already
loaded. So ``settings.get_profile("spmkit-ci")`` works in a plain script, and importing
``spmkit_testing`` (as the pytest plugin does) never imports Hypothesis itself.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["CI_PROFILE", "DEV_PROFILE", "register_if_loaded", "register_profiles",
           "slow_health_checks"]

#: 30 examples: a quick local run.
DEV_PROFILE = "spmkit-dev"
#: 500 examples, derandomized: the same verdict on every machine and every xdist worker.
CI_PROFILE = "spmkit-ci"


def register_profiles() -> None:
    """Register ``spmkit-dev`` (30 examples) and ``spmkit-ci`` (500 examples, derandomized,
    the seed and blob printed, no example database: the same verdict on every machine and
    every xdist worker). Idempotent."""
    from hypothesis import settings

    slow = slow_health_checks()
    settings.register_profile(DEV_PROFILE, max_examples=30, deadline=None,
                              suppress_health_check=slow, database=None)
    settings.register_profile(CI_PROFILE, max_examples=500, deadline=None, derandomize=True,
                              print_blob=True, suppress_health_check=slow, database=None)


def slow_health_checks() -> list[Any]:
    """The health checks a simulation's examples would trip for being slow or large."""
    from hypothesis import HealthCheck

    return [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def register_if_loaded() -> None:
    """:func:`register_profiles` if Hypothesis is imported already (else its entry point
    will, when it is)."""
    if "hypothesis" in sys.modules:
        register_profiles()
