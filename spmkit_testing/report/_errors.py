"""The report's "Step errors" section: each distinct error of a step-source once, in full,
with the tick it first happened, how often, and the whole traceback behind it.

The timeline and the table clip an error to a line; the engine's error already names
the innermost frame of the integration's own code (``AttributeError at my_sync.py:42 in
from_ms: ...``), and this section adds the traceback the engine kept
(:attr:`spmkit.StepSummary.traceback`), collapsed under the error. The errors are
grouped by :func:`spmkit_testing.sim.step_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from spmkit_testing._text import clip, esc
from spmkit_testing.sim import step_errors

if TYPE_CHECKING:
    from spmkit_testing.sim import TickTrace

__all__ = ["step_errors_section"]

_LISTED = 20


def step_errors_section(trace: Sequence[TickTrace]) -> str:
    """The HTML section (empty when no step failed)."""
    errors = step_errors(trace)
    if not errors:
        return ""
    items = []
    for e in errors[:_LISTED]:
        when = f"tick {e.first_tick}" + (f" and {e.ticks - 1:,} more" if e.ticks > 1 else "")
        detail = ("" if e.traceback is None else
                  f"<details><summary>traceback</summary><pre class=\"tb\">"
                  f"{esc(clip(e.traceback, 20_000))}</pre></details>")
        items.append(f"<li><b>{esc(e.where)}</b> <span class=\"muted\">({esc(when)})</span>"
                     f"<pre>{esc(clip(e.error, 3000))}</pre>{detail}</li>")
    more = len(errors) - _LISTED
    note = f"<p class=\"muted\">… and {more:,} more.</p>" if more > 0 else ""
    return (f"<h2>Step errors ({len(errors):,})</h2><ol class=\"failures\">{''.join(items)}"
            f"</ol>{note}")
