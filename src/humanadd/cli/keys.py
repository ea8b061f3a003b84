"""`humanadd keys …`: API key rotation."""

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.cli.console import print_json
from humanadd.cli.options import AccountArgument, AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.db import shown_url
from humanadd.keys import service

keys_app = command_group("Rotate accounts' API keys.")


@keys_app.command("rotate")
def rotate(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Issue a new API key and revoke the old one.

    Every server refuses the old key from its next request on. The new key is printed only
    this once: store it.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> str:
        await accounts.require(session, account_id)
        return await service.rotate(session, account_id, actor="cli")

    api_key = run_in_transaction(settings, operation)
    if as_json:
        print_json(
            {
                "account_id": account_id,
                "api_key": api_key,
                "database": shown_url(settings.database_url),
            }
        )
        return
    typer.echo(f"account_id: {account_id}")
    typer.echo(f"api_key:    {api_key}")
    typer.echo("The previous key no longer works. Store this one now: it is not shown again.")
