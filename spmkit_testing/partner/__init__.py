"""The simulated partner system: records with a history, a skewed clock, sources, faults.

* :class:`FakeSource` — the records of one stream-source: ``put``, ``update``,
  ``delete`` write versions stamped by the partner's clock (``clock.now() + skew``),
  readable ``lag`` later; ``records()`` is the ground truth.
* :class:`Partner` — every stream-source of one integration's partner, its sources and
  the fault decisions of each read; what an adapter serves.
* :class:`RestApi` (built with :func:`spmkit_testing.rest.api`) — the partner served as
  the integration's own REST API.
* :data:`PRECISIONS` — what a partner stamps at (``"microsecond"``, ``"millisecond"``,
  ``"second"``, ``"day"``); :data:`TIME_FORMATS` — how a REST API writes times, and
  the precision each implies.
"""

from __future__ import annotations

from spmkit_testing.faults import Page
from spmkit_testing.partner._paging import Paging
from spmkit_testing.partner._partner import (
    DEFAULT_SOURCES,
    Partner,
    PartnerCall,
    PartnerFailure,
    PartnerPage,
    PartnerStream,
    record_dict,
)
from spmkit_testing.partner._payloads import default_payload, fake_payload, key_for
from spmkit_testing.partner._records import SourceRecord
from spmkit_testing.partner._rest import RestApi, RestTransport
from spmkit_testing.partner._routes import Auth, RecordsRoute, SourcesRoute
from spmkit_testing.partner._source import FakeSource
from spmkit_testing.partner._time import (
    PRECISIONS,
    TIME_FORMATS,
    BadTime,
    format_time,
    parse_time,
    truncate,
)

__all__ = [
    "Auth",
    "BadTime",
    "default_payload",
    "DEFAULT_SOURCES",
    "fake_payload",
    "FakeSource",
    "format_time",
    "key_for",
    "Page",
    "Paging",
    "parse_time",
    "Partner",
    "PartnerCall",
    "PartnerFailure",
    "PartnerPage",
    "PartnerStream",
    "PRECISIONS",
    "record_dict",
    "RecordsRoute",
    "RestApi",
    "RestTransport",
    "SourceRecord",
    "SourcesRoute",
    "TIME_FORMATS",
    "truncate",
]
