"""Partner time: the precision a partner stamps at, and the formats its API serves times in.

A partner stamps ``updated_at`` at a **precision**: ``"microsecond"``, ``"millisecond"``,
``"second"`` or ``"day"``. Records written within one step of it share a stamp (a *tie*),
and a stamp can fall *before* the instant the record was written, by up to one step:
what an incremental read must allow for.

A REST API serves times in a **time format**, which implies the finest precision it can
carry:

==============  ================================  ==============
format          on the wire                       precision
==============  ================================  ==============
``iso``         ``"2024-01-01T10:00:00.123456Z"``  microsecond
``iso_ms``      ``"2024-01-01T10:00:00.123Z"``     millisecond
``iso_s``       ``"2024-01-01T10:00:00Z"``         second
``epoch_ms``    ``1704103200123`` (an int)         millisecond
``epoch_s``     ``1704103200`` (an int)            second
``date``        ``"2024-01-01"``                   day
==============  ================================  ==============

The same formats are read back from query parameters (``?updated_after=...``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from spmkit import InvalidArgument

__all__ = ["PRECISIONS", "TIME_FORMATS", "BadTime", "coarser", "format_time", "parse_time",
           "precision_of", "truncate"]

#: Every precision a partner can stamp at, finest first, with its step.
PRECISIONS: dict[str, timedelta] = {
    "microsecond": timedelta(microseconds=1),
    "millisecond": timedelta(milliseconds=1),
    "second": timedelta(seconds=1),
    "day": timedelta(days=1),
}

#: Every time format a REST route can serve, with the precision it implies.
TIME_FORMATS: dict[str, str] = {
    "iso": "microsecond",
    "iso_ms": "millisecond",
    "iso_s": "second",
    "epoch_ms": "millisecond",
    "epoch_s": "second",
    "date": "day",
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ISO_SPEC = {"iso": "microseconds", "iso_ms": "milliseconds", "iso_s": "seconds"}


class BadTime(ValueError):
    """A time on the wire that the format cannot read (the message says what to send)."""


def precision_of(name: object, what: str) -> timedelta:
    """The step of precision ``name``; a clear error for anything else."""
    if not isinstance(name, str) or name not in PRECISIONS:
        raise InvalidArgument(f"{what}={name!r} is not a precision; choose one of "
                              f"{', '.join(map(repr, PRECISIONS))}.")
    return PRECISIONS[name]


def coarser(first: str, second: str) -> bool:
    """Whether precision ``first`` is strictly coarser than ``second``."""
    return PRECISIONS[first] > PRECISIONS[second]


def truncate(value: datetime, step: timedelta) -> datetime:
    """``value`` stamped at precision ``step`` (rounded down, as partners stamp)."""
    if step <= PRECISIONS["microsecond"]:
        return value
    return value - (value - _EPOCH) % step


def format_time(value: datetime, time_format: str) -> Any:
    """``value`` on the wire in ``time_format`` (truncated to what the format carries)."""
    value = value.astimezone(UTC)
    if time_format == "epoch_ms":
        return (value - _EPOCH) // timedelta(milliseconds=1)
    if time_format == "epoch_s":
        return (value - _EPOCH) // timedelta(seconds=1)
    if time_format == "date":
        return value.date().isoformat()
    text = value.isoformat(timespec=_ISO_SPEC[time_format])
    return text.replace("+00:00", "Z")


def parse_time(raw: str, time_format: str, name: str) -> datetime:
    """A time read from query parameter ``name`` in ``time_format`` (:class:`BadTime` if
    it is not one)."""
    if time_format in ("epoch_ms", "epoch_s"):
        unit = "milliseconds" if time_format == "epoch_ms" else "seconds"
        try:
            return _EPOCH + timedelta(**{unit: int(raw)})
        except (ValueError, OverflowError):
            raise BadTime(f"{name}={raw!r} is not a time in epoch {unit} (an integer).") from None
    if time_format == "date":
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise BadTime(f"{name}={raw!r} is not a date; send e.g. 2024-01-01.") from None
        return datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise BadTime(f"{name}={raw!r} is not an ISO 8601 time; send e.g. "
                      f"2024-01-01T00:00:00Z.") from None
    if value.utcoffset() is None:
        raise BadTime(f"{name}={raw!r} has no timezone; send e.g. 2024-01-01T00:00:00Z.")
    return value.astimezone(UTC)
