"""The ShopiMind API client: :class:`SpmClient`, an async client over ``httpx`` that never raises.

Every call returns an :class:`~spmkit.Envelope`, like ``@shopimind/sdk-js`` 1.1: HTTP
errors and network errors become ``Envelope(ok=False, error=EnvelopeError(...))``.
``httpx`` exceptions are mapped to the SDK's error codes (``ETIMEDOUT``,
``ECONNREFUSED``, ``ECONNRESET``...) in one place, :meth:`SpmClient._send_once`.

The surface:

* ``await client.bulk_save(resource, items, *, id_definition=None)`` chunks by the
  resource's batch limit and merges the chunk answers into one :class:`~spmkit.BulkData`;
* one attribute per API area, for example ``client.customers.bulk_save(items)``,
  ``client.orders.list(limit=50)``, ``client.data_sources.create({...})``,
  ``client.custom_data_records.bulk_save(id_definition, records)``,
  ``client.events.trigger("cart_abandoned", payload)``;
* ``await client.request(method, path, json=..., params=..., headers=...)`` for any
  other route;
* :func:`~spmkit.unwrap_or_raise` for callers who prefer an exception to checking ``env.ok``.

Reads and creates answer ``{"statusCode", "data"}``: ``Envelope.data`` is the inner
``data``. Retries follow :class:`~spmkit.RetryPolicy` and wait on the injected clock.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Final

import httpx

from spmkit._answer import Answer, error_of, parse_body, retry_signal, unwrap
from spmkit._bulk_chunks import bulk_path, check_items, item_keys, merge_chunks, read_chunk
from spmkit._clock import Clock, SystemClock
from spmkit._envelope import BulkData, ChunkSummary, Envelope
from spmkit._errors import InvalidArgument
from spmkit._http import DEFAULT_BASE_URL, ApiHttp, build_request, check_base_url, encode_json
from spmkit._resources import bulk_resource
from spmkit._resources_api import (
    BulkApi,
    CustomDataDefinitionsApi,
    CustomDataRecordsApi,
    DataSourcesApi,
    EventsApi,
    ListableBulkApi,
    QueryValue,
)
from spmkit._retry import RetryPolicy, run_with_retries

__all__ = ["SpmClient"]

# Parsed request URLs kept per client (the paths of one shop are a small set).
_URL_CACHE_SIZE: Final = 256
# `label_source` tags ingested data with its origin; these endpoints validate their
# bodies strictly and would refuse the extra field (SDK client.js, same list).
_NO_LABEL_SOURCE = (
    "shop/connection",
    "data-sources",
    "custom-data-definitions",
    "custom-data-records",
    "events",
    "lists",
    "custom-stats",
    "contacts",
    "carts",
)
_REPLAYABLE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_IDEMPOTENCY_HEADERS = frozenset({"idempotency-key", "x-idempotency-key"})
_DNS_HINTS = ("name or service not known", "nodename nor servname", "getaddrinfo", "resolve")


def _network_error(exc: httpx.RequestError) -> tuple[str, bool]:
    """Map an ``httpx`` exception to the SDK's error code and whether it is retryable."""
    if isinstance(exc, httpx.TimeoutException):
        return "ETIMEDOUT", True
    if isinstance(exc, httpx.ConnectError):
        text = str(exc).lower()
        if any(hint in text for hint in _DNS_HINTS):
            return "ENOTFOUND", True
        return "ECONNREFUSED", True
    if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
        return "ECONNRESET", True
    return "ETRANSPORT", False



