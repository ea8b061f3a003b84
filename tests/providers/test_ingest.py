"""`POST /ingest/retell`: signed, idempotent, order-independent storage of Retell's call events."""

import logging
import secrets
import time
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from humanadd.calls.models import Call, CallTag
from humanadd.dependencies import Services
from humanadd.providers import service as providers
from humanadd.providers.retell import signature
from tests.conftest import MakeAccount, TestAccount
from tests.providers.retell_fake import (
    AGENT_ID,
    RETELL_API_KEY,
    ended_only,
    retell_call,
    started_only,
    webhook,
)

INGEST = "/ingest/retell"


async def send(
    client: httpx.AsyncClient, event: str, call: dict[str, Any], **kwargs: Any
) -> httpx.Response:
    body, headers = webhook(event, call, **kwargs)
    return await client.post(INGEST, content=body, headers=headers)


async def shown(client: httpx.AsyncClient, account: TestAccount, call_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/calls/{call_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    call: dict[str, Any] = response.json()["call"]
    return call


@pytest.fixture
def call_id() -> str:
    """A call id of this test's own: the database outlives a test."""
    return f"call_{secrets.token_hex(6)}"


async def stored_calls(services: Services, call_id: str) -> int:
    """How many accounts hold a call `call_id`."""
    statement = select(func.count()).select_from(Call).where(Call.call_id == call_id)
    async with services.sessions() as session:
        return int((await session.execute(statement)).scalar_one())


async def test_call_analyzed_is_stored_with_every_field_mapped(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount
) -> None:
    response = await send(client, "call_analyzed", retell_call(call_id))

    assert response.status_code == 204
    assert response.content == b""
    assert await shown(client, retell_account, call_id) == {
        "call_id": call_id,
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "started_at": "2025-01-15T18:22:04.000Z",
        "ended_at": "2025-01-15T18:24:38.000Z",
        "duration_seconds": 154,
        "status": "ended",
        "disconnection_reason": "user_hangup",
        "sentiment": "positive",
        "summary": "The caller asked about heat pump service and booked a visit.",
        "tags": ["heat pump", "booking"],
        "booked": True,
        "transcript": "AI: Thanks for calling Acme HVAC.\nCaller: Do you service heat pumps?",
        "transcript_object": [
            {
                "role": "agent",
                "content": "Thanks for calling Acme HVAC.",
                "words": [
                    {"word": "Thanks", "start": 0.4, "end": 0.7},
                    {"word": "for", "start": 0.7, "end": 0.8},
                ],
            },
            {
                "role": "user",
                "content": "Do you service heat pumps?",
                "words": [{"word": "Do", "start": 2.1, "end": 2.2}],
            },
        ],
        "recording_url": f"/api/v1/calls/{call_id}/recording",
        "questions": [],  # found by the worker's analysis, which has not run yet
    }


@pytest.mark.parametrize(
    ("upstream", "status", "duration"),
    [
        ("registered", "ongoing", 154),
        ("ongoing", "ongoing", 154),
        ("ended", "ended", 154),
        ("not_connected", "ended", 0),
        ("error", "error", 154),
    ],
)
async def test_call_status_maps_to_ours(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    upstream: str,
    status: str,
    duration: int,
) -> None:
    assert (
        await send(client, "call_ended", retell_call(call_id, call_status=upstream))
    ).status_code == 204
    call = await shown(client, retell_account, call_id)
    assert (call["status"], call["duration_seconds"]) == (status, duration)


@pytest.mark.parametrize(
    ("upstream", "ours"),
    [("Positive", "positive"), ("Neutral", "neutral"), ("Negative", "negative"), ("Unknown", None)],
)
async def test_user_sentiment_is_lower_case_or_null(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    upstream: str,
    ours: str | None,
) -> None:
    call = retell_call(call_id)
    call["call_analysis"]["user_sentiment"] = upstream
    await send(client, "call_analyzed", call)
    assert (await shown(client, retell_account, call_id))["sentiment"] == ours


async def test_the_accounts_own_analysis_keys_and_their_other_spellings(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount, services: Services
) -> None:
    async with services.sessions.begin() as session:
        await providers.set_provider(
            session,
            retell_account.id,
            "retell",
            agent_ids=[AGENT_ID],
            tags_key="labels",
            booked_key="appointment_made",
            actor="test",
        )
    call = retell_call(call_id)
    call["call_analysis"]["custom_analysis_data"] = {
        "labels": " Emergency, no heat ,emergency,",
        "appointment_made": "Yes",
        "tags": ["ignored"],
        "booked": False,
    }
    await send(client, "call_analyzed", call)

    shown_call = await shown(client, retell_account, call_id)
    assert (shown_call["tags"], shown_call["booked"]) == (["emergency", "no heat"], True)
    tagged = await client.get(
        "/api/v1/calls", params={"tag": "no heat"}, headers=retell_account.headers
    )
    assert [item["call_id"] for item in tagged.json()["calls"]] == [call_id]


async def test_text_transcript_is_rendered_when_there_are_no_turns(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount
) -> None:
    await send(client, "call_ended", retell_call(call_id, transcript_object=None))
    call = await shown(client, retell_account, call_id)
    assert (
        call["transcript"]
        == "AI: Thanks for calling Acme HVAC.\nCaller: Do you service heat pumps?"
    )
    assert call["transcript_object"] is None


async def test_a_duplicate_event_changes_nothing(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount, services: Services
) -> None:
    for _ in range(3):  # the provider's retries
        assert (await send(client, "call_analyzed", retell_call(call_id))).status_code == 204

    assert await stored_calls(services, call_id) == 1
    async with services.sessions() as session:
        tags = await session.execute(
            select(CallTag.tag)
            .join(Call, Call.id == CallTag.call_pk)
            .where(Call.call_id == call_id)
            .order_by(CallTag.tag)
        )
        assert list(tags.scalars()) == ["booking", "heat pump"]
    assert (await shown(client, retell_account, call_id))["tags"] == ["heat pump", "booking"]


async def test_an_analysis_that_arrives_before_call_ended_is_kept(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount
) -> None:
    call = retell_call(call_id)
    await send(client, "call_analyzed", call)
    await send(client, "call_ended", ended_only(call))
    await send(client, "call_started", started_only(call))

    shown_call = await shown(client, retell_account, call_id)
    assert shown_call["status"] == "ended"
    assert shown_call["sentiment"] == "positive"
    assert shown_call["summary"] == call["call_analysis"]["call_summary"]
    assert shown_call["tags"] == ["heat pump", "booking"]
    assert shown_call["duration_seconds"] == 154


async def test_events_in_order_leave_the_latest_state(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount
) -> None:
    call = retell_call(call_id)
    await send(client, "call_started", started_only(call))
    ongoing = await shown(client, retell_account, call_id)
    assert (ongoing["status"], ongoing["ended_at"], ongoing["transcript"]) == (
        "ongoing",
        None,
        None,
    )

    await send(client, "call_ended", ended_only(call))
    ended = await shown(client, retell_account, call_id)
    assert (ended["status"], ended["sentiment"], ended["tags"]) == ("ended", None, [])

    await send(client, "call_analyzed", call)
    analyzed = await shown(client, retell_account, call_id)
    assert (analyzed["sentiment"], analyzed["booked"]) == ("positive", True)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, headers: (body + b" ", headers), id="body-changed"),
        pytest.param(
            lambda body, headers: (body, {**headers, signature.HEADER: "v=1,d=zz"}),
            id="malformed",
        ),
        pytest.param(
            lambda body, headers: (
                body,
                {k: v for k, v in headers.items() if k != signature.HEADER},
            ),
            id="missing",
        ),
        pytest.param(
            lambda body, headers: (
                body,
                {
                    **headers,
                    signature.HEADER: signature.sign(body, "key_wrong", round(time.time() * 1000)),
                },
            ),
            id="other-key",
        ),
    ],
)
async def test_a_bad_signature_is_401_and_stores_nothing(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    services: Services,
    tamper: Any,
) -> None:
    body, headers = tamper(*webhook("call_analyzed", retell_call(call_id)))
    response = await client.post(INGEST, content=body, headers=headers)

    assert response.status_code == 401
    assert response.json() == {
        "ok": False,
        "error": "invalid_signature",
        "message": "The request's signature is missing, wrong or outside the allowed time.",
    }
    assert await stored_calls(services, call_id) == 0


