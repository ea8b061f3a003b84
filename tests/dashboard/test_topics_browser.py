"""Topics in a real browser: from the Overview's top questions to the calls of a topic, to a
call's questions and back, with accessibility checks on each page and no script run."""

import re
import time
from collections.abc import Awaitable, Callable

from playwright.async_api import Dialog, Page, expect

from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from tests.conftest import AddCalls, MakeAccount
from tests.dashboard.conftest import MakeUser, assert_accessible, log_in
from tests.topics import ask, merge, new_topic

XSS = "<img src=x onerror=alert(1)>"


async def test_follow_a_top_question_to_its_calls_and_a_calls_questions(
    new_page: Callable[..., Awaitable[Page]],
    services: Services,
    make_account: MakeAccount,
    make_user: MakeUser,
    add_calls: AddCalls,
) -> None:
    account = await make_account("Browser Topics Garage")
    owner = await make_user(account.id, "owner")
    now = int(time.time() * 1000)
    async with services.sessions.begin() as session:
        hours = await new_topic(session, account.id, "What are your hours?")
        opening = await new_topic(session, account.id, "When do you open?")
        odd = await new_topic(session, account.id, XSS)
    await add_calls(
        account,
        [
            CallRecord(call_id=f"b{n}", direction="inbound", started_at=now - n * 60_000)
            for n in (1, 2, 3)
        ],
    )
    await ask(services, account.id, "b1", ["What are your hours?", XSS], [hours, odd])
    await ask(services, account.id, "b2", ["When do you open?"], [opening])
    await merge(services, account.id, {opening: hours})
    dialogs: list[str] = []
    page = await new_page()

    async def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await log_in(page, owner)
    await expect(page.locator("tr[data-question]")).to_have_count(2)
    await assert_accessible(page)

    await page.get_by_role("link", name="What are your hours?").click()
    await expect(page).to_have_url(re.compile(rf"/dashboard/calls\?topic={hours}$"))
    await expect(page.locator("#topic-filter q")).to_have_text("What are your hours?")
    await expect(page.locator("tr[data-call]")).to_have_count(2)
    await assert_accessible(page)

    await page.locator('tr[data-call="b2"] a').click()
    await expect(page).to_have_url(re.compile(r"/dashboard/calls/b2$"))
    question = page.locator("ol.questions li")
    await expect(question).to_have_count(1)
    await expect(question.locator(".question-text")).to_have_text("When do you open?")
    await assert_accessible(page)

    await page.goto("/dashboard/calls/b1")
    await expect(page.locator("ol.questions .question-text").nth(1)).to_have_text(XSS)
    await page.locator("ol.questions li").nth(1).get_by_role("link", name=XSS).click()
    await expect(page.locator("#topic-filter q")).to_have_text(XSS)
    await expect(page.locator("tr[data-call]")).to_have_count(1)
    await page.get_by_role("link", name="Show calls of every topic").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/calls$"))
    await expect(page.locator("tr[data-call]")).to_have_count(3)
    await expect(page.locator("#topic-filter")).to_have_count(0)
    assert dialogs == []
