"""The probe: one contract run's connection to its target, bounded in requests and time.

Every request of a run goes through :meth:`Probe.request`, which counts it against
the budget (``max_requests``) and the time limit, and turns a missing answer into
:class:`~spmkit_testing.contract.NoAnswer`. The probe owns the run's namespace
(``spmkit-verify-<run id>``), the run's own data source (created once, on first use)
and the ledger of what was created; :meth:`Probe.cleanup` hands that ledger to the
target's cleanup with a budget of its own, so a run that spent its budget still
cleans up.
"""

from __future__ import annotations

import json as jsonlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from spmkit_testing.contract._answer import Answer
from spmkit_testing.contract._created import Cleaned, Created
from spmkit_testing.contract._errors import BudgetSpent, NoAnswer, Stop, TargetError
from spmkit_testing.contract._target import API_KEY_ENV, ApiTarget

__all__ = [
    "CLEANUP_MAX_REQUESTS",
    "CLEANUP_TIME_LIMIT_SECONDS",
    "MAX_REQUESTS",
    "REQUEST_TIMEOUT_SECONDS",
    "TIME_LIMIT_SECONDS",
    "Probe",
]

#: At most this many requests for the checks of one run (the full suite needs ~120).
MAX_REQUESTS = 200
#: At most this many seconds for the checks of one run; no request starts after it.
TIME_LIMIT_SECONDS = 120.0
#: At most this long for one request.
REQUEST_TIMEOUT_SECONDS = 15.0
#: The cleanup's own budget, so that it runs even after the checks spent theirs.
CLEANUP_MAX_REQUESTS = 60
CLEANUP_TIME_LIMIT_SECONDS = 60.0

_UNSET: Any = object()
_encode = jsonlib.JSONEncoder(allow_nan=False, separators=(",", ":")).encode


class _Budget:
    def __init__(self, what: str, max_requests: int, seconds: float,
                 monotonic: Callable[[], float]) -> None:  # fmt: skip
        self.what = what
        self.max_requests = max_requests
        self.seconds = seconds
        self.used = 0
        self._monotonic = monotonic
        self._deadline = monotonic() + seconds

    def exhausted(self) -> str | None:
        """Why no further request may be sent, or ``None``."""
        if self.used >= self.max_requests:
            return f"the {self.what} budget of {self.max_requests} requests is spent"
        if self._deadline - self._monotonic() <= 0:
            return f"the {self.what} time limit of {self.seconds:g} s is spent"
        return None

    def take(self) -> float:
        """Count one request; return its timeout, or raise when the budget is spent."""
        reason = self.exhausted()
        if reason is not None:
            raise BudgetSpent(reason)
        remaining = self._deadline - self._monotonic()
        self.used += 1
        return max(0.1, min(REQUEST_TIMEOUT_SECONDS, remaining))


