from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.audit.models import AuditEvent


def record(
    session: AsyncSession,
    action: str,
    *,
    account_id: str | None,
    actor: str,
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction (it is kept only if that commits)."""
    session.add(AuditEvent(account_id=account_id, action=action, actor=actor, details=details))
