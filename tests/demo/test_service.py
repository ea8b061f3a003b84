"""Preparing the demo against the test database: account, key rotation, seeded calls, audio."""

import re

import httpx
from sqlalchemy import func, select

from humanadd.accounts import repository as accounts_repository
from humanadd.accounts.models import Account
from humanadd.calls.models import Call
from humanadd.clock import iso_from_ms, ms_from_iso, now_ms
from humanadd.demo.service import ACCOUNT_NAME, FORMER_NAMES, DemoAccess
from humanadd.dependencies import Services
from tests.demo.audio_check import assert_follows_transcript
from tests.demo.conftest import Seed
from tests.openapi_check import OpenApiChecker

MISSED_REASONS = (
    "dial_no_answer", "dial_busy", "dial_failed", "voicemail_reached", "user_declined",
    "invalid_destination", "marked_as_spam", "registered_call_timeout",
)  # fmt: skip


def _auth(access: DemoAccess) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.api_key}"}


async def _call_count(services: Services, account_id: str) -> int:
    async with services.sessions() as session:
        statement = select(func.count()).select_from(Call).where(Call.account_id == account_id)
        return int((await session.execute(statement)).scalar_one())


async def test_the_documents_examples_work_against_the_seeded_demo(
    seed: Seed, client: httpx.AsyncClient, openapi: OpenApiChecker
):
    access = await seed()

    listing = await client.get("/api/v1/calls?limit=10", headers=_auth(access))
    detail = await client.get("/api/v1/calls/call_abc123", headers=_auth(access))
    recording = await client.get("/api/v1/calls/call_abc123/recording", headers=_auth(access))
    stats = await client.get("/api/v1/stats", headers=_auth(access))
    kb = await client.post(
        "/api/v1/kb",
        headers=_auth(access),
        json={"text": "Our new hours are 8am-7pm M-F.", "replace": False},
    )

    for response in (listing, detail, recording, stats, kb):
        assert response.status_code == 200, response.text
        openapi.check(response)
    assert listing.json()["count"] == 10
    call = detail.json()["call"]
    started = call["started_at"]
    assert started.endswith(":22:04.000Z")
    assert {key: value for key, value in call.items() if key != "transcript_object"} == {
        "call_id": "call_abc123",
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "started_at": started,
        "ended_at": iso_from_ms(ms_from_iso(started) + 82_000),
        "duration_seconds": 82,
        "status": "ended",
        "disconnection_reason": "user_hangup",
        "sentiment": "positive",
        "summary": "Caller booked an HVAC maintenance appointment for Thursday.",
        "tags": ["booking"],
        "booked": True,
        "transcript": call["transcript"],
        "recording_url": "/api/v1/calls/call_abc123/recording",
        "questions": call["questions"],
    }
    assert [question["text"] for question in call["questions"]] == ["How much does a tune-up cost?"]
    assert call["questions"][0]["topic_id"].startswith("tq_")
    assert call["transcript"].startswith("AI: Hello")
    assert call["transcript_object"][0]["role"] == "agent"
    assert recording.headers["content-type"] == "audio/wav"
    assert recording.headers["content-length"] == str(44 + 82 * 8000 * 2)
    assert_follows_transcript(recording.content, call["transcript_object"], 82)
    figures = stats.json()["stats"]
    assert figures["totalCalls"] > 150
    assert figures["missed"] > 0
    assert all(count > 0 for count in figures["sentimentDistribution"].values())
    assert len(figures["topQuestions"]) == 10
    assert kb.json()["queued"] is True


