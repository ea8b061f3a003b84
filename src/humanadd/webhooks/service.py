"""Configuring an account's webhooks, and writing events to the outbox.

An event is written in the same transaction as the change that causes it, with one delivery
for the account's endpoint; `humanadd worker` sends it (docs/webhooks.md). One `call_ended` per
call, written by the worker once it has analysed the ended call (`calls.analysis`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.audit import service as audit
from humanadd.calls.records import CallRecord
from humanadd.calls.service import recording_path
from humanadd.clock import iso_from_datetime, iso_from_ms, now_ms
from humanadd.config import Settings
from humanadd.db import utcnow
from humanadd.ids import new_id
from humanadd.webhooks import repository
from humanadd.webhooks.destinations import check_destination
from humanadd.webhooks.errors import (
    NoSuchDelivery,
    NoWebhook,
    RefusedDestination,
    RefusedWebhookUrl,
    WebhookError,
)
from humanadd.webhooks.models import WebhookEndpoint, WebhookSigningSecret
from humanadd.webhooks.signing import PREFIX, new_secret

ROTATION_OVERLAP = timedelta(hours=24)
"""After a rotation the old signing secret signs too, for this long."""
MAX_SECRET_LENGTH = 255


@dataclass(frozen=True)
class SigningSecret:
    secret: str
    expires_at: str | None


@dataclass(frozen=True)
class WebhookConfig:
    account_id: str
    url: str
    enabled: bool
    secret: str | None
    """Masked."""
    signing_secrets: list[SigningSecret]


def mask(secret: str | None) -> str | None:
    """The customer's secret as it may be shown back: its ends only."""
    if secret is None:
        return None
    return f"{secret[:2]}…{secret[-2:]}" if len(secret) >= 10 else "…"


def mask_signing_secret(secret: str) -> str:
    """A signing secret as the dashboard shows it until revealed: `whsec_…` and its last four."""
    return f"{PREFIX}…{secret[-4:]}"


async def _config(session: AsyncSession, endpoint: WebhookEndpoint) -> WebhookConfig:
    secrets = await repository.signing_secrets(session, endpoint.account_id, utcnow())
    return WebhookConfig(
        account_id=endpoint.account_id,
        url=endpoint.url,
        enabled=endpoint.enabled,
        secret=mask(endpoint.secret),
        signing_secrets=[
            SigningSecret(row.secret, iso_from_datetime(row.expires_at)) for row in secrets
        ],
    )


async def _require_endpoint(session: AsyncSession, account_id: str) -> WebhookEndpoint:
    await accounts.require(session, account_id)
    endpoint = await repository.endpoint(session, account_id)
    if endpoint is None:
        raise NoWebhook(f"account {account_id} has no webhook (see `humanadd webhooks set`)")
    return endpoint


async def configure(
    session: AsyncSession,
    settings: Settings,
    account_id: str,
    *,
    url: str,
    secret: str | None,
    actor: str,
    keep_secret: bool = False,
) -> WebhookConfig:
    """Set the account's webhook URL and customer secret (None: none; with `keep_secret`, the
    one it has), enabled; the first time, with a new signing secret."""
    await accounts.require(session, account_id)
    try:
        await check_destination(
            url,
            allow_insecure=settings.webhooks_allow_insecure,
            allow_private=settings.webhooks_allow_private,
        )
    except RefusedDestination as error:
        raise RefusedWebhookUrl(f"webhook URL refused: {error}") from None
    if secret is not None and not 0 < len(secret) <= MAX_SECRET_LENGTH:
        raise RefusedWebhookUrl(f"the secret must be 1 to {MAX_SECRET_LENGTH} characters")
    endpoint = await repository.endpoint(session, account_id)
    if keep_secret:
        secret = None if endpoint is None else endpoint.secret
    if endpoint is None:
        endpoint = WebhookEndpoint(account_id=account_id, url=url, secret=secret, enabled=True)
        await repository.add(session, endpoint)
        await repository.add(
            session, WebhookSigningSecret(account_id=account_id, secret=new_secret())
        )
    else:
        endpoint.url, endpoint.secret, endpoint.enabled = url, secret, True
        endpoint.disabled_reason = None
    audit.record(
        session,
        "webhook.configured",
        account_id=account_id,
        actor=actor,
        url=url,
        secret_set=secret is not None,
    )
    return await _config(session, endpoint)


