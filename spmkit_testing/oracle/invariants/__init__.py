"""The invariants of the golden rule, one module each (see
:mod:`spmkit_testing.oracle._invariant`). Every module here is imported, in name order,
when the oracle is: a new invariant is a new module, nothing else to list."""

from __future__ import annotations

import importlib
import pkgutil

__all__: list[str] = []

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    importlib.import_module(f"{__name__}.{_module.name}")
