"""The SQL of the SQLite store (:mod:`spmkit._sqlite_store`), one constant per statement.

Statements are constants: sqlite3 caches the prepared statement per SQL text.
"""

from __future__ import annotations

__all__ = [
    "ACQUIRE_LEASE",
    "ADD_REJECTED",
    "COUNT_REJECTED",
    "CURSOR_COLUMNS",
    "DELETE_STATE",
    "FINISH_RUN",
    "GET_CURSOR",
    "GET_LEASE",
    "GET_RUN",
    "GET_STATE",
    "LIST_CURSORS",
    "LIST_REJECTED",
    "LIST_RUNS",
    "PURGE_REJECTED",
    "PURGE_RUNS",
    "REJECTED_COLUMNS",
    "REJECTED_WHERE",
    "RELEASE_LEASE",
    "RUN_COLUMNS",
    "SET_CURSOR",
    "SET_STATE",
    "START_RUN",
]

CURSOR_COLUMNS = (
    "entity, source_key, last_synced_at, last_status, last_error, items, "
    "consecutive_failures, updated_at"
)
GET_CURSOR = f"SELECT {CURSOR_COLUMNS} FROM cursors WHERE entity = ? AND source_key = ?"
LIST_CURSORS = f"SELECT {CURSOR_COLUMNS} FROM cursors ORDER BY entity, source_key"
# One statement, so atomic without BEGIN; NULL for :failures keeps the stored count.
# The compare-and-set: unless :backwards, an older value (or NULL) never replaces a newer
# one, decided inside the statement, so two processes cannot interleave a read and a
# write. Fixed-width ISO text compares in time order.
SET_CURSOR = """
INSERT INTO cursors (entity, source_key, last_synced_at, last_status, last_error, items,
                     consecutive_failures, updated_at)
VALUES (:entity, :source_key, :synced, :status, :error, :items, COALESCE(:failures, 0), :now)
ON CONFLICT (entity, source_key) DO UPDATE SET
    last_synced_at = CASE
        WHEN :backwards OR cursors.last_synced_at IS NULL
             OR excluded.last_synced_at >= cursors.last_synced_at
        THEN excluded.last_synced_at ELSE cursors.last_synced_at END,
    last_status = excluded.last_status,
    last_error = excluded.last_error,
    items = excluded.items,
    consecutive_failures = COALESCE(:failures, cursors.consecutive_failures),
    updated_at = excluded.updated_at
RETURNING last_synced_at, consecutive_failures
"""
# Taken when free, held by the same owner, or expired; the holder is read back in the
# same transaction (an upsert whose WHERE is false returns no row).
ACQUIRE_LEASE = """
INSERT INTO leases (entity, source_key, owner, expires_at)
VALUES (:entity, :source_key, :owner, :expires)
ON CONFLICT (entity, source_key) DO UPDATE SET
    owner = excluded.owner,
    expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= :now
"""
GET_LEASE = "SELECT owner, expires_at FROM leases WHERE entity = ? AND source_key = ?"
RELEASE_LEASE = "DELETE FROM leases WHERE entity = ? AND source_key = ? AND owner = ?"
START_RUN = "INSERT INTO runs (mode, status, started_at) VALUES (?, 'running', ?)"
FINISH_RUN = "UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE run_id = ?"
RUN_COLUMNS = "run_id, mode, status, started_at, finished_at, summary"
GET_RUN = f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?"
LIST_RUNS = f"SELECT {RUN_COLUMNS} FROM runs ORDER BY run_id"
ADD_REJECTED = """
INSERT INTO rejected_items (run_id, entity, source_key, item_key, payload, reason, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
"""
REJECTED_COLUMNS = "id, run_id, entity, source_key, item_key, payload, reason, created_at"
REJECTED_WHERE = {
    (False, False): "",
    (True, False): " WHERE run_id = :run_id",
    (False, True): " WHERE entity = :entity",
    (True, True): " WHERE run_id = :run_id AND entity = :entity",
}
LIST_REJECTED = {
    key: f"SELECT {REJECTED_COLUMNS} FROM rejected_items{where} ORDER BY id LIMIT :limit"
    for key, where in REJECTED_WHERE.items()
}
COUNT_REJECTED = {
    key: f"SELECT COUNT(*) FROM rejected_items{where}" for key, where in REJECTED_WHERE.items()
}
PURGE_REJECTED = "DELETE FROM rejected_items WHERE created_at < ?"
PURGE_RUNS = "DELETE FROM runs WHERE status != 'running' AND started_at < ?"
GET_STATE = "SELECT value FROM state WHERE key = ?"
SET_STATE = (
    "INSERT INTO state (key, value) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
)
DELETE_STATE = "DELETE FROM state WHERE key = ?"
