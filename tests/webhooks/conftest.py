import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service
from humanadd.webhooks.delivery import Sender, deliver_due
from humanadd.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.conftest import MakeAccount, TestAccount
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test receivers listen on 127.0.0.1 over plain HTTP: both allowed here only."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        webhooks_allow_insecure=True,
        webhooks_allow_private=True,
        public_url="https://api.humanadd.test",
    )


async def set_pending_deliveries_aside(services: Services) -> None:
    """Mark every pending delivery failed: the database outlives a test, and no worker of a
    later test is to send what an earlier one left."""
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(status="failed")
        )


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    yield
    await set_pending_deliveries_aside(services)


PAYLOAD: dict[str, Any] = {
    "event": "call_ended",
    "call_id": "call_hook",
    "direction": "inbound",
    "from_number": "+15551234567",
    "to_number": "+15559876543",
    "started_at": "2025-01-15T18:22:04.000Z",
    "duration_seconds": 154,
    "sentiment": "positive",
    "summary": "The caller booked a visit.",
    "transcript": "AI: Hello.\nCaller: Hi.",
    "recording_url": "/api/v1/calls/call_hook/recording",
}


@pytest.fixture
async def hooked(
    make_account: MakeAccount, services: Services, settings: Settings, receiver: Receiver
) -> TestAccount:
    """An account whose webhook is the receiver, with one call_ended event in the outbox: the
    only pending delivery (those of earlier tests are set aside: the database outlives a test)."""
    account = await make_account()
    await set_pending_deliveries_aside(services)
    async with services.sessions.begin() as session:
        await service.configure(
            session, settings, account.id, url=receiver.url, secret="cust-secret-42", actor="test"
        )
        assert await service.emit(session, account.id, "call_ended", PAYLOAD, "call_hook")
    return account


async def the_delivery(services: Services, account: TestAccount) -> WebhookDelivery:
    async with services.sessions() as session:
        return (
            await session.execute(
                select(WebhookDelivery).where(WebhookDelivery.account_id == account.id)
            )
        ).scalar_one()


async def attempts_of(services: Services, delivery_id: str) -> list[WebhookAttempt]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id)
        )
        return list(rows.scalars())


async def attempt_due(services: Services, settings: Settings, *, now: int | None = None) -> int:
    """One round of the worker's delivery at `now` (the clock by default), with a sender of
    `settings`; how many deliveries it attempted."""
    sender = Sender(settings)
    try:
        return await deliver_due(services.sessions, sender, now=now)
    finally:
        await sender.close()


async def run_until_settled(
    services: Services, settings: Settings, account: TestAccount, *, limit: int = 20
) -> list[int]:
    """Attempt the delivery each time it falls due, moving the clock there; the moments."""
    sender = Sender(settings)
    rng = random.Random(1)
    moments = []
    try:
        for _ in range(limit):
            current = await the_delivery(services, account)
            if current.status != "pending":
                break
            moments.append(current.next_attempt_at)
            assert (
                await deliver_due(services.sessions, sender, now=current.next_attempt_at, rng=rng)
                == 1
            )
    finally:
        await sender.close()
    return moments
