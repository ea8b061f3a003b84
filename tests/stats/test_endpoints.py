"""GET /api/v1/stats over HTTP: the exact body, the period, validation, auth and tenancy."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from humanadd.dependencies import Services
from humanadd.stats.endpoints import request_time_ms
from humanadd.stats.repository import MS_PER_DAY
from tests.conftest import AddCalls, MakeAccount
from tests.openapi_check import OpenApiChecker
from tests.stats.builders import at, call
from tests.topics import topic_named

NOW = at("2026-11-15T12:00:00Z")  # a Sunday
EMPTY_STATS = {
    "totalCalls": 0,
    "avgDuration": "0:00",
    "answered": 0,
    "missed": 0,
    "inbound": 0,
    "outbound": 0,
    "sentimentDistribution": {"positive": 0, "neutral": 0, "negative": 0},
    "busiestDay": None,
    "peakHours": None,
    "topQuestions": [],
}


@pytest.fixture(autouse=True)
def pinned_now(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[request_time_ms] = lambda: NOW
    yield
    app.dependency_overrides.pop(request_time_ms, None)


async def test_stats_of_an_account_without_calls(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    response = await client.get("/api/v1/stats", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    assert response.json() == {"ok": True, "period_days": 30, "stats": EMPTY_STATS}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert response.headers["X-Request-Id"]


async def test_stats_body_has_every_field_of_the_document(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account(timezone="America/New_York")
    await add_calls(
        account,
        [
            # Tuesday 9:15am, 10:15am, 11:15am EST
            call(
                "2026-11-10T14:15:00Z",
                duration_seconds=80,
                sentiment="positive",
                questions=["What are your hours?", "Do you service furnaces?"],
            ),
            call(
                "2026-11-10T15:15:00Z",
                duration_seconds=85,
                sentiment="positive",
                questions=["what are your hours"],
            ),
            call(
                "2026-11-10T16:15:00Z",
                duration_seconds=0,
                disconnection_reason="dial_no_answer",
                direction="outbound",
            ),
            # Monday 8:59pm EST
            call(
                "2026-11-10T01:59:00Z",
                duration_seconds=3000,
                disconnection_reason="voicemail_reached",
                sentiment="neutral",
            ),
            call("2026-10-10T12:00:00Z", sentiment="negative"),  # before the 30 days
        ],
    )
    response = await client.get("/api/v1/stats?days=30", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    assert response.json() == {
        "ok": True,
        "period_days": 30,
        "stats": {
            "totalCalls": 4,
            "avgDuration": "1:23",  # (80 + 85) / 2 = 82.5 → 83
            "answered": 2,
            "missed": 2,
            "inbound": 3,
            "outbound": 1,
            "sentimentDistribution": {"positive": 2, "neutral": 1, "negative": 0},
            "busiestDay": "Tuesday",
            "peakHours": "9am - 12pm",
            "topQuestions": [
                {
                    "question": "What are your hours?",
                    "count": 2,
                    "topic_id": await topic_named(services, account.id, "What are your hours?"),
                },
                {
                    "question": "Do you service furnaces?",
                    "count": 1,
                    "topic_id": await topic_named(services, account.id, "Do you service furnaces?"),
                },
            ],
        },
    }


async def test_days_bounds_the_period_exactly(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - MS_PER_DAY),  # exactly 24 h ago: outside days=1
            call(NOW - MS_PER_DAY + 1),
            call(NOW),
            call(NOW + 1),  # in the future
            call(NOW - 365 * MS_PER_DAY + 1),
            call(NOW - 365 * MS_PER_DAY),
        ],
    )

    async def total(days: int) -> int:
        response = await client.get(f"/api/v1/stats?days={days}", headers=account.headers)
        assert response.status_code == 200, response.text
        assert response.json()["period_days"] == days
        count: int = response.json()["stats"]["totalCalls"]
        return count

    assert await total(1) == 2
    assert await total(2) == 3
    assert await total(365) == 4


async def test_stats_follow_the_account_time_zone_across_a_dst_change(
    app: FastAPI, client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    app.dependency_overrides[request_time_ms] = lambda: at("2026-03-15T00:00:00Z")
    records = [
        call("2026-03-06T14:30:00Z"),  # Friday 9:30am EST
        call("2026-03-06T15:30:00Z"),  # Friday 10:30am EST
        call("2026-03-09T13:30:00Z"),  # Monday 9:30am EDT
        call("2026-03-09T14:30:00Z"),  # Monday 10:30am EDT
        call("2026-03-09T15:30:00Z"),  # Monday 11:30am EDT
    ]
    new_york, utc = await make_account(timezone="America/New_York"), await make_account()
    await add_calls(new_york, records)
    await add_calls(utc, [call(r.started_at) for r in records])
    response = await client.get("/api/v1/stats?days=14", headers=new_york.headers)
    stats = response.json()["stats"]
    assert (stats["busiestDay"], stats["peakHours"]) == ("Monday", "9am - 12pm")
    response = await client.get("/api/v1/stats?days=14", headers=utc.headers)
    stats = response.json()["stats"]
    assert (stats["busiestDay"], stats["peakHours"]) == ("Monday", "1pm - 4pm")


async def test_peak_hours_across_midnight(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account(timezone="Europe/Berlin")
    await add_calls(
        account,
        [
            call("2026-11-12T22:10:00Z"),  # Thursday 11:10pm CET
            call("2026-11-12T23:10:00Z"),  # Friday 12:10am
            call("2026-11-13T00:10:00Z"),  # Friday 1:10am
        ],
    )
    response = await client.get("/api/v1/stats", headers=account.headers)
    stats = response.json()["stats"]
    assert (stats["busiestDay"], stats["peakHours"]) == ("Friday", "11pm - 2am")


@pytest.mark.parametrize("path", ["/api/v1/stats", "/api/v1/questions"])
@pytest.mark.parametrize("days", ["0", "366", "-1", "abc", "1.5", ""])
async def test_days_outside_1_to_365_or_not_an_integer_is_refused(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
    path: str,
    days: str,
) -> None:
    account = await make_account()
    response = await client.get(f"{path}?days={days}", headers=account.headers)
    assert response.status_code == 400
    openapi.check(response)
    body = response.json()
    assert (body["ok"], body["error"]) == (False, "invalid_request")
    assert body["message"].startswith("Invalid query parameter 'days': ")
    assert response.headers["X-Request-Id"]


async def test_authentication_is_checked_before_the_parameters(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    response = await client.get("/api/v1/stats?days=0")
    assert response.status_code == 401
    openapi.check(response)
    assert response.json()["error"] == "missing_api_key"
    starter = await make_account(plan="starter")
    response = await client.get("/api/v1/stats?days=0", headers=starter.headers)
    assert response.status_code == 403
    openapi.check(response)
    assert response.json()["error"] == "plan_not_supported"


async def test_another_accounts_calls_are_never_in_the_stats(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    mine, theirs = await make_account(name="Mine"), await make_account(name="Theirs")
    await add_calls(
        theirs,
        [
            call(NOW - 1000 * n, sentiment="negative", questions=["Is this a secret?"])
            for n in range(3)
        ],
    )
    response = await client.get("/api/v1/stats", headers=mine.headers)
    assert response.json() == {"ok": True, "period_days": 30, "stats": EMPTY_STATS}
    response = await client.get("/api/v1/stats", headers=theirs.headers)
    assert response.json()["stats"]["totalCalls"] == 3


async def test_stats_use_the_real_clock_by_default(
    app: FastAPI, client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    app.dependency_overrides.pop(request_time_ms)
    account = await make_account()
    now = request_time_ms()
    await add_calls(account, [call(now - 60_000), call(now - 31 * MS_PER_DAY)])
    response = await client.get("/api/v1/stats", headers=account.headers)
    assert response.json()["stats"]["totalCalls"] == 1
