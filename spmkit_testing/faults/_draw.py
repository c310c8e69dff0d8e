"""How the prover draws an effect's arguments, declared next to the effect.

An effect lists, per side, the arguments the property check gives its constructor, each
as a plain value here (no Hypothesis at import): :mod:`spmkit_testing.strategies` turns
them into strategies. Keeping them declarative keeps the fault vocabulary cheap to
import and lets the coverage table and the docs read what is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

__all__ = ["Draw", "Ints", "Sample", "Seconds", "Subset", "per_side"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sample:
    """One of ``values`` (shrinks towards the first)."""

    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Ints:
    """A whole number from ``low`` to ``high`` (shrinks towards ``low``)."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Seconds:
    """A duration of ``low`` to ``high`` whole seconds, as DSL text such as ``"30s"``."""

    low: int
    high: int


@dataclass(frozen=True, slots=True)
class Subset:
    """A list of ``min_size`` to ``max_size`` distinct values of ``values``."""

    values: tuple[Any, ...]
    min_size: int = 1
    max_size: int = 2


Draw = Sample | Ints | Seconds | Subset


def per_side(**sides: T) -> Mapping[Any, T]:
    """A read-only mapping of side (``api``, ``partner``) to a value, for an effect's
    ``draws`` and ``weight``: ``draws = per_side(api={"code": Sample((503, 500))})``."""
    unknown = set(sides) - {"api", "partner"}
    if unknown:
        raise TypeError(f"per_side() takes api= and partner=, got {sorted(unknown)}")
    return MappingProxyType(sides)
