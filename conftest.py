"""Repo-level pytest configuration: keep Hypothesis deterministic and CI-sized."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "spmkit",
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile("spmkit")
