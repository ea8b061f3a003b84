"""Parsing JSON Lines call files: the record each line makes, defaults, and every bad line."""

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from humanadd.accounts.errors import AccountError
from humanadd.analytics.embedding import Embedder
from humanadd.calls import analysis, importer
from humanadd.calls.importer import LineError, parse_line, parse_lines
from humanadd.calls.records import CallRecord
from humanadd.clock import MAX_UNIX_MS, MIN_UNIX_MS, iso_from_ms
from humanadd.dependencies import Services

REQUIRED = {"call_id": "call_1", "direction": "inbound", "started_at": "2025-01-15T18:22:04.000Z"}
STARTED = 1736965324000


def _line(**fields: Any) -> str:
    return orjson.dumps({**REQUIRED, **fields}).decode()


def _lines(*texts: str) -> list[bytes]:
    return [f"{text}\n".encode() for text in texts]


def test_a_full_line_becomes_the_same_call():
    record = parse_line(
        _line(
            from_number="+15551234567",
            to_number="+15559876543",
            ended_at="2025-01-15T18:23:26.000Z",
            duration_seconds=82,
            status="ended",
            disconnection_reason="user_hangup",
            sentiment="positive",
            summary="Booked.",
            tags=["booking"],
            booked=True,
            transcript="AI: Hello.\nCaller: Hi! Are you open on Sunday? Thanks.",
            transcript_object=[
                {"role": "agent", "content": "Hello."},
                {
                    "role": "user",
                    "content": "Hi! Are you open on Sunday? Thanks.",
                    "words": [{"word": "Hi", "start": 0.5, "end": 0.7, "confidence": 0.9}],
                },
            ],
            recording_url="https://upstream.example/audio.wav",
        )
    )

    assert record == CallRecord(
        call_id="call_1",
        direction="inbound",
        started_at=STARTED,
        from_number="+15551234567",
        to_number="+15559876543",
        ended_at=STARTED + 82_000,
        duration_seconds=82,
        status="ended",
        disconnection_reason="user_hangup",
        sentiment="positive",
        summary="Booked.",
        tags=["booking"],
        booked=True,
        transcript="AI: Hello.\nCaller: Hi! Are you open on Sunday? Thanks.",
        transcript_object=[
            {"role": "agent", "content": "Hello."},
            {
                "role": "user",
                "content": "Hi! Are you open on Sunday? Thanks.",
                "words": [{"word": "Hi", "start": 0.5, "end": 0.7, "confidence": 0.9}],
            },
        ],
        recording_ref=None,
    )


def test_only_the_required_fields_give_the_documented_defaults():
    record = parse_line(_line())

    assert record == CallRecord(
        call_id="call_1",
        direction="inbound",
        started_at=STARTED,
        status="ended",
        duration_seconds=0,
        tags=[],
        booked=None,
        sentiment=None,
    )


@pytest.mark.parametrize(
    ("ended_at", "duration"),
    [
        ("2025-01-15T18:22:04.000Z", 0),
        ("2025-01-15T18:22:05.499Z", 1),
        ("2025-01-15T18:22:05.500Z", 2),
        ("2025-01-15T19:22:04Z", 3600),
    ],
)
def test_duration_defaults_to_the_rounded_seconds_between_start_and_end(
    ended_at: str, duration: int
):
    assert parse_line(_line(ended_at=ended_at)).duration_seconds == duration


def test_an_explicit_duration_is_kept():
    record = parse_line(_line(ended_at="2025-01-15T18:30:00Z", duration_seconds=75))

    assert record.duration_seconds == 75


def test_null_in_a_defaulted_field_means_the_default():
    record = parse_line(_line(status=None, tags=None, booked=None, duration_seconds=None))

    assert (record.status, record.tags, record.booked, record.duration_seconds) == (
        "ended",
        [],
        None,
        0,
    )


def test_tags_are_lowercased_trimmed_and_deduplicated():
    record = parse_line(_line(tags=["Booking", " PRICING ", "booking"]))

    assert record.tags == ["booking", "pricing"]


def test_timestamps_with_an_offset_or_none_are_read_as_instants():
    with_offset = parse_line(_line(started_at="2025-01-15T13:22:04-05:00"))
    without = parse_line(_line(started_at="2025-01-15T18:22:04"))

    assert with_offset.started_at == without.started_at == STARTED


