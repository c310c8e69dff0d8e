"""Payloads of partner records, by the ShopiMind resource their stream lands in.

Records carry ShopiMind's field names (``email``, ``first_name``, ``amount``...); an
adapter's route table renames them to the partner's (``emailAddress``...), and the
integration maps them back. :func:`default_payload` is a fixed payload for a key;
:func:`fake_payload` draws one from a seeded Faker, for record factories.
"""

from __future__ import annotations

from typing import Any

from spmkit import BULK_RESOURCES

__all__ = ["default_payload", "fake_payload", "key_for"]


def key_for(resource: str, prefix: str, number: int) -> str:
    """The key of the ``number``-th generated record (an e-mail where the key is one)."""
    key = f"{prefix}{number}"
    return f"{key}@example.com" if BULK_RESOURCES[resource].natural_key == "email" else key


def default_payload(resource: str, key: str) -> dict[str, Any]:
    """A valid payload for ``key`` in ``resource`` (``email=<key>@example.com`` for a customer)."""
    if resource == "customers":
        return {"email": f"{key}@example.com", "first_name": "Ada", "last_name": key}
    if resource == "orders":
        return {"amount": 10.0, "currency": "EUR"}
    if resource in ("products", "products-variations"):
        return {"name": f"Product {key}", "price": 10.0}
    if resource == "vouchers":
        return {"code": key.upper(), "value": 5.0}
    if resource == "newsletter-subscribers":
        return {"first_name": "Ada", "is_subscribed": True}
    if resource == "customers-addresses":
        return {"city": "Lyon", "customer_id": f"c-{key}"}
    if resource == "products-images":
        return {"url": f"https://img.example.com/{key}.png", "product_id": f"p-{key}"}
    return {"name": f"{resource} {key}"}


def fake_payload(resource: str, faker: Any, key: str) -> dict[str, Any]:
    """A valid payload for ``key`` drawn from ``faker`` (seed it for determinism)."""
    if resource == "customers":
        first, last = faker.first_name(), faker.last_name()
        return {"email": f"{first}.{last}.{key}@example.com".lower(), "first_name": first,
                "last_name": last}
    if resource == "orders":
        amount = round(faker.pyfloat(min_value=1, max_value=500, right_digits=2), 2)
        return {"amount": float(amount), "currency": "EUR"}
    if resource in ("products", "products-variations"):
        price = round(faker.pyfloat(min_value=1, max_value=200, right_digits=2), 2)
        return {"name": faker.catch_phrase(), "price": float(price)}
    payload = default_payload(resource, key)
    if "first_name" in payload:
        payload["first_name"] = faker.first_name()
    return payload
