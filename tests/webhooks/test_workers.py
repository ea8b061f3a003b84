"""Real `humanadd worker` processes delivering the outbox: two of them share the work without
sending any attempt twice, and one killed mid-delivery loses nothing."""

import asyncio
import random
import time
from pathlib import Path

import pytest
from sqlalchemy import Select, func, select, update

from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.db import is_sqlite
from humanadd.dependencies import Services
from humanadd.webhooks import service
from humanadd.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.conftest import MakeAccount, TestAccount
from tests.servers import start_worker, stop_worker
from tests.test_db_reconnect import terminate_other_backends
from tests.webhooks.conftest import set_pending_deliveries_aside
from tests.webhooks.receiver import Answer, Receiver

pytestmark = pytest.mark.slow


async def until_delivered(services: Services, account: TestAccount, seconds: float) -> None:
    """Wait until none of the account's deliveries is left undelivered, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while await pending(services, account) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


async def count(services: Services, statement: Select[tuple[int]]) -> int:
    async with services.sessions() as session:
        return int((await session.execute(statement)).scalar_one())


async def pending(services: Services, account: TestAccount) -> int:
    return await count(
        services,
        select(func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.account_id == account.id, WebhookDelivery.status != "delivered"),
    )


async def hooked(
    make_account: MakeAccount, services: Services, settings: Settings, receiver: Receiver
) -> TestAccount:
    """An account whose webhook is the receiver: from now on the only pending deliveries are
    its own (those of earlier tests are set aside)."""
    account = await make_account()
    await set_pending_deliveries_aside(services)
    async with services.sessions.begin() as session:
        await service.configure(
            session, settings, account.id, url=receiver.url, secret=None, actor="test"
        )
    return account


async def emit_events(services: Services, account: TestAccount, first: int, count: int) -> None:
    async with services.sessions.begin() as session:
        for number in range(first, first + count):
            payload = {"event": "call_ended", "call_id": f"call_{number}"}
            await service.emit(session, account.id, "call_ended", payload, f"call_{number}")


@pytest.mark.answers(Answer(200, delay=0.05))
async def test_two_workers_deliver_300_events_each_exactly_once(
    make_account: MakeAccount,
    services: Services,
    settings: Settings,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    account = await hooked(make_account, services, settings, receiver)
    workers = [await start_worker(settings, tmp_path / f"worker-{n}.log") for n in range(2)]
    try:
        await asyncio.sleep(3)  # both are polling the outbox
        rng = random.Random(7)
        for batch in range(30):  # in small batches at uneven times, so both claim some
            await emit_events(services, account, batch * 10, 10)
            await asyncio.sleep(rng.uniform(0.05, 0.35))
        await until_delivered(services, account, 120)
    finally:
        for worker in workers:
            await stop_worker(worker)

    assert await pending(services, account) == 0
    ids = [request.headers["webhook-id"] for request in receiver.received]
    assert len(ids) == 300
    assert len(set(ids)) == 300
    logs = [(tmp_path / f"worker-{n}.log").read_text() for n in range(2)]
    assert all('"message":"webhook attempt"' in log for log in logs), "both workers took a share"


@pytest.mark.answers(Answer(200, delay=30.0), Answer(200))
async def test_a_worker_killed_mid_delivery_loses_nothing(
    make_account: MakeAccount,
    services: Services,
    settings: Settings,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    account = await hooked(make_account, services, settings, receiver)
    await emit_events(services, account, 0, 1)
    first = await start_worker(settings, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 60
        while not receiver.received and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert receiver.received, "the first worker never sent"
    finally:
        first.kill()  # kill -9, in the middle of the request
        await first.wait()
    assert await pending(services, account) == 1

    async with services.sessions.begin() as session:  # its lease runs out (without waiting)
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.account_id == account.id)
            .values(lease_expires_at=now_ms() - 1)
        )
    second = await start_worker(settings, tmp_path / "second.log")
    try:
        await until_delivered(services, account, 60)
    finally:
        await stop_worker(second)

    assert await pending(services, account) == 0
    assert len(receiver.received) == 2
    assert receiver.received[0].headers["webhook-id"] == receiver.received[1].headers["webhook-id"]


async def test_a_database_restart_loses_nothing(
    make_account: MakeAccount,
    services: Services,
    settings: Settings,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    if is_sqlite(settings.database_url):
        pytest.skip("PostgreSQL only: SQLite has no server to restart")
    account = await hooked(make_account, services, settings, receiver)
    worker = await start_worker(settings, tmp_path / "worker.log")
    try:
        await emit_events(services, account, 0, 20)
        await asyncio.sleep(1)
        # Every connection to the database dropped at once, the worker's included, as a
        # restart of the server does.
        assert await terminate_other_backends(settings.database_url) >= 1
        await services.engine.dispose()
        await emit_events(services, account, 20, 20)
        await until_delivered(services, account, 60)
        assert worker.returncode is None, "the worker survived"
    finally:
        await stop_worker(worker)

    assert await pending(services, account) == 0
    assert {request.headers["webhook-id"] for request in receiver.received} == set(
        await event_ids(services, account)
    )
    assert len(await event_ids(services, account)) == 40


async def event_ids(services: Services, account: TestAccount) -> list[str]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookEvent.id).where(WebhookEvent.account_id == account.id)
        )
        return list(rows.scalars())


async def test_a_receiver_restart_loses_nothing(
    make_account: MakeAccount,
    services: Services,
    settings: Settings,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    account = await hooked(make_account, services, settings, receiver)
    port = receiver.port
    receiver.stop()  # the customer's endpoint is down
    worker = await start_worker(settings, tmp_path / "worker.log")
    back = Receiver()
    try:
        await emit_events(services, account, 0, 3)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and await failed_attempts(services, account) < 3:
            await asyncio.sleep(0.1)
        assert await failed_attempts(services, account) >= 3  # refused while it was down
        back.start(port)  # and back up: the retries 5 s later get through
        await until_delivered(services, account, 30)
    finally:
        await stop_worker(worker)
        back.stop()

    assert await pending(services, account) == 0
    assert len({request.headers["webhook-id"] for request in back.received}) == 3


async def failed_attempts(services: Services, account: TestAccount) -> int:
    return await count(
        services,
        select(func.count())
        .select_from(WebhookAttempt)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(WebhookDelivery.account_id == account.id, WebhookAttempt.status_code.is_(None)),
    )
