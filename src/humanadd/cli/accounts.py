"""`humanadd accounts …`: create, list and re-plan customer accounts."""

import dataclasses
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service
from humanadd.accounts.models import Account, Plan, Provider
from humanadd.cli.console import print_json, print_table
from humanadd.cli.options import AccountArgument, AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.clock import iso_from_datetime
from humanadd.db import shown_url
from humanadd.kb import review as kb
from humanadd.keys import service as keys
from humanadd.providers import service as providers

ACTOR = "cli"
PLANS = ", ".join(plan.value for plan in Plan)
DEFAULT_PLAN = Plan.STARTER.value
PROVIDERS = ", ".join(provider.value for provider in Provider)

accounts_app = command_group(
    "Create and list accounts; set their plan, provider and KB policy.\n\n"
    "Create customer accounts, list them, change their plan, connect their call provider and "
    "choose how their knowledge-base changes are reviewed."
)


@accounts_app.command("create")
def create(
    name: Annotated[
        str,
        typer.Option(
            "--name",
            metavar="NAME",
            help="The business's name, as operators see it.",
            show_default=False,
        ),
    ],
    plan: Annotated[
        str,
        typer.Option(
            metavar="PLAN",
            help=f"Billing plan: one of {PLANS}. The public API answers only keys of "
            "enterprise accounts (others get 403 plan_not_supported).",
        ),
    ] = DEFAULT_PLAN,
    timezone: Annotated[
        str,
        typer.Option(
            metavar="TZ",
            help="The business's time zone: a region name such as America/New_York, or UTC "
            "(not EST-style abbreviations). Stats count days and hours in it.",
        ),
    ] = "UTC",
    as_json: AsJson = False,
) -> None:
    """Create an account and print its id and first API key.

    The key is printed only this once: store it (`humanadd keys rotate` issues a new one).
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> tuple[Account, str]:
        return await keys.open_account(
            session, name=name, plan=plan, timezone=timezone, actor=ACTOR
        )

    account, api_key = run_in_transaction(settings, operation)
    if account.plan != Plan.ENTERPRISE:
        typer.echo(
            f"note: the public API refuses keys of {account.plan} accounts; "
            f"`humanadd accounts set-plan {account.id} enterprise` opens it.",
            err=True,
        )
    if as_json:
        print_json(
            {
                "account_id": account.id,
                "api_key": api_key,
                "name": account.name,
                "plan": account.plan,
                "timezone": account.timezone,
                "database": shown_url(settings.database_url),
            }
        )
        return
    typer.echo(f"account_id: {account.id}")
    typer.echo(f"api_key:    {api_key}")
    typer.echo(f"name: {account.name}, plan: {account.plan}, timezone: {account.timezone}")
    typer.echo(
        "Store the key now: it is not shown again (`humanadd keys rotate` issues a new one)."
    )


@accounts_app.command("list")
def list_accounts(as_json: AsJson = False) -> None:
    """List every account, oldest first.

    Shows each account's id, name, plan, time zone and creation time (UTC).
    """
    settings = load_settings()
    accounts = run_in_transaction(settings, service.list_accounts)
    rows = [
        {
            "account_id": account.id,
            "name": account.name,
            "plan": account.plan,
            "timezone": account.timezone,
            "created_at": iso_from_datetime(account.created_at),
        }
        for account in accounts
    ]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no accounts yet (create one with `humanadd accounts create --name NAME`)")
        return
    print_table(
        ["ACCOUNT ID", "NAME", "PLAN", "TIMEZONE", "CREATED AT"],
        [list(row.values()) for row in rows],
    )


@accounts_app.command("set-plan")
def set_plan(
    account_id: AccountArgument,
    plan: Annotated[
        str,
        typer.Argument(metavar="PLAN", help=f"The new plan: one of {PLANS}.", show_default=False),
    ],
    as_json: AsJson = False,
) -> None:
    """Move an account to another plan.

    Takes effect at once, for keys already issued too, and is recorded in the audit log.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> tuple[str, str]:
        previous = (await service.require(session, account_id)).plan
        account = await service.set_plan(session, account_id, plan, actor=ACTOR)
        return previous, account.plan

    previous, current = run_in_transaction(settings, operation)
    if as_json:
        print_json(
            {
                "account_id": account_id,
                "plan": current,
                "previous_plan": previous,
                "database": shown_url(settings.database_url),
            }
        )
    elif previous == current:
        typer.echo(f"{account_id} is already on the {current} plan; nothing changed")
    else:
        typer.echo(f"{account_id}: plan {previous} → {current}")


