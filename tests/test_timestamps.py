"""One time format: `clock.iso_from_ms` writes every time, and the JSON writers of the API and
the CLI refuse a datetime that did not go through it."""

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from humanadd.cli.console import print_json
from humanadd.clock import MAX_UNIX_MS, MIN_UNIX_MS, PATTERN, iso_from_datetime, iso_from_ms
from humanadd.http import json_bytes


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (MIN_UNIX_MS, "1970-01-01T00:00:00.000Z"),
        (1_736_965_324_000, "2025-01-15T18:22:04.000Z"),
        (1_736_965_324_318, "2025-01-15T18:22:04.318Z"),
        (MAX_UNIX_MS, "9999-12-31T23:59:59.999Z"),
    ],
)
def test_iso_from_ms_writes_utc_milliseconds_and_z(ms: int, text: str) -> None:
    assert iso_from_ms(ms) == text
    assert re.fullmatch(PATTERN, text)


def test_a_datetime_in_any_zone_is_written_as_its_utc_millisecond() -> None:
    new_york = timezone(timedelta(hours=-5))
    moment = datetime(2025, 1, 15, 13, 22, 4, 318_499, tzinfo=new_york)

    assert iso_from_datetime(moment) == "2025-01-15T18:22:04.318Z"
    assert iso_from_datetime(None) is None


def test_the_apis_json_refuses_a_datetime_not_written_by_the_clock() -> None:
    with pytest.raises(TypeError):
        json_bytes({"expires_at": datetime.now(UTC)})


def test_the_clis_json_refuses_a_datetime_not_written_by_the_clock() -> None:
    with pytest.raises(TypeError):
        print_json({"expires_at": datetime.now(UTC)})
