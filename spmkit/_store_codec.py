"""What both stores share: argument checks, JSON encoding and timestamp text.

Keeping these in one place is what makes the SQLite and in-memory stores behave
the same at the door (same errors, same messages, same round-trips), which the
store conformance tests then check.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from spmkit._clock import Clock, ensure_aware_utc
from spmkit._errors import InvalidArgument, StoreError
from spmkit._json import json_dumps

__all__ = [
    "CURSOR_STATUSES",
    "FINISH_STATUSES",
    "check_cursor_args",
    "check_filters",
    "check_lease_args",
    "check_state_key",
    "check_state_value",
    "clock_now",
    "encode_payload",
    "encode_summary",
    "from_iso",
    "to_iso",
]

CURSOR_STATUSES = frozenset({"ok", "error"})
# A run is created "running"; finish_run moves it to one of these.
FINISH_STATUSES = frozenset({"ok", "partial", "failed"})


def clock_now(clock: Clock) -> datetime:
    """The injected clock's instant in UTC; a naive answer is a bug of the clock."""
    return ensure_aware_utc(clock.now(), "clock.now()")


def check_cursor_args(
    entity: str,
    source_key: str,
    last_synced_at: datetime | None,
    last_status: str | None,
    items: int,
    consecutive_failures: int | None,
    allow_backwards: bool = False,
) -> datetime | None:
    """Validate ``set_cursor``'s arguments; return ``last_synced_at`` in UTC."""
    if type(allow_backwards) is not bool:
        raise InvalidArgument(
            f"Expected True or False for allow_backwards but got "
            f"allow_backwards={allow_backwards!r} (type={type(allow_backwards).__name__})."
        )
    if type(entity) is not str or not entity:
        raise InvalidArgument(
            f"Expected a non-empty str for entity but got entity={entity!r} "
            f"(type={type(entity).__name__})."
        )
    if type(source_key) is not str:
        raise InvalidArgument(
            f"Expected a str for source_key but got source_key={source_key!r} "
            f"(type={type(source_key).__name__}); use '' for a global step."
        )
    if last_status is not None and last_status not in CURSOR_STATUSES:
        raise InvalidArgument(
            f"last_status={last_status!r} is not a cursor status: use 'ok', 'error' or None."
        )
    if type(items) is not int or items < 0:
        raise InvalidArgument(f"Expected an int >= 0 for items but got items={items!r}.")
    if consecutive_failures is not None and (
        type(consecutive_failures) is not int or consecutive_failures < 0
    ):
        raise InvalidArgument(
            f"Expected an int >= 0 or None (keep the stored count) for consecutive_failures "
            f"but got consecutive_failures={consecutive_failures!r}."
        )
    if last_synced_at is None:
        return None
    return ensure_aware_utc(last_synced_at, "last_synced_at")


def check_lease_args(entity: str, source_key: str, owner: str, seconds: float | None) -> None:
    """Validate ``acquire_lease`` / ``release_lease`` (``seconds=None``: release)."""
    if (type(entity) is str and entity and type(source_key) is str and type(owner) is str
            and owner and (seconds is None or ((type(seconds) is int or type(seconds) is float)
                           and 0 < seconds < 10**9))):
        return  # the engine's calls, on every step-source of every run
    for name, value in (("entity", entity), ("source_key", source_key), ("owner", owner)):
        if type(value) is not str or (not value and name != "source_key"):
            raise InvalidArgument(
                f"Expected a{' non-empty' if name != 'source_key' else ''} str for {name} but "
                f"got {name}={value!r} (type={type(value).__name__})."
            )
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float)
        or not 0 < seconds < 10**9
    ):
        raise InvalidArgument(
            f"Expected a number of seconds > 0 for the lease but got seconds={seconds!r}: "
            f"longer than a step-run usually takes, such as 600."
        )


def check_filters(run_id: int | None, entity: str | None, limit: int | None = None) -> None:
    """Validate the dead-letter filters of ``list_rejected`` / ``count_rejected``."""
    if run_id is not None and type(run_id) is not int:
        raise InvalidArgument(f"Expected an int or None for run_id but got run_id={run_id!r}.")
    if entity is not None and type(entity) is not str:
        raise InvalidArgument(f"Expected a str or None for entity but got entity={entity!r}.")
    if limit is not None and (type(limit) is not int or limit < 0):
        raise InvalidArgument(f"Expected an int >= 0 for limit but got limit={limit!r}.")


def check_state_key(key: str) -> None:
    if type(key) is not str or not key:
        raise InvalidArgument(
            f"Expected a non-empty str for the state key but got key={key!r} "
            f"(type={type(key).__name__})."
        )


def check_state_value(key: str, value: str) -> None:
    if type(value) is not str:
        raise InvalidArgument(
            f"State values are strings but got value={value!r} (type={type(value).__name__}) "
            f"for key {key!r}: encode it first, for example json.dumps(value)."
        )


def encode_summary(run_id: int, summary: dict[str, Any]) -> str:
    """The run summary as JSON text, or a :class:`StoreError` naming the run."""
    if not isinstance(summary, dict):
        raise InvalidArgument(
            f"The summary of run {run_id} must be a dict but got "
            f"{type(summary).__name__}: {summary!r:.200}."
        )
    try:
        return json_dumps(summary, allow_nan=True).decode()
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"The summary of run {run_id} is not JSON-serialisable ({exc}). A run summary "
            f"may hold only dict, list, str, int, float, bool and None: convert other values "
            f"first (for example a datetime with .isoformat())."
        ) from exc


def encode_payload(payload: Any) -> str:
    """A dead-letter payload as JSON text.

    A dead-letter exists so that no rejected item is lost, so values that JSON
    cannot encode (a datetime, a Decimal) are kept as their ``str()`` rather than
    refusing the whole item.
    """
    return json.dumps(payload, separators=(",", ":"), default=str)


def to_iso(value: datetime) -> str:
    """UTC ISO-8601 text with microseconds and ``Z``: fixed width, so it sorts as time."""
    # isoformat pads the year to 4 digits where strftime("%Y") does not.
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text)
