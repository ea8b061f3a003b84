"""Opaque pagination cursors: a keyset position, a direction and the filters in force.

A cursor is base64url(JSON payload + a short digest of it). The digest is not a secret: it
makes a truncated, mistyped or hand-edited cursor a clean 400 instead of a silently different
page. Forging one gains nothing, since every query is scoped to the caller's account anyway.
The position is the last call's `started_at` and `call_id`, both the caller's own data: no
row id, which would tell how many calls all tenants together have stored.
"""

import base64
import binascii
import hashlib
from dataclasses import asdict, dataclass
from typing import Any, get_args

import orjson

from humanadd.calls.schemas import MAX_TAG_LENGTH, Direction, SentimentFilter, Status
from humanadd.clock import MAX_UNIX_MS
from humanadd.errors import InvalidRequest

MAX_CALL_ID_LENGTH = 128

_INT64 = range(-(2**63), 2**63)
_DIGEST_SIZE = 6


@dataclass(frozen=True, slots=True)
class CallFilters:
    direction: str | None = None
    status: str | None = None
    sentiment: str | None = None
    booked: bool | None = None
    tag: str | None = None
    before: int | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """A point in the (started_at, call_id) order; a page holds the calls strictly past it.

    Without a `call_id` the point is the edge of millisecond `started_at` itself: ascending,
    the calls that started after it (what `after=T` asks for); descending, those before it.
    """

    started_at: int
    call_id: str | None
    ascending: bool


def _digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=_DIGEST_SIZE, person=b"humanadd-cursor").digest()


def encode(position: Position, filters: CallFilters) -> str:
    payload = orjson.dumps(
        {
            "t": position.started_at,
            "c": position.call_id,
            "a": position.ascending,
            "f": {key: value for key, value in asdict(filters).items() if value is not None},
        }
    )
    return base64.urlsafe_b64encode(payload + _digest(payload)).decode().rstrip("=")


def decode(cursor: str) -> tuple[Position, CallFilters]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload, digest = raw[:-_DIGEST_SIZE], raw[-_DIGEST_SIZE:]
        if len(raw) <= _DIGEST_SIZE or digest != _digest(payload):
            raise ValueError("digest")
        # The decoder ignores a last character's unused bits: only the spelling we issue counts.
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            raise ValueError("not canonical")
        fields = orjson.loads(payload)
        call_id = fields["c"]
        if call_id is not None:
            _check_call_id(call_id)
        position = Position(_checked(fields["t"], int), call_id, _checked(fields["a"], bool))
        filters = CallFilters(**fields["f"])
        _check_filters(filters)
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise InvalidRequest("Invalid query parameter 'cursor': not a cursor we issued.") from None
    return position, filters


_CHOICES = {
    "direction": get_args(Direction),
    "status": get_args(Status),
    "sentiment": get_args(SentimentFilter),
}


def _checked(value: Any, expected: type) -> Any:
    if type(value) is not expected or (expected is int and value not in _INT64):
        raise TypeError(value)
    return value


def _check_text(value: Any, max_length: int) -> None:
    """Text a column can hold: at most `max_length` characters, none of them NUL."""
    _checked(value, str)
    if len(value) > max_length or "\x00" in value:
        raise ValueError(value)


def _check_call_id(value: Any) -> None:
    _check_text(value, MAX_CALL_ID_LENGTH)


def _check_filters(filters: CallFilters) -> None:
    """The filters hold only values the query parameters accept: a forged cursor can't carry
    anything else to the database."""
    for name, choices in _CHOICES.items():
        value = getattr(filters, name)
        if value is not None and (type(value) is not str or value not in choices):
            raise ValueError(name)
    if filters.booked is not None:
        _checked(filters.booked, bool)
    if filters.tag is not None:
        _check_text(filters.tag, MAX_TAG_LENGTH)
    if filters.before is not None and not 0 <= _checked(filters.before, int) <= MAX_UNIX_MS:
        raise ValueError(filters.before)
