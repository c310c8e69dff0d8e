"""What an integration needs in the shop, declared (:class:`Provisioning` and its specs),
and the ids provisioning found for it (:class:`ProvisionedIds`).

Everything is validated when declared: a spec without its name, a field of an unknown
type, two sources sharing a key, label or ``config_key``, a parent declared after its
child. :func:`~spmkit.ensure_provisioned` finds or creates each one and persists the ids
in the store's state, where :func:`load_provisioned` reads them back (the engine hands
them to the steps: ``ctx.with_source(key)``, ``ctx.custom_data(name)``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spmkit._errors import IntegrationDefinitionError, ProvisioningError

__all__ = [
    "FIELD_TYPES",
    "PROVISIONED_STATE_KEY",
    "CustomDataSpec",
    "DataSourceSpec",
    "EventSpec",
    "ProvisionedIds",
    "Provisioning",
    "StateStore",
    "load_provisioned",
    "norm",
    "norm_name",
]

PROVISIONED_STATE_KEY = "spmkit.provisioned"
FIELD_TYPES = frozenset(
    {"bool", "text", "longtext", "number", "decimal", "list", "date", "datetime", "json"}
    | {"geolocation"}
)


def _require_text(owner: str, name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise IntegrationDefinitionError(
            f"{owner}: {name} must be a non-empty str but got {name}={value!r} "
            f"(type={type(value).__name__})."
        )
    return value


@dataclass(frozen=True, slots=True)
class DataSourceSpec:
    """A data source to ensure. ``key`` names it in the integration (``ctx.with_source(key)``).

    ``config_key`` is a permanent identifier (for example the partner's store id): it
    survives a label rename. ``parent_key`` names a data source declared before it.
    """

    key: str
    label: str
    type: str = "api"
    parent_key: str | None = None
    config_key: str | None = None

    def __post_init__(self) -> None:
        _require_text("DataSourceSpec", "key", self.key)
        _require_text(f"DataSourceSpec {self.key!r}", "label", self.label)
        _require_text(f"DataSourceSpec {self.key!r}", "type", self.type)
        if self.parent_key is not None:
            _require_text(f"DataSourceSpec {self.key!r}", "parent_key", self.parent_key)
        if self.config_key is not None:
            _require_text(f"DataSourceSpec {self.key!r}", "config_key", self.config_key)


@dataclass(frozen=True, slots=True)
class CustomDataSpec:
    """A custom-data definition to ensure: its name and ``{field name: field type}``."""

    name: str
    fields: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        _require_text("CustomDataSpec", "name", self.name)
        owner = f"CustomDataSpec {self.name!r}"
        if not isinstance(self.fields, Mapping) or not self.fields:
            raise IntegrationDefinitionError(
                f"{owner}: fields must be a non-empty mapping of field name to type, such as "
                f"{{'points': 'number'}}, but got fields={self.fields!r}."
            )
        for name, kind in self.fields.items():
            _require_text(owner, "a field name", name)
            if kind not in FIELD_TYPES:
                raise IntegrationDefinitionError(
                    f"{owner}: field {name!r} has type {kind!r}; choose one of: "
                    f"{', '.join(sorted(FIELD_TYPES))}."
                )
        object.__setattr__(self, "fields", dict(self.fields))


@dataclass(frozen=True, slots=True)
class EventSpec:
    """An event type to ensure, by its ``code_name``; ``label`` defaults to the code name."""

    code_name: str
    label: str = ""

    def __post_init__(self) -> None:
        _require_text("EventSpec", "code_name", self.code_name)
        if not isinstance(self.label, str):
            _require_text(f"EventSpec {self.code_name!r}", "label", self.label)
        if not self.label.strip():
            object.__setattr__(self, "label", self.code_name)


def _check_unique(owner: str, name: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise IntegrationDefinitionError(
                f"Provisioning: two {owner} share the {name} {value!r}; each needs its own."
            )
        seen.add(value)


@dataclass(frozen=True, slots=True)
class Provisioning:
    """Everything an integration needs in the shop. Validated when built."""

    data_sources: Sequence[DataSourceSpec] = ()
    custom_data: Sequence[CustomDataSpec] = ()
    events: Sequence[EventSpec] = ()

    def __post_init__(self) -> None:
        for name, kind in (
            ("data_sources", DataSourceSpec),
            ("custom_data", CustomDataSpec),
            ("events", EventSpec),
        ):
            values = getattr(self, name)
            if isinstance(values, str | bytes) or not isinstance(values, Sequence):
                raise IntegrationDefinitionError(
                    f"Provisioning: {name} must be a sequence of {kind.__name__} but got "
                    f"{name}={values!r:.80}."
                )
            for index, value in enumerate(values):
                if not isinstance(value, kind):
                    raise IntegrationDefinitionError(
                        f"Provisioning: {name}[{index}] must be a {kind.__name__} but got "
                        f"{value!r:.80} (type={type(value).__name__})."
                    )
            object.__setattr__(self, name, tuple(values))
        sources: tuple[DataSourceSpec, ...] = tuple(self.data_sources)
        _check_unique("data sources", "key", [s.key for s in sources])
        _check_unique("data sources", "label", [norm(s.label) for s in sources])
        _check_unique("data sources", "config_key", [s.config_key for s in sources if s.config_key])
        _check_unique(
            "custom-data definitions", "name", [norm_name(d.name) for d in self.custom_data]
        )
        _check_unique("events", "code_name", [norm(e.code_name) for e in self.events])
        declared: set[str] = set()
        for source in sources:
            if source.parent_key is not None and source.parent_key not in declared:
                raise IntegrationDefinitionError(
                    f"Provisioning: data source {source.key!r} has parent_key="
                    f"{source.parent_key!r}, which is not a data source declared before it; "
                    f"declare the parent first (known so far: {sorted(declared) or 'none'})."
                )
            declared.add(source.key)


@dataclass(frozen=True, slots=True)
class ProvisionedIds:
    """The ids provisioning found or created: data-source key, definition name, event code."""

    data_sources: dict[str, int] = field(default_factory=dict, hash=False)
    custom_data: dict[str, int] = field(default_factory=dict, hash=False)
    events: dict[str, int] = field(default_factory=dict, hash=False)

    def to_json(self) -> str:
        return json.dumps(
            {
                "data_sources": self.data_sources,
                "custom_data": self.custom_data,
                "events": self.events,
            },
            sort_keys=True,
        )


class StateStore(Protocol):
    """The part of :class:`~spmkit.Store` provisioning uses: key-value state."""

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str) -> None: ...


def load_provisioned(store: StateStore) -> ProvisionedIds | None:
    """The ids persisted by the last :func:`~spmkit.ensure_provisioned`, or ``None`` if never
    run."""
    raw = store.get_state(PROVISIONED_STATE_KEY)
    if raw is None:
        return None
    try:
        parsed = json.loads(raw)
        return ProvisionedIds(
            data_sources=_id_map(parsed["data_sources"]),
            custom_data=_id_map(parsed["custom_data"]),
            events=_id_map(parsed["events"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ProvisioningError(
            f"The stored state {PROVISIONED_STATE_KEY!r} is not valid provisioned ids ({exc}); "
            f"run ensure_provisioned again to rewrite it."
        ) from exc


def _id_map(value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of ids, got {type(value).__name__}")
    return {str(k): int(v) for k, v in value.items()}



def norm(value: Any) -> str:
    """``value`` as text without surrounding blanks: how labels and codes are compared."""
    return value.strip() if isinstance(value, str) else "" if value is None else str(value).strip()


def norm_name(value: Any) -> str:
    """A custom-data definition name as compared: :func:`norm`, case-insensitive."""
    # Case-insensitive like the API's uniqueness check: a case-sensitive match would
    # believe a name free and then have the create refused for good.
    return norm(value).lower()
