"""The audit trail: who changed what, kept in the transaction that made the change."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.audit import repository


def record(
    session: AsyncSession,
    action: str,
    *,
    account_id: str | None,
    actor: str,
    **details: Any,
) -> None:
    """Add an audit row to the caller's transaction (it is kept only if that commits)."""
    repository.add_event(session, action, account_id=account_id, actor=actor, details=details)
