from __future__ import annotations

import signal
import socket
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


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "99999"], "port 99999 is not a TCP port: use a whole number from 0 to 65535 "
                              "(0 picks a free one)."),
        (["--port", "-1"], "port -1 is not a TCP port: use a whole number from 0 to 65535 "
                           "(0 picks a free one)."),
        (["--port", "80x"], "--port '80x' is not a whole number: use a port from 0 to 65535 "
                            "(0 picks a free one)."),
        (["--port", ""], "--port '' is not a whole number: use a port from 0 to 65535 "
                         "(0 picks a free one)."),
        (["--port", "5_0"], "--port '5_0' is not a whole number: use a port from 0 to 65535 "
                            "(0 picks a free one)."),
        (["--api-key", ""], "api_key must be a non-empty string, got api_key=''."),
        (["--host", "", "--port", "0"], "--host is empty: use 127.0.0.1 (loopback, the "
                                        "default) or 0.0.0.0 (every interface)."),
        (["--host", "203.0.113.1", "--port", "0"],
         "Cannot listen on 203.0.113.1 (Cannot assign requested address): no interface of "
         "this machine has that address; use 127.0.0.1 (loopback, the default) or 0.0.0.0 "
         "(every interface)."),
    ],
)  # fmt: skip
def test_serve_with_a_bad_port_or_host_prints_one_line_and_returns_2(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--api-key", "k", *options]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"spmkit serve: {message}\n")


def test_serve_on_a_port_in_use_names_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["serve", "--api-key", "k", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"spmkit serve: Cannot listen on 127.0.0.1:{port} (Address already in use); pick "
        f"another --port, or --port 0 for a free one.\n"
    )


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


def test_serve_without_the_serve_extra_names_the_install_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    assert main(["serve", "--api-key", "k", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        "spmkit serve needs uvicorn: pip install 'spmkit-shopimind[serve]'.\n")


def test_the_readme_says_spmkit_serve_needs_its_extra() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shown = readme.index("`spmkit serve --host 127.0.0.1 --port 0 --api-key KEY`")
    assert "`spmkit serve` needs the `serve` extra (uvicorn)" in readme[shown:shown + 300]
