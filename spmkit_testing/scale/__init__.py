"""Run the property check bigger: every core, CI shards, a shared memory of failures.

* :func:`plan_shards` splits a run into fixed :class:`Shard` s (a seed and a share of
  the budget each, from the run's seed and budget alone);
* :func:`run_shard` runs one, in any process; :func:`prove_in_shards` runs them all on
  ``workers`` processes and merges them into one :class:`ShardedProof`, the same for any
  number of workers, and resumes an interrupted run;
* :func:`open_example_database` opens the example database the ``spmkit_example_db``
  ini option or ``SPMKIT_EXAMPLE_DB`` names (a folder under ``.spmkit/`` by default, a
  Redis server shared by a team, read-only on a laptop), and :func:`remembered` /
  :func:`replay_remembered` replay what earlier runs found before searching;
* :func:`fuzz` runs a long HypoFuzz campaign on the golden-rule property
  (:func:`fuzz_target`, the test it collects) and writes what it finds as a scenario file.

For example::

    from spmkit_testing.scale import prove_in_shards

    proof = prove_in_shards("my_sync:integration", "my_adapter:adapter", examples=500,
                            seed=0, profile="spmkit-ci", workers=4)
    assert proof.broken is None, proof.broken.broken
"""

from __future__ import annotations

from spmkit_testing.scale._database import (
    EXAMPLE_DB_ENV,
    EXAMPLE_DB_INI,
    EXAMPLES_FOLDER,
    WriteOnly,
    example_db_setting,
    open_example_database,
)
from spmkit_testing.scale._fuzz import FUZZ_FOLDER, FuzzCampaign, fuzz, fuzz_target
from spmkit_testing.scale._memory import (
    Remembered,
    hypothesis_key,
    remembered,
    replay_remembered,
)
from spmkit_testing.scale._plan import SHARD_EXAMPLES, Shard, plan_shards
from spmkit_testing.scale._resume import SHARDS_FOLDER, ShardStore, run_name
from spmkit_testing.scale._shard import (
    ShardJob,
    ShardResult,
    database_key,
    error_result,
    merged_coverage,
    quiet_engine,
    resolve_target,
    run_shard,
)
from spmkit_testing.scale._sharded import ShardedProof, ShardFailed, prove_in_shards

__all__ = [
    "database_key",
    "error_result",
    "EXAMPLE_DB_ENV",
    "EXAMPLE_DB_INI",
    "example_db_setting",
    "EXAMPLES_FOLDER",
    "fuzz",
    "FUZZ_FOLDER",
    "fuzz_target",
    "FuzzCampaign",
    "hypothesis_key",
    "merged_coverage",
    "open_example_database",
    "plan_shards",
    "prove_in_shards",
    "quiet_engine",
    "Remembered",
    "remembered",
    "replay_remembered",
    "resolve_target",
    "run_name",
    "run_shard",
    "Shard",
    "SHARD_EXAMPLES",
    "ShardedProof",
    "ShardFailed",
    "ShardJob",
    "ShardResult",
    "SHARDS_FOLDER",
    "ShardStore",
    "WriteOnly",
]