async def show(session: AsyncSession, account_id: str) -> WebhookConfig:
    return await _config(session, await _require_endpoint(session, account_id))


async def set_enabled(
    session: AsyncSession, account_id: str, enabled: bool, *, actor: str, reason: str | None = None
) -> WebhookConfig:
    endpoint = await _require_endpoint(session, account_id)
    endpoint.enabled = enabled
    endpoint.disabled_reason = None if enabled else reason
    audit.record(
        session,
        "webhook.enabled" if enabled else "webhook.disabled",
        account_id=account_id,
        actor=actor,
        reason=reason,
    )
    return await _config(session, endpoint)


async def rotate_signing_secret(
    session: AsyncSession, account_id: str, *, actor: str
) -> WebhookConfig:
    """A new signing secret; the former ones keep signing for `ROTATION_OVERLAP`."""
    endpoint = await _require_endpoint(session, account_id)
    await repository.expire_signing_secrets(session, account_id, utcnow() + ROTATION_OVERLAP)
    await repository.add(session, WebhookSigningSecret(account_id=account_id, secret=new_secret()))
    audit.record(session, "webhook.signing_secret_rotated", account_id=account_id, actor=actor)
    return await _config(session, endpoint)


def call_ended_payload(call_id: str, record: CallRecord) -> dict[str, Any]:
    """The API document's `call_ended` body; `recording_url` is our own path, made absolute
    (HUMANADD_PUBLIC_URL) when the request is sent."""
    return {
        "event": "call_ended",
        "call_id": call_id,
        "direction": record.direction,
        "from_number": record.from_number,
        "to_number": record.to_number,
        "started_at": iso_from_ms(record.started_at),
        "duration_seconds": record.duration_seconds,
        "sentiment": record.sentiment,
        "summary": record.summary,
        "transcript": record.transcript,
        "recording_url": (recording_path(call_id) if record.recording_ref is not None else None),
    }


async def _add_event(
    session: AsyncSession, account_id: str, kind: str, payload: dict[str, Any], call_id: str | None
) -> str | None:
    """Write the event, unless the call already has one of its kind; its id, or None."""
    event_id = new_id("msg")
    event = {
        "id": event_id,
        "account_id": account_id,
        "type": kind,
        "call_id": call_id,
        "payload": orjson.dumps(payload).decode(),
        "created_at": utcnow(),
    }
    return event_id if await repository.add_event_once(session, event) else None


async def emit(
    session: AsyncSession, account_id: str, kind: str, payload: dict[str, Any], call_id: str | None
) -> bool:
    """Write the event and its delivery, in the caller's transaction, when the account has a
    webhook; a call's event of one kind only once. Whether an event was written."""
    if await repository.endpoint(session, account_id) is None:
        return False
    event_id = await _add_event(session, account_id, kind, payload, call_id)
    if event_id is None:
        return False
    await _queue(session, account_id, event_id, "scheduled")
    return True


async def _queue(session: AsyncSession, account_id: str, event_id: str, trigger: str) -> str:
    """A new delivery of the event, due now; its id."""
    now = utcnow()
    delivery_id = new_id("dlv")
    await repository.add_delivery(
        session,
        {
            "id": delivery_id,
            "event_id": event_id,
            "account_id": account_id,
            "status": "pending",
            "trigger": trigger,
            "attempts": 0,
            "next_attempt_at": now_ms(),
            "created_at": now,
            "updated_at": now,
        },
    )
    return delivery_id


async def _queue_test(session: AsyncSession, account_id: str) -> tuple[str, str]:
    """A `test` event and its delivery; their ids."""
    payload = {"event": "test", "account_id": account_id, "sent_at": iso_from_ms(now_ms())}
    # A test event names no call, and NULLs never conflict: it is always written.
    event_id = await _add_event(session, account_id, "test", payload, None)
    assert event_id is not None
    return event_id, await _queue(session, account_id, event_id, "manual")


async def send_test(session: AsyncSession, account_id: str) -> str:
    """Queue a `test` event through the outbox; its event id."""
    await _require_endpoint(session, account_id)
    event_id, _delivery_id = await _queue_test(session, account_id)
    return event_id


