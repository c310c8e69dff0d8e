from __future__ import annotations

import pytest

from spmkit import InvalidArgument
from spmkit_testing.contract import (
    FAKE_BASE_URL,
    ApiTarget,
    TargetError,
    check_target_url,
    fake_target,
    target_from_environment,
)


@pytest.mark.parametrize(("url", "base"), [
    ("https://core.shopimind.com", "https://core.shopimind.com"),
    ("https://core.shopimind.com/v1/", "https://core.shopimind.com"),
    ("https://proxy.example/shopimind/", "https://proxy.example/shopimind"),
    ("http://127.0.0.1:8787", "http://127.0.0.1:8787"),
    ("http://[::1]:8787/v1", "http://[::1]:8787"),
    ("http://localhost:1", "http://localhost:1"),
])  # fmt: skip
def test_https_anywhere_and_plain_http_on_loopback_are_accepted(url: str, base: str) -> None:
    assert check_target_url(url) == base


def test_plain_http_to_a_remote_host_is_refused_because_the_key_would_travel_in_clear() -> None:
    with pytest.raises(TargetError) as excinfo:
        check_target_url("http://core.shopimind.com")
    assert excinfo.value.args == (
        "http://core.shopimind.com uses plain http to a remote host (core.shopimind.com): the "
        "API key would travel in clear. Use https://, or a loopback address (127.0.0.1, [::1], "
        "localhost) for a local server such as spmkit serve.",)
    assert isinstance(excinfo.value, InvalidArgument | ValueError)


@pytest.mark.parametrize(("url", "message"), [
    ("core.shopimind.com", "'core.shopimind.com' is not an absolute http(s) URL; pass a base URL "
     "such as https://core.shopimind.com, or http://127.0.0.1:8787 for spmkit serve."),
    ("ftp://x.example", "'ftp://x.example' is not an absolute http(s) URL; pass a base URL such "
     "as https://core.shopimind.com, or http://127.0.0.1:8787 for spmkit serve."),
    ("https://x.example/?key=k", "'https://x.example/?key=k' has a query or a fragment; pass the "
     "bare base URL."),
])  # fmt: skip
def test_what_is_not_a_base_url_is_refused_with_the_fix(url: str, message: str) -> None:
    with pytest.raises(TargetError) as excinfo:
        check_target_url(url)
    assert excinfo.value.args == (message,)


def test_the_key_comes_from_the_environment_only() -> None:
    target = target_from_environment("https://core.shopimind.com/", {"SPMKIT_API_KEY": " k1 "})
    assert (target.base_url, target.api_key) == ("https://core.shopimind.com", "k1")
    assert "k1" not in repr(target)
    with pytest.raises(TargetError) as excinfo:
        target_from_environment("https://core.shopimind.com", {"SPMKIT_API_KEY": "  "})
    assert excinfo.value.args == (
        "no API key for https://core.shopimind.com: export SPMKIT_API_KEY=<the shop's ShopiMind "
        "API key> and rerun (the key is read from the environment only, never from the command "
        "line or a file).",)


def test_a_target_checks_its_url_unless_a_transport_serves_it_without_a_socket() -> None:
    with pytest.raises(TargetError):
        ApiTarget("http://remote.example", "k")
    target = fake_target()
    assert target.base_url == FAKE_BASE_URL and str(target) == "the in-process fake"
