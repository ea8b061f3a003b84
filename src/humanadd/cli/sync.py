"""`humanadd sync`: repair an account's calls from its provider's records."""

import dataclasses
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts import service as accounts
from humanadd.cli.console import fail, print_json
from humanadd.cli.options import AccountArgument, AsJson, parse_duration
from humanadd.cli.runtime import load_settings, run_with_sessions
from humanadd.clock import now_ms
from humanadd.errors import NotConfigured
from humanadd.providers.base import ProviderError
from humanadd.providers.registry import provider_for
from humanadd.providers.sync import SyncReport, sync_account


def sync(
    account_id: AccountArgument,
    since: Annotated[
        str,
        typer.Option(
            metavar="DURATION",
            help="How far back to look: calls that started within it (30m, 12h, 2d).",
        ),
    ] = "2d",
    as_json: AsJson = False,
) -> None:
    """Repair an account's calls from its provider's records.

    It fetches from the account's provider every call we miss or hold in an older state: it
    pages through the provider's list of the account's agents' calls started within --since,
    fetches in full each one that is missing here or stale, and re-fetches the account's calls
    still ongoing an hour after they started. Safe to run at any time; `humanadd worker` runs
    it every few minutes for every provider-backed account.
    """
    window = parse_duration(since)
    settings = load_settings()

    async def operation(sessions: async_sessionmaker[AsyncSession]) -> SyncReport:
        async with sessions() as session:
            account = await accounts.require(session, account_id)
        if account.provider is None:
            fail(f"account {account_id} has no provider (see `humanadd accounts set-provider`)")
        upstream = provider_for(account.provider).calls(settings)
        try:
            now = now_ms()
            return await sync_account(
                sessions,
                upstream,
                account_id,
                since_ms=now - int(window.total_seconds() * 1000),
                now_ms=now,
                analysis_timeout_ms=settings.analysis_timeout_ms,
            )
        finally:
            await upstream.close()

    try:
        report = run_with_sessions(settings, operation)
    except NotConfigured as error:
        fail(error.message)
    except ProviderError as error:
        fail(f"the provider's API failed: {error.message}")
    if as_json:
        print_json({"account_id": account_id, **dataclasses.asdict(report)})
        return
    typer.echo(
        f"{account_id}: {report.listed} calls listed, {report.fetched} fetched, "
        f"{report.stored} stored, {report.settled} stuck calls settled"
    )
    for call_id in report.missing_upstream:
        typer.echo(f"  {call_id}: unknown to the provider")
