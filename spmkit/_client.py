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
* :func:`unwrap_or_raise` for callers who prefer an exception to checking ``env.ok``.

Reads and creates answer ``{"statusCode", "data"}``: ``Envelope.data`` is the inner
``data``. Retries follow :class:`~spmkit.RetryPolicy` and wait on the injected clock.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote

import httpx

from spmkit._clock import Clock, SystemClock
from spmkit._envelope import BulkData, ChunkSummary, Envelope, EnvelopeError
from spmkit._errors import InvalidArgument, SpmApiError
from spmkit._json import json_dumps, json_loads
from spmkit._resources import BulkResource, bulk_resource
from spmkit._resources_api import (
    BulkApi,
    CustomDataDefinitionsApi,
    CustomDataRecordsApi,
    DataSourcesApi,
    EventsApi,
    ListableBulkApi,
    QueryValue,
)
from spmkit._retry import RetryPolicy, RetrySignal, is_retryable_status, run_with_retries

__all__ = ["SpmClient", "unwrap_or_raise"]

DEFAULT_BASE_URL = "https://core.shopimind.com"
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


@dataclass(frozen=True, slots=True)
class _Answer:
    """One attempt's outcome: an HTTP answer (``status_code > 0``) or a network failure."""

    status_code: int
    body: Any = None
    reason: str = ""
    retry_after: str | None = None
    location: str | None = None
    network_code: str | None = None
    network_message: str = ""
    network_retryable: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is this machine (``localhost``, ``127.0.0.1``, ``::1``...)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, allow_insecure: bool) -> str:
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise InvalidArgument(
            f"base_url={base_url!r} is not a valid URL ({exc}); pass something like "
            f"{DEFAULT_BASE_URL!r}."
        ) from exc
    if url.scheme not in ("http", "https") or not url.host:
        raise InvalidArgument(
            f"base_url={base_url!r} must be an absolute http(s) URL such as {DEFAULT_BASE_URL!r}."
        )
    if url.scheme == "http" and not is_loopback_host(url.host) and not allow_insecure:
        raise InvalidArgument(
            f"base_url={base_url!r} uses plain http to a remote host ({url.host}): the "
            f"spm-api-key would travel in clear. Use https, a loopback host, or "
            f"allow_insecure_base_url=True (development only)."
        )
    return base_url.rstrip("/")


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


def _parse_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json_loads(response.content)
    except ValueError:
        return response.text


def _unwrap(body: Any) -> Any:
    """Peel the API's ``{"statusCode", "data"}`` wrapper; other bodies pass through."""
    if isinstance(body, Mapping) and "statusCode" in body and "data" in body:
        return body["data"]
    return body


def _api_message(body: Any) -> str:
    if isinstance(body, Mapping):
        raw = body.get("message") or body.get("error")
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list):
            return "; ".join(str(m) for m in raw)
    return ""


def _error_of(answer: _Answer, attempts: int) -> EnvelopeError:
    if answer.network_code is not None:
        return EnvelopeError(
            message=answer.network_message,
            code=answer.network_code,
            retryable=answer.network_retryable,
            attempts=attempts,
        )
    status = answer.status_code
    detail = _api_message(answer.body) or answer.reason or "no message"
    message = f"HTTP {status}: {detail}"
    if 300 <= status < 400:
        message += (
            f" (redirect to {answer.location or 'an unknown location'} not followed: the "
            f"spm-api-key must not be relayed; point base_url at the final address)"
        )
    return EnvelopeError(
        message=message,
        code=f"HTTP_{status}",
        retryable=is_retryable_status(status),
        attempts=attempts,
        details=answer.body,
    )


def _signal(answer: _Answer) -> RetrySignal | None:
    if answer.network_code is not None:
        return RetrySignal() if answer.network_retryable else None
    if is_retryable_status(answer.status_code):
        return RetrySignal(retry_after=answer.retry_after)
    return None


def _count(body: Mapping[str, Any], name: str) -> int:
    """A counter of a bulk answer as an int >= 0 (a NaN or negative count reads as 0)."""
    value = body.get(name)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float):
        return max(0, int(value)) if math.isfinite(value) else 0
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _bulk_body(body: Any) -> Mapping[str, Any]:
    """The counters of a bulk answer: at the top level (tolerating a ``data`` wrapper)."""
    if not isinstance(body, Mapping):
        return {}
    if "sent_count" not in body and isinstance(body.get("data"), Mapping):
        inner: Mapping[str, Any] = body["data"]
        return inner
    return body


def _with_batch_index(entry: Any, start: int, size: int) -> Any:
    """Add ``batch_index`` (the position in the whole ``bulk_save`` call) to an entry
    whose chunk-relative ``index`` is known, so a rejected item without a key can still
    be traced back to its payload."""
    index = entry.get("index") if isinstance(entry, dict) else None
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < size:
        return {**entry, "batch_index": start + index}
    return entry


