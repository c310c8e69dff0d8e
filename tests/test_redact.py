from __future__ import annotations

import logging
import sys
from collections.abc import Iterator

import pytest

from spmkit import InvalidArgument, RedactingFilter, install_redaction

HEX_KEY = "3f9a1c0e5b7d2f4a6c8e0b1d3f5a7c9e"
B64_TOKEN = "Zx9aQ2bR7cT4dU1eV8fW3gX6hY0iJ5kL2mN"


def record(msg: object, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("spmkit.test", logging.INFO, __file__, 1, msg, args or None, None)
    rec.__dict__.update(extra)
    return rec


def redacted(msg: object, *args: object, **extra: object) -> logging.LogRecord:
    rec = record(msg, *args, **extra)
    assert RedactingFilter().filter(rec) is True
    return rec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("spm-api-key: k-abc123 sent", "spm-api-key: [REDACTED] sent"),
        ("SPM-API-KEY=k-abc123", "SPM-API-KEY=[REDACTED]"),
        ("password=hunter2!", "password=[REDACTED]"),
        ('{"client_secret": "two words"}', '{"client_secret": "[REDACTED]"}'),
        ("GET /v1/x?api_key=abcd&page=2", "GET /v1/x?api_key=[REDACTED]&page=2"),
        ("Authorization: Bearer eyJhbGc.iOi-J9", "Authorization: Bearer [REDACTED]"),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"),
        ("sent with Bearer abc123xyz", "sent with Bearer [REDACTED]"),
        (f"key {HEX_KEY} used", "key [REDACTED] used"),
        (f"token {B64_TOKEN}==", "token [REDACTED]"),
        ("mail john.doe@example.com now", "mail j***@example.com now"),
        ("call +33 6 12 34 56 78 today", "call +***78 today"),
        ("call 06.12.34.56.78 today", "call ***78 today"),
        ("call (555) 123-4567 today", "call ***67 today"),
    ],
)
def test_message_is_redacted(text: str, expected: str) -> None:
    assert redacted(text).getMessage() == expected


@pytest.mark.parametrize(
    "text",
    [
        "customer cust-42 synced at 2024-05-01T12:00:00+02:00",
        "window 2024-05-01 10:00:00 .. 2024-05-02 10:00:00.123456Z",
        "order 1700000000 count 1234567 on 01/05/2024 ip 10.0.0.1 v1.2.3",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
        "POST /v1/customers/bulk shopimind-integration-kit-js",
        "the token expired; basic validation failed; bearer tokens; max_tokens: 5",
        "5 item(s) rejected (cursor held; set tolerate_rejects to advance)",
    ],
)
def test_ordinary_text_is_not_mangled(text: str) -> None:
    assert redacted(text).getMessage() == text


def test_args_are_rendered_then_redacted() -> None:
    rec = redacted("header %s %s for %s (%d items)", "Bearer", "tok-12345678", "a@b.io", 3)
    assert rec.getMessage() == "header Bearer [REDACTED] for a***@b.io (3 items)"
    assert rec.args == ()


def test_dict_args_are_redacted_by_key_name() -> None:
    payload = {"api_key": "short", "nested": {"Password": ["x"]}, "id": "cust-42"}
    rec = redacted("payload %s", payload)
    message = rec.getMessage()
    assert "short" not in message
    assert "'x'" not in message
    assert "cust-42" in message
    assert payload["api_key"] == "short"  # the caller's object is not modified


def test_mapping_args_are_redacted() -> None:
    rec = redacted("%(user)s used %(token)s", {"user": "jo@example.com", "token": "abc"})
    assert rec.getMessage() == "j***@example.com used [REDACTED]"


def test_extra_fields_are_redacted() -> None:
    rec = redacted(
        "sync",
        api_key="k-1",
        partner={"secret": "s", "email": "ann@shop.fr", "phone": 33612345678},
        email="ann@shop.fr",
        phone="06 12 34 56 78",
        note=f"token={B64_TOKEN}",
        customer_id="cust-42",
        started_at="2024-05-01T12:00:00Z",
        items=10,
    )
    assert rec.__dict__["api_key"] == "[REDACTED]"
    assert rec.__dict__["partner"] == {
        "secret": "[REDACTED]",
        "email": "a***@shop.fr",
        "phone": "***78",
    }
    assert rec.__dict__["email"] == "a***@shop.fr"
    assert rec.__dict__["phone"] == "***78"
    assert rec.__dict__["note"] == "token=[REDACTED]"
    assert rec.__dict__["customer_id"] == "cust-42"
    assert rec.__dict__["started_at"] == "2024-05-01T12:00:00Z"
    assert rec.__dict__["items"] == 10


