"""Same scenario + same seed = same trace, whichever xdist worker runs it."""

from __future__ import annotations

import pytest

WORKER_TEST = '''
import hashlib, os
import pytest
from spmkit_testing.scenario import load_scenario, run_scenario

@pytest.mark.parametrize("copy", range(4))
def test_trace(copy, worker_id):
    result = run_scenario(load_scenario("repeated_failures_backoff"), seed=13)
    digest = hashlib.sha256("\\n".join(t.to_json() for t in result.trace).encode()).hexdigest()
    with open(os.environ["TRACE_OUT"] + f"-{copy}-{worker_id}", "w") as out:
        out.write(digest)
'''


def test_traces_are_identical_across_xdist_workers(pytester: pytest.Pytester,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = pytester.path / "trace"
    monkeypatch.setenv("TRACE_OUT", str(out))
    pytester.makepyfile(test_worker=WORKER_TEST)
    # --dist each: both workers run every copy, so the comparison spans two processes.
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "each", "-p", "no:spmkit",
                                           "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    files = sorted(pytester.path.glob("trace-*"))
    workers = {f.name.rsplit("-", 1)[1] for f in files}
    assert len(files) == 8 and workers == {"gw0", "gw1"}
    assert len({f.read_text() for f in files}) == 1
