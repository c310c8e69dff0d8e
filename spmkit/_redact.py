"""Log redaction: secrets never reach a log line, emails and phone numbers are masked.

:class:`RedactingFilter` rewrites each record in place: its message and args (the
message is rendered first, so ``log.info("Bearer %s", token)`` is caught), its
exception text and stack, and every ``extra=`` attribute. Secrets are found by key
name (``password``, ``api_key``, ``token``...) in dicts and extras, by shape in text
(``spm-api-key: ...``, ``Bearer ...``, ``password=...``, long hex or base64 strings)
and by value for anything registered with :meth:`RedactingFilter.add_secret`.
Emails become ``j***@example.com``; phone numbers keep their last two digits.
Bare digit runs (ids, Unix times) and ISO dates are left alone.

A filter on a logger is only consulted for records logged *on that logger*, not
on its children, so :func:`install_redaction` also puts a hook handler first on the
``spmkit`` logger: every record of ``spmkit.*`` passes it before reaching any
handler further up (root, pytest's caplog...).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from spmkit._errors import InvalidArgument

__all__ = ["RedactingFilter", "install_redaction"]

REDACTED = "[REDACTED]"
_MAX_DEPTH = 8
_MIN_SECRET_LENGTH = 4

# Attributes every LogRecord has: anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}

_SENSITIVE_KEY = re.compile(
    r"secret|passw(?:or)?d|\bpwd\b|api[_-]?key|apikey|token|authori[sz]ation|credential"
    r"|private[_-]?key|access[_-]?key|cookie|session[_-]?id",
    re.IGNORECASE,
)
_EMAIL_KEY = re.compile(r"e[_-]?mail", re.IGNORECASE)
_PHONE_KEY = re.compile(r"phone|mobile|\bfax\b|\btel\b", re.IGNORECASE)

_KEYWORDS = (
    r"secret(?:[_-]?key)?|passw(?:or)?d|pwd|api[_-]?key|apikey|token|authori[sz]ation"
    r"|credentials?|private[_-]?key|access[_-]?key|cookie"
)
# `password=x`, `spm-api-key: x`, `"client_secret": "x y"`, `?api_key=x&`. The value is
# quoted (up to the closing quote) or a run up to a separator. `Bearer x` is left to
# the next pattern so it reads `Authorization: Bearer [REDACTED]`.
_KEY_VALUE = re.compile(
    rf"(?i)\b((?:[\w-]*?)(?:{_KEYWORDS}))\b"
    r"(\"|')?(\s*[:=]\s*)"
    r"(?:(\"|')((?:(?!\4).)*)\4"
    r"|(?!\[REDACTED\])(?!(?:bearer|basic|token|digest)\s)([^\s\"',;&}\])]+))"
)
# `Bearer x` anywhere, when x has a digit or punctuation ("bearer tokens" stays); any
# scheme (`Basic x`, `Token x`) as the value of an Authorization header.
_BEARER = re.compile(
    r"(?i)(\bbearer)(\s+)(?!\[REDACTED\])"
    r"(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])([A-Za-z0-9._~+/=-]{6,})"
)
_AUTH_SCHEME = re.compile(
    r"(?i)(\bauthori[sz]ation[\"']?\s*[:=]\s*[\"']?(?:bearer|basic|token|digest))(\s+)"
    r"(?!\[REDACTED\])([A-Za-z0-9._~+/=-]+)"
)
_LONG_HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-fA-F]{32,}(?![0-9A-Za-z])")
# 32+ base64/base64url characters mixing lower, upper and digits: a generated key.
# Identifiers, slugs and paths (one case, or no digit) are left alone.
_LONG_B64 = re.compile(
    r"(?<![A-Za-z0-9+/_-])"
    r"(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[a-z])(?=[A-Za-z0-9+/_-]*[A-Z])"
    r"[A-Za-z0-9+/_-]{32,}={0,2}"
    r"(?![A-Za-z0-9+/=_-])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*"
    r"@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# A leading + is a strong phone signal; national numbers need 2-4 digit groups with
# separators, so ISO dates (8 digits), times (colons) and bare ids are not phones.
_PHONE_INTL = re.compile(r"(?<![\w+])\+\d[\d\s().-]{6,}\d(?![\w])")
_PHONE_NATIONAL = re.compile(
    r"(?<![\w.:/+-])(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])(?:\d{2,4}[\s.-]){1,4}\d{2,4}(?![\w.:/-])"
)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts secrets and masks emails and phone numbers.

    It never drops a record; it rewrites it in place (``record.msg`` becomes the
    rendered, redacted message and ``record.args`` is emptied).

    For example::

        redaction = RedactingFilter()
        redaction.add_secret(partner_api_key)
        handler.addFilter(redaction)
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()
        for secret in secrets:
            self.add_secret(secret)

    def add_secret(self, value: str) -> None:
        """Redact every occurrence of ``value`` from now on (a key, a token...)."""
        if not isinstance(value, str) or len(value) < _MIN_SECRET_LENGTH:
            raise InvalidArgument(
                f"add_secret takes a str of at least {_MIN_SECRET_LENGTH} characters "
                "(a shorter value would mangle ordinary log text); got "
                f"{type(value).__name__ if not isinstance(value, str) else len(value)}."
            )
        with self._lock:
            if value not in self._secrets:
                # Longest first, so a secret that contains another is replaced whole.
                self._secrets = tuple(sorted((*self._secrets, value), key=len, reverse=True))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._render(record)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact_text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact_text(record.stack_info)
        for name in [key for key in record.__dict__ if key not in _STANDARD_ATTRS]:
            record.__dict__[name] = self._redact_field(name, record.__dict__[name], 0)
        return True

    def redact_text(self, text: str) -> str:
        """Return ``text`` with secrets redacted and emails and phones masked."""
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        text = _BEARER.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
        text = _AUTH_SCHEME.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
        text = _KEY_VALUE.sub(_redact_key_value, text)
        text = _LONG_HEX.sub(REDACTED, text)
        text = _LONG_B64.sub(REDACTED, text)
        text = _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", text)
        text = _PHONE_INTL.sub(_mask_phone_match, text)
        return _PHONE_NATIONAL.sub(_mask_phone_match, text)

    def redact_value(self, value: Any) -> Any:
        """Return a redacted copy of ``value`` (dicts by key name, strings by content)."""
        return self._redact_value(value, 0)

    def _render(self, record: logging.LogRecord) -> str:
        args = record.args
        if isinstance(args, Mapping):
            safe_args: Any = self._redact_value(args, 0)
        elif isinstance(args, tuple):
            safe_args = tuple(self._redact_value(arg, 0) for arg in args)
        else:
            safe_args = args
        try:
            message = str(record.msg) % safe_args if safe_args else str(record.msg)
        except (TypeError, ValueError, KeyError):
            # A broken format string: keep both parts visible, redacted, rather than fail.
            message = f"{record.msg} {safe_args!r}"
        return self.redact_text(message)

    def _redact_field(self, name: str, value: Any, depth: int) -> Any:
        if value is None or isinstance(value, bool):
            return value
        if _SENSITIVE_KEY.search(name):
            return REDACTED
        if _EMAIL_KEY.search(name) and isinstance(value, str):
            return _EMAIL.sub(lambda m: f"{m[1]}***@{m[2]}", value) if "@" in value else "***"
        if _PHONE_KEY.search(name) and isinstance(value, str | int):
            return _mask_phone(str(value))
        return self._redact_value(value, depth)

    def _redact_value(self, value: Any, depth: int) -> Any:
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, Mapping | list | tuple | set | frozenset) and depth >= _MAX_DEPTH:
            # Fail closed: a secret nested deeper than we look must not leak.
            return "[truncated]"
        if isinstance(value, Mapping):
            return {
                key: self._redact_field(str(key), item, depth + 1) for key, item in value.items()
            }
        if isinstance(value, list | tuple | set | frozenset):
            return type(value)(self._redact_value(item, depth + 1) for item in value)
        return value

    def __repr__(self) -> str:
        return f"RedactingFilter(secrets={len(self._secrets)})"


class _RedactionHook(logging.Handler):
    """Runs the filter for every record that reaches the ``spmkit`` logger's handlers.

    It emits nothing itself, except that it stands in for ``logging.lastResort``:
    being a handler, its presence would otherwise silence the stderr fallback that
    Python uses when no handler is configured.
    """

    def __init__(self, redaction: RedactingFilter) -> None:
        super().__init__()
        self.redaction = redaction
        self.addFilter(redaction)

    def emit(self, record: logging.LogRecord) -> None:
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        logger: logging.Logger | None = logging.getLogger(record.name)
        while logger is not None:
            if any(not isinstance(h, _RedactionHook) for h in logger.handlers):
                return
            if not logger.propagate:
                break
            logger = logger.parent
        last_resort.handle(record)


def install_redaction(logger_name: str = "spmkit", secrets: Iterable[str] = ()) -> RedactingFilter:
    """Redact every record of ``logger_name`` and its children; return the filter.

    Idempotent: a second call returns the same filter, with ``secrets`` added.

    For example::

        redaction = install_redaction(secrets=[settings.partner_api_key])
        redaction.add_secret(later_token)
    """
    logger = logging.getLogger(logger_name)
    hook = next((h for h in logger.handlers if isinstance(h, _RedactionHook)), None)
    if hook is None:
        hook = _RedactionHook(RedactingFilter())
        # First among the logger's handlers, so they too see redacted records.
        logger.handlers.insert(0, hook)
    logger.addFilter(hook.redaction)
    for secret in secrets:
        hook.redaction.add_secret(secret)
    return hook.redaction


def _redact_key_value(match: re.Match[str]) -> str:
    key, key_quote, separator, quote = match[1], match[2] or "", match[3], match[4]
    if quote:
        return f"{key}{key_quote}{separator}{quote}{REDACTED}{quote}"
    return f"{key}{key_quote}{separator}{REDACTED}"


def _mask_phone_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match[0])
    if not 9 <= len(digits) <= 15:
        return match[0]
    return _mask_phone(match[0])


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return ("+" if value.lstrip().startswith("+") else "") + "***" + digits[-2:]
