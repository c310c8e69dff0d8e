"""Where an object can be imported from, as ``module:attribute``: the name a replay command
or a worker process uses to find an integration or an adapter again."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["importable_name"]


def importable_name(obj: Any) -> str | None:
    """Where ``obj`` can be imported from, as ``module:attribute`` (``None`` if nowhere):
    a function or class by its own name in a public module (or the public package that
    re-exports it), another object by a module attribute that is it."""
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if isinstance(module, str) and name and "<" not in name and module != "__main__" \
            and not any(part.startswith("_") for part in module.split(".")):
        return f"{module}:{name}"
    found = []
    for module_name, loaded in list(sys.modules.items()):
        if module_name == "__main__" or module_name.startswith("_") or loaded is None:
            continue
        try:
            attributes = list(vars(loaded).items())
        except TypeError:
            continue
        in_tests = any(part in ("test", "tests") or part.startswith("test_")
                       or part.endswith("_test") for part in module_name.split("."))
        private = any(part.startswith("_") for part in module_name.split("."))
        found += [(in_tests, private, len(module_name), f"{module_name}:{attr}")
                  for attr, value in attributes if value is obj and not attr.startswith("_")]
    return min(found)[3] if found else None