class Probe:
    """One run's bounded, authenticated connection to a :class:`ApiTarget`.

    ``monotonic`` is the time source of the time limit (``time.monotonic``; tests
    pass their own).
    """

    def __init__(
        self,
        target: ApiTarget,
        *,
        run_id: str,
        max_requests: int = MAX_REQUESTS,
        time_limit: float = TIME_LIMIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.run_id = run_id
        self.namespace = f"spmkit-verify-{run_id}"
        self.created = Created(self.namespace)
        self.budget = _Budget("checks", max_requests, time_limit, monotonic)
        self.cleanup_budget: _Budget | None = None
        self._monotonic = monotonic
        self._source: int | None = None
        self._client = httpx.Client(
            base_url=target.base_url + "/v1/",
            transport=target.transport,
            follow_redirects=False,
            headers={"accept": "application/json"},
        )

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._client.close()

    @property
    def requests(self) -> int:
        """Requests the checks sent so far."""
        return self.budget.used

    def request(self, method: str, path: str, *, json: Any = _UNSET, content: bytes | None = None,
                params: Mapping[str, str | int] | None = None,
                api_key: str | bool | None = True) -> Answer:  # fmt: skip
        """Send ``method /v1/path`` for a check: ``json`` or raw ``content``; ``api_key``
        ``True`` sends the target's key, ``None`` none, a string that one."""
        return self._send(self.budget, method, path, json, content, params, api_key)

    def _send(self, budget: _Budget, method: str, path: str, json: Any, content: bytes | None,
              params: Mapping[str, str | int] | None,
              api_key: str | bool | None) -> Answer:  # fmt: skip
        timeout = budget.take()
        headers = {}
        key = self.target.api_key if api_key is True else api_key
        if isinstance(key, str):
            headers["spm-api-key"] = key
        if json is not _UNSET:
            content = _encode(json).encode()
        if content is not None:
            headers["content-type"] = "application/json"
        try:
            response = self._client.request(method, path, content=content, params=params,
                                            headers=headers, timeout=timeout)  # fmt: skip
        except httpx.TransportError as exc:
            raise NoAnswer(
                f"{method} /v1/{path} got no answer ({type(exc).__name__}: {exc or 'no detail'})"
            ) from None
        return _answer(method, path, response)

    def preflight(self) -> None:
        """One authenticated read; raise :class:`TargetError` when the target is unusable."""
        try:
            answer = self.request("GET", "data-sources")
        except NoAnswer as exc:
            raise TargetError(
                f"cannot reach {self.target}: {exc.reason}. Check the URL (is the server, "
                f"such as spmkit serve, running?)."
            ) from None
        said = str(answer).rstrip(".")
        if answer.status in (401, 403):
            raise TargetError(
                f"{self.target} refused the API key: {said}. Check {API_KEY_ENV} (the key of "
                f"the shop to check against)."
            )
        if not answer.ok:
            raise TargetError(
                f"{self.target} does not answer like a ShopiMind API: {said}. Pass the API's "
                f"base URL (the suite adds /v1/), such as https://core.shopimind.com."
            )

    # -- the run's namespace -----------------------------------------------------------

    def create(self, what: str, path: str, body: Any, name: str, id_fields: tuple[str, ...],
               ledger: dict[int, str]) -> tuple[Answer, int | None]:  # fmt: skip
        """POST a new thing named ``name`` and note it in ``ledger`` by the id it got.

        A create that got no answer, or a 2xx without an id, is noted as unknown (the
        cleanup then asks for it to be deleted by hand).
        """
        try:
            answer = self.request("POST", path, json=body)
        except NoAnswer:
            self.created.unknown.append(f"{what} {name!r}, if its create request without an "
                                        f"answer created it")  # fmt: skip
            raise
        if not answer.ok:
            return answer, None
        data = answer.data if isinstance(answer.data, dict) else {}
        new_id = next((data[f] for f in id_fields if type(data.get(f)) is int), None)
        if new_id is None:
            self.created.unknown.append(f"{what} {name!r} (the answer carried no "
                                        f"{' or '.join(id_fields)})")  # fmt: skip
        else:
            ledger[new_id] = name
        return answer, new_id

    def run_source(self) -> int:
        """The id of the run's data source, labelled with the namespace (created once)."""
        if self._source is None:
            answer, new_id = self.create(
                "data source", "data-sources", {"label": self.namespace, "type": "api"},
                self.namespace, ("id_data_source", "id"), self.created.data_sources,
            )  # fmt: skip
            if new_id is None:
                raise Stop(f"the run's data source could not be created: {answer}")
            self._source = new_id
        return self._source

    def cleanup(self) -> Cleaned:
        """Run the target's cleanup on what this run created, with its own budget."""
        if self.created.is_empty():
            return Cleaned()
        budget = _Budget("cleanup", CLEANUP_MAX_REQUESTS, CLEANUP_TIME_LIMIT_SECONDS,
                         self._monotonic)  # fmt: skip
        self.cleanup_budget = budget
        probe = self

        class _Requester:
            def request(self, method: str, path: str, *, json: Any = None) -> Answer:
                body = _UNSET if json is None else json
                return probe._send(budget, method, path, body, None, None, True)

        return self.target.cleanup(self.created, _Requester())


def _answer(method: str, path: str, response: httpx.Response) -> Answer:
    headers = {name.lower(): value for name, value in response.headers.items()}
    raw = response.content
    if not raw:
        return Answer(method, path, response.status_code, headers, None)
    try:
        return Answer(method, path, response.status_code, headers, jsonlib.loads(raw))
    except ValueError:
        text = raw[:2000].decode("utf-8", "replace")
        return Answer(method, path, response.status_code, headers, text, is_json=False)
