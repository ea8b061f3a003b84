"""The Webhooks card against a real receiver on 127.0.0.1, over ASGI: a test event sent at once
and its outcome, the delivery log and redelivery, the endpoint's health, replies escaped."""

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.models import WebhookDelivery
from tests.conftest import MakeAccount, TestAccount
from tests.dashboard.conftest import Dashboard, MakeUser
from tests.webhooks.conftest import set_pending_deliveries_aside
from tests.webhooks.receiver import Answer, Receiver

OpenDashboard = Callable[..., Awaitable[Dashboard]]
PAGE = "/dashboard/integrations"
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The receivers listen on 127.0.0.1 over plain HTTP: allowed here only."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        webhooks_allow_insecure=True,
        webhooks_allow_private=True,
    )


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    """No later test's worker is to send what these tests leave pending."""
    yield
    await set_pending_deliveries_aside(services)


@pytest.fixture
async def hooked(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, receiver: Receiver
) -> tuple[TestAccount, Dashboard]:
    """An Enterprise account whose owner set the receiver as its webhook, on the page."""
    account = await make_account("Hooked Roofing", timezone="Europe/Paris")
    owner = await dashboard(await make_user(account.id, "owner"))
    saved = await owner.post(f"{PAGE}/webhook", {"url": receiver.url, "secret": "cust-secret-42"})
    assert saved.status_code == 303
    return account, owner


async def deliveries_of(services: Services, account_id: str) -> list[WebhookDelivery]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookDelivery)
            .where(WebhookDelivery.account_id == account_id)
            .order_by(WebhookDelivery.created_at)
        )
        return list(rows.scalars())


@pytest.mark.answers(Answer(200, b"thanks, got it"))
async def test_send_test_event_delivers_at_once_and_the_answer_shows_the_outcome(
    services: Services, hooked: tuple[TestAccount, Dashboard], receiver: Receiver
) -> None:
    account, owner = hooked
    sent = await owner.post(f"{PAGE}/webhook/test")

    assert sent.status_code == 303
    (received,) = receiver.received  # before the answer came
    (delivery,) = await deliveries_of(services, account.id)
    assert sent.headers["location"] == f"{PAGE}?test={delivery.id}#test"
    assert (delivery.status, delivery.trigger, delivery.attempts) == ("delivered", "manual", 1)
    async with services.sessions() as session:
        (secret,) = (await webhooks.show(session, account.id)).signing_secrets
    event = Webhook(secret.secret).verify(received.body, received.headers)
    assert (event["event"], event["account_id"]) == ("test", account.id)
    assert received.headers["x-webhook-secret"] == "cust-secret-42"

    page = await owner.get(sent.headers["location"])
    outcome = page.text.split('<div class="outcome good" role="status">', 1)[1].split("</div>")[0]
    assert "<strong>Delivered</strong>" in outcome
    assert "<dt>Status code</dt><dd>200</dd>" in outcome
    assert re.search(r"<dt>Latency</dt><dd>\d+ ms</dd>", outcome)
    assert '<pre class="reply">thanks, got it</pre>' in outcome
    assert '<span class="badge test">test</span>' in page.text
    assert '<span class="badge delivered">Delivered</span>' in page.text
    assert "<dt>Consecutive failures</dt><dd>0</dd>" in page.text
    assert "<dt>Last success</dt><dd><time" in page.text
    # Reloading the outcome sends nothing again.
    assert (await owner.get(sent.headers["location"])).status_code == 200
    assert len(receiver.received) == 1


@pytest.mark.answers(Answer(500, XSS.encode()))
async def test_a_failed_test_event_shows_the_error_and_the_reply_escaped(
    services: Services, hooked: tuple[TestAccount, Dashboard]
) -> None:
    account, owner = hooked
    page = await owner.get((await owner.post(f"{PAGE}/webhook/test")).headers["location"])

    outcome = page.text.split('<div class="outcome bad" role="status">', 1)[1].split("</div>")[0]
    assert "<strong>Not delivered</strong>" in outcome
    assert "<dt>Status code</dt><dd>500</dd>" in outcome
    assert "<dt>Error</dt><dd>HTTP 500 Internal Server Error</dd>" in outcome
    assert (
        '<pre class="reply">&lt;script&gt;alert(1)&lt;/script&gt;'
        "&lt;img src=x onerror=alert(1)&gt;</pre>" in outcome
    )
    assert XSS not in page.text
    assert "<dt>Consecutive failures</dt><dd>1 (failing since <time datetime=" in page.text
    assert "<dt>Last success</dt><dd>none yet</dd>" in page.text
    (delivery,) = await deliveries_of(services, account.id)
    assert (delivery.status, delivery.attempts) == ("pending", 1)


