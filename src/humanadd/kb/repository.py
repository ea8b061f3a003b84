"""All SQL about knowledge bases: changes, entries, versions and push state."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from humanadd.accounts.models import Account
from humanadd.db import dialect_insert, lease, utcnow
from humanadd.ids import new_id
from humanadd.kb.models import KbChange, KbChangeStatus, KbEntry, KbVersion, KnowledgeBase

CHANGE_ID_PREFIX = "kbc"
ENTRY_ID_PREFIX = "kbe"

UNAPPLIED = (KbChangeStatus.PENDING_REVIEW, KbChangeStatus.HELD, KbChangeStatus.APPROVED)
"""The statuses of a change that has not made its version yet (an approved one may wait
behind a held one)."""

_BASES = cast(Table, KnowledgeBase.__table__)
_CHANGES = cast(Table, KbChange.__table__)


def scoped(account_id: str) -> Select[Any]:
    """The base of every change query of the public API: only this account's changes."""
    return select(KbChange).where(KbChange.account_id == account_id)


async def add_change(
    session: AsyncSession,
    account_id: str,
    *,
    text: str | None,
    replace: bool,
    submitted_by: str = "api",
    rollback_to: int | None = None,
) -> KbChange:
    """Queue a new change as `pending_review`; it is written to the database at once."""
    now = utcnow()
    change = KbChange(
        id=new_id(CHANGE_ID_PREFIX),
        account_id=account_id,
        text=text,
        replace=replace,
        rollback_to=rollback_to,
        status=KbChangeStatus.PENDING_REVIEW,
        findings=[],
        submitted_by=submitted_by,
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


async def find_change(session: AsyncSession, change_id: str) -> KbChange | None:
    """A change of any account (for operators)."""
    return await session.get(KbChange, change_id)


async def changes_page(
    session: AsyncSession, account_id: str, after: tuple[datetime, str] | None, limit: int
) -> list[KbChange]:
    """The account's changes newest first, from just past `after` (a change's `created_at`
    and id) or from the newest."""
    statement = scoped(account_id)
    if after is not None:
        created_at, change_id = after
        statement = statement.where(
            or_(
                KbChange.created_at < created_at,
                and_(KbChange.created_at == created_at, KbChange.id < change_id),
            )
        )
    statement = statement.order_by(KbChange.created_at.desc(), KbChange.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def held_changes(session: AsyncSession, account_id: str | None) -> list[KbChange]:
    """Changes waiting for an operator (of one account, or all), oldest first."""
    statement = select(KbChange).where(KbChange.status == KbChangeStatus.HELD)
    if account_id is not None:
        statement = statement.where(KbChange.account_id == account_id)
    statement = statement.order_by(KbChange.created_at, KbChange.id)
    return list((await session.execute(statement)).scalars())


async def next_unapplied(session: AsyncSession, account_id: str) -> KbChange | None:
    """The account's oldest change that has not made its version yet."""
    statement = (
        scoped(account_id)
        .where(KbChange.status.in_(UNAPPLIED), KbChange.version.is_(None))
        .order_by(KbChange.created_at, KbChange.id)
        .limit(1)
    )
    change: KbChange | None = (await session.execute(statement)).scalar_one_or_none()
    return change


async def accounts_to_review(session: AsyncSession) -> list[str]:
    """Accounts with a change the worker can take further: checks to run, or an approved change
    to apply. Not those with a held change: everything after it waits for an operator."""
    held = aliased(KbChange)
    statement = (
        select(KbChange.account_id)
        .where(
            KbChange.status.in_((KbChangeStatus.PENDING_REVIEW, KbChangeStatus.APPROVED)),
            KbChange.version.is_(None),
            ~exists().where(
                held.account_id == KbChange.account_id, held.status == KbChangeStatus.HELD
            ),
        )
        .distinct()
    )
    return list((await session.execute(statement)).scalars())


async def reread(session: AsyncSession, change: KbChange) -> None:
    """Read the change's row again: it may have been decided before its base was locked."""
    await session.refresh(change)


async def lock(session: AsyncSession, account_id: str) -> KnowledgeBase:
    """The account's knowledge-base row (made on first use), locked until the transaction ends.

    The insert comes first so that, on SQLite too, the transaction holds the write lock before
    it reads anything: two sessions applying changes of one account run one after the other.
    """
    await session.execute(
        dialect_insert(session)(KnowledgeBase)
        .values(account_id=account_id, version=0, pushed_version=0, push_attempts=0, next_push_at=0)
        .on_conflict_do_nothing(index_elements=["account_id"])
    )
    statement = (
        select(KnowledgeBase)
        .where(KnowledgeBase.account_id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    base: KnowledgeBase = (await session.execute(statement)).scalar_one()
    return base


async def knowledge_base(session: AsyncSession, account_id: str) -> KnowledgeBase | None:
    return await session.get(KnowledgeBase, account_id, populate_existing=True)


async def version(session: AsyncSession, account_id: str, number: int) -> KbVersion | None:
    return await session.get(KbVersion, (account_id, number))


async def versions(session: AsyncSession, account_id: str) -> list[KbVersion]:
    """The account's versions, newest first."""
    statement = (
        select(KbVersion)
        .where(KbVersion.account_id == account_id)
        .order_by(KbVersion.number.desc())
    )
    return list((await session.execute(statement)).scalars())


async def entries(session: AsyncSession, account_id: str, ids: Sequence[str]) -> list[KbEntry]:
    """The account's entries with these ids, in the order given."""
    if not ids:
        return []
    statement = select(KbEntry).where(KbEntry.account_id == account_id, KbEntry.id.in_(ids))
    found = {entry.id: entry for entry in (await session.execute(statement)).scalars()}
    return [found[entry_id] for entry_id in ids]


async def version_entries(session: AsyncSession, account_id: str, number: int) -> list[KbEntry]:
    """The entries of the account's version `number`, in order (none for version 0)."""
    if number == 0:
        return []
    found = await version(session, account_id, number)
    return [] if found is None else await entries(session, account_id, found.entry_ids)


async def add_entry(session: AsyncSession, change: KbChange, text: str) -> KbEntry:
    entry = KbEntry(
        id=new_id(ENTRY_ID_PREFIX),
        account_id=change.account_id,
        change_id=change.id,
        text=text,
        added_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    return entry


async def add_version(session: AsyncSession, version: KbVersion) -> None:
    session.add(version)
    await session.flush()


async def set_changes(
    session: AsyncSession,
    account_id: str,
    *,
    up_to_version: int,
    statuses: Iterable[str],
    **values: Any,
) -> None:
    """Update the account's applied changes up to a version that are in one of `statuses`."""
    columns = _CHANGES.c
    await session.execute(
        update(_CHANGES)
        .where(
            columns.account_id == account_id,
            columns.version <= up_to_version,
            columns.status.in_(list(statuses)),
        )
        .values(updated_at=utcnow(), **values)
    )


async def claim_pushes(session: AsyncSession, now: int, lease_until: int, limit: int) -> list[str]:
    """Lease up to `limit` knowledge bases with a version to push to their account's provider
    until `lease_until`; their account ids."""
    columns = _BASES.c
    with_provider = select(Account.id).where(Account.provider.is_not(None))
    due = (
        select(columns.account_id)
        .where(
            columns.version > columns.pushed_version,
            columns.next_push_at <= now,
            or_(columns.push_lease_until.is_(None), columns.push_lease_until <= now),
            columns.account_id.in_(with_provider),
        )
        .order_by(columns.next_push_at)
        .limit(limit)
    )
    return await lease(session, due, columns.push_lease_until, lease_until)


async def renew_push_lease(session: AsyncSession, account_id: str, lease: int, until: int) -> bool:
    """Extend the push lease `lease` of the account to `until`; False when it is not held any
    more (it ran out and another worker claimed the push)."""
    columns = _BASES.c
    renewed = await session.execute(
        update(_BASES)
        .where(columns.account_id == account_id, columns.push_lease_until == lease)
        .values(push_lease_until=until)
        .returning(columns.account_id)
    )
    return renewed.first() is not None
