"""All SQL about knowledge-base changes, composed from one tenant-scoped base statement."""

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import utcnow
from humanadd.ids import new_id
from humanadd.kb.models import KbChange, KbChangeStatus

CHANGE_ID_PREFIX = "kbc"


def scoped(account_id: str) -> Select[Any]:
    """The base of every change query: only this account's changes."""
    return select(KbChange).where(KbChange.account_id == account_id)


async def add_change(
    session: AsyncSession, account_id: str, *, text: str, replace: bool
) -> KbChange:
    """Queue a new change as `pending_review`; it is written to the database at once."""
    now = utcnow()
    change = KbChange(
        id=new_id(CHANGE_ID_PREFIX),
        account_id=account_id,
        text=text,
        replace=replace,
        status=KbChangeStatus.PENDING_REVIEW,
        findings=[],
        created_at=now,
        updated_at=now,
    )
    session.add(change)
    await session.flush()
    return change


async def get_change(session: AsyncSession, account_id: str, change_id: str) -> KbChange | None:
    statement = scoped(account_id).where(KbChange.id == change_id)
    change: KbChange | None = (await session.execute(statement)).scalar_one_or_none()
    return change