def test_the_analysis_reads_the_text_transcript_when_there_is_no_object():
    record = parse_line(
        _line(transcript="AI: Do you need anything else?\nCaller: Yes. Is there parking? OK.")
    )

    assert analysis.complete(record).questions == ["Is there parking?"]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"call_id": None}, "call_id: Input should be a valid string"),
        ({"call_id": "   "}, "call_id: String should have at least 1 character"),
        ({"call_id": "c" * 129}, "call_id: String should have at most 128 characters"),
        ({"direction": "sideways"}, "direction: Input should be 'inbound' or 'outbound'"),
        (
            {"started_at": "yesterday"},
            "started_at: 'yesterday' is not an ISO-8601 timestamp (e.g. 2025-01-15T18:22:04.000Z)",
        ),
        ({"started_at": 1736965324000}, "started_at: Input should be a valid string"),
        ({"ended_at": "2025-01-15T18:22:03Z"}, "ended_at is before started_at"),
        ({"status": "finished"}, "status: Input should be 'ongoing', 'ended' or 'error'"),
        (
            {"sentiment": "Positive"},
            "sentiment: Input should be 'positive', 'neutral' or 'negative'",
        ),
        ({"duration_seconds": -1}, "duration_seconds: Input should be greater than or equal to 0"),
        ({"duration_seconds": "82"}, "duration_seconds: Input should be a valid integer"),
        ({"booked": "yes"}, "booked: Input should be a valid boolean"),
        ({"tags": "booking"}, "tags: Input should be a valid list"),
        ({"tags": ["ok", 7]}, "tags[1]: Input should be a valid string"),
        ({"tags": [""]}, "tags[0]: String should have at least 1 character"),
        (
            {"transcript_object": [{"role": "bot", "content": "Hi"}]},
            "transcript_object[0].role: Input should be 'agent' or 'user'",
        ),
        (
            {"transcript_object": [{"role": "user"}]},
            "transcript_object[0].content: required field is missing",
        ),
        ({"sentimant": "positive"}, "sentimant: unknown field"),
    ],
)
def test_a_bad_value_says_which_field_and_why(fields: dict[str, Any], problem: str):
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_line(_line(**fields))


RANGE = "is outside 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        (
            {"started_at": "9999-12-31T23:59:59.999-01:00"},
            f"started_at: '9999-12-31T23:59:59.999-01:00' {RANGE}",
        ),
        (
            {"started_at": "0001-01-01T00:00:00+01:00"},
            f"started_at: '0001-01-01T00:00:00+01:00' {RANGE}",
        ),
        (
            {"started_at": "1969-12-31T23:59:59.999Z"},
            f"started_at: '1969-12-31T23:59:59.999Z' {RANGE}",
        ),
        (
            {"started_at": "9999-12-31T23:59:59.9999Z"},
            f"started_at: '9999-12-31T23:59:59.9999Z' {RANGE}",
        ),
        (
            {"ended_at": "9999-12-31T23:59:59-00:01"},
            f"ended_at: '9999-12-31T23:59:59-00:01' {RANGE}",
        ),
        (
            {"duration_seconds": 2**31},
            "duration_seconds: Input should be less than or equal to 2147483647",
        ),
        (
            {"ended_at": "2100-01-01T00:00:00Z"},
            "ended_at: the call would last more than 2147483647 seconds",
        ),
    ],
    ids=[
        "year-9999-negative-offset",
        "year-1-positive-offset",
        "before-1970",
        "rounds-past-9999",
        "ended-after-9999",
        "duration-past-int32",
        "derived-duration-past-int32",
    ],
)
def test_a_time_or_duration_the_api_cannot_show_is_refused(fields: dict[str, Any], problem: str):
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_line(_line(**fields))


def test_the_first_and_last_printable_milliseconds_are_accepted():
    first = parse_line(_line(started_at="1970-01-01T00:00:00Z", ended_at="1970-01-01T01:00:00Z"))
    last = parse_line(
        _line(started_at="9999-12-31T23:59:59.999Z", ended_at="9999-12-31T23:59:59.999Z")
    )

    assert (first.started_at, first.duration_seconds) == (MIN_UNIX_MS, 3600)
    assert (last.started_at, last.ended_at) == (MAX_UNIX_MS, MAX_UNIX_MS)
    assert iso_from_ms(MIN_UNIX_MS) == "1970-01-01T00:00:00.000Z"
    assert iso_from_ms(MAX_UNIX_MS) == "9999-12-31T23:59:59.999Z"


