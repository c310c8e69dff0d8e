"""Lifecycle webhooks delivered late, early, twice and tampered: each is handled once or refused.

ShopiMind triggers syncs with signed webhooks. A captured webhook must not run a
second time: the same request delivered twice is refused as ``replayed``, and so is
its copy with the signature upper-cased (the JS kit de-duplicated on the raw header
and compared hex leniently, so that copy slipped through); a copy with characters
appended is refused as ``signature_mismatch``. A webhook stamped more than 300 s ago
is refused (``timestamp_out_of_tolerance``), one up to 60 s early is accepted. Each
accepted ``sync`` runs the engine exactly once, as a tick the oracle checks.
"""

from __future__ import annotations

from spmkit_testing.scenario import (
    Scenario,
    World,
    add,
    advance,
    nothing_lost,
    present,
    record,
    records,
    run_status,
    webhook,
    webhooks,
)

scenario = Scenario(
    "webhook_replay",
    description=__doc__,
    world=World(records=[records(5, stream="global")]),
    timeline=[
        webhook("sync", times=2),
        advance("1m"),
        add(record("late-sync")),
        advance("10s"),
        webhook("sync", sent="-6m"),
        webhook("sync", times=2, tamper="upper"),
        advance("1m"),
        webhook("sync", times=2, tamper="trailing"),
        advance("1m"),
        webhook("sync", sent="30s"),
        webhook("deactivate", sent="2m"),
    ],
    expect=[
        webhooks("accepted", "replayed", "timestamp_out_of_tolerance", "accepted", "replayed",
                 "accepted", "signature_mismatch", "accepted", "timestamp_out_of_tolerance"),
        run_status(1, "ok"),
        run_status(4, "ok"),
        present("global", "late-sync"),
        nothing_lost(),
    ],
)