def _merge_chunks(chunks: list[ChunkSummary], rejected_items: list[Any]) -> Envelope:
    data = BulkData(
        sent_count=sum(c.sent_count for c in chunks),
        rejected_count=sum(c.rejected_count for c in chunks),
        failed_count=sum(c.failed_count for c in chunks),
        rejected_items=tuple(rejected_items),
        chunks=tuple(chunks),
    )
    failed = [c for c in chunks if not c.ok]
    if not failed:
        return Envelope(ok=True, status_code=chunks[-1].status_code, data=data)
    first = failed[0]
    errors = [c.error for c in failed if c.error is not None]
    first_message = first.error.message if first.error else "no message"
    error = EnvelopeError(
        message=(
            f"{len(failed)} of {len(chunks)} chunk(s) failed; first: chunk {first.index} "
            f"({len(first.item_keys)} item(s)): {first_message}"
        ),
        code=first.error.code if first.error else f"HTTP_{first.status_code}",
        retryable=all(e.retryable for e in errors),
        attempts=max((e.attempts for e in errors), default=1),
        details=tuple(errors),
    )
    return Envelope(ok=False, status_code=first.status_code, data=data, error=error)


class _NoCookies(httpx.Cookies):
    """A cookie jar that keeps nothing: the API authenticates by its key header."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        return None


class _ApiHttp(httpx.AsyncClient):
    """The ``httpx.AsyncClient`` of :class:`SpmClient`: no cookie jar.

    A cookie an answer sets (a proxy's, a load balancer's) is never stored nor sent back:
    the ``spm-api-key`` header is the only credential. It also saves httpx building a
    urllib request for its cookie jar from every answer (about a tenth of a bulk push).
    """

    @property
    def cookies(self) -> httpx.Cookies:
        return _NO_COOKIES

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        return None

    async def exchange(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the client's transport and read the whole answer.

        What ``send`` does for SpmClient's requests, which use no auth, follow no
        redirect, keep no cookie and have no event hook, without those layers (half of
        httpx's own cost of a bulk push). The transport is the one ``send`` would pick
        (a proxy mount from the environment included).
        """
        if self.is_closed:
            raise RuntimeError("Cannot send a request, as the SpmClient has been closed.")
        response = await self._transport_for_url(request.url).handle_async_request(request)
        response.request = request
        # The line httpx's own send() logs, so logging shows the same requests as before.
        _HTTPX_LOG.info('HTTP Request: %s %s "%s %d %s"', request.method, request.url,
                        response.http_version, response.status_code, response.reason_phrase)
        try:
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response


_NO_COOKIES = _NoCookies()
_HTTPX_LOG = logging.getLogger("httpx")


