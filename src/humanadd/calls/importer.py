"""`calls import`: JSON Lines in the call-detail shape, checked line by line, stored all or nothing.

Each non-blank line is one call as GET /api/v1/calls/{id} shows it. `call_id`, `direction` and
`started_at` are required; `status` defaults to `ended`, `duration_seconds` to the rounded
seconds between `started_at` and `ended_at` (or 0). A finished call's `sentiment`, `summary`,
`tags` and `booked`, where the line has none, come from our analysis (`calls.analysis`), and its
questions are stored with their topics. `recording_url` is ignored (it is our own path, not a
source); any other unknown field is an error, so that a misspelt field is not silently dropped.
No string, nested ones included, may hold a NUL character (U+0000).
"""

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Self

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.analytics.embedding import Embedder
from humanadd.calls import analysis, repository
from humanadd.calls.records import CallRecord
from humanadd.calls.schemas import Direction, Sentiment, Status, TranscriptTurn
from humanadd.clock import MAX_UNIX_MS, MIN_UNIX_MS, iso_from_ms, ms_from_iso
from humanadd.questions import service as questions

IGNORED_FIELDS = frozenset({"recording_url"})
NUL_PROBLEM = "must not contain NUL characters (U+0000)"
MAX_DURATION_SECONDS = 2**31 - 1
"""What `duration_seconds` (a 32-bit integer column on PostgreSQL) holds."""

CallId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
PhoneNumber = Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
]


def _unix_ms(value: str) -> int:
    """Unix ms of a timestamp the API can show; ValueError for one it could not print."""
    try:
        moment = ms_from_iso(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an ISO-8601 timestamp (e.g. 2025-01-15T18:22:04.000Z)"
        ) from None
    if not MIN_UNIX_MS <= moment <= MAX_UNIX_MS:
        raise ValueError(
            f"{value!r} is outside {iso_from_ms(MIN_UNIX_MS)} .. {iso_from_ms(MAX_UNIX_MS)}"
        )
    return moment


def _rounded_seconds(started_at: int, ended_at: int) -> int:
    return (ended_at - started_at + 500) // 1000