NUL = "must not contain NUL characters (U+0000)"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"call_id": "call\u0000"}, f"call_id: {NUL}"),
        ({"from_number": "+1555\u0000"}, f"from_number: {NUL}"),
        ({"disconnection_reason": "user\u0000hangup"}, f"disconnection_reason: {NUL}"),
        ({"summary": "\u0000"}, f"summary: {NUL}"),
        ({"transcript": "AI: Hi.\u0000"}, f"transcript: {NUL}"),
        ({"tags": ["ok", "bo\u0000oking"]}, f"tags[1]: {NUL}"),
        (
            {
                "transcript_object": [
                    {"role": "agent", "content": "Hi."},
                    {"role": "user", "content": "Hi\u0000"},
                ]
            },
            f"transcript_object[1].content: {NUL}",
        ),
        (
            {
                "transcript_object": [
                    {
                        "role": "user",
                        "content": "Hi",
                        "words": [{"word": "Hi", "start": 0, "end": 1, "speaker": "a\u0000"}],
                    }
                ]
            },
            f"transcript_object[0].words[0].speaker: {NUL}",
        ),
        (
            {
                "transcript_object": [
                    {
                        "role": "user",
                        "content": "Hi",
                        "words": [{"word": "Hi", "start": 0, "end": 1, "x\u0000": 1}],
                    }
                ]
            },
            f"transcript_object[0].words[0]: a field name {NUL}",
        ),
        ({"sum\u0000mary": "Booked."}, f"a field name {NUL}"),
        (
            {"summary": "\u0000", "direction": "sideways"},
            f"summary: {NUL}; direction: Input should be 'inbound' or 'outbound'",
        ),
    ],
    ids=[
        "call_id",
        "from_number",
        "disconnection_reason",
        "summary",
        "transcript",
        "tag",
        "turn-content",
        "word-extra",
        "word-extra-name",
        "top-level-name",
        "with-another-error",
    ],
)
def test_a_nul_character_in_any_string_is_refused_naming_where(
    fields: dict[str, Any], problem: str
):
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_line(_line(**fields))


def test_a_nul_character_in_the_ignored_recording_url_does_no_harm():
    assert parse_line(_line(recording_url="https://x.example/\u0000")).recording_ref is None


def test_a_missing_required_field_is_named():
    with pytest.raises(
        ValueError,
        match=r"^call_id: required field is missing; started_at: required field is missing$",
    ):
        parse_line('{"direction": "inbound"}')


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"call_id": "x",', "not valid JSON (unexpected end of data at column 17)"),
        ("nope", "not valid JSON (invalid literal, expected 'null' at column 1)"),
        ("[1, 2]", "expected a JSON object (one call per line)"),
        ('"call"', "expected a JSON object (one call per line)"),
    ],
)
def test_a_line_that_is_not_a_json_object_is_refused(text: str, problem: str):
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        parse_line(text)


def test_every_bad_line_is_reported_with_its_number_and_no_record_is_kept():
    parsed = parse_lines(
        _lines(
            _line(),
            "",
            "{oops",
            "   ",
            _line(direction="up"),
            _line(call_id="call_2"),
            _line(started_at="soon"),
        )
    )

    assert parsed.records == []
    assert [str(error) for error in parsed.errors] == [
        "line 3: not valid JSON (unexpected character, expected a string key at column 2)",
        "line 5: direction: Input should be 'inbound' or 'outbound'",
        "line 7: started_at: 'soon' is not an ISO-8601 timestamp (e.g. 2025-01-15T18:22:04.000Z)",
    ]


def test_blank_lines_are_skipped_and_a_repeated_call_id_is_kept_in_order():
    parsed = parse_lines(
        _lines("", _line(summary="first"), "", _line(summary="second"), _line(call_id="call_2"))
    )

    assert parsed.errors == []
    assert [(record.call_id, record.summary) for record in parsed.records] == [
        ("call_1", "first"),
        ("call_1", "second"),
        ("call_2", None),
    ]


def test_a_byte_order_mark_is_tolerated_and_bad_encoding_is_reported():
    parsed = parse_lines([b"\xef\xbb\xbf" + _line().encode() + b"\n", b"\xff\xfe{}\n"])

    assert parsed.errors == [LineError(2, "not UTF-8 text")]


def test_parse_file_reads_the_file_and_raises_when_it_is_missing(tmp_path: Path):
    path = tmp_path / "calls.jsonl"
    path.write_text(_line() + "\n" + _line(call_id="call_2"))

    assert [record.call_id for record in importer.parse_file(path).records] == [
        "call_1",
        "call_2",
    ]
    with pytest.raises(FileNotFoundError):
        importer.parse_file(tmp_path / "missing.jsonl")


async def test_import_calls_refuses_an_unknown_account(services: Services, embedder: Embedder):
    with pytest.raises(AccountError, match=r"^no account 'acc_nobody'$"):
        async with services.sessions.begin() as session:
            await importer.import_calls(
                session, "acc_nobody", [parse_line(_line())], embedder=embedder
            )
