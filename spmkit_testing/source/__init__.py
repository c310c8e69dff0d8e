"""The simulated partner system: ``FakeSource`` and its fault rules.

Records
    ``put(key, payload)``, ``update(key, changes)``, ``delete(key)`` write a version
    stamped ``updated_at = clock.now() + skew`` (the partner's clock; or an explicit
    ``updated_at=``) and ``visible_at = clock.now() + lag`` (late arrival on the true
    clock). A read at ``clock.now()`` sees, per key, the newest visible version;
    ``read_window(since, until)`` returns those with ``since < updated_at <= until``
    ordered by ``(updated_at, key)``. ``records()`` is the ground truth.

Wire contract (``source.transport()`` at any base URL; ``source.mount(router,
base_url=...)`` for respx). Every style is ``GET {base}/records``; times are ISO 8601
with a timezone (answers use ``2024-01-01T00:00:00.000000Z``); bounds follow the
engine's window: ``after`` is exclusive, ``before``/``until`` is inclusive. An item is::

    {"key": "c-1", "updated_at": "2024-01-01T00:00:00.000000Z", "deleted": false,
     "data": {...payload...}}          # a tombstone has "deleted": true, "data": {}

* page + size: ``?updated_after=T0&updated_before=T1&page=N&size=M`` (``page`` from 1,
  ``size`` <= 1000, default 100) answers
  ``{"items": [...], "page": N, "size": M, "has_more": bool}``. Offsets are computed at
  request time, so a late arrival inside the window shifts later pages (as in real APIs).
* opaque cursor: the first page is ``?updated_after=T0&updated_before=T1&limit=M``
  (no ``page``), then ``?cursor=TOKEN``; answers ``{"items": [...], "next_cursor":
  TOKEN | null}``. The token carries the window, the limit and the last key served.
* updated_since + limit: ``?updated_since=T&limit=M`` (optional ``updated_until=T1``)
  answers a bare JSON list of items with ``updated_at > T``. The client continues with
  ``updated_since=<last updated_at>&after_key=<last key>`` (items strictly after that
  ``(updated_at, key)``) until a list shorter than ``limit``.

Errors: 400 for a bad query, 404 for another path, 405 for another method, each with
``{"error": {"code": ..., "message": ...}}``.

Faults (:class:`SourceFault`, added with ``source.add_fault``): ``server_error`` (5xx
with an error body), ``rate_limit`` (429 + ``Retry-After``), ``timeout`` (raises
``httpx.ReadTimeout``), ``null_page`` (200 with ``null`` where the items belong: the
whole body in the updated_since style), ``error_page`` (200 whose whole body is an
error object), ``duplicate_page`` (the page with ``count`` records served before put in
front again; a first page repeats its own first records), ``reordered_page`` (the items
rotated out of order). Every request is journaled in ``source.calls``.
"""

from __future__ import annotations

from spmkit_testing.source._faults import SourceFault
from spmkit_testing.source._records import SourceRecord
from spmkit_testing.source._source import FakeSource
from spmkit_testing.source._wire import SourceCall, SourceTransport

__all__ = ["FakeSource", "SourceCall", "SourceFault", "SourceRecord", "SourceTransport"]