class ImportedCall(BaseModel):
    """One line of an import file. A null in a field with a default means the default."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    call_id: CallId
    direction: Direction
    started_at: str
    ended_at: str | None = None
    from_number: PhoneNumber | None = None
    to_number: PhoneNumber | None = None
    duration_seconds: Annotated[int, Field(ge=0, le=MAX_DURATION_SECONDS)] | None = None
    status: Status | None = None
    disconnection_reason: Annotated[str, StringConstraints(max_length=64)] | None = None
    sentiment: Sentiment | None = None
    summary: str | None = None
    tags: list[Tag] | None = None
    booked: bool | None = None
    transcript: str | None = None
    transcript_object: list[TranscriptTurn] | None = None

    @field_validator("started_at", "ended_at")
    @classmethod
    def _is_timestamp(cls, value: str | None) -> str | None:
        if value is not None:
            _unix_ms(value)
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ended_at is None:
            return self
        started_at, ended_at = _unix_ms(self.started_at), _unix_ms(self.ended_at)
        if ended_at < started_at:
            raise ValueError("ended_at is before started_at")
        if (
            self.duration_seconds is None
            and _rounded_seconds(started_at, ended_at) > MAX_DURATION_SECONDS
        ):
            raise ValueError(
                f"ended_at: the call would last more than {MAX_DURATION_SECONDS} seconds"
            )
        return self

    def to_record(self) -> CallRecord:
        started_at = _unix_ms(self.started_at)
        ended_at = None if self.ended_at is None else _unix_ms(self.ended_at)
        duration = self.duration_seconds
        if duration is None:
            duration = 0 if ended_at is None else _rounded_seconds(started_at, ended_at)
        turns = (
            None
            if self.transcript_object is None
            else [turn.model_dump() for turn in self.transcript_object]
        )
        return CallRecord(
            call_id=self.call_id,
            direction=self.direction,
            started_at=started_at,
            ended_at=ended_at,
            from_number=self.from_number,
            to_number=self.to_number,
            duration_seconds=duration,
            status=self.status or "ended",
            disconnection_reason=self.disconnection_reason,
            sentiment=self.sentiment,
            summary=self.summary,
            tags=list(dict.fromkeys(self.tags or [])),
            booked=self.booked,
            transcript=self.transcript,
            transcript_object=turns,
        )


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    problem: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.problem}"


@dataclass
class ParsedFile:
    """The records of a file, or every reason it cannot be imported (then no records count)."""

    records: list[CallRecord] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def _location(parts: Sequence[int | str]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _nul_locations(
    value: Any, where: tuple[int | str, ...] = ()
) -> Iterator[tuple[tuple[int | str, ...], bool]]:
    """Where a string holds U+0000, and whether it is a field name: PostgreSQL can store that
    character neither in text nor in JSON, so it is refused here as a bad line rather than
    failing the whole import with a database error that names no line."""
    if isinstance(value, str):
        if "\x00" in value:
            yield where, False
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, (*where, index))
    elif isinstance(value, dict):
        for name, item in value.items():
            if "\x00" in name:
                yield where, True
            else:
                yield from _nul_locations(item, (*where, name))


def _at(where: Sequence[int | str], message: str) -> str:
    location = _location(where)
    return f"{location}: {message}" if location else message


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] == "extra_forbidden":
        message = "unknown field"
    else:
        message = error["msg"].removeprefix("Value error, ")
    return _at(error["loc"], message)


def parse_line(text: str) -> CallRecord:
    """The call one line describes; ValueError says what is wrong with it."""
    try:
        data = orjson.loads(text.strip())
    except orjson.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object (one call per line)")
    data = {key: value for key, value in data.items() if key not in IGNORED_FIELDS}
    nul_values: set[tuple[int | str, ...]] = set()
    problems: list[str] = []
    for where, is_name in _nul_locations(data):
        problems.append(_at(where, f"a field name {NUL_PROBLEM}" if is_name else NUL_PROBLEM))
        if not is_name:
            nul_values.add(where)
    try:
        record = ImportedCall.model_validate(data).to_record()
    except ValidationError as error:
        # What was already reported for its NUL (a value, or a field named with one) is not
        # described a second time.
        problems += [
            _describe(item)
            for item in error.errors()
            if tuple(item["loc"]) not in nul_values
            and not any(isinstance(part, str) and "\x00" in part for part in item["loc"])
        ]
    if problems:
        raise ValueError("; ".join(problems))
    return record


def parse_lines(lines: Iterable[bytes]) -> ParsedFile:
    """Check every line (numbered from 1); blank lines are skipped."""
    parsed = ParsedFile()
    for number, raw in enumerate(lines, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            parsed.errors.append(LineError(number, "not UTF-8 text"))
            continue
        if not text.strip():
            continue
        try:
            parsed.records.append(parse_line(text))
        except ValueError as error:
            parsed.errors.append(LineError(number, str(error)))
    if parsed.errors:
        parsed.records.clear()
    return parsed


def parse_file(path: Path) -> ParsedFile:
    """Check a JSON Lines file; OSError when it cannot be read."""
    with path.open("rb") as lines:
        return parse_lines(lines)


Notify = Callable[[AsyncSession, str, CallRecord], Awaitable[object]]
"""Told of each stored call, in the same transaction (the CLI's `--notify` passes the webhooks'
`call_changed`; passed in because webhooks sit above calls)."""


async def import_calls(
    session: AsyncSession,
    account_id: str,
    records: Iterable[CallRecord],
    *,
    embedder: Embedder,
    notify: Notify | None = None,
) -> int:
    """Upsert the calls into the account (by call_id) in the caller's transaction, each ended
    one with our analysis where it carries none (`analysis.complete`); how many. `notify`, if
    given, is told of each stored call."""
    await accounts.require(session, account_id)
    count = 0
    for record in records:
        analysis.complete(record)
        call_pk = await repository.upsert(session, account_id, record)
        assert call_pk is not None  # without a stage, an upsert always stores
        if record.status != "ongoing":
            await questions.store(
                session, embedder, account_id, call_pk, record.started_at, record.questions
            )
        if notify is not None:
            await notify(session, account_id, record)
        count += 1
    await questions.recluster_if_grown(session, embedder, account_id)
    return count