def _encode_json(body: Any, what: str) -> bytes:
    try:
        return json_dumps(body)
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(
            f"{what} is not JSON-serializable ({exc}). Convert datetimes with .isoformat(), "
            f"Decimals with str() or float(), and sets with list() before sending."
        ) from exc


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
        self.base_url = _check_base_url(base_url, allow_insecure_base_url)
        self.transport = transport
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.retry = retry if retry is not None else RetryPolicy()
        self.label_source = label_source
        self._rng = random.Random(seed)
        # Building an httpx.URL parses the whole string; a bulk backfill posts to
        # the same few paths thousands of times, so parse each once.
        self._urls: dict[str, httpx.URL] = {}
        self._labelled: dict[str, bool] = {}
        self._http = _ApiHttp(
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
            return Envelope(ok=True, status_code=answer.status_code, data=_unwrap(answer.body))
        return Envelope(
            ok=False,
            status_code=answer.status_code,
            data=answer.body,
            error=_error_of(answer, attempts),
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
        path = _bulk_path(spec, id_definition)
        batch = _check_items(resource, items)
        if not batch:
            return Envelope(ok=True, status_code=200, data=BulkData())
        chunks: list[ChunkSummary] = []
        rejected: list[Any] = []
        for index, start in enumerate(range(0, len(batch), spec.chunk_size)):
            part = batch[start : start + spec.chunk_size]
            keys = _item_keys(part, spec.natural_key)
            answer, attempts = await self._call("POST", path, part, bulk_upsert=True)
            if answer.ok:
                body = _bulk_body(answer.body)
                items_rejected = body.get("rejected_items")
                if isinstance(items_rejected, list):
                    rejected.extend(_with_batch_index(entry, start, len(part))
                                    for entry in items_rejected)
                sent = _count(body, "sent_count")
                rejected_count = _count(body, "rejected_count")
                # The SDK drops a 2xx's failed_count; those items were not stored.
                failed = _count(body, "failed_count")
                # Items the answer does not account for (an empty or foreign body) are
                # not known to be stored: count them as failed, never as delivered.
                listed = len(items_rejected) if isinstance(items_rejected, list) else 0
                failed += max(0, len(part) - sent - max(rejected_count, listed) - failed)
                chunks.append(
                    ChunkSummary(
                        index=index,
                        status_code=answer.status_code,
                        ok=True,
                        item_keys=keys,
                        sent_count=sent,
                        rejected_count=rejected_count,
                        failed_count=failed,
                    )
                )
            else:
                chunks.append(
                    ChunkSummary(
                        index=index,
                        status_code=answer.status_code,
                        ok=False,
                        item_keys=keys,
                        failed_count=len(part),
                        error=_error_of(answer, attempts),
                    )
                )
        return _merge_chunks(chunks, rejected)

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
    ) -> tuple[_Answer, int]:
        method = method.upper()
        path = path.lstrip("/")
        body = self._with_label_source(method, path, body)
        content = None if body is None else _encode_json(body, f"the body of {method} {path}")
        url = self._url(path)
        if params:
            url = url.copy_merge_params(dict(params))
        if headers:
            merged = httpx.Headers(self._http.headers)
            merged.update(dict(headers))
            request = httpx.Request(method, url, content=content, headers=merged,
                                    extensions=dict(self._extensions))
        else:
            request = _request(method, url, content, self._http.headers.raw, self._extensions)
        has_key = headers is not None and any(
            name.lower() in _IDEMPOTENCY_HEADERS for name in headers
        )
        replayable = (
            method in _REPLAYABLE_METHODS
            or has_key
            or (bulk_upsert and self.retry.bulk_upserts_idempotent)
        )

        async def send() -> _Answer:
            return await self._send_once(request)

        return await run_with_retries(
            send,
            signal=_signal,
            replayable=replayable,
            policy=self.retry,
            clock=self.clock,
            rng=self._rng,
        )

    async def _send_once(self, request: httpx.Request) -> _Answer:
        """Send once. THE boundary where ``httpx`` exceptions become error codes."""
        try:
            response = await self._http.exchange(request)
        except httpx.RequestError as exc:
            code, retryable = _network_error(exc)
            return _Answer(
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
            return _Answer(status_code=status, body=_parse_body(response))
        return _Answer(
            status_code=status,
            body=_parse_body(response),
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


def _request(method: str, url: httpx.URL, content: bytes | None,
             raw_headers: list[tuple[bytes, bytes]], extensions: dict[str, Any]) -> httpx.Request:
    """``httpx.Request(method, url, content=content, headers=...)``, built the way httpx
    builds one from a stream (``stream=``): the same headers, in the same order (``Host``
    first, ``Content-Length`` last) and the same body, already read, at a third of the
    cost (``content=`` normalizes every header again through ``Headers``)."""
    headers = [(b"Host", url.netloc), *raw_headers]
    if content is not None:
        headers.append((b"Content-Length", str(len(content)).encode()))
    elif method in ("POST", "PUT", "PATCH"):
        headers.append((b"Content-Length", b"0"))
    request = httpx.Request(method, url, headers=headers, stream=httpx.ByteStream(content or b""),
                            extensions=dict(extensions))
    request.read()
    return request


def _bulk_path(spec: BulkResource, id_definition: int | str | None) -> str:
    needs_definition = "{id_definition}" in spec.path
    if needs_definition:
        if id_definition is None or isinstance(id_definition, bool) or str(id_definition) == "":
            raise InvalidArgument(
                f"bulk_save({spec.name!r}) needs id_definition=<the custom-data definition id> "
                f"but got id_definition={id_definition!r}; get it from ensure_provisioned(...)."
            )
        return spec.path.format(id_definition=quote(str(id_definition), safe=""))
    if id_definition is not None:
        raise InvalidArgument(
            f"id_definition={id_definition!r} only applies to 'custom-data-records', not "
            f"{spec.name!r}; drop the argument."
        )
    return spec.path


def _check_items(resource: str, items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise InvalidArgument(
            f"Expected a list of dicts for items of {resource!r} but got "
            f"items={items!r:.80} (type={type(items).__name__})."
        )
    for index, item in enumerate(items):
        if type(item) is not dict and not isinstance(item, Mapping):
            raise InvalidArgument(
                f"items[{index}] of {resource!r} must be a dict but got {item!r:.80} "
                f"(type={type(item).__name__})."
            )
    return list(items)


def _item_keys(part: Sequence[Mapping[str, Any]], natural_key: str) -> tuple[str, ...]:
    """The natural key of each item of a chunk (``"?"`` when it has none), as str."""
    values = [item.get(natural_key) for item in part]
    return tuple([v if type(v) is str else "?" if v is None else str(v) for v in values])


def unwrap_or_raise(envelope: Envelope) -> Any:
    """Return ``envelope.data``, or raise :class:`~spmkit.SpmApiError` if the call failed.

    For example::

        sources = unwrap_or_raise(await client.data_sources.list())
    """
    if not isinstance(envelope, Envelope):
        raise InvalidArgument(
            f"Expected an Envelope but got envelope={envelope!r:.80} "
            f"(type={type(envelope).__name__}); pass what an SpmClient call returned."
        )
    if envelope.ok:
        return _unwrap(envelope.data)
    error = envelope.error
    code = error.code if error is not None else f"HTTP_{envelope.status_code}"
    message = error.message if error is not None else "no message"
    attempts = error.attempts if error is not None else 1
    raise SpmApiError(
        f"ShopiMind API call failed ({code}, {attempts} attempt(s)): {message}",
        status_code=envelope.status_code or None,
        code=code,
    )
