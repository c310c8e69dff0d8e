from __future__ import annotations

from spmkit_testing.sim import StepTrace, TickTrace, format_timeline

NOW = "2026-01-01T00:01:00+00:00"
REJECTS = ("4 item(s) rejected (cursor held; set tolerate_rejects to advance) — 'bad': email "
           "must be a valid e-mail address, \"o'brien\": name, email missing, 'c3': refused by "
           "ShopiMind: " + "x" * 130 + ", and 1 more")


def step(entity: str, source: str = "", *, errors: tuple[str, ...] = (),
         skipped: str | None = None, advanced: bool = False) -> StepTrace:
    return StepTrace(entity=entity, source_key=source, window=None, cursor_before=None,
                     cursor_after=NOW if advanced else None, advanced=advanced, skipped=skipped,
                     errors=errors, attempted=0, rejected=0, dead_lettered=0)


def tick(*steps: StepTrace) -> TickTrace:
    return TickTrace(index=1, now=NOW, status="partial", full_backfill=False, steps=steps,
                     faults=())


def test_format_timeline_names_the_rejected_records_and_reasons() -> None:
    text = format_timeline([tick(step("customers", errors=(REJECTS,)))])
    assert text == (
        "  tick   1 2026-01-01T00:01:00 partial  customers: HELD (4 item(s) rejected — 'bad': "
        "email must be a valid e-mail address; \"o'brien\": name, email missing; 'c3': refused "
        "by ShopiMind: " + "x" * 37 + "…; and 1 more)"
    )


def test_format_timeline_reject_without_named_records_keeps_the_count() -> None:
    text = format_timeline([tick(step("customers", errors=(
        "2 item(s) rejected (cursor held; set tolerate_rejects to advance)",)))])
    assert text.endswith("customers: HELD (2 item(s) rejected)")


def test_format_timeline_clips_other_errors_with_an_ellipsis() -> None:
    error = "bulk step 'orders': RuntimeError: Demo POS answered 503 to GET /stores/store-1/" \
            "orders/records: {\"error\": ...}"
    text = format_timeline([tick(step("orders", "store-1", errors=(error,)),
                                 step("orders", "store-2", skipped="backoff"),
                                 step("customers", advanced=True))])
    assert text == (
        "  tick   1 2026-01-01T00:01:00 partial  orders@store-1: HELD (" + error[:89] + "…); "
        "orders@store-2: skipped (backoff); customers: -> 00:01:00"
    )
