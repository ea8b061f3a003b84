from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account


async def get(session: AsyncSession, account_id: str) -> Account | None:
    return await session.get(Account, account_id)


async def find_by_name(session: AsyncSession, name: str) -> Account | None:
    statement = select(Account).where(Account.name == name).order_by(Account.created_at).limit(1)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_all(session: AsyncSession) -> Sequence[Account]:
    return (await session.execute(select(Account).order_by(Account.created_at))).scalars().all()
