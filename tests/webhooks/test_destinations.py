"""SSRF protection: which webhook URLs and addresses are refused, and why."""

import pytest

from humanadd.webhooks.destinations import check_address, check_destination, check_url
from humanadd.webhooks.errors import RefusedDestination


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.255.0.7", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.20", "a private address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "the unspecified address"),
        ("::1", "a loopback address"),
        ("::", "the unspecified address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("fe80::1", "a link-local address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:169.254.169.254", "a link-local address"),
        ("2002:a00:1::", "a private address"),  # 6to4 around 10.0.0.1
    ],
)
def test_non_public_addresses_are_refused_unless_private_ones_are_allowed(
    address: str, reason: str
) -> None:
    with pytest.raises(RefusedDestination) as refused:
        check_address(address, allow_private=False)
    assert str(refused.value) == f"it resolves to {reason} ({address})"
    check_address(address, allow_private=True)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_allowed(address: str) -> None:
    check_address(address, allow_private=False)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://hooks.example.com/in", "the URL must use https"),
        ("ftp://hooks.example.com/in", "the URL must be an https:// URL with a host"),
        ("https:///in", "the URL must be an https:// URL with a host"),
        ("https://user:pw@hooks.example.com/in", "the URL must not hold a user name or password"),
        ("https://hooks.example.com:99999/in", "the URL is not valid"),
        ("https://hooks.example.com/" + "a" * 2048, "the URL is longer than 2048 characters"),
    ],
)
def test_malformed_or_insecure_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(RefusedDestination, match=problem):
        check_url(url, allow_insecure=False)


def test_plain_http_only_when_allowed() -> None:
    assert check_url("http://hooks.example.com/in", allow_insecure=True) == (
        "hooks.example.com",
        80,
    )
    assert check_url("https://hooks.example.com:8443/in", allow_insecure=False) == (
        "hooks.example.com",
        8443,
    )


async def test_a_name_is_checked_by_the_addresses_it_resolves_to() -> None:
    # `localhost` resolves through /etc/hosts to the loopback addresses.
    with pytest.raises(RefusedDestination, match="it resolves to a loopback address"):
        await check_destination("https://localhost/in", allow_insecure=False, allow_private=False)
    await check_destination("https://localhost/in", allow_insecure=False, allow_private=True)


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(RefusedDestination, match="does not resolve"):
        await check_destination(
            "https://no-such-host.invalid/in", allow_insecure=False, allow_private=True
        )


async def test_a_long_host_that_does_not_resolve_is_quoted_short() -> None:
    host = "a" * 60 + "." + "b" * 60 + ".invalid"
    with pytest.raises(RefusedDestination) as refused:
        await check_destination(f"https://{host}/in", allow_insecure=False, allow_private=True)
    assert str(refused.value) == f"the host '{host[:100]}…' does not resolve"
