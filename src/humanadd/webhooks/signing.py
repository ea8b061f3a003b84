"""Standard Webhooks signatures (https://www.standardwebhooks.com).

A signing secret is `whsec_` + base64 of 32 random bytes; the HMAC-SHA256 key is those bytes.
Each request carries `webhook-id`, `webhook-timestamp` (unix seconds) and `webhook-signature`:
`v1,<base64 of the HMAC of "id.timestamp.body">`, one such item per valid secret, space-separated
(during a rotation's overlap, one for the old secret and one for the new).
"""

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<signature>` item for `secret`."""
    key = base64.b64decode(secret.removeprefix(PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of a request signed with each of `secrets_`."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            sign(secret, message_id, timestamp, body) for secret in secrets_
        ),
    }
