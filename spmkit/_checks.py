"""Argument checks at the door (STYLE G8): name the argument, show the value and its type."""

from __future__ import annotations

from spmkit._errors import InvalidArgument

__all__ = ["check_int"]


def check_int(value: object, name: str, *, minimum: int, hint: str = "") -> int:
    """Return ``value`` if it is an int (not a bool) ``>= minimum``, else raise naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidArgument(
            f"Expected an int >= {minimum} for {name} but got {name}={value!r} "
            f"(type={type(value).__name__}){': ' + hint if hint else ''}."
        )
    return value
