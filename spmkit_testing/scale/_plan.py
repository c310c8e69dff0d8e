"""The fixed shards of a property run: each a seed and a share of the example budget.

The plan is a function of the run's seed and budget alone, never of how many workers
run it, so the examples tried are the same on one core, on all of them, or spread over
CI machines (``--shard I/K``)::

    >>> [(s.name, s.examples) for s in plan_shards(0, 60)]
    [('1/3', 20), ('2/3', 20), ('3/3', 20)]
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from spmkit import InvalidArgument

__all__ = ["SHARD_EXAMPLES", "Shard", "plan_shards"]

#: At most this many examples a shard: small enough to spread 500 over 20 shards (a
#: worker that finishes early takes the next), large enough that a shard's set-up stays a
#: small share of its run.
SHARD_EXAMPLES = 25


@dataclass(frozen=True, slots=True)
class Shard:
    """One shard: its place ``index`` of ``count`` (from 1), its seed, its examples."""

    index: int
    count: int
    seed: int
    examples: int

    @property
    def name(self) -> str:
        """``"3/20"``: the shard's place, as item ids and messages show it."""
        return f"{self.index}/{self.count}"


def shard_seed(seed: int, index: int) -> int:
    """The seed of shard ``index`` of a run seeded ``seed`` (a digest: no two collide)."""
    digest = hashlib.sha256(f"spmkit shard {seed} {index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def plan_shards(seed: int, examples: int, *, per_shard: int = SHARD_EXAMPLES
                ) -> tuple[Shard, ...]:
    """The shards of a run of ``examples`` examples seeded ``seed``: as few as hold at most
    ``per_shard`` examples each, the budget split evenly (the first ones take the rest)."""
    for name, value in (("examples", examples), ("per_shard", per_shard)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidArgument(f"plan_shards({name}={value!r}): an int >= 1.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidArgument(f"plan_shards(seed={seed!r}): an int.")
    count = math.ceil(examples / per_shard)
    share, rest = divmod(examples, count)
    return tuple(Shard(i, count, shard_seed(seed, i), share + (1 if i <= rest else 0))
                 for i in range(1, count + 1))
