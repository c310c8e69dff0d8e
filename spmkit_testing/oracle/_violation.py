"""``Violation``: an invariant of the golden rule broke — which, when, where, why."""

from __future__ import annotations

from typing import ClassVar

__all__ = ["Violation"]


class Violation(AssertionError):
    """An invariant of the golden rule broke: which, when, where, for which record, and why.

    ``where`` is the step-source in its one spelling (``customers``, ``orders@store-1``;
    ``(run)`` for a run as a whole); ``hazard`` marks a loss no engine could prevent with
    this overlap (the record became readable only after a cursor had passed its stamp by
    more than ``overlap_seconds``).
    """

    #: How each invariant is named in a message (filled by the registry, id -> one line).
    titles: ClassVar[dict[str, str]] = {}

    def __init__(self, invariant: str, tick: int, where: str, detail: str, *,
                 record: str | None = None, hazard: bool = False) -> None:
        self.invariant = invariant
        self.tick = tick
        self.where = where
        self.detail = detail
        self.record = record
        self.hazard = hazard
        self.context = ""
        super().__init__(self._text())

    def _text(self) -> str:
        title = self.titles.get(self.invariant, "")
        head = (f"{self.invariant} ({title}) violated at tick {self.tick}, "
                f"step-source {self.where}")
        if self.record is not None:
            head += f", record {self.record!r}"
        text = f"{head}: {self.detail}"
        return f"{text}\n{self.context}" if self.context else text

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What makes two violations the same finding: invariant, step-source, record."""
        return (self.invariant, self.where, self.record)

    def one_line(self) -> str:
        """The violation without its context, first line of the detail only."""
        return self._text().splitlines()[0]

    def with_context(self, context: str) -> Violation:
        """Attach the seed and the timeline to the message."""
        self.context = context
        self.args = (self._text(),)
        return self
