"""Saying a thing once per store: :func:`first_time` and :func:`forget`.

A warning that holds for every run until the integration changes (a step that never
returns ``advance_cursor_to``) would repeat every run, a run a minute. The engine says it
the first time for each step-source of a store, and again only once the step-source has
done otherwise in between (:func:`forget`).

The memory is keyed weakly by the store object, so it lives as long as the store: a fresh
store (every test, every simulated world) starts with nothing said. It is the one
mutable thing at module level in the engine, on purpose: a store is the one object every
run of a sync shares, and the Store protocol has no room for it. A store that cannot be
weakly referenced is told every time.
"""

from __future__ import annotations

import weakref
from collections.abc import Hashable
from typing import Any

__all__ = ["first_time", "forget"]

_SAID: weakref.WeakKeyDictionary[Any, set[Hashable]] = weakref.WeakKeyDictionary()


def first_time(store: Any, what: Hashable) -> bool:
    """Whether ``what`` is said for the first time about ``store`` (and remember it)."""
    try:
        said = _SAID.setdefault(store, set())
    except TypeError:
        return True
    if what in said:
        return False
    said.add(what)
    return True


def forget(store: Any, what: Hashable) -> None:
    """Let ``what`` be said again about ``store``."""
    try:
        said = _SAID.get(store)
    except TypeError:
        return
    if said is not None:
        said.discard(what)
