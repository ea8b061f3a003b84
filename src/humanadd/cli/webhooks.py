"""`humanadd webhooks …`: each account's `call_ended` webhook."""

import dataclasses
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import print_json
from humanadd.cli.options import AccountArgument, AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.webhooks import service
from humanadd.webhooks.service import WebhookConfig

ACTOR = "cli"

webhooks_app = command_group(
    "Configure where each account's call_ended events are POSTed, and rotate their signing secret."
)


def _print(config: WebhookConfig, as_json: bool) -> None:
    if as_json:
        print_json(dataclasses.asdict(config))
        return
    typer.echo(f"account_id: {config.account_id}")
    typer.echo(f"url:        {config.url}")
    typer.echo(f"enabled:    {'yes' if config.enabled else 'no'}")
    typer.echo(f"secret:     {config.secret or 'none'}")
    for item in config.signing_secrets:
        until = f" (signs until {item.expires_at})" if item.expires_at else ""
        typer.echo(f"signing:    {item.secret}{until}")


@webhooks_app.command("set")
def set_webhook(
    account_id: AccountArgument,
    url: Annotated[
        str,
        typer.Option(
            metavar="URL",
            help="Where to POST the events: an https URL whose host resolves to public "
            "addresses only.",
            show_default=False,
        ),
    ],
    secret: Annotated[
        str | None,
        typer.Option(
            metavar="SECRET",
            help="The customer's own secret, sent verbatim as X-Webhook-Secret (never shown "
            "back in full). Without it, none is sent.",
            show_default=False,
        ),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Set (or replace) the account's webhook URL and secret, and enable it.

    The URL is refused unless it is https and its host resolves to public addresses (see
    HUMANADD_WEBHOOKS_ALLOW_INSECURE and HUMANADD_WEBHOOKS_ALLOW_PRIVATE for development).
    The first time, a signing secret (whsec_…) is made: give it to the customer to verify the
    webhook-signature header.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        return await service.configure(
            session, settings, account_id, url=url, secret=secret, actor=ACTOR
        )

    _print(run_in_transaction(settings, operation), as_json)


@webhooks_app.command("show")
def show(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Show the account's webhook: URL, enabled, the masked secret and the signing secrets."""
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        return await service.show(session, account_id)

    _print(run_in_transaction(settings, operation), as_json)


@webhooks_app.command("rotate-signing-secret")
def rotate_signing_secret(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Make a new signing secret. For 24 hours the old one signs too: each request then
    carries a signature for each, so the customer can switch without missing an event."""
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        return await service.rotate_signing_secret(session, account_id, actor=ACTOR)

    _print(run_in_transaction(settings, operation), as_json)


def _switch(account_id: str, enabled: bool, as_json: bool) -> None:
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        return await service.set_enabled(
            session, account_id, enabled, actor=ACTOR, reason=None if enabled else "operator"
        )

    _print(run_in_transaction(settings, operation), as_json)


@webhooks_app.command("enable")
def enable(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Send the account's events again."""
    _switch(account_id, True, as_json)


@webhooks_app.command("disable")
def disable(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Stop sending the account's events (they are still recorded)."""
    _switch(account_id, False, as_json)
