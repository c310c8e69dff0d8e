from __future__ import annotations

import base64
import logging

import pytest

from spmkit import InvalidArgument, SecretCipher, SecretError, SecretState

KEY = "0f" * 32
OTHER_KEY = "a1" * 32


class DictStore:
    def __init__(self) -> None:
        self.state: dict[str, str] = {}

    def get_state(self, key: str) -> str | None:
        return self.state.get(key)

    def set_state(self, key: str, value: str) -> None:
        self.state[key] = value

    def delete_state(self, key: str) -> None:
        self.state.pop(key, None)


def test_round_trip() -> None:
    cipher = SecretCipher(KEY)
    token = cipher.encrypt("partner-api-key-é")
    assert token.startswith("v1:")
    assert "partner" not in token
    assert cipher.decrypt(token) == "partner-api-key-é"


def test_upper_case_key_is_the_same_key() -> None:
    token = SecretCipher(KEY.upper()).encrypt("x")
    assert SecretCipher(KEY).decrypt(token) == "x"


def test_fresh_nonce_per_value() -> None:
    cipher = SecretCipher(KEY)
    first, second = cipher.encrypt("same"), cipher.encrypt("same")
    assert first != second
    nonce = base64.b64decode(first[3:])[:12]
    assert nonce != base64.b64decode(second[3:])[:12]


@pytest.mark.parametrize("key", ["", "0f" * 31, "0f" * 33, "zz" * 32, " " + "0f" * 32])
def test_bad_key_names_the_fix_without_echoing_it(key: str) -> None:
    with pytest.raises(InvalidArgument, match="64 hex") as info:
        SecretCipher(key)
    assert "secrets.token_hex(32)" in str(info.value)
    if key:
        assert key not in str(info.value)


def test_bytes_key_is_refused() -> None:
    with pytest.raises(InvalidArgument, match="got a bytes"):
        SecretCipher(b"0" * 64)  # type: ignore[arg-type]


def test_repr_hides_the_key() -> None:
    assert KEY not in repr(SecretCipher(KEY))


def test_wrong_key_raises_secret_error() -> None:
    token = SecretCipher(KEY).encrypt("value")
    with pytest.raises(SecretError, match="different key"):
        SecretCipher(OTHER_KEY).decrypt(token)


def test_every_flipped_byte_is_detected() -> None:
    cipher = SecretCipher(KEY)
    raw = bytearray(base64.b64decode(cipher.encrypt("value")[3:]))
    for index in range(len(raw)):
        tampered = bytearray(raw)
        tampered[index] ^= 0x01
        with pytest.raises(SecretError):
            cipher.decrypt("v1:" + base64.b64encode(bytes(tampered)).decode())


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("value", "'v1:' prefix"),
        ("v2:AAAA", "'v1:' prefix"),
        ("v1:not base64!", "invalid base64"),
        ("v1:" + base64.b64encode(b"short").decode(), "too short"),
    ],
)
def test_malformed_tokens_raise_secret_error(token: str, match: str) -> None:
    with pytest.raises(SecretError, match=match):
        SecretCipher(KEY).decrypt(token)


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@pytest.mark.parametrize("plaintext", ["", "x", "xy"])  # two, one and no padding characters
def test_only_the_canonical_base64_of_a_token_decrypts(plaintext: str) -> None:
    cipher = SecretCipher(KEY)
    token = cipher.encrypt(plaintext)
    data = token.rstrip("=")
    padding = token[len(data) :]
    edits = [data[:-1] + c + padding for c in ALPHABET if c != data[-1]]
    edits += [token + "=", token + "==", data + padding + "A"]
    for edited in edits:
        with pytest.raises(SecretError) as info:
            cipher.decrypt(edited)
        message = str(info.value)
        assert message in {
            "Encrypted value is malformed (not the canonical base64 that SecretCipher.encrypt "
            "writes): it was edited. Set the secret again.",
            "Encrypted value is malformed (invalid base64): it was truncated or edited. "
            "Set the secret again.",
            "Encrypted value failed authentication: it was tampered with, moved from another "
            "name, or encrypted with a different key. Check the key (SecretCipher(key_hex)) or "
            "set the secret again.",
        }, edited
    assert cipher.decrypt(token) == plaintext


def test_a_token_that_decodes_to_the_same_blob_is_refused_as_not_canonical() -> None:
    cipher = SecretCipher(KEY)
    token = cipher.encrypt("")  # 28 bytes: the last base64 character carries 4 unused bits
    data = token.rstrip("=")
    last = ALPHABET.index(data[-1])
    same_blob = data[:-1] + ALPHABET[last ^ 0b0001] + "=="
    assert base64.b64decode(same_blob[3:]) == base64.b64decode(token[3:])
    with pytest.raises(SecretError) as info:
        cipher.decrypt(same_blob)
    assert str(info.value) == (
        "Encrypted value is malformed (not the canonical base64 that SecretCipher.encrypt "
        "writes): it was edited. Set the secret again."
    )


