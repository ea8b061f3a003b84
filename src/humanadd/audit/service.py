"""The audit trail: who changed what, kept in the transaction that made the change."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.audit import repository
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
    repository.add_event(session, action, account_id=account_id, actor=actor, details=details)


@dataclass(frozen=True)
class AuditPage:
    """Audit rows newest first, and where the next (older) page starts."""

    events: list[AuditEvent]
    next_before: int | None
    """Pass back as `before_id` for the older rows; None on the last page."""


async def page(
    session: AsyncSession, *, account_id: str | None, before_id: int | None, limit: int
) -> AuditPage:
    """A page of the audit log, newest first: one account's rows, or (None) everyone's."""
    events = await repository.newest(session, account_id, before_id, limit + 1)
    more = len(events) > limit
    events = events[:limit]
    return AuditPage(events, events[-1].id if more else None)
