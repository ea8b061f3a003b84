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
from humanadd.clock import iso_from_ms
from humanadd.providers import service as providers

ACTOR = "cli"
PLANS = ", ".join(plan.value for plan in Plan)
DEFAULT_PLAN = Plan.STARTER.value
PROVIDERS = ", ".join(provider.value for provider in Provider)

accounts_app = command_group(
    "Create customer accounts, list them, change their plan and connect their call provider."
)


def _created_at(account: Account) -> str:
    return iso_from_ms(round(account.created_at.timestamp() * 1000))


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
            help="IANA time zone of the business (e.g. America/New_York); "
            "stats count days and hours in it.",
        ),
    ] = "UTC",
    as_json: AsJson = False,
) -> None:
    """Create an account and print its id and first API key.

    The key is printed only this once: store it (`humanadd keys rotate` issues a new one).
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> tuple[Account, str]:
        return await service.create(session, name=name, plan=plan, timezone=timezone, actor=ACTOR)

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
            "created_at": _created_at(account),
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
        print_json({"account_id": account_id, "plan": current, "previous_plan": previous})
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
    as_json: AsJson = False,
) -> None:
    """Connect an account to an upstream voice provider and its agents.

    Events and synced calls of these agents are stored as the account's calls. Takes effect
    at once and is recorded in the audit log.
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
            actor=ACTOR,
        )

    result = run_in_transaction(settings, operation)
    if as_json:
        print_json({"account_id": account_id, **dataclasses.asdict(result)})
        return
    agents = ", ".join(result.agent_ids) or "none"
    typer.echo(
        f"{account_id}: provider {result.provider or 'none'}, agents {agents}, "
        f"analysis keys tags={result.tags_key} booked={result.booked_key}"
    )
