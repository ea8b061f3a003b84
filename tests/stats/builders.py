"""Hand-built calls for the stats tests."""

import itertools
from typing import Any

from humanadd.calls.records import CallRecord
from humanadd.clock import ms_from_iso

_ids = itertools.count(1)


def at(moment: str) -> int:
    """Unix ms of an ISO-8601 moment (UTC unless it carries an offset)."""
    return ms_from_iso(moment)


def call(started_at: int | str, **fields: Any) -> CallRecord:
    """An answered inbound call of 60 s unless `fields` say otherwise."""
    fields.setdefault("direction", "inbound")
    fields.setdefault("duration_seconds", 60)
    return CallRecord(
        call_id=f"call_{next(_ids)}",
        started_at=at(started_at) if isinstance(started_at, str) else started_at,
        **fields,
    )
