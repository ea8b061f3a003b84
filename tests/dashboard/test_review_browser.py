"""The knowledge-base review in a real browser: a customer submits a change, an operator
approves or rejects it in the Review queue, the customer sees the outcome; an operator opens
an account from Accounts. XSS payloads stay text; axe checks every page."""

import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Dialog, Page, expect

from humanadd.dependencies import Services
from humanadd.kb import review as kb_review
from tests.conftest import MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in, screenshot

NewPage = Callable[..., Awaitable[Page]]
XSS = "<script>alert(1)</script> <img src=x onerror=alert(1)>"
REPLACE_CONFIRM = (
    "Replace the whole knowledge base? Every other entry is removed once this change is approved."
)


def record_dialogs(page: Page) -> list[tuple[str, str]]:
    """Every dialog the page opens, as (type, message); confirmations are accepted."""
    seen: list[tuple[str, str]] = []

    async def on_dialog(dialog: Dialog) -> None:
        seen.append((dialog.type, dialog.message))
        await dialog.accept()

    page.on("dialog", on_dialog)
    return seen


async def manual_review(services: Services, account_id: str) -> None:
    async with services.sessions.begin() as session:
        await kb_review.set_policy(session, account_id, "manual", actor="test")


def change_row(page: Page, text: str) -> object:
    return page.locator("tr", has=page.locator("pre", has_text=text))


async def test_an_operator_approves_a_held_change_and_the_customer_sees_it_approved(
    new_page: NewPage, services: Services, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Review Bakery", timezone="Europe/Berlin")
    await manual_review(services, account.id)
    owner, operator = await make_user(account.id, "owner"), await make_user(None, "operator")
    text = f"We bake sourdough on Saturdays. {XSS}"

    customer = await new_page()
    customer_dialogs = record_dialogs(customer)
    await log_in(customer, owner)
    await customer.get_by_role("link", name="Knowledge base").click()
    await customer.get_by_label("Text").fill(text)
    await customer.get_by_role("button", name="Add to the knowledge base").click()
    await expect(customer.get_by_role("status")).to_contain_text("was submitted")
    row = customer.locator("tbody tr").first
    await expect(row.get_by_text("held for review")).to_be_visible()
    await row.get_by_text("Text", exact=True).click()
    await expect(row.locator("pre")).to_have_text(text)
    await assert_accessible(customer)

    desk = await new_page()
    desk_dialogs = record_dialogs(desk)
    await log_in(desk, operator)
    await desk.get_by_role("link", name="Review queue").click()
    item = desk.locator("article", has_text="Browser Review Bakery")
    await expect(item.locator(".diff ins").last).to_have_text(f"+ {text}")
    await expect(item.get_by_text("Findings")).to_be_visible()
    await assert_accessible(desk)
    await screenshot(desk, "review-queue")
    await item.get_by_role("button", name="Approve").click()
    await expect(desk.get_by_role("status")).to_contain_text("Approved change")
    await expect(desk.locator("article", has_text="Browser Review Bakery")).to_have_count(0)

    await customer.reload()
    await expect(customer.locator("tbody tr").first.get_by_text("approved")).to_be_visible()
    await expect(customer.locator(".kb-entries pre")).to_have_text(text)
    assert customer_dialogs == desk_dialogs == []


async def test_a_rejected_replace_shows_the_customer_the_reason(
    new_page: NewPage, services: Services, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account("Browser Reject Garage")
    await manual_review(services, account.id)
    owner, operator = await make_user(account.id, "owner"), await make_user(None, "operator")
    reason = f"Please keep your opening hours. {XSS}"

    customer = await new_page()
    customer_dialogs = record_dialogs(customer)
    await log_in(customer, owner)
    await customer.goto("/dashboard/knowledge-base")
    await customer.get_by_role("link", name="Replace the whole knowledge base…").click()
    await expect(customer.get_by_role("heading", name="This wipes everything else")).to_be_visible()
    await customer.get_by_label("New text of the whole knowledge base").fill("We only fix bikes.")
    await customer.get_by_role("button", name="Replace the knowledge base").click()
    await expect(customer).to_have_url(re.compile(r"/dashboard/knowledge-base\?submitted=kbc_"))
    assert customer_dialogs == [("confirm", REPLACE_CONFIRM)]

    desk = await new_page()
    desk_dialogs = record_dialogs(desk)
    await log_in(desk, operator)
    await desk.goto("/dashboard/review")
    item = desk.locator("article", has_text="Browser Reject Garage")
    await expect(item).to_contain_text("replace")
    await item.get_by_label("Reason for rejecting (the customer sees it)").fill(reason)
    await item.get_by_role("button", name="Reject").click()
    await expect(desk.get_by_role("status")).to_contain_text("the customer sees the reason")

    await customer.reload()
    row = customer.locator("tbody tr").first
    await expect(row.get_by_text("rejected", exact=True)).to_be_visible()
    await expect(row).to_contain_text(f"Reason: {reason}")

    phone = await new_page(width=375)
    phone_dialogs = record_dialogs(phone)
    await log_in(phone, operator)
    await phone.goto(f"/dashboard/audit?account={account.id}")
    await expect(phone.get_by_role("cell", name="kb.change_rejected")).to_be_visible()
    await expect(phone.get_by_role("cell", name=operator.email).first).to_be_visible()
    await expect(phone.get_by_text(reason)).to_be_visible()
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 375, "no sideways scroll"
    await assert_accessible(phone)
    await screenshot(phone, "audit-log")
    assert desk_dialogs == phone_dialogs == []
    assert customer_dialogs == [("confirm", REPLACE_CONFIRM)]


async def test_an_operator_opens_an_accounts_overview_from_accounts(
    new_page: NewPage, make_account: MakeAccount, make_user: MakeUser
) -> None:
    account = await make_account(f"Browser Ops Florist {XSS}", plan="pro")
    operator = await make_user(None, "operator")

    page = await new_page()
    dialogs = record_dialogs(page)
    await log_in(page, operator)
    await expect(page).to_have_url(re.compile(r"/dashboard/accounts$"))
    await assert_accessible(page)
    await page.get_by_role("link", name=f"Browser Ops Florist {XSS}", exact=True).click()

    await expect(page).to_have_url(re.compile(rf"/dashboard/overview\?account={account.id}$"))
    await expect(page.locator(".account-bar strong")).to_have_text(f"Browser Ops Florist {XSS}")
    await expect(page.locator(".account-bar")).to_contain_text("Pro plan")
    await expect(page.get_by_role("link", name="Knowledge base")).to_have_attribute(
        "href", f"/dashboard/knowledge-base?account={account.id}"
    )
    assert dialogs == []
