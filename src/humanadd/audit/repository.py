"""All writes of audit rows."""

from typing import Any

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
