"""Opaque pagination cursors: a keyset position, a direction and the filters in force."""

import base64
import binascii
from dataclasses import asdict, dataclass

import orjson

from humanadd.errors import InvalidRequest

LAST_ID = 2**63 - 1
"""Above every row id: the position (`t`, LAST_ID) means "strictly after millisecond t"."""


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
    """A point in the (started_at, id) order; a page holds the calls strictly past it."""

    started_at: int
    call_pk: int
    ascending: bool


def encode(position: Position, filters: CallFilters) -> str:
    payload = {
        "t": position.started_at,
        "i": position.call_pk,
        "a": position.ascending,
        "f": {key: value for key, value in asdict(filters).items() if value is not None},
    }
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode(cursor: str) -> tuple[Position, CallFilters]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = orjson.loads(raw)
        position = Position(int(payload["t"]), int(payload["i"]), bool(payload["a"]))
        filters = CallFilters(**payload["f"])
        _check_types(filters)
    except (binascii.Error, ValueError, TypeError, KeyError, orjson.JSONDecodeError):
        raise InvalidRequest("Invalid query parameter 'cursor': not a cursor we issued.") from None
    return position, filters


_FILTER_TYPES = {"booked": bool, "before": int}


def _check_types(filters: CallFilters) -> None:
    for key, value in asdict(filters).items():
        expected = _FILTER_TYPES.get(key, str)
        if value is not None and type(value) is not expected:
            raise TypeError(key)
