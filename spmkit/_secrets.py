"""Encrypted state: secrets (partner API keys, tokens) at rest with AES-256-GCM.

:class:`SecretCipher` encrypts one value into a versioned text token
``v1:<base64(nonce | ciphertext | tag)>`` with a fresh random 96-bit nonce each time.
A tampered value, or one encrypted under another key, raises :class:`SecretError`:
decryption never returns garbage.

:class:`SecretState` keeps named secrets in a store's key-value state under the
``secret:`` prefix. Each value is bound to its name (GCM associated data), so a
ciphertext copied from one name to another does not decrypt. Without a cipher it
refuses to start, unless plaintext is explicitly allowed for local development.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from spmkit._errors import InvalidArgument, SecretError
from spmkit._store import Store

__all__ = ["SecretCipher", "SecretState"]

_VERSION = "v1:"
_PLAIN = "plain:"
_PREFIX = "secret:"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_HEX = re.compile(r"[0-9a-fA-F]{64}")
_GENERATE = 'python -c "import secrets; print(secrets.token_hex(32))"'


class SecretCipher:
    """AES-256-GCM with a 32-byte key given as 64 hex characters.

    For example::

        cipher = SecretCipher(os.environ["SPMKIT_SECRET_KEY"])
        token = cipher.encrypt("partner-api-key")   # "v1:..."
        cipher.decrypt(token)                       # "partner-api-key"

    ``aad`` (associated data) binds a value to a context such as its name: the same
    ``aad`` must be given to decrypt it.
    """

    __slots__ = ("_aead",)

    def __init__(self, key_hex: str) -> None:
        if not isinstance(key_hex, str) or _KEY_HEX.fullmatch(key_hex) is None:
            # Never echo the value: it may be a real key with a typo.
            shape = (
                f"a {type(key_hex).__name__}"
                if not isinstance(key_hex, str)
                else f"{len(key_hex)} characters"
            )
            raise InvalidArgument(
                f"SecretCipher needs a 32-byte key written as 64 hex characters, got {shape}. "
                f"Generate one with: {_GENERATE}"
            )
        self._aead = AESGCM(bytes.fromhex(key_hex))

    def encrypt(self, plaintext: str, *, aad: str = "") -> str:
        """Encrypt ``plaintext`` into a ``v1:`` token (a new random nonce each call)."""
        if not isinstance(plaintext, str):
            raise InvalidArgument(
                f"SecretCipher.encrypt takes a str, got {type(plaintext).__name__}; "
                "decode bytes first (value.decode('utf-8'))."
            )
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), aad.encode("utf-8"))
        return _VERSION + base64.b64encode(nonce + sealed).decode("ascii")

    def decrypt(self, token: str, *, aad: str = "") -> str:
        """Decrypt a ``v1:`` token, or raise :class:`SecretError` if it is not authentic."""
        if not isinstance(token, str) or not token.startswith(_VERSION):
            raise SecretError(
                "Not an encrypted spmkit value (expected the 'v1:' prefix written by "
                "SecretCipher.encrypt); re-encrypt it with SecretCipher.encrypt."
            )
        text = token[len(_VERSION) :]
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise SecretError(
                "Encrypted value is malformed (invalid base64): it was truncated or edited. "
                "Set the secret again."
            ) from exc
        # The decoder ignores the unused low bits of the last character and extra
        # padding, so several texts decode to one blob: only the one encrypt() wrote
        # is a token (an edited token never decrypts).
        if base64.b64encode(raw).decode("ascii") != text:
            raise SecretError(
                "Encrypted value is malformed (not the canonical base64 that "
                "SecretCipher.encrypt writes): it was edited. Set the secret again."
            )
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise SecretError(
                "Encrypted value is too short to be authentic: it was truncated. "
                "Set the secret again."
            )
        try:
            data = self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], aad.encode("utf-8"))
        except InvalidTag as exc:
            raise SecretError(
                "Encrypted value failed authentication: it was tampered with, moved from "
                "another name, or encrypted with a different key. Check the key "
                "(SecretCipher(key_hex)) or set the secret again."
            ) from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:  # authentic, but not written by encrypt()
            raise SecretError("Decrypted value is not UTF-8 text; set the secret again.") from exc

    def __repr__(self) -> str:
        return "SecretCipher(key=<hidden>)"


class SecretState:
    """Named secrets kept encrypted in a store's key-value state (``secret:<name>``).

    For example::

        secrets = SecretState(store, SecretCipher(key_hex))
        secrets.set_secret("partner_api_key", "k-123")
        secrets.get_secret("partner_api_key")   # "k-123"

    Without a cipher it raises :class:`SecretError` (it refuses to start) unless
    ``allow_plaintext_secrets=True``, which stores values as plaintext and logs a
    WARNING: for local development only.
    """

    def __init__(
        self,
        store: Store,
        cipher: SecretCipher | None,
        *,
        allow_plaintext_secrets: bool = False,
        logger: logging.Logger | None = None,
    ) -> None:
        if cipher is not None and not isinstance(cipher, SecretCipher):
            raise InvalidArgument(
                f"cipher must be a SecretCipher or None, got {type(cipher).__name__}."
            )
        log = logger if logger is not None else logging.getLogger("spmkit.secrets")
        if cipher is None:
            if not allow_plaintext_secrets:
                raise SecretError(
                    "SecretState refuses to start without a SecretCipher: secrets would be "
                    "stored in plaintext. Pass SecretCipher(key_hex) with a key generated by "
                    f"{_GENERATE}, or allow_plaintext_secrets=True for local development only."
                )
            log.warning(
                "SecretState is storing secrets in PLAINTEXT (allow_plaintext_secrets=True). "
                "Use this for local development only; pass a SecretCipher in production."
            )
        self._store = store
        self._cipher = cipher

    def set_secret(self, name: str, value: str) -> None:
        """Store ``value`` under ``name``, encrypted and bound to the name."""
        key = _key(name)
        if not isinstance(value, str):
            raise InvalidArgument(
                f"set_secret({name!r}, ...) takes a str value, got {type(value).__name__}."
            )
        if self._cipher is None:
            self._store.set_state(key, _PLAIN + value)
        else:
            self._store.set_state(key, self._cipher.encrypt(value, aad=key))

    def get_secret(self, name: str) -> str | None:
        """Return the secret stored under ``name``, or ``None`` if there is none."""
        key = _key(name)
        stored = self._store.get_state(key)
        if stored is None:
            return None
        if self._cipher is None:
            if not stored.startswith(_PLAIN):
                raise SecretError(
                    f"Secret {name!r} is encrypted but this SecretState has no cipher; "
                    "pass the SecretCipher it was written with."
                )
            return stored[len(_PLAIN) :]
        if stored.startswith(_PLAIN):
            # The prefix is part of the stored text, so anyone who can write the store
            # could forge it: with a key configured, plaintext is tampering.
            raise SecretError(
                f"Secret {name!r} is stored in plaintext while a cipher is configured "
                "(written in development mode, or tampered with); set it again."
            )
        try:
            return self._cipher.decrypt(stored, aad=key)
        except SecretError as exc:
            raise SecretError(f"Secret {name!r}: {exc}") from exc

    def delete_secret(self, name: str) -> None:
        """Forget the secret stored under ``name`` (no error if there is none)."""
        self._store.delete_state(_key(name))

    def __repr__(self) -> str:
        mode = "encrypted" if self._cipher is not None else "PLAINTEXT"
        return f"SecretState({mode})"


def _key(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidArgument(f"A secret name must be a non-empty str, got {name!r}.")
    return _PREFIX + name
