"""The webhook services the dashboard's Integrations tab uses: a test event sent at once,
revealing the signing secrets (audited), the endpoint's health, keeping the customer's secret."""

import random
from dataclasses import dataclass

import orjson
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from humanadd.audit.models import AuditEvent
from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service
from humanadd.webhooks.delivery import Outcome, Sender, deliver_one
from humanadd.webhooks.errors import NoWebhook, WebhookError
from humanadd.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import MakeAccount, TestAccount
from tests.webhooks.conftest import attempt_due, attempts_of, set_pending_deliveries_aside
from tests.webhooks.receiver import Answer, Receiver


@pytest.fixture
async def hooked_only(
    make_account: MakeAccount, services: Services, settings: Settings, receiver: Receiver
) -> TestAccount:
    """An account whose webhook is the receiver (with a secret of its own), nothing queued."""
    account = await make_account()
    await set_pending_deliveries_aside(services)
    async with services.sessions.begin() as session:
        await service.configure(
            session, settings, account.id, url=receiver.url, secret="cust-secret-42", actor="test"
        )
    return account


@dataclass(frozen=True)
class SentTest:
    delivery_id: str
    outcome: Outcome


async def send_now(services: Services, settings: Settings, account_id: str) -> SentTest:
    """What the dashboard's **Send test event** does: queue, commit, then send at once."""
    async with services.sessions.begin() as session:
        delivery_id = await service.queue_test_now(session, account_id)
    sender = Sender(settings)
    try:
        outcome = await deliver_one(
            services.sessions, sender, delivery_id, now=now_ms(), rng=random.Random()
        )
    finally:
        await sender.close()
    assert outcome is not None
    return SentTest(delivery_id, outcome)


@pytest.mark.answers(Answer(202, b"accepted, thanks"))
async def test_a_test_event_sent_now_arrives_signed_and_is_logged_as_a_manual_test_delivery(
    services: Services, settings: Settings, hooked_only: TestAccount, receiver: Receiver
) -> None:
    sent = await send_now(services, settings, hooked_only.id)

    assert (sent.outcome.status_code, sent.outcome.error, sent.outcome.body) == (
        202,
        None,
        "accepted, thanks",
    )
    assert sent.outcome.latency_ms >= 0
    (received,) = receiver.received
    async with services.sessions() as session:
        (secret,) = (await service.show(session, hooked_only.id)).signing_secrets
        log = await service.delivery_log(session, hooked_only.id)
    body = orjson.loads(received.body)
    assert Webhook(secret.secret).verify(received.body, received.headers) == body
    assert (body["event"], body["account_id"]) == ("test", hooked_only.id)
    assert received.headers["x-webhook-secret"] == "cust-secret-42"
    (logged,) = log
    assert (logged["delivery_id"], logged["event_type"], logged["trigger"]) == (
        sent.delivery_id,
        "test",
        "manual",
    )
    assert logged["status"] == "delivered"
    assert [(a["trigger"], a["status_code"], a["response_body"]) for a in logged["attempts"]] == [
        ("manual", 202, "accepted, thanks")
    ]
    # Delivered already: the worker finds nothing left to send.
    assert await attempt_due(services, settings) == 0
    assert len(receiver.received) == 1


@pytest.mark.answers(Answer(500), Answer(200))
async def test_a_failed_test_event_is_retried_on_the_schedule(
    services: Services, settings: Settings, hooked_only: TestAccount, receiver: Receiver
) -> None:
    sent = await send_now(services, settings, hooked_only.id)
    assert (sent.outcome.status_code, sent.outcome.error) == (500, "HTTP 500 Internal Server Error")

    async with services.sessions() as session:
        pending = await session.get(WebhookDelivery, sent.delivery_id)
    assert pending is not None
    assert (pending.status, pending.attempts, pending.lease_expires_at) == ("pending", 1, None)
    assert await attempt_due(services, settings, now=pending.next_attempt_at) == 1
    attempts = await attempts_of(services, sent.delivery_id)
    assert [(a.trigger, a.status_code) for a in attempts] == [("manual", 500), ("scheduled", 200)]


async def test_a_disabled_webhook_or_none_sends_no_test_event(
    make_account: MakeAccount, services: Services, settings: Settings, hooked_only: TestAccount,
    receiver: Receiver,
) -> None:  # fmt: skip
    async with services.sessions.begin() as session:
        await service.set_enabled(
            session, hooked_only.id, False, actor="test", reason="paused for a migration"
        )
    with pytest.raises(WebhookError, match=r"disabled \(paused for a migration\)"):
        await send_now(services, settings, hooked_only.id)
    with pytest.raises(NoWebhook):
        await send_now(services, settings, (await make_account()).id)
    assert receiver.received == []


@pytest.mark.answers(Answer(200), Answer(500), Answer(503))
async def test_health_counts_the_failures_since_the_last_success(
    services: Services, settings: Settings, hooked_only: TestAccount
) -> None:
    async with services.sessions() as session:
        fresh = await service.health(session, hooked_only.id)
    assert (fresh.enabled, fresh.consecutive_failures, fresh.last_success_at) == (True, 0, None)

    await send_now(services, settings, hooked_only.id)
    async with services.sessions() as session:
        after_success = await service.health(session, hooked_only.id)
    assert after_success.last_success_at is not None
    assert (after_success.consecutive_failures, after_success.failing_since) == (0, None)

    await send_now(services, settings, hooked_only.id)
    await send_now(services, settings, hooked_only.id)
    async with services.sessions() as session:
        failing = await service.health(session, hooked_only.id)
    assert failing.consecutive_failures == 2
    assert failing.last_success_at == after_success.last_success_at
    assert failing.failing_since is not None


async def test_revealing_the_signing_secrets_is_audited_with_the_actor(
    services: Services, hooked_only: TestAccount
) -> None:
    async with services.sessions.begin() as session:
        revealed = await service.reveal_signing_secrets(session, hooked_only.id, actor="user:3")
    (secret,) = revealed
    assert secret.secret.startswith("whsec_")
    assert service.mask_signing_secret(secret.secret) == f"whsec_…{secret.secret[-4:]}"
    async with services.sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.actor)
            .where(AuditEvent.account_id == hooked_only.id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert rows.one() == ("webhook.signing_secret_revealed", "user:3")


async def test_configure_can_keep_the_customer_secret(
    services: Services, settings: Settings, hooked_only: TestAccount, receiver: Receiver
) -> None:
    async def stored_secret() -> str | None:
        async with services.sessions() as session:
            endpoint = await session.get(WebhookEndpoint, hooked_only.id)
        assert endpoint is not None
        return endpoint.secret

    new_url = receiver.url + "?v=2"
    async with services.sessions.begin() as session:
        config = await service.configure(
            session, settings, hooked_only.id, url=new_url, secret=None, actor="t", keep_secret=True
        )
    assert (config.url, config.secret) == (new_url, "cu…42")
    assert await stored_secret() == "cust-secret-42"
    async with services.sessions.begin() as session:
        await service.configure(
            session, settings, hooked_only.id, url=new_url, secret=None, actor="t"
        )
    assert await stored_secret() is None
