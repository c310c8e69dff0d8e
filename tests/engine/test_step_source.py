from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spmkit import InvalidArgument, StepContext, StepResult, StepSource, StepSummary, SyncStep

from .conftest import FakePush, ManualClock
from .test_engine import per_source_step, sync

# Entities and source keys as integrations name them: no '@' (the separator), no '/'.
names = st.text(st.characters(exclude_characters="@/", codec="utf-8"), min_size=1)


def test_a_global_step_source_is_written_as_its_entity() -> None:
    assert str(StepSource("customers")) == "customers"
    assert str(StepSource("customers", "")) == "customers"


def test_a_source_of_a_per_source_step_is_written_entity_at_source() -> None:
    assert str(StepSource("orders", "store-1")) == "orders@store-1"


def test_parse_reads_both_forms() -> None:
    assert StepSource.parse("customers") == StepSource("customers")
    assert StepSource.parse("orders@store-1") == StepSource("orders", "store-1")


@given(entity=names, source_key=st.one_of(st.just(""), names))
def test_parse_reads_back_what_str_writes(entity: str, source_key: str) -> None:
    step_source = StepSource(entity, source_key)
    assert StepSource.parse(str(step_source)) == step_source


def test_step_sources_are_frozen_ordered_and_hashable() -> None:
    found = sorted({StepSource("orders", "store-2"), StepSource("customers"),
                    StepSource("orders", "store-1"), StepSource("orders")})
    assert [str(s) for s in found] == ["customers", "orders", "orders@store-1", "orders@store-2"]
    with pytest.raises(AttributeError):
        StepSource("orders").entity = "customers"  # type: ignore[misc]


@pytest.mark.parametrize(("text", "why"), [
    ("", "the entity is empty"),
    ("@store-1", "the entity is empty"),
    ("orders@", "the source after '@' is empty (a global step is written 'orders')"),
    ("orders@store@1", "it holds more than one '@'"),
    ("orders/store-1", "an entity or source may not hold '/'; did you mean 'orders@store-1'?"),
    ("orders@eu/1", "an entity or source may not hold '/'"),
    ("sales/orders@store-1", "an entity or source may not hold '/'"),
])
def test_parse_refuses_what_is_not_a_step_source_and_shows_a_valid_one(
    text: str, why: str
) -> None:
    with pytest.raises(InvalidArgument) as info:
        StepSource.parse(text)
    assert info.value.args == (
        f"Expected a step-source such as 'customers' (a global step) or 'orders@store-1' (a "
        f"source of a per-source step) but got {text!r}: {why}.",)


def test_parse_refuses_what_is_not_text() -> None:
    with pytest.raises(InvalidArgument) as info:
        StepSource.parse(None)  # type: ignore[arg-type]
    assert info.value.args == (
        "Expected a str for a step-source but got None (type=NoneType); write one such as "
        "'customers' (a global step) or 'orders@store-1' (a source of a per-source step).",)


def test_the_constructor_refuses_what_is_not_a_str() -> None:
    with pytest.raises(InvalidArgument) as info:
        StepSource("orders", 1)  # type: ignore[arg-type]
    assert info.value.args == (
        "Expected a str for source_key but got source_key=1 (type=int); a step-source is "
        "such as StepSource('orders', 'store-1').",)


def test_a_step_summary_knows_its_step_source() -> None:
    assert StepSummary(entity="orders", source_key="store-1").step_source == StepSource(
        "orders", "store-1")


def test_a_missing_step_source_is_a_key_error_listing_the_ones_that_ran(
    store: Any, clock: ManualClock, push: FakePush
) -> None:
    summary = sync([per_source_step(set())], store, clock, push)
    with pytest.raises(KeyError) as info:
        summary.step("orders", "store-3")
    assert info.value.args == (
        "no step-source orders@store-3 in this run; ran: orders@store-1, orders@store-2",)


def test_engine_log_lines_write_the_step_source(
    store: Any, clock: ManualClock, push: FakePush, caplog: pytest.LogCaptureFixture
) -> None:
    async def run(ctx: StepContext) -> StepResult:
        return StepResult()

    step = SyncStep(entity="orders", run=run, cursor_scope="per-source",
                    sources=lambda ctx: ["store-1"])
    with caplog.at_level(logging.WARNING, logger="spmkit"):
        sync([step], store, clock, push)
    assert [r.getMessage() for r in caplog.records] == [
        "sync step-source orders@store-1 completed clean without advance_cursor_to: cursor not "
        "advanced (the window will replay). Return StepResult(advance_cursor_to=ctx.window.until) "
        "to advance."]
