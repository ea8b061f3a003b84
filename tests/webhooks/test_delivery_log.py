"""What the delivery log says: each way an attempt fails, in words, against real peers on
127.0.0.1 (a closed port, a name that never resolves, a TLS server nobody trusts), and which
attempts are `manual`."""

import asyncio
import datetime
import ipaddress
import re
import socket
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update
from standardwebhooks import Webhook

from humanadd.clock import ms_from_iso
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service
from humanadd.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Cli, MakeAccount, TestAccount
from tests.openapi_check import OpenApiChecker
from tests.webhooks.conftest import (
    attempt_due,
    attempts_of,
    run_until_settled,
    set_pending_deliveries_aside,
    the_delivery,
)
from tests.webhooks.receiver import Answer, Receiver


async def point_webhook_at(services: Services, account: TestAccount, url: str) -> None:
    """Change the URL behind the SSRF check of `configure`, as DNS can change behind it."""
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.account_id == account.id).values(url=url)
        )


async def the_error_of_one_attempt(
    services: Services, settings: Settings, account: TestAccount
) -> str | None:
    due = (await the_delivery(services, account)).next_attempt_at
    assert await attempt_due(services, settings, now=due) == 1
    (attempt,) = await attempts_of(services, (await the_delivery(services, account)).id)
    assert (attempt.status_code, attempt.response_body) == (None, None)
    return attempt.error


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_a_closed_port_is_connection_refused(
    services: Services, settings: Settings, hooked: TestAccount
) -> None:
    port = closed_port()
    await point_webhook_at(services, hooked, f"http://127.0.0.1:{port}/hooks")

    error = await the_error_of_one_attempt(services, settings, hooked)
    assert error == f"connection refused by 127.0.0.1:{port}"


@pytest.mark.parametrize("allow_private", [True, False])
async def test_a_name_that_does_not_resolve_is_a_dns_failure(
    services: Services, settings: Settings, hooked: TestAccount, allow_private: bool
) -> None:
    """`.invalid` never resolves (RFC 6761); with or without the private-address check."""
    await point_webhook_at(services, hooked, "http://hooks.humanadd.invalid/hooks")
    checked = settings.model_copy(update={"webhooks_allow_private": allow_private})

    error = await the_error_of_one_attempt(services, checked, hooked)
    assert error == "DNS failure: hooks.humanadd.invalid does not resolve"


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server TLS context with a certificate for 127.0.0.1 that no authority signed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return context


@pytest.fixture
async def untrusted_tls_port(tmp_path: Path) -> AsyncIterator[int]:
    """A TLS server on 127.0.0.1 with a self-signed certificate; its port."""

    async def hang_up(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0, ssl=self_signed_context(tmp_path))
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_an_untrusted_certificate_is_a_tls_error(
    services: Services, settings: Settings, hooked: TestAccount, untrusted_tls_port: int
) -> None:
    await point_webhook_at(services, hooked, f"https://127.0.0.1:{untrusted_tls_port}/hooks")

    error = await the_error_of_one_attempt(services, settings, hooked)
    assert error == "TLS error: certificate verify failed: self-signed certificate"


async def test_a_long_host_name_is_cut_to_fit_the_log(
    services: Services, settings: Settings, hooked: TestAccount
) -> None:
    host = ".".join(["a" * 60] * 4) + ".invalid"
    await point_webhook_at(services, hooked, f"http://{host}/hooks")

    error = await the_error_of_one_attempt(services, settings, hooked)
    assert error is not None
    assert len(error) == 255
    assert error.startswith(f"DNS failure: {'a' * 60}.")
    assert error.endswith("…")


@pytest.fixture
async def webhook_only(
    make_account: MakeAccount, services: Services, settings: Settings, receiver: Receiver
) -> TestAccount:
    """An account whose webhook is the receiver, with nothing in the outbox yet."""
    account = await make_account()
    await set_pending_deliveries_aside(services)
    async with services.sessions.begin() as session:
        await service.configure(
            session, settings, account.id, url=receiver.url, secret=None, actor="test"
        )
    return account


