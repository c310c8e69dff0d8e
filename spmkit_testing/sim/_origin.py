"""Where a failure of a run comes from: the adapter's own code, or the integration.

The engine turns every exception a step meets into an error of that step-source; a
step that keeps failing holds its cursor, and the oracle then reports records as lost.
That is right when the *integration* is wrong, and wrong when the *adapter* is: an
exception raised inside the adapter's fake of a vendor SDK says nothing about the
integration. :class:`AdapterWatch` tells them apart where the two meet: it wraps each
method of the client object the adapter's ``partner_api`` built (the methods the
adapter's own code defines), and an exception that escapes one of them in a call where
no partner fault fired (a fault that the fake translates into its SDK's error is the
fake doing its job) is an :class:`AdapterError`. The run stops at the end of that tick
and says so, naming the file and line that raised (``spmkit run`` and ``spmkit prove``
exit 2), instead of reporting a loss.

A REST adapter has no code of its own on the read path: its route table is served from
its declarations, so its answers cannot contradict them.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Iterator
from types import CodeType, TracebackType
from typing import Any

from spmkit_testing.adapter import Adapter, InvalidAdapter
from spmkit_testing.partner import Partner

__all__ = ["AdapterError", "AdapterWatch"]


class AdapterError(InvalidAdapter):
    """The adapter's own code failed during a run: an error of the adapter, not a loss of
    the integration (``where`` is the ``file:line in function`` that raised)."""

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__(message)
        self.where = where


def _codes(code: CodeType) -> Iterator[CodeType]:
    """``code`` and every function, lambda and comprehension defined inside it."""
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _codes(const)


def _functions_of(owner: Any) -> Iterator[CodeType]:
    """The code of a function, or of every function a class (and its bases) defines."""
    if inspect.isclass(owner):
        for klass in owner.__mro__:
            if klass.__module__.startswith(("builtins", "spmkit_testing")):
                continue
            for value in vars(klass).values():
                for attr in (value, getattr(value, "__func__", None),
                             getattr(value, "fget", None)):
                    code = getattr(attr, "__code__", None)
                    if isinstance(code, CodeType):
                        yield from _codes(code)
        return
    code = getattr(owner, "__code__", None)
    if isinstance(code, CodeType):
        yield from _codes(code)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


class AdapterWatch:
    """The code of an SDK adapter's fake, and the wrappers of its client's methods (see
    the module docstring). ``errors`` lists what it found, in order."""

    def __init__(self, adapter: Adapter, partner: Partner) -> None:
        self.partner = partner
        self.codes: set[CodeType] = set(_functions_of(adapter.partner_api))
        if partner.client is not None:
            self.codes |= set(_functions_of(type(partner.client)))
        self.errors: list[AdapterError] = []

    def origin(self, exc: BaseException) -> str | None:
        """``file:line in function`` of the adapter's frame the exception passed through
        (the innermost one), or ``None`` when it never did."""
        for link in _chain(exc):
            found = None
            tb: TracebackType | None = link.__traceback__
            while tb is not None:
                if tb.tb_frame.f_code in self.codes:
                    found = tb
                tb = tb.tb_next
            if found is not None:
                code = found.tb_frame.f_code
                return f"{code.co_filename}:{found.tb_lineno} in {code.co_name}"
        return None

    def _note(self, exc: BaseException, method: str, calls_before: int) -> None:
        faulted = any(call.fault is not None for call in self.partner.calls
                      if call.number > calls_before)
        if faulted:
            return
        where = self.origin(exc) or f"{type(self.partner.client).__name__}.{method}"
        detail = "".join(traceback.format_exception_only(exc)).strip()
        self.errors.append(AdapterError(
            f"the adapter's SDK fake raised {detail}\n  at {where}\n  in client.{method}(...), "
            f"with no partner fault on. This is an error of the adapter, not a loss of the "
            f"integration: fix the fake so it answers as the real SDK does (or, if the real "
            f"SDK refuses this call the same way, fix the integration's call), then run again.",
            where=where))

    def _wrapped(self, name: str, bound: Callable[..., Any]) -> Callable[..., Any]:
        note, partner = self._note, self.partner
        if inspect.iscoroutinefunction(bound):
            async def call_async(*args: Any, **kwargs: Any) -> Any:
                before = partner.call_count
                try:
                    return await bound(*args, **kwargs)
                except Exception as exc:
                    note(exc, name, before)
                    raise
            return call_async
        if inspect.isasyncgenfunction(bound):
            async def iterate(*args: Any, **kwargs: Any) -> Any:
                before = partner.call_count
                try:
                    async for item in bound(*args, **kwargs):
                        yield item
                except Exception as exc:
                    note(exc, name, before)
                    raise
            return iterate

        def call(*args: Any, **kwargs: Any) -> Any:
            before = partner.call_count
            try:
                return bound(*args, **kwargs)
            except Exception as exc:
                note(exc, name, before)
                raise
        return call

    def watch(self, client: Any) -> None:
        """Wrap, on ``client`` itself, each method its class defines in the adapter's code
        (a client that refuses new attributes is left as it is)."""
        for name in dir(type(client)):
            if name.startswith("__"):
                continue
            raw = inspect.getattr_static(client, name)
            func = getattr(raw, "__func__", raw)
            if not inspect.isfunction(func) or func.__code__ not in self.codes:
                continue
            try:
                setattr(client, name, self._wrapped(name, getattr(client, name)))
            except (AttributeError, TypeError):
                return

    def raise_first(self) -> None:
        """Raise the first :class:`AdapterError` found, if any."""
        if self.errors:
            raise self.errors[0]

