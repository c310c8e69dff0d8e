"""Pages a partner serves wrong: ``null_page()``, ``error_page()``, ``duplicate_page()``,
``reordered_page()``. They need an adapter whose partner reads can be reshaped (``pages``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.faults._draw import Ints, per_side
from spmkit_testing.faults._effect import Effect, Side
from spmkit_testing.faults._fault import Fault, make_fault, register
from spmkit_testing.faults._page import Page, PageRead

if TYPE_CHECKING:
    from spmkit_testing.faults._request import ApiRequest, PartnerRequest

__all__ = ["DuplicatePage", "ErrorPage", "NullPage", "ReorderedPage", "duplicate_page",
           "error_page", "null_page", "reordered_page"]

_PARTNER: frozenset[Side] = frozenset({"partner"})


class _PageEffect(Effect):
    __slots__ = ()
    sides = _PARTNER
    slot = "page"
    needs = frozenset({"pages"})
    on_listings = False
    draws = per_side(partner={})


@dataclass(frozen=True, slots=True)
class NullPage(_PageEffect):
    """The partner answers 200 with ``null`` where the page of records belongs."""

    verb = "null_page"
    # A read that ends early half way is where an integration loses data (an error caught
    # as "no more pages"): drawn twice as often.
    weight = per_side(partner=2)

    def shape(self, page: Page, read: PageRead) -> Page:
        return dataclasses.replace(page, records=None)


@dataclass(frozen=True, slots=True)
class ErrorPage(_PageEffect):
    """The partner answers 200 whose whole body is an error object instead of a page."""

    verb = "error_page"

    def shape(self, page: Page, read: PageRead) -> Page:
        return dataclasses.replace(page, records=None, error=True)


@dataclass(frozen=True, slots=True)
class DuplicatePage(_PageEffect):
    """The partner serves the page with ``count`` records already served put in front again
    (as a keyset or token API whose bound is inclusive does; an API paged by offset or page
    number never serves more than its limit, so it does not apply there)."""

    count: int = 1
    verb = "duplicate_page"
    draws = per_side(partner={"count": Ints(1, 3)})

    def applies(self, request: ApiRequest | PartnerRequest) -> bool:
        # An offset-paged API never serves more than its limit: repeated records there
        # come from records changing during the read, which updates and late arrivals model.
        return not getattr(request, "by_offset", False)

    def shape(self, page: Page, read: PageRead) -> Page:
        records = page.records or []
        # The records served just before this page (a first page repeats its own first).
        before = read.earlier(self.count) or records[: self.count]
        return dataclasses.replace(page, records=before + records)

    def args(self) -> list[str]:
        return [] if self.count == 1 else [f"count={self.count}"]


@dataclass(frozen=True, slots=True)
class ReorderedPage(_PageEffect):
    """The partner serves the page's records rotated out of ``(updated_at, key)`` order."""

    verb = "reordered_page"

    def shape(self, page: Page, read: PageRead) -> Page:
        records = page.records
        if records is None or len(records) < 2:
            return page
        shift = read.rng.randrange(1, len(records))
        return dataclasses.replace(page, records=records[shift:] + records[:shift])


@register(NullPage)
def null_page(**match: Any) -> Fault:
    """The partner answers 200 with ``null`` where the records belong."""
    return make_fault(NullPage(), match)


@register(ErrorPage)
def error_page(**match: Any) -> Fault:
    """The partner answers 200 with an error object instead of a page."""
    return make_fault(ErrorPage(), match)


@register(DuplicatePage)
def duplicate_page(count: int = 1, **match: Any) -> Fault:
    """The partner serves ``count`` records already served again, in front of the page."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidScenario(f"duplicate_page(count={count!r}) must be an int >= 1.")
    return make_fault(DuplicatePage(count), match)


@register(ReorderedPage)
def reordered_page(**match: Any) -> Fault:
    """The partner serves the page's records out of order."""
    return make_fault(ReorderedPage(), match)
