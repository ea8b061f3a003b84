"""All SQL about audit rows: writing them, and reading them back newest first."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.audit.models import AuditEvent


def add_event(
    session: AsyncSession,
    action: str,
    *,
    account_id: str | None,
    actor: str,
    details: dict[str, Any],
) -> AuditEvent:
    """Add the row to the session; it is written with the caller's next flush or commit."""
    event = AuditEvent(account_id=account_id, action=action, actor=actor, details=details)
    session.add(event)
    return event


async def newest(
    session: AsyncSession, account_id: str | None, before_id: int | None, limit: int
) -> list[AuditEvent]:
    """Up to `limit` rows, newest first, older than the row `before_id` (if given), of one
    account or (None) of every account and none."""
    statement = select(AuditEvent)
    if account_id is not None:
        statement = statement.where(AuditEvent.account_id == account_id)
    if before_id is not None:
        statement = statement.where(AuditEvent.id < before_id)
    statement = statement.order_by(AuditEvent.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())
