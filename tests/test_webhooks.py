from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from spmkit import InvalidArgument, ReplayGuard, Verification, sign_webhook, verify_webhook

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
T = int(NOW.timestamp())
SECRET = "whsec_current"
BODY = b'{"event":"customer.updated","id":"cust-42"}'


class FixedClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class DictStore:
    def __init__(self) -> None:
        self.state: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.state.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.state[key] = value

    def delete_state(self, key: str) -> None:
        self.state.pop(key, None)


def signed_headers(body: bytes = BODY, secret: str = SECRET, timestamp: int = T) -> dict[str, str]:
    return {
        "x-shopimind-timestamp": str(timestamp),
        "x-shopimind-signature": sign_webhook(body, secret, timestamp),
    }


def test_sign_webhook_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert sign_webhook(BODY, "s3cret", 1_700_000_000) == expected


def test_sign_webhook_refuses_str_body_and_bad_timestamp() -> None:
    with pytest.raises(InvalidArgument, match="raw body bytes"):
        sign_webhook("text", SECRET, T)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="timestamp"):
        sign_webhook(BODY, SECRET, -1)
    with pytest.raises(InvalidArgument, match="secret"):
        sign_webhook(BODY, "", T)


def test_valid_webhook_is_accepted() -> None:
    result = verify_webhook(BODY, signed_headers(), SECRET, clock=FixedClock())
    assert result == Verification(ok=True, reason=None)


def test_header_names_are_case_insensitive() -> None:
    headers = {key.upper(): value for key, value in signed_headers().items()}
    assert verify_webhook(BODY, headers, SECRET, clock=FixedClock()).ok


@pytest.mark.parametrize("missing", ["x-shopimind-timestamp", "x-shopimind-signature"])
def test_missing_header_is_refused(missing: str) -> None:
    headers = signed_headers()
    del headers[missing]
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result == Verification(False, "missing_signature_headers")


def test_empty_header_is_missing() -> None:
    headers = signed_headers() | {"x-shopimind-signature": ""}
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result.reason == "missing_signature_headers"


@pytest.mark.parametrize(
    "timestamp", ["0x10", "1e9", " 1714564800", "1714564800 ", "-5", "\uff11\uff12", "\u00b2"]
)
def test_timestamp_must_be_ascii_digits(timestamp: str) -> None:
    headers = signed_headers() | {"x-shopimind-timestamp": timestamp}
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result == Verification(False, "invalid_timestamp")


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(-300, True), (-301, False), (60, True), (61, False), (0, True)],
)
def test_timestamp_window_boundaries(offset: int, ok: bool) -> None:
    headers = signed_headers(timestamp=T + offset)
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result.ok is ok
    assert result.reason == (None if ok else "timestamp_out_of_tolerance")


def test_future_skew_never_exceeds_a_smaller_tolerance() -> None:
    headers = signed_headers(timestamp=T + 31)
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock(), tolerance_seconds=30)
    assert result.reason == "timestamp_out_of_tolerance"


def test_wrong_secret_is_a_mismatch() -> None:
    headers = signed_headers(secret="someone-else")
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result == Verification(False, "signature_mismatch")


def test_tampered_body_is_a_mismatch() -> None:
    result = verify_webhook(BODY + b" ", signed_headers(), SECRET, clock=FixedClock())
    assert result.reason == "signature_mismatch"


def test_timestamp_is_part_of_the_signature() -> None:
    headers = signed_headers() | {"x-shopimind-timestamp": str(T - 1)}
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result.reason == "signature_mismatch"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s + "0",
        lambda s: s + " ",
        lambda s: s[:-1],
        lambda s: s[:-2],
        lambda s: "sha256=" + s,
        lambda s: s[:-1] + "g",
    ],
    ids=[
        "trailing-hex",
        "trailing-space",
        "truncated-odd",
        "truncated-even",
        "prefixed",
        "non-hex",
    ],
)
def test_malformed_signature_is_a_mismatch(mangle: object) -> None:
    headers = signed_headers()
    headers["x-shopimind-signature"] = mangle(headers["x-shopimind-signature"])  # type: ignore[operator]
    result = verify_webhook(BODY, headers, SECRET, clock=FixedClock())
    assert result == Verification(False, "signature_mismatch")


def test_upper_case_signature_is_accepted_once() -> None:
    headers = signed_headers()
    headers["x-shopimind-signature"] = headers["x-shopimind-signature"].upper()
    assert verify_webhook(BODY, headers, SECRET, clock=FixedClock()).ok


@pytest.mark.parametrize("secrets", [["whsec_next", SECRET], [SECRET, "whsec_next"]])
def test_rotation_accepts_either_secret(secrets: list[str]) -> None:
    for secret in ("whsec_next", SECRET):
        headers = signed_headers(secret=secret)
        assert verify_webhook(BODY, headers, secrets, clock=FixedClock()).ok


def test_rotation_still_refuses_a_retired_secret() -> None:
    headers = signed_headers(secret="whsec_retired")
    result = verify_webhook(BODY, headers, ("whsec_next", SECRET), clock=FixedClock())
    assert result.reason == "signature_mismatch"


@pytest.mark.parametrize("secrets", ["", [], ["", ""]])
def test_no_secret_is_a_configuration_error(secrets: str | list[str]) -> None:
    with pytest.raises(InvalidArgument, match="at least one non-empty secret"):
        verify_webhook(BODY, signed_headers(), secrets, clock=FixedClock())


def test_replay_of_the_same_webhook_is_refused() -> None:
    clock = FixedClock()
    guard = ReplayGuard(clock)
    headers = signed_headers()
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).ok
    result = verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard)
    assert result == Verification(False, "replayed")


