"""The outbox: provider events queue the call's analysis, and the worker's analysis writes one
`call_ended` webhook event per call, with its delivery, in the transaction that stores it."""

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from sqlalchemy import select

from humanadd.dependencies import Services
from humanadd.webhooks.models import WebhookDelivery, WebhookEvent
from tests.conftest import Cli, RunAnalysis, TestAccount
from tests.providers.retell_fake import (
    FakeRetell,
    deliver,
    ended_only,
    retell_call,
    started_only,
)
from tests.providers.test_sync import recent_call, run_sync
from tests.webhooks.conftest import set_pending_deliveries_aside

URL = "https://93.184.216.34/hooks"


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    """These tests' events go to a public address: set their deliveries aside afterwards, so
    that no worker of a later test tries to reach it."""
    yield
    await set_pending_deliveries_aside(services)


async def outbox(services: Services, account_id: str) -> list[tuple[WebhookEvent, WebhookDelivery]]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookEvent, WebhookDelivery)
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .where(WebhookEvent.account_id == account_id)
        )
        return [(event, delivery) for event, delivery in rows]


async def test_an_analysed_call_writes_its_call_ended_event_once(
    cli: Cli,
    client: httpx.AsyncClient,
    services: Services,
    retell_account: TestAccount,
    run_analysis: RunAnalysis,
) -> None:
    assert (await cli("webhooks", "set", retell_account.id, "--url", URL)).exit_code == 0
    call = retell_call("call_outbox")

    await deliver(client, "call_started", started_only(call))
    await deliver(client, "call_ended", ended_only(call))
    await run_analysis()
    assert await outbox(services, retell_account.id) == []  # the analysis is not in yet
    for _ in range(2):  # a retried webhook
        await deliver(client, "call_analyzed", call)
        await run_analysis()
    await deliver(client, "call_ended", ended_only(call))  # late and out of order
    await run_analysis()

    ((event, delivery),) = await outbox(services, retell_account.id)
    assert event.id.startswith("msg_")
    assert (event.type, event.call_id) == ("call_ended", "call_outbox")
    assert orjson.loads(event.payload) == {
        "event": "call_ended",
        "call_id": "call_outbox",
        "direction": "inbound",
        "from_number": "+15551234567",
        "to_number": "+15559876543",
        "started_at": "2025-01-15T18:22:04.000Z",
        "duration_seconds": 154,
        "sentiment": "positive",
        "summary": "The caller asked about heat pump service and booked a visit.",
        "transcript": "AI: Thanks for calling Acme HVAC.\nCaller: Do you service heat pumps?",
        "recording_url": "/api/v1/calls/call_outbox/recording",
    }
    assert (delivery.status, delivery.attempts, delivery.account_id) == (
        "pending",
        0,
        retell_account.id,
    )


async def test_no_event_without_a_webhook(
    client: httpx.AsyncClient,
    services: Services,
    retell_account: TestAccount,
    run_analysis: RunAnalysis,
) -> None:
    await deliver(client, "call_analyzed", retell_call("call_quiet"))
    await run_analysis()
    assert await outbox(services, retell_account.id) == []


async def test_a_call_that_sync_discovers_fires_its_event_too(
    cli: Cli,
    services: Services,
    fake_retell: FakeRetell,
    retell_account: TestAccount,
    run_analysis: RunAnalysis,
) -> None:
    assert (await cli("webhooks", "set", retell_account.id, "--url", URL)).exit_code == 0
    fake_retell.add_call(recent_call("call_found_by_sync"))  # its webhooks were all lost

    await run_sync(services, fake_retell, retell_account)
    await run_analysis()

    ((event, _),) = await outbox(services, retell_account.id)
    assert event.call_id == "call_found_by_sync"
