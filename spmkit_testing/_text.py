"""How trace values read as text in reports and timelines: times, durations, step errors.

A step error that holds a cursor because ShopiMind refused items is written by the
engine as one line with a stable prefix::

    2 item(s) rejected (cursor held; set tolerate_rejects to advance) — 'bad': refused by
    ShopiMind: email must be a valid e-mail address, 'worse': ..., and 3 more

:func:`parse_rejects` reads it back into :class:`Rejects`, so the text timeline and the
HTML report can name the records and the API's reason without cutting them off
halfway through the boilerplate.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "Rejects",
    "clip",
    "duration",
    "error_text",
    "esc",
    "parse_rejects",
    "parse_time",
    "short_time",
]

_HEAD = re.compile(r"(?P<count>\d+) item\(s\) rejected \(cursor held[^)]*\)(?: — (?P<named>.*))?",
                   re.S)
# A named record starts with the key as ``repr`` writes it (either quote) or "(no key)".
_KEY = re.compile(r"""(?:^|, )(?P<key>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\(no key\)): """)
_MORE = re.compile(r", and (?P<more>\d+) more$")


@dataclass(frozen=True, slots=True)
class Rejects:
    """A reject that held a cursor: how many items, the first few ``(key, reason)`` pairs
    (the key as the engine quoted it) and how many more were not named."""

    count: int
    named: tuple[tuple[str, str], ...]
    more: int

    def text(self, *, reason_chars: int) -> str:
        """``1 item(s) rejected — 'bad': email must be …``, each reason cut to
        ``reason_chars``; records separated by ``; `` (reasons may hold commas)."""
        head = f"{self.count} item(s) rejected"
        if not self.named:
            return head
        parts = [f"{key}: {clip(reason, reason_chars)}" for key, reason in self.named]
        if self.more:
            parts.append(f"and {self.more} more")
        return f"{head} — {'; '.join(parts)}"


def parse_rejects(error: str) -> Rejects | None:
    """The records a reject held the cursor for, read from the engine's step error; None
    for any other error."""
    head = _HEAD.fullmatch(error)
    if head is None:
        return None
    named_text = head["named"] or ""
    more = 0
    tail = _MORE.search(named_text)
    if tail is not None:
        more, named_text = int(tail["more"]), named_text[: tail.start()]
    starts = list(_KEY.finditer(named_text))
    if named_text and (not starts or starts[0].start() != 0):
        return None  # not the shape the engine writes: show the error as it is
    named = []
    for i, start in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(named_text)
        named.append((start["key"], named_text[start.end():end]))
    return Rejects(int(head["count"]), tuple(named), more)


def error_text(error: str, *, limit: int, reason_chars: int = 60) -> str:
    """One step error in about ``limit`` characters: a reject as its count and the first
    records with the API's reason (see :meth:`Rejects.text`), anything else clipped."""
    rejects = parse_rejects(error)
    if rejects is not None:
        return rejects.text(reason_chars=reason_chars)
    return clip(error, limit)


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def duration(seconds: float) -> str:
    """``90`` -> ``"1m 30s"``, ``86400`` -> ``"1d"``: the two largest units."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            whole, rest = divmod(round(seconds), size)
            small = {"d": ("h", 3600), "h": ("m", 60), "m": ("s", 1)}[unit]
            part = rest // small[1]
            return f"{whole}{unit}" + (f" {part}{small[0]}" if part else "")
    return f"{seconds:.0f}s"


def short_time(value: datetime | None) -> str:
    """A UTC date and time, without seconds when they are zero; a dash for None."""
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def parse_time(value: str | None) -> datetime | None:
    """An ISO timestamp of the trace as an aware datetime (UTC when naive); None if absent."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
