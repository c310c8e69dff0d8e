"""The JS benchmark's in-process client, in Python: no HTTP, a handler per chunk of 50.

``benchmarks/js/kit_bench.mjs`` runs the JS kit's engine on ``makeScriptedSpmClient``:
the SDK chunks each push by 50 and hands every chunk, as objects, to a handler that
validates the items as spmkit's fake does for customers (the same e-mail rule, the
natural key, the known fields and their types) and keeps the valid ones by key in a
``Map``. No JSON, no request or response objects, no journal. :class:`ScriptedCustomers`
is that client for spmkit's engine (``bulk_save`` is all the safe push needs), so
``backfill_scripted`` compares the two engines on the same work, while the ``backfill``
measure runs spmkit's real path (``SpmClient`` over httpx into the stateful fake).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from spmkit import BulkData, ChunkSummary, Envelope

__all__ = ["ScriptedCustomers"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
CHUNK = 50


def _text(v: Any) -> bool:
    return v is None or type(v) is str or (type(v) in (int, float) and math.isfinite(v))


def _email(v: Any) -> bool:
    return v is None or (type(v) is str and len(v) <= 254 and _EMAIL.fullmatch(v) is not None)


def _stamp(v: Any) -> bool:
    return v is None or type(v) is str  # the JS handler's Date.parse is as lenient


_FIELDS: dict[str, Callable[[Any], bool]] = {
    "customer_id": _text, "first_name": _text, "last_name": _text, "lang": _text,
    "label_source": _text, "email": _email, "updated_at": _stamp,
    "is_active": lambda v: v is None or type(v) is bool,
    "id_data_source": lambda v: v is None or type(v) is int,
}


class ScriptedCustomers:
    """``bulk_save`` of customers, chunk by chunk, validated as the JS handler does."""

    def __init__(self) -> None:
        self.stored: dict[str, Mapping[str, Any]] = {}

    async def bulk_save(self, resource: str, items: Sequence[Mapping[str, Any]], *,
                        id_definition: Any = None) -> Envelope:
        chunks: list[ChunkSummary] = []
        rejected: list[dict[str, Any]] = []
        sent = 0
        for index, start in enumerate(range(0, len(items), CHUNK)):
            part = items[start:start + CHUNK]
            refused = 0
            for position, item in enumerate(part):
                raw = item.get("customer_id")
                key = raw if type(raw) is str and raw else None
                reason = None if key is not None else "missing customer_id"
                for name, value in item.items():
                    check = _FIELDS.get(name)
                    if check is None:
                        reason = f"unknown field {name}"
                    elif not check(value):
                        reason = f"{name} has an invalid value"
                if reason is not None or key is None:
                    refused += 1
                    rejected.append({"key": key, "index": position,
                                     "batch_index": start + position, "reason": reason})
                else:
                    self.stored[key] = item
            sent += len(part) - refused
            chunks.append(ChunkSummary(
                index=index, status_code=200, ok=True,
                item_keys=tuple(str(i.get("customer_id")) for i in part),
                sent_count=len(part) - refused, rejected_count=refused))
        return Envelope(ok=True, status_code=200, data=BulkData(
            sent_count=sent, rejected_count=len(rejected), rejected_items=tuple(rejected),
            chunks=tuple(chunks)))

    async def aclose(self) -> None:
        return None
