"""Webhook signatures: sign, verify against the injected clock, refuse replays.

A ShopiMind webhook carries ``x-shopimind-timestamp`` (Unix seconds) and
``x-shopimind-signature`` (hex HMAC-SHA256 of ``f"{timestamp}." + body``). It is
accepted from ``tolerance_seconds`` in the past to 60 s in the future of
``clock.now()``.

The JS kit de-duplicated on the *raw* signature header while its hex compare was
lenient (case, trailing junk), so a captured webhook replayed with an upper-cased
signature or an extra character passed. spmkit accepts exactly 64 hex characters
and de-duplicates on the normalized (lowercase) signature.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import json
import math
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from spmkit._clock import Clock, ensure_aware_utc
from spmkit._errors import InvalidArgument
from spmkit._store import Store

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "ReplayGuard",
    "Verification",
    "sign_webhook",
    "verify_webhook",
]

TIMESTAMP_HEADER = "x-shopimind-timestamp"
SIGNATURE_HEADER = "x-shopimind-signature"
_FUTURE_SKEW_SECONDS = 60
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
# ASCII digits only (str.isdigit() accepts '²' and other Unicode digits); 20 digits
# bounds int() and is far beyond any real Unix time.
_TIMESTAMP = re.compile(r"[0-9]{1,20}")
_STATE_PREFIX = "webhook-replay:"
_STATE_INDEX = "webhook-replay:index"

Reason = Literal[
    "missing_signature_headers",
    "invalid_timestamp",
    "timestamp_out_of_tolerance",
    "signature_mismatch",
    "replayed",
]


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify_webhook`: ``ok``, or the ``reason`` it was refused."""

    ok: bool
    reason: Reason | None = None


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    """Return the hex HMAC-SHA256 of ``f"{timestamp}." + body`` under ``secret``.

    For example::

        signature = sign_webhook(b'{"event":"x"}', "whsec", 1_700_000_000)
        headers = {"x-shopimind-timestamp": "1700000000", "x-shopimind-signature": signature}
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise InvalidArgument(
            f"sign_webhook signs the raw body bytes, got {type(body).__name__}; pass the "
            "request body exactly as received (for a str, body.encode('utf-8'))."
        )
    if not isinstance(secret, str) or not secret:
        raise InvalidArgument("sign_webhook needs a non-empty secret str.")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or timestamp < 0:
        raise InvalidArgument(
            f"timestamp must be a non-negative int of Unix seconds, got {timestamp!r}."
        )
    message = f"{timestamp}.".encode("ascii") + bytes(body)
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


class ReplayGuard:
    """Remembers verified signatures so that each webhook is accepted once.

    Signatures are keyed in normalized form (lowercase, exactly 64 hex characters)
    and remembered ``ttl_seconds`` after the later of now and the webhook timestamp,
    which covers the whole window in which :func:`verify_webhook` would accept it;
    expired entries are pruned. In memory by default (per process); pass ``store=``
    to keep them in a store's key-value state, shared by every process using it.

    For example::

        guard = ReplayGuard(clock)
        verify_webhook(body, headers, secret, clock=clock, replay_guard=guard)
    """

    def __init__(self, clock: Clock, ttl_seconds: int = 300, *, store: Store | None = None) -> None:
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
            raise InvalidArgument(
                f"ttl_seconds must be a positive int (at least the verify tolerance, "
                f"300 by default), got {ttl_seconds!r}."
            )
        self._clock = clock
        self._ttl = ttl_seconds
        self._store = store
        self._lock = threading.Lock()
        self._expiry: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []

    @property
    def ttl_seconds(self) -> int:
        return self._ttl

    def check_and_remember(self, signature: str, *, timestamp: int | None = None) -> bool:
        """Return ``True`` the first time ``signature`` is seen, ``False`` for a replay.

        ``signature`` must be 64 hex characters (either case); it is lowercased
        before lookup, so a replay with another case is still a replay.
        """
        if not isinstance(signature, str) or _SIGNATURE.fullmatch(signature) is None:
            raise InvalidArgument(
                "ReplayGuard takes a signature of exactly 64 hex characters; "
                "verify it with verify_webhook before remembering it."
            )
        key = signature.lower()
        now = _now_seconds(self._clock)
        expires = max(now, timestamp if timestamp is not None else now) + self._ttl
        with self._lock:
            if self._store is not None:
                return self._remember_in_store(key, now, expires)
            self._prune(now)
            if key in self._expiry:
                return False
            self._expiry[key] = expires
            heapq.heappush(self._heap, (expires, key))
            return True

    def __len__(self) -> int:
        """The number of signatures currently remembered (expired ones pruned)."""
        now = _now_seconds(self._clock)
        with self._lock:
            if self._store is not None:
                index = self._prune_store(now)
                self._store.set_state(_STATE_INDEX, json.dumps(index))
                return len(index)
            self._prune(now)
            return len(self._expiry)

    def _prune(self, now: int) -> None:
        while self._heap and self._heap[0][0] < now:
            _, key = heapq.heappop(self._heap)
            self._expiry.pop(key, None)

    def _remember_in_store(self, key: str, now: int, expires: int) -> bool:
        assert self._store is not None
        # One key per signature decides (a lost update of the index below can only
        # delay a prune, never let a replay through); the index exists to prune.
        stored = self._store.get_state(_STATE_PREFIX + key)
        index = self._prune_store(now)
        fresh = stored is None or not stored.isdigit() or int(stored) < now
        if fresh:
            self._store.set_state(_STATE_PREFIX + key, str(expires))
            index[key] = expires
        self._store.set_state(_STATE_INDEX, json.dumps(index))
        return fresh

    def _prune_store(self, now: int) -> dict[str, int]:
        assert self._store is not None
        raw = self._store.get_state(_STATE_INDEX)
        try:
            loaded = json.loads(raw) if raw else {}
        except ValueError:
            loaded = {}
        index: dict[str, int] = {}
        for key, expires in loaded.items() if isinstance(loaded, dict) else ():
            if isinstance(expires, int) and expires >= now:
                index[key] = expires
            else:
                self._store.delete_state(_STATE_PREFIX + key)
        return index

    def __repr__(self) -> str:
        where = "store" if self._store is not None else "memory"
        return f"ReplayGuard(ttl_seconds={self._ttl}, in={where})"


@dataclass(frozen=True, slots=True)
class SignedDelivery:
    """A webhook whose signature and freshness verified, not yet remembered (internal).

    ``signature`` is normalized (lowercase) and ``timestamp`` is the header's Unix
    seconds: what :meth:`ReplayGuard.check_and_remember` takes.
    """

    signature: str
    timestamp: int


def check_signature(
    body: bytes,
    headers: Mapping[str, str],
    secrets: str | Sequence[str],
    *,
    clock: Clock,
    tolerance_seconds: int = 300,
    replay_guard: ReplayGuard | None = None,
) -> SignedDelivery | Verification:
    """:func:`verify_webhook` without the replay guard: the delivery, or the refusal.

    ``replay_guard`` is only checked against ``tolerance_seconds``; nothing is
    remembered, so that a caller can parse the body before it remembers the signature.
    """
    keys = _secret_list(secrets)
    if (
        isinstance(tolerance_seconds, bool)
        or not isinstance(tolerance_seconds, int)
        or tolerance_seconds < 0
    ):
        raise InvalidArgument(
            f"tolerance_seconds must be a non-negative int, got {tolerance_seconds!r}."
        )
    if replay_guard is not None and replay_guard.ttl_seconds < tolerance_seconds:
        raise InvalidArgument(
            f"replay_guard.ttl_seconds={replay_guard.ttl_seconds} is shorter than "
            f"tolerance_seconds={tolerance_seconds}: a replay would pass once the guard "
            "forgot it. Build ReplayGuard(clock, ttl_seconds=tolerance_seconds) or longer."
        )
    raw_timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not raw_timestamp or not signature:
        return Verification(False, "missing_signature_headers")
    if _TIMESTAMP.fullmatch(raw_timestamp) is None:
        return Verification(False, "invalid_timestamp")
    timestamp = int(raw_timestamp)
    age = _now_seconds(clock) - timestamp  # > 0: in the past
    if age > tolerance_seconds or age < -min(_FUTURE_SKEW_SECONDS, tolerance_seconds):
        return Verification(False, "timestamp_out_of_tolerance")
    # Exactly 64 hex characters: no trailing junk, no truncation.
    if _SIGNATURE.fullmatch(signature) is None:
        return Verification(False, "signature_mismatch")
    provided = signature.lower()
    matched = False
    for secret in keys:
        expected = sign_webhook(body, secret, timestamp)
        # Compare against every secret (no early exit) to keep timing uniform.
        matched |= hmac.compare_digest(provided, expected)
    if not matched:
        return Verification(False, "signature_mismatch")
    return SignedDelivery(provided, timestamp)


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    secrets: str | Sequence[str],
    *,
    clock: Clock,
    tolerance_seconds: int = 300,
    replay_guard: ReplayGuard | None = None,
) -> Verification:
    """Check a ShopiMind webhook's timestamp, signature and (optionally) freshness.

    ``secrets`` is one secret or several during a rotation (any one may match).
    Header names are matched case-insensitively. The result's ``reason`` is one of
    ``missing_signature_headers``, ``invalid_timestamp``, ``timestamp_out_of_tolerance``,
    ``signature_mismatch`` or ``replayed``. A signature is remembered by
    ``replay_guard`` only once it has verified, so junk cannot fill the guard.

    For example::

        result = verify_webhook(request.body, request.headers, [new, old], clock=clock,
                                replay_guard=guard)
        if not result.ok:
            return 401, result.reason
    """
    checked = check_signature(
        body, headers, secrets, clock=clock, tolerance_seconds=tolerance_seconds,
        replay_guard=replay_guard,
    )  # fmt: skip
    if isinstance(checked, Verification):
        return checked
    if replay_guard is not None and not replay_guard.check_and_remember(
        checked.signature, timestamp=checked.timestamp
    ):
        return Verification(False, "replayed")
    return Verification(True)


def _secret_list(secrets: str | Sequence[str]) -> list[str]:
    shape = (
        "secrets must be a str or a list of str (the webhook secrets configured in "
        "ShopiMind; pass [new, old] during a rotation), got "
    )
    if isinstance(secrets, str):
        items = [secrets]
    elif isinstance(secrets, Sequence) and not isinstance(secrets, bytes | bytearray):
        items = list(secrets)
    else:
        raise InvalidArgument(f"{shape}{type(secrets).__name__}.")
    for item in items:
        if not isinstance(item, str):
            raise InvalidArgument(
                f"{shape}{type(secrets).__name__} with an item {type(item).__name__}."
            )
    keys = [item for item in items if item]
    if not keys:
        raise InvalidArgument(
            "verify_webhook needs at least one non-empty secret (the webhook secret "
            "configured in ShopiMind; pass [new, old] during a rotation)."
        )
    return keys


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for key, item in headers.items():
            if key.lower() == name:
                value = item
                break
    return value if isinstance(value, str) else None


def _now_seconds(clock: Clock) -> int:
    return math.floor(ensure_aware_utc(clock.now(), "clock.now()").timestamp())