@pytest.mark.parametrize("offset_ms", [-301_000, 301_000])
async def test_a_signature_more_than_five_minutes_off_is_refused(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    services: Services,
    offset_ms: int,
) -> None:
    now = round(time.time() * 1000)
    response = await send(client, "call_analyzed", retell_call(call_id), at_ms=now + offset_ms)
    assert response.status_code == 401
    assert await stored_calls(services, call_id) == 0

    within = await send(
        client, "call_analyzed", retell_call(call_id), at_ms=now + offset_ms * 9 // 10
    )
    assert within.status_code == 204


async def test_an_unknown_agent_is_acknowledged_logged_and_ignored(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="humanadd.providers.service"):
        response = await send(client, "call_ended", retell_call(call_id, agent_id="agent_nobody"))

    assert response.status_code == 204
    assert await stored_calls(services, call_id) == 0
    (record,) = [r for r in caplog.records if r.name == "humanadd.providers.service"]
    assert record.getMessage() == "provider call of an unknown agent ignored"
    assert (record.agent_id, record.call_id) == ("agent_nobody", call_id)  # type: ignore[attr-defined]


async def test_calls_go_to_the_account_that_owns_the_agent(
    call_id: str,
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    make_account: MakeAccount,
    services: Services,
) -> None:
    other = await make_account(name="Other Dental")
    async with services.sessions.begin() as session:
        await providers.set_provider(
            session, other.id, "retell", agent_ids=["agent_other"], actor="test"
        )
    await send(client, "call_ended", retell_call("call_other", agent_id="agent_other"))

    mine = await client.get("/api/v1/calls/call_other", headers=retell_account.headers)
    assert mine.status_code == 404
    assert (await shown(client, other, "call_other"))["call_id"] == "call_other"


