"""Which cursor: :class:`StepSource`, a step's entity and, for a per-source step, its source.

The engine keeps one cursor per step-source. A step-source has one text form, and spmkit
writes it that way everywhere (run summaries, log lines, errors): ``customers`` for the
cursor of a global step, ``orders@store-1`` for the source ``store-1`` of a per-source
step. :meth:`StepSource.parse` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from spmkit._errors import InvalidArgument

__all__ = ["StepSource"]

_AT = "@"
_EXAMPLES = "'customers' (a global step) or 'orders@store-1' (a source of a per-source step)"


@dataclass(frozen=True, slots=True, order=True)
class StepSource:
    """One step-source: an ``entity`` and its ``source_key`` (``""`` for a global step).

    ``str()`` gives its text form and :meth:`parse` reads it back. Step-sources sort by
    entity, then source key (a global step-source first).

    For example::

        str(StepSource("orders", "store-1"))  # 'orders@store-1'
        str(StepSource("customers"))          # 'customers'
        StepSource.parse("orders@store-1")    # StepSource(entity='orders', source_key='store-1')
        summary.steps[0].step_source          # the step-source of a run's first step summary
    """

    entity: str
    source_key: str = ""

    def __post_init__(self) -> None:
        for name in ("entity", "source_key"):
            value = getattr(self, name)
            if type(value) is not str:
                raise InvalidArgument(
                    f"Expected a str for {name} but got {name}={value!r:.80} "
                    f"(type={type(value).__name__}); a step-source is such as "
                    f"StepSource('orders', 'store-1')."
                )

    def __str__(self) -> str:
        return f"{self.entity}{_AT}{self.source_key}" if self.source_key else self.entity

    @classmethod
    def parse(cls, text: str) -> StepSource:
        """Read a step-source from its text form: ``entity`` or ``entity@source``.

        Refuses (with :class:`~spmkit.InvalidArgument`) an empty entity or source, and an
        entity or source holding ``@`` or ``/`` (``orders/store-1`` is not a spelling of
        ``orders@store-1``).

        For example::

            StepSource.parse("customers")       # StepSource(entity='customers', source_key='')
            StepSource.parse("orders@store-1")  # StepSource(entity='orders', source_key='store-1')
        """
        if not isinstance(text, str):
            raise InvalidArgument(
                f"Expected a str for a step-source but got {text!r:.80} "
                f"(type={type(text).__name__}); write one such as {_EXAMPLES}."
            )
        entity, at, source = text.partition(_AT)
        why = ""
        if not entity:
            why = "the entity is empty"
        elif at and not source:
            why = f"the source after '@' is empty (a global step is written {entity!r})"
        elif _AT in source:
            why = "it holds more than one '@'"
        elif "/" in text:
            why = "an entity or source may not hold '/'"
            head, _, tail = text.partition("/")
            if not at and head and tail and "/" not in tail:
                why += f"; did you mean {head + _AT + tail!r}?"
        if why:
            raise InvalidArgument(
                f"Expected a step-source such as {_EXAMPLES} but got {text!r}: {why}."
            )
        return cls(entity, source)
