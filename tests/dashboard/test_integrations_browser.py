"""The Integrations tab in real Chromium against a real `humanadd serve`: rotating the key (then
the old key 401 and the new one 200 through the API), a test event to a real receiver that
arrives signed, the plan gate, axe on every state, and markup shown as text."""

import re
from collections.abc import Awaitable, Callable

import httpx
import orjson
from playwright.async_api import Dialog, Page, expect
from standardwebhooks import Webhook

from tests.conftest import MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in, screenshot
from tests.servers import Server
from tests.webhooks.receiver import Answer, Receiver

NewPage = Callable[..., Awaitable[Page]]
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def no_dialogs(page: Page) -> list[str]:
    """The messages of every dialog the page opens (an XSS payload that ran would open one)."""
    opened: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        opened.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return opened


async def test_an_owner_rotates_the_key_and_only_the_new_one_works(
    new_page: NewPage, make_account: MakeAccount, make_user: MakeUser, live_server: Server
) -> None:
    account = await make_account("Browser Rotation HVAC", timezone="America/Chicago")
    owner = await make_user(account.id, "owner")
    page = await new_page()
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await log_in(page, owner)
    await page.get_by_role("link", name="Integrations").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/integrations$"))
    card = page.locator("#custom-api")
    await expect(card).to_contain_text(f"{account.key[:12]}…{account.key[-4:]}")
    await assert_accessible(page)

    await card.get_by_role("link", name="Rotate key").click()
    await expect(page.get_by_text("stops working immediately")).to_be_visible()
    await assert_accessible(page)
    await page.get_by_role("button", name="Rotate key").click()

    field = page.get_by_label("New API key", exact=True)
    new_key = await field.input_value()
    assert re.fullmatch(r"hak_[0-9A-Za-z]{38}", new_key)
    assert await field.get_attribute("readonly") is not None
    await expect(page.get_by_role("alert")).to_contain_text("it will not be shown again")
    copy = page.get_by_role("button", name="Copy")
    await expect(copy).to_be_visible()
    await copy.click()
    await expect(page.locator('button[data-copy="new-key"]')).to_have_text("Copied")
    assert await page.evaluate("navigator.clipboard.readText()") == new_key
    await assert_accessible(page)
    await screenshot(page, "integrations-new-key")

    async with httpx.AsyncClient(base_url=live_server.url) as api:
        old = await api.get("/api/v1/calls", headers={"Authorization": f"Bearer {account.key}"})
        assert old.status_code == 401
        new = await api.get("/api/v1/calls", headers={"Authorization": f"Bearer {new_key}"})
        assert new.status_code == 200

    await page.reload()  # the browser sends the confirmation again
    await expect(page.get_by_role("heading", name="This key was already rotated")).to_be_visible()
    assert new_key not in await page.content()
    await assert_accessible(page)
    await page.go_back()
    assert new_key not in await page.content()
    await page.goto("/dashboard/integrations")
    await expect(page.locator("#custom-api")).to_contain_text(f"by {owner.email}")
    await expect(page.locator("#custom-api")).to_contain_text(f"{new_key[:12]}…{new_key[-4:]}")
    assert new_key not in await page.content()
    assert not any(new_key in line for line in live_server.log_lines())


async def test_a_test_event_reaches_a_real_receiver_signed_and_markup_stays_text(
    new_page: NewPage, make_account: MakeAccount, make_user: MakeUser, live_server: Server
) -> None:
    account = await make_account("Browser Webhooks Dental")
    owner = await make_user(account.id, "owner")
    receiver = Receiver(Answer(200, XSS.encode())).start()
    try:
        page = await new_page()
        dialogs = no_dialogs(page)
        await log_in(page, owner)
        await page.goto("/dashboard/integrations")
        url = f"{receiver.url}?from={XSS}"
        await page.get_by_label("Webhook URL").fill(url)
        await page.get_by_label("Secret", exact=True).fill("cust-secret-42")
        await page.get_by_role("button", name="Save").click()
        await expect(page.get_by_role("status")).to_have_text("The webhook is saved and enabled.")
        await expect(page.get_by_label("Webhook URL")).to_have_value(url)
        await expect(page.locator("#webhooks")).to_contain_text("A secret is set (cu…42).")

        await page.get_by_role("button", name="Send test event").click()
        outcome = page.locator(".outcome")
        await expect(outcome).to_contain_text("Delivered")
        await expect(outcome.locator("pre.reply")).to_have_text(XSS)
        await expect(outcome).to_contain_text(re.compile(r"Status code\s*200"))
        (received,) = receiver.received
        assert received.headers["x-webhook-secret"] == "cust-secret-42"
        row = page.locator("#webhooks tbody tr").first
        await expect(row).to_contain_text("test")
        await expect(row).to_contain_text("Delivered")
        await assert_accessible(page)
        await screenshot(page, "integrations-webhooks")

        await page.get_by_role("button", name="Reveal").click()
        secret = await page.get_by_label("Signing secret").input_value()
        assert secret.startswith("whsec_")
        event = Webhook(secret).verify(received.body, received.headers)
        assert event == orjson.loads(received.body)
        assert (event["event"], event["account_id"]) == ("test", account.id)
        await expect(page.get_by_role("button", name="Copy")).to_be_visible()
        await assert_accessible(page)

        await page.get_by_role("button", name="Redeliver").first.click()
        await expect(page.get_by_role("status")).to_contain_text("queued again")
        await page.get_by_role("link", name="Rotate signing secret").click()
        await assert_accessible(page)
        await page.get_by_role("button", name="Rotate signing secret").click()
        await expect(page.locator("#signing ~ ul.secrets li")).to_have_count(2)
        assert dialogs == []
        logged = "\n".join(live_server.log_lines())
        assert "cust-secret-42" not in logged
        assert secret not in logged
    finally:
        receiver.stop()


async def test_off_enterprise_the_cards_are_disabled_with_the_reason_on_a_phone(
    new_page: NewPage, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Gate Pest Control", plan="pro")
    owner = await make_user(account.id, "owner")
    page = await new_page(width=375)
    await log_in(page, owner)
    await page.goto("/dashboard/integrations")
    await expect(page.locator("#custom-api")).to_contain_text(
        "Custom API is available on the Enterprise plan."
    )
    await expect(page.locator("#webhooks")).to_contain_text(
        "Webhooks are available on the Enterprise plan."
    )
    await expect(page.get_by_role("button", name="Rotate key")).to_be_disabled()
    await expect(page.get_by_role("button", name="Send test event")).to_be_disabled()
    await expect(page.get_by_label("Webhook URL")).to_be_disabled()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await assert_accessible(page)
