"""Preparing the demo: its Enterprise account, a fresh API key and seeded calls, imported as
`calls import` imports calls: our analysis fills what they leave empty, and their questions are
grouped into the account's topics before the demo serves."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import repository as accounts_repository
from humanadd.accounts import service as accounts
from humanadd.accounts.models import Plan, Provider
from humanadd.analytics.embedding import Embedder
from humanadd.calls import importer
from humanadd.calls import repository as calls_repository
from humanadd.clock import now_ms
from humanadd.demo.businesses import HVAC
from humanadd.demo.generator import demo_calls
from humanadd.keys import service as keys
from humanadd.providers import service as providers
from humanadd.users import passwords
from humanadd.users import service as users
from humanadd.users.errors import UserError
from humanadd.users.models import Role

ACCOUNT_NAME = f"Demo: {HVAC.name}"
"""The demo account: one business, the heating and cooling company of the API document's example
call. It is found again by this name when the demo database is reused."""
FORMER_NAMES = ("Demo: Main Street Front Desk",)
"""What the demo account was called before; a demo database that has one is renamed."""
TIMEZONE = "America/New_York"
ACTOR = "demo"
DEMO_AGENT = "agent_simulated_demo"
"""The simulated provider's agent whose calls are the demo account's."""
LIVE_CALL_EVERY_SECONDS = 30.0


OWNER_EMAIL = "owner@demo.example"
OPERATOR_EMAIL = "operator@demo.example"
"""The demo's dashboard logins: the business's owner, and a platform operator."""


@dataclass(frozen=True, slots=True)
class DemoAccess:
    account_id: str
    api_key: str
    reused: bool
    """True when the account already existed and its key was rotated."""
    calls: int
    logins: tuple[tuple[str, str], ...] = ()
    """(email, password) of the demo owner and the operator: new passwords on every run."""


async def _login(session: AsyncSession, email: str, role: str, account_id: str | None) -> str:
    """A fresh password for the demo user `email`, created if need be (only hashes are stored,
    so a reused user gets a new one that can be shown)."""
    password = passwords.generate()
    try:
        await users.require(session, email)
    except UserError:
        await users.create(
            session, email=email, password=password, role=role, account_id=account_id, actor=ACTOR
        )
    else:
        await users.set_password(session, email, password, actor=ACTOR)
    return password


async def prepare(
    session: AsyncSession, embedder: Embedder, *, now: int | None = None
) -> DemoAccess:
    """Find or create the demo account, give it a new key and (re)seed its calls as of `now`,
    analysed as an import is (`embedder` groups their questions).

    Only key hashes are stored, so a reused account gets a rotated key that can be shown.
    """
    account = await accounts_repository.find_by_name(session, ACCOUNT_NAME)
    for name in FORMER_NAMES:
        account = account or await accounts_repository.find_by_name(session, name)
    if account is None:
        account, api_key = await keys.open_account(
            session, name=ACCOUNT_NAME, plan=Plan.ENTERPRISE, timezone=TIMEZONE, actor=ACTOR
        )
        reused = False
    else:
        account.name = ACCOUNT_NAME
        await accounts.set_plan(session, account.id, Plan.ENTERPRISE, actor=ACTOR)
        api_key = await keys.rotate(session, account.id, actor=ACTOR)
        reused = True
    await providers.set_provider(
        session, account.id, Provider.SIMULATED, agent_ids=[DEMO_AGENT], actor=ACTOR
    )
    records = demo_calls(now_ms() if now is None else now, TIMEZONE)
    # A reseed replaces the earlier seed: merged into it, a call id seeded again as missed
    # would keep the recording it had (an upsert keeps a known recording), and its topics
    # would count the earlier seed's questions too.
    await calls_repository.delete_all(session, account.id)
    await importer.import_calls(session, account.id, records, embedder=embedder)
    logins = (
        (OWNER_EMAIL, await _login(session, OWNER_EMAIL, Role.OWNER, account.id)),
        (OPERATOR_EMAIL, await _login(session, OPERATOR_EMAIL, Role.OPERATOR, None)),
    )
    return DemoAccess(account.id, api_key, reused, len(records), logins)
