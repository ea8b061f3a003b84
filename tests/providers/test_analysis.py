"""Our analysis of provider calls, run by the worker before the call's `call_ended` webhook:
provider values win, ours fill what is missing, and a provider value that comes later replaces
ours. Events come in through `POST /ingest/retell`, signed as Retell signs them."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import select

from humanadd.calls import analysis
from humanadd.calls.models import Call
from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks.models import WebhookEvent
from tests.conftest import Cli, RunAnalysis, TestAccount
from tests.providers.retell_fake import (
    deliver,
    ended_only,
    retell_call,
    started_only,
)
from tests.webhooks.conftest import set_pending_deliveries_aside

URL = "https://93.184.216.34/hooks"
TIMEOUT_SECONDS = 0.3
TURNS = [
    ("agent", "Thanks for calling Acme HVAC, how can I help?"),
    ("user", "hi um my furnace is making a loud noise"),
    ("agent", "I can book a technician for Thursday at 9am. Does that work?"),
    ("user", "yes that works so how much is the service call"),
    ("agent", "The service call is 89 dollars. You're all set for Thursday at 9am."),
    ("user", "great thanks"),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The provider tests' settings, with a short wait for the provider's analysis."""
    return settings.model_copy(update={"webhook_analysis_timeout_seconds": TIMEOUT_SECONDS})


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    yield
    await set_pending_deliveries_aside(services)


@pytest.fixture
async def hooked(cli: Cli, retell_account: TestAccount) -> TestAccount:
    assert (await cli("webhooks", "set", retell_account.id, "--url", URL)).exit_code == 0
    return retell_account


def a_call(call_id: str, *, analysis_given: dict[str, Any]) -> dict[str, Any]:
    return retell_call(
        call_id,
        transcript="\n".join(
            f"{'Agent' if role == 'agent' else 'User'}: {text}" for role, text in TURNS
        ),
        transcript_object=[{"role": role, "content": text} for role, text in TURNS],
        call_analysis=analysis_given,
    )


async def events(services: Services, account_id: str) -> list[dict[str, Any]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookEvent.payload).where(WebhookEvent.account_id == account_id)
        )
        return [orjson.loads(payload) for payload in rows.scalars()]


async def stored(services: Services, account_id: str, call_id: str) -> Call:
    async with services.sessions() as session:
        call = (
            await session.execute(
                select(Call).where(Call.account_id == account_id, Call.call_id == call_id)
            )
        ).scalar_one()
        session.expunge(call)
        return call