async def test_a_closed_port_is_said_in_words(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, receiver: Receiver
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    port = receiver.port
    receiver.stop()
    await owner.post(f"{PAGE}/webhook", {"url": f"http://127.0.0.1:{port}/hooks"})
    page = await owner.get((await owner.post(f"{PAGE}/webhook/test")).headers["location"])
    assert "<dt>Status code</dt><dd>no answer</dd>" in page.text
    assert f"<dt>Error</dt><dd>connection refused by 127.0.0.1:{port}</dd>" in page.text


async def test_a_disabled_webhook_sends_no_test_and_says_why_inline(
    services: Services, hooked: tuple[TestAccount, Dashboard], receiver: Receiver
) -> None:
    account, owner = hooked
    async with services.sessions.begin() as session:
        await webhooks.set_enabled(session, account.id, False, actor="t", reason="paused by ops")
    page = await owner.get(PAGE)
    assert '<span class="badge disabled">Disabled</span> paused by ops;' in page.text
    refused = await owner.post(f"{PAGE}/webhook/test")
    assert refused.status_code == 400
    assert (
        '<p class="error" role="alert">The webhook is disabled (paused by ops); '
        "save it to enable it again.</p>" in refused.text
    )
    assert receiver.received == []


async def test_no_webhook_yet_no_test_event(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    page = await owner.get(PAGE)
    assert "Send test event" not in page.text
    assert "Recent deliveries" not in page.text
    refused = await owner.post(f"{PAGE}/webhook/test")
    assert refused.status_code == 404
    assert "Save a webhook URL first." in refused.text


@pytest.mark.answers(Answer(500), Answer(200))
async def test_redeliver_queues_the_event_again_and_each_attempt_is_listed(
    services: Services, hooked: tuple[TestAccount, Dashboard]
) -> None:
    account, owner = hooked
    await owner.post(f"{PAGE}/webhook/test")
    (first,) = await deliveries_of(services, account.id)

    again = await owner.post(f"{PAGE}/deliveries/{first.id}/redeliver")
    assert again.status_code == 303
    assert again.headers["location"] == f"{PAGE}?redelivered=1#deliveries"
    first_again, second = await deliveries_of(services, account.id)
    assert (first_again.id, second.event_id, second.trigger) == (first.id, first.event_id, "manual")
    page = await owner.get(again.headers["location"])
    assert "The delivery is queued again" in page.text
    assert "not attempted yet" in page.text
    attempt = re.search(
        r"<li><time datetime=\"[^\"]+\">[^<]+</time>\s*· 500\s*· \d+ ms · "
        r'<span class="attempt-error">HTTP 500 Internal Server Error</span></li>',
        page.text,
    )
    assert attempt
    assert page.text.count(">Redeliver</button>") == 2


async def test_another_accounts_delivery_is_a_404_and_is_not_redelivered(
    make_account: MakeAccount,
    make_user: MakeUser,
    dashboard: OpenDashboard,
    services: Services,
    hooked: tuple[TestAccount, Dashboard],
) -> None:
    account, owner = hooked
    await owner.post(f"{PAGE}/webhook/test")
    (theirs,) = await deliveries_of(services, account.id)
    other = await make_account()
    stranger = await dashboard(await make_user(other.id, "owner"))

    refused = await stranger.post(f"{PAGE}/deliveries/{theirs.id}/redeliver")
    assert refused.status_code == 404
    assert "There is no such delivery." in refused.text
    assert (await stranger.post(f"{PAGE}/deliveries/dlv_nope/redeliver")).status_code == 404
    assert len(await deliveries_of(services, account.id)) == 1


async def test_a_webhook_url_with_markup_is_shown_escaped(
    make_account: MakeAccount, make_user: MakeUser, dashboard: OpenDashboard, receiver: Receiver
) -> None:
    account = await make_account()
    owner = await dashboard(await make_user(account.id, "owner"))
    url = f"{receiver.url}?next={XSS}"
    assert (await owner.post(f"{PAGE}/webhook", {"url": url})).status_code == 303
    page = await owner.get(PAGE)
    assert XSS not in page.text
    assert (
        "?next=&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text
    )
