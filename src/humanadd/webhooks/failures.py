"""What the delivery log says about a failed attempt: what happened, in words a customer reads
(`connection refused by crm.example.com:443`, `timed out after 15 s`, `HTTP 500 Internal Server
Error`), never the name of an exception class."""

import errno
import http
import ssl

import aiohttp

from humanadd.webhooks.errors import RefusedDestination

_UNREACHABLE = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH})


def answered(status: int) -> str | None:
    """The error of an attempt the endpoint answered with `status`; None for a 2xx."""
    if 200 <= status < 300:
        return None
    try:
        text = f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        text = f"HTTP {status}"
    return f"{text}: redirect not followed" if 300 <= status < 400 else text


def timed_out(seconds: float) -> str:
    return f"timed out after {seconds:g} s"


def describe(error: Exception, *, timeout_seconds: float) -> str:
    """The error of an attempt that got no answer because sending raised `error`."""
    if isinstance(error, RefusedDestination):
        return f"destination refused: {error}"
    if isinstance(error, TimeoutError):
        return timed_out(timeout_seconds)
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return f"TLS error: {_tls_reason(error.certificate_error)}"
    if isinstance(error, aiohttp.ClientSSLError):
        return f"TLS error: {_tls_reason(error.os_error)}"
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return f"DNS failure: {error.host} does not resolve"
    if isinstance(error, aiohttp.ClientConnectorError):
        return _not_connected(f"{error.host}:{error.port}", error.os_error)
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the connection was closed before an answer came"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "the answer was cut off or malformed"
    if isinstance(error, aiohttp.ClientResponseError):
        return f"the answer is not valid HTTP: {error.message}"
    if isinstance(error, OSError) and error.strerror:
        return f"the connection failed: {error.strerror.lower()}"
    return f"the request failed: {error}" if str(error) else "the request failed"


def _not_connected(where: str, error: OSError) -> str:
    if error.errno == errno.ECONNREFUSED:
        return f"connection refused by {where}"
    if error.errno in _UNREACHABLE:
        return f"{where} is unreachable"
    if error.errno == errno.ECONNRESET:
        return f"connection reset by {where}"
    return f"could not connect to {where}"


def _tls_reason(error: BaseException) -> str:
    """`certificate verify failed: self-signed certificate`, `wrong version number`: OpenSSL's
    words without its codes and source locations."""
    if isinstance(error, ssl.SSLCertVerificationError) and error.verify_message:
        return f"certificate verify failed: {error.verify_message}"
    reason = getattr(error, "reason", None)
    if isinstance(reason, str) and reason:
        return reason.replace("_", " ").lower()
    return "the secure connection could not be set up"
