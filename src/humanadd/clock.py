"""The API's time format: UTC ISO-8601 with milliseconds and `Z`, and unix milliseconds.

Every time the API, a webhook or the CLI's `--json` shows is written by `iso_from_ms` (a
datetime goes through it too, by `iso_from_datetime`), and every wire shape types it as
`Timestamp`, which the OpenAPI document declares `format: date-time`.
"""

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, overload

from pydantic import WithJsonSchema

MIN_UNIX_MS = 0
"""1970-01-01T00:00:00.000Z: the earliest time the API accepts or stores."""
MAX_UNIX_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the latest time the API accepts or stores. Past it (or before year
1), `iso_from_ms` cannot print a time; it also fits every integer column."""


EXAMPLE = "2025-01-15T18:22:04.000Z"
PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
"""What `iso_from_ms` writes, and nothing else."""

Timestamp = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": PATTERN,
            "description": "UTC, ISO-8601 with milliseconds and `Z`.",
            "examples": [EXAMPLE],
        }
    ),
]
"""A time in a wire shape; its value comes from `iso_from_ms`."""


def now_ms() -> int:
    """The current time in unix milliseconds."""
    return time.time_ns() // 1_000_000


_EPOCH = datetime(1970, 1, 1)


def iso_from_ms(ms: int) -> str:
    """`1736965324000` → `"2025-01-15T18:22:04.000Z"`.

    Naive date arithmetic and `isoformat` (both in C): it runs for every call of every page,
    and takes about half the time of formatting an aware datetime with `strftime` codes.
    """
    return (_EPOCH + timedelta(milliseconds=ms)).isoformat(timespec="milliseconds") + "Z"


@overload
def iso_from_datetime(moment: datetime) -> str: ...
@overload
def iso_from_datetime(moment: None) -> None: ...
@overload
def iso_from_datetime(moment: datetime | None) -> str | None: ...
def iso_from_datetime(moment: datetime | None) -> str | None:
    """An aware datetime in the API's format, written by `iso_from_ms`; None stays None."""
    return None if moment is None else iso_from_ms(round(moment.timestamp() * 1000))


def datetime_from_iso(text: str) -> datetime:
    """An aware datetime from an ISO-8601 timestamp; one without an offset is taken as UTC.
    ValueError when it is not one."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def ms_from_iso(text: str) -> int:
    """Unix ms of an ISO-8601 timestamp; one without an offset is taken as UTC."""
    return round(datetime_from_iso(text).timestamp() * 1000)
