"""Delivering the outbox to a real receiver: the request byte for byte, the retry schedule
(by moving the clock, not by sleeping), and every way a receiver can fail."""

import itertools
from datetime import timedelta

import orjson
import pytest
from sqlalchemy import select, update
from standardwebhooks import Webhook

from humanadd.audit.models import AuditEvent
from humanadd.config import Settings
from humanadd.db import utcnow
from humanadd.dependencies import Services
from humanadd.webhooks import delivery, service
from humanadd.webhooks.models import WebhookEndpoint
from tests.conftest import Cli, TestAccount
from tests.webhooks.conftest import (
    PAYLOAD,
    attempt_due,
    attempts_of,
    run_until_settled,
    the_delivery,
)
from tests.webhooks.receiver import Answer, Receiver


async def test_the_request_is_the_documented_event_signed_and_with_the_customer_secret(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)

    (received,) = receiver.received
    expected = {
        **PAYLOAD,
        "recording_url": "https://api.humanadd.test/api/v1/calls/call_hook/recording",
    }
    assert received.body == orjson.dumps(expected)
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"].startswith("humanadd-webhooks/")
    assert received.headers["x-webhook-secret"] == "cust-secret-42"
    assert received.headers["webhook-id"].startswith("msg_")
    async with services.sessions() as session:
        config = await service.show(session, hooked.id)
    (secret,) = config.signing_secrets
    assert Webhook(secret.secret).verify(received.body, received.headers) == expected
    done = await the_delivery(services, hooked)
    assert (done.status, done.attempts, done.lease_expires_at) == ("delivered", 1, None)
    (attempt,) = await attempts_of(services, done.id)
    assert (attempt.trigger, attempt.status_code, attempt.error, attempt.response_body) == (
        "scheduled",
        200,
        None,
        "ok",
    )


@pytest.mark.answers(Answer(500), Answer(503), Answer(500), Answer(200))
async def test_a_receiver_that_fails_three_times_gets_it_on_the_fourth_with_the_same_id(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    moments = await run_until_settled(services, settings, hooked)
    delivered = await the_delivery(services, hooked)

    assert len(receiver.received) == 4
    assert len({request.headers["webhook-id"] for request in receiver.received}) == 1
    errors = [attempt.error for attempt in await attempts_of(services, delivered.id)]
    assert errors == [
        "HTTP 500 Internal Server Error",
        "HTTP 503 Service Unavailable",
        "HTTP 500 Internal Server Error",
        None,
    ]
    gaps = [later - earlier for earlier, later in itertools.pairwise(moments)]
    for gap, planned in zip(gaps, (5_000, 300_000, 1_800_000), strict=True):
        assert planned * 0.8 <= gap <= planned * 1.2
    assert delivered.status == "delivered"


@pytest.mark.answers(Answer(500))
async def test_after_eight_failures_over_about_27_hours_the_delivery_fails(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    moments = await run_until_settled(services, settings, hooked)

    assert len(receiver.received) == 8
    hours = (moments[-1] - moments[0]) / 3_600_000
    assert 27.5 * 0.8 < hours < 27.5 * 1.2
    failed = await the_delivery(services, hooked)
    assert (failed.status, failed.attempts) == ("failed", 8)


@pytest.mark.answers(
    Answer(301, b"", headers={"location": "http://127.0.0.1:1/elsewhere"}), Answer(200)
)
async def test_a_redirect_is_not_followed_but_a_failure(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)

    assert len(receiver.received) == 2
    first, second = await attempts_of(services, (await the_delivery(services, hooked)).id)
    assert [(first.status_code, first.error), (second.status_code, second.error)] == [
        (301, "HTTP 301 Moved Permanently: redirect not followed"),
        (200, None),
    ]


@pytest.mark.answers(Answer(200, b"x" * 10_000_000))
async def test_only_4_kb_of_a_huge_answer_is_read(
    services: Services, settings: Settings, hooked: TestAccount
) -> None:
    await run_until_settled(services, settings, hooked)

    (attempt,) = await attempts_of(services, (await the_delivery(services, hooked)).id)
    assert attempt.response_body == "x" * 4096


@pytest.mark.answers(Answer(200, delay=3.0))
async def test_a_receiver_that_hangs_times_out_and_is_retried_a_minute_later(
    services: Services, settings: Settings, hooked: TestAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "TOTAL_TIMEOUT_SECONDS", 0.5)
    due = (await the_delivery(services, hooked)).next_attempt_at
    await attempt_due(services, settings, now=due)

    pending = await the_delivery(services, hooked)
    (attempt,) = await attempts_of(services, pending.id)
    assert (attempt.status_code, attempt.error) == (None, "timed out after 0.5 s")
    assert pending.status == "pending"
    assert pending.next_attempt_at - due >= 60_000


@pytest.mark.answers(Answer(429, headers={"Retry-After": "120"}))
async def test_a_429_waits_for_retry_after(
    services: Services, settings: Settings, hooked: TestAccount
) -> None:
    due = (await the_delivery(services, hooked)).next_attempt_at
    await attempt_due(services, settings, now=due)
    assert (await the_delivery(services, hooked)).next_attempt_at - due >= 120_000


@pytest.mark.answers(Answer(410))
async def test_a_410_disables_the_endpoint(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)

    assert len(receiver.received) == 1
    assert (await the_delivery(services, hooked)).status == "failed"
    async with services.sessions() as session:
        endpoint = await session.get(WebhookEndpoint, hooked.id)
    assert endpoint is not None
    assert (endpoint.enabled, endpoint.disabled_reason) == (False, "the endpoint answered 410 Gone")


@pytest.mark.answers(Answer(500))
async def test_five_days_of_nothing_but_failures_disable_the_endpoint(
    services: Services, settings: Settings, hooked: TestAccount
) -> None:
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == hooked.id)
            .values(failing_since=utcnow() - timedelta(days=5, minutes=1))
        )
    due = (await the_delivery(services, hooked)).next_attempt_at
    await attempt_due(services, settings, now=due)

    async with services.sessions() as session:
        endpoint = await session.get(WebhookEndpoint, hooked.id)
    assert endpoint is not None
    assert (endpoint.enabled, endpoint.disabled_reason) == (
        False,
        "nothing but failures for 5 days",
    )
    async with services.sessions() as session:
        audited = await session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.details).where(
                AuditEvent.account_id == hooked.id, AuditEvent.action == "webhook.disabled"
            )
        )
        assert tuple(audited.one()) == (
            "webhook.disabled",
            "worker",
            {"reason": "nothing but failures for 5 days"},
        )


