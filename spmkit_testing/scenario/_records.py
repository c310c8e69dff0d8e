"""Partner records in scenario files: ``customer(...)``, ``order(...)``, ``record(...)``.

A record names its partner stream (``"customers"``, ``"orders@store-1"``), its key,
its payload and two times: ``at`` (``updated_at`` relative to the partner's clock
when the record is written; default: the partner's now) and ``lag`` (how long after
the write the partner API can first serve it: a late arrival).

Factories (``customers(count=50)``, ``orders(count=20, store="store-2")``) expand
into deterministic records from the scenario seed with Faker.

For example::

    customer("c7", email="not-an-email", at="-1h", lag="2m")
    order("o1", store="store-1", amount=12.5)
    customers(count=50)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from spmkit_testing.scenario._dsl import (
    InvalidScenario,
    check_int,
    check_str,
    format_duration,
    parse_duration,
    show,
)

__all__ = ["Factory", "Record", "customer", "customers", "order", "orders", "record"]

DEFAULT_STORE = "store-1"
DEFAULT_AMOUNT = 10.0
_ZERO = timedelta(0)


def _default_email(key: str) -> str:
    return f"{key}@example.com"


@dataclass(frozen=True, slots=True)
class Record:
    """One partner record to write: stream, key, payload, ``at`` and ``lag``."""

    stream: str
    key: str
    data: Mapping[str, Any] = field(default_factory=dict)
    at: timedelta | None = None
    lag: timedelta = _ZERO

    def _times(self) -> list[str]:
        out = []
        if self.at is not None:
            out.append(f"at={format_duration(self.at)!r}")
        if self.lag != _ZERO:
            out.append(f"lag={format_duration(self.lag)!r}")
        return out

    def __repr__(self) -> str:
        data = dict(self.data)
        if self.stream == "customers" and all(k.isidentifier() for k in data):
            if data.get("email") == _default_email(self.key):
                del data["email"]
            args = [repr(self.key), *(f"{k}={show(v)}" for k, v in data.items()), *self._times()]
            return f"customer({', '.join(args)})"
        if self.stream.startswith("orders@") and all(k.isidentifier() for k in data):
            store = self.stream.split("@", 1)[1]
            args = [repr(self.key)]
            if store != DEFAULT_STORE:
                args.append(f"store={store!r}")
            if data.get("amount") == DEFAULT_AMOUNT:
                del data["amount"]
            args += [f"{k}={show(v)}" for k, v in data.items() if k != "store"]
            return f"order({', '.join([*args, *self._times()])})"
        args = [repr(self.stream), repr(self.key)]
        if data:
            args.append(f"data={show(data)}")
        return f"record({', '.join([*args, *self._times()])})"


def record(stream: str, key: str, *, data: Mapping[str, Any] | None = None,
           at: str | timedelta | None = None, lag: str | timedelta = _ZERO) -> Record:
    """A record of any partner stream (for integrations with their own adapter)."""
    check_str(stream, "stream")
    check_str(key, "key")
    if data is not None and not isinstance(data, Mapping):
        raise InvalidScenario(
            f"Expected a dict for data but got data={data!r} (type={type(data).__name__})."
        )
    when = None if at is None else parse_duration(at, "at")
    delay = parse_duration(lag, "lag")
    if delay < _ZERO:
        raise InvalidScenario(
            f"lag={lag!r} is negative: a record cannot be served before it is written; "
            f"use at='-5m' to stamp it in the past instead."
        )
    return Record(stream, key, dict(data or {}), when, delay)


def customer(key: str, *, at: str | timedelta | None = None, lag: str | timedelta = _ZERO,
             **fields: Any) -> Record:
    """A Demo POS customer; ``email`` defaults to ``<key>@example.com``."""
    data = {"email": _default_email(key) if isinstance(key, str) else None, **fields}
    return record("customers", key, data=data, at=at, lag=lag)


def order(key: str, *, store: str = DEFAULT_STORE, amount: Any = DEFAULT_AMOUNT,
          at: str | timedelta | None = None, lag: str | timedelta = _ZERO,
          **fields: Any) -> Record:
    """A Demo POS order of ``store`` (``amount`` defaults to 10.0)."""
    check_str(store, "store")
    return record(f"orders@{store}", key, data={"amount": amount, **fields}, at=at, lag=lag)


@dataclass(frozen=True, slots=True)
class Factory:
    """``count`` deterministic records drawn with Faker from the scenario seed.

    Keys are ``<prefix>1`` ... ``<prefix><count>``; ``updated_at`` spreads evenly over
    ``spread`` before the moment the factory is written (the last one at "now").
    """

    kind: str
    count: int
    prefix: str
    store: str = DEFAULT_STORE
    spread: timedelta = timedelta(hours=1)

    def __repr__(self) -> str:
        args = [f"count={self.count}"]
        default_prefix = "c" if self.kind == "customers" else "o"
        if self.prefix != default_prefix:
            args.append(f"prefix={self.prefix!r}")
        if self.kind == "orders" and self.store != DEFAULT_STORE:
            args.append(f"store={self.store!r}")
        if self.spread != timedelta(hours=1):
            args.append(f"spread={format_duration(self.spread)!r}")
        return f"{self.kind}({', '.join(args)})"

    def expand(self, seed: int) -> list[Record]:
        """The records, identical for the same seed."""
        try:
            from faker import Faker
        except ImportError as exc:  # pragma: no cover - faker ships with spmkit[testing]
            raise InvalidScenario(
                f"{self!r} needs Faker: pip install 'spmkit[testing]'."
            ) from exc
        fake = Faker("en_US")
        fake.seed_instance(f"{seed}:{self.kind}:{self.prefix}:{self.store}")
        out = []
        for i in range(1, self.count + 1):
            at = -(self.spread * (self.count - i)) / self.count
            key = f"{self.prefix}{i}"
            if self.kind == "customers":
                first, last = fake.first_name(), fake.last_name()
                data: dict[str, Any] = {
                    "email": f"{first}.{last}.{i}@example.com".lower(),
                    "first_name": first, "last_name": last,
                }
                out.append(Record("customers", key, data, at))
            else:
                amount = round(fake.pyfloat(min_value=1, max_value=500, right_digits=2), 2)
                out.append(Record(f"orders@{self.store}", key, {"amount": float(amount)}, at))
        return out


def customers(count: int, *, prefix: str = "c", spread: str | timedelta = "1h") -> Factory:
    """``count`` Faker customers (keys ``c1``..): names and valid e-mails from the seed."""
    return Factory("customers", check_int(count, "count", minimum=1), check_str(prefix, "prefix"),
                   spread=parse_duration(spread, "spread"))


def orders(count: int, *, store: str = DEFAULT_STORE, prefix: str = "o",
           spread: str | timedelta = "1h") -> Factory:
    """``count`` Faker orders of ``store`` (keys ``o1``..) with amounts from the seed."""
    return Factory("orders", check_int(count, "count", minimum=1), check_str(prefix, "prefix"),
                   store=check_str(store, "store"), spread=parse_duration(spread, "spread"))