async def queue_test_now(session: AsyncSession, account_id: str) -> str:
    """Queue a `test` event to be sent at once by the caller (the dashboard's **Send test
    event**, after this transaction commits, with `delivery.deliver_one`); its delivery id.
    The delivery is in the log like any other, retried on the schedule if the attempt fails."""
    endpoint = await _require_endpoint(session, account_id)
    if not endpoint.enabled:
        raise WebhookError(
            f"the webhook is disabled ({endpoint.disabled_reason or 'by an operator'}); "
            "save it to enable it again"
        )
    _event_id, delivery_id = await _queue_test(session, account_id)
    return delivery_id


async def reveal_signing_secrets(
    session: AsyncSession, account_id: str, *, actor: str
) -> list[SigningSecret]:
    """The signing secrets in full, and an audit row saying who saw them."""
    config = await show(session, account_id)
    audit.record(session, "webhook.signing_secret_revealed", account_id=account_id, actor=actor)
    return config.signing_secrets


@dataclass(frozen=True)
class Health:
    """How the account's endpoint is doing."""

    enabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    consecutive_failures: int
    """Failed attempts since the last successful one."""
    last_success_at: datetime | None


async def health(session: AsyncSession, account_id: str) -> Health:
    endpoint = await _require_endpoint(session, account_id)
    run = await repository.attempt_run(session, account_id)
    return Health(
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        consecutive_failures=run.failures_since,
        last_success_at=run.last_success_at,
    )


async def redeliver(
    session: AsyncSession, delivery_id: str, *, actor: str, account_id: str | None = None
) -> str:
    """Send a delivery's event again, as a new delivery with the same `webhook-id`; its id.
    With `account_id`, only a delivery of that account."""
    found = await repository.delivery_with_event(session, delivery_id)
    if found is None or account_id not in (None, found.event.account_id):
        raise NoSuchDelivery(f"no delivery {delivery_id!r}")
    event = found.event
    new = await _queue(session, event.account_id, event.id, "manual")
    audit.record(
        session, "webhook.redelivered", account_id=event.account_id, actor=actor,
        delivery_id=delivery_id, new_delivery_id=new,
    )  # fmt: skip
    return new


async def recover(
    session: AsyncSession, account_id: str, since: datetime, until: datetime, *, actor: str
) -> list[str]:
    """Queue again every event of the account created in [since, until) whose deliveries all
    failed; the new deliveries' ids."""
    await _require_endpoint(session, account_id)
    event_ids = await repository.failed_events(session, account_id, since, until)
    queued = [await _queue(session, account_id, event_id, "manual") for event_id in event_ids]
    audit.record(
        session, "webhook.recovered", account_id=account_id, actor=actor,
        since=iso_from_datetime(since), until=iso_from_datetime(until), events=len(queued),
    )  # fmt: skip
    return queued


async def call_changed(session: AsyncSession, account_id: str, record: CallRecord) -> bool:
    """Emit the call's `call_ended` (once per call) when it has ended: called once the call is
    analysed (by the worker, or by `calls import --notify`)."""
    if record.status == "ongoing":
        return False
    payload = call_ended_payload(record.call_id, record)
    return await emit(session, account_id, "call_ended", payload, record.call_id)


DELIVERY_STATUSES = ("pending", "delivered", "failed")


async def delivery_log(
    session: AsyncSession, account_id: str, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The account's most recent deliveries, newest first, with their attempts."""
    await _require_endpoint(session, account_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise WebhookError(
            f"unknown status {status!r} (choose one of: {', '.join(DELIVERY_STATUSES)})"
        )
    return [
        {
            "delivery_id": delivery.id,
            "event_id": event.id,
            "event_type": event.type,
            "call_id": event.call_id,
            "status": delivery.status,
            "trigger": delivery.trigger,
            "created_at": iso_from_datetime(delivery.created_at),
            "attempts": [
                {
                    "attempted_at": iso_from_datetime(attempt.attempted_at),
                    "trigger": attempt.trigger,
                    "status_code": attempt.status_code,
                    "latency_ms": attempt.latency_ms,
                    "error": attempt.error,
                    "response_body": attempt.response_body,
                }
                for attempt in attempts
            ],
        }
        for delivery, event, attempts in await repository.delivery_log(
            session, account_id, status, limit
        )
    ]
