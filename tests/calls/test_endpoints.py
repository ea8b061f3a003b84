"""GET /api/v1/calls and /api/v1/calls/{id}: exact shapes, order, filters, tenant isolation."""

import hashlib
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from tests.conftest import AddCalls, MakeAccount, TestAccount, client_for
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"
STARTED = 1736965324000  # 2025-01-15T18:22:04.000Z, the document's example

EXAMPLE = CallRecord(
    call_id="call_abc123",
    direction="inbound",
    from_number="+15551234567",
    to_number="+15559876543",
    started_at=STARTED,
    ended_at=STARTED + 82_000,
    duration_seconds=82,
    status="ended",
    disconnection_reason="user_hangup",
    sentiment="positive",
    summary="Caller booked an HVAC maintenance appointment for Thursday.",
    tags=["booking"],
    booked=True,
    transcript="AI: Hello, Acme HVAC, how can I help?\nCaller: Can I book a maintenance visit?",
    transcript_object=[
        {
            "role": "agent",
            "content": "Hello, Acme HVAC, how can I help?",
            "words": [{"word": "Hello,", "start": 0.1, "end": 0.4}],
        },
        {"role": "user", "content": "Can I book a maintenance visit?"},
    ],
    recording_ref="file:acme/call_abc123.wav",
)

EXAMPLE_SUMMARY = {
    "call_id": "call_abc123",
    "direction": "inbound",
    "from_number": "+15551234567",
    "to_number": "+15559876543",
    "started_at": "2025-01-15T18:22:04.000Z",
    "duration_seconds": 82,
    "status": "ended",
    "sentiment": "positive",
    "summary": "Caller booked an HVAC maintenance appointment for Thursday.",
    "tags": ["booking"],
    "booked": True,
}


def call(call_id: str, started_at: int, **fields: Any) -> CallRecord:
    return CallRecord(
        call_id=call_id,
        direction=fields.pop("direction", "inbound"),
        started_at=started_at,
        **fields,
    )


def ids(response: httpx.Response) -> list[str]:
    return [item["call_id"] for item in response.json()["calls"]]


# --- the list -----------------------------------------------------------------------------


async def test_list_has_every_field_of_the_documents_example(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [EXAMPLE])
    response = await client.get(f"{CALLS}?limit=10", headers=account.headers)
    assert response.status_code == 200
    openapi.check(response)
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    body = response.json()
    assert body == {
        "ok": True,
        "count": 1,
        "calls": [EXAMPLE_SUMMARY],
        "has_more": False,
        "next_cursor": None,
    }
    assert list(body) == ["ok", "count", "calls", "has_more", "next_cursor"]
    assert list(body["calls"][0]) == list(EXAMPLE_SUMMARY)
    assert "recording" not in response.text
    assert "transcript" not in response.text


