"""The checks of the wire contract, in the order a run sends them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spmkit import InvalidArgument
from spmkit_testing.contract import _checks_api as api
from spmkit_testing.contract import _checks_bulk as bulk
from spmkit_testing.contract._check import Check, CheckContext

__all__ = ["CHECKS", "check_names", "select_checks"]


def _check(run: Callable[[CheckContext], None], **kwargs: object) -> Check:
    title = " ".join((run.__doc__ or "").replace("``", "").split())
    return Check(run.__name__, title, run, **kwargs)  # type: ignore[arg-type]


#: Every check, in run order (the rate limit last: it spends the target's quota).
CHECKS: tuple[Check, ...] = (
    _check(api.auth),
    _check(api.data_sources),
    _check(bulk.bulk_counters),
    _check(bulk.item_rejects),
    _check(bulk.upsert_by_natural_key),
    _check(bulk.id_data_source),
    bulk.batch_limit("customers"),
    bulk.batch_limit("customers-groups"),
    bulk.batch_limit("custom-data-records"),
    _check(api.custom_data),
    _check(api.events),
    _check(api.bad_requests),
    _check(api.rate_limit, on_fake=api.rate_limit_on_fake),
)


def check_names() -> list[str]:
    """The names of the checks, in run order."""
    return [check.name for check in CHECKS]


def select_checks(names: Iterable[str] | None = None) -> tuple[Check, ...]:
    """The checks named (in run order), or all of them; an unknown name lists the known ones."""
    if names is None:
        return CHECKS
    wanted = list(names)
    unknown = [n for n in wanted if n not in check_names()]
    if unknown:
        raise InvalidArgument(
            f"unknown check {', '.join(map(repr, unknown))}; choose from: "
            f"{', '.join(check_names())}."
        )
    return tuple(check for check in CHECKS if check.name in wanted)
