"""Where a webhook may go: SSRF protection.

A URL must be `https` (`http` only with HUMANADD_WEBHOOKS_ALLOW_INSECURE), and every address its
host resolves to must be public: loopback, private (RFC 1918), CGNAT, link-local (the cloud
metadata service 169.254.169.254 among them), multicast, reserved and unspecified addresses, IPv6
unique-local and link-local ones, and IPv4 addresses in IPv6 forms of those, are refused, unless
HUMANADD_WEBHOOKS_ALLOW_PRIVATE admits every non-public address (development and tests).
The check runs when the URL is configured and again on the address actually connected to when
delivering, so a name that later resolves elsewhere (DNS rebinding) gains nothing.
"""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from humanadd.errors import quote
from humanadd.webhooks.errors import RefusedDestination

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def refusal(address: IPAddress) -> str | None:
    """Why this address may not receive webhooks, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return refusal(embedded)
        if address.teredo is not None:
            return "a Teredo address"
    for check, what in (
        ("is_loopback", "a loopback address"),
        ("is_unspecified", "the unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    ):
        if getattr(address, check):
            return what
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if not address.is_global:
        return "a non-public address"
    return None


_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


def check_url(url: str, *, allow_insecure: bool) -> tuple[str, int]:
    """The host and port of a well-formed webhook URL; RefusedDestination otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedDestination(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedDestination("the URL is not valid") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RefusedDestination("the URL must be an https:// URL with a host")
    if parts.scheme == "http" and not allow_insecure:
        raise RefusedDestination("the URL must use https")
    if parts.username or parts.password:
        raise RefusedDestination("the URL must not hold a user name or password")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_address(address: str, *, allow_private: bool) -> None:
    """RefusedDestination unless webhooks may go to this address."""
    reason = refusal(ipaddress.ip_address(address.split("%", 1)[0]))
    if reason is not None and not allow_private:
        raise RefusedDestination(f"it resolves to {reason} ({address})")


async def check_destination(url: str, *, allow_insecure: bool, allow_private: bool) -> None:
    """Check the URL and every address its host resolves to now."""
    host, port = check_url(url, allow_insecure=allow_insecure)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise RefusedDestination(f"the host {quote(host)} does not resolve") from None
    for *_, sockaddr in found:
        check_address(str(sockaddr[0]), allow_private=allow_private)
