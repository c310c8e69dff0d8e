"""A step error names the innermost frame of the integration's own code, not the engine's,
the standard library's or httpx's; the whole traceback stays with the step's summary and
the engine's log record."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from spmkit import (
    StepContext,
    StepResult,
    SyncStep,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)
from spmkit._where import describe_exception, user_frame

from .conftest import FakePush, ManualClock

HERE = "/".join([*__name__.split(".")[:-1], Path(__file__).name])


def from_ms(value: Any) -> Any:
    return value.timestamp() * 1000  # the line a step error must name


FROM_MS_LINE = inspect.getsourcelines(from_ms)[1] + 1


def mapped(row: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    return {"customer_id": row["id"], "changed": from_ms(row["changed"])}


def raised(fn: Any, *args: Any) -> BaseException:
    try:
        fn(*args)
    except Exception as exc:
        return exc
    raise AssertionError("did not raise")


def test_the_innermost_frame_of_the_integration_is_named() -> None:
    exc = raised(from_ms, "2026-01-01")
    assert user_frame(exc) == f"{HERE}:{FROM_MS_LINE} in from_ms"
    assert describe_exception(exc) == (
        f"AttributeError at {HERE}:{FROM_MS_LINE} in from_ms: 'str' object has no attribute "
        f"'timestamp'")


def test_frames_of_the_standard_library_and_of_httpx_are_passed_over() -> None:
    def parse(text: str) -> datetime:
        return datetime.fromisoformat(text)  # the C parser: no frame of its own

    def json_of(text: str) -> Any:
        import json
        return json.loads(text)  # raises deep inside json.decoder

    def fetch(url: str) -> httpx.Response:
        import json

        # The handler is a library's too: the error is raised below httpx, in json.
        handler: Any = json.loads
        with httpx.Client(transport=httpx.MockTransport(handler)) as http:
            return http.get(url)  # the call that failed

    for call, name in ((lambda: parse("yesterday"), "parse"), (lambda: json_of("{"), "json_of"),
                       (lambda: fetch("https://partner.example/v1/rows"), "fetch")):
        where = user_frame(raised(call))
        assert where is not None and where.startswith(f"{HERE}:") and where.endswith(
            f" in {name}"), where
        line = int(where.split(":")[1].split()[0])
        assert "#" in Path(__file__).read_text().splitlines()[line - 1]


def test_an_error_of_the_engine_itself_names_no_frame(
        store: Any, clock: ManualClock, push: FakePush) -> None:
    # The stream returns a dict: spmkit's own code refuses it, no frame of this module runs.
    step = define_bulk_step("customers", stream=lambda ctx: {}, map=mapped)
    ran = run(step, clock, store, push).step("customers")
    assert ran.errors[0].startswith("bulk step 'customers': UnexpectedPage: stream(ctx) "
                                    "returned dict {}"), ran.errors
    assert ran.traceback is not None and "UnexpectedPage" in ran.traceback


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Any]:
    """A package as pip installs it (non-editable): in a site-packages folder on sys.path."""
    site = tmp_path / "lib" / "python3" / "site-packages"
    (site / "zenith_sync").mkdir(parents=True)
    (site / "zenith_sync" / "__init__.py").write_text("")
    (site / "zenith_sync" / "convert.py").write_text(
        "def from_ms(value):\n"
        "    return value.timestamp() * 1000\n")
    sys.path.insert(0, str(site))
    try:
        yield importlib.import_module("zenith_sync.convert")
    finally:
        sys.path.remove(str(site))
        for name in ("zenith_sync", "zenith_sync.convert"):
            sys.modules.pop(name, None)


def test_an_integration_installed_in_site_packages_is_still_the_integration(
        installed: Any) -> None:
    assert user_frame(raised(installed.from_ms, "x")) == "zenith_sync/convert.py:2 in from_ms"


def run(step: SyncStep, clock: ManualClock, store: Any, push: FakePush) -> Any:
    integration = define_integration(slug="test", sync_steps=[step])
    return asyncio.run(run_integration_sync(integration, store=store, clock=clock, push=push))


ROWS = [{"id": "c1", "changed": "2026-01-01T00:00:00+00:00"}]


def test_a_bulk_step_error_names_the_helper_and_keeps_the_traceback(
        store: Any, clock: ManualClock, push: FakePush,
        caplog: pytest.LogCaptureFixture) -> None:
    step = define_bulk_step("customers", stream=lambda ctx: ROWS, map=mapped)
    with caplog.at_level(logging.WARNING, logger="spmkit"):
        summary = run(step, clock, store, push)
    ran = summary.step("customers")
    assert ran.errors == (
        f"bulk step 'customers': AttributeError at {HERE}:{FROM_MS_LINE} in from_ms: 'str' "
        f"object has no attribute 'timestamp'",)
    assert store.get_cursor("customers", "").last_error == ran.errors[0]
    assert ran.traceback is not None and ran.traceback.startswith("Traceback (most recent")
    assert f'line {FROM_MS_LINE}, in from_ms' in ran.traceback
    assert ran.to_dict()["traceback"] == ran.traceback
    [record] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert record.exc_info is not None and isinstance(record.exc_info[1], AttributeError)


def test_a_step_that_raises_names_its_frame_and_keeps_the_traceback(
        store: Any, clock: ManualClock, push: FakePush) -> None:
    async def run_step(ctx: StepContext) -> StepResult:
        from_ms(str(ctx.window))
        return StepResult()

    summary = run(SyncStep(entity="orders", run=run_step), clock, store, push)
    ran = summary.step("orders")
    assert ran.errors[0].startswith(f"fatal: AttributeError at {HERE}:{FROM_MS_LINE} in from_ms")
    assert ran.traceback is not None and "in run_step" in ran.traceback


def test_a_clean_step_has_no_traceback(store: Any, clock: ManualClock, push: FakePush) -> None:
    clock.current = datetime(2026, 1, 2, tzinfo=UTC)
    step = define_bulk_step("customers", stream=lambda ctx: [], map=mapped)
    ran = run(step, clock, store, push).step("customers")
    assert ran.errors == () and ran.traceback is None