@pytest.mark.answers(Answer(500), Answer(503), Answer(200))
async def test_a_test_events_automatic_retries_are_scheduled_not_manual(
    client: httpx.AsyncClient,
    services: Services,
    settings: Settings,
    webhook_only: TestAccount,
    openapi: OpenApiChecker,
) -> None:
    queued = await client.post("/api/v1/webhooks/test", headers=webhook_only.headers)
    await run_until_settled(services, settings, webhook_only)

    log = await client.get("/api/v1/webhooks/deliveries", headers=webhook_only.headers)
    openapi.check(log)
    (delivery,) = log.json()["deliveries"]
    assert (delivery["event_id"], delivery["event_type"], delivery["trigger"]) == (
        queued.json()["event_id"],
        "test",
        "manual",
    )
    attempts = [(a["trigger"], a["status_code"], a["error"]) for a in delivery["attempts"]]
    assert attempts == [
        ("manual", 500, "HTTP 500 Internal Server Error"),
        ("scheduled", 503, "HTTP 503 Service Unavailable"),
        ("scheduled", 200, None),
    ]


@pytest.mark.answers(Answer(200), Answer(500), Answer(200))
async def test_a_redeliverys_automatic_retry_is_scheduled(
    cli: Cli, services: Services, settings: Settings, hooked: TestAccount
) -> None:
    await run_until_settled(services, settings, hooked)
    first = await the_delivery(services, hooked)
    assert (await cli("webhooks", "redeliver", first.id)).exit_code == 0
    async with services.sessions() as session:
        newest, _ = await service.delivery_log(session, hooked.id)
    assert newest["trigger"] == "manual"
    again = newest["delivery_id"]
    for _ in range(2):
        async with services.sessions() as session:
            pending = await session.get(WebhookDelivery, again)
        assert pending is not None
        await attempt_due(services, settings, now=pending.next_attempt_at)

    attempts = await attempts_of(services, again)
    assert [(a.trigger, a.status_code) for a in attempts] == [("manual", 500), ("scheduled", 200)]


def documented_test_event() -> dict[str, object]:
    """The example body under "The test event" in docs/webhooks.md."""
    text = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
    section = text.split("## The test event", 1)[1]
    example = section.split("```json\n", 1)[1].split("\n```", 1)[0]
    parsed: dict[str, object] = orjson.loads(example)
    return parsed


async def test_the_test_event_is_the_documented_body_signed_like_call_ended(
    cli: Cli, services: Services, settings: Settings, webhook_only: TestAccount, receiver: Receiver
) -> None:
    result = await cli("webhooks", "test", webhook_only.id, "--json")
    assert result.exit_code == 0, result.stderr
    await attempt_due(services, settings)

    (received,) = receiver.received
    body = orjson.loads(received.body)
    assert list(body) == list(documented_test_event()) == ["event", "account_id", "sent_at"]
    assert (body["event"], body["account_id"]) == ("test", webhook_only.id)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["sent_at"])
    async with services.sessions() as session:
        (secret,) = (await service.show(session, webhook_only.id)).signing_secrets
    assert Webhook(secret.secret).verify(received.body, received.headers) == body
    assert received.headers["webhook-id"] == orjson.loads(result.stdout)["event_id"]


API_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
"""The API document's one time format: UTC, milliseconds, `Z`."""


def unix_ms(moment: datetime.datetime) -> int:
    return round(moment.timestamp() * 1000)


@pytest.mark.answers(Answer(500), Answer(200))
async def test_the_logs_times_are_in_the_apis_format_in_the_api_and_the_cli(
    client: httpx.AsyncClient,
    cli: Cli,
    services: Services,
    settings: Settings,
    webhook_only: TestAccount,
) -> None:
    await client.post("/api/v1/webhooks/test", headers=webhook_only.headers)
    await run_until_settled(services, settings, webhook_only)
    stored = await the_delivery(services, webhook_only)
    stored_attempts = await attempts_of(services, stored.id)

    log = await client.get("/api/v1/webhooks/deliveries", headers=webhook_only.headers)
    listed = await cli("webhooks", "deliveries", webhook_only.id, "--json")

    (delivery,) = log.json()["deliveries"]
    times = [delivery["created_at"], *(a["attempted_at"] for a in delivery["attempts"])]
    assert all(API_TIME.fullmatch(time) for time in times), times
    assert [ms_from_iso(time) for time in times] == [
        unix_ms(stored.created_at),
        *(unix_ms(attempt.attempted_at) for attempt in stored_attempts),
    ]
    assert listed.exit_code == 0, listed.stderr
    assert orjson.loads(listed.stdout) == log.json()["deliveries"]
