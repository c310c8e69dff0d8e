"""Field schemas of the bulk resources and the per-item validation of the fake API.

Lenient on purpose: a field may be ``null`` unless it is the natural key (or a
required custom-data field); text fields take strings or numbers. What is checked is
what the real API refuses and what integrations get wrong: a missing natural key,
a malformed e-mail, a date that is not ISO-8601, an amount that is not a number, an
unknown field. A bad item becomes ``{"key", "index", "reason"}`` in ``rejected_items``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from spmkit import BULK_RESOURCES

__all__ = [
    "ALWAYS_ALLOWED",
    "RESOURCE_SCHEMAS",
    "CUSTOM_FIELD_TYPES",
    "Check",
    "Schema",
    "custom_data_schema",
    "show",
]

Check = Callable[[Any], bool]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def show(value: Any, limit: int = 60) -> str:
    """A short repr for messages: hostile input must not flood a reason."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _any(value: Any) -> bool:
    return True


def _text(value: Any) -> bool:
    t = type(value)
    return t is str or t is int or value is None or (t is float and math.isfinite(value))


def _string(value: Any) -> bool:
    return value is None or type(value) is str


def _email(value: Any) -> bool:
    return value is None or (
        type(value) is str and len(value) <= 254 and _EMAIL.fullmatch(value) is not None
    )


def _datetime(value: Any) -> bool:
    if value is None:
        return True
    if type(value) is not str or len(value) > 40:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _number(value: Any) -> bool:
    t = type(value)
    return t is int or value is None or (t is float and math.isfinite(value))


def _integer(value: Any) -> bool:
    return value is None or type(value) is int


def _bool(value: Any) -> bool:
    return value is None or type(value) is bool


def _list(value: Any) -> bool:
    return value is None or type(value) is list


def _object(value: Any) -> bool:
    return value is None or type(value) is dict


_EXPECTED: dict[Check, str] = {
    _text: "must be a string or a number",
    _string: "must be a string",
    _email: "must be a valid e-mail address (name@domain.tld)",
    _datetime: "must be an ISO-8601 date or date-time such as 2024-05-01T12:00:00Z",
    _number: "must be a finite number (not a string)",
    _integer: "must be an integer",
    _bool: "must be true or false",
    _list: "must be an array",
    _object: "must be an object",
}

_NONE_ONLY: frozenset[type] = frozenset({type(None)})
_FAST_TYPES: dict[Check, frozenset[type]] = {
    _any: frozenset({str, int, float, bool, list, dict, type(None)}),
    _text: frozenset({str, int, type(None)}),
    _string: frozenset({str, type(None)}),
    _number: frozenset({int, type(None)}),
    _integer: frozenset({int, type(None)}),
    _bool: frozenset({bool, type(None)}),
    _list: frozenset({list, type(None)}),
    _object: frozenset({dict, type(None)}),
}

ALWAYS_ALLOWED: dict[str, Check] = {
    "label_source": _text,
    "source_label": _text,
    "shop_id": _text,
    "id_data_source": _integer,
}

T, E, D, N, B, L, OB = _text, _email, _datetime, _number, _bool, _list, _object
_STAMPS = {"created_at": D, "updated_at": D}

