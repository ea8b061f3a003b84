"""Preparing the demo against the test database: account, key rotation, seeded calls, audio."""

import wave
from io import BytesIO

import httpx
from sqlalchemy import func, select

from humanadd.accounts.models import Account
from humanadd.calls.models import Call
from humanadd.clock import iso_from_ms, ms_from_iso, now_ms
from humanadd.config import Settings
from humanadd.demo.service import ACCOUNT_NAME, DemoAccess, prepare
from humanadd.dependencies import Services
from tests.demo.wording import PROPER_QUESTION
from tests.openapi_check import OpenApiChecker

MISSED_REASONS = (
    "dial_no_answer", "dial_busy", "dial_failed", "voicemail_reached", "user_declined",
    "invalid_destination", "marked_as_spam", "registered_call_timeout",
)  # fmt: skip


async def _prepare(services: Services, settings: Settings, now: int | None = None) -> DemoAccess:
    async with services.sessions.begin() as session:
        return await prepare(session, settings, now=now)


def _auth(access: DemoAccess) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.api_key}"}


async def _call_count(services: Services, account_id: str) -> int:
    async with services.sessions() as session:
        statement = select(func.count()).select_from(Call).where(Call.account_id == account_id)
        return int((await session.execute(statement)).scalar_one())


async def test_the_documents_examples_work_against_the_seeded_demo(
    services: Services, settings: Settings, client: httpx.AsyncClient, openapi: OpenApiChecker
):
    access = await _prepare(services, settings)

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
    }
    assert call["transcript"].startswith("AI: Hello")
    assert call["transcript_object"][0]["role"] == "agent"
    assert recording.headers["content-type"] == "audio/wav"
    with wave.open(BytesIO(recording.content), "rb") as audio:
        assert (audio.getnchannels(), audio.getsampwidth(), audio.getframerate()) == (1, 2, 8000)
    figures = stats.json()["stats"]
    assert figures["totalCalls"] > 150
    assert figures["missed"] > 0
    assert all(count > 0 for count in figures["sentimentDistribution"].values())
    assert len(figures["topQuestions"]) == 10
    for top in figures["topQuestions"]:
        assert PROPER_QUESTION.fullmatch(top["question"]), top
    assert kb.json()["queued"] is True


async def test_a_second_run_rotates_the_key_and_reseeds_without_duplicates(
    services: Services, settings: Settings, client: httpx.AsyncClient
):
    first = await _prepare(services, settings, now=now_ms() - 3_600_000)
    second = await _prepare(services, settings)

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
    services: Services, settings: Settings, client: httpx.AsyncClient
):
    first = await _prepare(services, settings)
    async with services.sessions.begin() as session:
        account = await session.get(Account, first.account_id)
        assert account is not None
        account.plan = "starter"

    second = await _prepare(services, settings)

    assert (await client.get("/api/v1/calls", headers=_auth(second))).status_code == 200


async def test_every_answered_call_has_a_recording_on_disk(services: Services, settings: Settings):
    access = await _prepare(services, settings)

    async with services.sessions() as session:
        rows = (
            await session.execute(
                select(
                    Call.call_id,
                    Call.status,
                    Call.duration_seconds,
                    Call.disconnection_reason,
                    Call.recording_ref,
                ).where(Call.account_id == access.account_id)
            )
        ).all()
    assert len(rows) == 500
    for call_id, status, duration, reason, reference in rows:
        answered = duration > 0 and reason not in MISSED_REASONS
        if answered and status != "ongoing":
            assert reference is not None, call_id
            path = settings.recordings_dir / reference.removeprefix("file:")
            assert path.read_bytes()[:4] == b"RIFF"
        else:
            assert reference is None, call_id