async def test_a_private_address_is_refused_at_delivery_time_too(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    due = (await the_delivery(services, hooked)).next_attempt_at
    await attempt_due(services, strict, now=due)

    assert receiver.received == []
    (attempt,) = await attempts_of(services, (await the_delivery(services, hooked)).id)
    assert attempt.error == "destination refused: it resolves to a loopback address (127.0.0.1)"


async def test_redeliver_sends_the_same_event_again_as_a_manual_attempt(
    cli: Cli, services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)
    first = await the_delivery(services, hooked)

    result = await cli("webhooks", "redeliver", first.id, "--json")
    assert result.exit_code == 0, result.stderr
    assert await attempt_due(services, settings) == 1

    assert [r.headers["webhook-id"] for r in receiver.received] == [
        receiver.received[0].headers["webhook-id"]
    ] * 2
    log = orjson.loads((await cli("webhooks", "deliveries", hooked.id, "--json")).stdout)
    assert [(item["trigger"], item["status"]) for item in log] == [
        ("manual", "delivered"),
        ("scheduled", "delivered"),
    ]
    assert log[0]["delivery_id"] == orjson.loads(result.stdout)["delivery_id"]
    assert [(a["trigger"], a["status_code"]) for a in log[0]["attempts"]] == [("manual", 200)]


async def test_the_test_command_goes_through_the_outbox(
    cli: Cli, services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)
    result = await cli("webhooks", "test", hooked.id, "--json")
    assert result.exit_code == 0, result.stderr
    await attempt_due(services, settings)

    body = orjson.loads(receiver.received[-1].body)
    assert (body["event"], body["account_id"]) == ("test", hooked.id)
    assert receiver.received[-1].headers["webhook-id"] == orjson.loads(result.stdout)["event_id"]


@pytest.mark.answers(Answer(500))
async def test_recover_queues_failed_events_again(
    cli: Cli, services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    await run_until_settled(services, settings, hooked)
    assert (await the_delivery(services, hooked)).status == "failed"
    receiver.answers = [Answer(200)]  # the customer's endpoint is back

    since = (utcnow() - timedelta(hours=1)).isoformat()
    result = await cli("webhooks", "recover", hooked.id, "--since", since, "--json")
    assert result.exit_code == 0, result.stderr
    (queued,) = orjson.loads(result.stdout)["queued"]
    await attempt_due(services, settings)

    log = orjson.loads((await cli("webhooks", "deliveries", hooked.id, "--json")).stdout)
    assert (log[0]["delivery_id"], log[0]["status"]) == (queued, "delivered")
    again = await cli("webhooks", "recover", hooked.id, "--since", since, "--json")
    assert orjson.loads(again.stdout)["queued"] == []  # nothing failed is left


async def test_a_name_resolving_to_a_private_address_is_refused_when_connecting(
    services: Services, settings: Settings, hooked: TestAccount, receiver: Receiver
) -> None:
    """The check runs on the addresses the connection is made to: a name that resolves to a
    loopback address (here `localhost`, through /etc/hosts) gets nothing sent."""
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.account_id == hooked.id)
            .values(url=f"http://localhost:{receiver.port}/hooks")
        )
    strict = settings.model_copy(update={"webhooks_allow_private": False})
    due = (await the_delivery(services, hooked)).next_attempt_at
    await attempt_due(services, strict, now=due)

    assert receiver.received == []
    (attempt,) = await attempts_of(services, (await the_delivery(services, hooked)).id)
    assert attempt.error == "destination refused: it resolves to a loopback address (127.0.0.1)"
