"""The reference integration: a small but real integration of a fictitious POS ("Demo POS").

It is what the harness simulates when no integration is named, and the example to copy:
:data:`reference_integration` (built by :func:`build_reference_integration`) and its
adapter :data:`reference_adapter`. Only :class:`spmkit_testing.Target`'s default imports
it; nothing generic in the harness knows the Demo POS.
"""

from __future__ import annotations

from spmkit_testing.reference._adapter import reference_adapter
from spmkit_testing.reference._pos import (
    DEFAULT_STORES,
    POS_BASE_URL,
    PosSettings,
    build_reference_integration,
    customer_item,
    list_stores,
    order_item,
    parse_settings,
    provisioning,
    reference_integration,
    stream_customers,
    stream_orders,
)

__all__ = [
    "build_reference_integration",
    "customer_item",
    "DEFAULT_STORES",
    "list_stores",
    "order_item",
    "parse_settings",
    "POS_BASE_URL",
    "PosSettings",
    "provisioning",
    "reference_adapter",
    "reference_integration",
    "stream_customers",
    "stream_orders",
]
