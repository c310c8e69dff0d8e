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

# spmkit_testing imports its harness on first use. pytester's in-process runs drop the
# modules first imported during a run, while the package keeps its attribute pointing at
# the dropped module, so the next run would mix two copies of the same classes. Import
# the whole harness once, before any run, as a project using the plugin effectively does.
import importlib  # noqa: E402
import pkgutil  # noqa: E402

import spmkit_testing  # noqa: E402

for _module in pkgutil.walk_packages(spmkit_testing.__path__, "spmkit_testing."):
    importlib.import_module(_module.name)
