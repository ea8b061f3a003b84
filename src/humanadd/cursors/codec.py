"""Cursors as AES-GCM sealed JSON, bound to the account and the list they page.

A cursor is base64url(nonce ‖ AES-256-GCM(JSON payload)), with the list's name and the
account id as associated data. So a cursor:
- is opaque: clients cannot read or build one, and we may change what it holds;
- is refused (400) when it was issued to another account or for another list, or was cut,
  mistyped or edited: the authentication tag no longer matches;
- still carries only values the caller's own data held (no row ids).
"""

import base64
import binascii
import os
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from humanadd.errors import InvalidRequest

NOT_OURS = "Invalid query parameter 'cursor': not a cursor we issued."
_NONCE_SIZE = 12


class CursorCodec:
    """Seals and opens the cursors of every paged list."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, kind: str, account_id: str, payload: Any) -> str:
        """A cursor for `payload`, valid only for list `kind` of `account_id`."""
        nonce = os.urandom(_NONCE_SIZE)
        sealed = self._aead.encrypt(nonce, orjson.dumps(payload), _bound_to(kind, account_id))
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, kind: str, account_id: str, cursor: str) -> Any:
        """The payload `seal` sealed into `cursor` for the same list and account; 400
        otherwise. Only this code seals cursors, so the payload has the shape it gave it."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            # The decoder ignores a last character's unused bits: only the spelling we issue counts.
            if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
                raise ValueError("not canonical")
            nonce, sealed = raw[:_NONCE_SIZE], raw[_NONCE_SIZE:]
            return orjson.loads(self._aead.decrypt(nonce, sealed, _bound_to(kind, account_id)))
        except (binascii.Error, ValueError, InvalidTag, orjson.JSONDecodeError):
            raise InvalidRequest(NOT_OURS) from None


def _bound_to(kind: str, account_id: str) -> bytes:
    return f"{kind}\x00{account_id}".encode()