async def test_list_of_an_account_without_calls_is_empty(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    response = await client.get(CALLS, headers=account.headers)
    openapi.check(response)
    assert response.json() == {
        "ok": True,
        "count": 0,
        "calls": [],
        "has_more": False,
        "next_cursor": None,
    }


async def test_null_fields_are_null_and_milliseconds_are_kept(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(
        account, [call("call_bare", 1_700_000_000_007, direction="outbound", status="ongoing")]
    )
    response = await client.get(CALLS, headers=account.headers)
    openapi.check(response)
    assert response.json()["calls"] == [
        {
            "call_id": "call_bare",
            "direction": "outbound",
            "from_number": None,
            "to_number": None,
            "started_at": "2023-11-14T22:13:20.007Z",
            "duration_seconds": 0,
            "status": "ongoing",
            "sentiment": None,
            "summary": None,
            "tags": [],
            "booked": False,
        }
    ]


async def test_without_after_the_newest_calls_come_first(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [call(f"call_{n:02}", STARTED + n * 1000) for n in range(60)])
    response = await client.get(CALLS, headers=account.headers)
    openapi.check(response)
    body = response.json()
    assert body["count"] == 50
    assert ids(response) == [f"call_{n:02}" for n in range(59, 9, -1)]
    assert body["has_more"] is True
    assert isinstance(body["next_cursor"], str)

    response = await client.get(f"{CALLS}?limit=10", headers=account.headers)
    assert ids(response) == [f"call_{n:02}" for n in range(59, 49, -1)]
    response = await client.get(f"{CALLS}?limit=200", headers=account.headers)
    assert response.json()["count"] == 60
    assert response.json()["has_more"] is False
    assert response.json()["next_cursor"] is None


async def test_with_after_strictly_later_calls_come_oldest_first(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [call(f"call_{n}", STARTED + n) for n in range(5)] + [call("call_2b", STARTED + 2)],
    )
    response = await client.get(f"{CALLS}?after={STARTED + 2}", headers=account.headers)
    openapi.check(response)
    body = response.json()
    assert ids(response) == ["call_3", "call_4"]
    assert body["has_more"] is False
    assert isinstance(body["next_cursor"], str), "forward pages always carry a cursor"

    response = await client.get(f"{CALLS}?after={STARTED + 1}&limit=2", headers=account.headers)
    assert ids(response) == ["call_2", "call_2b"]
    assert response.json()["has_more"] is True

    response = await client.get(f"{CALLS}?after={STARTED + 4}", headers=account.headers)
    assert response.json()["calls"] == []
    assert isinstance(response.json()["next_cursor"], str)

    response = await client.get(f"{CALLS}?after=0&limit=1", headers=account.headers)
    assert ids(response) == ["call_0"]


async def _filter_fixture(add_calls: AddCalls, account: TestAccount) -> None:
    records = [
        call("in_pos_booked", STARTED + 1, sentiment="positive", booked=True, tags=["booking"]),
        call("in_neu", STARTED + 2, sentiment="neutral", tags=["pricing", "hours"]),
        call(
            "out_neg", STARTED + 3, direction="outbound", sentiment="negative", tags=["complaint"]
        ),
        call("in_unknown_ongoing", STARTED + 4, status="ongoing"),
        call("out_error", STARTED + 5, direction="outbound", status="error", tags=["booking"]),
        call("in_pos", STARTED + 6, sentiment="positive", tags=["hours"]),
        call(
            "out_pos_booked",
            STARTED + 7,
            direction="outbound",
            sentiment="positive",
            booked=True,
            tags=["booking", "follow-up"],
        ),
    ]
    await add_calls(account, records)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("direction=inbound", ["in_pos", "in_unknown_ongoing", "in_neu", "in_pos_booked"]),
        ("direction=outbound", ["out_pos_booked", "out_error", "out_neg"]),
        ("status=ongoing", ["in_unknown_ongoing"]),
        ("status=error", ["out_error"]),
        ("status=ended", ["out_pos_booked", "in_pos", "out_neg", "in_neu", "in_pos_booked"]),
        ("sentiment=positive", ["out_pos_booked", "in_pos", "in_pos_booked"]),
        ("sentiment=neutral", ["in_neu"]),
        ("sentiment=negative", ["out_neg"]),
        ("sentiment=unknown", ["out_error", "in_unknown_ongoing"]),
        ("booked=true", ["out_pos_booked", "in_pos_booked"]),
        ("booked=false", ["in_pos", "out_error", "in_unknown_ongoing", "out_neg", "in_neu"]),
        ("tag=booking", ["out_pos_booked", "out_error", "in_pos_booked"]),
        ("tag=BOOKING", ["out_pos_booked", "out_error", "in_pos_booked"]),
        ("tag=book", []),
        ("tag=follow-up", ["out_pos_booked"]),
        (f"before={STARTED + 3}", ["in_neu", "in_pos_booked"]),
        (f"before={STARTED + 1}", []),
        ("direction=inbound&sentiment=positive", ["in_pos", "in_pos_booked"]),
        ("direction=outbound&booked=true&tag=booking", ["out_pos_booked"]),
        ("tag=hours&sentiment=neutral", ["in_neu"]),
        (f"tag=booking&before={STARTED + 7}", ["out_error", "in_pos_booked"]),
        ("status=ended&sentiment=unknown", []),
        # Filters apply to forward pages as well.
        (f"after={STARTED + 1}&direction=inbound", ["in_neu", "in_unknown_ongoing", "in_pos"]),
        (f"after={STARTED}&before={STARTED + 4}&booked=false", ["in_neu", "out_neg"]),
    ],
)
async def test_filters_select_and_combine(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
    query: str,
    expected: list[str],
) -> None:
    account = await make_account()
    await _filter_fixture(add_calls, account)
    response = await client.get(f"{CALLS}?{query}", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


async def test_cursor_overrides_after_before_and_filters(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await _filter_fixture(add_calls, account)
    first = await client.get(f"{CALLS}?direction=inbound&limit=2", headers=account.headers)
    assert ids(first) == ["in_pos", "in_unknown_ongoing"]
    cursor = first.json()["next_cursor"]

    response = await client.get(
        f"{CALLS}?cursor={cursor}&direction=outbound&sentiment=negative&tag=x"
        f"&after={STARTED + 6}&before={STARTED + 1}&limit=5",
        headers=account.headers,
    )
    openapi.check(response)
    assert ids(response) == ["in_neu", "in_pos_booked"]
    assert response.json()["has_more"] is False
    assert response.json()["next_cursor"] is None

    forward = await client.get(f"{CALLS}?after=0&tag=booking&limit=1", headers=account.headers)
    assert ids(forward) == ["in_pos_booked"]
    response = await client.get(
        f"{CALLS}?cursor={forward.json()['next_cursor']}&tag=hours", headers=account.headers
    )
    assert ids(response) == ["out_error", "out_pos_booked"]


# --- the detail ---------------------------------------------------------------------------

EXAMPLE_DETAIL = {
    "call_id": "call_abc123",
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
    "transcript": "AI: Hello, Acme HVAC, how can I help?\nCaller: Can I book a maintenance visit?",
    "transcript_object": [
        {
            "role": "agent",
            "content": "Hello, Acme HVAC, how can I help?",
            "words": [{"word": "Hello,", "start": 0.1, "end": 0.4}],
        },
        {"role": "user", "content": "Can I book a maintenance visit?"},
    ],
    "recording_url": "/api/v1/calls/call_abc123/recording",
    "tags": ["booking"],
    "booked": True,
    "questions": [],
}


async def test_detail_has_every_field_of_the_documents_example(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [EXAMPLE])
    response = await client.get(f"{CALLS}/call_abc123", headers=account.headers)
    assert response.status_code == 200
    openapi.check(response)
    assert response.json() == {"ok": True, "call": EXAMPLE_DETAIL}
    assert "file:" not in response.text
    assert "acme/call_abc123.wav" not in response.text
    assert "recording_ref" not in response.text
    assert not any("call_abc123.wav" in value for value in response.headers.values())


async def test_detail_without_recording_or_analysis_has_nulls(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [call("call_live", STARTED, status="ongoing")])
    response = await client.get(f"{CALLS}/call_live", headers=account.headers)
    openapi.check(response)
    assert response.json() == {
        "ok": True,
        "call": {
            "call_id": "call_live",
            "direction": "inbound",
            "from_number": None,
            "to_number": None,
            "started_at": "2025-01-15T18:22:04.000Z",
            "ended_at": None,
            "duration_seconds": 0,
            "status": "ongoing",
            "disconnection_reason": None,
            "sentiment": None,
            "summary": None,
            "transcript": None,
            "transcript_object": None,
            "recording_url": None,
            "tags": [],
            "booked": False,
            "questions": [],
        },
    }


async def test_call_ids_with_url_special_characters_round_trip(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [call("call with space+plus", STARTED)])
    response = await client.get(f"{CALLS}/call%20with%20space%2Bplus", headers=account.headers)
    assert response.status_code == 200
    openapi.check(response)
    assert response.json()["call"]["call_id"] == "call with space+plus"


# --- tenant isolation (property-based) ----------------------------------------------------


@pytest.fixture
async def roomy_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose keys are allowed many requests a minute (same database)."""
    async with client_for(settings.model_copy(update={"rate_limit_per_minute": 100_000})) as http:
        yield http


def write_wav(path: Path, label: str) -> bytes:
    """A short WAV file whose samples are derived from `label`: no two labels sound alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(hashlib.sha256(label.encode()).digest() * 4)
    return path.read_bytes()


SHARED = {
    "call_id": "call_0",
    "started_at": STARTED,
    "direction": "inbound",
    "sentiment": None,
    "booked": False,
    "tags": [],
    "with_recording": True,
}
"""A call id both accounts always hold, each with its own recording."""


call_shapes = st.builds(
    dict,
    call_id=st.sampled_from([f"call_{n}" for n in range(8)]),
    started_at=st.integers(STARTED, STARTED + 5),
    direction=st.sampled_from(["inbound", "outbound"]),
    sentiment=st.sampled_from(["positive", "neutral", "negative", None]),
    booked=st.booleans(),
    tags=st.lists(st.sampled_from(["booking", "hours", "pricing"]), unique=True, max_size=2),
    with_recording=st.booleans(),
)
call_lists = st.lists(call_shapes, max_size=10, unique_by=lambda shape: shape["call_id"]).map(
    lambda shapes: [shape for shape in shapes if shape["call_id"] != SHARED["call_id"]] + [SHARED]
)
queries = st.fixed_dictionaries(
    {},
    optional={
        "limit": st.integers(1, 4),
        "direction": st.sampled_from(["inbound", "outbound"]),
        "sentiment": st.sampled_from(["positive", "unknown"]),
        "booked": st.sampled_from(["true", "false"]),
        "tag": st.sampled_from(["booking", "hours"]),
        "after": st.integers(STARTED - 1, STARTED + 5),
    },
)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ours=call_lists, theirs=call_lists, query=queries)
async def test_no_response_shows_another_accounts_calls(
    roomy_client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    settings: Settings,
    ours: list[dict[str, Any]],
    theirs: list[dict[str, Any]],
    query: dict[str, Any],
) -> None:
    accounts = [await make_account(name="Ours"), await make_account(name="Theirs")]
    audio: dict[tuple[str, str], bytes] = {}
    for account, shapes in zip(accounts, (ours, theirs), strict=True):
        records = []
        for shape in shapes:
            fields = dict(shape)
            reference = None
            if fields.pop("with_recording"):
                relative = f"{account.id}/{fields['call_id']}.wav"
                label = f"{account.id}:{fields['call_id']}"
                audio[account.id, fields["call_id"]] = write_wav(
                    settings.recordings_dir / relative, label
                )
                reference = f"file:{relative}"
            records.append(
                CallRecord(
                    **fields, summary=f"{account.id}:{fields['call_id']}", recording_ref=reference
                )
            )
        await add_calls(account, records)

    for account, shapes in zip(accounts, (ours, theirs), strict=True):
        own = {shape["call_id"]: shape for shape in shapes}
        # Every page of the list, following cursors.
        seen: list[str] = []
        params = {key: str(value) for key, value in query.items()}
        while True:
            response = await roomy_client.get(CALLS, params=params, headers=account.headers)
            assert response.status_code == 200
            body = response.json()
            for item in body["calls"]:
                assert item["summary"] == f"{account.id}:{item['call_id']}"
                assert item["call_id"] in own
            seen += ids(response)
            if not body["has_more"]:
                break
            params = {"cursor": body["next_cursor"], "limit": params.get("limit", "50")}
        assert len(seen) == len(set(seen))

        # Details and recordings: one's own calls, never the other's.
        for call_id in {f"call_{n}" for n in range(8)}:
            detail = await roomy_client.get(f"{CALLS}/{call_id}", headers=account.headers)
            recording = await roomy_client.get(
                f"{CALLS}/{call_id}/recording", headers=account.headers
            )
            if call_id not in own:
                assert detail.status_code == 404
                assert recording.status_code == 404
                continue
            assert detail.status_code == 200
            assert detail.json()["call"]["summary"] == f"{account.id}:{call_id}"
            if own[call_id]["with_recording"]:
                assert recording.status_code == 200
                assert recording.content == audio[account.id, call_id]
                assert detail.json()["call"]["recording_url"] == f"{CALLS}/{call_id}/recording"
            else:
                assert recording.status_code == 404
                assert detail.json()["call"]["recording_url"] is None
