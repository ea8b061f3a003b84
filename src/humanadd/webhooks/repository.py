"""All SQL about webhook endpoints, signing secrets, events and deliveries."""

from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import dialect_insert, lease, utcnow
from humanadd.webhooks.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSigningSecret,
)


async def endpoint(session: AsyncSession, account_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, account_id)


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def signing_secrets(
    session: AsyncSession, account_id: str, now: datetime
) -> list[WebhookSigningSecret]:
    """The account's secrets that still sign, newest first."""
    statement = (
        select(WebhookSigningSecret)
        .where(
            WebhookSigningSecret.account_id == account_id,
            or_(WebhookSigningSecret.expires_at.is_(None), WebhookSigningSecret.expires_at > now),
        )
        .order_by(WebhookSigningSecret.id.desc())
    )
    return list((await session.execute(statement)).scalars())


async def expire_signing_secrets(session: AsyncSession, account_id: str, at: datetime) -> None:
    """Let the account's unexpiring secrets sign until `at`."""
    await session.execute(
        update(WebhookSigningSecret)
        .where(
            WebhookSigningSecret.account_id == account_id,
            WebhookSigningSecret.expires_at.is_(None),
        )
        .values(expires_at=at)
    )


async def add_event_once(session: AsyncSession, event: dict[str, Any]) -> bool:
    """Insert the event unless one of its type already exists for its call; whether it did."""
    statement = (
        dialect_insert(session)(WebhookEvent)
        .values(**event)
        .on_conflict_do_nothing(index_elements=["account_id", "type", "call_id"])
        .returning(WebhookEvent.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def failed_events(
    session: AsyncSession, account_id: str, since: datetime, until: datetime
) -> list[str]:
    """The account's events created in [since, until) none of whose deliveries succeeded or
    is still pending."""
    deliveries = _DELIVERIES.c
    settled_or_going = exists().where(
        deliveries.event_id == WebhookEvent.id, deliveries.status != "failed"
    )
    statement = (
        select(WebhookEvent.id)
        .where(
            WebhookEvent.account_id == account_id,
            WebhookEvent.created_at >= since,
            WebhookEvent.created_at < until,
            ~settled_or_going,
        )
        .order_by(WebhookEvent.created_at)
    )
    return list((await session.execute(statement)).scalars())


async def add_delivery(session: AsyncSession, delivery: dict[str, Any]) -> None:
    await session.execute(dialect_insert(session)(WebhookDelivery).values(**delivery))


async def delivery_log(
    session: AsyncSession, account_id: str, status: str | None, limit: int
) -> list[tuple[WebhookDelivery, WebhookEvent, list[WebhookAttempt]]]:
    """The account's most recent deliveries (of one status, or all), newest first, each with
    its event and attempts (oldest first)."""
    statement = (
        select(WebhookDelivery, WebhookEvent)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.account_id == account_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    rows = [(delivery, event) for delivery, event in await session.execute(statement)]
    attempts: dict[str, list[WebhookAttempt]] = {delivery.id: [] for delivery, _ in rows}
    if attempts:
        found = await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.id)
        )
        for attempt in found.scalars():
            attempts[attempt.delivery_id].append(attempt)
    return [(delivery, event, attempts[delivery.id]) for delivery, event in rows]


_DELIVERIES = cast(Table, WebhookDelivery.__table__)
_ENDPOINTS = cast(Table, WebhookEndpoint.__table__)
_ATTEMPTS = cast(Table, WebhookAttempt.__table__)


class AttemptRun(NamedTuple):
    last_success_at: datetime | None
    failures_since: int
    """Failed attempts after the last success (all of them, when none succeeded)."""


async def attempt_run(session: AsyncSession, account_id: str) -> AttemptRun:
    """The account's last successful attempt and the failed ones since, in attempt order."""
    attempts, deliveries = _ATTEMPTS.c, _DELIVERIES.c
    of_account = _ATTEMPTS.join(_DELIVERIES, deliveries.id == attempts.delivery_id)
    succeeded = attempts.status_code.between(200, 299)
    last = (
        await session.execute(
            select(attempts.id, attempts.attempted_at)
            .select_from(of_account)
            .where(deliveries.account_id == account_id, succeeded)
            .order_by(attempts.id.desc())
            .limit(1)
        )
    ).first()
    failed = select(func.count()).select_from(of_account).where(deliveries.account_id == account_id)
    if last is not None:
        failed = failed.where(attempts.id > last.id)
    count = (await session.execute(failed)).scalar_one()
    return AttemptRun(None if last is None else last.attempted_at, int(count))


async def claim_due(session: AsyncSession, now: int, lease_until: int, limit: int) -> list[str]:
    """Lease up to `limit` due deliveries to the caller until `lease_until`; their ids."""
    columns = _DELIVERIES.c
    due = (
        select(columns.id)
        .where(
            columns.status == "pending",
            columns.next_attempt_at <= now,
            or_(columns.lease_expires_at.is_(None), columns.lease_expires_at <= now),
        )
        .order_by(columns.next_attempt_at)
        .limit(limit)
    )
    return await lease(session, due, columns.lease_expires_at, lease_until)


class DeliveryWithEvent(NamedTuple):
    delivery: WebhookDelivery
    event: WebhookEvent
    endpoint: WebhookEndpoint | None
    """The account's endpoint; None once it has none."""


async def delivery_with_event(session: AsyncSession, delivery_id: str) -> DeliveryWithEvent | None:
    """The delivery, its event and the account's endpoint (if any), in one statement."""
    statement = (
        select(WebhookDelivery, WebhookEvent, WebhookEndpoint)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .outerjoin(WebhookEndpoint, WebhookEndpoint.account_id == WebhookEvent.account_id)
        .where(WebhookDelivery.id == delivery_id)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else DeliveryWithEvent(*row)


async def _set_delivery(session: AsyncSession, delivery_id: str, **values: Any) -> None:
    await session.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.id == delivery_id)
        .values(lease_expires_at=None, updated_at=utcnow(), **values)
    )


async def finish(session: AsyncSession, delivery_id: str, status: str, attempts: int) -> None:
    await _set_delivery(session, delivery_id, status=status, attempts=attempts)


async def retry_at(session: AsyncSession, delivery_id: str, attempts: int, at: int) -> None:
    await _set_delivery(session, delivery_id, attempts=attempts, next_attempt_at=at)


async def release(session: AsyncSession, delivery_id: str, at: int) -> None:
    """Give the delivery back unattempted, due again at `at`."""
    await _set_delivery(session, delivery_id, next_attempt_at=at)


async def mark_endpoint(
    session: AsyncSession, account_id: str, *, failing_since: datetime | None
) -> None:
    """Set when the endpoint's failures began (None: it is not failing). Clearing it writes
    only when it was set: a healthy endpoint's row is not rewritten at every delivery."""
    statement = update(_ENDPOINTS).where(_ENDPOINTS.c.account_id == account_id)
    if failing_since is None:
        statement = statement.where(_ENDPOINTS.c.failing_since.is_not(None))
    await session.execute(statement.values(failing_since=failing_since))


async def disable_endpoint(session: AsyncSession, account_id: str, reason: str) -> None:
    await session.execute(
        update(_ENDPOINTS)
        .where(_ENDPOINTS.c.account_id == account_id)
        .values(enabled=False, disabled_reason=reason, updated_at=utcnow())
    )
