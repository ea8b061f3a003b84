"""`humanadd calls import`: JSON Lines in, the same calls out of the API; all or nothing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from humanadd.db import shown_url
from tests.conftest import Cli, MakeAccount

FULL_CALL: dict[str, Any] = {
    "call_id": "call_imported_1",
    "direction": "inbound",
    "from_number": "+15551234567",
    "to_number": "+15559876543",
    "started_at": "2025-01-15T18:22:04.000Z",
    "ended_at": "2025-01-15T18:23:26.000Z",
    "duration_seconds": 82,
    "status": "ended",
    "disconnection_reason": "user_hangup",
    "sentiment": "positive",
    "summary": "Caller booked an HVAC maintenance appointment for Thursday.",
    "tags": ["booking"],
    "booked": True,
    "transcript": "AI: Hello, Acme HVAC.\nCaller: Can I book a tune-up? What are your hours?",
    "transcript_object": [
        {"role": "agent", "content": "Hello, Acme HVAC."},
        {
            "role": "user",
            "content": "Can I book a tune-up? What are your hours?",
            "words": [{"word": "Can", "start": 1.2, "end": 1.4}],
        },
    ],
    "recording_url": "https://upstream.example/recordings/secret.wav",
}


def _write(path: Path, lines: list[str | dict[str, Any]]) -> Path:
    path.write_text(
        "".join(
            (line if isinstance(line, str) else orjson.dumps(line).decode()) + "\n"
            for line in lines
        )
    )
    return path


async def test_imported_call_reads_back_exactly_through_the_api(
    cli: Cli,
    make_account: MakeAccount,
    client: httpx.AsyncClient,
    tmp_path: Path,
    database_url: str,
):
    account = await make_account()
    file = _write(tmp_path / "calls.jsonl", [FULL_CALL])

    result = await cli("calls", "import", str(file), "--account", account.id, "--json")

    assert result.exit_code == 0, result.stderr
    assert orjson.loads(result.stdout) == {
        "account_id": account.id,
        "imported": 1,
        "calls": 1,
        "database": shown_url(database_url),
    }
    response = await client.get("/api/v1/calls/call_imported_1", headers=account.headers)
    assert response.status_code == 200
    expected = {key: value for key, value in FULL_CALL.items() if key != "recording_url"}
    shown = response.json()["call"]
    (question,) = shown.pop("questions")  # found by our analysis
    assert response.json()["ok"] is True
    assert shown == {**expected, "recording_url": None}
    assert (question["text"], question["topic"]) == ("What are your hours?", "What are your hours?")
    assert question["topic_id"].startswith("tq_")


async def test_reimport_updates_the_call_instead_of_adding_one(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    first = _write(tmp_path / "first.jsonl", [FULL_CALL])
    changed = {**FULL_CALL, "summary": "Rescheduled to Friday.", "tags": ["Reschedule"]}
    second = _write(tmp_path / "second.jsonl", [changed])

    assert (await cli("calls", "import", str(first), "--account", account.id)).exit_code == 0
    result = await cli("calls", "import", str(second), "--account", account.id)

    assert result.exit_code == 0
    assert result.stdout == f"imported 1 line(s), 1 call(s), into {account.id}\n"
    listing = (await client.get("/api/v1/calls", headers=account.headers)).json()
    assert listing["count"] == 1
    assert listing["calls"][0]["summary"] == "Rescheduled to Friday."
    assert listing["calls"][0]["tags"] == ["reschedule"]
    by_tag = await client.get("/api/v1/calls?tag=booking", headers=account.headers)
    assert by_tag.json()["count"] == 0


async def test_missing_fields_take_the_documented_defaults(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    file = _write(
        tmp_path / "minimal.jsonl",
        [
            {
                "call_id": "call_min",
                "direction": "outbound",
                "started_at": "2025-03-01T09:00:00Z",
                "ended_at": "2025-03-01T09:01:30.600Z",
            },
            {
                "call_id": "call_min_open",
                "direction": "inbound",
                "started_at": "2025-03-01T10:00:00Z",
            },
        ],
    )

    result = await cli("calls", "import", str(file), "--account", account.id)

    assert result.exit_code == 0, result.stderr
    detail = (await client.get("/api/v1/calls/call_min", headers=account.headers)).json()["call"]
    assert detail == {
        "call_id": "call_min",
        "direction": "outbound",
        "from_number": None,
        "to_number": None,
        "started_at": "2025-03-01T09:00:00.000Z",
        "ended_at": "2025-03-01T09:01:30.600Z",
        "duration_seconds": 91,
        "status": "ended",
        "disconnection_reason": None,
        "sentiment": None,
        "summary": None,
        "tags": [],
        "booked": False,
        "transcript": None,
        "transcript_object": None,
        "recording_url": None,
        "questions": [],
    }
    open_call = (await client.get("/api/v1/calls/call_min_open", headers=account.headers)).json()
    assert open_call["call"]["duration_seconds"] == 0
    assert open_call["call"]["ended_at"] is None


async def test_bad_lines_are_reported_by_number_and_nothing_is_imported(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    good = {"call_id": "call_good", "direction": "inbound", "started_at": "2025-01-15T18:22:04Z"}
    file = _write(
        tmp_path / "bad.jsonl",
        [
            good,
            "",
            '{"call_id": "call_x", "direction": "inbound",',
            {"direction": "inbound", "started_at": "2025-01-15T18:22:04Z"},
            {**good, "call_id": "call_y", "direction": "sideways"},
            {**good, "call_id": "call_z", "started_at": "last tuesday"},
            {**good, "call_id": "call_good"},
        ],
    )

    result = await cli("calls", "import", str(file), "--account", account.id)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "line 3: not valid JSON (unexpected end of data at column 46)",
        "line 4: call_id: required field is missing",
        "line 5: direction: Input should be 'inbound' or 'outbound'",
        "line 6: started_at: 'last tuesday' is not an ISO-8601 timestamp "
        "(e.g. 2025-01-15T18:22:04.000Z)",
        f"error: 4 bad line(s) in {file}; nothing was imported",
    ]
    assert (await client.get("/api/v1/calls", headers=account.headers)).json()["count"] == 0


async def test_nul_characters_are_bad_lines_on_every_database(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    turn = {"role": "user", "content": "Hi\u0000there"}
    file = _write(
        tmp_path / "nul.jsonl",
        [
            {**FULL_CALL, "call_id": "call_ok"},
            {**FULL_CALL, "call_id": "call_a", "summary": "Booked.\u0000"},
            {**FULL_CALL, "call_id": "call_b", "tags": ["booking", "\u0000"]},
            {**FULL_CALL, "call_id": "call_c", "transcript_object": [turn]},
        ],
    )

    result = await cli("calls", "import", str(file), "--account", account.id)

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "line 2: summary: must not contain NUL characters (U+0000)",
        "line 3: tags[1]: must not contain NUL characters (U+0000)",
        "line 4: transcript_object[0].content: must not contain NUL characters (U+0000)",
        f"error: 3 bad line(s) in {file}; nothing was imported",
    ]
    assert (await client.get("/api/v1/calls", headers=account.headers)).json()["count"] == 0


async def test_times_and_durations_the_api_cannot_show_are_bad_lines(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    file = _write(
        tmp_path / "times.jsonl",
        [
            {**FULL_CALL, "call_id": "call_ok"},
            {**FULL_CALL, "started_at": "9999-12-31T23:59:59.999-01:00", "ended_at": None},
            {**FULL_CALL, "started_at": "0001-01-01T00:00:00+01:00"},
            {**FULL_CALL, "duration_seconds": -5},
            {**FULL_CALL, "ended_at": "2025-01-15T18:22:03.999Z"},
            {**FULL_CALL, "duration_seconds": 2**31},
        ],
    )

    result = await cli("calls", "import", str(file), "--account", account.id)

    assert (result.exit_code, result.stdout) == (1, "")
    outside = "is outside 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z"
    assert result.stderr.splitlines() == [
        f"line 2: started_at: '9999-12-31T23:59:59.999-01:00' {outside}",
        f"line 3: started_at: '0001-01-01T00:00:00+01:00' {outside}",
        "line 4: duration_seconds: Input should be greater than or equal to 0",
        "line 5: ended_at is before started_at",
        "line 6: duration_seconds: Input should be less than or equal to 2147483647",
        f"error: 5 bad line(s) in {file}; nothing was imported",
    ]
    listing = await client.get("/api/v1/calls", headers=account.headers)
    assert (listing.status_code, listing.json()["count"]) == (200, 0)


async def test_a_call_at_the_last_printable_millisecond_is_listed(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    last = {
        **FULL_CALL,
        "started_at": "9999-12-31T23:59:59.999Z",
        "ended_at": "9999-12-31T23:59:59.999Z",
        "duration_seconds": 0,
    }
    file = _write(tmp_path / "last.jsonl", [last])

    assert (await cli("calls", "import", str(file), "--account", account.id)).exit_code == 0

    listing = await client.get("/api/v1/calls", headers=account.headers)
    detail = await client.get(f"/api/v1/calls/{FULL_CALL['call_id']}", headers=account.headers)
    assert listing.status_code == detail.status_code == 200
    assert listing.json()["calls"][0]["started_at"] == "9999-12-31T23:59:59.999Z"
    assert detail.json()["call"]["ended_at"] == "9999-12-31T23:59:59.999Z"


async def test_a_missing_file_is_one_line(cli: Cli, make_account: MakeAccount, tmp_path: Path):
    account = await make_account()

    result = await cli("calls", "import", str(tmp_path / "nope.jsonl"), "--account", account.id)

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot read {tmp_path / 'nope.jsonl'}: No such file or directory\n"
    )


async def test_an_unknown_account_imports_nothing(cli: Cli, tmp_path: Path):
    file = _write(tmp_path / "calls.jsonl", [FULL_CALL])

    result = await cli("calls", "import", str(file), "--account", "acc_unknown")

    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: no account 'acc_unknown'\n"


async def test_imported_caller_questions_count_in_top_questions(
    cli: Cli, make_account: MakeAccount, client: httpx.AsyncClient, tmp_path: Path
):
    account = await make_account()
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    lines: list[str | dict[str, Any]] = [
        {
            "call_id": f"call_q{index}",
            "direction": "inbound",
            "started_at": an_hour_ago.isoformat(),
            "duration_seconds": 30,
            "transcript": f"AI: Hi.\nCaller: {wording} Thanks.",
        }
        for index, wording in enumerate(
            ["What are your hours?", "what are your HOURS?", "Do you take insurance?"]
        )
    ]
    file = _write(tmp_path / "questions.jsonl", lines)

    assert (await cli("calls", "import", str(file), "--account", account.id)).exit_code == 0

    stats = (await client.get("/api/v1/stats?days=1", headers=account.headers)).json()["stats"]
    assert stats["totalCalls"] == 3
    hours, insurance = stats["topQuestions"]
    assert (hours["question"], hours["count"]) == ("What are your hours?", 2)
    assert (insurance["question"], insurance["count"]) == ("Do you take insurance?", 1)
    assert hours["topic_id"].startswith("tq_")
    assert insurance["topic_id"].startswith("tq_")
    assert hours["topic_id"] != insurance["topic_id"]