@accounts_app.command("set-provider")
def set_provider(
    account_id: AccountArgument,
    provider: Annotated[
        str,
        typer.Argument(
            metavar="PROVIDER",
            help=f"{PROVIDERS}, or none: where the account's calls come from besides "
            "`calls import`.",
            show_default=False,
        ),
    ],
    agent_ids: Annotated[
        list[str] | None,
        typer.Option(
            "--agent-id",
            metavar="ID",
            help="An upstream agent whose calls are this account's (repeat for several; "
            "required for retell). Replaces the account's former agents.",
            show_default=False,
        ),
    ] = None,
    tags_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="The key of the provider's custom analysis data that holds the tags "
            "(a list or a comma-separated string). Unchanged when not given; at first: tags.",
            show_default=False,
        ),
    ] = None,
    booked_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="The key of the custom analysis data that says whether an appointment was "
            "booked (a boolean or yes/no). Unchanged when not given; at first: booked.",
            show_default=False,
        ),
    ] = None,
    llm_id: Annotated[
        str | None,
        typer.Option(
            metavar="ID",
            help="retell only: the Retell LLM (llm_…) of the account's agent. Each pushed "
            "knowledge base is attached to it; without it, attach the knowledge base in "
            "Retell's dashboard once (see docs/knowledge-base.md). `none` forgets it; "
            "unchanged when not given.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Connect an account to a voice provider and its agents.

    The provider is upstream of us: it answers the calls. Events and synced calls of these
    agents are stored as the account's calls. Takes effect at once and is recorded in the audit
    log.
    """
    settings = load_settings()
    chosen = None if provider == "none" else provider

    async def operation(session: AsyncSession) -> providers.ProviderSettings:
        return await providers.set_provider(
            session,
            account_id,
            chosen,
            agent_ids=agent_ids or [],
            tags_key=tags_key,
            booked_key=booked_key,
            llm_id=llm_id,
            actor=ACTOR,
        )

    result = run_in_transaction(settings, operation)
    if as_json:
        print_json(
            {
                "account_id": account_id,
                **dataclasses.asdict(result),
                "database": shown_url(settings.database_url),
            }
        )
        return
    agents = ", ".join(result.agent_ids) or "none"
    typer.echo(
        f"{account_id}: provider {result.provider or 'none'}, agents {agents}, "
        f"analysis keys tags={result.tags_key} booked={result.booked_key}"
        + (f", llm {result.llm_id}" if result.llm_id else "")
    )


@accounts_app.command("set-kb-policy")
def set_kb_policy(
    account_id: AccountArgument,
    policy: Annotated[
        str,
        typer.Argument(
            metavar="POLICY",
            help="auto: changes the automatic checks find nothing in are approved at once "
            "(the default); manual: every change waits for `humanadd kb approve`.",
            show_default=False,
        ),
    ],
    as_json: AsJson = False,
) -> None:
    """Choose how the account's knowledge-base changes are reviewed.

    Changes with findings (duplicate, card_number, secret, large_shrink) are always held for
    an operator. Applies to changes reviewed from now on, and is recorded in the audit log.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> str:
        return await kb.set_policy(session, account_id, policy, actor=ACTOR)

    previous = run_in_transaction(settings, operation)
    if as_json:
        print_json(
            {
                "account_id": account_id,
                "kb_policy": policy,
                "previous": previous,
                "database": shown_url(settings.database_url),
            }
        )
    else:
        typer.echo(f"{account_id}: knowledge-base policy {previous} → {policy}")
