"""The socket-layer guard: nothing reaches the network while ``no_network()`` is active."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from spmkit import (
    MemoryStore,
    SpmClient,
    StepContext,
    StepResult,
    SyncStep,
    define_bulk_step,
    define_integration,
    run_integration_sync,
)
from spmkit_testing import FakeShopimind, NetworkBlockedError, SimClock, no_network
from spmkit_testing.fake import serve_in_thread

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NOWHERE = "api.example.invalid"


def blocked_message(what: str, where: str) -> str:
    return (
        f"spmkit blocked {what} {where}: nothing in a simulation reaches the network. Route "
        f"this call through the simulation: pass the simulation's transport to the client that "
        f"made it (httpx.AsyncClient(transport=...), SpmClient(..., transport=...)), or build "
        f"the integration's settings with the simulation's base URL and transport. A server "
        f"the test runs itself listens on loopback, which no_network() allows."
    )


def untouched() -> bool:
    """The socket module is exactly as Python made it."""
    return (
        all(name not in vars(socket.socket) for name in ("connect", "connect_ex", "sendto"))
        and socket.getaddrinfo is ORIGINAL_GETADDRINFO
        and socket.gethostbyname is ORIGINAL_GETHOSTBYNAME
    )


ORIGINAL_GETADDRINFO = socket.getaddrinfo
ORIGINAL_GETHOSTBYNAME = socket.gethostbyname


def test_a_sync_httpx_request_is_blocked_at_the_dns_lookup_naming_host_and_port() -> None:
    with no_network() as guard, pytest.raises(NetworkBlockedError) as info:
        httpx.get(f"https://{NOWHERE}/v1/customers")
    assert str(info.value) == blocked_message("a DNS lookup of", f"{NOWHERE}:443")
    assert (info.value.host, info.value.port) == (NOWHERE, 443)
    assert guard.blocked == [(NOWHERE, 443)]
    # Not an OSError nor an httpx error: no client mistakes it for a transient failure.
    assert not isinstance(info.value, OSError | httpx.HTTPError)
    assert untouched()


def test_a_step_with_its_own_clients_fails_at_once_naming_the_host() -> None:
    clock = SimClock(T0)

    async def own_httpx_client(ctx: StepContext) -> StepResult:
        async with httpx.AsyncClient() as client:
            await client.get(f"https://pos.{NOWHERE}/customers")
        return StepResult()

    async def push_with_a_plain_client(ctx: StepContext,
                                       records: Sequence[Mapping[str, Any]]) -> None:
        async with SpmClient("k", base_url=f"https://{NOWHERE}", clock=clock) as client:
            await client.customers.bulk_save(records)

    integration = define_integration(slug="leaky", sync_steps=[
        SyncStep(entity="orders", run=own_httpx_client),
        define_bulk_step("customers", stream=lambda ctx: [{"id": "c1"}],
                         map=lambda r, ctx: {"customer_id": r["id"]},
                         push=push_with_a_plain_client),
    ])  # fmt: skip
    fake = FakeShopimind(clock=clock, api_key="k")
    with no_network() as guard:
        summary = clock.run(run_integration_sync(
            integration, store=MemoryStore(clock), clock=clock,
            client=SpmClient("k", transport=fake.transport(), clock=clock)))  # fmt: skip
    assert clock.now() == T0  # failed at once: no retry waited, not even in virtual time
    (orders_error,) = summary.step("orders").errors
    assert orders_error.endswith(blocked_message("a DNS lookup of", f"pos.{NOWHERE}:443"))
    (customers_error,) = summary.step("customers").errors
    assert blocked_message("a DNS lookup of", f"{NOWHERE}:443") in customers_error
    assert sorted(guard.blocked) == [(NOWHERE, 443), (f"pos.{NOWHERE}", 443)]
    assert untouched()


def test_loopback_is_allowed_so_a_test_can_talk_to_its_own_server_thread() -> None:
    fake = FakeShopimind(clock=SimClock(T0), api_key="k")
    with no_network() as guard, serve_in_thread(fake) as base_url:
        port = base_url.rsplit(":", 1)[1]
        for url in (base_url, f"http://localhost:{port}"):
            answer = httpx.get(f"{url}/v1/data-sources", headers={"spm-api-key": "k"})
            assert answer.status_code == 200
        assert asyncio.run(fetch_async(f"{base_url}/v1/events")) == 200
    assert guard.blocked == []
    assert untouched()


async def fetch_async(url: str) -> int:
    async with httpx.AsyncClient() as client:
        return (await client.get(url, headers={"spm-api-key": "k"})).status_code


def test_without_loopback_a_connection_to_127_0_0_1_is_blocked() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with no_network(allow_loopback=False), socket.socket() as client:
            with pytest.raises(NetworkBlockedError) as info:
                client.connect(("127.0.0.1", port))
            assert str(info.value) == blocked_message("a connection to", f"127.0.0.1:{port}")
            with pytest.raises(NetworkBlockedError):
                client.connect_ex(("127.0.0.1", port))


def test_allowed_hosts_and_the_addresses_they_resolve_to_pass() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        with no_network(allow_loopback=False, allow_hosts=iter(["LocalHost"])) as guard:
            infos = socket.getaddrinfo("localhost", port, socket.AF_INET, socket.SOCK_STREAM)
            with socket.socket() as client:
                client.connect(infos[0][4])  # 127.0.0.1: resolved from an allowed name
            with pytest.raises(NetworkBlockedError):
                socket.getaddrinfo("example.com", port)
            with socket.socket() as client, pytest.raises(NetworkBlockedError):
                client.connect(("127.0.0.2", port))
    assert guard.blocked == [("example.com", port), ("127.0.0.2", port)]


@pytest.mark.parametrize(("url", "where"), [("https://192.0.2.1/x", "192.0.2.1:443"),
                                            ("http://[2001:db8::1]:8080/", "[2001:db8::1]:8080")])
def test_an_address_is_blocked_as_a_connection_by_sync_and_async_clients(url: str,
                                                                         where: str) -> None:
    async def fetch() -> None:
        async with httpx.AsyncClient() as client:
            await client.get(url)

    with no_network() as guard:
        with pytest.raises(NetworkBlockedError) as sync_info:
            httpx.get(url)
        # anyio connects to an address (no lookup) inside a task group, which wraps the
        # error in an ExceptionGroup; the guard still lists it.
        with pytest.raises(ExceptionGroup) as async_info:
            asyncio.run(fetch())
    assert str(sync_info.value) == blocked_message("a connection to", where)
    (inner,) = async_info.value.exceptions
    assert isinstance(inner, NetworkBlockedError) and str(inner) == str(sync_info.value)
    assert len(guard.blocked) == 2


def test_every_way_to_the_network_is_guarded() -> None:
    with no_network() as guard, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        with pytest.raises(NetworkBlockedError, match=r"a datagram to 192\.0\.2\.1:53"):
            udp.sendto(b"x", ("192.0.2.1", 53))
        with pytest.raises(NetworkBlockedError, match=f"a DNS lookup of {NOWHERE}: "):
            socket.gethostbyname(NOWHERE)
        with pytest.raises(NetworkBlockedError, match=f"a DNS lookup of {NOWHERE}: "):
            socket.gethostbyname_ex(NOWHERE)
        with pytest.raises(NetworkBlockedError, match=r"a connection to 192\.0\.2\.1:80"):
            socket.create_connection(("192.0.2.1", 80))
        with socket.socket() as tcp, pytest.raises(NetworkBlockedError, match=r"192\.0\.2\.1:80"):
            tcp.connect(("192.0.2.1", 80))
        left, right = socket.socketpair()  # AF_UNIX: never the network
        left.close()
        right.close()
        udp.sendto(b"x", ("127.0.0.1", 9))  # loopback
    assert len(guard.blocked) == 5
    assert untouched()


def test_guards_nest_the_inner_one_only_narrows_and_the_last_exit_restores() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(2)
        port = server.getsockname()[1]
        with no_network() as outer:
            with no_network(allow_loopback=False) as inner, socket.socket() as client:
                with pytest.raises(NetworkBlockedError):
                    client.connect(("127.0.0.1", port))
                with inner:  # re-entering the same guard is fine
                    assert not untouched()
                assert not untouched()
            assert not untouched()
            with socket.socket() as client:
                client.connect(("127.0.0.1", port))  # the outer guard allows loopback
        assert (inner.blocked, outer.blocked) == ([("127.0.0.1", port)], [])
    assert untouched()


def test_an_exception_inside_the_guard_still_restores_the_socket_module() -> None:
    with pytest.raises(RuntimeError), no_network():
        raise RuntimeError("boom")
    assert untouched()


def test_guards_entered_from_several_threads_apply_everywhere_until_the_last_exits() -> None:
    entered, release = threading.Barrier(3), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        with no_network():
            entered.wait()
            release.wait(10)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    entered.wait()
    try:
        # Process-wide: a lookup from this thread, outside any guard of its own, is blocked
        # too (asyncio resolves names in executor threads).
        with pytest.raises(NetworkBlockedError):
            socket.getaddrinfo(NOWHERE, 80)
    except BaseException as exc:  # pragma: no cover - reported below
        errors.append(exc)
    finally:
        release.set()
        for t in threads:
            t.join(10)
    assert errors == []
    assert untouched()


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match=r"allow_hosts must be a list of host names"):
        no_network(allow_hosts="db.test")
    with pytest.raises(ValueError, match=r"allow_loopback must be True or False, got 'no'"):
        no_network(allow_loopback="no")  # type: ignore[arg-type]


def test_a_simulation_runs_under_the_guard_and_tries_no_connection() -> None:
    from spmkit_testing import Simulation, World

    sim = Simulation(World(seed=4))
    try:
        sim.put("customers", "c1", {"email": "ada@example.com"})
        with no_network(allow_loopback=False) as guard:
            summary = sim.tick()
    finally:
        sim.close()
    assert summary is not None and summary.status == "ok"
    assert "c1" in sim.fake.records("customers")
    assert guard.blocked == []