async def test_events_this_service_does_not_use_are_acknowledged(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount, services: Services
) -> None:
    response = await send(client, "transcript_updated", retell_call(call_id))
    assert response.status_code == 204
    assert await stored_calls(services, call_id) == 0


MALFORMED_CALL = "call_malformed_event"
"""The call of the malformed events: no other test stores a call with this id."""


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "The event is not valid JSON."),
        (
            orjson.dumps({"event": "call_ended", "call": {"call_id": MALFORMED_CALL}}),
            "Invalid body field 'call.agent_id': Field required.",
        ),
        (
            orjson.dumps(
                {"event": "call_ended", "call": retell_call(MALFORMED_CALL, call_status="paused")}
            ),
            "Invalid body field 'call.call_status': Input should be 'registered', "
            "'not_connected', 'ongoing', 'ended' or 'error'.",
        ),
    ],
)
async def test_a_signed_but_malformed_event_is_400_and_stores_nothing(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    services: Services,
    payload: bytes,
    message: str,
) -> None:
    headers = {signature.HEADER: signature.sign(payload, RETELL_API_KEY, round(time.time() * 1000))}
    response = await client.post(INGEST, content=payload, headers=headers)

    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "invalid_request", "message": message}
    assert await stored_calls(services, MALFORMED_CALL) == 0


def test_the_official_sdk_accepts_our_signatures(
    call_id: str,
) -> None:
    from retell import Retell

    body, headers = webhook("call_ended", retell_call(call_id))
    client = Retell(api_key=RETELL_API_KEY)
    assert client.verify(body.decode(), RETELL_API_KEY, headers[signature.HEADER])
    assert not client.verify(body.decode() + " ", RETELL_API_KEY, headers[signature.HEADER])


async def test_without_a_retell_key_the_endpoint_is_503(
    call_id: str, database_url: str, tmp_path: Any, services: Services
) -> None:
    from humanadd.config import Settings
    from tests.conftest import client_for

    unconfigured = Settings(database_url=database_url, data_dir=tmp_path / "other")
    async with client_for(unconfigured) as other:
        body, headers = webhook("call_ended", retell_call(call_id))
        response = await other.post(INGEST, content=body, headers=headers)
    assert response.status_code == 503
    assert response.json()["error"] == "not_configured"
    assert await stored_calls(services, call_id) == 0


async def test_a_call_that_never_connected_counts_as_missed(
    call_id: str, client: httpx.AsyncClient, retell_account: TestAccount
) -> None:
    started = round(time.time() * 1000) - 3_600_000
    call = retell_call(
        call_id,
        call_status="not_connected",
        start_timestamp=started,
        end_timestamp=started + 20_000,
        duration_ms=20_000,
        disconnection_reason="dial_no_answer",
        transcript="",
        transcript_object=[],
    )
    call.pop("call_analysis")
    await send(client, "call_ended", call)

    stats = (await client.get("/api/v1/stats?days=1", headers=retell_account.headers)).json()
    assert (stats["stats"]["totalCalls"], stats["stats"]["answered"], stats["stats"]["missed"]) == (
        1,
        0,
        1,
    )
