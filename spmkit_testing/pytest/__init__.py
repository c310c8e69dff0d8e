"""spmkit's pytest plugin (entry point ``pytest11: spmkit``): fixtures that hand out the
parts of one simulated world, ``pytest --scenario NAME``, ``pytest --spmkit-conformance``
and ``pytest --spmkit-target URL``. See :mod:`spmkit_testing.pytest.plugin`."""

from __future__ import annotations

__all__: list[str] = []