async def shown(client: httpx.AsyncClient, account: TestAccount, call_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/calls/{call_id}", headers=account.headers)
    assert response.status_code == 200
    call: dict[str, Any] = response.json()["call"]
    return call


async def test_without_the_providers_analysis_the_webhook_waits_then_carries_ours(
    client: httpx.AsyncClient, services: Services, hooked: TestAccount, run_analysis: RunAnalysis
) -> None:
    call = a_call("call_no_analysis", analysis_given={})
    await deliver(client, "call_started", started_only(call))
    await deliver(client, "call_ended", ended_only(call))

    await run_analysis()
    assert await events(services, hooked.id) == []  # waiting for the provider's analysis
    await asyncio.sleep(TIMEOUT_SECONDS + 0.1)
    await run_analysis()

    (event,) = await events(services, hooked.id)
    detail = await shown(client, hooked, "call_no_analysis")
    assert event["sentiment"] == detail["sentiment"]
    assert event["sentiment"] in ("positive", "neutral")
    assert event["summary"] == detail["summary"]
    assert "confirmed the booking" in event["summary"]
    assert detail["booked"] is True
    assert "booking" in detail["tags"]
    assert "pricing" in detail["tags"]
    row = await stored(services, hooked.id, "call_no_analysis")
    assert row.computed_fields == ["sentiment", "summary", "tags", "booked"]
    assert (row.analysis_due_at, row.notify_when_analysed) == (None, False)

    await run_analysis()  # once only
    assert len(await events(services, hooked.id)) == 1


async def test_provider_values_win_and_ours_fill_only_what_it_left_empty(
    client: httpx.AsyncClient, services: Services, hooked: TestAccount, run_analysis: RunAnalysis
) -> None:
    given = {"call_summary": "Furnace noise; visit booked.", "user_sentiment": "Negative",
             "custom_analysis_data": {"booked": False}}  # fmt: skip
    call = a_call("call_partial", analysis_given=given)
    await deliver(client, "call_ended", ended_only(call))
    await deliver(client, "call_analyzed", call)

    await run_analysis()

    detail = await shown(client, hooked, "call_partial")
    assert (detail["sentiment"], detail["summary"], detail["booked"]) == (
        "negative",
        "Furnace noise; visit booked.",
        False,  # the provider said so, even though our analysis would say true
    )
    assert "booking" in detail["tags"]  # it sent no tags: ours
    (event,) = await events(services, hooked.id)
    assert (event["sentiment"], event["summary"]) == ("negative", "Furnace noise; visit booked.")
    row = await stored(services, hooked.id, "call_partial")
    assert row.computed_fields == ["tags"]


async def test_the_providers_analysis_arriving_late_replaces_ours(
    client: httpx.AsyncClient, services: Services, hooked: TestAccount, run_analysis: RunAnalysis
) -> None:
    call = a_call("call_late", analysis_given={"user_sentiment": "Negative"})
    await deliver(client, "call_ended", ended_only(call))
    await asyncio.sleep(TIMEOUT_SECONDS + 0.1)
    await run_analysis()
    ours = await shown(client, hooked, "call_late")
    assert ours["sentiment"] != "negative"

    await deliver(client, "call_analyzed", call)
    await run_analysis()

    detail = await shown(client, hooked, "call_late")
    assert detail["sentiment"] == "negative"
    assert detail["summary"] == ours["summary"]  # still ours: the provider sent none
    assert detail["booked"] is True
    row = await stored(services, hooked.id, "call_late")
    assert row.computed_fields == ["summary", "tags", "booked"]
    assert len(await events(services, hooked.id)) == 1  # the webhook went out at the timeout


async def test_a_worker_that_died_holding_a_call_lets_it_go_when_its_lease_ends(
    client: httpx.AsyncClient, services: Services, hooked: TestAccount, run_analysis: RunAnalysis
) -> None:
    call = a_call("call_orphan", analysis_given={"user_sentiment": "Positive"})
    await deliver(client, "call_analyzed", call)
    row = await stored(services, hooked.id, "call_orphan")
    async with services.sessions.begin() as session:  # a worker claims it, then dies
        claimed = dict(await analysis.claim(session, now_ms(), 1000))
    assert claimed[row.id] == (await stored(services, hooked.id, "call_orphan")).analysis_due_at

    await run_analysis()
    assert await events(services, hooked.id) == []  # another worker's lease is respected

    async with services.sessions.begin() as session:  # its lease runs out
        leased = await session.get(Call, row.id)
        assert leased is not None
        leased.analysis_due_at = now_ms() - 1
    await run_analysis()

    assert [event["call_id"] for event in await events(services, hooked.id)] == ["call_orphan"]


async def test_an_event_during_an_analysis_is_analysed_again_not_lost(
    client: httpx.AsyncClient,
    services: Services,
    hooked: TestAccount,
    run_analysis: RunAnalysis,
    embedder: Any,
) -> None:
    call = a_call("call_busy", analysis_given={})
    await deliver(client, "call_ended", ended_only(call))
    async with services.sessions.begin() as session:
        # Due at once, as when the timeout has passed, and claimed by a worker.
        row = await session.get(Call, (await stored(services, hooked.id, "call_busy")).id)
        assert row is not None
        row.analysis_due_at = 0
    async with services.sessions.begin() as session:
        ((call_pk, lease),) = [
            item for item in await analysis.claim(session, now_ms(), 1000) if item[0] == row.id
        ]
    await deliver(client, "call_analyzed", a_call("call_busy", analysis_given={
        "user_sentiment": "Negative"}))  # fmt: skip

    async with services.sessions.begin() as session:
        assert await analysis.analyse_due(session, embedder, call_pk, lease) is None
    await run_analysis()

    assert (await shown(client, hooked, "call_busy"))["sentiment"] == "negative"
    (event,) = await events(services, hooked.id)
    assert event["sentiment"] == "negative"