_FIELDS: dict[str, dict[str, Check]] = {
    "customers": {
        "customer_id": T, "email": E, "phone_number": T, "first_name": T, "last_name": T,
        "birth_date": D, "is_opt_in": B, "is_newsletter_subscribed": B, "lang": T,
        "group_ids": L, "is_active": B, **_STAMPS,
    },
    "customers-addresses": {
        "address_id": T, "customer_id": T, "first_name": T, "last_name": T,
        "primary_phone": T, "secondary_phone": T, "company": T, "address_line_1": T,
        "address_line_2": T, "postal_code": T, "city": T, "country": T, "is_active": B,
        **_STAMPS,
    },
    "customers-groups": {"group_id": T, "lang": T, "name": T, **_STAMPS},
    "orders": {
        "order_id": T, "lang": T, "reference": T, "carrier_id": T, "status_id": T,
        "address_delivery_id": T, "address_invoice_id": T, "customer": OB, "products": L,
        "cart_id": T, "cart_updated_at": D, "amount": N, "amount_without_tax": N,
        "total": N, "shipping_costs": N, "shipping_costs_without_tax": N,
        "shipping_number": T, "currency": T, "voucher_used": T, "voucher_value": T,
        "is_confirmed": B, **_STAMPS,
    },
    "orders-statuses": {"status_id": T, "lang": T, "name": T, "is_deleted": B, **_STAMPS},
    "orders-carriers": {"carrier_id": T, "name": T, "is_active": B, **_STAMPS},
    "products": {
        "product_id": T, "lang": T, "name": T, "reference": T, "ean13": T, "description": T,
        "description_short": T, "link": T, "image_link": T, "category_ids": L,
        "manufacturer_id": T, "currency": T, "price": N, "price_discount": N,
        "quantity_remaining": N, "is_active": B, **_STAMPS,
    },
    "products-categories": {
        "category_id": T, "lang": T, "name": T, "description": T, "parent_category_id": T,
        "link": T, "is_active": B, **_STAMPS,
    },
    "products-manufacturers": {"manufacturer_id": T, "name": T, "is_active": B, **_STAMPS},
    "products-images": {
        "image_id": T, "product_id": T, "lang": T, "variation_id": T, "url": T,
        "is_default": B, **_STAMPS,
    },
    "products-variations": {
        "variation_id": T, "product_id": T, "name": T, "lang": T, "reference": T, "ean13": T,
        "link": T, "image_link": T, "price": N, "price_discount": N, "quantity_remaining": N,
        "is_default": B, **_STAMPS,
    },
    "newsletter-subscribers": {
        "email": E, "is_subscribed": B, "first_name": T, "last_name": T, "postal_code": T,
        "lang": T, "updated_at": D,
    },
    "vouchers": {
        "voucher_id": T, "lang": T, "code": T, "description": T, "started_at": D,
        "ended_at": D, "customer_id": T, "type_voucher": T, "value": N, "minimum_amount": N,
        "currency": T, "reduction_tax": B, "is_used": B, "is_active": B, **_STAMPS,
    },
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Schema:
    """The fields one kind of item may carry, and how its natural key is read.

    ``key_fields`` are tried in order: the first one present (or, for a tuple of
    several names, all of them present) gives the key.
    """

    what: str
    fields: Mapping[str, Check]
    key_fields: tuple[tuple[str, ...], ...]
    required: tuple[str, ...] = ()
    messages: Mapping[Check, str] = field(default_factory=lambda: _EXPECTED)
    _fast: dict[str, frozenset[type]] = field(init=False, repr=False, compare=False)
    _single_key: str | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Types accepted without calling the check (the hot path of a backfill).
        fast = {name: _FAST_TYPES.get(check, _NONE_ONLY) for name, check in self.fields.items()}
        object.__setattr__(self, "_fast", fast)
        single = self.key_fields[0][0] if len(self.key_fields) == 1 else None
        if single is not None and len(self.key_fields[0]) != 1:
            single = None
        object.__setattr__(self, "_single_key", single)

    def check(self, item: Any) -> tuple[str | None, str | None]:
        """Return ``(key, reason)``: ``reason`` is ``None`` when the item is valid."""
        if type(item) is not dict:
            return None, f"each {self.what} item must be a JSON object, got {show(item)}"
        single = self._single_key
        key: str | None = None
        if single is not None:
            raw: Any = item.get(single)
            t = type(raw)
            if t is str and 0 < len(raw) <= 255 and not raw.isspace():
                key = raw
            elif t is int:
                key = str(raw)
        if key is None:
            key, problem = self._key(item)
            problems = None if problem is None else [problem]
        else:
            problems = None
        fast = self._fast
        fields = self.fields
        for name, value in item.items():
            types = fast.get(name)
            if types is not None and (type(value) in types or fields[name](value)):
                continue
            problems = self._problem(name, value, problems)
        if self.required:
            for name in self.required:
                if item.get(name) is None:
                    problems = problems or []
                    problems.append(f"missing required field {name!r}")
        if problems is None:
            return key, None
        return key, "; ".join(problems)

    def _problem(self, name: str, value: Any, problems: list[str] | None) -> list[str] | None:
        check = self.fields.get(name)
        if check is None:
            problems = problems or []
            fields = self.fields
            problems.append(
                f"unknown field {show(name, 40)} (allowed: {', '.join(sorted(fields))})"
                if len(fields) <= 40
                else f"unknown field {show(name, 40)}"
            )
        elif not check(value):
            problems = problems or []
            expected = self.messages.get(check, "has an invalid value")
            problems.append(f"{name} {expected}, got {show(value)}")
        return problems

    def _key(self, item: dict[str, Any]) -> tuple[str | None, str | None]:
        for names in self.key_fields:
            values: list[Any] = [item.get(name) for name in names]
            if any(v is None for v in values):
                continue
            parts: list[str] = []
            for name, value in zip(names, values, strict=True):
                t = type(value)
                if t is int:
                    parts.append(str(value))
                elif t is str and value.strip() and len(value) <= 255:
                    parts.append(value)
                else:
                    return None, (
                        f"{name} must be a non-empty string (at most 255 characters) or an "
                        f"integer, got {show(value)}"
                    )
            return "|".join(parts), None
        wanted = " or ".join("+".join(names) for names in self.key_fields)
        return None, f"missing {wanted}: every {self.what} item needs its natural key"


RESOURCE_SCHEMAS: dict[str, Schema] = {
    name: Schema(
        what=name,
        fields={**fields, **ALWAYS_ALLOWED},
        key_fields=((BULK_RESOURCES[name].natural_key,),),
    )
    for name, fields in _FIELDS.items()
}

CUSTOM_FIELD_TYPES: dict[str, Check] = {
    "bool": _bool,
    "text": _string,
    "longtext": _string,
    "number": _number,
    "decimal": _number,
    "list": _any,
    "date": _datetime,
    "datetime": _datetime,
    "json": _any,
    "geolocation": _any,
}


def _options_check(options: Sequence[Any]) -> Check:
    allowed = [o for o in options if isinstance(o, (str, int, float))]

    def check(value: Any) -> bool:
        return value is None or (isinstance(value, (str, int, float)) and value in allowed)

    return check


def custom_data_schema(
    name: str, fields: Sequence[Mapping[str, Any]], unique_keys: Sequence[str]
) -> Schema:
    """The schema of the records of one custom-data definition (already validated)."""
    checks: dict[str, Check] = {**ALWAYS_ALLOWED, "id": _any}
    messages = dict(_EXPECTED)
    required = []
    for f in fields:
        check = CUSTOM_FIELD_TYPES[f["type"]]
        options = f.get("options")
        if f["type"] == "list" and isinstance(options, list) and options:
            check = _options_check(options)
            messages[check] = f"must be one of {show(options, 120)}"
        checks[f["name"]] = check
        if f.get("required") is True:
            required.append(f["name"])
    key_fields: tuple[tuple[str, ...], ...] = (("id",),)
    if unique_keys:
        key_fields = (*key_fields, tuple(unique_keys))
    return Schema(
        what=f"custom-data record of {name!r}",
        fields=checks,
        key_fields=key_fields,
        required=tuple(required),
        messages=messages,
    )
