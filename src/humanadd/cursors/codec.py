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
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from humanadd.errors import InvalidRequest

NOT_OURS = "Invalid query parameter 'cursor': not a cursor we issued."
_NONCE_SIZE = 12


class CursorCodec:
    """Seals and opens the cursors of every paged list.

    The key is read from the database when it is first needed, not at start-up: a server
    whose database is down still starts, and says so on `/readyz`.
    """

    def __init__(self, load_key: Callable[[], Awaitable[bytes]]) -> None:
        self._load_key = load_key
        self._cipher: AESGCM | None = None

    async def _aead(self) -> AESGCM:
        if self._cipher is None:
            self._cipher = AESGCM(await self._load_key())
        return self._cipher

    async def seal(self, kind: str, account_id: str, payload: Any) -> str:
        """A cursor for `payload`, valid only for list `kind` of `account_id`."""
        nonce = os.urandom(_NONCE_SIZE)
        aead = await self._aead()
        sealed = aead.encrypt(nonce, orjson.dumps(payload), _bound_to(kind, account_id))
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    async def open(self, kind: str, account_id: str, cursor: str) -> Any:
        """The payload `seal` sealed into `cursor` for the same list and account; 400
        otherwise. Only this code seals cursors, so the payload has the shape it gave it."""
        aead = await self._aead()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            # The decoder ignores a last character's unused bits: only the spelling we issue counts.
            if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
                raise ValueError("not canonical")
            nonce, sealed = raw[:_NONCE_SIZE], raw[_NONCE_SIZE:]
            return orjson.loads(aead.decrypt(nonce, sealed, _bound_to(kind, account_id)))
        except (binascii.Error, ValueError, InvalidTag, orjson.JSONDecodeError):
            raise InvalidRequest(NOT_OURS) from None


def _bound_to(kind: str, account_id: str) -> bytes:
    return f"{kind}\x00{account_id}".encode()
