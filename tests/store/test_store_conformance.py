from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from spmkit import (
    InvalidArgument,
    MemoryStore,
    NewDeadLetter,
    SqliteStore,
    StepSummary,
    Store,
    StoreError,
    SyncSummary,
    SyncWindow,
    open_store,
)
from spmkit._sqlite_schema import SCHEMA_VERSION

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


class ManualClock:
    """now() is whatever the test set; never the wall clock."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "spmkit.sqlite3"


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, clock: ManualClock, db_path: Path) -> Iterator[Store]:
    s: Store = MemoryStore(clock) if request.param == "memory" else SqliteStore(db_path, clock)
    try:
        yield s
    finally:
        s.close()


def _dead(
    run_id: int, entity: str = "customers", key: str | None = "c1", **kw: object
) -> NewDeadLetter:
    fields: dict[str, object] = {
        "run_id": run_id, "entity": entity, "source_key": "", "item_key": key,
        "payload": {"id": key, "email": "not-an-email", "tags": [1, 2.5, None, True]},
        "reason": "invalid email",
    }
    fields.update(kw)
    return NewDeadLetter(**fields)  # type: ignore[arg-type]


# --- cursors -----------------------------------------------------------------------------


def test_get_cursor_of_unknown_step_source_is_none(store: Store) -> None:
    assert store.get_cursor("customers", "") is None


def test_set_cursor_then_get_returns_what_was_written(store: Store, clock: ManualClock) -> None:
    synced = datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=UTC)
    written = store.set_cursor(
        "orders", "store-1", last_synced_at=synced, last_status="ok", items=42,
        consecutive_failures=0,
    )
    read = store.get_cursor("orders", "store-1")
    assert read == written
    assert read is not None
    assert (read.entity, read.source_key, read.last_synced_at, read.last_status) == (
        "orders", "store-1", synced, "ok")
    assert (read.last_error, read.items, read.consecutive_failures) == (None, 42, 0)
    assert read.updated_at == T0
    assert store.get_cursor("orders", "") is None
    assert store.get_cursor("orders", "store-2") is None


def test_updated_at_comes_from_the_injected_clock_not_the_wall_clock(
    store: Store, clock: ManualClock
) -> None:
    # The "two clocks" trap: the store must stamp with the engine's clock.
    clock.current = datetime(2001, 1, 1, tzinfo=UTC)
    written = store.set_cursor("customers", "", last_synced_at=None, last_status="error",
                               last_error="boom", consecutive_failures=1)
    assert written.updated_at == datetime(2001, 1, 1, tzinfo=UTC)
    read = store.get_cursor("customers", "")
    assert read is not None
    assert read.updated_at == datetime(2001, 1, 1, tzinfo=UTC)
    assert read.updated_at.tzinfo is not None
    clock.current = datetime(2001, 1, 1, 0, 5, tzinfo=UTC)
    store.set_cursor("customers", "", last_synced_at=None, last_status="ok")
    read = store.get_cursor("customers", "")
    assert read is not None and read.updated_at == datetime(2001, 1, 1, 0, 5, tzinfo=UTC)


def test_failure_count_is_kept_when_omitted_and_zero_for_a_new_row(store: Store) -> None:
    first = store.set_cursor("customers", "", last_synced_at=None, last_status="error",
                             last_error="a")
    assert first.consecutive_failures == 0
    store.set_cursor("customers", "", last_synced_at=None, last_status="error",
                     last_error="b", consecutive_failures=3)
    kept = store.set_cursor("customers", "", last_synced_at=None, last_status="error",
                            last_error="c; d")
    assert kept.consecutive_failures == 3
    read = store.get_cursor("customers", "")
    assert read is not None
    assert (read.consecutive_failures, read.last_error) == (3, "c; d")
    reset = store.set_cursor("customers", "", last_synced_at=T0, last_status="ok",
                             consecutive_failures=0)
    assert reset.consecutive_failures == 0
    assert store.get_cursor("customers", "") == reset


def test_none_last_synced_at_round_trips(store: Store) -> None:
    store.set_cursor("customers", "", last_synced_at=T0, last_status="ok")
    store.set_cursor("customers", "", last_synced_at=None, last_status="error", last_error="x",
                     allow_backwards=True)
    read = store.get_cursor("customers", "")
    assert read is not None
    assert read.last_synced_at is None
    assert read.last_status == "error"


def test_list_cursors_is_ordered_by_entity_then_source_key(store: Store) -> None:
    for entity, key in [("orders", "b"), ("customers", ""), ("orders", ""), ("orders", "a"),
                        ("carts", "z")]:
        store.set_cursor(entity, key, last_synced_at=None, last_status="ok")
    assert [(c.entity, c.source_key) for c in store.list_cursors()] == [
        ("carts", "z"), ("customers", ""), ("orders", ""), ("orders", "a"), ("orders", "b")]


def test_timestamps_round_trip_exactly_with_microseconds_and_convert_to_utc(
    store: Store, clock: ManualClock
) -> None:
    paris = timezone(timedelta(hours=2))
    synced = datetime(2026, 6, 1, 14, 30, 15, 7, tzinfo=paris)
    clock.current = datetime(2026, 6, 1, 12, 30, 15, 999999, tzinfo=UTC)
    store.set_cursor("customers", "", last_synced_at=synced, last_status="ok")
    read = store.get_cursor("customers", "")
    assert read is not None
    assert read.last_synced_at == synced
    assert read.last_synced_at is not None and read.last_synced_at.utcoffset() == timedelta(0)
    assert read.last_synced_at.microsecond == 7
    assert read.updated_at == datetime(2026, 6, 1, 12, 30, 15, 999999, tzinfo=UTC)


def test_naive_last_synced_at_is_refused(store: Store) -> None:
    with pytest.raises(InvalidArgument, match="naive"):
        store.set_cursor("customers", "", last_synced_at=datetime(2026, 1, 1),
                         last_status="ok")
    assert store.get_cursor("customers", "") is None


def test_bad_cursor_arguments_are_refused_and_nothing_is_written(store: Store) -> None:
    with pytest.raises(InvalidArgument, match="last_status='done'"):
        store.set_cursor("customers", "", last_synced_at=None, last_status="done")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="items=-1"):
        store.set_cursor("customers", "", last_synced_at=None, last_status="ok", items=-1)
    with pytest.raises(InvalidArgument, match="consecutive_failures=-2"):
        store.set_cursor("customers", "", last_synced_at=None, last_status="ok",
                         consecutive_failures=-2)
    assert store.list_cursors() == []


def test_a_naive_clock_is_refused_clearly(store: Store, clock: ManualClock) -> None:
    clock.current = datetime(2026, 1, 1)
    with pytest.raises(InvalidArgument, match=r"clock\.now\(\).*naive"):
        store.start_run("incremental")


# --- runs --------------------------------------------------------------------------------


def test_runs_start_finish_get_list_with_summary_round_trip(
    store: Store, clock: ManualClock
) -> None:
    first = store.start_run("incremental")
    clock.current = T0 + timedelta(seconds=1)
    second = store.start_run("full")
    assert (first, second) == (1, 2)
    running = store.get_run(second)
    assert running is not None
    assert (running.mode, running.status, running.started_at) == ("full", "running",
                                                                  T0 + timedelta(seconds=1))
    assert (running.finished_at, running.summary) == (None, None)

    summary = {"status": "partial", "errors": ["orders: HTTP 503"],
               "steps": [{"entity": "orders", "items": 3, "ratio": 0.25, "skipped": False,
                          "cursor": None}], "unicode": "café ✓"}
    clock.current = T0 + timedelta(seconds=2, microseconds=5)
    store.finish_run(first, "partial", summary)
    summary["errors"].append("mutated after finish")  # type: ignore[attr-defined]
    done = store.get_run(first)
    assert done is not None
    assert done.status == "partial"
    assert done.finished_at == T0 + timedelta(seconds=2, microseconds=5)
    assert done.summary == {"status": "partial", "errors": ["orders: HTTP 503"],
                            "steps": [{"entity": "orders", "items": 3, "ratio": 0.25,
                                       "skipped": False, "cursor": None}],
                            "unicode": "café ✓"}
    assert [(r.run_id, r.status) for r in store.list_runs()] == [(1, "partial"), (2, "running")]
    assert store.get_run(99) is None


def test_summary_read_back_is_a_fresh_copy(store: Store) -> None:
    run_id = store.start_run("incremental")
    store.finish_run(run_id, "ok", {"steps": []})
    got = store.get_run(run_id)
    assert got is not None and got.summary is not None
    got.summary["steps"].append("x")
    again = store.get_run(run_id)
    assert again is not None and again.summary == {"steps": []}


def test_the_engines_own_summary_reads_back_as_its_dict(store: Store) -> None:
    """The engine hands spmkit's stores its SyncSummary (the memory store keeps it and
    writes the dict only on read): what is read back is its to_dict(), as JSON would
    give it, a fresh copy each time, in get_run and list_runs alike."""
    assert isinstance(store, MemoryStore | SqliteStore)
    run_id = store.start_run("incremental")
    paris = timezone(timedelta(hours=2))
    window = SyncWindow(since=T0 - timedelta(minutes=1), until=T0)
    summary = SyncSummary(
        run_id=run_id, status="partial", mode="incremental",
        steps=(StepSummary(entity="orders", source_key="store-1", items=3, attempted=3,
                           rejected=1, errors=("1 item refused: café ✓",), window=window,
                           cursor_before=window.since, cursor_after=window.since,
                           requested_advance=datetime(2026, 3, 1, 14, tzinfo=paris),
                           dead_lettered=1, held_by="rejects"),
               StepSummary(entity="customers", source_key="", skipped_reason="leased",
                           lease_holder="worker-2")),
        errors=("1 item refused: café ✓",), started_at=T0, finished_at=T0)
    store.finish_run(run_id, "partial", summary)
    expected = json.loads(json.dumps(summary.to_dict()))
    got = store.get_run(run_id)
    assert got is not None and got.status == "partial" and got.summary is not None
    assert got.summary == expected
    assert got.summary["steps"][0]["requested_advance"] == "2026-03-01T14:00:00+02:00"
    assert [s["held_by"] for s in got.summary["steps"]] == ["rejects", None]
    got.summary["steps"].clear()
    again = store.get_run(run_id)
    assert again is not None and again.summary == expected
    assert [r.summary for r in store.list_runs()] == [expected]


def test_non_json_summary_is_refused_naming_the_run(store: Store) -> None:
    run_id = store.start_run("incremental")
    with pytest.raises(StoreError, match=r"summary of run 1 is not JSON-serialisable.*isoformat"):
        store.finish_run(run_id, "ok", {"at": datetime(2026, 1, 1, tzinfo=UTC)})
    run = store.get_run(run_id)
    assert run is not None and run.status == "running" and run.summary is None
    store.finish_run(run_id, "failed", {"errors": ["x"]})
    run = store.get_run(run_id)
    assert run is not None and run.status == "failed"


def test_finish_unknown_run_or_bad_status_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="Cannot finish run 7: no such run"):
        store.finish_run(7, "ok", {})
    run_id = store.start_run("incremental")
    with pytest.raises(InvalidArgument, match="status='running'"):
        store.finish_run(run_id, "running", {})


def test_purge_runs_deletes_finished_runs_started_strictly_before(
    store: Store, clock: ManualClock
) -> None:
    for minute in range(4):
        clock.current = T0 + timedelta(minutes=minute)
        run_id = store.start_run("incremental")
        if minute != 1:
            store.finish_run(run_id, "ok", {"minute": minute})
    store.add_rejected([_dead(3, key="kept")])
    # Run 2 is still running: kept, whatever its age.
    assert store.purge_runs(before=T0 + timedelta(minutes=3)) == 2
    assert [(r.run_id, r.status) for r in store.list_runs()] == [(2, "running"), (4, "ok")]
    assert store.get_run(1) is None and store.get_run(3) is None
    assert [r.item_key for r in store.list_rejected()] == ["kept"]
    assert store.purge_runs(before=T0) == 0
    # Ids are never reused after a purge.
    assert store.start_run("full") == 5
    with pytest.raises(InvalidArgument, match="naive"):
        store.purge_runs(before=datetime(2030, 1, 1))


# --- dead-letter -------------------------------------------------------------------------


def test_dead_letter_add_list_filter_count(store: Store, clock: ManualClock) -> None:
    store.add_rejected([_dead(1, key="a"), _dead(1, "orders", key="b")])
    clock.current = T0 + timedelta(minutes=1)
    store.add_rejected([_dead(2, key=None, source_key="store-9")])
    store.add_rejected([])

    rows = store.list_rejected()
    assert [r.id for r in rows] == [1, 2, 3]
    first = rows[0]
    assert (first.run_id, first.entity, first.source_key, first.item_key, first.reason) == (
        1, "customers", "", "a", "invalid email")
    assert first.payload == {"id": "a", "email": "not-an-email", "tags": [1, 2.5, None, True]}
    assert first.created_at == T0
    assert (rows[2].item_key, rows[2].source_key, rows[2].created_at) == (
        None, "store-9", T0 + timedelta(minutes=1))

    assert [r.id for r in store.list_rejected(run_id=1)] == [1, 2]
    assert [r.id for r in store.list_rejected(entity="customers")] == [1, 3]
    assert [r.id for r in store.list_rejected(run_id=1, entity="orders")] == [2]
    assert [r.id for r in store.list_rejected(limit=2)] == [1, 2]
    assert store.list_rejected(limit=0) == []
    assert store.list_rejected(run_id=5) == []
    assert store.count_rejected() == 3
    assert store.count_rejected(run_id=1) == 2
    assert store.count_rejected(entity="customers") == 2
    assert store.count_rejected(run_id=2, entity="orders") == 0


def test_dead_letter_keeps_non_json_payload_values_as_text(store: Store) -> None:
    store.add_rejected([_dead(1, payload={"at": datetime(2026, 1, 1, tzinfo=UTC)})])
    (row,) = store.list_rejected()
    assert row.payload == {"at": "2026-01-01 00:00:00+00:00"}


def test_dead_letter_refuses_a_batch_with_a_wrong_item_and_stores_none_of_it(
    store: Store,
) -> None:
    with pytest.raises(InvalidArgument, match=r"items\[1\] is dict"):
        store.add_rejected([_dead(1), {"run_id": 1}])  # type: ignore[list-item]
    assert store.count_rejected() == 0


def test_purge_rejected_deletes_rows_created_strictly_before(
    store: Store, clock: ManualClock
) -> None:
    for minute in range(4):
        clock.current = T0 + timedelta(minutes=minute)
        store.add_rejected([_dead(1, key=f"k{minute}")])
    assert store.purge_rejected(before=T0 + timedelta(minutes=2)) == 2
    assert [r.item_key for r in store.list_rejected()] == ["k2", "k3"]
    assert store.purge_rejected(before=T0) == 0
    store.add_rejected([_dead(2, key="new")])
    # Ids are never reused after a purge.
    assert [r.id for r in store.list_rejected()] == [3, 4, 5]
    with pytest.raises(InvalidArgument, match="naive"):
        store.purge_rejected(before=datetime(2030, 1, 1))


# --- key-value state ---------------------------------------------------------------------


def test_state_get_set_delete(store: Store) -> None:
    assert store.get_state("provisioned") is None
    store.set_state("provisioned", '{"a": 1}')
    store.set_state("other", "")
    assert store.get_state("provisioned") == '{"a": 1}'
    store.set_state("provisioned", "v2")
    assert store.get_state("provisioned") == "v2"
    assert store.get_state("other") == ""
    store.delete_state("provisioned")
    store.delete_state("never-set")
    assert store.get_state("provisioned") is None
    assert store.get_state("other") == ""


def test_state_values_must_be_strings(store: Store) -> None:
    with pytest.raises(InvalidArgument, match=r"value=b'x' \(type=bytes\) for key 'k'"):
        store.set_state("k", b"x")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="key=3"):
        store.set_state(3, "x")  # type: ignore[arg-type]
    assert store.get_state("k") is None


def test_use_after_close_is_a_store_error(store: Store) -> None:
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.get_cursor("customers", "")
    with pytest.raises(StoreError, match="closed"):
        store.set_state("k", "v")


# --- open_store --------------------------------------------------------------------------


def test_open_store_memory_and_file(db_path: Path, clock: ManualClock) -> None:
    memory = open_store(":memory:", clock=clock)
    assert isinstance(memory, MemoryStore)
    file = open_store(db_path, clock=clock)
    try:
        assert isinstance(file, SqliteStore)
        assert file.path == db_path
        file.set_cursor("customers", "", last_synced_at=None, last_status="ok")
        assert file.list_cursors()[0].updated_at == T0
    finally:
        file.close()
    assert isinstance(open_store(str(db_path)), SqliteStore)


def test_open_store_defaults_to_the_system_clock() -> None:
    assert "SystemClock()" in repr(open_store(":memory:"))


def test_open_store_refuses_a_non_path(clock: ManualClock) -> None:
    with pytest.raises(InvalidArgument, match="target=42"):
        open_store(42, clock=clock)  # type: ignore[arg-type]


# --- SQLite only -------------------------------------------------------------------------


def test_sqlite_reopen_keeps_everything(db_path: Path, clock: ManualClock) -> None:
    first = SqliteStore(db_path, clock)
    run_id = first.start_run("incremental")
    first.set_cursor("orders", "s1", last_synced_at=T0, last_status="error", last_error="e",
                     items=2, consecutive_failures=4)
    first.finish_run(run_id, "partial", {"errors": ["e"]})
    first.add_rejected([_dead(run_id)])
    first.set_state("k", "v")
    before = (first.list_cursors(), first.list_runs(), first.list_rejected())
    first.close()

    clock.current = T0 + timedelta(days=1)
    again = SqliteStore(db_path, clock)
    try:
        assert (again.list_cursors(), again.list_runs(), again.list_rejected()) == before
        assert again.get_state("k") == "v"
        assert again.start_run("incremental") == run_id + 1
        kept = again.set_cursor("orders", "s1", last_synced_at=T0, last_status="error")
        assert kept.consecutive_failures == 4
    finally:
        again.close()


def test_sqlite_writes_are_committed_and_visible_to_another_connection(
    db_path: Path, clock: ManualClock
) -> None:
    store = SqliteStore(db_path, clock)
    try:
        store.set_cursor("customers", "", last_synced_at=T0, last_status="ok",
                         consecutive_failures=0)
        store.add_rejected([_dead(1), _dead(1)])
        other = sqlite3.connect(db_path)
        try:
            assert other.execute("SELECT last_synced_at, updated_at FROM cursors").fetchall() == [
                ("2026-03-01T12:00:00.123456Z", "2026-03-01T12:00:00.123456Z")]
            assert other.execute("SELECT COUNT(*) FROM rejected_items").fetchone() == (2,)
            # A writer on another connection does not wait: nothing is left uncommitted.
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        store.close()


def test_sqlite_errors_name_the_step_source_in_its_text_form(
    db_path: Path, clock: ManualClock
) -> None:
    store = SqliteStore(db_path, clock)
    try:
        other = sqlite3.connect(db_path)
        other.execute("DROP TABLE cursors")
        other.close()
        with pytest.raises(StoreError) as excinfo:
            store.get_cursor("orders", "store-1")
        assert excinfo.value.args == (
            f"The store at {str(db_path)!r} could not read the cursor of orders@store-1: no such "
            f"table: cursors; check the file and its directory, or open a new path.",)
    finally:
        store.close()


def test_sqlite_uses_wal_and_records_the_schema_version(db_path: Path, clock: ManualClock) -> None:
    SqliteStore(db_path, clock).close()
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    finally:
        conn.close()


def test_sqlite_corrupt_file_is_a_store_error_naming_the_path(
    db_path: Path, clock: ManualClock
) -> None:
    db_path.write_bytes(b"this is not sqlite \x00\xff" * 200)
    with pytest.raises(StoreError) as excinfo:
        SqliteStore(db_path, clock)
    message = str(excinfo.value)
    assert repr(str(db_path)) in message
    assert "not an SQLite database or is corrupt: move it aside" in message


def test_sqlite_missing_directory_is_a_store_error_naming_the_path(
    tmp_path: Path, clock: ManualClock
) -> None:
    path = tmp_path / "nope" / "spmkit.sqlite3"
    with pytest.raises(StoreError) as excinfo:
        open_store(path, clock=clock)
    assert excinfo.value.args == (
        f"Cannot open the store at {str(path)!r}: the directory {str(tmp_path / 'nope')!r} "
        f"does not exist. Create it first (os.makedirs) or choose another path.",)
    assert not (tmp_path / "nope").exists()


def test_sqlite_directory_path_is_a_store_error(tmp_path: Path, clock: ManualClock) -> None:
    with pytest.raises(StoreError, match=r"it is a directory\. Pass a file path"):
        SqliteStore(tmp_path, clock)


def test_sqlite_foreign_database_is_refused(db_path: Path, clock: ManualClock) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=r"not an spmkit store \(it has tables \['customers'\]\)"):
        SqliteStore(db_path, clock)


def test_sqlite_newer_schema_is_refused(db_path: Path, clock: ManualClock) -> None:
    SqliteStore(db_path, clock).close()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match=r"schema version 99.*upgrade spmkit"):
        SqliteStore(db_path, clock)


def test_sqlite_store_is_usable_from_several_threads(db_path: Path, clock: ManualClock) -> None:
    store = SqliteStore(db_path, clock)
    errors: list[BaseException] = []

    def work(n: int) -> Callable[[], None]:
        def run() -> None:
            try:
                for i in range(50):
                    store.set_cursor("e", f"s{n}", last_synced_at=None, last_status="ok", items=i)
                    store.start_run("incremental")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
        return run

    threads = [threading.Thread(target=work(n)) for n in range(4)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert [c.items for c in store.list_cursors()] == [49] * 4
        assert len(store.list_runs()) == 200
    finally:
        store.close()


# --- porting from the JS kit ---------------------------------------------------------------


def test_seeding_a_cursor_needs_only_its_value(store: Store) -> None:
    seeded = store.set_cursor("customers", "", last_synced_at=T0)
    assert (seeded.last_synced_at, seeded.last_status, seeded.consecutive_failures) == (
        T0, None, 0)
    assert store.get_cursor("customers", "") == seeded


def test_list_rejected_returns_500_by_default_and_every_row_with_limit_none(
    store: Store,
) -> None:
    store.add_rejected([_dead(1, key=f"k{i}") for i in range(501)])
    assert len(store.list_rejected()) == 500
    assert len(store.list_rejected(limit=None)) == 501 == store.count_rejected()


def test_an_older_value_or_none_never_replaces_a_newer_one_unless_allowed(store: Store) -> None:
    newer, older = T0, T0 - timedelta(hours=1)
    store.set_cursor("customers", "", last_synced_at=newer, last_status="ok")
    kept = store.set_cursor("customers", "", last_synced_at=older, last_status="error",
                            last_error="late worker", consecutive_failures=1)
    assert (kept.last_synced_at, kept.last_status, kept.last_error) == (
        newer, "error", "late worker")
    assert store.get_cursor("customers", "") == kept
    assert store.set_cursor("customers", "", last_synced_at=None).last_synced_at == newer
    later = store.set_cursor("customers", "", last_synced_at=newer + timedelta(seconds=1))
    assert later.last_synced_at == newer + timedelta(seconds=1)
    back = store.set_cursor("customers", "", last_synced_at=older, allow_backwards=True)
    assert store.get_cursor("customers", "") == back and back.last_synced_at == older
    with pytest.raises(InvalidArgument, match="allow_backwards='yes'"):
        store.set_cursor("customers", "", last_synced_at=older, allow_backwards="yes")  # type: ignore[arg-type]


def test_at_stamps_the_instant_the_row_records(store: Store, clock: ManualClock) -> None:
    started = T0 - timedelta(seconds=3)
    row = store.set_cursor("customers", "", last_synced_at=None, last_status="error",
                           consecutive_failures=1, at=started)
    assert row.updated_at == started
    assert store.get_cursor("customers", "") == row
    with pytest.raises(InvalidArgument, match=r"at=datetime\.datetime\(2026, 1, 1, 0, 0\) is"):
        store.set_cursor("orders", "", last_synced_at=None, at=datetime(2026, 1, 1))
    assert store.get_cursor("orders", "") is None


# --- run leases ----------------------------------------------------------------------------


def test_a_lease_is_taken_held_renewed_expired_and_released(
    store: Store, clock: ManualClock
) -> None:
    mine = store.acquire_lease("orders", "s1", owner="a", seconds=60)
    assert (mine.owner, mine.expires_at) == ("a", T0 + timedelta(seconds=60))
    assert store.acquire_lease("orders", "s1", owner="b", seconds=60) == mine
    assert store.acquire_lease("orders", "s2", owner="b", seconds=60).owner == "b"
    clock.current = T0 + timedelta(seconds=30)
    renewed = store.acquire_lease("orders", "s1", owner="a", seconds=60)
    assert renewed.expires_at == T0 + timedelta(seconds=90)
    clock.current = T0 + timedelta(seconds=90)  # expired: anyone may take it
    taken = store.acquire_lease("orders", "s1", owner="b", seconds=60)
    assert (taken.owner, taken.expires_at) == ("b", T0 + timedelta(seconds=150))
    store.release_lease("orders", "s1", owner="a")  # not a's any more: left alone
    assert store.acquire_lease("orders", "s1", owner="c", seconds=1).owner == "b"
    store.release_lease("orders", "s1", owner="b")
    assert store.acquire_lease("orders", "s1", owner="c", seconds=1).owner == "c"


def test_bad_lease_arguments_are_refused(store: Store) -> None:
    with pytest.raises(InvalidArgument) as info:
        store.acquire_lease("orders", "", owner="a", seconds=0)
    assert info.value.args == (
        "Expected a number of seconds > 0 for the lease but got seconds=0: longer than a "
        "step-run usually takes, such as 600.",)
    with pytest.raises(InvalidArgument, match=r"non-empty str for owner but got owner=''"):
        store.acquire_lease("orders", "", owner="", seconds=60)
    with pytest.raises(InvalidArgument, match="source_key=None"):
        store.release_lease("orders", None, owner="a")  # type: ignore[arg-type]


def test_sqlite_migrates_a_version_1_store_and_keeps_its_data(
    db_path: Path, clock: ManualClock
) -> None:
    from spmkit._sqlite_schema import MIGRATIONS

    conn = sqlite3.connect(db_path)
    for statement in MIGRATIONS[1]:
        conn.execute(statement)
    conn.execute("INSERT INTO cursors VALUES ('orders', 's1', '2026-03-01T12:00:00.000000Z', "
                 "'ok', NULL, 3, 0, '2026-03-01T12:00:00.000000Z')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = SqliteStore(db_path, clock)
    try:
        cursor = store.get_cursor("orders", "s1")
        assert cursor is not None and cursor.items == 3
        assert store.acquire_lease("orders", "s1", owner="a", seconds=5).owner == "a"
    finally:
        store.close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
