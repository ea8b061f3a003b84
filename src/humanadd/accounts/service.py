"""Creating accounts and changing their plan; every change leaves an audit row."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import repository
from humanadd.accounts.errors import AccountError
from humanadd.accounts.models import Account, Plan
from humanadd.audit import service as audit
from humanadd.ids import new_id

REGION_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe",
     "Indian", "Pacific"}
)  # fmt: skip
"""The areas of the time zone database's region names (`America/New_York`). Its other names
are abbreviations, fixed offsets or old aliases (`EST`, `EST5EDT`, `Etc/GMT+5`, `US/Eastern`):
`EST` is UTC-5 all year, while New York's clocks move for daylight saving time."""

TIMEZONE_ADVICE = "use a region name such as America/New_York, or UTC"


def check_timezone(name: str) -> str:
    """`name` if it is `UTC` or the IANA name of a region's time zone this machine knows
    (`Area/Location`), else AccountError suggesting one."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError(f"unknown time zone {name!r} ({TIMEZONE_ADVICE})") from None
    area, slash, _ = name.partition("/")
    if name != "UTC" and not (slash and area in REGION_AREAS):
        raise AccountError(
            f"time zone {name!r} is an abbreviation, a fixed offset or an alias, not a region: "
            f"{TIMEZONE_ADVICE} (a region's clock follows its daylight saving time)"
        )
    return name


def check_plan(plan: str) -> Plan:
    try:
        return Plan(plan)
    except ValueError:
        choices = ", ".join(p.value for p in Plan)
        raise AccountError(f"unknown plan {plan!r} (choose one of: {choices})") from None


async def create(
    session: AsyncSession,
    *,
    name: str,
    plan: str,
    timezone: str = "UTC",
    actor: str,
) -> Account:
    """Create an account (`keys.service.open_account` also issues its first key)."""
    if not name.strip():
        raise AccountError("an account needs a non-blank name")
    account = await repository.add(
        session,
        Account(
            id=new_id("acc"),
            name=name.strip(),
            plan=check_plan(plan),
            timezone=check_timezone(timezone),
        ),
    )
    audit.record(
        session,
        "account.created",
        account_id=account.id,
        actor=actor,
        name=account.name,
        plan=account.plan,
        timezone=account.timezone,
    )
    return account


async def require(session: AsyncSession, account_id: str) -> Account:
    account = await repository.get(session, account_id)
    if account is None:
        raise AccountError(f"no account {account_id!r}")
    return account


async def set_plan(session: AsyncSession, account_id: str, plan: str, *, actor: str) -> Account:
    account = await require(session, account_id)
    new_plan = check_plan(plan)
    if account.plan != new_plan:
        audit.record(
            session,
            "account.plan_changed",
            account_id=account.id,
            actor=actor,
            old_plan=account.plan,
            new_plan=new_plan.value,
        )
        repository.set_plan(account, new_plan)
    return account


async def list_accounts(session: AsyncSession) -> Sequence[Account]:
    return await repository.list_all(session)
