"""The memory of failures: which Hypothesis example database a property run uses.

One setting chooses it, the ini option ``spmkit_example_db`` or the environment variable
``SPMKIT_EXAMPLE_DB`` (which wins, so a CI job can point at a shared database without
editing files):

* unset: a folder of this project, ``.spmkit/examples``
  (:class:`~hypothesis.database.DirectoryBasedExampleDatabase`);
* ``redis://host:port/db``: that folder *and* a Redis server, read and written
  (:class:`~hypothesis.database.MultiplexedDatabase` of the folder and
  :class:`~hypothesis.extra.redis.RedisExampleDatabase`): what CI uses;
* ``readonly:redis://host:port/db``: the folder, and the Redis server read but never
  written (:class:`~hypothesis.database.ReadOnlyDatabase`): a laptop replays what CI found;
* another path: that folder; ``none``: no database at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hypothesis.database import (
    DirectoryBasedExampleDatabase,
    ExampleDatabase,
    MultiplexedDatabase,
    ReadOnlyDatabase,
)

from spmkit import InvalidArgument

__all__ = [
    "EXAMPLE_DB_ENV",
    "EXAMPLE_DB_INI",
    "EXAMPLES_FOLDER",
    "WriteOnly",
    "example_db_setting",
    "open_example_database",
]

EXAMPLE_DB_ENV = "SPMKIT_EXAMPLE_DB"
EXAMPLE_DB_INI = "spmkit_example_db"
#: The project's own example database, under its root.
EXAMPLES_FOLDER = Path(".spmkit") / "examples"
_READONLY = "readonly:"


def example_db_setting(ini_value: str | None = None) -> str:
    """The setting in force: ``SPMKIT_EXAMPLE_DB`` if set, else the ini value, else ``""``."""
    return os.environ.get(EXAMPLE_DB_ENV) or (ini_value or "").strip()


def open_example_database(setting: str, *, root: Path) -> ExampleDatabase | None:
    """The example database ``setting`` names (see the module's docstring), folders under
    ``root``. A Redis server is asked for a ``PING`` at once, so a wrong address fails
    here, saying which setting to fix, not in the middle of a run."""
    setting = setting.strip()
    local = DirectoryBasedExampleDatabase(root / EXAMPLES_FOLDER)
    if not setting:
        return local
    if setting.lower() == "none":
        return None
    read_only = setting.startswith(_READONLY)
    url = setting.removeprefix(_READONLY)
    if url.startswith(("redis://", "rediss://", "unix://")):
        shared = _redis(url, setting)
        return MultiplexedDatabase(local, ReadOnlyDatabase(shared) if read_only else shared)
    if read_only:
        return MultiplexedDatabase(local, ReadOnlyDatabase(
            DirectoryBasedExampleDatabase(root / url)))
    return DirectoryBasedExampleDatabase(root / url)


def _redis(url: str, setting: str) -> ExampleDatabase:
    try:
        from hypothesis.extra.redis import RedisExampleDatabase
        from redis import Redis
        from redis.exceptions import RedisError
    except ImportError as exc:
        raise InvalidArgument(
            f"{EXAMPLE_DB_ENV}={setting!r} names a Redis server, but the redis client is not "
            f"installed ({exc}): pip install redis (or spmkit-shopimind[redis]).") from exc
    client = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
    try:
        client.ping()
    except RedisError as exc:
        raise InvalidArgument(
            f"{EXAMPLE_DB_ENV}={setting!r}: cannot reach that Redis server ({exc}); start it, "
            f"or fix the ini option {EXAMPLE_DB_INI} / the variable {EXAMPLE_DB_ENV} "
            f"(redis://host:port/db, readonly:redis://..., a folder, or none).") from exc
    return RedisExampleDatabase(client)


class WriteOnly(ExampleDatabase):
    """Writes go to ``db``; reads find nothing. A shard of a run uses it: it records its
    failures for the next run, but never replays one another shard recorded in the same
    run, so its verdict depends on its seed alone (whatever ran before it)."""

    def __init__(self, db: ExampleDatabase) -> None:
        super().__init__()
        self.db = db

    def __repr__(self) -> str:
        return f"WriteOnly({self.db!r})"

    def fetch(self, key: bytes) -> Iterable[bytes]:
        return ()

    def save(self, key: bytes, value: bytes) -> None:
        self.db.save(key, value)

    def delete(self, key: bytes, value: bytes) -> None:
        self.db.delete(key, value)

    def move(self, src: bytes, dest: bytes, value: bytes) -> None:
        self.db.move(src, dest, value)