async def test_a_second_run_rotates_the_key_and_reseeds_without_duplicates(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    first = await seed(now=now_ms() - 3_600_000)
    second = await seed()

    assert second.reused is True
    assert second.account_id == first.account_id
    assert second.api_key != first.api_key
    assert (second.calls, await _call_count(services, second.account_id)) == (500, 500)
    old = await client.get("/api/v1/calls", headers=_auth(first))
    assert (old.status_code, old.json()["error"]) == (401, "invalid_api_key")
    assert (await client.get("/api/v1/calls", headers=_auth(second))).status_code == 200
    async with services.sessions() as session:
        accounts = await session.execute(
            select(Account.plan, Account.timezone).where(Account.name == ACCOUNT_NAME)
        )
        assert accounts.all() == [("enterprise", "America/New_York")]


async def test_a_reused_demo_account_is_put_back_on_enterprise(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    first = await seed()
    async with services.sessions.begin() as session:
        account = await session.get(Account, first.account_id)
        assert account is not None
        account.plan = "starter"

    second = await seed()

    assert (await client.get("/api/v1/calls", headers=_auth(second))).status_code == 200


async def test_a_demo_database_of_the_former_name_is_reused_under_the_new_one(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    first = await seed()
    async with services.sessions.begin() as session:
        former = await session.get(Account, first.account_id)
        assert former is not None
        former.name = FORMER_NAMES[0]

    access = await seed()

    assert (access.reused, access.account_id) == (True, first.account_id)
    async with services.sessions() as session:
        names = await session.execute(select(Account.name).where(Account.id == first.account_id))
        assert names.scalar_one() == ACCOUNT_NAME == "Demo: Comfort Air Heating & Cooling"
        for name in FORMER_NAMES:
            assert await accounts_repository.find_by_name(session, name) is None


async def _recorded_calls(services: Services, account_id: str) -> list[tuple[str, int, str]]:
    """Call id, length and status of the account's calls that have a recording."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(Call.call_id, Call.duration_seconds, Call.status).where(
                Call.account_id == account_id, Call.recording_ref.is_not(None)
            )
        )
        return [tuple(row) for row in rows.all()]


async def test_every_finished_answered_call_has_a_recording_made_on_request(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    access = await seed()

    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(
                    Call.call_id, Call.status, Call.duration_seconds, Call.disconnection_reason,
                    Call.recording_ref,
                ).where(Call.account_id == access.account_id)
            )
        ).all()  # fmt: skip
    assert len(rows) == 500
    for call_id, status, duration, reason, reference in rows:
        answered = duration > 0 and reason not in MISSED_REASONS
        if answered and status != "ongoing":
            assert reference == f"demo:{call_id}"
        else:
            assert reference is None, call_id
    assert not _files_written(services)
    recorded = await _recorded_calls(services, access.account_id)
    sample = [call for call in recorded if call[2] == "error"][:1] + recorded[:: len(recorded) // 6]
    for call_id, duration, _ in sample:
        detail = await client.get(f"/api/v1/calls/{call_id}", headers=_auth(access))
        audio = await client.get(f"/api/v1/calls/{call_id}/recording", headers=_auth(access))
        assert audio.status_code == 200
        assert audio.headers["content-length"] == str(44 + duration * 16_000)
        assert_follows_transcript(
            audio.content, detail.json()["call"]["transcript_object"], duration
        )


def _files_written(services: Services) -> list[str]:
    """Files under the data directory: the demo writes none."""
    root = services.settings.data_dir
    return [str(path) for path in root.rglob("*") if path.is_file()] if root.exists() else []


RANGES = (
    ("bytes=0-99", 206, (0, 99)),
    ("bytes=1001-70000", 206, (1001, 70000)),
    ("bytes=1311000-", 206, (1311000, 1312043)),
    ("bytes=-500", 206, (1311544, 1312043)),
    ("bytes=1000-2000000", 206, (1000, 1312043)),
    ("items=0-10", 200, (0, 1312043)),
)
"""`Range` asked for, status and bytes served, as the file source answers them."""


async def test_a_range_of_the_recording_is_exactly_those_bytes(
    seed: Seed, client: httpx.AsyncClient
):
    access = await seed()
    url = "/api/v1/calls/call_abc123/recording"
    whole = (await client.get(url, headers=_auth(access))).content

    for asked, status, (start, end) in RANGES:
        part = await client.get(url, headers={**_auth(access), "Range": asked})
        head = await client.head(url, headers={**_auth(access), "Range": asked})

        assert part.status_code == head.status_code == status, asked
        assert part.content == whole[start : end + 1]
        assert head.content == b""
        for response in (part, head):
            assert response.headers["accept-ranges"] == "bytes"
            assert response.headers["content-length"] == str(end - start + 1)
            assert response.headers.get("content-range") == (
                f"bytes {start}-{end}/1312044" if status == 206 else None
            )


async def test_a_demo_recording_has_validators_and_honours_conditions(
    seed: Seed, client: httpx.AsyncClient
) -> None:
    access = await seed()
    url = "/api/v1/calls/call_abc123/recording"
    whole = await client.get(url, headers=_auth(access))
    etag, last_modified = whole.headers["etag"], whole.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', etag)
    assert last_modified.endswith(" GMT")
    again = await client.get(url, headers=_auth(access))
    assert again.headers["etag"] == etag

    cached = await client.get(url, headers={**_auth(access), "If-None-Match": etag})
    assert (cached.status_code, cached.content, cached.headers["etag"]) == (304, b"", etag)
    ranged = {**_auth(access), "Range": "bytes=0-99"}
    fresh = await client.get(url, headers={**ranged, "If-Range": etag})
    assert (fresh.status_code, fresh.content) == (206, whole.content[:100])
    stale = await client.get(url, headers={**ranged, "If-Range": '"another"'})
    assert (stale.status_code, stale.content) == (200, whole.content)


async def test_a_range_past_the_end_of_the_recording_is_416(seed: Seed, client: httpx.AsyncClient):
    access = await seed()

    response = await client.get(
        "/api/v1/calls/call_abc123/recording", headers={**_auth(access), "Range": "bytes=1312044-"}
    )

    assert (response.status_code, response.json()["error"]) == (416, "range_not_satisfiable")
    assert response.headers["content-range"] == "bytes */1312044"
