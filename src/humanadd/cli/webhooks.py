"""`humanadd webhooks …`: each account's `call_ended` webhook."""

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.cli.console import print_json
from humanadd.cli.options import AccountArgument, AsJson, command_group
from humanadd.cli.runtime import load_settings, run_in_transaction
from humanadd.clock import datetime_from_iso
from humanadd.webhooks import service
from humanadd.webhooks.errors import RefusedWebhookUrl
from humanadd.webhooks.service import WebhookConfig

ACTOR = "cli"
INSECURE_HINT = "for development, HUMANADD_WEBHOOKS_ALLOW_INSECURE=1 allows http:// URLs"

webhooks_app = command_group(
    "Configure accounts' webhooks and look after their deliveries.\n\n"
    "Configure where each account's call_ended events are POSTed, rotate their signing "
    "secret, and see, repeat or recover their deliveries."
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
    """Set the account's webhook URL and secret; enable it.

    They replace any former URL and secret. The URL is refused unless it is https and its host
    resolves to public addresses (see HUMANADD_WEBHOOKS_ALLOW_INSECURE and
    HUMANADD_WEBHOOKS_ALLOW_PRIVATE for development). The first time, a signing secret (whsec_…)
    is made: give it to the customer to verify the webhook-signature header.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        try:
            return await service.configure(
                session, settings, account_id, url=url, secret=secret, actor=ACTOR
            )
        except RefusedWebhookUrl as error:
            # The hint is for operators only: the API's customers cannot change the setting.
            if urlsplit(url).scheme == "http" and not settings.webhooks_allow_insecure:
                raise RefusedWebhookUrl(f"{error} ({INSECURE_HINT})") from None
            raise

    _print(run_in_transaction(settings, operation), as_json)


@webhooks_app.command("show")
def show(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Show the account's webhook and signing secrets.

    Its URL, whether it is enabled, the customer's secret (masked) and the signing secrets.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> WebhookConfig:
        return await service.show(session, account_id)

    _print(run_in_transaction(settings, operation), as_json)


@webhooks_app.command("rotate-signing-secret")
def rotate_signing_secret(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Make a new signing secret.

    For 24 hours the old one signs too: each request then carries a signature for each, so the
    customer can switch without missing an event.
    """
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
    """Stop sending the account's events (still recorded)."""
    _switch(account_id, False, as_json)


@webhooks_app.command("test")
def send_test(account_id: AccountArgument, as_json: AsJson = False) -> None:
    """Queue a test event to the account's webhook.

    It goes through the same outbox, signing and retries as real events; `humanadd webhooks
    deliveries` shows how it went.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> str:
        return await service.send_test(session, account_id)

    event_id = run_in_transaction(settings, operation)
    if as_json:
        print_json({"account_id": account_id, "event_id": event_id})
    else:
        typer.echo(f"queued test event {event_id} for {account_id}")


@webhooks_app.command("deliveries")
def deliveries(
    account_id: AccountArgument,
    status: Annotated[
        str | None,
        typer.Option(
            metavar="STATUS",
            help="Only deliveries in this state: pending, delivered or failed.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option(min=1, max=1000, help="At most this many, newest first.")
    ] = 50,
    as_json: AsJson = False,
) -> None:
    """Show the account's recent deliveries, newest first.

    The delivery log: each delivery with its attempts (time, trigger, status code, latency,
    error).
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> list[dict[str, Any]]:
        return await service.delivery_log(session, account_id, status, limit)

    log = run_in_transaction(settings, operation)
    if as_json:
        print_json(log)
        return
    if not log:
        typer.echo("no deliveries")
        return
    for item in log:
        typer.echo(
            f"{item['delivery_id']}  {item['status']:<9}  {item['event_type']}  "
            f"event {item['event_id']}  {item['call_id'] or ''}"
        )
        for attempt in item["attempts"]:
            outcome = attempt["status_code"] or attempt["error"]
            typer.echo(
                f"    {attempt['attempted_at']}  {attempt['trigger']:<9}  {outcome}  "
                f"{attempt['latency_ms']} ms"
            )


@webhooks_app.command("redeliver")
def redeliver(
    delivery_id: Annotated[
        str, typer.Argument(metavar="DELIVERY_ID", help="The delivery (dlv_…) to send again.")
    ],
    as_json: AsJson = False,
) -> None:
    """Send a delivery's event again (same webhook-id).

    It goes now, as a new delivery.
    """
    settings = load_settings()

    async def operation(session: AsyncSession) -> str:
        return await service.redeliver(session, delivery_id, actor=ACTOR)

    new = run_in_transaction(settings, operation)
    if as_json:
        print_json({"delivery_id": new, "redelivers": delivery_id})
    else:
        typer.echo(f"queued {new} (a redelivery of {delivery_id})")


def _moment(text: str) -> datetime:
    try:
        return datetime_from_iso(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO-8601 time") from None


@webhooks_app.command("recover")
def recover(
    account_id: AccountArgument,
    since: Annotated[
        str,
        typer.Option(
            metavar="TIME", help="ISO-8601 (UTC unless it says otherwise).", show_default=False
        ),
    ],
    until: Annotated[
        str | None,
        typer.Option(metavar="TIME", help="ISO-8601; default: now.", show_default=False),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Queue again the events whose deliveries all failed.

    Every event of the account created in [--since, --until) whose deliveries all failed (after
    an outage of the customer's endpoint, say) is queued again.
    """
    settings = load_settings()
    start, end = _moment(since), _moment(until) if until else datetime.now(UTC)

    async def operation(session: AsyncSession) -> list[str]:
        return await service.recover(session, account_id, start, end, actor=ACTOR)

    queued = run_in_transaction(settings, operation)
    if as_json:
        print_json({"account_id": account_id, "queued": queued})
    else:
        typer.echo(f"queued {len(queued)} failed event(s) of {account_id} again")
