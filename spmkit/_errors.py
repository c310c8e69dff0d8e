"""Every exception spmkit raises, in one place.

The tree::

    SpmkitError
    ├── InvalidArgument (also ValueError)      bad input at the door: names the field and the fix
    ├── IntegrationDefinitionError (also ValueError)  an Integration / SyncStep defined wrongly
    ├── StoreError                             the store cannot be opened, read or written
    ├── CursorError                            an invalid advance_cursor_to or cursor value
    ├── ProvisioningError                      a provisioned resource is missing or failed
    ├── SecretError                            missing key, tampered or wrong-key value
    └── SpmApiError                            an API answer that the caller asked to be raised
        └── PushFailed                         a bulk push that must hold the cursor
            ├── TransportFailure               non-2xx, network error, or failed_count > 0
            └── ChunkRefused                   a whole chunk refused with a 4xx (poisoned batch)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ChunkRefused",
    "CursorError",
    "IntegrationDefinitionError",
    "InvalidArgument",
    "ProvisioningError",
    "PushFailed",
    "SecretError",
    "SpmApiError",
    "SpmkitError",
    "StoreError",
    "TransportFailure",
]


class SpmkitError(Exception):
    """Base class of every error raised by spmkit."""


class InvalidArgument(SpmkitError, ValueError):
    """An argument was wrong; the message names it, shows the value and says what to do."""


class IntegrationDefinitionError(SpmkitError, ValueError):
    """An integration or one of its steps is defined wrongly."""


class StoreError(SpmkitError):
    """The store could not be opened, read or written (the message names the path)."""


class CursorError(SpmkitError):
    """A cursor value is invalid (for example a naive ``advance_cursor_to``)."""


class ProvisioningError(SpmkitError):
    """A provisioned resource is missing or could not be created."""


class SecretError(SpmkitError):
    """Encrypted state could not be read or written safely."""


class SpmApiError(SpmkitError):
    """The ShopiMind API answered with an error that the caller asked to raise."""

    def __init__(self, message: str, *, status_code: int | None = None, code: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class PushFailed(SpmApiError):
    """A bulk push failed in a way that must hold the cursor; never tolerated.

    ``partial`` is what the chunks that did get a 2xx reported (a ``PushOutcome``, or
    ``None``): the engine still counts and dead-letters their rejects.
    """

    def __init__(
        self, message: str, *, resource: str, status_code: int | None = None, code: str = ""
    ) -> None:
        super().__init__(message, status_code=status_code, code=code)
        self.resource = resource
        self.partial: Any = None


class TransportFailure(PushFailed):
    """Non-2xx answer, network error, or a 2xx that reports ``failed_count > 0``."""


class ChunkRefused(PushFailed):
    """The API refused a whole chunk with a 4xx: one bad item can poison a batch."""

    def __init__(
        self,
        message: str,
        *,
        resource: str,
        item_keys: Sequence[str],
        status_code: int | None = None,
        code: str = "",
    ) -> None:
        super().__init__(message, resource=resource, status_code=status_code, code=code)
        self.item_keys = list(item_keys)
