"""Serve the simulated partner as the integration's own REST API, in a few lines: the route
tables of :mod:`spmkit_testing.partner.rest` (``from spmkit_testing import rest``)."""

from __future__ import annotations

from spmkit_testing.partner.rest import *  # noqa: F403
from spmkit_testing.partner.rest import __all__ as __all__
