"""No network leaks: an integration calling a URL with no fake behind it fails its step at once.

(That ``SpmClient`` refuses a plain ``http://`` remote base URL is covered by
``tests/test_client.py::test_plain_http_to_a_remote_host_is_refused``.)
"""

from __future__ import annotations

from spmkit_testing import Partner, Simulation, Target, World
from spmkit_testing.reference import PosSettings

LEAK = "https://pos.example.com"


def test_an_unmounted_partner_url_fails_the_step_naming_the_url_and_the_mounts() -> None:
    def leaky(partner: Partner) -> PosSettings:
        return PosSettings(base_url=LEAK, transport=partner.transport,
                           stores=tuple(partner.sources))

    sim = Simulation(World(seed=4), Target(settings=leaky))
    start = sim.clock.now()
    try:
        summary = sim.tick()
        cursor = sim.cursor("customers")
    finally:
        sim.close()
    assert sim.clock.now() == start  # nothing waited, not even in virtual time
    assert summary is not None and summary.status == "partial"
    customers = summary.step("customers")
    assert not customers.advanced and cursor is None
    (error,) = customers.errors
    assert "UnmountedRequestError: GET https://pos.example.com/customers/records?" in error
    assert "was refused: no fake is mounted at this URL" in error
    assert "Mounted:\n  - " in error and "  - https://core.shopimind.com/\n" in error
    assert "  - https://pos.test/\n" in error
    assert error.endswith("Point the integration's base URL at one of these (it usually comes "
                          "from settings), or mount a fake for it.")
    (orders_error,) = summary.step("orders").errors
    assert orders_error.startswith("sources() failed: UnmountedRequestError: GET "
                                   "https://pos.example.com/stores was refused")
    # The fake API saw no push (only provisioning): the failing reads stopped the steps.
    assert sim.fake.records("customers") == {} and sim.fake.records("orders") == {}
    assert not [e.path for e in sim.fake.journal if "customers" in e.path or "orders" in e.path]