def test_registered_secrets_are_redacted_everywhere() -> None:
    redaction = RedactingFilter(["plain-words-key"])
    redaction.add_secret("xyz-777")
    rec = record("using plain-words-key and %s", "xyz-777", hint="xyz-777!")
    redaction.filter(rec)
    assert rec.getMessage() == "using [REDACTED] and [REDACTED]"
    assert rec.__dict__["hint"] == "[REDACTED]!"


@pytest.mark.parametrize("value", ["", "abc", None])
def test_too_short_secret_is_refused(value: object) -> None:
    with pytest.raises(InvalidArgument, match="at least 4 characters"):
        RedactingFilter().add_secret(value)  # type: ignore[arg-type]


def test_exception_text_is_redacted() -> None:
    try:
        raise RuntimeError("auth failed for spm-api-key: k-secret-1")
    except RuntimeError:
        rec = logging.LogRecord(
            "spmkit.test", logging.ERROR, __file__, 1, "boom", None, sys.exc_info()
        )
    RedactingFilter().filter(rec)
    assert rec.exc_text is not None
    assert "RuntimeError" in rec.exc_text
    assert "k-secret-1" not in rec.exc_text
    formatted = logging.Formatter().format(rec)
    assert "k-secret-1" not in formatted


def test_redaction_is_idempotent() -> None:
    redaction = RedactingFilter()
    text = "a@b.io +33 6 12 34 56 78 password=x Authorization: Bearer abc.def"
    once = redaction.redact_text(text)
    assert redaction.redact_text(once) == once


def test_deep_nesting_fails_closed() -> None:
    value: object = "secret-at-the-bottom"
    for _ in range(12):
        value = [value]
    assert "secret-at-the-bottom" not in str(RedactingFilter().redact_value(value))


@pytest.fixture
def fresh_logger(request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"spmkit_redact_test.{request.node.name}"
    yield name
    logger = logging.getLogger(name)
    logger.handlers.clear()
    logger.filters.clear()
    logger.propagate = True


def test_install_covers_child_loggers_created_later(
    fresh_logger: str, caplog: pytest.LogCaptureFixture
) -> None:
    install_redaction(fresh_logger, secrets=["registered-secret"])
    child = logging.getLogger(f"{fresh_logger}.engine.{id(caplog)}")
    with caplog.at_level(logging.INFO):
        child.info("key %s for %s", "registered-secret", "jo@example.com", extra={"token": "t"})
        logging.getLogger(fresh_logger).info("direct password=p4ss")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["key [REDACTED] for j***@example.com", "direct password=[REDACTED]"]
    assert caplog.records[0].__dict__["token"] == "[REDACTED]"


def test_install_is_idempotent(fresh_logger: str) -> None:
    first = install_redaction(fresh_logger)
    second = install_redaction(fresh_logger, secrets=["later-secret"])
    logger = logging.getLogger(fresh_logger)
    assert first is second
    assert len(logger.handlers) == 1
    assert logger.filters == [first]
    assert first.redact_text("later-secret") == "[REDACTED]"


def test_install_keeps_the_last_resort_stderr_fallback(
    fresh_logger: str, capsys: pytest.CaptureFixture[str]
) -> None:
    install_redaction(fresh_logger)
    logger = logging.getLogger(fresh_logger)
    logger.propagate = False  # no handler anywhere: Python's lastResort should print
    logger.warning("failed for password=p4ss")
    logger.info("below the last resort level")
    assert capsys.readouterr().err == "failed for password=[REDACTED]\n"


def test_install_runs_before_handlers_already_on_the_logger(fresh_logger: str) -> None:
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, rec: logging.LogRecord) -> None:
            seen.append(rec.getMessage())

    logger = logging.getLogger(fresh_logger)
    logger.addHandler(Collect())
    install_redaction(fresh_logger)
    logging.getLogger(f"{fresh_logger}.child").warning("Bearer abc123456")
    assert seen == ["Bearer [REDACTED]"]
