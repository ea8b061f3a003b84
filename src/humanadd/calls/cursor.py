"""The cursors of the list of calls: a keyset position, a direction and the filters in force,
sealed by `cursors.codec` for the account they were issued to.

The position is the last call's `started_at` and `call_id`, both the caller's own data: no
row id, which would tell how many calls all tenants together have stored.
"""

from dataclasses import asdict, dataclass
from typing import Any

from humanadd.cursors.codec import CursorCodec

KIND = "calls"


@dataclass(frozen=True, slots=True)
class CallFilters:
    direction: str | None = None
    status: str | None = None
    sentiment: str | None = None
    booked: bool | None = None
    tag: str | None = None
    before: int | None = None
    since: int | None = None
    """Unix ms: only calls that started at or after it (the dashboard's date range)."""
    phone: str | None = None
    """Only calls whose from or to number contains this text (the dashboard's search)."""
    topic: str | None = None
    """Only calls with a question in the topic that answers for this id (`tq_…`)."""


@dataclass(frozen=True, slots=True)
class Position:
    """A point in the (started_at, call_id) order; a page holds the calls strictly past it.

    Without a `call_id` the point is the edge of millisecond `started_at` itself: ascending,
    the calls that started after it (what `after=T` asks for); descending, those before it.
    """

    started_at: int
    call_id: str | None
    ascending: bool


async def encode(
    codec: CursorCodec, account_id: str, position: Position, filters: CallFilters
) -> str:
    payload: dict[str, Any] = {
        "t": position.started_at,
        "c": position.call_id,
        "a": position.ascending,
        "f": {key: value for key, value in asdict(filters).items() if value is not None},
    }
    return await codec.seal(KIND, account_id, payload)


async def decode(codec: CursorCodec, account_id: str, cursor: str) -> tuple[Position, CallFilters]:
    """What `encode` sealed for this account; 400 for any other text."""
    fields = await codec.open(KIND, account_id, cursor)
    return Position(fields["t"], fields["c"], fields["a"]), CallFilters(**fields["f"])
