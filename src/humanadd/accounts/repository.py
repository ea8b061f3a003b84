"""All SQL about accounts."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account, Plan


async def get(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def find_by_name(session: AsyncSession, name: str) -> Account | None:
    statement = select(Account).where(Account.name == name).order_by(Account.created_at).limit(1)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_all(session: AsyncSession) -> Sequence[Account]:
    return (await session.execute(select(Account).order_by(Account.created_at))).scalars().all()


async def add(session: AsyncSession, account: Account) -> Account:
    """Store a new account; it is written to the database at once."""
    session.add(account)
    await session.flush()
    return account


def set_plan(account: Account, plan: Plan) -> None:
    """Change a loaded account's plan; written with the caller's next flush or commit."""
    account.plan = plan


async def ids_with_provider(session: AsyncSession, provider: str) -> list[str]:
    """The ids of the accounts connected to `provider`."""
    statement = select(Account.id).where(Account.provider == provider).order_by(Account.id)
    return list((await session.execute(statement)).scalars())