def test_replay_with_upper_cased_signature_is_refused() -> None:
    clock = FixedClock()
    guard = ReplayGuard(clock)
    headers = signed_headers()
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).ok
    replay = headers | {"x-shopimind-signature": headers["x-shopimind-signature"].upper()}
    result = verify_webhook(BODY, replay, SECRET, clock=clock, replay_guard=guard)
    assert result == Verification(False, "replayed")


@pytest.mark.parametrize("junk", ["0", "00", " ", "\n", "zz"])
def test_replay_with_trailing_characters_is_refused(junk: str) -> None:
    clock = FixedClock()
    guard = ReplayGuard(clock)
    headers = signed_headers()
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).ok
    replay = headers | {"x-shopimind-signature": headers["x-shopimind-signature"] + junk}
    result = verify_webhook(BODY, replay, SECRET, clock=clock, replay_guard=guard)
    assert result == Verification(False, "signature_mismatch")


def test_a_refused_signature_is_not_remembered() -> None:
    clock = FixedClock()
    guard = ReplayGuard(clock)
    bad = signed_headers(secret="attacker")
    assert not verify_webhook(BODY, bad, SECRET, clock=clock, replay_guard=guard).ok
    assert len(guard) == 0


def test_replay_is_refused_until_the_timestamp_window_closes() -> None:
    # Delivered 60 s early (future skew): the guard must still remember it when the
    # timestamp check would accept it again, up to T + 300.
    clock = FixedClock(NOW - timedelta(seconds=60))
    guard = ReplayGuard(clock)
    headers = signed_headers()
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).ok
    clock.current = NOW + timedelta(seconds=300)
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).reason == (
        "replayed"
    )
    clock.current = NOW + timedelta(seconds=301)
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=guard).reason == (
        "timestamp_out_of_tolerance"
    )


def test_expired_entries_are_pruned() -> None:
    clock = FixedClock()
    guard = ReplayGuard(clock, ttl_seconds=300)
    assert guard.check_and_remember("a" * 64, timestamp=T)
    assert guard.check_and_remember("b" * 64, timestamp=T + 100)
    assert len(guard) == 2
    clock.current = NOW + timedelta(seconds=301)
    assert len(guard) == 1
    assert guard.check_and_remember("a" * 64, timestamp=T + 301)
    clock.current = NOW + timedelta(seconds=401)
    assert len(guard) == 1  # only the re-remembered "a"


def test_guard_normalizes_case_and_refuses_malformed_signatures() -> None:
    guard = ReplayGuard(FixedClock())
    assert guard.check_and_remember("AB" * 32)
    assert not guard.check_and_remember("ab" * 32)
    with pytest.raises(InvalidArgument, match="64 hex"):
        guard.check_and_remember("ab" * 32 + "0")


def test_guard_shorter_than_tolerance_is_refused() -> None:
    clock = FixedClock()
    with pytest.raises(InvalidArgument, match="ttl_seconds=60 is shorter"):
        verify_webhook(
            BODY, signed_headers(), SECRET, clock=clock, replay_guard=ReplayGuard(clock, 60)
        )


@pytest.mark.parametrize("ttl", [0, -1, True, 1.5])
def test_guard_ttl_must_be_a_positive_int(ttl: object) -> None:
    with pytest.raises(InvalidArgument, match="ttl_seconds"):
        ReplayGuard(FixedClock(), ttl)  # type: ignore[arg-type]


def test_store_backed_guard_is_shared_between_instances() -> None:
    clock = FixedClock()
    store = DictStore()
    first = ReplayGuard(clock, store=store)  # type: ignore[arg-type]
    second = ReplayGuard(clock, store=store)  # type: ignore[arg-type]
    headers = signed_headers()
    assert verify_webhook(BODY, headers, SECRET, clock=clock, replay_guard=first).ok
    upper = headers | {"x-shopimind-signature": headers["x-shopimind-signature"].upper()}
    result = verify_webhook(BODY, upper, SECRET, clock=clock, replay_guard=second)
    assert result.reason == "replayed"


def test_store_backed_guard_prunes_expired_keys() -> None:
    clock = FixedClock()
    store = DictStore()
    guard = ReplayGuard(clock, store=store)  # type: ignore[arg-type]
    assert guard.check_and_remember("a" * 64, timestamp=T)
    assert f"webhook-replay:{'a' * 64}" in store.state
    clock.current = NOW + timedelta(seconds=301)
    assert guard.check_and_remember("b" * 64, timestamp=T + 301)
    assert f"webhook-replay:{'a' * 64}" not in store.state
    assert len(guard) == 1
    assert guard.check_and_remember("a" * 64, timestamp=T + 301)


def test_naive_clock_is_refused() -> None:
    clock = FixedClock(datetime(2024, 5, 1, 12, 0, 0))
    with pytest.raises(InvalidArgument, match="naive"):
        verify_webhook(BODY, signed_headers(), SECRET, clock=clock)


@pytest.mark.parametrize("secrets", [None, b"whsec", 42, [None], {"a": "b"}])
def test_secrets_of_the_wrong_type_are_a_configuration_error(secrets: object) -> None:
    with pytest.raises(InvalidArgument) as info:
        verify_webhook(BODY, signed_headers(), secrets, clock=FixedClock())  # type: ignore[arg-type]
    assert str(info.value) == (
        f"secrets must be a str or a list of str (the webhook secrets configured in ShopiMind; "
        f"pass [new, old] during a rotation), got {type(secrets).__name__}"
        + (" with an item NoneType." if secrets == [None] else ".")
    )
