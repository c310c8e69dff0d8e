from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from spmkit_testing.cli import build_parser, main


def test_main_without_a_command_prints_help_and_returns_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_serve_requires_an_api_key() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--port", "0"])


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_prints_one_line_with_the_real_port_and_stops_cleanly(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spmkit_testing.cli", "serve", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("SPMKIT_FAKE_API=http://127.0.0.1:")
        base_url = line.strip().split("=", 1)[1]
        assert not base_url.endswith(":0")
        r = httpx.post(
            f"{base_url}/v1/data-sources", json={"label": "S"}, headers={"spm-api-key": "k"}
        )
        assert r.status_code == 201
    finally:
        proc.send_signal(sig)
        rest, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert rest == ""
    assert "listening on http://127.0.0.1:" in err and "(api key: k)" in err