def test_aad_binds_value_to_its_context() -> None:
    cipher = SecretCipher(KEY)
    token = cipher.encrypt("value", aad="secret:a")
    assert cipher.decrypt(token, aad="secret:a") == "value"
    with pytest.raises(SecretError):
        cipher.decrypt(token, aad="secret:b")


def test_secret_state_round_trip_is_encrypted_at_rest() -> None:
    store = DictStore()
    secrets = SecretState(store, SecretCipher(KEY))  # type: ignore[arg-type]
    secrets.set_secret("partner_api_key", "k-123456")
    assert secrets.get_secret("partner_api_key") == "k-123456"
    assert list(store.state) == ["secret:partner_api_key"]
    assert store.state["secret:partner_api_key"].startswith("v1:")
    assert "k-123456" not in store.state["secret:partner_api_key"]


def test_secret_state_missing_and_deleted() -> None:
    secrets = SecretState(DictStore(), SecretCipher(KEY))  # type: ignore[arg-type]
    assert secrets.get_secret("nope") is None
    secrets.set_secret("a", "1")
    secrets.delete_secret("a")
    assert secrets.get_secret("a") is None


def test_value_moved_to_another_name_is_refused() -> None:
    store = DictStore()
    secrets = SecretState(store, SecretCipher(KEY))  # type: ignore[arg-type]
    secrets.set_secret("admin_token", "root")
    store.state["secret:guest_token"] = store.state["secret:admin_token"]
    with pytest.raises(SecretError, match="'guest_token'"):
        secrets.get_secret("guest_token")


def test_tampered_stored_value_is_refused() -> None:
    store = DictStore()
    secrets = SecretState(store, SecretCipher(KEY))  # type: ignore[arg-type]
    secrets.set_secret("a", "value")
    stored = store.state["secret:a"]
    store.state["secret:a"] = stored[:-4] + ("AAAA" if stored[-4:] != "AAAA" else "BBBB")
    with pytest.raises(SecretError):
        secrets.get_secret("a")


def test_wrong_key_in_secret_state_is_refused() -> None:
    store = DictStore()
    SecretState(store, SecretCipher(KEY)).set_secret("a", "value")  # type: ignore[arg-type]
    with pytest.raises(SecretError, match="different key"):
        SecretState(store, SecretCipher(OTHER_KEY)).get_secret("a")  # type: ignore[arg-type]


def test_refuses_to_start_without_a_cipher() -> None:
    with pytest.raises(SecretError, match="refuses to start") as info:
        SecretState(DictStore(), None)  # type: ignore[arg-type]
    assert "allow_plaintext_secrets=True" in str(info.value)
    assert "secrets.token_hex(32)" in str(info.value)


def test_plaintext_mode_warns_and_works(caplog: pytest.LogCaptureFixture) -> None:
    store = DictStore()
    with caplog.at_level(logging.WARNING, logger="spmkit.secrets"):
        secrets = SecretState(store, None, allow_plaintext_secrets=True)  # type: ignore[arg-type]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "PLAINTEXT" in caplog.records[0].getMessage()
    secrets.set_secret("a", "value")
    assert store.state["secret:a"] == "plain:value"
    assert secrets.get_secret("a") == "value"


def test_plaintext_mode_uses_the_given_logger(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tests.secrets.custom")
    with caplog.at_level(logging.WARNING, logger="tests.secrets.custom"):
        SecretState(DictStore(), None, allow_plaintext_secrets=True, logger=logger)  # type: ignore[arg-type]
    assert [r.name for r in caplog.records] == ["tests.secrets.custom"]


def test_plaintext_value_is_refused_once_a_cipher_is_configured() -> None:
    store = DictStore()
    store.state["secret:a"] = "plain:forged"
    with pytest.raises(SecretError, match="plaintext while a cipher"):
        SecretState(store, SecretCipher(KEY)).get_secret("a")  # type: ignore[arg-type]


def test_encrypted_value_needs_the_cipher() -> None:
    store = DictStore()
    SecretState(store, SecretCipher(KEY)).set_secret("a", "value")  # type: ignore[arg-type]
    plain = SecretState(store, None, allow_plaintext_secrets=True)  # type: ignore[arg-type]
    with pytest.raises(SecretError, match="no cipher"):
        plain.get_secret("a")


@pytest.mark.parametrize("name", ["", None, 3])
def test_secret_name_must_be_a_non_empty_str(name: object) -> None:
    secrets = SecretState(DictStore(), SecretCipher(KEY))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="non-empty str"):
        secrets.set_secret(name, "v")  # type: ignore[arg-type]


def test_secret_value_must_be_a_str() -> None:
    secrets = SecretState(DictStore(), SecretCipher(KEY))  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="takes a str value"):
        secrets.set_secret("a", b"bytes")  # type: ignore[arg-type]