class SpmClient:
    """An async ShopiMind API client that never raises on HTTP or network errors.

    ``transport`` is the httpx seam (``None``: httpx's default network transport);
    ``clock`` paces retries (default :class:`~spmkit.SystemClock`); ``seed`` seeds the
    jitter of the backoff; ``label_source=None`` stops tagging data-sync bodies.

    For example::

        async with SpmClient(api_key, transport=fake.transport, clock=clock) as client:
            env = await client.customers.bulk_save(customers)
            if not env.ok:
                print(env.error.code, env.data.failed_count)
    """

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        label_source: str | None = "web",
        allow_insecure_base_url: bool = False,
        seed: int | None = None,
    ) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise InvalidArgument(
                f"Expected a non-empty str for api_key but got api_key={api_key!r} "
                f"(type={type(api_key).__name__}); pass the shop's ShopiMind API key."
            )
        if not isinstance(base_url, str):
            raise InvalidArgument(
                f"Expected str for base_url but got base_url={base_url!r} "
                f"(type={type(base_url).__name__})."
            )
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise InvalidArgument(
                f"Expected a number of seconds > 0 for timeout but got timeout={timeout!r}."
            )
        if label_source is not None and (not isinstance(label_source, str) or not label_source):
            raise InvalidArgument(
                f"label_source={label_source!r} must be a non-empty str such as 'web', or None "
                f"to send no label_source."
            )
        self.base_url = check_base_url(base_url, allow_insecure_base_url)
        self.transport = transport
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.retry = retry if retry is not None else RetryPolicy()
        self.label_source = label_source
        self._rng = random.Random(seed)
        # Building an httpx.URL parses the whole string; a bulk backfill posts to
        # the same few paths thousands of times, so parse each once.
        self._urls: dict[str, httpx.URL] = {}
        self._labelled: dict[str, bool] = {}
        self._http = ApiHttp(
            transport=transport,
            timeout=httpx.Timeout(float(timeout)),
            follow_redirects=False,
            headers={
                "Accept": "application/json",
                "Content-Type": "application/json",
                "spm-api-key": api_key,
            },
        )
        # What httpx's build_request merges on every call (client headers, cookies,
        # params, timeout), merged once: a request is then one httpx.Request(...).
        self._extensions = {"timeout": self._http.timeout.as_dict()}
        self.customers = ListableBulkApi(self, "customers")
        self.customers_addresses = BulkApi(self, "customers-addresses")
        self.customers_groups = ListableBulkApi(self, "customers-groups")
        self.orders = ListableBulkApi(self, "orders")
        self.orders_statuses = ListableBulkApi(self, "orders-statuses")
        self.orders_carriers = ListableBulkApi(self, "orders-carriers")
        self.products = ListableBulkApi(self, "products")
        self.products_categories = ListableBulkApi(self, "products-categories")
        self.products_manufacturers = ListableBulkApi(self, "products-manufacturers")
        self.products_images = BulkApi(self, "products-images")
        self.products_variations = BulkApi(self, "products-variations")
        self.newsletter_subscribers = BulkApi(self, "newsletter-subscribers")
        self.vouchers = ListableBulkApi(self, "vouchers")
        self.data_sources = DataSourcesApi(self)
        self.custom_data_definitions = CustomDataDefinitionsApi(self)
        self.custom_data_records = CustomDataRecordsApi(self)
        self.events = EventsApi(self)

    def __repr__(self) -> str:
        return f"SpmClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> SpmClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the underlying ``httpx.AsyncClient``."""
        await self._http.aclose()

    # -- generic calls ---------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Envelope:
        """Call ``{base_url}/v1/{path}``; ``data`` is the unwrapped body. Never raises on HTTP.

        A POST/PATCH is retried only with an ``Idempotency-Key`` header.
        """
        answer, attempts = await self._call(
            method, path, json, params=params, headers=headers, bulk_upsert=False
        )
        if answer.ok:
            return Envelope(ok=True, status_code=answer.status_code, data=unwrap(answer.body))
        return Envelope(
            ok=False,
            status_code=answer.status_code,
            data=answer.body,
            error=error_of(answer, attempts),
        )

    async def bulk_save(
        self,
        resource: str,
        items: Sequence[Mapping[str, Any]],
        *,
        id_definition: int | str | None = None,
    ) -> Envelope:
        """Upsert ``items`` into a bulk resource, chunked by its batch limit.

        ``data`` is a :class:`~spmkit.BulkData` merging every chunk; ``ok`` only if
        every chunk got a 2xx. ``custom-data-records`` needs ``id_definition``.
        """
        spec = bulk_resource(resource)
        path = bulk_path(spec, id_definition)
        batch = check_items(resource, items)
        if not batch:
            return Envelope(ok=True, status_code=200, data=BulkData())
        chunks: list[ChunkSummary] = []
        rejected: list[Any] = []
        for index, start in enumerate(range(0, len(batch), spec.chunk_size)):
            part = batch[start : start + spec.chunk_size]
            keys = item_keys(part, spec.natural_key)
            answer, attempts = await self._call("POST", path, part, bulk_upsert=True)
            chunk, listed = read_chunk(index, start, part, keys, answer, attempts)
            chunks.append(chunk)
            rejected.extend(listed)
        return merge_chunks(chunks, rejected)

    # -- internals ---------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        path: str,
        body: Any,
        *,
        params: Mapping[str, QueryValue] | None = None,
        headers: Mapping[str, str] | None = None,
        bulk_upsert: bool,
    ) -> tuple[Answer, int]:
        method = method.upper()
        path = path.lstrip("/")
        body = self._with_label_source(method, path, body)
        content = None if body is None else encode_json(body, f"the body of {method} {path}")
        url = self._url(path)
        if params:
            url = url.copy_merge_params(dict(params))
        if headers:
            merged = httpx.Headers(self._http.headers)
            merged.update(dict(headers))
            request = httpx.Request(method, url, content=content, headers=merged,
                                    extensions=dict(self._extensions))
        else:
            request = build_request(method, url, content, self._http.headers.raw, self._extensions)
        has_key = headers is not None and any(
            name.lower() in _IDEMPOTENCY_HEADERS for name in headers
        )
        replayable = (
            method in _REPLAYABLE_METHODS
            or has_key
            or (bulk_upsert and self.retry.bulk_upserts_idempotent)
        )

        async def send() -> Answer:
            return await self._send_once(request)

        return await run_with_retries(
            send,
            signal=retry_signal,
            replayable=replayable,
            policy=self.retry,
            clock=self.clock,
            rng=self._rng,
        )

    async def _send_once(self, request: httpx.Request) -> Answer:
        """Send once. THE boundary where ``httpx`` exceptions become error codes."""
        try:
            response = await self._http.exchange(request)
        except httpx.RequestError as exc:
            code, retryable = _network_error(exc)
            return Answer(
                status_code=0,
                network_code=code,
                network_message=(
                    f"{code}: {type(exc).__name__} calling {request.method} {request.url}: "
                    f"{exc or 'no detail'}"
                ),
                network_retryable=retryable,
            )
        status = response.status_code
        if 200 <= status < 300:
            # Retry-After and Location only matter to a failed answer.
            return Answer(status_code=status, body=parse_body(response))
        return Answer(
            status_code=status,
            body=parse_body(response),
            reason=response.reason_phrase,
            retry_after=response.headers.get("retry-after"),
            location=response.headers.get("location"),
        )

    def _url(self, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(f"{self.base_url}/v1/{path}")
            if len(self._urls) < _URL_CACHE_SIZE:
                self._urls[path] = url
        return url

    def _with_label_source(self, method: str, path: str, body: Any) -> Any:
        label = self.label_source
        if label is None or body is None or method not in ("POST", "PUT"):
            return body
        labelled = self._labelled.get(path)
        if labelled is None:
            labelled = not any(endpoint in path for endpoint in _NO_LABEL_SOURCE)
            if len(self._labelled) < _URL_CACHE_SIZE:
                self._labelled[path] = labelled
        if not labelled:
            return body
        if isinstance(body, list):
            return [
                {**item, "label_source": label}
                if type(item) is dict or isinstance(item, Mapping)
                else item
                for item in body
            ]
        if isinstance(body, Mapping):
            return {**body, "label_source": label}
        return body

