"""Retell's webhook signature.

`x-retell-signature: v=<unix ms>,d=<hex>`: `d` is the HMAC-SHA256, keyed with the platform's
Retell API key, of the raw request body followed by the timestamp's decimal digits. A
signature more than five minutes away from our clock is refused, so a captured request cannot
be replayed later.
"""

import hashlib
import hmac
import re

HEADER = "x-retell-signature"
TOLERANCE_MS = 5 * 60 * 1000
_SIGNATURE = re.compile(r"v=([0-9]{1,16}),d=([0-9a-fA-F]{64})")


def _digest(body: bytes, api_key: str, timestamp_ms: int) -> str:
    message = body + str(timestamp_ms).encode()
    return hmac.new(api_key.encode(), message, hashlib.sha256).hexdigest()


def sign(body: bytes, api_key: str, timestamp_ms: int) -> str:
    """The header value Retell sends with `body` at `timestamp_ms`."""
    return f"v={timestamp_ms},d={_digest(body, api_key, timestamp_ms)}"


def verify(body: bytes, header: str | None, api_key: str, now_ms: int) -> bool:
    """Whether `header` is a valid signature of `body`, made within the tolerance of now."""
    match = _SIGNATURE.fullmatch(header.strip()) if header else None
    if match is None:
        return False
    timestamp_ms = int(match[1])
    if abs(now_ms - timestamp_ms) > TOLERANCE_MS:
        return False
    return hmac.compare_digest(_digest(body, api_key, timestamp_ms), match[2].lower())
